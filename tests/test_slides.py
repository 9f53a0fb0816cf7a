"""Instructor slides: slide metadata in the notebooks, one-language decks that load
nothing from the network, and a walk through real decks in headless Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nbformat
import pytest
from conftest import (
    EXECUTION_LANGUAGES,
    PageProblems,
    axe_violations,
    describe_violations,
    other_script,
    undescribed_figures,
)

from course_tools.notebook.editions import answer_prompts
from course_tools.notebook.student import answer_lines, shown_answers
from course_tools.publish import slides
from course_tools.run.runner import course_notebooks
from course_tools.settings import ROOT
from course_utils.language import language_codes

NOTEBOOKS = course_notebooks()
CJK = re.compile(r"[\u4e00-\u9fff]")
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
SCREENSHOTS = ROOT / "build" / "slides" / "screenshots"


def read(path):
    return nbformat.read(path, as_version=4)


def tags(cell):
    return set(cell.metadata.get("tags", []))


def slide_type(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type")


def other_language(lang):
    """The course's other language (it has two)."""
    [other] = [code for code in language_codes() if code != lang]
    return other


def headings(nb, lang):
    """The heading lines of the ``lang`` cells that a deck shows."""
    return [line.lstrip("#").strip()
            for cell in nb.cells
            if f"lang-{lang}" in tags(cell) and slide_type(cell) != "skip"
            for line in cell.source.splitlines() if line.startswith("#")]


# --- slide metadata -----------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_has_a_slide_type_and_pairs_agree(path):
    cells = read(path).cells
    assert all(slide_type(c) in SLIDE_TYPES for c in cells), \
        [c.source[:40] for c in cells if slide_type(c) not in SLIDE_TYPES]
    for zh, en in zip(cells, cells[1:]):
        if "lang-zh" in tags(zh) and "lang-en" in tags(en):
            assert slide_type(zh) == slide_type(en), zh.source[:40]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_decks_open_with_a_title_and_hide_the_plumbing(path):
    cells = read(path).cells
    assert [slide_type(c) for c in cells[:2]] == ["slide", "slide"]
    assert cells[0].source.startswith("# ") and cells[1].source.startswith("# ")
    for cell in cells:
        if "parameters" in tags(cell) or cell.source.startswith("%matplotlib"):
            assert slide_type(cell) == "skip", cell.source[:40]
        if "solution" in tags(cell):  # on its exercise's slide, folded (see test_a_deck_folds_each_answer)
            assert slide_type(cell) == "-", cell.source[:40]
        outputs = cell.get("outputs", [])
        if any("val_loss" in o.get("text", "") for o in outputs):
            assert "slides-hide-output" in tags(cell), "a training log would fill the slide"
        if any("image/png" in o.get("data", {}) for o in outputs):
            assert "slides-hide-input" in tags(cell), "plotting code is plumbing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_mermaid_diagrams_as_the_template_leaves_mermaid_out(path):
    assert all("```mermaid" not in cell.source for cell in read(path).cells)


# --- rendering, no browser ------------------------------------------------------

class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.lang = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


@pytest.fixture(scope="module")
def committed_decks(tmp_path_factory):
    """The committed 02 notebook (it has a diagram and a formula) in both languages."""
    out = tmp_path_factory.mktemp("committed_decks")
    notebook = course_notebooks(["02"])[0]
    return {lang: slides.render_deck(notebook, lang, out / lang / "02.slides.html")
            for lang in language_codes()}


@pytest.mark.parametrize("lang", language_codes())
def test_a_deck_loads_only_local_files(committed_decks, lang):
    links = Links()
    links.feed(committed_decks[lang].read_text(encoding="utf-8"))
    assert links.lang == lang
    assert len(links.urls) >= 6, links.urls
    remote = [u for u in links.urls if not (u.startswith("../assets/") or u.startswith("data:"))]
    assert remote == []
    assert sum(u.startswith("data:image/png") for u in links.urls) >= 3  # diagram + plots


@pytest.mark.parametrize("lang", language_codes())
def test_a_deck_keeps_only_its_language(committed_decks, lang):
    html = committed_decks[lang].read_text(encoding="utf-8")
    nb = read(course_notebooks(["02"])[0])
    other = other_language(lang)
    assert all(h in html for h in headings(nb, lang))
    assert [h for h in headings(nb, other) if h in html] == []


@pytest.mark.parametrize("lang", language_codes())
def test_a_deck_folds_each_answer(committed_decks, lang):
    """No solution's code or printed answer on a slide until "Show the answer" opens it."""
    html = committed_decks[lang].read_text(encoding="utf-8")
    nb = read(course_notebooks(["02"])[0])
    answers = answer_lines(nb)
    assert shown_answers(html, answers, unasked=True) == []
    assert "'Correct: 3369.'" in shown_answers(html, answers)  # in the deck, behind the click
    assert html.count(f'<details class="course-answer">\n<summary>{answer_prompts(lang)[0]}</summary>') == len(
        [cell for cell in nb.cells if "solution" in tags(cell)])
    assert "NBVAL_" not in html


def test_every_asset_a_deck_links_is_copied(tmp_path, committed_decks):
    slides.copy_web_assets(tmp_path)
    links = Links()
    links.feed(committed_decks["zh"].read_text(encoding="utf-8"))
    deck_dir = tmp_path / "zh"
    local = [u.split("?")[0] for u in links.urls if u.startswith("../assets/")]
    assert local and [u for u in local if not (deck_dir / u).resolve().is_file()] == []


def test_missing_npm_packages_name_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="npm ci"):
        slides.copy_web_assets(tmp_path, node_modules=tmp_path / "node_modules")


def test_a_deck_has_one_language(tmp_path):
    with pytest.raises(ValueError, match="one language"):
        slides.render_deck(NOTEBOOKS[0], "both", tmp_path / "deck.html")


def test_a_missing_diagram_names_make_assets(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("![x](../assets/gone.png)")])
    with pytest.raises(FileNotFoundError, match="make assets"):
        slides.attach_markdown_images(nb, tmp_path)


# --- real decks in headless Chromium ------------------------------------------

@pytest.fixture(scope="module")
def executed_decks(executed_course, built_demo, tmp_path_factory):
    """The notebooks as the tests executed them (conftest), rendered as decks in that language."""
    folder, _ = executed_course
    out = tmp_path_factory.mktemp("decks")
    slides.copy_web_assets(out)
    decks = {}
    for number, lang in EXECUTION_LANGUAGES.items():
        [executed] = (folder / lang / "executed").glob(f"{number}_*.ipynb")
        decks[(lang, number)] = slides.render_deck(executed, lang, out / lang / f"{executed.stem}.slides.html")
        if slides.has_live_demo(executed):
            slides.copy_live_demo(out / lang, lang, built_demo)
    return decks


CURRENT_SLIDE = """() => {
    const slide = document.querySelector('.slides section.present:not(.stack)');
    return {
        position: location.hash + ' ' + slide.querySelectorAll('.fragment.visible').length,
        text: slide.innerText,
        // the slide without its code: code may hold both languages' message strings
        prose: (() => {
            const copy = slide.cloneNode(true);
            copy.querySelectorAll('.jp-InputArea, .input_area').forEach(e => e.remove());
            return copy.textContent;
        })(),
        images: [...slide.querySelectorAll('img')].map(img => img.complete ? img.naturalWidth : -1),
    };
}"""


@pytest.mark.parametrize("number, lang", EXECUTION_LANGUAGES.items())
def test_every_figure_of_a_deck_is_described_in_its_language(executed_decks, lang, number):
    """nbconvert's reveal template takes a figure's HTML form, the <img> with its description (issue 36)."""
    deck = executed_decks[(lang, number)].read_text(encoding="utf-8")
    assert deck.count("<img") >= 1 and undescribed_figures(deck, lang) == []


@pytest.mark.parametrize("number", [number for number, lang in EXECUTION_LANGUAGES.items() if lang == "en"])
def test_an_english_deck_is_english_down_to_its_code(executed_decks, number):
    """Its prose, its code cells and what they print: no CJK but the language switch (issue 37)."""
    html = executed_decks[("en", number)].read_text(encoding="utf-8")
    assert other_script(re.sub(r"<[^>]+>|data:[^\"']+", " ", html)) == ""


def walk_through(page, shots_prefix: str) -> list[dict]:
    """Press Space, as a presenter would, until the deck stops moving."""
    visited = []
    while len(visited) < 300:
        slide = page.evaluate(CURRENT_SLIDE)
        if visited and slide["position"] == visited[-1]["position"]:
            return visited
        visited.append(slide)
        if len(visited) <= 2 or (slide["images"] and not any(v["images"] for v in visited[:-1])):
            page.screenshot(path=f"{shots_prefix}_{len(visited):02d}.png")
        page.keyboard.press("Space")
    raise AssertionError("the deck never reached its last slide")


@pytest.mark.parametrize("number, lang", EXECUTION_LANGUAGES.items())
def test_walking_through_a_deck_in_chromium(executed_decks, browser, lang, number):
    deck = executed_decks[(lang, number)]
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems = PageProblems()
    problems.watch(page)
    # file://, as from a USB stick; no transitions, so screenshots are not mid-slide
    page.goto(deck.as_uri() + "?transition=none")
    page.wait_for_selector(".reveal.ready")
    nb = read(course_notebooks([number])[0])
    title = page.locator(".slides section.present h1")
    # the white theme sets headings in capitals, so compare case-insensitively
    assert title.is_visible() and title.inner_text().strip().casefold() == headings(nb, lang)[0].casefold()
    assert "epochs = 3" not in page.locator(".slides").inner_text()  # papermill's cell
    assert page.title().startswith(headings(nb, lang)[0])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visited = walk_through(page, str(SCREENSHOTS / f"{lang}_{number}"))

    text = "\n".join(slide["text"] for slide in visited)
    lines = {line.strip().casefold() for line in text.splitlines()}
    assert len(visited) >= 8
    assert [h for h in headings(nb, lang) if h.casefold() not in lines] == []
    assert [h for h in headings(nb, other_language(lang)) if h.casefold() in lines] == []
    if lang == "en":
        prose = "\n".join(slide["prose"] for slide in visited)
        assert CJK.findall(prose) == [], "Chinese text outside the code of the English deck"
    else:
        assert not re.search(r"[A-Za-z]+(?: [A-Za-z]+){4,}", re.sub(r"\([^)]*\)", "", "\n".join(
            slide["prose"] for slide in visited))), "an English sentence in the Chinese deck"
    images = [width for slide in visited for width in slide["images"]]
    assert images and min(images) > 0, f"image widths {images}"
    if number == "02":  # the PSNR formula, typeset by the local MathJax
        page.wait_for_selector(".MathJax_CHTML", state="attached")
    assert problems.failed_requests == []
    assert problems.console_errors == []
    page.close()


def executed_notebook(executed_course, lang, number):
    [path] = (executed_course[0] / lang / "executed").glob(f"{number}_*.ipynb")
    return read(path)


@pytest.mark.parametrize("number, lang", EXECUTION_LANGUAGES.items())
def test_no_deck_shows_an_answer_unasked(executed_decks, executed_course, lang, number):
    answers = answer_lines(executed_notebook(executed_course, lang, number))
    html = executed_decks[(lang, number)].read_text(encoding="utf-8")
    assert shown_answers(html, answers, unasked=True) == []
    assert shown_answers(html, answers), "the answers are in the deck, behind the click"


# To the slide of the deck's first folded answer, by its address (#/h/v), as a link would
GO_TO_FIRST_ANSWER = """() => {
    const slide = document.querySelector('details.course-answer').closest('section');
    const top = slide.parentElement.closest('section') || slide;
    const h = [...document.querySelectorAll('.slides > section')].indexOf(top);
    const v = top === slide ? 0 : [...top.children].filter(e => e.tagName === 'SECTION').indexOf(slide);
    location.hash = `#/${h}/${v}`;
}"""


def test_show_the_answer_opens_the_code_and_what_it_printed(executed_decks, executed_course, browser):
    number, lang = next(iter(EXECUTION_LANGUAGES.items()))
    answers = answer_lines(executed_notebook(executed_course, lang, number))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(executed_decks[(lang, number)].as_uri() + "?transition=none")
    page.wait_for_selector(".reveal.ready")
    page.evaluate(GO_TO_FIRST_ANSWER)
    answer = page.locator("section.present details.course-answer").first
    answer.wait_for()
    code, printed = answer.locator(".jp-InputArea"), answer.locator(".jp-OutputArea-output pre")
    assert answer.locator("summary").inner_text().strip() == answer_prompts(lang)[0]
    assert answer.locator("summary").is_visible()
    assert not code.is_visible() and not printed.first.is_visible()
    answer.locator("summary").click()
    assert code.is_visible() and printed.first.is_visible()
    assert {line.strip() for line in printed.first.inner_text().splitlines()} & answers
    page.close()


def test_the_live_demo_runs_on_its_slide(executed_decks, browser):
    [(lang, number)] = [key for key, deck in executed_decks.items()
                        if 'class="course-demo"' in deck.read_text(encoding="utf-8")]
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems = PageProblems()
    problems.watch(page)
    page.goto(executed_decks[(lang, number)].as_uri() + "?transition=none")
    page.wait_for_selector(".reveal.ready")
    for _ in range(300):  # as a presenter would, to the demo's slide
        if page.locator("section.present iframe.course-demo").count():
            break
        page.keyboard.press("Space")
    frame = next(f for f in page.frames if f.url.endswith("/demo/index.html"))
    assert frame.evaluate("courseDemo.ready.then(() => courseDemo.backend)") == "wasm"
    frame.evaluate("courseDemo.idle()")
    assert frame.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
    box = page.locator("iframe.course-demo").bounding_box()
    assert box["width"] > 600 and box["height"] > 300
    assert problems.failed_requests == [] and problems.console_errors == []
    page.close()


# --- readable by everyone: WCAG 2.1 AA ------------------------------------------

# Each slide of the deck: its place (h, v), as in the address #/h/v, and how many fragments it has
SLIDES = """() => [...document.querySelectorAll('.slides > section')].flatMap((top, h) => {
    const inner = [...top.children].filter(e => e.tagName === 'SECTION');
    return (inner.length ? inner : [top]).map((slide, v) => [h, v, slide.querySelectorAll('.fragment').length]);
})"""
SHOWN_WHOLE = """([h, v]) => {
    const top = document.querySelectorAll('.slides > section')[h];
    const inner = [...top.children].filter(e => e.tagName === 'SECTION');
    const slide = inner.length ? inner[v] : top;
    return slide.classList.contains('present') && !slide.querySelector('.fragment:not(.visible)');
}"""


def deck_violations(browser, deck) -> list[dict]:
    """axe-core's WCAG 2.1 AA findings on every slide of ``deck``, each shown whole (all its fragments
    in, its answer opened), as the audience sees it: one entry per rule, with its nodes from every slide."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(deck.as_uri() + "?transition=none")
    page.wait_for_selector(".reveal.ready")
    page.evaluate("document.querySelectorAll('details.course-answer').forEach(answer => { answer.open = true; })")
    found = {}
    for h, v, fragments in page.evaluate(SLIDES):
        page.evaluate("([h, v, f]) => { location.hash = `#/${h}/${v}` + (f ? `/${f - 1}` : ''); }", [h, v, fragments])
        page.wait_for_function(SHOWN_WHOLE, arg=[h, v])
        for rule in axe_violations(page):
            found.setdefault(rule["id"], {**rule, "nodes": []})["nodes"] += rule["nodes"]
    page.close()
    return list(found.values())


@pytest.mark.parametrize("number, lang", EXECUTION_LANGUAGES.items())
def test_every_slide_passes_wcag_21_aa(executed_decks, browser, lang, number):
    """Contrast of text and code, links told apart from words, a named demo frame: axe-core from npm."""
    violations = deck_violations(browser, executed_decks[(lang, number)])
    assert violations == [], describe_violations(violations, f"the {lang} deck of notebook {number}")
