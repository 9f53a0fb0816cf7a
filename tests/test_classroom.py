"""The classroom tools: the student edition without solutions, and grading a class."""

from __future__ import annotations

import nbformat
import pytest

from course_tools.notebook import student
from course_tools.notebook.student import student_notebook, write_student_edition
from course_tools.run.runner import course_notebooks

NOTEBOOKS = course_notebooks()


def tags(cell):
    return set(cell.metadata.get("tags", []))


def solution_lines(path):
    """The lines of a notebook's solution cells that only a solution has."""
    nb = nbformat.read(path, as_version=4)
    lines = {line.strip() for c in nb.cells if "solution" in tags(c) for line in c.source.splitlines()}
    others = {line.strip() for c in nb.cells if "solution" not in tags(c) for line in c.source.splitlines()}
    return {line for line in lines - others if len(line) > 12 and not line.startswith("#")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_student_edition_has_no_solutions_but_keeps_the_checks(path):
    secret = solution_lines(path)
    assert secret, "every notebook has solution code to hide"
    edition = nbformat.writes(student_notebook(path))
    assert [line for line in secret if line in edition] == []
    nb = nbformat.reads(edition, as_version=4)
    exercises = [c for c in nb.cells if "exercise" in tags(c)]
    assert exercises and all("check_" in c.source and c.outputs == [] for c in exercises)
    assert "(collapsed)" not in edition and "折叠" not in edition


def test_a_one_language_edition_speaks_only_that_language(tmp_path, monkeypatch, executed_course):
    [run] = (executed_course[0] / "zh" / "executed").glob("01_*.ipynb")
    monkeypatch.setattr(student, "executed", lambda path, lang, **options: run)  # the test run's own
    [written] = write_student_edition(course_notebooks(["01"]), tmp_path, lang="zh")
    nb = nbformat.read(written, as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "[data] MNIST，来自" in printed and "[data] MNIST from" not in printed
    assert not [c for c in nb.cells if "lang-en" in tags(c)]
    assert [c for c in nb.cells if "lang-zh" in tags(c)]
    assert 'lang = "zh"' in next(c.source for c in nb.cells if "parameters" in tags(c))
    assert (tmp_path / "assets" / "architecture_16_8_8.zh.png").is_file()
    assert (tmp_path / "assets" / "models" / "manifest.json").is_file()
