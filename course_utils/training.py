"""Compiling and fitting an autoencoder: one log line per epoch, seeded.

Introduced in notebooks/02_conv_autoencoder.ipynb.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from course_utils import defaults
from course_utils.data import Dataset
from course_utils.language import as_lang, translated
from course_utils.noise import add_noise, as_noise_factor, noisy_batches
from course_utils.validation import as_whole_number


def compile_autoencoder(model: keras.Model, *, learning_rate: float = defaults.LEARNING_RATE,
                        **options) -> keras.Model:
    """Compile ``model`` as the lesson does: Adam, sigmoid cross-entropy from the logits.

    Parameters
    ----------
    model : keras.Model
        An autoencoder that outputs logits.
    learning_rate : float
        Adam's learning rate; the lesson uses 1e-3.
    **options
        Passed on to ``model.compile``, e.g. ``jit_compile=True`` (the benchmarks use it).

    Returns
    -------
    keras.Model
        The same model, compiled.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        **options,
    )
    return model


def train_autoencoder(
    model: keras.Model,
    dataset: Dataset,
    *,
    epochs: int,
    batch_size: int = defaults.BATCH_SIZE,
    noise_factor: float = 0.0,
    seed: int = defaults.SEED,
    verbose: bool = True,
    lang: str = "both",
    validate: bool = True,
    steps_per_epoch: int | None = None,
    initial_epoch: int = 0,
    callbacks: list | tuple = (),
) -> keras.callbacks.History:
    """Fit ``model`` to reconstruct clean training images, validating on the test split.

    Parameters
    ----------
    model : keras.Model
        From :func:`course_utils.build_conv_autoencoder`; compiled here if it
        is not compiled yet.
    dataset : Dataset
        From :func:`course_utils.load_dataset`.
    epochs : int
        Passes over the training images.
    batch_size : int
        Images per gradient step. The course uses 32 on a CPU: each epoch then
        takes 125 steps on 4,000 images instead of 20 at the lesson's 200, in
        about the same time. Steps, not epochs, decide how far training gets.
    noise_factor : float
        0 trains a plain autoencoder. Above 0, inputs get fresh Gaussian noise
        every epoch and the clean images are the targets; the test inputs get
        one fixed noisy copy (:func:`course_utils.defaults.validation_noise_seed`)
        so validation losses are comparable.
    seed : int
        Seeds shuffling and noise: the same seed repeats the run on the same machine.
    verbose : bool
        Print one line per epoch.
    lang : {"zh", "en", "both"}
        Language of those lines.
    validate : bool
        Compute ``val_loss`` on the test split after every epoch.
    steps_per_epoch : int, optional
        Make an "epoch" this many steps of an endless stream of batches instead
        of one pass over the images (``make models`` counts in steps).
    initial_epoch : int
        Resume a run at this epoch; the batches are then seeded with
        ``seed + initial_epoch`` so a resumed run does not replay its start.
    callbacks : sequence of keras.callbacks.Callback
        More callbacks, such as a learning-rate schedule or a checkpoint.

    Returns
    -------
    keras.callbacks.History
        ``history.history["loss"]`` and ``["val_loss"]`` hold one value per epoch.

    Raises
    ------
    ValueError
        If ``epochs`` or ``batch_size`` is not a whole number >= 1, or
        ``noise_factor`` is negative.
    """
    as_whole_number("epochs", epochs)
    as_whole_number("batch_size", batch_size)
    noise_factor = as_noise_factor(noise_factor)
    as_lang(lang)
    keras.utils.set_random_seed(seed)
    if not getattr(model, "compiled", False):
        compile_autoencoder(model)
    batches = noisy_batches(dataset.x_train, noise_factor, batch_size=batch_size,
                            seed=seed + initial_epoch)
    if steps_per_epoch is not None:
        as_whole_number("steps_per_epoch", steps_per_epoch)
        batches = batches.repeat()
    validation = (validation_inputs(dataset, noise_factor, seed=seed), dataset.x_test)
    return model.fit(
        batches,
        epochs=epochs,
        initial_epoch=initial_epoch,
        steps_per_epoch=steps_per_epoch,
        validation_data=validation if validate else None,
        validation_batch_size=256,
        shuffle=False,  # the pipeline shuffles, seeded
        verbose=0,
        callbacks=([EpochLog(epochs, lang=lang)] if verbose else []) + list(callbacks),
    )


def measure_speed(model: keras.Model, images: np.ndarray, *, batch_size: int, steps: int = 60,
                  seed: int = defaults.SEED) -> dict[str, float]:
    """Time ``steps`` training steps of ``model`` at ``batch_size``, after a warm-up.

    Introduced in notebooks/02_conv_autoencoder.ipynb (why batch size 32).

    Parameters
    ----------
    model : keras.Model
        A fresh autoencoder; it is trained (and changed) by the measurement.
    images : float array of shape (N, 28, 28, 1)
        Training images; batches are drawn from them endlessly.
    batch_size : int
        Images per gradient step.
    steps : int
        Steps to time.
    seed : int
        Seeds the batches.

    Returns
    -------
    dict
        ``"steps_per_second"`` and ``"images_per_second"``.

    Raises
    ------
    ValueError
        If ``batch_size`` or ``steps`` is not a whole number >= 1.
    """
    as_whole_number("steps", steps)
    timing = Dataset("timing", images, np.zeros(len(images), np.int64), images[:1],
                     np.zeros(1, np.int64), "images for timing")
    options = dict(epochs=1, batch_size=batch_size, seed=seed, validate=False, verbose=False)
    train_autoencoder(model, timing, steps_per_epoch=5, **options)  # traces the step function
    start = time.perf_counter()
    train_autoencoder(model, timing, steps_per_epoch=steps, **options)
    seconds = time.perf_counter() - start
    return {"steps_per_second": steps / seconds, "images_per_second": steps * batch_size / seconds}


def validation_inputs(dataset: Dataset, noise_factor: float, *, seed: int) -> np.ndarray:
    """The test images as the model sees them: clean, or with the one fixed noisy copy.

    Parameters
    ----------
    dataset : Dataset
        From :func:`course_utils.load_dataset`; its ``x_test`` images are used.
    noise_factor : float
        0 for a plain autoencoder; otherwise the noise's standard deviation.
    seed : int
        The run's seed; the noise uses
        :func:`course_utils.defaults.validation_noise_seed` of it, so it
        differs from the training noise and is the same in every run.

    Returns
    -------
    float32 array of shape (N, 28, 28, 1)
        Values in [0, 1]; ``dataset.x_test`` itself when ``noise_factor`` is 0.

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative or not a finite number.
    """
    if noise_factor == 0:
        return dataset.x_test
    return add_noise(dataset.x_test, noise_factor, seed=defaults.validation_noise_seed(seed))


class EpochLog(keras.callbacks.Callback):
    """Prints one concise line per epoch instead of a progress bar per batch."""

    def __init__(self, epochs: int, *, lang: str = "both"):
        super().__init__()
        self.epochs, self.lang = epochs, lang
        self.width = len(str(epochs))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        seconds = time.perf_counter() - self.epoch_start
        number = f"{epoch + 1:>{self.width}}/{self.epochs}"
        loss, val_loss = logs.get("loss", np.nan), logs.get("val_loss", np.nan)
        print(translated("epoch {number}  loss {loss:.4f}  val_loss {val_loss:.4f}  {seconds:.1f} s", self.lang,
                         joiner="  |  ", number=number, loss=loss, val_loss=val_loss, seconds=seconds), flush=True)
