"""Grading a student's notebooks in one combined run, only the cells grading needs: what is
skipped is provably unread, and every verdict is the same as grading each notebook the full way."""

from __future__ import annotations

import ast
import builtins

import nbformat
import pytest

from course_tools.grading import combined, sandbox
from course_tools.grading.exercises import _assigned_names
from course_tools.grading.grader import Grader, grade_folder
from course_tools.grading.sample_class import KINDS, submission
from course_tools.notebook.student import student_notebook
from course_tools.notebook.tags import EXERCISE, SOLUTION, cell_tags
from course_tools.run.runner import course_notebooks
from tests.conftest import require_full_mnist, settings_for

SCHEDULE_GROUP = "graders"  # with the other graders on one worker: they count nobody's processes
LIMITS = sandbox.Limits(memory_bytes=2 * sandbox.GIB, processes=256, seconds=120, disk_bytes=256 * 2**20)
# Both ways get the same parameters; fewer images keep the full way's training runs and sweeps short.
PARAMETERS = {"epochs": 1, "test_limit": 200, "train_limit": 500, "seeds": 1}
SECRET = b"fedcba9876543210" * 4


def _reads(source: str) -> set[str]:
    """Names a cell reads and does not bind itself."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    loaded = {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)
              and isinstance(node.ctx, ast.Load)}
    return loaded - _assigned_names(source) - set(dir(builtins))


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.stem)
def test_the_cells_grading_skips_define_nothing_an_exercise_or_its_solution_reads(path):
    nb = nbformat.read(path, as_version=4)
    skip = combined.skippable(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    answered = [cell for cell in code if {EXERCISE, SOLUTION} & set(cell_tags(cell))]
    read = set().union(*(_reads(cell.source) for cell in answered))
    skipped = set().union(*(_assigned_names(c.source) for c in code if c.get("id") in skip))
    kept = set().union(*(_assigned_names(c.source) for c in code if c.get("id") not in skip))
    assert skip, "grading skips none of this notebook's cells"
    assert read & skipped == set(), f"exercises read names that skipped cells set: tag those cells grading-needed"
    assert read <= kept | {"lang"}, f"exercises read names no kept cell sets: {sorted(read - kept)}"


def test_a_cell_the_student_changed_or_added_runs_and_their_own_tags_change_nothing():
    path = course_notebooks()[0]
    course = nbformat.read(path, as_version=4)
    nb = student_notebook(path, "en")
    skip = combined.skippable(course)
    unchanged, changed, tagged = [c for c in nb.cells if c.get("id") in skip][:3]
    changed.source += "\nprint('mine')"
    tagged.metadata["tags"] = ["grading-needed", "exercise", "parameters"]  # a submission's tags are not believed
    nb.cells.append(nbformat.v4.new_code_cell("print('added')"))
    kept = {cell.get("id") for cell in combined.graded_cells(nb, course, path.name).cells}
    assert changed.get("id") in kept and nb.cells[-1].get("id") in kept
    assert unchanged.get("id") not in kept and tagged.get("id") not in kept
    assert all(c.cell_type == "code" for c in combined.graded_cells(nb, course, path.name).cells)


def test_each_notebook_gets_its_own_parameters_after_its_parameters_cell():
    first, second = course_notebooks()[:2]
    segments = [(p.name, combined.graded_cells(student_notebook(p, "en"), nbformat.read(p, as_version=4), p.name),
                 {"seed": number, "lang": "en", "pair": (1, 2)}, f"/answers/{p.stem}")
                for number, p in enumerate((first, second), start=7)]
    cells = combined.combined_notebook(segments).cells
    for name, _, parameters, folder in segments:
        part = [cell for cell in cells if cell.metadata[combined.SEGMENT] == name]
        assert part[0].source.startswith("%reset -f") and repr(folder) in part[0].source
        assert f"{folder}/{combined.FINISHED}" in part[-1].source
        place = next(i for i, c in enumerate(part) if "parameters" in cell_tags(c))
        assert f"seed = {parameters['seed']}" in part[place + 1].source
        assert "pair = [1, 2]" in part[place + 1].source  # as papermill -y gives it: JSON has no tuples
    assert all("raises-exception" in cell_tags(cell) for cell in cells)


# Which notebooks each kind of student hands in: the full way costs minutes (03 alone ~40 s), so
# only the honest student hands in 03, and the other kinds the cheaper notebooks.
HANDED_IN = {"honest": "01 02 03 04", "copier": "01 02 04", "blank": "01", "wrong": "01 04"}


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory):
    """A class (each kind of student, and one whose answer reads a cell grading skips) graded twice."""
    folder = tmp_path_factory.mktemp("class")
    for kind, numbers in HANDED_IN.items():
        (folder / kind).mkdir()
        for path in (p for p in course_notebooks() if p.name[:2] in numbers.split()):
            (folder / kind / path.name).write_text(nbformat.writes(submission(path, kind)), encoding="utf-8")
    reuser = submission(course_notebooks()[0], "blank")  # rows is set by a figure's cell, which grading skips
    reuser.cells.append(nbformat.v4.new_code_cell("most_ink = max(ink_digits, key=lambda d: rows[d].mean())"))
    (folder / "reuser").mkdir()
    (folder / "reuser" / course_notebooks()[0].name).write_text(nbformat.writes(reuser), encoding="utf-8")
    rows, graders = {}, {}
    with pytest.MonkeyPatch.context() as patch:
        settings_for(patch, data_source="local", data_dir=str(require_full_mnist()))
        for combine in (True, False):
            graders[combine] = Grader(LIMITS, parameters=PARAMETERS, secret=SECRET, combine=combine, profile=True)
            rows[combine] = grade_folder(folder, tmp_path_factory.mktemp("grades"), limits=LIMITS, jobs=2,
                                         no_memory_limit=not sandbox.memory_is_limited(), grader=graders[combine])
    return rows, graders


def test_every_verdict_and_message_is_the_same_with_and_without_the_combined_run(both_ways):
    rows, _ = both_ways
    checks = {"01": 2, "02": 3, "03": 2, "04": 2}
    expected = sum(checks[number] for numbers in HANDED_IN.values() for number in numbers.split()) + 2
    assert len(rows[True]) == len(rows[False]) == expected
    assert rows[True] == rows[False]
    passed = {(row["student"], row["exercise"]): row["passed"] for row in rows[True]}
    assert all(passed[("honest", exercise)] for student, exercise in passed if student == "honest")
    assert not any(passed[(student, exercise)] for student, exercise in passed if student in ("blank", "wrong"))
    assert not all(passed[(student, exercise)] for student, exercise in passed if student == "copier")


def test_the_combined_run_grades_each_student_once_and_falls_back_only_where_a_cell_raised(both_ways):
    _, graders = both_ways
    runs = graders[True].profiles
    together = [run for run in runs if not run["full"]]
    assert sorted(run["student"] for run in together) == sorted([*KINDS, "reuser"])
    assert {run["student"]: len(run["notebooks"]) for run in together} == {
        **{kind: len(numbers.split()) for kind, numbers in HANDED_IN.items()}, "reuser": 1}
    again = [(run["student"], run["notebooks"]) for run in runs if run["full"]]
    assert again == [("reuser", ["01_data.ipynb"])]  # its NameError sent it the full way
    assert [run["report"]["01_data.ipynb"]["raised"] for run in together if run["student"] == "reuser"] == [True]
