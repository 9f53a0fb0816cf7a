"""make feedback: each student's rows of the gradebook, in their language, as ``feedback.md``.

The gradebook (``build/grades/gradebook.csv``, from make grade) is read once and grouped by
student; each student gets one short Markdown file with only their own rows: a table of
notebook, exercise, ✓ or ✗ and the message, then "n of m checks passed". Headings and labels
follow the student's language: one of the course's, or "both" (Chinese, then English).

Where the files go is the caller's: a folder per student here (:func:`feedback_to_folders`),
or each student's hub home (:mod:`course_tools.classroom.hand_back`). Both go through
:func:`hand_out`, which writes into a folder opened without following a link and never
creates a folder for a name that is not one plain file name (``../bob``, ``.``, ``a/b``).
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import io
import os
import re
import string
from collections.abc import Callable
from pathlib import Path

from course_tools.grading.answers import MAX_FILE_BYTES
from course_tools.grading.exercises import edition_language
from course_tools.grading.gradebook import ENGLISH_ONLY, FIELDS, printable
from course_tools.notebook.tags import ENGLISH
from course_utils.language import BOTH, N_, languages, translated
from course_utils.reporting import open_folder, read_regular_file, write_text_in_folder

FEEDBACK_FILE = "feedback.md"
GRADEBOOK_LIMIT = 256 * 2 ** 20  # bytes: a class of thousands is a few MiB
MESSAGE_LIMIT = 1000  # characters of one message shown
# The characters of each script other than Latin that a message can be recognised by (a language's
# "script" in course_utils/locale/languages.json); Han with its full-width punctuation.
SCRIPTS = {"Han": re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")}

TITLE = N_("Grading results: {student}")
INTRODUCTION = N_("Each row is one check: ✓ passed, ✗ not yet.")
COLUMNS = (N_("notebook", "gradebook column"), N_("exercise", "gradebook column"),
           N_("passed", "gradebook column"), N_("message", "gradebook column"))
TOTAL = N_("{passed} of {checks} checks passed.")


@dataclasses.dataclass
class Place:
    """Where one student's feedback goes: an open folder (closed by :func:`hand_out`), the
    student's language when it is known (else read from their messages), and the account
    the file is handed to (uid, gid), when written as root into someone else's folder."""

    folder: int
    lang: str | None = None
    owner: tuple[int, int] | None = None


@dataclasses.dataclass
class HandedOut:
    """What :func:`hand_out` did: the students whose file was written, and why each other one was not."""

    written: list[str] = dataclasses.field(default_factory=list)
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)

    def summary(self, where: str) -> str:
        """One line for the instructor, the names cleaned of terminal escapes."""
        line = f"[feedback] {FEEDBACK_FILE} for {len(self.written)} students in {where}"
        if self.skipped:
            line += f"; skipped {len(self.skipped)}: " + "; ".join(
                f"{printable(name)!r} ({reason})" for name, reason in sorted(self.skipped.items()))
        return line


def read_gradebook(grades: str | Path) -> dict[str, list[dict]]:
    """Each student's rows of ``grades/gradebook.csv``, in the gradebook's order, with ``passed`` a bool."""
    path = Path(grades) / "gradebook.csv"
    try:
        data = read_regular_file(path, GRADEBOOK_LIMIT)
    except FileNotFoundError:
        raise FileNotFoundError(f"No gradebook at {path}: run make grade SUBMISSIONS=... first "
                                "(after shards, make grade MERGE=1).") from None
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    if reader.fieldnames != FIELDS:
        raise ValueError(f"{path} is not a gradebook of make grade: its columns are {reader.fieldnames}, "
                         f"expected {FIELDS}. Run make grade again.")
    students: dict[str, list[dict]] = {}
    for row in reader:
        students.setdefault(row["student"], []).append({**row, "passed": row["passed"] == "True"})
    return students


def plain_name(name: str) -> bool:
    """Whether ``name`` can only name one folder inside another: no separator, no ``.`` or ``..``,
    not hidden, nothing unprintable, at most 255 bytes."""
    return (bool(name) and name == printable(name).strip() and not name.startswith(".")
            and not any(mark in name for mark in ("/", "\\", "\0", "\n", "\t"))
            and len(name.encode("utf-8")) <= 255)


def written_in(message: str) -> str | None:
    """The course language whose script ``message`` is written in, for a script of :data:`SCRIPTS`
    (Chinese: Han characters); None for a message in Latin letters only."""
    for code, language in languages().items():
        script = SCRIPTS.get(language.script)
        if script is not None and script.search(message):
            return code
    return None


def language_of_messages(rows: list[dict]) -> str:
    """The student's language from their gradebook messages: English when none is written in another
    script; "both" when most of those that are go on in English after it, as a message in "both" is
    written; else the language of their script."""
    messages = [_unescaped(row["message"]) for row in rows if not _english_only(_unescaped(row["message"]))]
    native = [(code, message) for message in messages if (code := written_in(message))]
    if not native:
        return ENGLISH
    both = sum(_english_after(message, code) for code, message in native)
    if 2 * both >= len(native):
        return BOTH
    return collections.Counter(code for code, _ in native).most_common(1)[0][0]


def _english_after(message: str, code: str) -> bool:
    tail = SCRIPTS[languages()[code].script].split(message)[-1]
    return len(re.findall(r"[A-Za-z]{2,}", tail)) >= 2 or bool(re.search(r"[A-Za-z]{2,}:", tail))


def language_of_submission(submissions: str | Path, student: str) -> str | None:
    """The language of the editions ``student`` handed in (``submissions/<student>/*.ipynb``):
    "both" when their notebooks disagree; None without a readable notebook."""
    folder = open_folder(submissions, [student]) if plain_name(student) else None
    if folder is None:
        return None
    try:
        languages = {_edition(folder, name) for name in os.listdir(folder) if name.endswith(".ipynb")} - {None}
    finally:
        os.close(folder)
    return None if not languages else languages.pop() if len(languages) == 1 else BOTH


def _edition(folder: int, name: str) -> str | None:
    """The language of the notebook ``name`` in ``folder``; None when it is not a readable notebook."""
    import nbformat

    try:
        text = read_regular_file(name, MAX_FILE_BYTES, dir_fd=folder).decode("utf-8")
        return edition_language(nbformat.reads(text, as_version=4))
    except Exception:  # noqa: BLE001 (not a notebook: the grader's rows already say so)
        return None


def feedback_text(student: str, rows: list[dict], lang: str) -> str:
    """The Markdown of one student's feedback: their rows only, in ``lang`` (a course language or "both")."""
    checks = [row for row in rows if row["exercise"] != "-"]  # "-": a notebook-level row, not a check
    lines = [f"# {translated(TITLE, lang, student=_markdown(student))}", "",
             translated(INTRODUCTION, lang, joiner="\n\n"), "",
             "| " + " | ".join(translated(column, lang) for column in COLUMNS) + " |",
             "|---|---|:---:|---|"]
    for row in rows:
        cells = [_code(_unescaped(row["notebook"])), _code(row["exercise"]), "✓" if row["passed"] else "✗",
                 _markdown(_message(row["message"], lang))]
        lines.append("| " + " | ".join(cells) + " |")
    total = translated(TOTAL, lang, joiner="\n\n", passed=sum(row["passed"] for row in checks), checks=len(checks))
    return "\n".join([*lines, "", total, ""])


def _message(message: str, lang: str) -> str:
    """A gradebook message for the feedback: the grader's English-only ones in ``lang`` too."""
    message = _unescaped(message)[:MESSAGE_LIMIT]
    for english in ENGLISH_ONLY:
        found = _as_pattern(english).fullmatch(message)
        if found:
            return translated(english, lang, **found.groupdict())
    return message


def _english_only(message: str) -> bool:
    return any(_as_pattern(english).fullmatch(message) for english in ENGLISH_ONLY)


def _as_pattern(message: str) -> re.Pattern:
    """``message`` as a regular expression, a named group for each placeholder: "grading failed
    ({error})" matches "grading failed (MemoryError: ...)"."""
    parts = [re.escape(literal) + (f"(?P<{name}>.*)" if name else "")
             for literal, name, _, _ in string.Formatter().parse(message)]
    return re.compile("".join(parts))


def _unescaped(text: str) -> str:
    """A gradebook cell as it was before :func:`~course_tools.grading.gradebook.spreadsheet_safe`
    prefixed it with ``'``, with nothing unprintable."""
    text = printable(text)
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _markdown(text: str) -> str:
    """``text`` shown as it is in a Markdown table cell: no HTML, link, emphasis or column break."""
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]<>|#~&!])", r"\\\1", text)


def _code(name: str) -> str:
    """A notebook name or exercise id as code, or as plain escaped text when it could end the code."""
    return f"`{name}`" if re.fullmatch(r"[\w.\- ]+", name) else _markdown(name)


def hand_out(grades: str | Path, place: Callable[[str], Place | str]) -> HandedOut:
    """Write each student's ``feedback.md`` where ``place(student)`` says: a :class:`Place`, or the
    reason there is none (reported, nothing created elsewhere). A name that is not plain is
    refused before ``place`` is asked."""
    report = HandedOut()
    for student, rows in sorted(read_gradebook(grades).items()):
        try:
            where = place(student) if plain_name(student) else "not a plain folder name"
        except OSError as error:  # a folder that cannot be made or opened: this student's, not the class's
            where = str(error)
        if isinstance(where, str):
            report.skipped[student] = where
            continue
        try:
            text = feedback_text(student, rows, where.lang or language_of_messages(rows))
            write_text_in_folder(where.folder, FEEDBACK_FILE, text, owner=where.owner)
            report.written.append(student)
        except OSError as error:
            report.skipped[student] = str(error)
        finally:
            os.close(where.folder)
    return report


def feedback_to_folders(grades: str | Path, out: str | Path, *, submissions: str | Path | None = None) -> HandedOut:
    """``out/<student>/feedback.md`` for each student of the gradebook: folders 0700 and files 0600,
    the instructor's only; a folder there that is a link, or someone else's, is refused.

    Each student's language comes from the editions they handed in (``submissions``, when
    given), else from their messages.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)

    def place(student: str) -> Place | str:
        lang = language_of_submission(submissions, student) if submissions else None
        try:
            (out / student).mkdir(mode=0o700)  # never through a link: mkdir refuses an existing name
        except FileExistsError:
            pass
        folder = open_folder(out, [student])
        if folder is None:
            return f"{out / student} is a link or not a folder"
        if os.fstat(folder).st_uid != os.geteuid():
            os.close(folder)
            return f"{out / student} belongs to another account"
        os.fchmod(folder, 0o700)
        return Place(folder, lang)

    return hand_out(grades, place)

