"""Executing the course notebooks headless, through papermill: the one executor
behind ``make run``, ``make notebooks``, ``make slides`` and the tests.

Each notebook takes the same parameters (epochs, batch_size, train_limit, seed,
data_dir, lang, ...) and, when given ``metrics_path``, records what it measured.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from course_tools.paths import NOTEBOOK_DIR
from course_tools.results import read_json, report_card_table, summary_table, write_json

QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "2"}
RETURN, END = ("\r", "") if sys.stdout.isatty() else ("", "\n")


def course_notebooks(names: list[str] | None = None) -> list[Path]:
    """The numbered notebooks in order, or those whose names start with ``names``."""
    paths = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if names:
        chosen = [p for p in paths if any(p.stem.startswith(n) for n in names)]
        if len(chosen) < len(names):
            raise ValueError(f"No notebook matches {names}; have {[p.stem for p in paths]}.")
        paths = chosen
    return paths


def run_notebooks(
    paths: list[Path], *, parameters: dict | None = None, out_dir: str | Path = "build"
) -> dict[str, dict]:
    """Execute each notebook with ``parameters``; stop at the first that fails.

    Writes the executed copies to ``<out_dir>/executed/`` and everything the
    notebooks recorded, plus the seconds each took, to ``<out_dir>/metrics.json``.
    Prints a summary table and the report card.
    """
    out_dir = Path(out_dir)
    executed = out_dir / "executed"
    metrics = {}
    for number, path in enumerate(paths, start=1):
        metrics_path = executed / f"{path.stem}.metrics.json"
        metrics_path.unlink(missing_ok=True)
        start = time.perf_counter()
        execute_notebook(path, executed / path.name, label=f"[run {number}/{len(paths)}]",
                         parameters={**(parameters or {}), "metrics_path": str(metrics_path.resolve())})
        metrics[path.stem] = {"seconds": round(time.perf_counter() - start, 1), **read_json(metrics_path)}
        write_json(out_dir / "metrics.json", metrics)
    print(summary_table(metrics))
    print(report_card_table(metrics))
    return metrics


def execute_notebook(path: Path, out_path: str | Path, *, parameters: dict,
                     label: str = "[run]", cwd: str | Path | None = None) -> None:
    """Run one notebook with papermill in its own folder, as a student would, with progress."""
    import papermill

    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    for name, value in QUIET_TENSORFLOW.items():
        os.environ.setdefault(name, value)
    with CellProgress(f"{label} {Path(path).name}"):
        papermill.execute_notebook(str(path), str(out_path), parameters=parameters,
                                   cwd=str(cwd or Path(path).parent), kernel_name="python3",
                                   progress_bar=False, log_output=False)


class CellProgress:
    """Prints one line per executed cell: which cell, how far, elapsed time.

    papermill reports each cell to its engine's ``cell_start``; this wraps it for
    the duration of one notebook.
    """

    def __init__(self, label: str):
        self.label = label

    def __enter__(self):
        from papermill.engines import NotebookExecutionManager

        self.original = NotebookExecutionManager.cell_start
        self.start = time.perf_counter()
        label, start, original = self.label, self.start, self.original

        def cell_start(manager, cell, cell_index=None, **kwargs):
            total = len(manager.nb.cells)
            if cell.cell_type == "code":
                # one line rewritten in place on a terminal, one line per cell in a log
                print(f"{RETURN}{label}: cell {cell_index + 1}/{total}, "
                      f"{time.perf_counter() - start:5.0f} s", end=END, flush=True)
            return original(manager, cell, cell_index, **kwargs)

        NotebookExecutionManager.cell_start = cell_start
        return self

    def __exit__(self, *exc):
        from papermill.engines import NotebookExecutionManager

        NotebookExecutionManager.cell_start = self.original
        outcome = "failed" if exc[0] else "done"
        print(f"{RETURN}{self.label}: {outcome} in {time.perf_counter() - self.start:.0f} s" + " " * 10,
              flush=True)
        return False


def regenerate_notebooks(paths: list[Path]) -> None:
    """Re-execute the committed notebooks in place with their own defaults (``make notebooks``).

    Each runs on full MNIST from ``make data`` (``COURSE_DATA_SOURCE=local`` unless
    set), never a download, so the committed numbers are reproducible; the
    notebook is replaced only once it ran through without an error.
    """
    os.environ.setdefault("COURSE_DATA_SOURCE", "local")
    for number, path in enumerate(paths, start=1):
        partial = path.with_name(f".{path.stem}.partial.ipynb")
        try:
            execute_notebook(path, partial, parameters={}, label=f"[notebooks {number}/{len(paths)}]")
            _drop_papermill_metadata(partial)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)


def _drop_papermill_metadata(path: Path) -> None:
    """Keep committed notebooks free of papermill's per-run timestamps and paths."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    nbformat.write(nb, path)
