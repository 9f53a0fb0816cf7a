"""Runs a combined grading notebook's code cells in one IPython shell, inside the sandbox.

No Jupyter kernel and no papermill: a kernel's start, papermill's imports and a message round trip
per cell cost seconds per student, and grading reads no output, only the answer files the cells
write. IPython runs the cells as a kernel would (magics such as ``%reset -f``, ``display``), and an
error in one cell is shown and the next cell runs, as ``raises-exception`` does under papermill.

After each cell, the report (per notebook: whether a cell raised, seconds per kind of cell) is
written again, so a run stopped at a limit still says how far it got. The sandbox sees no
``course_tools``: the grader passes this file's text to ``python -c`` (:data:`SOURCE`).
"""

import json
import os
import sys
import time


def run(notebook: str, report_path: str, segment_key: str, kind_key: str) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # %matplotlib inline: figures need no event loop here
            pass

    shell = Shell.instance(colors="NoColor")
    with open(notebook, encoding="utf-8") as file:
        cells = [cell for cell in json.load(file)["cells"] if cell["cell_type"] == "code"]
    report = {}
    for cell in cells:
        metadata = cell.get("metadata", {})
        part = report.setdefault(metadata.get(segment_key, ""), {"raised": False, "seconds": {}})
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        start = time.perf_counter()
        result = shell.run_cell(source, store_history=False)
        kind = metadata.get(kind_key, "grader")
        part["seconds"][kind] = part["seconds"].get(kind, 0.0) + time.perf_counter() - start
        part["raised"] = part["raised"] or not result.success
        _write(report_path, report)


def _write(path: str, report: dict) -> None:
    with open(path + ".new", "w", encoding="utf-8") as file:
        json.dump(report, file)
    os.replace(path + ".new", path)


if __name__ == "__main__":
    run(*sys.argv[1:])
