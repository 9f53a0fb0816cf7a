"""The student edition: every notebook without its solutions (``make student``).

nbconvert's TagRemovePreprocessor drops the cells tagged ``solution`` and, for a
one-language edition, the other languages' markdown (a language without cells of its own keeps
the English ones, :func:`~course_tools.notebook.tags.prose_language`); the outputs of the
``exercise`` cells are cleared, so no verdict is given away. The automatic checks
stay: they live in the exercise cells and in ``course_utils.exercises``. A
one-language edition carries the outputs of that language's cached execution
(:mod:`course_tools.notebook.editions`); the both-language edition those of the source.

:func:`shown_answers` scans an edition or a rendered page for an answer: one a student must never
receive, or one shown to a reader who has not asked for it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from course_tools.notebook.editions import executed, set_lang_parameter
from course_tools.notebook.tags import (
    EXERCISE,
    INJECTED,
    PARAMETERS,
    SOLUTION,
    cell_tags,
    other_prose_tags,
)
from course_tools.notebook.variants import load_secret, student_variant, with_variant
from course_tools.settings import ASSETS
from course_utils.language import BOTH, N_, as_lang, language_codes, translate
from course_utils.reporting import write_text_atomically

# The course notebooks point to the collapsed solutions; the student edition has none.
SOLUTION_NOTE = N_("The solution is in the next (collapsed) cell.")
CHECK_NOTE = N_("Run the cell to check your answer.")


def student_notebook(path: str | Path, lang: str = BOTH):
    """The notebook at ``path`` as a student receives it (an nbformat node)."""
    import nbformat
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    as_lang(lang)
    nb = nbformat.read(str(path), as_version=4)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {SOLUTION} | (
        other_prose_tags(nb, lang) if lang != BOTH else set())
    config.TagRemovePreprocessor.remove_all_outputs_tags = {EXERCISE}
    nb, _ = TagRemovePreprocessor(config=config).preprocess(nb, {})
    notes = solution_notes()
    for cell in nb.cells:
        if EXERCISE in cell_tags(cell):
            cell.execution_count = None
        for sentence, replacement in notes.items():
            cell.source = cell.source.replace(sentence, replacement)
    if lang != BOTH:
        for cell in nb.cells:
            if PARAMETERS in cell_tags(cell):
                set_lang_parameter(cell, lang)
    return nb


def solution_notes() -> dict[str, str]:
    """Each language's pointer to the collapsed solution, and what the student edition says instead."""
    return {translate(SOLUTION_NOTE, code): translate(CHECK_NOTE, code) for code in language_codes()}


def write_student_edition(notebooks: list[Path], out_dir: str | Path = "build/student",
                          *, lang: str = BOTH, models: bool = True, variant_of=None) -> list[Path]:
    """Write each notebook's student edition to ``out_dir``; return the written paths.

    The diagrams the notebooks link (``../assets/*.png``) and the shipped models are
    copied beside them, so the folder can be handed out as it is (a student's
    ``course_utils`` then finds the models through ``COURSE_MODELS_DIR=assets/models``).
    ``models=False`` leaves the models out (the class hub's students read the course's own).
    ``variant_of(nb)``, if given, returns the exercise values this edition shows
    (:func:`course_tools.notebook.variants.with_variant`).
    """
    import shutil

    import nbformat

    out_dir = Path(out_dir)
    written = []
    for number, path in enumerate(notebooks, start=1):
        source = path if lang == BOTH else executed(
            path, lang, label=f"[student {lang} {number}/{len(notebooks)}]")
        nb = student_notebook(source, lang)
        nb.cells = [c for c in nb.cells if INJECTED not in cell_tags(c)]
        if variant_of is not None:
            nb = with_variant(nb, variant_of(nb))
        written.append(write_text_atomically(out_dir / "notebooks" / path.name, nbformat.writes(nb)))
    ignored = None if models else shutil.ignore_patterns("models")
    shutil.copytree(ASSETS, out_dir / "assets", dirs_exist_ok=True, ignore=ignored)  # diagrams, shipped models
    return written


def write_class_editions(notebooks: list[Path], students, out_dir: str | Path = "build/student",
                         *, secret: bytes | None = None) -> list[Path]:
    """One student edition per student of a class list (:class:`~course_tools.notebook.class_list.Student`),
    in ``out_dir/<student>/``: in their language, each asking them their own exercise values
    (:mod:`course_tools.notebook.variants`)."""
    secret = secret or load_secret()
    folders = []
    for student in students:
        folder = Path(out_dir) / student.name
        write_student_edition(notebooks, folder, lang=student.lang,
                              variant_of=lambda nb, name=student.name: student_variant(secret, name, nb))
        folders.append(folder)
    return folders


def answer_lines(executed_nb) -> set[str]:
    """What must not reach a student, or a reader who has not asked: the lines the solution cells
    of an executed notebook print, and the lines of their code that no other cell has."""
    printed, code, elsewhere = set(), set(), set()
    for cell in executed_nb.cells:
        lines = {line.strip() for line in cell.source.splitlines() if line.strip()}
        if SOLUTION not in cell_tags(cell):
            elsewhere |= lines
            continue
        code |= {line for line in lines if not line.startswith("# NBVAL_")}  # nbval's marker is no answer
        for output in cell.get("outputs", []):
            printed.update(line.strip() for line in _output_text(output).splitlines() if line.strip())
    return printed | (code - elsewhere)


def shown_answers(edition, answers: set[str], *, unasked: bool = False) -> list[str]:
    """What ``edition`` gives away: a notebook (an nbformat node) or a rendered page (its HTML).

    By default, anything it holds, hidden or not: a solution cell, or a line among ``answers``
    (:func:`answer_lines`) in an output or anywhere in the page; what a graded student must never
    receive. With ``unasked``, only what a reader sees without a click: a solution cell whose
    source or outputs JupyterLab shows (its ``jupyter`` metadata,
    :func:`~course_tools.notebook.editions.fold_solutions`), the first line of a folded one when
    that is an answer (JupyterLab writes it on the folded bar), an answer printed by another cell,
    or an answer line of the page outside a closed ``<details>`` (the book's and the slides'
    "Show the answer") and reveal.js's speaker notes.
    """
    if isinstance(edition, str):
        page = _PageText()
        page.feed(edition)
        page.close()
        text = "".join(page.visible if unasked else page.all)
        return [f"{line.strip()!r}" + (" without a click" if unasked else "")
                for line in text.splitlines() if line.strip() in answers]
    found = []
    for number, cell in enumerate(edition.cells):
        folded = cell.metadata.get("jupyter", {}) if unasked else {}
        if SOLUTION in cell_tags(cell):
            if not folded.get("source_hidden"):
                found.append(f"cell {number}: a solution cell" + ("'s source" if unasked else ""))
            elif cell.source.split("\n")[0].strip() in answers:  # JupyterLab writes it on the folded bar
                found.append(f"cell {number}: a solution cell's first line, on its folded bar")
            if unasked and cell.get("outputs") and not folded.get("outputs_hidden"):
                found.append(f"cell {number}: a solution cell's outputs")
        if folded.get("outputs_hidden"):
            continue
        for output in cell.get("outputs", []):
            found += [f"cell {number}: {line.strip()!r}" for line in _output_text(output).splitlines()
                      if line.strip() in answers]
    return found


def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return "\n".join(str(data.get(kind, "")) for kind in ("text/plain", "text/html", "text/markdown"))


class _PageText(HTMLParser):
    """A page's text (``all``), and the part a reader sees without opening anything (``visible``):
    not what a closed ``<details>`` holds past its ``<summary>``, reveal.js's speaker notes, scripts,
    styles, templates or elements marked ``hidden``. Block elements start a new line."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})
    BLOCKS = frozenset({"address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
                        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
                        "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul"})
    NEVER_SHOWN = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.all, self.visible, self.open = [], [], []  # open: (tag, hides its content, closed details)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.BLOCKS:
            self._text("\n")
        if tag in self.VOID:
            return
        classes = (attrs.get("class") or "").split()
        hides = tag in self.NEVER_SHOWN or "hidden" in attrs or (tag == "aside" and "notes" in classes)
        self.open.append((tag, hides, tag == "details" and "open" not in attrs))

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self._text("\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self._text("\n")
        for index in range(len(self.open) - 1, -1, -1):  # an unclosed <p> or <li> closes with its parent
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        self._text(data)

    def _text(self, text: str) -> None:
        self.all.append(text)
        if not self._hidden():
            self.visible.append(text)

    def _hidden(self) -> bool:
        for index, (_, hides, closed_details) in enumerate(self.open):
            if hides:
                return True
            if closed_details and not (index + 1 < len(self.open) and self.open[index + 1][0] == "summary"):
                return True
        return False
