"""The classroom tools: the student edition without solutions, and grading a class."""

from __future__ import annotations

import csv
import json

import nbformat
import pytest

from course_tools.grading import course_exercises, grade_folder
from course_tools.paths import ASSETS
from course_tools.runner import course_notebooks
from course_tools.student import student_notebook, write_student_edition

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


def test_a_one_language_edition_speaks_only_that_language(tmp_path):
    [written] = write_student_edition(course_notebooks(["02"]), tmp_path, lang="zh")
    nb = nbformat.read(written, as_version=4)
    assert not [c for c in nb.cells if "lang-en" in tags(c)]
    assert [c for c in nb.cells if "lang-zh" in tags(c)]
    assert 'lang = "zh"' in next(c.source for c in nb.cells if "parameters" in tags(c))
    assert (tmp_path / "assets" / "architecture_16_8_8.zh.png").is_file()
    assert (tmp_path / "assets" / "models" / "manifest.json").is_file()


def test_the_grader_reads_each_exercise_from_the_course_notebook():
    checks = {path.name[:2]: [e.checks for e in course_exercises(path)] for path in NOTEBOOKS}
    assert checks == {"01": [2], "02": [1, 2], "03": [2], "04": [2]}


# --- grading a small class: notebook 01, which trains nothing ---------------------

def answered(digit_expression, psnr_expression, *, before_exercise=""):
    nb = student_notebook(course_notebooks(["01"])[0], "en")
    [cell] = [c for c in nb.cells if "exercise" in tags(c)]
    cell.source = (cell.source.replace("most_ink = None", f"most_ink = {digit_expression}")
                   .replace("psnr_at_0_2 = None", f"psnr_at_0_2 = {psnr_expression}"))
    if before_exercise:
        nb.cells.insert(nb.cells.index(cell), nbformat.v4.new_code_cell(before_exercise))
    return nbformat.writes(nb)


CORRECT_PSNR = "float(cu.psnr(dataset.x_test, cu.add_noise(dataset.x_test, 0.2, seed=seed)).mean())"
# The digit whose training images are brightest on average, computed as a student would
CORRECT_DIGIT = "int(np.argmax([dataset.x_train[dataset.y_train == d].mean() for d in range(10)]))"
WRONG_DIGIT = "1"  # the thinnest digit: the least ink


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    submissions = tmp_path_factory.mktemp("submissions")
    handed_in = {
        "alice": answered(CORRECT_DIGIT, CORRECT_PSNR),
        "bob": answered(WRONG_DIGIT, "12.0"),
        "carol": answered(CORRECT_DIGIT, CORRECT_PSNR, before_exercise="raise RuntimeError('I broke it')"),
        "dave": answered(CORRECT_DIGIT, CORRECT_PSNR, before_exercise="while True:\n    pass"),
        "erin": "this is not a notebook {",
        # deletes what it can reach, and fakes a check so that its wrong count "passes"
        "frank": answered(WRONG_DIGIT, CORRECT_PSNR, before_exercise=(
            "import os, shutil\nshutil.rmtree('../assets')\nos.remove('01_data.ipynb')\n"
            "def check_most_ink(*args, **kwargs):\n    return True")),
    }
    for student, text in handed_in.items():
        (submissions / student).mkdir()
        (submissions / student / "01_data.ipynb").write_text(text, encoding="utf-8")
    (submissions / "heidi").mkdir()
    (submissions / "heidi" / "notes.txt").write_text("forgot the notebook")
    out = tmp_path_factory.mktemp("grades")
    rows = grade_folder(submissions, out, time_limit=45)
    return {(row["student"], row["exercise"]): row for row in rows}, out


def test_correct_and_wrong_answers_are_graded_as_such(graded_class):
    rows, _ = graded_class
    assert rows[("alice", "01.1.1")]["passed"] and rows[("alice", "01.1.2")]["passed"]
    assert rows[("alice", "01.1.1")]["message"].startswith("Correct: ")
    assert not rows[("bob", "01.1.1")]["passed"] and not rows[("bob", "01.1.2")]["passed"]
    assert rows[("bob", "01.1.1")]["message"].startswith("Not yet: the training images of 1 average")
    assert rows[("bob", "01.1.2")]["message"].startswith("Not yet: your answer is 12.")


def test_broken_submissions_get_rows_with_their_reason(graded_class):
    rows, _ = graded_class
    assert not rows[("carol", "01.1.1")]["passed"]
    assert "RuntimeError" in rows[("carol", "01.1.1")]["message"]
    assert "time limit" in rows[("dave", "01.1.2")]["message"]
    assert rows[("erin", "01.1.1")]["message"].startswith("not a readable notebook")
    assert rows[("heidi", "-")]["message"].startswith("not a course notebook")


def test_a_submission_cannot_harm_others_or_grade_itself(graded_class):
    rows, _ = graded_class
    # frank deleted the assets and his own notebook, in his private copy: the course is intact
    assert (ASSETS / "models" / "manifest.json").is_file() and (ASSETS / "noisy_vs_clean.en.png").is_file()
    # he also redefined the check to always pass; the grader used the course's own
    assert not rows[("frank", "01.1.1")]["passed"] and rows[("frank", "01.1.2")]["passed"]
    assert rows[("frank", "01.1.1")]["message"].startswith("Not yet: the training images of 1")


def test_the_gradebook_and_summary_are_written(graded_class):
    rows, out = graded_class
    with open(out / "gradebook.csv", encoding="utf-8") as stream:
        book = list(csv.DictReader(stream))
    assert len(book) == len(rows) and set(book[0]) == {"student", "notebook", "exercise", "passed", "message"}
    with open(out / "summary.csv", encoding="utf-8") as stream:
        summary = {row["exercise"]: row for row in csv.DictReader(stream)}
    # 01.1.1: only alice passed; bob, carol, dave, erin and frank did not (6 files named 01_data)
    assert summary["01.1.1"]["passed"] == "1" and summary["01.1.1"]["submitted"] == "6"
    assert json.dumps(rows[("alice", "01.1.1")])  # plain values, ready for a spreadsheet
