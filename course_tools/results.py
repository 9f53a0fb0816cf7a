"""``build/metrics.json``: the one layout for what the notebooks measure.

Each notebook ends with one call, ``record(metrics_path, {...})``; the runner
collects them as ``{notebook name: {"seconds": ..., **what it recorded}}``.
"""

from __future__ import annotations

import json
import math
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


def write_text_atomically(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    return partial.replace(path)


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
    """The denoising report card (notebook 03) and the checkerboard scores (notebook 04)."""
    lines = []
    card = metrics.get("03_denoising_autoencoder", {}).get("report_card")
    if card:
        lines.append(f"\nreport card, noise {metrics['03_denoising_autoencoder']['noise_factor']} "
                     f"({len(card)} methods, best first):")
        lines.append(f"  {'method':<28}{'PSNR dB':>9}{'SSIM':>8}")
        for name, values in sorted(card.items(), key=lambda item: -item[1]["psnr"]):
            lines.append(f"  {name:<28}{values['psnr']:>9.2f}{values['ssim']:>8.3f}")
    decoders = metrics.get("04_upsampling_vs_transposed", {}).get("decoders")
    if decoders:
        lines.append("\ncheckerboard score per decoder (1: no grid; higher: grid frequencies stand out):")
        lines.append(f"  {'decoder':<34}{'images':>8}{'logits':>8}{'PSNR dB':>9}")
        for name, values in decoders.items():
            lines.append(f"  {name:<34}{_number(values.get('checkerboard'), 8, 2)}"
                         f"{_number(values.get('checkerboard_logits'), 8, 2)}{_number(values.get('psnr'), 9, 2)}")
    return "\n".join(lines)


def _number(value, width: int, digits: int) -> str:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value:>{width}.{digits}f}"
    return f"{'-':>{width}}"
