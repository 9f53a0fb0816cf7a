"""The publishing commands: slides, demo, book, and the settings pages of the docs."""

from __future__ import annotations

import time
from pathlib import Path

from course_tools.run.commands import (
    given_parameters,
    notebook_options,
    reporting_failures,
)
from course_utils.language import BOTH, lang_choices, language_codes


def add_commands(subparsers) -> None:
    """Add slides, demo, book and settings-page to ``subparsers``."""
    slides = subparsers.add_parser("slides", help="execute the notebooks in one language and render "
                                   "them as offline reveal.js slides in build/slides/<lang>/")
    notebook_options(slides)
    slides.add_argument("--lang", choices=lang_choices(), default=BOTH,
                        help="deck language; both renders one deck per language (default)")
    slides.add_argument("--out", default="build/slides", help="output folder (default: build/slides)")
    slides.set_defaults(handler=_make_slides)

    demo = subparsers.add_parser("demo", help="the shipped models in the browser, offline: "
                                 "build/demo/<lang>/index.html")
    demo.add_argument("--source", default="local",
                      help="where the gallery's test images come from (default: local, full MNIST)")
    demo.add_argument("--out", default="build/demo", help="output folder (default: build/demo)")
    demo.set_defaults(handler=_build_demo)

    book = subparsers.add_parser("book", help="the course as a book, HTML and PDF per language: "
                                 "build/book/<lang>/ and build/book/course-<lang>.pdf")
    book.add_argument("--lang", choices=lang_choices(), default=BOTH,
                      help="one language, or both: every language of the course (default)")
    book.add_argument("--out", default="build/book", help="output folder (default: build/book)")
    book.set_defaults(handler=_build_book)

    page = subparsers.add_parser("settings-page", help="write docs/<lang>/settings.md, for each language the docs "
                                 "are written in, from the settings both packages declare")
    page.set_defaults(handler=_settings_page)


def _make_slides(args) -> int:
    from course_tools.publish.slides import make_slides
    from course_tools.run.runner import course_notebooks

    langs = language_codes() if args.lang == BOTH else (args.lang,)

    def render():
        decks = make_slides(course_notebooks(args.names), langs, parameters=given_parameters(args),
                            out_dir=args.out)
        print("\n".join(["Slides (open in a browser; press S for speaker notes):",
                         *(f"  {deck}" for deck in decks)]))

    return reporting_failures(render)


def _build_demo(args) -> int:
    from course_tools.publish.demo import build_demo

    for lang, page in build_demo(args.out, source=args.source).items():
        size = sum(f.stat().st_size for f in page.parent.iterdir()) / 1e6
        print(f"[demo] {lang}: {page} ({size:.1f} MB, opens from file://, no server)")
    return 0


def _build_book(args) -> int:
    from course_tools.provision.interpreters import require_python_311

    require_python_311("book")

    from course_tools.notebook.editions import executed
    from course_tools.publish.book import build_book
    from course_tools.publish.demo import build_demo
    from course_tools.run.runner import course_notebooks
    from course_tools.settings import BUILD

    langs = language_codes() if args.lang == BOTH else (args.lang,)
    demo_dir = BUILD / "demo"

    def render():
        notebooks = course_notebooks()
        chapters = {lang: [executed(notebook, lang, label=f"[book {lang} {number}/{len(notebooks)}]")
                           for number, notebook in enumerate(notebooks, start=1)] for lang in langs}
        if not all((demo_dir / lang / "index.html").is_file() for lang in langs):
            build_demo(demo_dir)
        started = time.perf_counter()
        for lang, built in build_book(chapters, Path(args.out), demo_dir=demo_dir).items():
            print(f"[book] {lang}: {built['html']} and {built['pdf']}")
        print(f"[book] rendered in {time.perf_counter() - started:.0f} s, after the executions")

    return reporting_failures(render)


def _settings_page(args) -> int:
    from course_tools.settings import DOCS, settings_page
    from course_utils.reporting import write_text_atomically

    for lang in language_codes():
        if (DOCS / lang).is_dir():  # the docs are written in some of the course's languages
            print(write_text_atomically(DOCS / lang / "settings.md", settings_page(lang)))
    return 0
