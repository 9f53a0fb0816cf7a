"""Running the course notebooks headless through papermill: ``make run``.

Each notebook takes the same parameters (epochs, batch_size, train_limit, seed,
data_dir, ...) and, when given ``metrics_path``, writes its measurements there.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


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
    paths: list[Path], *, parameters: dict, out_dir: str | Path = "build"
) -> dict[str, dict]:
    """Execute each notebook with ``parameters``; stop at the first that fails.

    Writes the executed copies to ``<out_dir>/executed/`` and everything the
    notebooks measured, plus the seconds each took, to ``<out_dir>/metrics.json``.
    """
    out_dir = Path(out_dir)
    executed = out_dir / "executed"
    executed.mkdir(parents=True, exist_ok=True)
    metrics = {}
    for path in paths:
        metrics_path = executed / f"{path.stem}.metrics.json"
        metrics_path.unlink(missing_ok=True)
        print(f"[run] {path.name} ...", flush=True)
        start = time.perf_counter()
        execute_notebook(path, executed / path.name,
                         parameters={**parameters, "metrics_path": str(metrics_path.resolve())})
        seconds = time.perf_counter() - start
        measured = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
        metrics[path.stem] = {"seconds": round(seconds, 1), **measured}
        write_json(out_dir / "metrics.json", metrics)
    print(summary_table(metrics))
    return metrics


def execute_notebook(path: Path, out_path: str | Path, *, parameters: dict) -> None:
    """Run one notebook with papermill in its own folder, as a student would."""
    import papermill

    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(path), str(out_path), parameters=parameters,
                               cwd=str(path.parent), kernel_name="python3", progress_bar=False)


def write_json(path: str | Path, values: dict) -> None:
    """Write ``values`` as JSON, atomically."""
    write_text_atomically(path, json.dumps(values, indent=2, ensure_ascii=False) + "\n")


def write_text_atomically(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    return partial.replace(path)


def summary_table(metrics: dict[str, dict]) -> str:
    columns = ["seconds", "final_train_loss", "final_val_loss", "psnr", "ssim", "noisy_psnr"]
    lines = [f"{'notebook':<30}" + "".join(f"{c:>17}" for c in columns)]
    for name, values in metrics.items():
        cells = [values.get(c) for c in columns]
        lines.append(f"{name:<30}" + "".join(
            f"{c:>17.4g}" if isinstance(c, (int, float)) else f"{'-':>17}" for c in cells))
    return "\n".join(lines)
