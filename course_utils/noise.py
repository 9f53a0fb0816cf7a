"""Corrupting images with Gaussian noise for the denoising task.

Introduced in notebooks/01_data.ipynb and used in notebooks/03_denoising_autoencoder.ipynb.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils.language import error_text
from course_utils.validation import as_whole_number


def as_noise_factor(noise_factor: float) -> float:
    """Return ``noise_factor`` as a float, or raise if it is negative or not finite.

    Parameters
    ----------
    noise_factor : float
        Standard deviation of the Gaussian noise; 0 means no noise.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``noise_factor`` is not a number, is negative, inf or NaN.

    Examples
    --------
    >>> as_noise_factor(0.5)
    0.5
    """
    try:
        value = float(noise_factor)
    except (TypeError, ValueError):
        raise ValueError(error_text("noise_factor must be a number; got {value!r}.", value=noise_factor)) from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(error_text("noise_factor must be a finite number >= 0 (the lesson uses 0.5); got {value!r}.",
                                    value=noise_factor))
    return value


def add_noise(
    images: np.ndarray, noise_factor: float = 0.5, *, seed: int | None = None, clip: bool = True
) -> np.ndarray:
    """Add Gaussian noise scaled by ``noise_factor`` and clip to [0, 1].

    Parameters
    ----------
    images : float array, usually of shape (N, 28, 28, 1)
        Values in [0, 1]. Left unchanged; a new array is returned.
    noise_factor : float
        Standard deviation of the noise. The original lesson uses 0.5.
    seed : int, optional
        The same seed gives the same noise. None draws fresh noise.
    clip : bool
        Clip to [0, 1], as the lesson does. False keeps the raw sums (notebook
        03 measures what clipping changes).

    Returns
    -------
    noisy : float32 array with the shape of ``images``
        Values in [0, 1] when ``clip`` is True.

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative or not a finite number.

    Examples
    --------
    >>> clean = np.zeros((2, 28, 28, 1), dtype=np.float32)
    >>> noisy = add_noise(clean, 0.5, seed=0)
    >>> noisy.shape, noisy.dtype
    ((2, 28, 28, 1), dtype('float32'))
    >>> bool(noisy.min() >= 0 and noisy.max() <= 1)
    True
    """
    noise_factor = as_noise_factor(noise_factor)
    images = np.asarray(images, dtype=np.float32)
    rng = np.random.default_rng(seed)
    noisy = images + noise_factor * rng.standard_normal(images.shape, dtype=np.float32)
    return np.clip(noisy, 0.0, 1.0) if clip else noisy


def noisy_batches(
    images: np.ndarray,
    noise_factor: float,
    *,
    batch_size: int,
    seed: int,
):
    """A ``tf.data`` pipeline of (noisy, clean) batches with fresh noise each epoch.

    The original lesson drew new noise for every batch; drawing it inside the
    pipeline does the same, so the network never sees one fixed noisy copy.
    The pipeline is seeded: the same seed repeats the same sequence of epochs.

    Parameters
    ----------
    images : float array of shape (N, 28, 28, 1)
        The clean training images, values in [0, 1].
    noise_factor : float
        Standard deviation of the noise; 0 gives (clean, clean) pairs for a
        plain autoencoder.
    batch_size : int
        Images per batch; the last batch of an epoch may be smaller.
    seed : int
        Seeds the shuffling and the noise.

    Returns
    -------
    tf.data.Dataset
        Yields ``(noisy, clean)`` pairs of float32 tensors of shape
        (batch_size, 28, 28, 1), noisy values clipped to [0, 1]; pass it to
        ``model.fit``. The images are reshuffled every epoch.

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative or not a finite number, or
        ``batch_size`` is not a positive whole number.

    Examples
    --------
    >>> batches = noisy_batches(dataset.x_train, 0.5, batch_size=32, seed=0)  # doctest: +SKIP
    >>> noisy, clean = next(iter(batches))  # doctest: +SKIP
    >>> noisy.shape  # doctest: +SKIP
    TensorShape([32, 28, 28, 1])
    """
    import tensorflow as tf

    noise_factor = as_noise_factor(noise_factor)
    batch_size = as_whole_number("batch_size", batch_size)
    # On a 2-core laptop, tf.data's autotuned threads compete with training for
    # the cores; one private thread measured faster and steadier (benchmarks/).
    options = tf.data.Options()
    options.autotune.enabled = False
    options.threading.private_threadpool_size = 1
    clean = tf.data.Dataset.from_tensor_slices(np.asarray(images, dtype=np.float32))
    clean = clean.with_options(options)
    clean = clean.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    if noise_factor == 0:
        pairs = clean.batch(batch_size).map(lambda batch: (batch, batch))
        return pairs.prefetch(tf.data.AUTOTUNE)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def corrupt(batch, pair):
        noise = tf.random.stateless_normal(tf.shape(batch), seed=pair)
        noisy = tf.clip_by_value(batch + noise_factor * noise, 0.0, 1.0)
        return noisy, batch

    pairs = tf.data.Dataset.zip(clean.batch(batch_size), seeds).map(
        corrupt, num_parallel_calls=tf.data.AUTOTUNE
    )
    return pairs.prefetch(tf.data.AUTOTUNE)
