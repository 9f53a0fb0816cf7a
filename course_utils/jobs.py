"""The main job behind ``make run``: train a model, save figures and metrics.

``python -m course_utils train conv|denoise`` calls :func:`run_training_job`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from course_utils.data import load_dataset
from course_utils.metrics import evaluate, image_scores
from course_utils.models import build_conv_autoencoder, reconstruct
from course_utils.noise import add_noise
from course_utils.notebooks import write_json
from course_utils.plotting import plot_image_rows, plot_loss_curves
from course_utils.training import train_autoencoder

JOBS = {
    # name: (filters, noise factor used for training and testing)
    "conv": ((16, 8, 8), 0.0),
    "denoise": ((32, 32, 16), 0.5),
}


def run_training_job(
    job: str,
    *,
    epochs: int,
    train_limit: int | None = None,
    batch_size: int = 200,
    seed: int = 0,
    data_dir: str | None = None,
    out_dir: str | os.PathLike = "build",
) -> dict:
    """Train one of the lesson's two models and record how well it does.

    Writes ``<out_dir>/<job>_reconstructions.png``, ``<out_dir>/<job>_loss.png``
    and this job's entry in ``<out_dir>/metrics.json``; returns that entry.
    """
    if job not in JOBS:
        raise ValueError(f"Unknown job {job!r}; choose one of {', '.join(JOBS)}.")
    filters, noise_factor = JOBS[job]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    dataset = load_dataset("mnist", data_dir, train_limit=train_limit, seed=seed)
    model = build_conv_autoencoder(filters, seed=seed)
    start = time.perf_counter()
    history = train_autoencoder(model, dataset, epochs=epochs, batch_size=batch_size,
                                noise_factor=noise_factor, seed=seed)
    seconds = time.perf_counter() - start

    inputs = dataset.x_test
    if noise_factor > 0:
        inputs = add_noise(dataset.x_test, noise_factor, seed=seed + 1)
    scores = evaluate(model, inputs, dataset.x_test, batch_size=batch_size)
    entry = {
        "model": model.name,
        "parameters": model.count_params(),
        "data": dataset.source,
        "epochs": epochs,
        "train_images": len(dataset.x_train),
        "seconds": round(seconds, 2),
        "images_per_second": round(epochs * len(dataset.x_train) / seconds, 1),
        "final_train_loss": round(history.history["loss"][-1], 5),
        "final_val_loss": round(history.history["val_loss"][-1], 5),
        "test": {key: round(value, 4) for key, value in scores.items()},
    }
    if noise_factor > 0:
        noisy_scores = image_scores(dataset.x_test, inputs)
        entry["noise_factor"] = noise_factor
        entry["noisy_input"] = {key: round(value, 4) for key, value in noisy_scores.items()}

    _save_figures(job, model, dataset, inputs, history, out_dir)
    _update_metrics(out_dir / "metrics.json", job, entry)
    return entry


def _save_figures(job, model, dataset, inputs, history, out_dir: Path) -> None:
    outputs = reconstruct(model, inputs[:10])
    if job == "conv":
        rows, labels = [inputs, outputs], [("原图", "original"), ("重构", "reconstructed")]
    else:
        rows = [dataset.x_test, inputs, outputs]
        labels = [("原图", "original"), ("加噪", "noisy"), ("降噪后", "denoised")]
    plot_image_rows(rows, labels).savefig(out_dir / f"{job}_reconstructions.png", dpi=100)
    plot_loss_curves(history).savefig(out_dir / f"{job}_loss.png", dpi=100)


def _update_metrics(path: Path, job: str, entry: dict) -> None:
    metrics = json.loads(path.read_text()) if path.exists() else {}
    metrics[job] = entry
    write_json(path, metrics)
