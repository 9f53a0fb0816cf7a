"""``make models``: train the lesson's models until they plateau and ship them.

Each model is trained on the training images only, with the course's quick
settings (Adam 1e-3, batch 32, fresh noise every epoch for the denoiser). When
the epoch's training loss stops improving, the learning rate is halved; when
it stalls at the smallest rate, training stops: that is the plateau. The test
images are scored every few epochs for the record only; no decision looks at
them. The models land in ``assets/models/`` with ``manifest.json``.

``python -m course_tools models [names] [--source embedded|auto]``
"""

from __future__ import annotations

import hashlib
import os
import platform
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from course_tools.paths import MODELS_DIR
from course_tools.results import read_json, write_json
from course_utils import defaults
from course_utils.pretrained import MANIFEST_NAME, build_from_manifest, file_sha256

# name: architecture (build_conv_autoencoder's arguments) and training noise
SPECS = {
    "conv_16_8_8": {"architecture": {"filters": [16, 8, 8], "upsampling": "nearest"},
                    "noise_factor": 0.0},
    # Fresh noise every epoch makes the denoiser's epoch loss noisier: it waits longer.
    "denoise_32_32_16": {"architecture": {"filters": [32, 32, 16], "upsampling": "nearest"},
                         "noise_factor": defaults.NOISE_FACTOR, "patience": 10},
    "transpose3_16_8_8": {"architecture": {"filters": [16, 8, 8], "upsampling": "transpose",
                                           "transpose_kernel": 3}, "noise_factor": 0.0},
    "transpose4_16_8_8": {"architecture": {"filters": [16, 8, 8], "upsampling": "transpose",
                                           "transpose_kernel": 4}, "noise_factor": 0.0},
}
MAX_EPOCHS = 400
PATIENCE = 5  # epochs without a lower training loss before the learning rate is halved
SMALLEST_RATE = defaults.LEARNING_RATE / 16
SCORE_EVERY = 10  # epochs between test scores kept for the record


def train_models(names: list[str] | None = None, *, source: str = "embedded",
                 out_dir: str | Path = MODELS_DIR, seed: int = defaults.SEED,
                 max_epochs: int = MAX_EPOCHS) -> dict[str, dict]:
    """Train the named models (default: all), save them and update the manifest."""
    from course_utils.data import load_dataset

    names = list(names or SPECS)
    unknown = sorted(set(names) - set(SPECS))
    if unknown:
        raise ValueError(f"Unknown model {unknown}; choose from {', '.join(SPECS)}.")
    dataset = load_dataset("mnist", source=source, seed=seed, lang="en")
    out_dir = Path(out_dir)
    entries = {}
    for name in names:
        print(f"[models] {name}: training until the loss plateaus (at most {max_epochs} epochs)",
              flush=True)
        model, entry = train_one(name, dataset, source=source, seed=seed, max_epochs=max_epochs)
        entries[name] = save_model(model, entry, name, out_dir)
        test = entry["test"]
        print(f"[models] {name}: {entry['training']['epochs']} epochs, "
              f"{entry['training']['steps']:,} steps, {entry['training']['seconds']:.0f} s; "
              f"test PSNR {test['psnr']:.2f} dB, SSIM {test['ssim']:.3f}", flush=True)
    return entries


def train_one(name: str, dataset, *, source: str, seed: int, max_epochs: int):
    from course_utils.metrics import evaluate
    from course_utils.noise import noisy_batches
    from course_utils.training import compile_autoencoder, validation_inputs

    spec = SPECS[name]
    noise_factor = spec["noise_factor"]
    keras.utils.set_random_seed(seed)
    model = compile_autoencoder(build_from_manifest(spec["architecture"], seed=seed))
    test_inputs = validation_inputs(dataset, noise_factor, seed=seed)
    record = TestRecord(lambda: evaluate(model, test_inputs, dataset.x_test))
    patience = spec.get("patience", PATIENCE)
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=patience,
                                          min_delta=1e-5, min_lr=SMALLEST_RATE),
        StopAtSmallestRate(2 * patience),
        record,
    ]
    batches = noisy_batches(dataset.x_train, noise_factor, batch_size=defaults.BATCH_SIZE, seed=seed)
    start = time.perf_counter()
    history = model.fit(batches, epochs=max_epochs, shuffle=False, verbose=0, callbacks=callbacks)
    seconds = time.perf_counter() - start
    epochs = len(history.history["loss"])
    scores = evaluate(model, test_inputs, dataset.x_test)
    entry = {
        "architecture": spec["architecture"],
        "noise_factor": noise_factor,
        "data": _data_record(dataset, source, seed),
        "training": {
            "optimizer": "Adam", "learning_rate": defaults.LEARNING_RATE,
            "schedule": (f"halved after {patience} epochs without a lower training loss, "
                         f"stopped once the loss stalled {2 * patience} epochs at {SMALLEST_RATE:g}"),
            "loss": "binary cross-entropy from logits",
            "batch_size": defaults.BATCH_SIZE, "epochs": epochs,
            "steps": epochs * int(np.ceil(len(dataset.x_train) / defaults.BATCH_SIZE)),
            "seed": seed, "seconds": round(seconds, 1),
            "stopped_by": "plateau" if epochs < max_epochs else "max_epochs",
            "final_loss": round(float(history.history["loss"][-1]), 5),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, no GPU"
                       if not _has_gpu() else f"{platform.machine()} with a GPU",
        },
        "test": {"noise_seed": defaults.validation_noise_seed(seed) if noise_factor else None,
                 **{key: round(float(value), 4) for key, value in scores.items()}},
        "test_psnr_during_training": record.psnr_by_epoch,
        "versions": _versions(),
    }
    return model, entry


class TestRecord(keras.callbacks.Callback):
    """Scores the test images every ``SCORE_EVERY`` epochs, for the manifest only."""

    def __init__(self, score):
        super().__init__()
        self.score, self.psnr_by_epoch = score, {}

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % SCORE_EVERY:
            return
        psnr = self.score()["psnr"]
        self.psnr_by_epoch[str(epoch + 1)] = round(psnr, 3)
        rate = float(self.model.optimizer.learning_rate)
        print(f"  epoch {epoch + 1:>3}: loss {logs['loss']:.5f}, learning rate {rate:.1e}, "
              f"test PSNR {psnr:.2f} dB", flush=True)


class StopAtSmallestRate(keras.callbacks.Callback):
    """Stops once the learning rate is at its floor and the loss has stalled ``patience`` epochs."""

    def __init__(self, patience: int):
        super().__init__()
        self.patience, self.best, self.waited = patience, np.inf, 0

    def on_epoch_end(self, epoch, logs=None):
        if logs["loss"] < self.best - 1e-5:
            self.best, self.waited = logs["loss"], 0
        elif float(self.model.optimizer.learning_rate) <= SMALLEST_RATE * 1.0001:
            self.waited += 1
            if self.waited >= self.patience:
                self.model.stop_training = True


def save_model(model, entry: dict, name: str, out_dir: Path) -> dict:
    """Save the weights in a fresh, uncompiled copy (no optimizer state: small files)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clean = build_from_manifest(entry["architecture"])
    clean.set_weights(model.get_weights())
    path = out_dir / f"{name}.keras"
    with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
        partial = Path(scratch) / path.name
        clean.save(partial)
        partial.replace(path)
    entry = {"file": path.name, "sha256": file_sha256(path), "bytes": path.stat().st_size, **entry}
    _update_manifest(out_dir / MANIFEST_NAME, name, entry)
    return entry


def images_sha256(images: np.ndarray) -> str:
    """Fingerprint of a split's pixels, to check which images a model saw."""
    return hashlib.sha256(np.ascontiguousarray(images, dtype=np.float32).tobytes()).hexdigest()


def _data_record(dataset, source: str, seed: int) -> dict:
    return {"name": dataset.name, "source": source, "split_seed": seed,
            "description": dataset.source,
            "train_images": len(dataset.x_train), "test_images": len(dataset.x_test),
            "train_sha256": images_sha256(dataset.x_train),
            "test_sha256": images_sha256(dataset.x_test)}


def _update_manifest(path: Path, name: str, entry: dict) -> None:
    manifest = read_json(path)
    manifest[name] = entry
    write_json(path, {key: manifest[key] for key in sorted(manifest, key=_spec_order)})


def _spec_order(name: str) -> int:
    return list(SPECS).index(name) if name in SPECS else len(SPECS)


def _has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def _versions() -> dict[str, str]:
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}
