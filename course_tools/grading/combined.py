"""One sandbox and one kernel for all of a student's notebooks, running only what grading needs.

Grading a notebook top to bottom pays, per notebook, for a kernel, TensorFlow's import and the
course's own heavy cells (figures, baselines, sweeps, training runs) that no exercise reads.
Here a student's notebooks run one after another in one kernel, with ``%reset -f`` between them,
and each keeps only:

- the course's cells that grading needs: those the *course* notebook tags ``parameters``,
  ``grading-context``, ``grading-needed``, ``exercise`` or ``solution`` (a submission's own tags
  are not believed);
- every code cell the student added or changed (not the course's cell of the same id and source).

After each parameters cell a cell sets the student's parameters, as papermill would. A notebook
whose part of the run did not finish, or raised an error in any cell, is graded again the full
way, alone (:meth:`course_tools.grading.grader.Grader.grade`): a verdict never depends on a
skipped cell.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from course_tools.notebook.tags import (
    EXERCISE,
    GRADING_CONTEXT,
    GRADING_NEEDED,
    PARAMETERS,
    RAISES,
    SOLUTION,
    cell_tags,
)

KEPT_TAGS = {PARAMETERS, GRADING_CONTEXT, GRADING_NEEDED, EXERCISE, SOLUTION}
SEGMENT = "course_grading_segment"  # cell metadata: the notebook a cell of the combined run belongs to
KIND = "course_grading_kind"  # cell metadata: imports, course, student or grader (for the benchmark)
FINISHED = "finished"  # written into a notebook's answers folder by its last cell

START = '''%reset -f
import os, sys
if "keras" in sys.modules:  # layer names and state as in a fresh kernel; it collects the garbage too
    sys.modules["keras"].backend.clear_session()
os.environ["COURSE_ANSWERS"] = {folder!r}
os.makedirs({folder!r}, exist_ok=True)
del os, sys'''
FINISH = "open({path!r}, 'w').close()"


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def skippable(course_nb) -> dict[str, str]:
    """Cell id → source digest of the course notebook's code cells that grading may skip."""
    return {cell.get("id"): source_digest(cell.source) for cell in course_nb.cells
            if cell.cell_type == "code" and not KEPT_TAGS & set(cell_tags(cell))}


def mark_cells(nb, course_nb, name: str):
    """A copy of ``nb`` whose cells say which notebook they belong to and what they are:
    ``imports`` (the course's first code cell), ``course`` (one of its cells, unchanged) or ``student``."""
    import nbformat

    nb = nbformat.from_dict(nb)
    course = {cell.get("id"): source_digest(cell.source) for cell in course_nb.cells}
    parameters = {cell.get("id") for cell in course_nb.cells if PARAMETERS in cell_tags(cell)}
    first = next((cell.get("id") for cell in course_nb.cells if cell.cell_type == "code"), None)
    for cell in nb.cells:  # the parameters cell differs in its language line
        same = cell.get("id") in parameters or course.get(cell.get("id"), "") == source_digest(cell.source)
        cell.metadata[KIND] = "student" if not same else "imports" if cell.get("id") == first else "course"
        cell.metadata[SEGMENT] = name
    return nb


def graded_cells(nb, course_nb, name: str):
    """``nb`` (:func:`mark_cells`) with only the code cells grading runs: the course's unchanged
    cells that no exercise needs are left out, and so is every markdown cell."""
    skip = skippable(course_nb)
    nb = mark_cells(nb, course_nb, name)
    nb.cells = [cell for cell in nb.cells if cell.cell_type == "code"
                and skip.get(cell.get("id"), "") != source_digest(cell.source)]
    return nb


def is_finished(folder: Path) -> bool:
    """Whether a notebook's part of the combined run reached its last cell (no link believed)."""
    import os
    import stat

    try:
        return (stat.S_ISDIR(os.lstat(folder).st_mode)
                and stat.S_ISREG(os.lstat(Path(folder) / FINISHED).st_mode))
    except OSError:
        return False


def parameters_source(parameters: dict) -> str:
    """The cell that sets ``parameters``, as ``papermill -y`` sets them (through JSON: a tuple is a list)."""
    from papermill.translators import translate_parameters

    return translate_parameters("python", "python", json.loads(json.dumps(parameters)), "Parameters")


def combined_notebook(segments: list[tuple[str, object, dict, str]]):
    """One notebook that runs each (name, instrumented notebook, parameters, answers folder) in turn."""
    import nbformat

    combined = nbformat.v4.new_notebook()
    for name, nb, parameters, folder in segments:
        cells = [_grader_cell(START.format(folder=folder))]
        for cell in nb.cells:
            cells.append(cell)
            if PARAMETERS in cell_tags(cell) and not any(PARAMETERS in cell_tags(c) for c in cells[:-1]):
                cells.append(_grader_cell(parameters_source(parameters)))
        if not any(PARAMETERS in cell_tags(c) for c in cells):
            cells.insert(1, _grader_cell(parameters_source(parameters)))
        cells.append(_grader_cell(FINISH.format(path=f"{folder}/{FINISHED}")))
        for cell in cells:
            cell.metadata[SEGMENT] = name
            cell.metadata["tags"] = sorted({*cell_tags(cell), RAISES})
        combined.cells += cells
    combined.metadata = segments[0][1].metadata if segments else combined.metadata
    return combined


def _grader_cell(source: str):
    import nbformat

    return nbformat.v4.new_code_cell(source, metadata={KIND: "grader"})


def segment_report(executed: Path, names: list[str]) -> dict[str, dict]:
    """Per notebook of the combined run: whether any of its cells raised, and seconds per kind of cell.

    The executed notebook comes from the sandbox, so it decides nothing but whether a notebook is
    graded again the full way: a forged one can only cost its own student time. Unreadable, it
    counts as every notebook having raised.
    """
    from course_tools.grading.answers import MAX_FILE_BYTES
    from course_utils.reporting import read_regular_file

    report = {name: {"raised": False, "seconds": {}} for name in names}
    try:
        cells = json.loads(read_regular_file(executed, MAX_FILE_BYTES))["cells"]
        for cell in cells:
            metadata = cell.get("metadata", {})
            part = report[metadata.get(SEGMENT, names[0])]  # cells instrument() added: the one notebook
            part["raised"] |= any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            kind = metadata.get(KIND, "grader")
            seconds = float(metadata.get("papermill", {}).get("duration") or 0.0)
            part["seconds"][kind] = part["seconds"].get(kind, 0.0) + seconds
    except Exception:  # missing, too large, not JSON, forged keys: rerun everything the full way
        report = {name: {"raised": True, "seconds": {}} for name in names}
    return report


def runner_report(path: Path, names: list[str]) -> dict[str, dict]:
    """What :mod:`course_tools.grading.cell_runner` reported, in :func:`segment_report`'s form.

    It comes from the sandbox too: checked as data, and a notebook it does not mention (or an
    unreadable report) counts as having raised, so that notebook is graded the full way.
    """
    from course_tools.grading.answers import MAX_FILE_BYTES
    from course_utils.reporting import read_regular_file

    report = {name: {"raised": True, "seconds": {}} for name in names}
    try:
        found = json.loads(read_regular_file(path, MAX_FILE_BYTES))
        for name in names:
            part = found.get(name)
            if isinstance(part, dict) and part.get("raised") is False:
                seconds = part.get("seconds", {})
                report[name] = {"raised": False, "seconds": {str(kind): float(value) for kind, value in seconds.items()
                                                             if isinstance(value, (int, float))}}
    except Exception:  # missing, too large, not JSON: every notebook the full way
        pass
    return report
