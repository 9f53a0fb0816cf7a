"""The tags the course's notebook cells carry, spelled once.

The notebooks in ``notebooks/`` are the single source: a cell's tags say which language it
speaks, which cells are exercises and their solutions, which cell holds the parameters, and
what the slides, the book and the grader do with it.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")
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


def lang_tag(lang: str) -> str:
    """``lang-zh`` or ``lang-en``: a markdown cell in that language."""
    return f"lang-{lang}"


def other_lang_tag(lang: str) -> str:
    """The tag of the language an edition in ``lang`` leaves out."""
    return lang_tag("en" if lang == "zh" else "zh")


def cell_tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])
