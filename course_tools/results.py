"""``build/metrics.json``: the one layout for what the notebooks measure.

Each notebook ends with one call, ``record(metrics_path, {...})``; the runner
collects them as ``{notebook name: {"seconds": ..., **what it recorded}}``.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from pathlib import Path


def record(metrics_path: str | Path | None, values: dict) -> None:
    """Write a notebook's measurements for the runner; does nothing without a path."""
    if metrics_path:
        write_json(metrics_path, values)


def read_json(path: str | Path) -> dict:
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_json(path: str | Path, values: dict) -> Path:
    """Write ``values`` as JSON, atomically; numpy numbers and arrays become plain ones."""
    text = json.dumps(values, indent=2, ensure_ascii=False, default=_plain)
    return write_text_atomically(path, text + "\n")


def _plain(value):
    """numpy scalars and arrays (Keras' losses, say) as Python numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot be written to metrics.json")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A hidden path beside ``path`` to write to; it replaces ``path`` only if the block succeeds.

    A reader never sees half a file, and a failed write leaves nothing behind. The
    partial keeps the suffix (``.x.partial.keras``), for writers that check it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_text_atomically(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through :func:`atomic_path`."""
    with atomic_path(path) as partial:
        partial.write_text(text, encoding="utf-8")
    return Path(path)


def summary_table(metrics: dict[str, dict]) -> str:
    """One line per notebook: run time, training time, final losses, test PSNR / SSIM."""
    columns = ["seconds", "train_seconds", "final_val_loss", "psnr", "ssim"]
    lines = [f"{'notebook':<30}" + "".join(f"{c:>15}" for c in columns)]
    for name, values in metrics.items():
        cells = [values.get(c) for c in columns]
        lines.append(f"{name:<30}" + "".join(
            f"{c:>15.4g}" if isinstance(c, (int, float)) else f"{'-':>15}" for c in cells))
    return "\n".join(lines)


def report_table(title: str, columns: list[str], rows: list[list], digits: list[int]) -> dict:
    """A table for the report card: a notebook records it in its metrics under ``"report"``.

    ``rows`` are [label, number, ...]; ``digits`` gives the decimals of each number column.
    """
    return {"title": title, "columns": list(columns), "rows": [list(row) for row in rows],
            "digits": list(digits)}


def report_card_table(metrics: dict[str, dict]) -> str:
    """Every table the notebooks recorded under ``"report"``, in notebook order."""
    lines = []
    for values in metrics.values():
        report = values.get("report")
        if not report:
            continue
        name_width = max(len(str(row[0])) for row in [report["columns"], *report["rows"]]) + 2
        lines.append(f"\n{report['title']}:")
        lines.append(f"  {report['columns'][0]:<{name_width}}" + "".join(f"{c:>10}" for c in report["columns"][1:]))
        for label, *numbers in report["rows"]:
            lines.append(f"  {label:<{name_width}}"
                         + "".join(_number(value, 10, digits) for value, digits in zip(numbers, report["digits"])))
    return "\n".join(lines)


def _number(value, width: int, digits: int) -> str:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value:>{width}.{digits}f}"
    return f"{'-':>{width}}"
