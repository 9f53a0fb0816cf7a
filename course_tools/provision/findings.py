"""What make doctor's checks return and what they are fed.

A check returns a :class:`Finding`: one line of the report, with its status, what was found
and, unless ok, the fix, each in Chinese and English. It is fed measured values, among them a
:class:`Probe` (how a command ended) and an :class:`Interpreter`. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

Text = Tuple[str, str]  # (Chinese, English); typing's, so that Python 3.8 can say it is too old
OK, WARNING, PROBLEM = "ok", "warning", "problem"
STATUS_WORDS = {OK: ("正常", "ok"), WARNING: ("警告", "warning"), PROBLEM: ("问题", "problem")}


@dataclass(frozen=True)
class Finding:
    """One line of the report: a status, what was found and, unless ok, how to fix it."""

    status: str  # OK, WARNING or PROBLEM
    text: Text
    fix: Text | None = None


@dataclass(frozen=True)
class Interpreter:
    """The Python that runs (or will run) the course."""

    path: str
    implementation: str  # sys.implementation.name: "cpython", "pypy", ...
    version: tuple[int, ...]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


@dataclass(frozen=True)
class Probe:
    """How a command ended: whether it succeeded, and its last line of output."""

    succeeded: bool
    output: str
    timed_out: bool = False


def command(line: str) -> Text:
    """A fix that is a command: the same in both languages, in backticks."""
    return (f"`{line}`", f"`{line}`")
