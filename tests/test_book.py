"""make book: each language's chapters from the tests' executions, read in Chromium from file://."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import NEEDS_PYTHON_311, other_script

if sys.version_info < (3, 11):
    pytest.skip(NEEDS_PYTHON_311, allow_module_level=True)

from conftest import (
    EXECUTION_LANGUAGES,
    PageProblems,
    axe_violations,
    describe_violations,
    undescribed_figures,
)

from course_tools.notebook.editions import answer_prompts
from course_tools.notebook.student import answer_lines, shown_answers
from course_tools.publish.book import build_book

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
KEY_TERMS = {"zh": ["降噪自编码器", "卷积自编码器", "目录"], "en": ["denoising autoencoder", "Contents"]}


@pytest.fixture(scope="module")
def book(executed_course, built_demo, tmp_path_factory):
    """Both books, from the notebooks the tests executed in each language (nothing runs again)."""
    folder, _ = executed_course
    chapters = {lang: sorted((folder / lang / "executed").glob("*.ipynb")) for lang in ("zh", "en")}
    out = Path(os.path.relpath(tmp_path_factory.mktemp("book") / "book"))  # as make book gives it: relative
    built = build_book(chapters, out, demo_dir=built_demo)
    return built, chapters


def pages_of(built, lang):
    folder = built[lang]["html"].parent
    return [folder / "index.html", folder / "search.html", *sorted(folder.glob("[0-9][0-9]_*.html"))]


def open_page(browser, path, query=""):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, requests = PageProblems(), []
    problems.watch(page)
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri() + query)
    page.wait_for_load_state("load")
    if page.evaluate("typeof MathJax !== 'undefined'"):
        page.wait_for_function("MathJax.isReady === true")
        page.evaluate("new Promise(done => MathJax.Hub.Queue(done))")
    return page, problems, requests


PROSE = """() => { const copy = document.querySelector('main').cloneNode(true);
    copy.querySelectorAll('pre, code, .cell_input, .cell_output, script, style, .math').forEach(e => e.remove());
    return copy.innerText; }"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_opens_offline_with_its_figures_and_typeset_math(book, browser, lang):
    built, chapters = book
    pages = pages_of(built, lang)
    assert [p.stem for p in pages[2:]] == [c.name.split(".")[0] for c in chapters[lang]]
    for path in pages:
        page, problems, requests = open_page(browser, path)
        outside = [url for url in requests if not url.startswith(("file://", "data:"))]
        assert outside == [] and problems.failed_requests == [] and problems.console_errors == [], path
        widths = page.evaluate("Array.from(document.images, img => img.complete ? img.naturalWidth : -1)")
        assert all(width > 0 for width in widths), (path, widths)
        text = page.evaluate("document.querySelector('main').innerText")
        assert not re.search(r"\\(frac|mathrm|log_)|\$\$", text), f"unrendered TeX in {path}"
        prose = page.evaluate(PROSE)
        if lang == "en":
            assert CJK.findall(prose) == [], f"Chinese outside the code of {path}"
        else:  # English only as a term in brackets, the glossary's way
            unbracketed = re.sub(r"（[^）]*）|\([^)]*\)", "", prose)
            assert not re.search(r"[A-Za-z]+(?: [A-Za-z]+){3,}", unbracketed), f"English in {path}"
        page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_passes_wcag_21_aa(book, browser, lang):
    """The theme's frame and the chapters, every fold opened (answers, hidden cells): axe-core from npm."""
    built, _ = book
    found = []
    for path in pages_of(built, lang):
        page, _, _ = open_page(browser, path)
        page.evaluate("document.querySelectorAll('details').forEach(fold => { fold.open = true; })")
        violations = axe_violations(page)
        found += [describe_violations(violations, str(path))] if violations else []
        page.close()
    assert found == [], "\n".join(found)


def test_the_chapters_carry_their_figures_and_fold_their_solutions(book):
    built, chapters = book
    for lang in ("zh", "en"):
        for chapter in pages_of(built, lang)[2:]:
            html = chapter.read_text(encoding="utf-8")
            assert html.count("<img") >= 2, chapter
            assert undescribed_figures(html, lang) == [], chapter  # myst-nb shows the figures' <img alt>
            assert "NBVAL_" not in html
            solutions = len(re.findall(r'class="[^"]*tag_solution', html))
            folded = len(re.findall(r'<details class="[^"]*\bhide\b[^"]*">', html))  # closed: no "open"
            assert solutions >= 1 and folded >= solutions, (chapter, solutions, folded)
    for lang, placeholder in (("zh", 'placeholder="搜索本书…"'), ("en", 'placeholder="Search this book…"')):
        assert placeholder in built[lang]["html"].read_text(encoding="utf-8"), "the search box speaks the book's language"
    book_folder = built["zh"]["html"].parent.parent
    assert sorted(p.name for p in book_folder.iterdir()) == ["course-en.pdf", "course-zh.pdf", "en", "zh"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_shows_an_answer_unasked(book, lang):
    """Each chapter, and the single page the PDF is printed from: no solution's code or printed
    answer outside its closed "Show the answer" (myst-nb's hide-cell)."""
    built, chapters = book
    every_answer = set()
    for chapter, executed in zip(pages_of(built, lang)[2:], chapters[lang]):
        answers = answer_lines(nbformat.read(executed, as_version=4))
        every_answer |= answers
        html = chapter.read_text(encoding="utf-8")
        assert shown_answers(html, answers, unasked=True) == [], chapter
        assert shown_answers(html, answers), "the answers are in the chapter, behind the click"
        assert f'<p class="collapsed admonition-title">{answer_prompts(lang)[0]}</p>' in html
    single = built[lang]["html"].parent.parent.parent / "book-single" / lang / "index.html"
    assert shown_answers(single.read_text(encoding="utf-8"), every_answer, unasked=True) == []


SEARCHES = {"zh": ["降噪自编码器", "棋盘伪影", "峰值信噪比", "噪声因子"],
            "en": ["checkerboard", "denoising", "PSNR", "noise factor"]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_search_finds_every_chapter_that_holds_the_words(book, browser, lang):
    built, _ = book
    folder = built[lang]["html"].parent
    found_any = False
    for query in SEARCHES[lang]:
        holding = {p.name for p in pages_of(built, lang)[2:] if query in p.read_text(encoding="utf-8")}
        page, problems, _ = open_page(browser, folder / "search.html", f"?q={query}")
        page.wait_for_function("document.querySelector('#search-results .search-summary').innerText.length > 0")
        links = page.evaluate("Array.from(document.querySelectorAll('#search-results ul.search a'), "
                              "a => a.pathname.split('/').pop())")
        assert holding <= set(links), (query, holding, links)
        assert problems.console_errors == []
        found_any = found_any or bool(holding)
        page.close()
    assert found_any


def test_the_live_demo_is_in_the_denoising_chapter(book, browser):
    built, _ = book
    lang = EXECUTION_LANGUAGES["03"]
    [chapter] = (built[lang]["html"].parent).glob("03_*.html")
    page, problems, _ = open_page(browser, chapter)
    frame = next(f for f in page.frames if f.url.endswith("/demo/index.html"))
    assert frame.evaluate("courseDemo.ready.then(() => courseDemo.backend)") == "wasm"
    assert problems.console_errors == []
    page.close()


def pdf_tool(*args) -> str:
    return subprocess.run(args, capture_output=True, text=True, encoding="utf-8", check=True).stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_has_contents_figures_embedded_fonts_and_the_words(book, lang):
    built, chapters = book
    pdf = built[lang]["pdf"]
    pages = int(re.search(r"Pages:\s+(\d+)", pdf_tool("pdfinfo", str(pdf))).group(1))
    assert pages >= 10 * len(chapters[lang])
    fonts = pdf_tool("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), "a font is not embedded"
    images = pdf_tool("pdfimages", "-list", str(pdf)).splitlines()[2:]
    figures = sum(p.read_text(encoding="utf-8").count("<img") for p in pages_of(built, lang)[2:])
    assert len(images) >= figures
    text = pdf_tool("pdftotext", str(pdf), "-")
    first_page = text.split("\f")[0]
    assert all(term in text for term in KEY_TERMS[lang])
    assert all(c.name.split(".")[0][:2] in first_page for c in chapters[lang])  # the contents
    assert not re.search(r"\\(frac|mathrm)|Loading \[MathJax\]", text)
    if lang == "zh":
        assert len(CJK.findall(text)) > 1000
    else:  # English down to the code cells (issue 37: 1,162 Chinese characters before)
        assert other_script(text) == ""
