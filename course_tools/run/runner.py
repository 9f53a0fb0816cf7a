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

from course_tools.run.results import read_json, report_card_table, summary_table
from course_tools.settings import NOTEBOOK_DIR, use_delivery_data_source
from course_utils.reporting import atomic_path, write_json
from course_utils.startup import TF_CPP_LOG_LEVEL

QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": TF_CPP_LOG_LEVEL}
PROGRESS_ENGINE = "course-progress"
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
    (out_dir / "metrics.json").unlink(missing_ok=True)  # a run that fails leaves no older run's numbers
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
    label = f"{label} {Path(path).name}"
    start = time.perf_counter()
    outcome = "failed"
    try:
        papermill.execute_notebook(str(path), str(out_path), parameters=parameters,
                                   cwd=str(cwd or Path(path).parent), kernel_name="python3",
                                   progress_bar=False, log_output=False,
                                   engine_name=_progress_engine(), progress_label=label)
        outcome = "done"
    finally:
        print(f"{RETURN}{label}: {outcome} in {time.perf_counter() - start:.0f} s" + " " * 10, flush=True)


def _progress_engine() -> str:
    """papermill's own nbclient engine, registered under a name of ours, printing one line per cell.

    papermill's public engine API hands each engine the notebook's execution
    manager; wrapping that one manager's ``cell_start`` patches nothing global.
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class ProgressEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, progress_label="[run]", **kwargs):
            start, original = time.perf_counter(), nb_man.cell_start

            def cell_start(cell, cell_index=None, **options):
                if cell.cell_type == "code":
                    # one line rewritten in place on a terminal, one line per cell in a log
                    print(f"{RETURN}{progress_label}: cell {cell_index + 1}/{len(nb_man.nb.cells)}, "
                          f"{time.perf_counter() - start:5.0f} s", end=END, flush=True)
                return original(cell, cell_index, **options)

            nb_man.cell_start = cell_start
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(PROGRESS_ENGINE, ProgressEngine)
    return PROGRESS_ENGINE


def regenerate_notebooks(paths: list[Path]) -> None:
    """Re-execute the committed notebooks in place with their own defaults (``make notebooks``).

    Each runs on full MNIST from ``make data`` (``COURSE_DATA_SOURCE=local`` unless
    set), never a download, so the committed numbers are reproducible; the
    notebook is replaced only once it ran through without an error.
    """
    use_delivery_data_source()
    for number, path in enumerate(paths, start=1):
        with atomic_path(path) as partial:
            execute_notebook(path, partial, parameters={}, label=f"[notebooks {number}/{len(paths)}]")
            _drop_papermill_metadata(partial)


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
