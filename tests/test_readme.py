"""The README and docs/ tell the truth about the tree and say the same things in both languages.

The README stays a door (short, English and Chinese side by side, each half linking to its own
language's pages); the paths and links they name exist; the benchmark flags they show are the
scripts' own; and docs/en and docs/zh hold the same pages, each pair with the same sections, the
same `make` commands and the same measured numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
ENGLISH = README[README.index("\n## English\n"):README.index("\n## 中文\n")]
CHINESE = README[README.index("\n## 中文\n"):]
DOCS = ROOT / "docs"
LANGUAGES = ("en", "zh")
PAGES = {lang: sorted(p.name for p in (DOCS / lang).glob("*.md")) for lang in LANGUAGES}
DOCUMENTS = [README_PATH, *sorted(DOCS.glob("*/*.md"))]
TOP_LEVEL = {p.name for p in ROOT.iterdir()} - {"build", ".venv", "node_modules"}
# Written by others: the settings page is generated from the settings dataclasses, the architecture
# page comes with the code's layout. The README links to them before they exist.
WRITTEN_ELSEWHERE = {"settings.md", "architecture.md"}
# Exists only inside the built wheel, which copies assets/ into the package (pyproject.toml says how).
IN_THE_WHEEL_ONLY = {"course_utils/assets"}
MAKE_TARGETS = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE))

# A number and its unit, in either language; the unit is normalised so that "3 min 51 s" and
# "3 分 51 秒" give the same quantities. "分" is minutes only when seconds follow ("6 分 50 秒").
UNITS = {"毫秒": "ms", "秒": "s", "分钟": "min", "分": "min", "小时": "h", "ms": "ms", "s": "s",
         "second": "s", "seconds": "s", "min": "min", "minute": "min", "minutes": "min", "h": "h",
         "hour": "h", "hours": "h"}
QUANTITY = re.compile(
    r"(?<![A-Za-z0-9_.,])(\d[\d,]*(?:\.\d+)?)\s?"
    r"(毫秒|秒|分钟|小时|分(?=\s?\d[\d,]*\s?秒)|ms|min(?:utes?)?|s(?:econds?)?|h(?:ours?)?"
    r"|kB|KB|MB|GB|KiB|MiB|GiB|dB|%)(?![A-Za-z])")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def headings(text: str) -> list[str]:
    """The ## and ### headings' levels, in order."""
    return re.findall(r"^(#{2,3}) ", without_code_blocks(text), re.MULTILINE)


def make_commands(text: str) -> set[str]:
    """The Makefile targets named as `make <target>`."""
    names = "|".join(sorted(MAKE_TARGETS, key=len, reverse=True))
    return set(re.findall(rf"(?<![\w-])make ({names})(?![\w-])", text))


def quantities(text: str) -> set[tuple[str, str]]:
    """Numbers with a unit of time, size, decibels or percent, such as ("3", "min") and ("51", "s")."""
    return {(number.replace(",", ""), UNITS.get(unit, unit)) for number, unit in QUANTITY.findall(text)}


def links(text: str) -> list[str]:
    """Markdown link targets that are files of this repository (no web address, no bare anchor)."""
    return [target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", text)
            if not re.match(r"[a-z]+:", target) and not target.startswith("#")]


def named_paths(text: str) -> set[str]:
    """Backticked repository paths, such as `course_utils/data.py` or `tests/test_<module>.py`."""
    paths = set()
    for token in re.findall(r"`([^`\s]+)`", text):
        token = token.rstrip(".,:;)").split("::")[0]
        if token.split("/")[0] in TOP_LEVEL and ("/" in token or "." in token):
            paths.add(token)
    return paths


def test_the_readme_is_a_door():
    assert len(README.splitlines()) <= 300, "README.md: at most 300 lines; move the rest to docs/en and docs/zh"


def test_the_quantity_pattern_reads_both_languages():
    assert quantities("3 min 51 s, 1.25 GB, +0.55 dB, 25%, 5 minutes") == quantities(
        "3 分 51 秒，1.25 GB，+0.55 dB，25%，5 分钟")
    assert quantities("1,875 steps, 2 seeds, 0700 home, Python 3.11.2") == set()


def test_every_path_the_readme_and_docs_name_exists():
    missing = []
    for document in DOCUMENTS:
        paths = named_paths(read(document))
        for path in sorted(paths):
            if any(mark in path for mark in ("<", "…", "*", "NN_")):
                pattern = re.sub(r"<[^>]+>|…|NN_name|NN", "*", path)
                if not list(ROOT.glob(pattern.replace("**", "*"))):
                    missing.append(f"{document.relative_to(ROOT)}: {path}")
            elif not (ROOT / path).exists() and path not in IN_THE_WHEEL_ONLY:
                missing.append(f"{document.relative_to(ROOT)}: {path}")
    assert len(named_paths(README)) >= 5, "the pattern finds the README's paths"
    assert missing == []
    assert all(path in read(ROOT / "pyproject.toml") for path in IN_THE_WHEEL_ONLY)


def test_every_link_points_to_a_file():
    broken = []
    for document in DOCUMENTS:
        for target in links(read(document)):
            path = (document.parent / target).resolve()
            written_elsewhere = path.name in WRITTEN_ELSEWHERE and path.parent.parent == DOCS
            if not path.exists() and not written_elsewhere:
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert broken == []


def test_each_readme_half_links_to_its_own_languages_pages():
    english, chinese = links(ENGLISH), links(CHINESE)
    assert english and all(target.startswith("docs/en/") for target in english), english
    assert chinese and all(target.startswith("docs/zh/") for target in chinese), chinese
    assert {Path(t).name for t in english} == {Path(t).name for t in chinese}
    for page in PAGES["en"]:
        assert f"docs/en/{page}" in english, f"the README does not lead to docs/en/{page}"


def test_the_readme_halves_say_the_same_things():
    assert headings(ENGLISH) == headings(CHINESE)
    assert make_commands(ENGLISH) == make_commands(CHINESE)
    assert {"doctor", "run", "test"} <= make_commands(ENGLISH)
    assert quantities(ENGLISH) == quantities(CHINESE)
    for version in ("3.10", "3.13"):
        assert version in ENGLISH and version in CHINESE


def test_docs_en_and_zh_hold_the_same_pages():
    assert PAGES["en"] == PAGES["zh"]
    assert len(PAGES["en"]) >= 8


@pytest.mark.parametrize("page", PAGES["en"])
def test_each_docs_page_says_the_same_in_both_languages(page):
    en, zh = (read(DOCS / lang / page) for lang in LANGUAGES)
    assert headings(en) == headings(zh), "the same ## and ### sections, in the same order"
    assert make_commands(en) == make_commands(zh)
    # Outside code blocks: an example output is pasted from a real run in each language.
    en_quantities, zh_quantities = quantities(without_code_blocks(en)), quantities(without_code_blocks(zh))
    assert en_quantities - zh_quantities == set(), "numbers with units in English only"
    assert zh_quantities - en_quantities == set(), "numbers with units in Chinese only"
    assert f"](../zh/{page})" in en and f"](../en/{page})" in zh, "each page links to its translation"


def test_the_benchmark_flags_shown_are_the_scripts_own():
    pattern = re.compile(r"(benchmarks/\w+\.py)((?: --?[\w-]+(?: [\w.]+)*)*)")
    commands = [command for document in DOCUMENTS for command in pattern.findall(read(document))]
    assert any(arguments for _, arguments in commands)
    for script, arguments in commands:
        source = (ROOT / script).read_text(encoding="utf-8")
        for flag in re.findall(r"--[\w-]+", arguments):
            assert f'"{flag}"' in source, f"{script} has no {flag}"
