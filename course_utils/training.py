"""Compiling and fitting an autoencoder: one log line per epoch, seeded.

Introduced in notebooks/02_conv_autoencoder.ipynb.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from course_utils.data import Dataset
from course_utils.noise import add_noise, check_noise_factor, noisy_batches

LEARNING_RATE = 1e-3
BATCH_SIZE = 200


def compile_autoencoder(model: keras.Model, *, learning_rate: float = LEARNING_RATE) -> keras.Model:
    """Adam and sigmoid cross-entropy computed from the logits, as in the lesson."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    return model


def train_autoencoder(
    model: keras.Model,
    dataset: Dataset,
    *,
    epochs: int,
    batch_size: int = BATCH_SIZE,
    noise_factor: float = 0.0,
    seed: int = 0,
    verbose: bool = True,
) -> keras.callbacks.History:
    """Fit ``model`` to reconstruct clean training images, validating on the test split.

    Parameters
    ----------
    model : keras.Model
        From :func:`course_utils.build_conv_autoencoder`; compiled here if it
        is not compiled yet.
    dataset : Dataset
        From :func:`course_utils.load_dataset`.
    epochs, batch_size : int
        The original lesson used batch size 200 with 20 (plain) or 100 (denoising) epochs.
    noise_factor : float
        0 trains a plain autoencoder. Above 0, inputs get fresh Gaussian noise
        every epoch and the clean images are the targets; the test inputs get
        one fixed, seeded noisy copy so validation losses are comparable.
    seed : int
        Seeds shuffling and noise: the same seed repeats the run on the same machine.
    verbose : bool
        Print one line per epoch.

    Returns
    -------
    keras.callbacks.History
    """
    _check_positive_int("epochs", epochs)
    _check_positive_int("batch_size", batch_size)
    noise_factor = check_noise_factor(noise_factor)
    keras.utils.set_random_seed(seed)
    if not getattr(model, "compiled", False):
        compile_autoencoder(model)
    batches = noisy_batches(dataset.x_train, noise_factor, batch_size=batch_size, seed=seed)
    test_inputs = dataset.x_test
    if noise_factor > 0:
        test_inputs = add_noise(dataset.x_test, noise_factor, seed=seed + 1)
    return model.fit(
        batches,
        epochs=epochs,
        validation_data=(test_inputs, dataset.x_test),
        validation_batch_size=batch_size,
        shuffle=False,  # the pipeline shuffles, seeded
        verbose=0,
        callbacks=[EpochLog(epochs)] if verbose else [],
    )


class EpochLog(keras.callbacks.Callback):
    """Prints one concise line per epoch instead of a progress bar per batch."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs
        self.width = len(str(epochs))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        seconds = time.perf_counter() - self.epoch_start
        print(
            f"epoch {epoch + 1:>{self.width}}/{self.epochs}  "
            f"loss {logs.get('loss', np.nan):.4f}  "
            f"val_loss {logs.get('val_loss', np.nan):.4f}  {seconds:.1f} s",
            flush=True,
        )


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
