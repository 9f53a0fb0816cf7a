"""Instructor slides: each notebook as a reveal.js deck in one language, offline.

``make slides`` or ``python -m course_tools slides --lang zh``. Each notebook is
first executed with ``lang`` set, so that figures and messages are in the deck's
language. nbconvert's SlidesExporter then renders it, and its
TagRemovePreprocessor drops the other languages' cells (tags ``lang-zh`` /
``lang-en``; a language without cells of its own keeps the English ones) and what
the tags ``slides-hide-input`` / ``slides-hide-output`` mark. A solution
stays folded on its exercise's slide (the template's ``<details>``): "Show the answer" opens it.

reveal.js, MathJax, require.js and jQuery come from the npm packages pinned in
package.json (``npm ci``); they are copied to ``build/slides/assets/`` next to
the decks. Figures are embedded in the HTML, so the ``build/slides/`` folder
works from a USB stick with no network. A cell tagged ``live-demo`` carries the
live demo (``make demo``), copied to ``build/slides/<lang>/demo/``.
"""

from __future__ import annotations

import base64
import re
import shutil
from html import escape
from pathlib import Path

from course_tools.notebook.editions import answer_prompts, executed, fold_solutions
from course_tools.notebook.tags import (
    INJECTED,
    LIVE_DEMO,
    SLIDES_HIDE_INPUT,
    SLIDES_HIDE_OUTPUT,
    cell_tags,
    lang_tag,
    other_prose_tags,
    prose_language,
)
from course_tools.settings import BUILD, NODE_MODULES, NOTEBOOK_DIR, ROOT
from course_utils.language import language_codes, languages
from course_utils.reporting import write_text_atomically

TEMPLATES = Path(__file__).resolve().parent / "templates"

# What a deck loads: the npm package folder and the files or folders taken from it.
WEB_ASSETS = {
    # white is the theme whose fonts ship with reveal.js; others import Google Fonts.
    "reveal.js": ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
                  "dist/theme/fonts/source-sans-pro", "plugin/notes"],
    "mathjax": ["MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js",
                "extensions", "jax/input/TeX", "jax/output/CommonHTML", "jax/element",
                "fonts/HTML-CSS/TeX/woff", "localization/en", "localization/zh-hans"],
    "requirejs": ["require.js"],
    "jquery": ["dist/jquery.min.js"],
}
DEMO_FOLDER = "demo"  # next to the decks of each language
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.png)\)")
NBVAL_MARKER = re.compile(r"^# NBVAL_\w+\n", re.MULTILINE)  # the tests' business, not the reader's
ASSET_URLS = {  # as the decks in build/slides/<lang>/ see them
    "reveal_url_prefix": "../assets/reveal.js",
    "mathjax_url": "../assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "require_js_url": "../assets/requirejs/require.js",
    "jquery_url": "../assets/jquery/dist/jquery.min.js",
}


def copy_web_assets(out_dir: str | Path, *, node_modules: Path = NODE_MODULES) -> Path:
    """Copy the scripts and styles the decks load into ``<out_dir>/assets``."""
    assets = Path(out_dir) / "assets"
    for package, parts in WEB_ASSETS.items():
        for part in parts:
            source = node_modules / package / part
            if not source.exists():
                raise FileNotFoundError(
                    f"{source} is missing. Install the slides' scripts with `npm ci` in "
                    f"{ROOT} (Node.js and npm are needed once, not at lecture time)."
                )
            target = assets / package / part
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copy2(source, target)
    return assets


def slides_exporter(lang: str, left_out: set[str] = frozenset()):
    """nbconvert's SlidesExporter, set up for one language and local assets; it drops the cells
    tagged with one of ``left_out`` (the other languages' tags, :func:`other_prose_tags`)."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    require_deck_language(lang)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {
        *left_out,
        INJECTED,  # what papermill adds after the parameters cell
    }
    config.TagRemovePreprocessor.remove_input_tags = {SLIDES_HIDE_INPUT}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {SLIDES_HIDE_OUTPUT}
    for name, url in ASSET_URLS.items():
        setattr(config.SlidesExporter, name, url)
    config.SlidesExporter.language_code = languages()[lang].html.split("-")[0]  # nbconvert takes ISO 639-1 only
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_scroll = True  # a tall slide scrolls instead of being cut off
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    return SlidesExporter(config=config, template_name="course_slides",
                          extra_template_basedirs=[str(TEMPLATES)])


def render_deck(
    notebook: str | Path, lang: str, out_path: str | Path, *, images_dir: Path = NOTEBOOK_DIR
) -> Path:
    """Render an executed notebook to ``out_path`` as a deck in ``lang``.

    Markdown images are found relative to ``images_dir``, the notebooks' own folder,
    and embedded like the plots, so one deck file is complete on its own.
    """
    import nbformat

    require_deck_language(lang)
    nb = nbformat.read(str(notebook), as_version=4)
    nb.metadata["title"] = deck_title(nb, lang)
    attach_markdown_images(nb, images_dir)
    embed_live_demo(nb, lang)
    fold_solutions(nb)  # as the source has them; a notebook that lacks it is folded all the same
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = NBVAL_MARKER.sub("", cell.source)
    html, _ = slides_exporter(lang, other_prose_tags(nb, lang)).from_notebook_node(
        nb, resources={"course_answer_prompt": answer_prompts(lang)[0]})
    return write_text_atomically(out_path, html)


def markdown_images(nb, images_dir: Path):
    """Each ``![alt](file.png)`` link of the markdown cells: (cell, link, the file it names)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for link in set(MARKDOWN_IMAGE.findall(cell.source)):
            path = (images_dir / link).resolve()
            if not path.is_file():
                raise FileNotFoundError(f"{path} is linked from a markdown cell but missing; "
                                        "run `make assets` to draw the diagrams.")
            yield cell, link, path


def attach_markdown_images(nb, images_dir: Path) -> None:
    """Turn ``![alt](file.png)`` links into cell attachments, which nbconvert embeds."""
    for cell, link, path in markdown_images(nb, images_dir):
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        cell.setdefault("attachments", {})[path.name] = {"image/png": data}
        cell.source = cell.source.replace(f"]({link})", f"](attachment:{path.name})")


def has_live_demo(notebook: str | Path) -> bool:
    import nbformat

    cells = nbformat.read(str(notebook), as_version=4).cells
    return any(LIVE_DEMO in cell_tags(cell) for cell in cells)


def embed_live_demo(nb, lang: str) -> None:
    """After each cell tagged live-demo, a slide of its own holding the demo (copied as demo/),
    the frame named by the demo's title in ``lang``."""
    import nbformat

    from course_tools.publish.demo import demo_title

    for index in reversed(range(len(nb.cells))):
        tags = nb.cells[index].metadata.get("tags", [])
        if LIVE_DEMO in tags:
            frame = nbformat.v4.new_markdown_cell(
                f'<iframe class="course-demo" src="{DEMO_FOLDER}/index.html" title="{escape(demo_title(lang))}" '
                'style="width: 100%; height: 640px; border: 1px solid #ccc;"></iframe>')
            frame.metadata.update(tags=list(tags), slideshow={"slide_type": "slide"})
            nb.cells.insert(index + 1, frame)


def copy_live_demo(deck_dir: Path, lang: str, demo_dir: Path) -> None:
    """Copy make demo's ``<demo_dir>/<lang>/`` to ``<deck_dir>/demo/`` (building it if missing)."""
    from course_tools.publish.demo import build_demo

    if not (demo_dir / lang / "index.html").is_file():
        build_demo(demo_dir)
    target = deck_dir / DEMO_FOLDER
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(demo_dir / lang, target)


def deck_title(nb, lang: str) -> str:
    """The first heading of the notebook's cells in ``lang``'s prose (:func:`prose_language`)."""
    prose = prose_language(nb, lang)
    for cell in nb.cells:
        if lang_tag(prose) in cell_tags(cell):
            first_line = cell.source.strip().splitlines()[0]
            return first_line.lstrip("#").strip()
    raise ValueError(f"The notebook has no cell tagged {lang_tag(prose)}, so no title for the deck.")


def make_slides(
    notebooks: list[Path],
    langs: tuple[str, ...] | None = None,
    *,
    parameters: dict | None = None,
    out_dir: str | Path = "build/slides",
    demo_dir: str | Path = BUILD / "demo",
) -> list[Path]:
    """Render each notebook's execution in each language to ``<out_dir>/<lang>/``.

    The executions are the cached ones the editions use (:func:`course_tools.notebook.editions.executed`);
    ``parameters`` go to papermill as they do for ``make run`` (epochs, train_limit, ...);
    by default each notebook keeps its own. A notebook with a cell tagged ``live-demo``
    gets the live demo of ``demo_dir`` (make demo) on that cell's slide. ``langs``: by default
    every language of the course.
    """
    langs = language_codes() if langs is None else langs
    for lang in langs:
        require_deck_language(lang)
    out_dir = Path(out_dir)
    copy_web_assets(out_dir)
    decks = []
    for lang in langs:
        for number, notebook in enumerate(notebooks, start=1):
            run = executed(notebook, lang, parameters=parameters,
                           label=f"[slides {lang} {number}/{len(notebooks)}]")
            decks.append(render_deck(run, lang, out_dir / lang / f"{notebook.stem}.slides.html"))
        if any(has_live_demo(notebook) for notebook in notebooks):
            copy_live_demo(out_dir / lang, lang, Path(demo_dir))
    return decks


def require_deck_language(lang: str) -> None:
    if lang not in language_codes():
        raise ValueError(f"A deck is in one language, {' or '.join(language_codes())}; got {lang!r}.")
