"""``build/metrics.json``: what the runner collects and prints.

Each notebook ends with one call, ``course_utils.reporting.record(metrics_path, {...})``;
the runner collects them as ``{notebook name: {"seconds": ..., **what it recorded}}``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path


def read_json(path: str | Path) -> dict:
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def summary_table(metrics: dict[str, dict]) -> str:
    """One line per notebook: run time, training time, final losses, test PSNR / SSIM."""
    columns = ["seconds", "train_seconds", "final_val_loss", "psnr", "ssim"]
    lines = [f"{'notebook':<30}" + "".join(f"{c:>15}" for c in columns)]
    for name, values in metrics.items():
        cells = [values.get(c) for c in columns]
        lines.append(f"{name:<30}" + "".join(
            f"{c:>15.4g}" if isinstance(c, (int, float)) else f"{'-':>15}" for c in cells))
    return "\n".join(lines)


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
