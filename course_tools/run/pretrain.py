"""``make models``: train the lesson's models until they plateau and ship them.

Each model trains on the official 60,000 MNIST training images (``make data``)
with the course's settings: Adam 1e-3, batch 32, fresh noise every epoch for
the denoiser. Progress is counted in rounds of ``ROUND_STEPS`` gradient steps.
When the training loss has not fallen for ``PATIENCE_STEPS`` steps, the learning
rate is halved; in the last ``COOLDOWN_SHARE`` of the ``max_steps`` budget it
falls linearly to the smallest rate, so a capped run still ends slowly. Training
stops when the loss stalls at the smallest rate, or at ``max_steps``. The official test images are scored every few rounds for the
record only; no decision looks at them. After every round a checkpoint (model,
optimizer and schedule) lands in ``build/checkpoints/``, so an interrupted run
resumes where it stopped. The models land in ``assets/models/`` with ``manifest.json``.

``python -m course_tools models [names] [--source auto|local|embedded] [--max-steps N]``
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from course_tools.run.results import read_json
from course_tools.settings import BUILD, MODELS_DIR
from course_utils import defaults
from course_utils.data.files import file_sha256, images_sha256
from course_utils.pretrained import MANIFEST_NAME, build_from_manifest
from course_utils.reporting import atomic_path, write_json

# name: architecture (build_conv_autoencoder's arguments), training noise, and a cap
# on steps: about the steps the 4,000-image models took to plateau, to fit 2 CPU cores.
SPECS = {
    "conv_16_8_8": {"architecture": {"filters": [16, 8, 8], "upsampling": "nearest"},
                    "noise_factor": 0.0, "max_steps": 47_000},
    "denoise_32_32_16": {"architecture": {"filters": [32, 32, 16], "upsampling": "nearest"},
                         "noise_factor": defaults.NOISE_FACTOR, "max_steps": 38_000},
    "transpose3_16_8_8": {"architecture": {"filters": [16, 8, 8], "upsampling": "transpose",
                                           "transpose_kernel": 3},
                          "noise_factor": 0.0, "max_steps": 33_000},
    "transpose4_16_8_8": {"architecture": {"filters": [16, 8, 8], "upsampling": "transpose",
                                           "transpose_kernel": 4},
                          "noise_factor": 0.0, "max_steps": 39_000},
}
ROUND_STEPS = 1_000  # steps between plateau checks and checkpoints
PATIENCE_STEPS = 3_000  # steps without a lower training loss before the rate is halved
SMALLEST_RATE = defaults.LEARNING_RATE / 16
COOLDOWN_SHARE = 0.25  # the last quarter of the step budget lowers the rate to SMALLEST_RATE
SCORE_EVERY_STEPS = 10_000  # steps between test scores kept for the record
CHECKPOINTS = BUILD / "checkpoints"


def train_models(names: list[str] | None = None, *, source: str = "local",
                 out_dir: str | Path = MODELS_DIR, seed: int = defaults.SEED,
                 max_steps: int | None = None, checkpoints: str | Path = CHECKPOINTS
                 ) -> dict[str, dict]:
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
        cap = max_steps or SPECS[name]["max_steps"]
        print(f"[models] {name}: training until the loss plateaus (at most {cap:,} steps)",
              flush=True)
        model, entry = train_one(name, dataset, source=source, seed=seed, max_steps=cap,
                                 checkpoint_dir=Path(checkpoints) / name)
        entries[name] = save_model(model, entry, name, out_dir)
        shutil.rmtree(Path(checkpoints) / name, ignore_errors=True)  # a rerun retrains
        test = entry["test"]
        print(f"[models] {name}: {entry['training']['steps']:,} steps, "
              f"{entry['training']['seconds']:.0f} s; "
              f"test PSNR {test['psnr']:.2f} dB, SSIM {test['ssim']:.3f}", flush=True)
    return entries


def train_one(name: str, dataset, *, source: str, seed: int, max_steps: int,
              checkpoint_dir: Path):
    from course_utils.metrics import evaluate
    from course_utils.training import (
        compile_autoencoder,
        train_autoencoder,
        validation_inputs,
    )

    spec = SPECS[name]
    noise_factor = spec["noise_factor"]
    data = _data_record(dataset, source, seed)
    identity = {"name": name, "architecture": spec["architecture"], "noise_factor": noise_factor,
                "data": data, "seed": seed, "patience_steps": PATIENCE_STEPS}
    checkpoint = Checkpoint(checkpoint_dir, identity)
    keras.utils.set_random_seed(seed)
    model, state = checkpoint.restore()
    if model is None:
        model = compile_autoencoder(build_from_manifest(spec["architecture"], seed=seed))
    test_inputs = validation_inputs(dataset, noise_factor, seed=seed)
    rounds_in_budget = max_steps // ROUND_STEPS
    schedule = PlateauSchedule(PATIENCE_STEPS // ROUND_STEPS, state.get("schedule"),
                               cooldown=(round(rounds_in_budget * (1 - COOLDOWN_SHARE)), rounds_in_budget))
    record = ScoreRecord(lambda: evaluate(model, test_inputs, dataset.x_test),
                         state.get("psnr_by_step", {}))
    checkpoint.parts = {"schedule": schedule, "record": record}
    done_rounds = state.get("rounds", 0)
    seconds_before = state.get("seconds", 0.0)
    start = time.perf_counter()
    checkpoint.clock = lambda: seconds_before + time.perf_counter() - start
    if not schedule.finished:
        train_autoencoder(model, dataset, epochs=rounds_in_budget,
                          initial_epoch=done_rounds, steps_per_epoch=ROUND_STEPS,
                          noise_factor=noise_factor, seed=seed, validate=False,
                          verbose=False, callbacks=[schedule, record, checkpoint])
    rounds, seconds = checkpoint.rounds or done_rounds, checkpoint.clock()
    scores = evaluate(model, test_inputs, dataset.x_test)
    record.psnr_by_step[str(rounds * ROUND_STEPS)] = round(float(scores["psnr"]), 3)
    entry = {
        "architecture": spec["architecture"],
        "noise_factor": noise_factor,
        "data": data,
        "training": {
            "optimizer": "Adam", "learning_rate": defaults.LEARNING_RATE,
            "schedule": (f"halved after {PATIENCE_STEPS:,} steps without a lower training loss; "
                         f"over the last {COOLDOWN_SHARE:.0%} of a {max_steps:,}-step budget, lowered "
                         f"linearly to {SMALLEST_RATE:g}; stopped early once the loss stalled at "
                         f"{SMALLEST_RATE:g}"),
            "loss": "binary cross-entropy from logits",
            "batch_size": defaults.BATCH_SIZE, "patience_steps": PATIENCE_STEPS,
            "cooldown_share": COOLDOWN_SHARE, "smallest_rate": SMALLEST_RATE,
            "epochs": round(rounds * ROUND_STEPS * defaults.BATCH_SIZE / len(dataset.x_train), 1),
            "steps": rounds * ROUND_STEPS,
            "seed": seed, "seconds": round(seconds, 1),
            "stopped_by": "plateau" if schedule.finished else "max_steps",
            "final_learning_rate": float(model.optimizer.learning_rate),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, no GPU"
                       if not _has_gpu() else f"{platform.machine()} with a GPU",
        },
        "test": {"noise_seed": defaults.validation_noise_seed(seed) if noise_factor else None,
                 **{key: round(float(value), 4) for key, value in scores.items()}},
        "test_psnr_during_training": record.psnr_by_step,
        "versions": _versions(),
    }
    return model, entry


class PlateauSchedule(keras.callbacks.Callback):
    """Halves the learning rate after ``patience`` rounds without a lower training loss.

    At the smallest rate, the same wait ends training instead. With
    ``cooldown=(first, last)``, rounds ``first`` to ``last`` lower the rate
    linearly to the smallest one. Its state is plain numbers, so a checkpoint
    can store it and a resumed run continue it.
    """

    def __init__(self, patience: int, state: dict | None = None, *,
                 cooldown: tuple[int, int] | None = None):
        super().__init__()
        self.patience, self.cooldown = patience, cooldown
        self.state = dict(state or {"best": float("inf"), "waited": 0, "finished": False})

    def on_epoch_begin(self, epoch, logs=None):
        if self.cooldown is None or epoch < self.cooldown[0]:
            return
        first, last = self.cooldown
        start = self.state.setdefault("cooldown_from", float(self.model.optimizer.learning_rate))
        share = (epoch + 1 - first) / max(1, last - first)
        rate = start + (SMALLEST_RATE - start) * min(1.0, share)
        self.model.optimizer.learning_rate.assign(min(rate, float(self.model.optimizer.learning_rate)))

    @property
    def finished(self) -> bool:
        return self.state["finished"]

    def on_epoch_end(self, epoch, logs=None):
        loss, state = float(logs["loss"]), self.state
        if loss < state["best"] - 1e-5:
            state["best"], state["waited"] = loss, 0
            return
        state["waited"] += 1
        if state["waited"] < self.patience:
            return
        state["waited"] = 0
        rate = float(self.model.optimizer.learning_rate)
        if rate <= SMALLEST_RATE * 1.0001:
            state["finished"] = True
            self.model.stop_training = True
        else:
            self.model.optimizer.learning_rate.assign(max(rate / 2, SMALLEST_RATE))


class ScoreRecord(keras.callbacks.Callback):
    """Scores the test images every ``SCORE_EVERY_STEPS`` steps, for the manifest only."""

    def __init__(self, score, psnr_by_step: dict):
        super().__init__()
        self.score, self.psnr_by_step = score, dict(psnr_by_step)

    def on_epoch_end(self, epoch, logs=None):
        steps = (epoch + 1) * ROUND_STEPS
        if steps % SCORE_EVERY_STEPS:
            return
        psnr = self.score()["psnr"]
        self.psnr_by_step[str(steps)] = round(psnr, 3)
        rate = float(self.model.optimizer.learning_rate)
        print(f"  step {steps:>7,}: loss {logs['loss']:.5f}, learning rate {rate:.1e}, "
              f"test PSNR {psnr:.2f} dB", flush=True)


class Checkpoint(keras.callbacks.Callback):
    """Saves model, optimizer and schedule after every round; ``restore`` resumes from them.

    A checkpoint is used only when it was made for the same model, data and seed.
    """

    def __init__(self, folder: Path, identity: dict):
        super().__init__()
        self.folder, self.identity = folder, identity
        self.parts, self.rounds, self.clock = {}, 0, lambda: 0.0

    def restore(self):
        state_path, model_path = self.folder / "state.json", self.folder / "model.keras"
        if not (state_path.is_file() and model_path.is_file()):
            return None, {}
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if state.get("identity") != json.loads(json.dumps(self.identity)):
            print(f"[models] {self.folder}: made for other settings; starting afresh", flush=True)
            return None, {}
        model = keras.saving.load_model(model_path, compile=True)
        print(f"[models] resuming from {self.folder} after {state['rounds'] * ROUND_STEPS:,} steps",
              flush=True)
        return model, state

    def on_epoch_end(self, epoch, logs=None):
        self.rounds = epoch + 1
        state = {"identity": self.identity, "rounds": self.rounds, "seconds": self.clock(),
                 "schedule": self.parts["schedule"].state,
                 "psnr_by_step": self.parts["record"].psnr_by_step}
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.folder) as scratch:
            self.model.save(Path(scratch) / "model.keras")
            (Path(scratch) / "state.json").write_text(json.dumps(state), encoding="utf-8")
            (Path(scratch) / "model.keras").replace(self.folder / "model.keras")
            (Path(scratch) / "state.json").replace(self.folder / "state.json")


def save_model(model, entry: dict, name: str, out_dir: Path) -> dict:
    """Save the weights in a fresh, uncompiled copy (no optimizer state: small files)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clean = build_from_manifest(entry["architecture"])
    clean.set_weights(model.get_weights())
    path = out_dir / f"{name}.keras"
    with atomic_path(path) as partial:
        clean.save(partial)
    entry = {"file": path.name, "sha256": file_sha256(path), "bytes": path.stat().st_size, **entry}
    _update_manifest(out_dir / MANIFEST_NAME, name, entry)
    return entry


def _data_record(dataset, source: str, seed: int) -> dict:
    return {"name": dataset.name, "source": source, "split_seed": seed,
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
