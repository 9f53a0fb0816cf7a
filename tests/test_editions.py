"""One-language editions: one cached execution per language, editions that speak only that
language, and a work folder where a student's changes are never overwritten."""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest
from conftest import EXECUTION_LANGUAGES, cell, markdown, settings_for

from course_tools.grading.exercises import edition_language
from course_tools.notebook import catalogs, editions
from course_tools.notebook.student import write_student_edition
from course_tools.notebook.tags import prose_language
from course_tools.settings import ROOT
from course_utils import data

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PROSE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){2,}")  # three English words in a row


@pytest.fixture
def small_course(tmp_path, monkeypatch):
    """A two-language notebook that prints in its language, and an empty execution cache."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        *markdown("# 一个小笔记本", "# A small notebook"),
        cell('lang = "both"', "parameters"),
        cell("from course_utils.language import say_check\n"
             'say_check("formula and code agree", 2 + 2 == 4, lang)'),
        cell("answer = 2 + 2", "solution"),
    ]
    path = tmp_path / "notebooks" / "01_small.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    monkeypatch.setattr(editions, "EXECUTIONS", tmp_path / "executions")
    return path


def outputs(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def test_each_language_runs_once_and_is_reused(small_course, monkeypatch):
    first = editions.executed(small_course, "zh")
    assert "公式与代码的结果一致：是" in outputs(nbformat.read(first, as_version=4))

    def no_second_run(*args, **kwargs):
        raise AssertionError("the same inputs ran twice")

    monkeypatch.setattr(editions, "execute_notebook", no_second_run)
    assert editions.executed(small_course, "zh") == first
    # what decides the result is in the key: the notebook, its parameters, the package code
    key = editions.execution_key(small_course, {"lang": "zh"})
    assert editions.execution_key(small_course, {"lang": "en"}) != key
    monkeypatch.setattr(editions, "package_fingerprint", lambda: "other code")
    assert editions.execution_key(small_course, {"lang": "zh"}) != key


def test_auto_and_local_share_an_execution_when_they_read_the_same_folder(small_course, monkeypatch, tiny_mnist,
                                                                           tmp_path):
    def key(source):
        settings_for(monkeypatch, data_source=source)
        return editions.execution_key(small_course, {"lang": "zh"})

    without_local_files = key("auto")
    assert key("embedded") != without_local_files
    tiny_mnist.write_idx(data.course_data_dir("mnist"), gz=False)  # the course data folder, as make data fills it
    from_course_folder = key("local")
    assert key("auto") == from_course_folder != without_local_files
    assert key("embedded") != from_course_folder
    settings_for(monkeypatch, data_dir=str(tmp_path))  # another folder: other outputs
    assert key("auto") == key("local") != from_course_folder


def test_an_edition_speaks_only_its_language(small_course):
    zh = editions.course_edition(editions.executed(small_course, "zh"), "zh")
    en = editions.course_edition(editions.executed(small_course, "en"), "en")
    assert [c.source for c in zh.cells if c.cell_type == "markdown"] == ["# 一个小笔记本"]
    assert outputs(zh).strip() == "公式与代码的结果一致：是" and not ENGLISH_PROSE.search(outputs(zh))
    assert outputs(en).strip() == "formula and code agree: True" and not CJK.search(outputs(en))
    assert 'lang = "zh"' in zh.cells[1].source
    [solution] = [c for c in zh.cells if "solution" in c.metadata.get("tags", [])]
    assert solution.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}, "folded, source and outputs"
    assert "hide-cell" in solution.metadata["tags"], "folded in the book too"


def test_a_one_language_student_edition_carries_that_languages_outputs(small_course, tmp_path):
    [written] = write_student_edition([small_course], tmp_path / "student", lang="zh")
    nb = nbformat.read(written, as_version=4)
    assert outputs(nb).strip() == "公式与代码的结果一致：是"
    assert not [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert not [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]


def test_a_students_changes_are_never_overwritten(tmp_path):
    target = tmp_path / "work" / "notebooks" / "01_small.ipynb"
    target.parent.mkdir(parents=True)
    version_1 = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("version 1")])
    version_2 = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("version 2")])
    assert editions.deliver(version_1, target) == target
    # untouched by the student: a newer course version replaces it
    assert editions.deliver(version_2, target) == target and "version 2" in target.read_text(encoding="utf-8")
    # changed by the student: it stays, and the newer version waits beside it
    target.write_text(target.read_text(encoding="utf-8").replace("version 2", "my own notes"), encoding="utf-8")
    version_3 = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("version 3")])
    offered = editions.deliver(version_3, target)
    assert offered.name == "01_small.new.ipynb" and "version 3" in offered.read_text(encoding="utf-8")
    assert "my own notes" in target.read_text(encoding="utf-8")
    assert editions.deliver(version_3, target) == offered, "asking again changes nothing"
    assert "my own notes" in target.read_text(encoding="utf-8")


def test_the_work_folder_is_outside_build(monkeypatch, tmp_path):
    settings_for(monkeypatch, work_dir=None)
    assert "build" not in editions.work_folder("zh").parts
    settings_for(monkeypatch, work_dir=str(tmp_path))
    assert editions.work_folder("en") == tmp_path / "en"
    with pytest.raises(ValueError, match="one language"):
        editions.require_edition_language("both")


@pytest.mark.parametrize("number, lang", EXECUTION_LANGUAGES.items())
def test_the_course_editions_speak_one_language(executed_course, number, lang):
    """The executions the test run already made: 01 and 03 in Chinese, 02 and 04 in English."""
    folder, _ = executed_course
    [run] = (folder / lang / "executed").glob(f"{number}_*.ipynb")
    nb = editions.course_edition(run, lang)
    text = outputs(nb)
    assert text
    if lang == "zh":
        code_free = re.sub(r"\S*[/_=.\\]\S*|\b[A-Z][A-Za-z0-9]*[A-Z0-9]\w*\b", " ", text)  # paths, names
        assert ENGLISH_PROSE.findall(code_free) == []
    else:  # and the code too: the cells show English messages (issue 37)
        assert not CJK.search(text)
        assert [c.id for c in nb.cells if CJK.search(c.source)] == []


@pytest.fixture
def japanese(small_course, monkeypatch, tmp_path):
    """The small notebook printing a yes/no answer, and the tests-only third language (tests/fixtures/locale):
    a line in a language list and a catalog, with no markdown cells of its own in any notebook."""
    nb = nbformat.read(small_course, as_version=4)
    nb.cells[3].source = 'from course_utils.language import N_, say\nsay("{answer}", lang, answer=N_("True"))'
    nbformat.write(nb, small_course)
    folder = tmp_path / "locale"
    shutil.copytree(ROOT / "tests" / "fixtures" / "locale", folder)
    po = folder / "ja" / "LC_MESSAGES" / "course.po"
    catalogs.compile_folder(po, po.with_suffix(".mo"))
    settings_for(monkeypatch, locale_dir=str(folder))
    return small_course


def test_a_language_without_cells_of_its_own_reads_the_english_ones_and_prints_in_its_own(japanese, tmp_path):
    assert prose_language(nbformat.read(japanese, as_version=4), "ja") == "en"
    course = editions.course_edition(editions.executed(japanese, "ja"), "ja")
    [written] = write_student_edition([japanese], tmp_path / "student", lang="ja")
    for nb in (course, nbformat.read(written, as_version=4)):
        assert [c.source for c in nb.cells if c.cell_type == "markdown"] == ["# A small notebook"]
        assert 'lang = "ja"' in nb.cells[1].source
        assert outputs(nb).strip() == "はい"  # the fixture catalog's "True"
        assert edition_language(nb) == "ja"  # the grader answers in it too


def test_the_executions_key_covers_every_module_of_course_utils():
    """A change in a subpackage (course_utils/data/, exercises/) runs the notebooks again, too."""
    files = editions.fingerprinted_files()
    package = ROOT / "course_utils"
    on_disk = {str(p.relative_to(package)) for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    assert on_disk <= set(files) and {"data/sources.py", "exercises/checks.py", "manifest.json"} <= set(files)
