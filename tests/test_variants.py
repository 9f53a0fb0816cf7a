"""Each student's own exercises and grading seed, from the instructor's secret."""

from __future__ import annotations

import ast
import os
import stat

import nbformat
import pytest

from course_tools.classroom import accounts, hub
from course_tools.notebook import student as student_module
from course_tools.notebook import variants
from course_tools.notebook.class_list import Student
from course_tools.notebook.student import write_class_editions
from course_tools.notebook.tags import EXERCISE_VARIANT
from course_tools.run.runner import course_notebooks
from course_tools.settings import NOTEBOOK_DIR

SECRET = b"0123456789abcdef" * 4
NOTEBOOKS = course_notebooks()


def parameters_of(nb) -> dict:
    """The values a notebook's parameters cell assigns (literals only)."""
    [cell] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(cell.source).body}


def test_the_secret_is_made_once_for_its_owner_only(tmp_path, capsys):
    path = tmp_path / "config" / "grading-secret"
    first = variants.load_secret(path)
    assert "a new grading secret in" in capsys.readouterr().err
    assert variants.load_secret(path) == first and len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        variants.load_secret(path)
    with pytest.raises(FileNotFoundError, match=variants.SECRET_ENV):
        variants.load_secret(tmp_path / "none", create=False)
    os.symlink(path, tmp_path / "link")
    with pytest.raises(PermissionError, match="not a regular file"):
        variants.load_secret(tmp_path / "link")


def test_seeds_and_variants_are_the_students_own_and_stable():
    names = [f"student{n:03d}" for n in range(100)]
    seeds = {variants.grading_seed(SECRET, name) for name in names}
    assert len(seeds) == 100 and 0 not in seeds and max(seeds) < 2**31
    assert variants.grading_seed(SECRET, "ana") == variants.grading_seed(SECRET, "ana")
    assert variants.grading_seed(SECRET, "ana") != variants.grading_seed(b"x" * 64, "ana")
    nb = nbformat.read(NOTEBOOK_DIR / "02_conv_autoencoder.ipynb", as_version=4)
    counts = [tuple(variants.student_variant(SECRET, name, nb)["count_filters"]) for name in names]
    assert len(set(counts)) == len(variants.CHOICES["count_filters"])  # every choice is used in a class of 100


def test_every_exercise_parameter_has_the_courses_value_first():
    """The course's own values (its parameters cells) are the first choice of each, and every
    parameter a notebook names is varied: a fifth notebook's adds a line to CHOICES."""
    varied = set()
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        defaults = parameters_of(nb)
        for name in variants.exercise_parameters(nb):
            assert variants.CHOICES[name][0] == defaults[name], name
            varied.add(name)
    assert varied == set(variants.CHOICES)


def test_each_students_edition_shows_their_own_values(tmp_path, monkeypatch):
    monkeypatch.setattr(student_module, "executed", lambda path, lang, **options: path)  # no execution needed here
    students = [Student("ana", "zh"), Student("bo", "en")]
    folders = write_class_editions(NOTEBOOKS, students, tmp_path, secret=SECRET)
    assert folders == [tmp_path / "ana", tmp_path / "bo"]
    for student in students:
        for path in NOTEBOOKS:
            nb = nbformat.read(tmp_path / student.name / "notebooks" / path.name, as_version=4)
            tags = [set(c.metadata.get("tags", [])) for c in nb.cells]
            assert not any("solution" in t for t in tags)
            assert not any(f"lang-{'en' if student.lang == 'zh' else 'zh'}" in t for t in tags)
            [place] = [i for i, t in enumerate(tags) if "parameters" in t]
            shown = nb.cells[place + 1]
            assert EXERCISE_VARIANT in tags[place + 1]
            values = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(shown.source).body}
            assert values == variants.student_variant(SECRET, student.name, nbformat.read(path, as_version=4))


def test_the_hub_copies_each_student_their_own_values(tmp_path):
    edition = tmp_path / "hub" / "editions" / "en" / "notebooks"
    edition.mkdir(parents=True)
    source = nbformat.read(NOTEBOOK_DIR / "04_upsampling_vs_transposed.ipynb", as_version=4)
    nbformat.write(source, edition / "04_upsampling_vs_transposed.ipynb")
    (tmp_path / "hub").mkdir(exist_ok=True)
    accounts.issue_passwords([Student("ana", "en")], tmp_path / "hub")
    hub.issue_variants([Student("ana", "en")], tmp_path / "hub", SECRET)
    own = accounts.read_accounts(tmp_path / "hub")["ana"]["variants"]
    assert own["04_upsampling_vs_transposed.ipynb"] == variants.student_variant(SECRET, "ana", source)
    folder = hub.copy_edition("en", tmp_path / "home", tmp_path / "hub", own)
    delivered = nbformat.read(folder / "notebooks" / "04_upsampling_vs_transposed.ipynb", as_version=4)
    [shown] = [c for c in delivered.cells if EXERCISE_VARIANT in c.metadata.get("tags", [])]
    assert f"overlap_strides = {own['04_upsampling_vs_transposed.ipynb']['overlap_strides']!r}" in shown.source


def test_grading_without_the_secret_refuses_unless_everyone_got_the_same_exercises(tmp_path, monkeypatch, capsys):
    from course_tools.cli import main

    monkeypatch.setenv(variants.SECRET_ENV, str(tmp_path / "secret" / "grading-secret"))
    (tmp_path / "class" / "heidi").mkdir(parents=True)
    (tmp_path / "class" / "heidi" / "notes.txt").write_text("no notebook", encoding="utf-8")
    out = tmp_path / "grades"
    assert main(["grade", str(tmp_path / "class"), "--out", str(out), "--trusted"]) == 2
    assert "SAME_EXERCISES=1" in capsys.readouterr().err and not out.exists()
    assert main(["grade", str(tmp_path / "class"), "--out", str(out), "--trusted", "--same-exercises"]) == 0
    assert (tmp_path / "secret" / "grading-secret").is_file()  # made for the seeds, kept for next time
