"""The layout's rules, as docs/en/architecture.md states them: who may import what."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from course_tools.settings import DOCS, NOTEBOOK_DIR, ROOT

CHECKED = ("course_utils", "course_tools", "benchmarks", "tests")


def rules(lang: str = "en") -> dict[str, set[str]]:
    """The table "what each folder may import": folder → the folders it may import."""
    table = {}
    for line in (DOCS / lang / "architecture.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 3:
            table[cells[0].strip("`")] = set(re.findall(r"`([\w.]+)`", cells[2]))
    return table


def folder_of(path: Path) -> str:
    """The table's name for the folder a Python file is in."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[0] == "course_tools" and len(parts) > 1:
        return "course_tools.cli" if parts[1] in ("cli", "__main__", "__init__") else f"course_tools.{parts[1]}"
    return parts[0]


def imported_folders(source: str) -> list[tuple[int, str]]:
    """(line, folder) for each import of course_utils or course_tools in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                   else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
        for module in modules:
            parts = module.split(".")
            if parts[0] == "course_utils":
                found.append((node.lineno, "course_utils"))
            elif parts[0] == "course_tools":
                names = [alias.name for alias in node.names] if isinstance(node, ast.ImportFrom) else []
                seconds = parts[1:2] or names  # from course_tools import settings
                found += [(node.lineno, f"course_tools.{second}") for second in seconds] or [
                    (node.lineno, "course_tools")]  # the package itself (its folder, its __init__)
    return found


def violations(path: Path, source: str, table: dict[str, set[str]]) -> list[str]:
    own = folder_of(path)
    allowed = table[own] | {own}
    broken = []
    for line, target in imported_folders(source):
        inside = own.startswith("course_tools.") and target == "course_tools"
        if inside or target in allowed or ("course_tools" in allowed and target.startswith("course_tools")):
            continue
        broken.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return broken


def test_every_import_keeps_to_the_architecture_page():
    table = rules()
    files = [p for folder in CHECKED for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts]
    assert len(files) > 80
    assert [v for p in files for v in violations(p, p.read_text(encoding="utf-8"), table)] == []


def test_a_forbidden_import_is_found():
    table = rules()
    students = ROOT / "course_utils" / "noise.py"
    assert violations(students, "from course_tools.settings import ROOT\n", table) == [
        "course_utils/noise.py:1 imports course_tools.settings"]
    runner = ROOT / "course_tools" / "run" / "runner.py"
    assert violations(runner, "def f():\n    from course_tools.grading import sandbox\n", table) == [
        "course_tools/run/runner.py:2 imports course_tools.grading"]
    assert violations(runner, "from course_tools.settings import BUILD\nimport course_utils\n", table) == []


def test_both_languages_state_the_same_rules():
    english, chinese = rules("en"), rules("zh")
    assert english == chinese and len(english) >= 12
    assert set(english) >= {"notebooks", "course_utils", "course_tools.cli", "tests", "benchmarks"}
    products = {p.name for p in (ROOT / "course_tools").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert {f"course_tools.{name}" for name in products} <= set(english), "every product has its row"


def test_course_tools_has_at_most_eight_entries_at_its_top():
    entries = [p.name for p in (ROOT / "course_tools").iterdir()
               if p.name not in ("__init__.py", "__main__.py", "__pycache__")]
    assert len(entries) <= 8, sorted(entries)


def test_no_notebook_cell_imports_course_tools():
    notebooks = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) >= 4
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            assert "course_tools" not in source, f"{path.name}: {source[:80]}"
            code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            assert {folder for _, folder in imported_folders(code)} <= {"course_utils"}, path.name
