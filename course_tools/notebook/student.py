"""The student edition: every notebook without its solutions (``make student``).

nbconvert's TagRemovePreprocessor drops the cells tagged ``solution`` and, for a
one-language edition, the other language's markdown; the outputs of the
``exercise`` cells are cleared, so no verdict is given away. The automatic checks
stay: they live in the exercise cells and in ``course_utils.exercises``. A
one-language edition carries the outputs of that language's cached execution
(:mod:`course_tools.notebook.editions`); the both-language edition those of the source.
"""

from __future__ import annotations

from pathlib import Path

from course_tools.notebook.editions import executed, set_lang_parameter
from course_tools.notebook.tags import (
    EXERCISE,
    INJECTED,
    PARAMETERS,
    SOLUTION,
    cell_tags,
    other_lang_tag,
)
from course_tools.notebook.variants import load_secret, student_variant, with_variant
from course_tools.settings import ASSETS
from course_utils.language import as_lang
from course_utils.reporting import write_text_atomically

# The course notebooks point to the collapsed solutions; the student edition has none.
SOLUTION_NOTES = {
    "The solution is in the next (collapsed) cell.": "Run the cell to check your answer.",
    "参考答案在下面折叠起来的单元格里。": "运行这个单元格就能检查你的答案。",
}


def student_notebook(path: str | Path, lang: str = "both"):
    """The notebook at ``path`` as a student receives it (an nbformat node)."""
    import nbformat
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    as_lang(lang)
    nb = nbformat.read(str(path), as_version=4)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {SOLUTION} | (
        {other_lang_tag(lang)} if lang != "both" else set())
    config.TagRemovePreprocessor.remove_all_outputs_tags = {EXERCISE}
    nb, _ = TagRemovePreprocessor(config=config).preprocess(nb, {})
    for cell in nb.cells:
        if EXERCISE in cell_tags(cell):
            cell.execution_count = None
        for sentence, replacement in SOLUTION_NOTES.items():
            cell.source = cell.source.replace(sentence, replacement)
    if lang != "both":
        for cell in nb.cells:
            if PARAMETERS in cell_tags(cell):
                set_lang_parameter(cell, lang)
    return nb


def write_student_edition(notebooks: list[Path], out_dir: str | Path = "build/student",
                          *, lang: str = "both", models: bool = True, variant_of=None) -> list[Path]:
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
        source = path if lang == "both" else executed(
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
    """The lines the solution cells of an executed notebook print: what must not reach a student."""
    lines = set()
    for cell in executed_nb.cells:
        if SOLUTION in cell_tags(cell):
            for output in cell.get("outputs", []):
                lines.update(line.strip() for line in _output_text(output).splitlines() if line.strip())
    return lines


def shown_answers(nb, answers: set[str]) -> list[str]:
    """What ``nb`` gives away: a solution cell, or an output line among ``answers``."""
    found = [f"cell {number}: a solution cell" for number, cell in enumerate(nb.cells)
             if SOLUTION in cell_tags(cell)]
    for number, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            found += [f"cell {number}: {line.strip()!r}" for line in _output_text(output).splitlines()
                      if line.strip() in answers]
    return found


def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return "\n".join(str(data.get(kind, "")) for kind in ("text/plain", "text/html", "text/markdown"))
