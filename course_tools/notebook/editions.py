"""One-language editions of the course, built from one cached execution per language.

The notebooks in ``notebooks/`` are the bilingual source that authors edit. A
student reads one language: the course edition (solutions folded, :func:`fold_solutions`)
or the student edition (no solutions), each with the printed lines and figures of a
run in that language. :func:`executed` runs a notebook once per language and
caches the result in ``build/executions/<lang>/``, keyed on everything that
decides it: the notebook file, its parameters, the data source and the code
of ``course_utils`` with the shipped models' manifest. The same inputs are
never run twice; ``make lab``, ``make student`` and ``make slides`` share it.

:func:`deliver` copies an edition into a student's work folder outside
``build/`` and never overwrites a notebook the student changed: a newer
version is offered beside it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from course_tools.notebook.tags import (
    HIDE_CELL,
    INJECTED,
    PARAMETERS,
    SOLUTION,
    cell_tags,
    other_prose_tags,
)
from course_tools.run.runner import course_notebooks, execute_notebook
from course_tools.settings import ASSETS, BUILD, ROOT, current
from course_utils.language import N_, language_codes, translate
from course_utils.reporting import atomic_path, read_regular_file
from course_utils.settings import current as student_settings

EXECUTIONS = BUILD / "executions"
DELIVERED = ".delivered.json"  # in a work folder: the course's text of each notebook it copied there
# What opens a folded solution in the book and the slides (JupyterLab shows a bar of its own).
SHOW_ANSWER, HIDE_ANSWER = N_("Show the answer"), N_("Hide the answer")
FOLDED = {"source_hidden": True, "outputs_hidden": True}  # JupyterLab's metadata for a collapsed cell
LANG_PARAMETER = re.compile(r'^lang = "(\w+)"', re.MULTILINE)  # in the parameters cell


def executed(path: Path, lang: str, *, parameters: dict | None = None, label: str = "[execute]") -> Path:
    """``path`` executed with ``lang`` (and ``parameters``), from the cache or run now."""
    require_edition_language(lang)
    parameters = {**(parameters or {}), "lang": lang}
    target = EXECUTIONS / lang / f"{path.stem}.{execution_key(path, parameters)}.ipynb"
    if target.is_file():
        print(f"{label} {path.name}: cached ({target.relative_to(ROOT) if target.is_relative_to(ROOT) else target})",
              flush=True)
        return target
    with atomic_path(target) as partial:
        execute_notebook(path, partial, parameters=parameters, label=label)
    for older in target.parent.glob(f"{path.stem}.*.ipynb"):
        if older != target:
            older.unlink()
    return target


def execution_key(path: Path, parameters: dict) -> str:
    """A digest of what decides an execution's outputs."""
    digest = hashlib.sha256(Path(path).read_bytes())
    digest.update(json.dumps(parameters, sort_keys=True).encode())
    digest.update(data_origin().encode())
    digest.update(package_fingerprint().encode())
    return digest.hexdigest()[:16]


def data_origin() -> str:
    """Where the notebooks will read MNIST, as load_dataset decides it.

    "auto" and "local" read the same local folder when it has the files, so make hub (auto)
    and make book (local) share their executions instead of replacing each other's.
    """
    from course_utils.data import IDX_FILES, course_data_dir

    settings = student_settings()
    source = settings.data_source
    if source in ("auto", "local"):
        if settings.data_dir:
            return f"folder {settings.data_dir}"
        if (course_data_dir("mnist") / IDX_FILES["train_images"]).is_file():
            return f"course folder {course_data_dir('mnist')}"
    return source


def fingerprinted_files() -> dict[str, Path]:
    """What students' notebooks run: every module of course_utils (its subpackages too) and the
    shipped models' manifest, by a name relative to their folder."""
    import course_utils

    package = Path(course_utils.__file__).parent
    files = {str(p.relative_to(package)): p for p in sorted(package.rglob("*.py")) if "__pycache__" not in p.parts}
    return {**files, "manifest.json": ASSETS / "models" / "manifest.json"}


def package_fingerprint() -> str:
    """A digest of :func:`fingerprinted_files`: a change to any of them runs the notebooks again."""
    digest = hashlib.sha256()
    for name, file in fingerprinted_files().items():
        digest.update(name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def course_edition(executed_path: Path, lang: str):
    """An executed notebook as a ``lang`` reader gets it: one language, solutions folded.

    A language without markdown cells of its own reads the English ones
    (:func:`~course_tools.notebook.tags.prose_language`); its code prints in ``lang``.
    """
    import nbformat

    require_edition_language(lang)
    nb = nbformat.read(executed_path, as_version=4)
    left_out = other_prose_tags(nb, lang) | {INJECTED}
    nb.cells = [c for c in nb.cells if not left_out & set(cell_tags(c))]
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if PARAMETERS in cell_tags(cell):
            set_lang_parameter(cell, lang)
    fold_solutions(nb)
    nb.metadata.pop("papermill", None)
    return nb


def fold_solutions(nb) -> int:
    """Fold each solution cell of ``nb``, source and outputs, in every form the course takes.

    JupyterLab collapses a cell whose ``jupyter`` metadata hides its source and its outputs
    (a click on each collapsed bar opens it); the book's myst-nb folds a cell tagged
    ``hide-cell`` under one toggle; the slides fold such a cell under "Show the answer" on the
    exercise's own slide (``slide_type`` "-"). The outputs stay in the file: nbval compares
    them. Only metadata changes; returns how many cells changed.
    """
    changed = 0
    for cell in nb.cells:
        if SOLUTION not in cell_tags(cell):
            continue
        before = json.dumps(cell.metadata, sort_keys=True)
        cell.metadata["jupyter"] = {**cell.metadata.get("jupyter", {}), **FOLDED}
        if HIDE_CELL not in cell_tags(cell):
            cell.metadata["tags"] = [*cell_tags(cell), HIDE_CELL]
        cell.metadata.setdefault("slideshow", {})["slide_type"] = "-"
        changed += json.dumps(cell.metadata, sort_keys=True) != before
    return changed


def set_lang_parameter(cell, lang: str) -> None:
    """A one-language edition also prints and draws in that language when re-run."""
    cell.source = LANG_PARAMETER.sub(f'lang = "{lang}"', cell.source)


def lang_parameter(nb) -> str | None:
    """The ``lang`` the parameters cell of ``nb`` sets, if any."""
    for cell in nb.cells:
        found = LANG_PARAMETER.search(cell.source) if PARAMETERS in cell_tags(cell) else None
        if found:
            return found.group(1)
    return None


def deliver(nb, target: Path) -> Path:
    """Copy an edition notebook into a work folder without ever losing a student's changes.

    A notebook the student has not changed is replaced by the new version; one
    they changed stays, and the new version is written beside it as
    ``<name>.new.ipynb``. Returns the path the new version went to.
    """
    import nbformat

    text = nbformat.writes(nb)
    record_path = target.parent / DELIVERED
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else {}
    new_hash = hashlib.sha256(text.encode()).hexdigest()
    written = target
    if target.exists() or target.is_symlink():
        current = _digest_of_regular_file(target)  # None for a link or a FIFO: no work, replaced
        if current == new_hash:
            return target
        if current is not None and current != record.get(target.name):  # the student's work: kept
            written = target.with_name(f"{target.stem}.new.ipynb")
            with atomic_path(written) as partial:
                partial.write_text(text, encoding="utf-8")
            print(f"[lab] {target.name} has your changes and stays as it is; the course's new version "
                  f"is beside it: {written.name}", flush=True)
            return written
    with atomic_path(target) as partial:
        partial.write_text(text, encoding="utf-8")
    record[target.name] = new_hash
    with atomic_path(record_path) as partial:
        partial.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    return written


def _digest_of_regular_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(read_regular_file(path, 2**30)).hexdigest()
    except (OSError, ValueError):
        return None


def work_folder(lang: str) -> Path:
    """Where a student's own copy of the ``lang`` edition lives: outside build/, so `make clean` keeps it."""
    return current().work_folder() / lang


def prepare_work_folder(lang: str, notebooks: list[Path] | None = None, *, folder: Path | None = None) -> Path:
    """The ``lang`` course edition in the student's work folder, executing what is not cached."""
    folder = Path(folder or work_folder(lang))
    paths = notebooks or course_notebooks()
    for number, path in enumerate(paths, start=1):
        run = executed(path, lang, label=f"[lab {lang} {number}/{len(paths)}]")
        deliver(course_edition(run, lang), folder / "notebooks" / path.name)
    for diagram in ASSETS.glob("*.png"):  # the notebooks link ../assets/*.png
        (folder / "assets").mkdir(parents=True, exist_ok=True)
        shutil.copy2(diagram, folder / "assets" / diagram.name)
    return folder


def answer_prompts(lang: str) -> tuple[str, str]:
    """What opens and what closes a folded solution, in ``lang``: "Show the answer", "Hide the answer"."""
    return translate(SHOW_ANSWER, lang), translate(HIDE_ANSWER, lang)


def require_edition_language(lang: str) -> None:
    """An edition is in one of the course's languages (``course_utils/locale/languages.json``)."""
    if lang not in language_codes():
        raise ValueError(f"An edition is in one language, {' or '.join(language_codes())}; got {lang!r}.")
