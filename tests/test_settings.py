"""One place for each setting: declared once, read from the environment in one module per package."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from course_tools import settings as tool_settings
from course_tools.settings import DOCS, ROOT, settings_page
from course_utils import settings as student_settings
from course_utils.language import translate

PACKAGES = ("course_utils", "course_tools")
SETTINGS_MODULES = {ROOT / "course_utils" / "settings.py", ROOT / "course_tools" / "settings.py"}


def environment_reads(path: Path) -> list[str]:
    """Where ``path`` reads a ``COURSE_*`` variable: os.environ[...], .get(...), os.getenv(...)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        key = None
        if isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
            key = node.slice
        elif isinstance(node, ast.Call) and node.args and (
                ast.unparse(node.func).endswith(("environ.get", "environ.setdefault", "getenv"))):
            key = node.args[0]
        if isinstance(key, ast.Constant) and str(key.value).startswith("COURSE_"):
            found.append(f"{path}:{node.lineno} {key.value}")
    return found


def test_only_the_settings_modules_read_course_variables():
    modules = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if p not in SETTINGS_MODULES]
    assert len(modules) > 40
    assert [read for path in modules for read in environment_reads(path)] == []


def test_the_check_finds_a_read(tmp_path):
    """The scan above can fail: it sees each way of reading a variable."""
    sample = tmp_path / "sample.py"
    sample.write_text('import os\na = os.environ["COURSE_A"]\nb = os.environ.get("COURSE_B")\n'
                      'c = os.getenv("COURSE_C")\nd = os.environ.get("HOME")\n', encoding="utf-8")
    assert [read.split()[-1] for read in environment_reads(sample)] == ["COURSE_A", "COURSE_B", "COURSE_C"]


def test_every_setting_is_declared_once_with_a_meaning_in_every_language():
    fields = [f for cls in (student_settings.Settings, tool_settings.Settings) for f in dataclasses.fields(cls)]
    variables = [f.metadata["environment"] for f in fields]
    assert len(variables) == len(set(variables)) and len({f.name for f in fields}) == len(fields)
    for field in fields:
        meaning = field.metadata["meaning"]
        assert meaning and not any("\u4e00" <= ch <= "\u9fff" for ch in meaning), field.name  # English
        assert any("\u4e00" <= ch <= "\u9fff" for ch in translate(meaning, "zh")), field.name  # in the catalog


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_settings_pages_are_the_declarations(lang):
    page = (DOCS / lang / "settings.md").read_text(encoding="utf-8")
    assert page == settings_page(lang), "run: python -m course_tools settings-page"
    fields = [f for cls in (student_settings.Settings, tool_settings.Settings) for f in dataclasses.fields(cls)]
    assert all(f"`{f.metadata['environment']}`" in page for f in fields)


def test_values_are_read_typed_and_exported_for_child_processes():
    environ = {"COURSE_DATA_SOURCE": "local", "COURSE_DATA_DIR": "~/mnist", "COURSE_DATA_MIRROR": "",
               "COURSE_HUB_PORT": "8443", "COURSE_HUB_SHARED_ACCOUNT": "1", "COURSE_HUB_CPUS": "1.5"}
    student = student_settings.Settings.from_environment(environ)
    assert student.data_source == "local" and student.data_dir == Path.home() / "mnist"
    assert student.data_mirror is None  # empty is unset, as load_dataset has always read it
    tools = tool_settings.Settings.from_environment(environ)
    assert (tools.hub_port, tools.hub_shared_account, tools.hub_cpus, tools.hub_ip) == (8443, True, 1.5, "127.0.0.1")
    assert student_settings.Settings.from_environment(student.environment()) == student
    assert tool_settings.Settings.from_environment(tools.environment()) == tools


def test_a_value_of_the_wrong_type_names_the_variable():
    with pytest.raises(ValueError, match=r"COURSE_HUB_PORT='eighty' is not a int"):
        tool_settings.Settings.from_environment({"COURSE_HUB_PORT": "eighty"})


def test_tests_set_settings_through_the_fixture(course_settings):
    chosen = course_settings(data_source="embedded", data_dir=None)
    assert chosen.data_source == "embedded" and student_settings.current().data_source == "embedded"
    assert student_settings.current().data_dir is None
