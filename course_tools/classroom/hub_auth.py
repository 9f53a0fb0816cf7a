"""The class list's log-in, shared by both hubs: make hub's, and Zero to JupyterHub's.

Standard library and JupyterHub only, because on Kubernetes this file is copied as it is
into the hub's pod (``hub-k8s`` puts it in the Helm values), where the course is not installed.
``accounts.json`` holds each student's language and an scrypt hash of their password.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path

from jupyterhub.auth import Authenticator
from traitlets import Float, Integer, Unicode

SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def password_hash(password: str, salt: str) -> str:
    return hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **SCRYPT).hex()


def read_accounts(path: str | Path) -> dict[str, dict]:
    """``{student: {"lang", "salt", "hash"}}``; empty before the first student is added."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def check_password(accounts: dict[str, dict], name: str, password: str) -> bool:
    account = accounts.get(name)
    if account is None:
        return False
    return hmac.compare_digest(password_hash(password, account["salt"]), account["hash"])


class Throttle:
    """Failed log-ins per name: after ``free`` of them, each further try waits twice as long as the last."""

    def __init__(self, free: int = 5, first_wait: float = 1.0, longest_wait: float = 300.0, clock=time.monotonic):
        self.free, self.first_wait, self.longest_wait, self.clock = free, first_wait, longest_wait, clock
        self.failures: dict[str, tuple[int, float]] = {}  # name: (count, when the next try is allowed)

    def wait_left(self, name: str) -> float:
        return max(0.0, self.failures.get(name, (0, 0.0))[1] - self.clock())

    def failed(self, name: str) -> None:
        count = self.failures.get(name, (0, 0.0))[0] + 1
        wait = 0.0 if count < self.free else min(self.longest_wait, self.first_wait * 2 ** (count - self.free))
        self.failures[name] = (count, self.clock() + wait)

    def succeeded(self, name: str) -> None:
        self.failures.pop(name, None)


class ClassListAuthenticator(Authenticator):
    """The class list's students, each with the password the instructor handed out.

    Guessing is slowed per name (:class:`Throttle`), and the hash is computed off the
    hub's event loop, so log-ins do not stall everyone else's requests.
    """

    accounts_file = Unicode(help="accounts.json, as hub-accounts or hub-k8s writes it").tag(config=True)
    free_failures = Integer(5, help="failed log-ins of one name before each try must wait").tag(config=True)
    longest_wait = Float(300.0, help="seconds, the longest wait between two tries of one name").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.throttle = Throttle(self.free_failures, longest_wait=self.longest_wait)

    async def authenticate(self, handler, data):
        name = str(data.get("username", ""))[:64]
        if self.throttle.wait_left(name) > 0:
            self.log.warning("log-in of %r refused: %.0f s to wait after failed tries", name,
                             self.throttle.wait_left(name))
            return None
        accounts = read_accounts(self.accounts_file)
        correct = await asyncio.to_thread(check_password, accounts, name, str(data.get("password", "")))
        if not correct:
            self.throttle.failed(name)
            return None
        self.throttle.succeeded(name)
        return name
