"""The maths, written where it is used (issue 36).

Each formula is a pair of markdown cells, Chinese then English, holding the same LaTeX; it stands
next to the code that computes it, and the code cell right after the pair checks, on a small
example, that the course's code gives what the formula gives. No notebook runs here: nbval replays
the check cells (they start with ``# NBVAL_CHECK_OUTPUT``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from course_tools.run.runner import course_notebooks
from course_utils.language import placeholders, translate

ROOT = Path(__file__).resolve().parents[1]
PENDING_TRANSLATIONS = ROOT / "translations-36.tsv"  # until the catalog holds them
CJK = re.compile(r"[\u4e00-\u9fff]")


# notebook, the formula, LaTeX both cells hold, what a code cell just above uses,
# what the check cell after the pair calls
FORMULAS = [
    ("01", "MSE and PSNR", [r"\mathrm{MSE}(x, \hat{x}) = \frac{1}{N}", r"10 \log_{10} \frac{L^2}"],
     "cu.psnr(", ["cu.mean_mse(", "cu.psnr("]),
    ("02", "output sizes", [r"\left\lceil \frac{n}{s} \right\rceil", r"\left\lfloor \frac{n - k}{s} \right\rfloor + 1",
                            r"(n - 1)\,s + k", r"\left\lceil \tfrac{7}{2} \right\rceil = 4"],
     'MaxPooling2D(2, padding="same")', ["layers.MaxPooling2D(", "layers.Conv2D(", "layers.Conv2DTranspose("]),
    ("02", "binary cross-entropy", [r"\max(z, 0) - z\,y + \ln\left( 1 + e^{-\lvert z \rvert} \right)",
                                    r"H(y) = -\left[ y \ln y + (1 - y) \ln (1 - y) \right]", r"\ln 2 \approx 0.6931"],
     "cu.evaluate(", ["cu.mean_bce("]),
    ("02", "SSIM", [r"\frac{(2 \mu_x \mu_y + C_1)(2 \sigma_{xy} + C_2)}", r"C_1 = (0.01\,L)^2", r"C_2 = (0.03\,L)^2",
                    "2004", "11×11"],
     "cu.evaluate(", ["cu.ssim("]),
    ("04", "transposed-convolution overlap", [r"\left\lceil \frac{k - (j \bmod s)}{s} \right\rceil"],
     "transposed_overlap(", ["transposed_overlap("]),
]
NEAR = 3  # "next to": the code that computes the formula is among the code cells this close above

# What the formulas may use: TeX and AMS macros that MathJax 2's TeX-AMS_CHTML-full config (the book's
# and the slides') typesets. A new macro is fine once it renders; add it here after looking.
MATHJAX_MACROS = {
    "approx", "bigl", "bigr", "bmod", "cdot", "dots", "frac", "ge", "hat", "in", "infty", "lbrace", "lceil", "ldots",
    "le", "left", "lfloor", "ln", "log", "lvert", "mathrm", "max", "min", "mu", "qquad", "quad", "rbrace", "rceil",
    "rfloor", "right", "rvert", "sigma", "sum", "text", "tfrac", "to", "ell",
}
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"\$([^$\n]+)\$")


def tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


def notebook(number: str):
    [path] = course_notebooks([number])
    return nbformat.read(path, as_version=4).cells


def formula_cells(number: str, latex: list[str]):
    """The zh cell holding every piece of ``latex``, its en partner, and their index."""
    cells = notebook(number)
    found = [i for i, cell in enumerate(cells)
             if cell.cell_type == "markdown" and "lang-zh" in tags(cell) and all(p in cell.source for p in latex)]
    assert len(found) == 1, f"{len(found)} Chinese cells hold {latex}"
    return cells, found[0]


def maths(text: str) -> list[str]:
    displays = DISPLAY.findall(text)
    return displays + INLINE.findall(DISPLAY.sub(" ", text))


@pytest.mark.parametrize("number, name, latex, near, calls", FORMULAS, ids=[f[1] for f in FORMULAS])
def test_each_formula_is_a_language_pair_with_the_same_maths(number, name, latex, near, calls):
    cells, index = formula_cells(number, latex)
    zh, en = cells[index], cells[index + 1]
    assert tags(en) & {"lang-zh", "lang-en"} == {"lang-en"}
    assert all(piece in en.source for piece in latex)
    assert DISPLAY.findall(zh.source) == DISPLAY.findall(en.source), "the displayed formulas differ"
    assert sorted(maths(zh.source)) == sorted(maths(en.source)), "the inline formulas differ"
    assert zh.metadata.get("slideshow") == en.metadata.get("slideshow")


@pytest.mark.parametrize("number, name, latex, near, calls", FORMULAS, ids=[f[1] for f in FORMULAS])
def test_each_formula_stands_next_to_its_code_and_before_its_check(number, name, latex, near, calls):
    cells, index = formula_cells(number, latex)
    above = [cell for cell in cells[:index] if cell.cell_type == "code"][-NEAR:]
    assert any(near in cell.source for cell in above), f"no code cell just above uses {near}"
    check = cells[index + 2]
    assert check.cell_type == "code", "the pair is followed by its check cell"
    assert check.source.startswith("# NBVAL_CHECK_OUTPUT\n"), "its output is deterministic, so nbval compares it"
    assert [call for call in calls if call not in check.source] == []
    assert not CJK.search(check.source), "messages are English msgids, translated by the catalog"
    assert "say_check(" in check.source, "the check prints whether formula and code agree"
    assert len(check.source.splitlines()) <= 25, "a check cell stays short"


@pytest.mark.parametrize("number, name, latex, near, calls", FORMULAS, ids=[f[1] for f in FORMULAS])
def test_the_formulas_use_only_what_mathjax_2_typesets(number, name, latex, near, calls):
    cells, index = formula_cells(number, latex)
    for cell in cells[index:index + 2]:
        assert cell.source.count("$$") % 2 == 0
        assert DISPLAY.sub(" ", cell.source).count("$") % 2 == 0, "an unclosed $"
        used = {macro for formula in maths(cell.source) for macro in re.findall(r"\\([A-Za-z]+)", formula)}
        assert used - MATHJAX_MACROS == set()
        assert not [f for f in maths(cell.source) if CJK.search(f)], "Chinese inside a formula"


def pending_translations() -> dict[str, str]:
    if not PENDING_TRANSLATIONS.exists():
        return {}
    lines = PENDING_TRANSLATIONS.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t") for line in lines if line.strip())


def messages(source: str) -> list[str]:
    """The messages a cell prints: the first argument of each say and say_check."""
    return [node.args[0].value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("say", "say_check")
            and isinstance(node.args[0], ast.Constant)]


@pytest.mark.parametrize("number, name, latex, near, calls", FORMULAS, ids=[f[1] for f in FORMULAS])
def test_every_message_of_a_check_has_a_chinese_translation(number, name, latex, near, calls):
    cells, index = formula_cells(number, latex)
    printed = messages(cells[index + 2].source)
    assert printed
    pending = pending_translations()
    for message in printed:
        chinese = translate(message, "zh") if translate(message, "zh") != message else pending.get(message)
        assert chinese and CJK.search(chinese), f"no Chinese for {message!r}"
        assert placeholders(chinese) == placeholders(message), message
