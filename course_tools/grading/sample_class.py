"""A sample class to try grading on: students who answer honestly, leave the exercises blank,
answer wrongly, or copy the course's own answers, each handing in all four notebooks.

Used by ``benchmarks/grading_overhead.py`` and the grading tests; an instructor can grade one
before the real class hands in (``python -m course_tools.grading.sample_class FOLDER``).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from course_tools.notebook.tags import EXERCISE, PARAMETERS, SOLUTION, cell_tags
from course_tools.notebook.variants import exercise_parameters
from course_tools.run.runner import course_notebooks

KINDS = ("honest", "blank", "wrong", "copier")
WRONG = {"= None": "= 1", "= set()": "= {3}"}


def submission(course_notebook: Path, kind: str, lang: str = "en"):
    """The student edition of ``course_notebook`` as a ``kind`` student hands it in.

    honest: the course's solution typed into the exercise cell, in place of its blanks; blank: the
    edition unchanged; wrong: each answer a constant; copier: the solution computed with the
    course's own exercise values, not the student's.
    """
    import nbformat

    from course_tools.notebook.student import student_notebook

    if kind not in KINDS:
        raise ValueError(f"unknown kind of student {kind!r}: one of {', '.join(KINDS)}")
    course = nbformat.read(course_notebook, as_version=4)
    nb = student_notebook(course_notebook, lang)
    solutions = [cell.source for cell in course.cells if SOLUTION in cell_tags(cell)]
    exercises = [cell for cell in nb.cells if EXERCISE in cell_tags(cell)]
    for exercise, solution in zip(exercises, solutions):
        if kind == "wrong":
            for blank, constant in WRONG.items():
                exercise.source = exercise.source.replace(blank, constant)
        elif kind in ("honest", "copier"):
            own = _course_values(course) + solution if kind == "copier" else solution
            exercise.source = _answered(exercise.source, own)
    return nb


def _answered(exercise: str, solution: str) -> str:
    """The exercise cell with ``solution`` (its asserts left out) in place of its blank answers,
    just before the cell's checks."""
    lines = [line for line in exercise.splitlines() if not re.match(r"\w+ = (None|set\(\))(  #.*)?$", line)]
    checks = next(i for i, line in enumerate(lines) if line.startswith("passed = "))
    answer = [line for line in solution.splitlines() if not line.startswith(("assert ", "# NBVAL"))]
    return "\n".join(lines[:checks] + answer + ["", *lines[checks:]])


def _course_values(course) -> str:
    """Lines that set the course's own exercise values, as printed in its parameters cell."""
    [cell] = [c for c in course.cells if PARAMETERS in cell_tags(c)]
    names = set(exercise_parameters(course))
    lines = [ast.unparse(node) for node in ast.parse(cell.source).body
             if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in names]
    return "".join(line + "\n" for line in lines)


def write_class(folder: Path, students: int, *, lang: str = "en") -> list[str]:
    """``students`` folders under ``folder``, the kinds in turn, each with all four notebooks;
    the students' names (``student00-honest``, ...)."""
    import nbformat

    editions = {(path, kind): nbformat.writes(submission(path, kind, lang))
                for path in course_notebooks() for kind in KINDS}
    names = []
    for number in range(students):
        kind = KINDS[number % len(KINDS)]
        names.append(f"student{number:02d}-{kind}")
        (folder / names[-1]).mkdir(parents=True)
        for path in course_notebooks():
            (folder / names[-1] / path.name).write_text(editions[path, kind], encoding="utf-8")
    return names


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "build/sample-class")
    print(f"{len(write_class(target, 8))} students in {target}: grade them with make grade SUBMISSIONS={target}")
