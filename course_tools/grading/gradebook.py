"""The gradebook: ``gradebook.csv`` (student, notebook, exercise, passed, message) and
``summary.csv`` (per exercise: how many passed of how many submitted), readable by the
instructor only, with what a student controls made safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from course_utils.language import N_
from course_utils.reporting import write_text_atomically

FIELDS = ["student", "notebook", "exercise", "passed", "message"]
# The grader's notebook-level messages, written in English: the edition's language is not known
# yet. The feedback shows them in the student's language (course_tools.grading.feedback).
NO_FILES = N_("no files handed in")
NOT_A_COURSE_NOTEBOOK = N_("not a course notebook: expected one of {names}")
GRADING_FAILED = N_("grading failed ({error})")
NOT_READABLE = N_("not a readable notebook ({error})")
ENGLISH_ONLY = (NO_FILES, NOT_A_COURSE_NOTEBOOK, GRADING_FAILED, NOT_READABLE)


def write_gradebook(rows: list[dict], out_dir: Path, limits_line: str = "") -> tuple[Path, Path]:
    """``gradebook.csv`` (one row per student and exercise) and ``summary.csv`` (per exercise, then
    how the limits were enforced), readable by the instructor only, never half-written.

    What a student controls (folder and file names, messages) is made safe to open in a
    spreadsheet: no control character, and no cell that starts a formula.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o700)
    book = io.StringIO()
    writer = csv.DictWriter(book, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows({**row, **{key: spreadsheet_safe(row[key]) for key in ("student", "notebook", "message")}}
                     for row in rows)
    totals: dict[str, list[int]] = {}
    for row in rows:
        if row["exercise"] != "-":
            passed, submitted = totals.setdefault(row["exercise"], [0, 0])
            totals[row["exercise"]] = [passed + row["passed"], submitted + 1]
    summary = io.StringIO()
    writer = csv.writer(summary)
    writer.writerow(["exercise", "passed", "submitted", "share"])
    for name, (passed, submitted) in sorted(totals.items()):
        writer.writerow([name, passed, submitted, f"{passed / submitted:.0%}"])
    if limits_line:
        writer.writerow(["limits", "", "", limits_line])
    return (write_text_atomically(out_dir / "gradebook.csv", book.getvalue(), private=True, newline=""),
            write_text_atomically(out_dir / "summary.csv", summary.getvalue(), private=True, newline=""))


CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without terminal escapes and control characters (tab and newline kept)."""
    return CONTROL.sub("", str(text))


def spreadsheet_safe(value) -> str:
    """A CSV cell a spreadsheet shows as text: printable, and quote-prefixed where it would start a
    formula (= + - @, tab or carriage return; OWASP's advice on CSV injection)."""
    text = str(value)
    if text == "-":
        return text  # the course's own placeholder
    text = printable(text.replace("\r", " ")).replace("\n", " ")
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t") else text

