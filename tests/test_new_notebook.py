"""Notebooks are discovered, not listed: a new notebooks/05_*.ipynb joins the course
(runner, report card, student edition, grading) with no change anywhere else."""

from __future__ import annotations

import shutil

import nbformat
from conftest import cell, markdown

from course_tools.grading.exercises import course_exercises
from course_tools.grading.grader import Grader
from course_tools.notebook.student import student_notebook
from course_tools.run import runner
from course_tools.run.results import report_card_table
from course_tools.settings import NOTEBOOK_DIR


def a_fifth_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        *markdown("# 05 · 新的一节", "# 05 · A new notebook"),
        cell("from course_utils.exercises import check_value", "grading-context"),
        cell('train_limit = None\ntest_limit = None\nseed = 0\ndata_dir = None\nlang = "both"\n'
             "metrics_path = None", "parameters", "grading-context"),
        cell("side = 2  # a 2×2 kernel", "grading-context"),
        *markdown("## 练习\n\n2×2 卷积核有几个权重？", "## Exercise\n\nHow many weights has a 2×2 kernel?"),
        cell("weights = None\npassed = check_value(weights, side * side, lang=lang)", "exercise"),
        cell("weights = side * side\nassert check_value(weights, side * side, lang=lang)", "solution"),
        cell("if metrics_path:\n    from course_utils.reporting import record, report_table\n"
             '    record(metrics_path, {"report": report_table("kernel sizes", ["kernel", "weights"], '
             '[["2×2", side * side]], [0])})'),
    ]
    return nb


def test_a_new_notebook_joins_the_course(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, folder)
    nbformat.write(a_fifth_notebook(), folder / "05_new.ipynb")
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", folder)

    paths = runner.course_notebooks()
    assert [p.name[:2] for p in paths] == ["01", "02", "03", "04", "05"]
    metrics = runner.run_notebooks(paths[-1:], out_dir=tmp_path / "build")
    lines = report_card_table(metrics).splitlines()
    assert lines[-3] == "kernel sizes:" and lines[-1].split() == ["2×2", "4"]

    edition = student_notebook(paths[-1], "en")
    assert "weights = side * side" not in nbformat.writes(edition)
    [exercise] = course_exercises(paths[-1])
    assert exercise.answers == ("weights",)
    grader = Grader()
    assert "05_new.ipynb" in grader.course and grader.context("05_new.ipynb")["side"] == 2
