"""The class list's log-in, shared by both hubs: make hub's, and Zero to JupyterHub's.

Standard library and JupyterHub only, because on Kubernetes this file is copied as it is
into the hub's pod (``hub-k8s`` puts it in the Helm values), where the course is not installed.
``accounts.json`` holds each student's language and an scrypt hash of their password.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from jupyterhub.auth import Authenticator
from traitlets import Unicode

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


class ClassListAuthenticator(Authenticator):
    """The class list's students, each with the password the instructor handed out."""

    accounts_file = Unicode(help="accounts.json, as hub-accounts or hub-k8s writes it").tag(config=True)

    async def authenticate(self, handler, data):
        if check_password(read_accounts(self.accounts_file), data["username"], data["password"]):
            return data["username"]
        return None
