"""Grading in rounds: only what changed is graded again, an interrupted run resumes, and shards
merge into the gradebook one run writes. The grading itself is stood in for (its own tests are in
test_grading.py): these tests count what is graded and compare the rows."""

from __future__ import annotations

import json
import time

import pytest

from course_tools.cli import main
from course_tools.grading import rounds
from course_tools.grading.grader import Grader, grade_folder

STUDENTS = ["ana", "bo", "chen", "dara", "eli", "fay", "gus"]


@pytest.fixture
def graded(monkeypatch):
    """Stands in for running a submission: a row from the file's text; records each call."""
    calls = []

    def grade(self, path, student, *, label=""):
        calls.append((student, path.name))
        if path.read_text(encoding="utf-8") == "stop":
            raise KeyboardInterrupt  # the instructor's Ctrl+C, midway through the class
        if student > "eli":
            time.sleep(0.3)  # a real submission takes seconds: time enough to stop the rest
        return [{"student": student, "notebook": path.stem, "exercise": "01.1.1",
                 "passed": "right" in path.read_text(encoding="utf-8"), "message": path.read_text(encoding="utf-8")}]

    monkeypatch.setattr(Grader, "grade", grade)
    return calls


def write_class(folder, answers=None):
    for student in STUDENTS:
        (folder / student).mkdir(parents=True, exist_ok=True)
        (folder / student / "01_data.ipynb").write_text((answers or {}).get(student, f"right {student}"),
                                                        encoding="utf-8")
    return folder


def test_a_second_grading_grades_only_what_changed(tmp_path, graded):
    submissions = write_class(tmp_path / "class")
    first = grade_folder(submissions, tmp_path / "out", trusted=True, secret=b"s" * 64)
    assert len(graded) == 7
    graded.clear()
    (submissions / "bo" / "01_data.ipynb").write_text("wrong now", encoding="utf-8")
    second = grade_folder(submissions, tmp_path / "out", trusted=True, secret=b"s" * 64)
    assert graded == [("bo", "01_data.ipynb")]
    assert [r for r in second if r["student"] != "bo"] == [r for r in first if r["student"] != "bo"]
    assert not next(r for r in second if r["student"] == "bo")["passed"]
    graded.clear()
    grade_folder(submissions, tmp_path / "out", trusted=True, secret=b"t" * 64)  # another secret: all again
    assert len(graded) == 7
    graded.clear()
    grade_folder(submissions, tmp_path / "out", trusted=True, secret=b"t" * 64, fresh=True)
    assert len(graded) == 7
    kept = list((tmp_path / "out" / "graded").iterdir())
    assert kept and all(p.stat().st_mode & 0o077 == 0 for p in kept)


def test_a_change_in_the_courses_checks_grades_everything_again(tmp_path, graded, monkeypatch):
    submissions = write_class(tmp_path / "class")
    grade_folder(submissions, tmp_path / "out", trusted=True)
    graded.clear()
    monkeypatch.setattr(rounds, "checks_fingerprint", lambda: "the checks changed")
    grade_folder(submissions, tmp_path / "out", trusted=True)
    assert len(graded) == 7


def test_an_interrupted_grading_resumes_where_it_stopped(tmp_path, graded):
    submissions = write_class(tmp_path / "class", {"eli": "stop"})
    with pytest.raises(KeyboardInterrupt):
        grade_folder(submissions, tmp_path / "out", trusted=True, jobs=1)
    book = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8")  # written as each finished
    finished = {student for student in STUDENTS if f"\n{student},01_data" in book}
    assert {"ana", "bo", "chen", "dara"} <= finished and not {"eli", "gus"} & finished  # stopped at eli
    graded.clear()
    (submissions / "eli" / "01_data.ipynb").write_text("right eli", encoding="utf-8")
    rows = grade_folder(submissions, tmp_path / "out", trusted=True, jobs=1)
    assert sorted(student for student, _ in graded) == sorted(set(STUDENTS) - finished)
    assert [r["student"] for r in rows] == STUDENTS and all(r["passed"] for r in rows)


@pytest.mark.parametrize("n", [3, 10])
def test_shards_merge_into_the_gradebook_one_run_writes(tmp_path, graded, n):
    submissions = write_class(tmp_path / "class", {"chen": "wrong", "gus": "=cmd|' /C calc'!A0"})
    grade_folder(submissions, tmp_path / "whole", trusted=True)
    for k in range(1, n + 1):
        grade_folder(submissions, tmp_path / "sharded", trusted=True, shard=(k, n))
        assert not (tmp_path / "sharded" / "gradebook.csv").exists()
    assert main(["grade", "--merge", "--out", str(tmp_path / "sharded")]) == 0
    for name in ("gradebook.csv", "summary.csv"):
        assert (tmp_path / "sharded" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_a_missing_duplicated_or_unfinished_part_is_refused(tmp_path, graded, capsys):
    submissions = write_class(tmp_path / "class")
    out = tmp_path / "out"
    for k in (1, 3):
        grade_folder(submissions, out, trusted=True, shard=(k, 3))
    with pytest.raises(ValueError, match="parts missing: 2/3"):
        rounds.merge_parts(out)
    grade_folder(submissions, out, trusted=True, shard=(2, 3))
    (out / "parts" / "part-002-of-003 (copy).json").write_bytes((out / "parts" / "part-002-of-003.json").read_bytes())
    with pytest.raises(ValueError, match="no part"):
        rounds.merge_parts(out)
    (out / "parts" / "part-002-of-003 (copy).json").unlink()
    part = json.loads((out / "parts" / "part-003-of-003.json").read_text(encoding="utf-8"))
    part["students"].append("ana")  # ana in parts 1 and 3
    (out / "parts" / "part-003-of-003.json").write_text(json.dumps(part), encoding="utf-8")
    with pytest.raises(ValueError, match="ana graded in two parts"):
        rounds.merge_parts(out)
    part["students"].remove("ana")
    part["complete"] = False
    (out / "parts" / "part-003-of-003.json").write_text(json.dumps(part), encoding="utf-8")
    assert main(["grade", "--merge", "--out", str(out)]) == 1
    assert "part-003-of-003.json is not finished" in capsys.readouterr().out
    grade_folder(submissions, out, trusted=True, shard=(1, 2))
    with pytest.raises(ValueError, match="different splits"):
        rounds.merge_parts(out)


def test_a_shard_is_given_as_k_of_n():
    assert rounds.parse_shard("2/3") == (2, 3)
    for wrong in ("0/3", "4/3", "2", "a/b", "1/1000"):
        with pytest.raises(ValueError, match="K/N"):
            rounds.parse_shard(wrong)
    assert [rounds.shard_of(list(range(7)), (k, 3)) for k in (1, 2, 3)] == [[0, 1], [2, 3], [4, 5, 6]]
