"""What make doctor's checks return and what they are fed.

A check returns a :class:`Finding`: one line of the report, with its status, what was found
and, unless ok, the fix, each a :class:`Text`: an English message and its values, translated
when the report is shown (:mod:`course_utils.language`). It is fed measured values, among them
a :class:`Probe` (how a command ended) and an :class:`Interpreter`. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_utils.language import N_, Message, list_text, translate, translated, translated_count

OK, WARNING, PROBLEM = "ok", "warning", "problem"
STATUS_WORDS = {OK: N_("ok", "make doctor status"), WARNING: N_("warning", "make doctor status"),
                PROBLEM: N_("problem", "make doctor status")}


class Text:
    """An English message and the values of its placeholders, translated where it is shown.

    A value may be a :class:`Text` or an ``N_`` label (each translated too), or a list
    (joined as the language writes lists).
    """

    def __init__(self, message: str, **fields):
        self.message, self.fields = message, fields

    def in_language(self, code: str) -> str:
        """The text in the language ``code``, such as "zh" or "en"."""
        return translated(self.message, code, **self._fields_in(code))

    def _fields_in(self, code: str) -> dict:
        return {name: _value_in(value, code) for name, value in self.fields.items()}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, **{self.fields!r})"


class CountedText(Text):
    """A :class:`Text` whose words follow a count ("1 file is missing", "2 files are missing")."""

    def __init__(self, singular: str, plural: str, count: int, **fields):
        super().__init__(singular, **fields)
        self.plural, self.count = plural, count

    def in_language(self, code: str) -> str:
        return translated_count(self.message, self.plural, self.count, code, **self._fields_in(code))


def _value_in(value, code: str):
    if isinstance(value, Text):
        return value.in_language(code)
    if isinstance(value, Message):
        return translate(value, code)
    if isinstance(value, list):
        return list_text([_value_in(item, code) for item in value], code)
    return value


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
    """A fix that is a command: the same in every language, in backticks."""
    return Text("`{command}`", command=line)
