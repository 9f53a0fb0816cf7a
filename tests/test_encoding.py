"""Every file the course opens names its encoding.

Without ``encoding=``, Python reads and writes text in the locale's encoding: UTF-8 on
Linux and macOS, but GBK on a Chinese Windows, where the course's Chinese text then
fails to load or is written as something no other machine reads. ruff's rule PLW1514
(unspecified-encoding, a preview rule in ruff 0.17) finds ``open``, ``io.open``,
``io.TextIOWrapper``, ``tempfile``'s text files and calls on a ``Path(...)`` it can see
being built; a test below finds, in the syntax tree, what ruff cannot see.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from course_tools.settings import ROOT

# Every folder that holds the course's Python files and notebooks, all checked the same way.
CHECKED = ("course_utils", "course_tools", "tests", "benchmarks", "scripts", "notebooks")
RUFF = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"]
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output"}
TEXT_MODE = re.compile(r"[rwxa+tU]+")  # a mode without "b"
NOT_FILE_OPENS = {"os", "io", "zipfile", "tarfile", "gzip", "webbrowser"}  # modules whose .open is not Path.open


def unspecified_encodings(folder: Path, paths=CHECKED) -> subprocess.CompletedProcess:
    """ruff's PLW1514 over ``paths`` in ``folder``: exit status 1 and one line per finding."""
    return subprocess.run([*RUFF, "--preview", "--select", "PLW1514", "--output-format", "concise", *paths],
                          cwd=folder, capture_output=True, text=True, encoding="utf-8", errors="replace")


def test_ruff_finds_no_open_without_an_encoding():
    result = unspecified_encodings(ROOT)
    assert result.returncode == 0, (
        "name the encoding (normally encoding=\"utf-8\") at each of these:\n"
        f"{result.stdout}{result.stderr}")


def test_ruff_would_find_one(tmp_path):
    (tmp_path / "reads.py").write_text('open("x")\nopen("x", encoding="utf-8")\n', encoding="utf-8")
    result = unspecified_encodings(tmp_path, ["reads.py"])
    assert result.returncode == 1 and result.stdout.startswith("reads.py:1:1: unspecified-encoding"), result


def test_every_python_file_and_notebook_is_in_a_checked_folder():
    everything = subprocess.run([*RUFF, "--show-files", "."], cwd=ROOT, capture_output=True,
                                text=True, encoding="utf-8", errors="replace", check=True).stdout
    files = [Path(line).relative_to(ROOT) for line in everything.splitlines()
             if line.endswith((".py", ".pyi", ".ipynb"))]
    outside = [str(f) for f in files if f.parts[0] not in CHECKED]
    assert len(files) > 50 and outside == [], f"add their folders to CHECKED: {outside}"


def python_sources():
    """(where, source) for each Python file and each notebook code cell in the checked folders."""
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            for number, cell in enumerate(cells, 1):
                if cell["cell_type"] == "code":
                    # IPython's %magics and !commands are not Python
                    lines = ["" if line.lstrip().startswith(("%", "!")) else line
                             for line in "".join(cell["source"]).splitlines()]
                    yield f"{path.relative_to(ROOT)}, code cell {number}", "\n".join(lines)


def is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)


def is_text_mode(mode: ast.expr | None) -> bool:
    """Whether an ``open``-style mode is text: a missing mode reads text, ``"rb"`` does not."""
    if mode is None:
        return True
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(TEXT_MODE.fullmatch(mode.value))


def needs_encoding(call: ast.Call) -> bool:
    """Whether ``call`` opens text that ruff cannot see, without naming its encoding.

    A ``subprocess`` call with ``text=True`` decodes the child's output in the locale's
    encoding; ruff does not look at those. ruff knows a ``Path`` only when it sees it
    built (``Path("a").read_text()``, ``p = Path("a")``), not ``(folder / "a").read_text()``
    nor an attribute such as ``self.log``, so every ``read_text``, ``write_text`` and
    text-mode ``.open`` is checked here, as is ``os.fdopen``.
    """
    keywords = {k.arg: k.value for k in call.keywords}
    name = getattr(call.func, "attr", getattr(call.func, "id", None))
    if "encoding" in keywords:
        return False
    if name in SUBPROCESS_CALLS:
        return any(is_true(keywords[k]) for k in ("text", "universal_newlines") if k in keywords)
    if not isinstance(call.func, ast.Attribute):
        return False  # the builtin open is ruff's
    if name in {"read_text", "write_text"}:
        return True
    if name == "open":
        mode = keywords.get("mode", call.args[0] if call.args else None)
        return getattr(call.func.value, "id", None) not in NOT_FILE_OPENS and is_text_mode(mode)
    if name == "fdopen":
        return is_text_mode(keywords.get("mode", call.args[1] if len(call.args) > 1 else None))
    return False


def unnamed_encodings(source: str) -> list[tuple[int, str]]:
    """(line, call) for each call in ``source`` that :func:`needs_encoding`."""
    return sorted((node.lineno, ast.unparse(node)) for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Call) and needs_encoding(node))


def test_no_text_pipe_or_path_opened_without_an_encoding():
    """What ruff misses: subprocess text pipes, and files opened through a computed Path."""
    found = [f"{where}:{line}: {call[:120]}" for where, source in python_sources()
             for line, call in unnamed_encodings(source)]
    assert found == [], "name the encoding (normally encoding=\"utf-8\") at each of these:\n" + "\n".join(found)


def test_the_syntax_check_finds_what_it_is_meant_to():
    source = ("import os, subprocess\n"
              "subprocess.run(['ls'], capture_output=True, text=True)\n"
              "subprocess.run(['ls'], text=True, encoding='utf-8', errors='replace')\n"
              "subprocess.run(['ls'], capture_output=True)\n"
              "(folder / 'a').read_text()\n"
              "(folder / 'a').write_text('x', encoding='utf-8')\n"
              "self.log.open('w')\n"
              "self.log.open('rb')\n"
              "archive.open('member.txt')\n"
              "os.fdopen(3, 'w')\n"
              "os.fdopen(3, 'rb')\n"
              "check_output(['ls'], universal_newlines=True)\n"
              "os.open('x', os.O_RDONLY)\n")
    assert [line for line, _ in unnamed_encodings(source)] == [2, 5, 7, 10, 12]
