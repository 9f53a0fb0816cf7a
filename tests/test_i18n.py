"""Translations (issue 37): the code speaks English messages, the catalogs hold the rest.

The catalog is complete and compiled; no code cell and no public function carries Chinese; a third
language, added only as a catalog and a line in a language list (tests/fixtures/locale: Japanese),
gives an edition that prints in it with no code change.
"""

from __future__ import annotations

import inspect
import json
import re
import shutil

import nbformat
import pytest
from conftest import settings_for

import course_utils
from course_tools.notebook import catalogs
from course_tools.settings import ROOT
from course_utils import language

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e\u3000-\u303f]")
FIXTURE = ROOT / "tests" / "fixtures" / "locale"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_catalogs_hold_every_message_translated_with_its_placeholders():
    assert catalogs.problems() == []


def test_the_catalog_test_can_fail(tmp_path):
    """A missing message, an empty or fuzzy translation and a lost placeholder are each reported."""
    template = catalogs.extract()
    shipped = catalogs.read_catalog(catalogs.catalog_path(language.languages()["zh"]))
    with_placeholder = next(m for m in template if m.id and language.placeholders(m.id) and isinstance(m.id, str))
    plain = next(m for m in template if m.id and isinstance(m.id, str) and m.id != with_placeholder.id)
    third = next(m for m in template if m.id and isinstance(m.id, str) and m.id not in (plain.id, with_placeholder.id))
    fourth = next(m for m in template if m.id and isinstance(m.id, str)
                  and m.id not in (plain.id, with_placeholder.id, third.id))
    shipped.delete(plain.id, plain.context)
    shipped.get(with_placeholder.id, with_placeholder.context).string = "没有占位符"
    shipped.get(third.id, third.context).string = ""
    shipped.get(fourth.id, fourth.context).flags.add("fuzzy")
    found = "\n".join(catalogs._catalog_problems(template, shipped))
    assert f"{plain.id!r}" in found and "not in the catalog" in found
    assert "placeholders" in found and "has no translation" in found and "fuzzy" in found


def test_the_compiled_catalogs_match_their_sources():
    for language_ in catalogs.translated_languages():
        po = catalogs.catalog_path(language_)
        assert catalogs._compiled_problems(catalogs.read_catalog(po), po.with_suffix(".mo")) == []


def test_the_catalog_has_messages_from_modules_and_notebooks():
    locations = {location for message in catalogs.extract() for location, _ in message.locations}
    assert any(path.startswith("notebooks/") for path in locations)
    assert any(path.startswith("course_utils/") for path in locations)
    assert any(path.startswith("course_tools/") for path in locations)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_no_code_cell_holds_chinese(path):
    notebook = nbformat.read(path, as_version=4)
    chinese = [line for cell in notebook.cells if cell.cell_type == "code"
               for line in cell.source.splitlines() if CJK.search(line)]
    assert chinese == []


def _pair_annotations():
    for module_name in sorted(set(course_utils._EXPORTS.values()) | set(course_utils._MODULES)):
        module = __import__(f"course_utils.{module_name}", fromlist=["_"])
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{module.__name__}.{name}", function.__annotations__


def test_no_public_function_takes_or_returns_a_language_pair():
    pairs = [f"{name}: {hint}" for name, annotations in _pair_annotations()
             for hint in map(str, annotations.values()) if re.search(r"tuple\[str, str\]|Label", hint)]
    assert pairs == []
    assert not hasattr(language, "choose") and not hasattr(language, "bilingual")


def test_the_language_list_is_one_file_every_lang_choice_comes_from():
    listed = json.loads((language.LOCALE / "languages.json").read_text(encoding="utf-8"))
    assert [entry["code"] for entry in listed["languages"]] == list(language.language_codes())
    assert language.lang_choices() == (*language.language_codes(), "both")


@pytest.fixture
def japanese(tmp_path, monkeypatch):
    """The tests-only language: its list and catalog, compiled into a folder of its own."""
    folder = tmp_path / "locale"
    shutil.copytree(FIXTURE, folder)
    po = folder / "ja" / "LC_MESSAGES" / "course.po"
    catalogs.compile_folder(po, po.with_suffix(".mo"))
    settings_for(monkeypatch, locale_dir=str(folder))
    return folder


def test_a_third_language_is_a_catalog_and_a_line(japanese):
    assert "ja" in language.language_codes() and "ja" in language.lang_choices()
    assert language.translated("{label}: {answer}", "ja", label=language.N_("True"), answer=language.yes_no(False)) \
        == "はい：いいえ"
    assert language.translate("a message nobody translated", "ja") == "a message nobody translated"


def test_the_course_notebook_in_a_third_language_prints_its_catalog(japanese, tmp_path):
    """Notebook 01's student edition in Japanese: the English prose, and its code prints the fixture's messages."""
    import papermill

    from course_tools.notebook.student import write_student_edition

    settings_for_run = {"data_source": "embedded"}
    [edition] = write_student_edition(NOTEBOOKS[:1], tmp_path / "ja", lang="ja", models=False)
    notebook = nbformat.read(edition, as_version=4)
    assert not [c.id for c in notebook.cells if c.cell_type == "markdown" and "lang-en" not in c.metadata.get("tags", [])]
    with pytest.MonkeyPatch.context() as patch:
        settings_for(patch, **settings_for_run)
        run = papermill.execute_notebook(str(edition), str(tmp_path / "run.ipynb"), kernel_name="python3",
                                         parameters={"test_limit": 200, "train_limit": 500}, progress_bar=False,
                                         cwd=str(edition.parent))
    printed = "".join(output.get("text", "") for cell in run.cells for output in cell.get("outputs", []))
    assert "画素値の範囲：0.0〜1.0" in printed  # the fixture's message, filled
    assert "ノイズ係数" in printed  # a table header
    assert "share of pixels that are exactly 0" in printed  # untranslated there: the English message
    assert not re.search(r"[\u4e00-\u9fff]{2}", printed.replace("画素値の範囲", "").replace("ノイズ係数", ""))
