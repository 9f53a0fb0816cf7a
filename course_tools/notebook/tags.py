"""The tags the course's notebook cells carry, spelled once.

The notebooks in ``notebooks/`` are the single source: a cell's tags say which language it
speaks, which cells are exercises and their solutions, which cell holds the parameters, and
what the slides, the book and the grader do with it.
"""

from __future__ import annotations

ENGLISH = "en"  # the language of the code's messages, and the prose of a language without cells of its own
PARAMETERS = "parameters"  # papermill injects its values after this cell
INJECTED = "injected-parameters"  # the cell papermill adds
EXERCISE = "exercise"  # a cell the student completes; its checks grade it
SOLUTION = "solution"  # the course's answer: folded in the course edition, absent from the student's
GRADING_CONTEXT = "grading-context"  # what the grader runs to rebuild the checks' inputs
GRADING_NEEDED = "grading-needed"  # a course cell an exercise reads: grading's quick run keeps it
EXERCISE_VARIANT = "exercise-variant"  # a student's own exercise values (course_tools.notebook.variants)
RAISES = "raises-exception"  # nbclient runs on after an error in this cell
LIVE_DEMO = "live-demo"  # a markdown cell whose slide and chapter carry the demo
SLIDES_HIDE_INPUT = "slides-hide-input"
SLIDES_HIDE_OUTPUT = "slides-hide-output"
HIDE_CELL = "hide-cell"  # myst-nb: folded in the book
LANG_TAG_PREFIX = "lang-"  # lang-<code>: a markdown cell in that language


def lang_tag(lang: str) -> str:
    """``lang-zh`` or ``lang-en``: a markdown cell in that language."""
    return f"{LANG_TAG_PREFIX}{lang}"


def cell_tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def notebook_tags(nb) -> set[str]:
    """Every tag of every cell of ``nb``."""
    return {tag for cell in nb.cells for tag in cell_tags(cell)}


def prose_language(nb, lang: str) -> str:
    """The language of the markdown cells an edition of ``nb`` in ``lang`` keeps: its own, or English
    where ``nb`` has no cell tagged ``lang-<lang>`` (a language a teacher added, such as "ja")."""
    return lang if lang_tag(lang) in notebook_tags(nb) else ENGLISH


def other_prose_tags(nb, lang: str) -> set[str]:
    """The ``lang-*`` tags of ``nb`` that an edition in ``lang`` leaves out: all but its prose language's."""
    kept = lang_tag(prose_language(nb, lang))
    return {tag for tag in notebook_tags(nb) if tag.startswith(LANG_TAG_PREFIX) and tag != kept}
