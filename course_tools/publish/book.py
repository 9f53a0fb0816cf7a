"""The course as a book: HTML and PDF in each language, offline (make book → build/book/).

Each chapter is a notebook's cached execution in that language (the one the slides and the
editions use, :func:`course_tools.notebook.editions.executed`), cut to one language with its solutions
folded (myst-nb's ``hide-cell``: code and printed answer under one "Show the answer" toggle). Sphinx
with myst-nb renders it (``nb_execution_mode = "off"``: nothing runs again) in sphinx-book-theme,
with MathJax from npm. The PDF is Chromium's print of Sphinx's single-page build, after MathJax has
typeset it; Chinese uses the system's Noto CJK.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import nbformat

from course_tools.notebook.editions import answer_prompts, course_edition
from course_tools.notebook.tags import LIVE_DEMO, SOLUTION
from course_tools.publish.demo import demo_title
from course_tools.publish.slides import (
    DEMO_FOLDER,
    NBVAL_MARKER,
    WEB_ASSETS,
    markdown_images,
)
from course_tools.settings import BUILD, NODE_MODULES, NOTEBOOK_DIR
from course_utils.language import N_, Language, languages, translate

TITLE = N_("Convolutional autoencoders", "the course's title")
SUBTITLE = N_("The course on convolutional and denoising autoencoders, ported from a TensorFlow 1 lesson "
              "to TensorFlow 2 / Keras 3. Each chapter is one notebook, with the outputs of its English run.")
NOTEBOOK_LINK = re.compile(r"\[([^\]]+)\]\((\d\d_\w+)\.ipynb(?:#[^)]*)?\)")
MATHJAX = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"  # relative to _static/
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def build_book(chapters: dict[str, list[Path]], out: Path = BUILD / "book", *,
               demo_dir: Path | None = None, pdf: bool = True) -> dict[str, dict[str, Path]]:
    """Render each language's executed notebooks as ``<out>/<lang>/`` (HTML) and ``<out>/course-<lang>.pdf``.

    ``chapters`` maps a language to its executed notebooks, in order; ``demo_dir`` (make demo's
    folder) puts the live demo into the chapter with a cell tagged live-demo.
    """
    built, out = {}, Path(out).resolve()  # absolute: Chromium opens the pages as file:// URLs
    for lang, notebooks in chapters.items():
        source = write_sources(notebooks, lang, out.parent / "book-src" / lang, demo_dir=demo_dir)
        html = out / lang
        sphinx(source, html, "html")
        built[lang] = {"html": html / "index.html"}
        if pdf:
            single = out.parent / "book-single" / lang
            sphinx(source, single, "singlehtml")
            built[lang]["pdf"] = print_pdf(single / "index.html", out / f"course-{lang}.pdf")
    return built


def write_sources(notebooks: list[Path], lang: str, folder: Path, *, demo_dir: Path | None) -> Path:
    """Sphinx's source folder: conf.py, index.md and one chapter notebook per course notebook."""
    if folder.exists():
        shutil.rmtree(folder)
    static = folder / "_static"
    static.mkdir(parents=True)
    copy_mathjax(static / "mathjax")
    (static / "course-book.css").write_text(BOOK_CSS, encoding="utf-8")
    if chinese_search(languages()[lang]):
        (static / "chinese-stemmer.js").write_text(CHINESE_STEMMER, encoding="utf-8")
        (folder / "course-terms.txt").write_text(
            "".join(f"{translate(term, lang)} 100000\n" for term in COURSE_TERMS), encoding="utf-8")
    templates = folder / "_templates"
    templates.mkdir()
    (templates / "theme-switcher.html").write_text("", encoding="utf-8")  # one light theme
    (templates / "search-button-field.html").write_text(SEARCH_BUTTON, encoding="utf-8")
    names = [chapter_name(notebook) for notebook in notebooks]
    for notebook, name in zip(notebooks, names):
        chapter = book_chapter(notebook, lang, folder / "images", with_demo=demo_dir is not None)
        unlink_absent_chapters(chapter, names)
        nbformat.write(chapter, folder / f"{name}.ipynb")
    if demo_dir is not None:
        shutil.copytree(Path(demo_dir) / lang, static / DEMO_FOLDER)
    (folder / "index.md").write_text(index_page(lang, names), encoding="utf-8")
    (folder / "conf.py").write_text(sphinx_conf(lang), encoding="utf-8")
    return folder


def chapter_name(notebook: Path) -> str:
    """``01_data`` for ``01_data.ipynb`` or a cached execution of it (``01_data.<key>.ipynb``)."""
    return Path(notebook).name.split(".")[0]


def book_chapter(executed_path: Path, lang: str, images: Path, *, with_demo: bool):
    """One language, solutions folded (the course edition tags them hide-cell; their toggle here reads
    "Show the answer"), diagrams copied, the demo where tagged."""
    nb = course_edition(executed_path, lang)
    copy_markdown_images(nb, images)
    show, hide = answer_prompts(lang)
    for index in reversed(range(len(nb.cells))):
        cell = nb.cells[index]
        tags = cell.metadata.get("tags", [])
        if SOLUTION in tags:  # myst-nb's cell-level settings, under the key "mystnb"
            cell.metadata["mystnb"] = {"code_prompt_show": show, "code_prompt_hide": hide}
        if cell.cell_type == "code":  # nbval's markers are the tests' business, not the reader's
            cell.source = NBVAL_MARKER.sub("", cell.source)
        if LIVE_DEMO in tags and with_demo:
            nb.cells.insert(index + 1, nbformat.v4.new_markdown_cell(
                f'<iframe class="course-demo" src="_static/{DEMO_FOLDER}/index.html" '
                f'title="{escape(demo_title(lang))}"></iframe>'))
    return nb


def copy_markdown_images(nb, images: Path) -> None:
    """Copy each ``![alt](../assets/…png)`` diagram into ``images`` and link it there."""
    images.mkdir(exist_ok=True)
    for cell, link, path in markdown_images(nb, NOTEBOOK_DIR):
        shutil.copyfile(path, images / path.name)
        cell.source = cell.source.replace(f"]({link})", f"]({images.name}/{path.name})")


def unlink_absent_chapters(nb, names: list[str]) -> None:
    """A book of some of the notebooks keeps the text of links to the others, not the links."""
    def keep_present(link):
        return link.group(0) if link.group(2) in names else link.group(1)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = NOTEBOOK_LINK.sub(keep_present, cell.source)


def index_page(lang: str, chapters: list[str]) -> str:
    toc = "\n".join(chapters)
    return (f"# {translate(TITLE, lang)}\n\n{translate(SUBTITLE, lang)}\n\n"
            f"```{{toctree}}\n:maxdepth: 2\n\n{toc}\n```\n")


def chinese_search(language: Language) -> bool:
    """Whether Sphinx indexes the book with its Chinese search (jieba), which needs the stemmer fix
    and the course's terms below: a zh_* catalog, as Sphinx picks its search language."""
    return language.catalog.split("_")[0] == "zh"


def sphinx_conf(lang: str) -> str:
    language, ui = languages()[lang], book_ui(lang)
    settings = {
        "project": translate(TITLE, lang),
        "author": "course-autoencoders",
        "language": language.catalog,
        "extensions": ["myst_nb", "course_tools.publish.book"],  # setup() below: the toggles' names
        "nb_execution_mode": "off",
        "myst_enable_extensions": ["dollarmath", "amsmath"],
        "html_theme": "sphinx_book_theme",
        "html_title": translate(TITLE, lang),
        "html_static_path": ["_static"],
        "html_css_files": ["course-book.css"],
        "html_js_files": ["chinese-stemmer.js"] if chinese_search(language) else [],
        "html_search_options": {"dict": "course-terms.txt"} if chinese_search(language) else {},
        "html_show_search_summary": False,  # summaries fetch() each page, which file:// forbids
        "templates_path": ["_templates"],
        "html_context": {"default_mode": "light"},
        "html_theme_options": {"show_toc_level": 2, "use_download_button": False,
                               "use_fullscreen_button": False, "toc_title": ui["toc_title"],
                               "search_bar_text": ui["search"]},
        "nb_code_prompt_show": ui["show_code"],
        "nb_code_prompt_hide": ui["hide_code"],
        "html_show_sourcelink": False,
        "html_copy_source": False,
        "mathjax_path": MATHJAX,
        # MyST marks notebook sections mathjax_ignore and its formulas "math" (MathJax 2's settings)
        "mathjax2_config": {"messageStyle": "none", "CommonHTML": {"linebreaks": {"automatic": True}},
                            "tex2jax": {"processClass": "math|output_area", "processEscapes": True,
                                        "ignoreClass": "tex2jax_ignore|mathjax_ignore|document"}},
        "exclude_patterns": ["_build"],
        "suppress_warnings": ["mystnb.unknown_mime_type"],
    }
    return "".join(f"{key} = {value!r}\n" for key, value in settings.items())


def setup(app) -> dict:
    """This module as a Sphinx extension (conf.py): myst-nb's folded cells named by their visible
    prompt. myst-nb labels each toggle "Toggle hidden content", which a screen reader would say
    instead of the "Show the answer" the reader sees (WCAG 2.5.3, label in name)."""
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.setup_extension("myst_nb")
    app.add_node(HideCodeCellNode, override=True, html=(visit_folded_cell, depart_HideCellInput))
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def visit_folded_cell(translator, node) -> None:
    """myst-nb's ``<details>`` of a folded cell, without the aria-label that hides its prompt."""
    translator.body.append(
        f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n'
        f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n'
        f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n</summary>\n')


def copy_mathjax(target: Path) -> None:
    source = NODE_MODULES / "mathjax"
    if not source.is_dir():
        raise FileNotFoundError(f"{source} is missing: run `make web` (npm ci) first.")
    for part in WEB_ASSETS["mathjax"]:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / part)


def sphinx(source: Path, out: Path, builder: str) -> None:
    """sphinx-build in its own process, warnings as errors: a broken chapter stops the book."""
    source, out = source.resolve(), out.resolve()
    if out.exists():
        shutil.rmtree(out)
    doctrees = source.parent / f".doctrees-{builder}-{source.name}"  # beside the sources, not in the book
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", builder, "-q", "-W", "--keep-going",
                             "-d", str(doctrees), str(source), str(out)],
                            capture_output=True, text=True, encoding="utf-8", errors="replace",
                            cwd=source)  # cwd: the search dictionary
    if result.returncode != 0:
        raise RuntimeError(f"sphinx-build -b {builder} failed for {source}:\n{result.stderr[-3000:]}")
    shutil.rmtree(out.parent / "jupyter_execute", ignore_errors=True)  # myst-nb's scratch copies, not the book


def print_pdf(page: Path, pdf_path: Path) -> Path:
    """Print the single-page book with Chromium once MathJax has typeset every formula."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise FileNotFoundError("Chromium prints the PDF: `sudo apt-get install chromium`.")
    partial = pdf_path.with_name(pdf_path.name + ".partial")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        tab = browser.new_page()
        tab.goto(page.as_uri())
        if tab.evaluate("typeof MathJax !== 'undefined'"):  # Sphinx loads it only where there is math
            tab.wait_for_function("MathJax.isReady === true")
            tab.evaluate("new Promise(done => MathJax.Hub.Queue(done))")
        tab.pdf(path=str(partial), format="A4", print_background=True, outline=True, tagged=True,
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
        browser.close()
    partial.replace(pdf_path)
    return pdf_path


# What the theme and myst-nb would otherwise show in English. myst-nb replaces "{type}" in its
# prompts with an English word (source, outputs): the braces are doubled here, so that no
# translation needs it.
UI = {"toc_title": N_("Contents", "the book's table of contents"), "show_code": N_("Show code cell {{type}}"),
      "hide_code": N_("Hide code cell {{type}}"), "search": N_("Search this book…")}


def book_ui(lang: str) -> dict[str, str]:
    """The theme's and myst-nb's words in ``lang``."""
    return {key: translate(message, lang).format() for key, message in UI.items()}

# pydata-sphinx-theme's search button, less its aria-label "Search": its visible words ("Search
# Ctrl+K") name it, as WCAG 2.5.3 (label in name) asks.
SEARCH_BUTTON = """<button class="btn search-button-field search-button__button pst-js-only"
        title="{{ _('Search') }}" data-bs-placement="bottom" data-bs-toggle="tooltip">
 <i class="fa-solid fa-magnifying-glass"></i>
 <span class="search-button__default-text">{{ _('Search') }}</span>
 <span class="search-button__kbd-shortcut"><kbd class="kbd-shortcut__modifier">Ctrl</kbd>+<kbd
       class="kbd-shortcut__modifier">K</kbd></span>
</button>
"""

# Whole words for jieba, so that searching a course term finds it as a whole (and its parts): the
# glossary's terms, in the book's language.
COURSE_TERMS = (N_("autoencoder", "glossary"), N_("convolutional autoencoder", "glossary"),
                N_("denoising autoencoder", "glossary"), N_("encoder", "glossary"), N_("decoder", "glossary"),
                N_("latent representation", "glossary"), N_("bottleneck", "glossary"),
                N_("transposed convolution", "glossary"), N_("checkerboard artifacts", "glossary"),
                N_("nearest-neighbour interpolation", "glossary"), N_("upsampling", "glossary"),
                N_("max pooling", "glossary"), N_("feature map", "glossary"), N_("kernel", "glossary"),
                N_("peak signal-to-noise ratio", "glossary"), N_("structural similarity", "glossary"),
                N_("median filter", "glossary"), N_("Gaussian blur", "glossary"),
                N_("non-local means", "glossary"), N_("Gaussian noise", "glossary"),
                N_("noise factor", "glossary"), N_("binary cross-entropy", "glossary"),
                N_("principal component", "glossary"), N_("code interpolation", "glossary"),
                N_("interactive demo", "glossary"), N_("gradient steps", "glossary"))

# Sphinx 9.0's Chinese search data ends with `window.Stemmer = ChineseStemmer`, a name it never
# defines; Chinese words are cut by jieba when indexing, Latin ones stemmed as English.
CHINESE_STEMMER = "function ChineseStemmer() { return new EnglishStemmer(); }\n"

BOOK_CSS = """
/* Chinese from the system's Noto CJK; no font file is bundled. */
html[lang^="zh"] body { font-family: "Noto Sans CJK SC", "Noto Sans SC", var(--pst-font-family-base); }
iframe.course-demo { width: 100%; height: 720px; border: 1px solid #ccc; }
@media print {
  details.hide { display: none !important; }  /* folded solutions stay folded on paper */
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  div.cell_input, div.cell_output { break-inside: avoid; }  /* no empty code box at a page's foot */
  section > h1 { break-before: page; }
  iframe.course-demo, .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .prev-next-area,
  .header-article, .bd-footer, .toggle-details { display: none !important; }
}
"""
