"""Grading a class's submitted notebooks (``make grade SUBMISSIONS=folder``).

Each student hands in course notebooks in a folder of their own
(``submissions/<student>/02_conv_autoencoder.ipynb``). Every notebook is checked
(is it a notebook of this course at all?), copied into a fresh temporary folder
and executed headless in a separate process with a time limit, with short
training (``epochs=1``). After each exercise cell the grader runs the course's
own check calls again, taken from the course notebook, not from the submission,
and records the verdicts and the feedback they print. A submission that crashes,
loops, deletes files or is not a notebook gets rows that say why; it never stops
the run or touches the other submissions.

Writes ``gradebook.csv`` (student, notebook, exercise, passed, message) and
``summary.csv`` (per exercise: how many passed of how many submitted).
"""

from __future__ import annotations

import ast
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from course_tools.paths import ASSETS
from course_tools.runner import course_notebooks
from course_utils.data import course_data_dir

GRADING_PARAMETERS = {"epochs": 1}
TIME_LIMIT_S = 600
GRADES_FILE = "grades.jsonl"
FIELDS = ["student", "notebook", "exercise", "passed", "message"]


@dataclass(frozen=True)
class Exercise:
    """One exercise cell of a course notebook and the check calls that grade it."""

    cell: int  # its index among the notebook's exercise cells
    check_code: str  # the course's own ``passed = ...`` statement
    checks: int  # how many verdicts it gives


def course_exercises(notebook: Path) -> list[Exercise]:
    """The exercise cells of a course notebook, with the statement that checks each."""
    import nbformat

    cells = [c for c in nbformat.read(notebook, as_version=4).cells
             if "exercise" in c.metadata.get("tags", [])]
    exercises = []
    for index, cell in enumerate(cells):
        tree = ast.parse(cell.source)
        [statement] = [node for node in tree.body if isinstance(node, ast.Assign)
                       and any(getattr(target, "id", None) == "passed" for target in node.targets)]
        checks = len(statement.value.elts) if isinstance(statement.value, ast.List) else 1
        exercises.append(Exercise(index, ast.get_source_segment(cell.source, statement), checks))
    return exercises


def grade_folder(submissions: str | Path, out_dir: str | Path = "build/grades", *,
                 time_limit: float = TIME_LIMIT_S, lang: str = "en", jobs: int = 2) -> list[dict]:
    """Grade every student folder in ``submissions``, ``jobs`` notebooks at a time.

    Writes ``gradebook.csv`` and ``summary.csv`` to ``out_dir`` and returns the rows,
    in the order of the students' folder names.
    """
    from concurrent.futures import ThreadPoolExecutor

    submissions, out_dir = Path(submissions), Path(out_dir)
    if not submissions.is_dir():
        raise ValueError(f"{submissions} is not a folder; expected one folder per student.")
    students = sorted(p for p in submissions.iterdir() if p.is_dir())
    if not students:
        raise ValueError(f"{submissions} holds no student folders (submissions/<student>/*.ipynb).")
    work = []
    for number, folder in enumerate(students, start=1):
        files = sorted(p for p in folder.iterdir() if p.is_file())
        label = f"[grade {number}/{len(students)}] {folder.name}"
        work += [(path, folder.name, label) for path in files] or [(None, folder.name, label)]

    def grade(item) -> list[dict]:
        path, student, label = item
        if path is None:
            return [_row(student, "-", "-", False, "no files handed in")]
        return grade_submission(path, student, time_limit=time_limit, lang=lang, label=label)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # each notebook runs in its own process
        rows = [row for rows in pool.map(grade, work) for row in rows]
    write_gradebook(rows, out_dir)
    return rows


def grade_submission(path: Path, student: str, *, time_limit: float = TIME_LIMIT_S,
                     lang: str = "en", label: str = "[grade]") -> list[dict]:
    """Rows of (student, notebook, exercise, passed, message) for one submitted file."""
    import nbformat

    course = {p.name: p for p in course_notebooks()}
    if path.name not in course:
        return [_row(student, path.name, "-", False,
                     f"not a course notebook: expected one of {', '.join(course)}")]
    exercises = course_exercises(course[path.name])
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # any unreadable file is a row, never a crash
        reason = f"not a readable notebook ({type(error).__name__}: {str(error)[:200]})"
        return _ungraded(student, path.stem, exercises, reason)
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        work = _private_copy(Path(scratch))
        notebook = work / "notebooks" / path.name
        nbformat.write(instrument(nb, exercises), notebook)
        outcome = _execute(notebook, work, time_limit=time_limit, lang=lang, label=label)
        graded = _read_grades(work / "notebooks" / GRADES_FILE)
    rows = []
    for exercise in exercises:
        verdicts, messages = graded.get(exercise.cell, (None, []))
        for check in range(exercise.checks):
            name = f"{path.stem[:2]}.{exercise.cell + 1}.{check + 1}"
            if verdicts is None:
                rows.append(_row(student, path.stem, name, False, f"not graded: {outcome}"))
            else:
                message = messages[check] if check < len(messages) else ""
                rows.append(_row(student, path.stem, name, bool(verdicts[check]), message))
    return rows


def instrument(nb, exercises: list[Exercise]):
    """Insert, after each exercise cell, the course's own checks and a line that records them."""
    import nbformat

    cells = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    if len(cells) != len(exercises):
        return nb  # cells were deleted: what remains is graded "not graded" below
    for exercise, cell in zip(exercises, cells):
        check = textwrap.indent(exercise.check_code, "    ")
        source = (GRADE_CELL.replace("<CHECK>", check).replace("<CELL>", str(exercise.cell))
                  .replace("<GRADES>", GRADES_FILE))
        grade = nbformat.v4.new_code_cell(source)
        grade.metadata["tags"] = ["grading"]
        nb.cells.insert(nb.cells.index(cell) + 1, grade)
    return nb


# The checks come from course_utils itself, imported afresh, so a submission that
# redefines check_* in its own cells does not grade itself.
GRADE_CELL = """import contextlib as _contextlib, io as _io, json as _json
import course_utils.exercises as _exercises
globals().update({_name: getattr(_exercises, _name) for _name in dir(_exercises) if _name.startswith("check_")})
_printed = _io.StringIO()
with _contextlib.redirect_stdout(_printed):
<CHECK>
with open("<GRADES>", "a", encoding="utf-8") as _file:
    _verdicts = passed if isinstance(passed, list) else [passed]
    _file.write(_json.dumps({"cell": <CELL>, "passed": [bool(_v) for _v in _verdicts],
                             "messages": _printed.getvalue().splitlines()}) + "\\n")
"""


def write_gradebook(rows: list[dict], out_dir: Path) -> tuple[Path, Path]:
    """``gradebook.csv`` (one row per student and exercise) and ``summary.csv`` (per exercise)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gradebook = out_dir / "gradebook.csv"
    with open(gradebook, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    totals: dict[str, list[int]] = {}
    for row in rows:
        if row["exercise"] != "-":
            passed, submitted = totals.setdefault(row["exercise"], [0, 0])
            totals[row["exercise"]] = [passed + row["passed"], submitted + 1]
    summary = out_dir / "summary.csv"
    with open(summary, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["exercise", "passed", "submitted", "share"])
        for name, (passed, submitted) in sorted(totals.items()):
            writer.writerow([name, passed, submitted, f"{passed / submitted:.0%}"])
    return gradebook, summary


def _private_copy(scratch: Path) -> Path:
    """A folder laid out like the course (notebooks/, assets/) that only this submission uses."""
    (scratch / "notebooks").mkdir()
    shutil.copytree(ASSETS, scratch / "assets", ignore=shutil.ignore_patterns("*.py"))
    (scratch / "home").mkdir()
    return scratch


def _execute(notebook: Path, work: Path, *, time_limit: float, lang: str, label: str) -> str:
    """Run the notebook in its own process group; return how it ended, in words."""
    env = {**os.environ, "HOME": str(work / "home"), "KERAS_HOME": str(work / "home" / ".keras"),
           "COURSE_DATA_SOURCE": "local", "COURSE_DATA_DIR": str(course_data_dir("mnist")),
           "COURSE_MODELS_DIR": str(work / "assets" / "models"),
           "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2"}
    parameters = json.dumps({**GRADING_PARAMETERS, "lang": lang})
    command = [sys.executable, "-m", "course_tools.grading", str(notebook), parameters, label]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=notebook.parent, env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=time_limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the kernel too: it is in the same group
        process.communicate()
        print(f"{label}: stopped after the {time_limit:.0f} s time limit", flush=True)
        return f"stopped after the {time_limit:.0f} s time limit"
    print(output.strip().splitlines()[-1] if output.strip() else label, flush=True)
    if process.returncode == 0:
        return "the notebook ran to the end"
    reason = [line for line in output.splitlines() if line.startswith("error:")]
    return reason[-1][len("error: "):] if reason else f"the run failed after {time.perf_counter() - start:.0f} s"


def _read_grades(path: Path) -> dict[int, tuple[list[bool], list[str]]]:
    graded = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                graded[int(entry["cell"])] = ([bool(v) for v in entry["passed"]],
                                              [str(m) for m in entry["messages"]])
            except (ValueError, KeyError, TypeError):
                continue  # a line the submission itself wrote or damaged
    return graded


def _ungraded(student, notebook, exercises, reason) -> list[dict]:
    return [_row(student, notebook, f"{notebook[:2]}.{e.cell + 1}.{check + 1}", False, reason)
            for e in exercises for check in range(e.checks)]


def _row(student, notebook, exercise, passed, message) -> dict:
    return {"student": student, "notebook": notebook, "exercise": exercise,
            "passed": passed, "message": message}


def _run_one(notebook: str, parameters: str, label: str) -> int:
    """Entry point of the grading subprocess: execute one instrumented notebook in place."""
    from papermill.exceptions import PapermillExecutionError

    from course_tools.runner import execute_notebook

    path = Path(notebook)
    try:
        execute_notebook(path, path.with_name("executed.ipynb"), parameters=json.loads(parameters),
                         label=label, cwd=path.parent)
    except PapermillExecutionError as error:
        print(f"error: cell {error.exec_count} raised {error.ename}: {str(error.evalue)[:200]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_run_one(*sys.argv[1:4]))
