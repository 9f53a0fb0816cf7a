"""make feedback: each student's rows of the gradebook, in their language, as ``feedback.md``.

The gradebook (``build/grades/gradebook.csv``, from make grade) is read once and grouped by
student; each student gets one short Markdown file with only their own rows: a table of
notebook, exercise, ✓ or ✗ and the message, then "n of m checks passed". Headings and labels
follow the student's language: "zh", "en" or "both" (Chinese, then English).

Where the files go is the caller's: a folder per student here (:func:`feedback_to_folders`),
or each student's hub home (:mod:`course_tools.classroom.hand_back`). Both go through
:func:`hand_out`, which writes into a folder opened without following a link and never
creates a folder for a name that is not one plain file name (``../bob``, ``.``, ``a/b``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
from collections.abc import Callable
from pathlib import Path

from course_tools.grading.answers import MAX_FILE_BYTES
from course_tools.grading.exercises import edition_language
from course_tools.grading.gradebook import FIELDS, printable
from course_utils.language import choose
from course_utils.reporting import open_folder, read_regular_file, write_text_in_folder

FEEDBACK_FILE = "feedback.md"
GRADEBOOK_LIMIT = 256 * 2 ** 20  # bytes: a class of thousands is a few MiB
MESSAGE_LIMIT = 1000  # characters of one message shown
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")  # with full-width punctuation

TITLE = ("批改结果：{student}", "Grading results: {student}")
INTRODUCTION = ("每一行是一项检查：✓ 表示通过，✗ 表示还没有通过。",
                "Each row is one check: ✓ passed, ✗ not yet.")
COLUMNS = (("笔记本", "notebook"), ("练习", "exercise"), ("通过", "passed"), ("反馈", "message"))
TOTAL = ("共 {checks} 项检查，通过了 {passed} 项。", "{passed} of {checks} checks passed.")
# The grader's own messages that it writes in English only, each with its Chinese.
ENGLISH_ONLY = (
    (re.compile(r"no files handed in$"), "没有交任何文件"),
    (re.compile(r"not a course notebook: expected one of (.*)$"), r"不是课程的笔记本：应为 \1 之一"),
    (re.compile(r"grading failed \((.*)\)$"), r"批改失败（\1）"),
    (re.compile(r"not a readable notebook \((.*)\)$"), r"不是可读的笔记本（\1）"),
)


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


def language_of_messages(rows: list[dict]) -> str:
    """The student's language from their gradebook messages: "en" when none has Chinese; "both"
    when most of those with Chinese go on in English after it, as ``choose(..., "both")`` writes; else "zh"."""
    messages = [_unescaped(row["message"]) for row in rows if not _english_only(_unescaped(row["message"]))]
    chinese = [message for message in messages if CHINESE.search(message)]
    if not chinese:
        return "en"
    both = sum(_english_after_chinese(message) for message in chinese)
    return "both" if 2 * both >= len(chinese) else "zh"


def _english_after_chinese(message: str) -> bool:
    tail = CHINESE.split(message)[-1]
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
    return None if not languages else languages.pop() if len(languages) == 1 else "both"


def _edition(folder: int, name: str) -> str | None:
    """The language of the notebook ``name`` in ``folder``; None when it is not a readable notebook."""
    import nbformat

    try:
        text = read_regular_file(name, MAX_FILE_BYTES, dir_fd=folder).decode("utf-8")
        return edition_language(nbformat.reads(text, as_version=4))
    except Exception:  # noqa: BLE001 (not a notebook: the grader's rows already say so)
        return None


def feedback_text(student: str, rows: list[dict], lang: str) -> str:
    """The Markdown of one student's feedback: their rows only, in ``lang`` ("zh", "en" or "both")."""
    def label(pair: tuple[str, str], **values) -> str:
        return choose(tuple(text.format(**values) for text in pair), lang)

    checks = [row for row in rows if row["exercise"] != "-"]  # "-": a notebook-level row, not a check
    lines = [f"# {label(TITLE, student=_markdown(student))}", "",
             choose(INTRODUCTION, lang, joiner="\n\n"), "",
             "| " + " | ".join(label(column) for column in COLUMNS) + " |",
             "|---|---|:---:|---|"]
    for row in rows:
        cells = [_code(_unescaped(row["notebook"])), _code(row["exercise"]), "✓" if row["passed"] else "✗",
                 _markdown(_message(row["message"], lang))]
        lines.append("| " + " | ".join(cells) + " |")
    total = tuple(text.format(passed=sum(row["passed"] for row in checks), checks=len(checks)) for text in TOTAL)
    return "\n".join([*lines, "", choose(total, lang, joiner="\n\n"), ""])


def _message(message: str, lang: str) -> str:
    """A gradebook message for the feedback: the grader's English-only ones in ``lang`` too."""
    message = _unescaped(message)[:MESSAGE_LIMIT]
    for pattern, chinese in ENGLISH_ONLY:
        if pattern.match(message):
            return choose((pattern.sub(chinese, message), message), lang)
    return message


def _english_only(message: str) -> bool:
    return any(pattern.match(message) for pattern, _ in ENGLISH_ONLY)


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

