"""The course text: both languages say the same, the Chinese is Chinese, and the
numbers the text quotes come from the outputs next to it."""

from __future__ import annotations

import re

import nbformat
import pytest

from course_tools.run.runner import course_notebooks

NOTEBOOKS = course_notebooks()
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
# What is not prose: code blocks, inline code, formulas, links' targets, image links, and
# the English term in brackets at a term's first use, e.g. 转置卷积（transposed convolution）.
NOT_PROSE = [re.compile(p, flags=re.S) for p in (
    r"```.*?```", r"`[^`]*`", r"\$\$.*?\$\$", r"\$[^$]*\$", r"!?\[[^\]]*\]\([^)]*\)",
    r"（[^（）]*）", r"\([^()]*\)", r"“[^”]*”", r"\[[^\]]*\]")]


def pairs(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    return list(zip(cells[::2], cells[1::2]))


def numbers(text: str) -> list[str]:
    """The numbers a cell quotes, leaving out glossary brackets such as （clip to [0, 1]） and "2-D"."""
    text = re.sub(r"```.*?```|`[^`]*`", " ", text, flags=re.S)  # numbers in code are code
    text = re.sub(r"（[A-Za-z][^（），\u4e00-\u9fff]*）", " ", text)  # the English term at first use
    text = re.sub(r"\b[123]-D\b", " ", text)
    return sorted(n.replace(",", "") for n in NUMBER.findall(text))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_both_languages_quote_the_same_numbers(path):
    differing = [(numbers(zh.source), numbers(en.source), en.source[:60]) for zh, en in pairs(path)
                 if numbers(zh.source) != numbers(en.source)]
    assert differing == []


def prose_without_code(text: str) -> str:
    for pattern in NOT_PROSE:
        text = pattern.sub(" ", text)
    return text


ENGLISH_PROSE = re.compile(r"[A-Za-z]+(?:[ -][A-Za-z]+){3,}")  # four English words in a row


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chinese_cells_hold_no_english_prose(path):
    english = ENGLISH_PROSE
    found = [(m.group(), zh.source[:30]) for zh, _ in pairs(path)
             for m in english.finditer(prose_without_code(zh.source))]
    assert found == []


def output_text(nb) -> str:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") + output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_decibel_the_text_quotes_is_an_output(path):
    """A measured PSNR in the text ("about 9 dB") must match a printed one (9.4 dB) within 0.6 dB."""
    nb = nbformat.read(path, as_version=4)
    printed = [float(n) for n in re.findall(r"-?\d+\.\d+", output_text(nb))]
    quoted = [float(n) for c in nb.cells if c.cell_type == "markdown"
              for n in re.findall(r"(\d+(?:\.\d+)?) ?dB", c.source)]
    quoted = [value for value in quoted if value not in (10.0,)]  # "each tenfold drop adds 10 dB"
    assert [value for value in quoted if not any(abs(value - p) <= 0.6 for p in printed)] == []


def test_the_english_detector_sees_english():
    assert prose_without_code("这是中文。This sentence is English prose.") != ""
    # the detector the Chinese-prose test uses, on text where the answer is known
    assert ENGLISH_PROSE.search(prose_without_code("中文 This sentence is English prose 中文"))
    assert not ENGLISH_PROSE.search(prose_without_code("转置卷积（transposed convolution with a kernel）和 `keras.layers.Conv2D`"))
    assert not ENGLISH_PROSE.search(prose_without_code("用 `np.mean(x, axis=0)` 和 $\\mathrm{PSNR}$ 计算"))
