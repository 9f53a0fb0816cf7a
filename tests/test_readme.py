"""The README tells the truth about the tree: the paths it names exist, "Where things live"
lists every module in both languages, and the benchmark flags it shows are the scripts' own."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENGLISH, CHINESE = README.split("\n## 中文\n")
TOP_LEVEL = {p.name for p in ROOT.iterdir()} - {"build", ".venv", "node_modules"}


def named_paths(text: str) -> set[str]:
    """Backticked repository paths, such as `course_utils/data.py` or `tests/test_<module>.py`."""
    paths = set()
    for token in re.findall(r"`([^`\s]+)`", text):
        token = token.rstrip(".,:;)").split("::")[0]
        if token.split("/")[0] in TOP_LEVEL and ("/" in token or "." in token):
            paths.add(token)
    return paths


def test_every_path_the_readme_names_exists():
    paths = named_paths(README)
    assert len(paths) > 20, "the pattern finds the README's paths"
    missing = []
    for path in sorted(paths):
        if any(mark in path for mark in ("<", "…", "*", "NN_")):
            pattern = re.sub(r"<[^>]+>|…|NN_name|NN", "*", path)
            if not list(ROOT.glob(pattern.replace("**", "*"))):
                missing.append(path)
        elif not (ROOT / path).exists():
            missing.append(path)
    assert missing == []


def test_where_things_live_lists_every_module_in_both_languages():
    english = ENGLISH[ENGLISH.index("#### Where things live"):]
    chinese = CHINESE[CHINESE.index("### 维护者：代码放在哪里"):]
    student_modules = {p.stem for p in (ROOT / "course_utils").glob("*.py")} - {"__init__", "__main__"}
    named_en = set(re.findall(r"`(\w+)`", english[:english.index("| `course_tools/`")]))
    named_zh = set(re.findall(r"`(\w+)`", chinese))
    assert student_modules - named_en == set() and student_modules - named_zh == set()
    tool_modules = {p.stem for p in (ROOT / "course_tools").glob("*.py")} - {"__init__", "__main__", "cli"}
    tools_row = english[english.index("| `course_tools/`"):].splitlines()[0]
    assert tool_modules - set(re.findall(r"`(\w+)`", tools_row)) == set()


def test_the_benchmark_flags_shown_are_the_scripts_own():
    commands = re.findall(r"(benchmarks/\w+\.py)((?: --?[\w-]+(?: [\w.]+)*)*)", README)
    assert commands
    for script, arguments in commands:
        source = (ROOT / script).read_text(encoding="utf-8")
        for flag in re.findall(r"--[\w-]+", arguments):
            assert f'"{flag}"' in source, f"{script} has no {flag}"
