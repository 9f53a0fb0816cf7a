"""Measuring reconstructions: BCE, MSE, PSNR and SSIM over a split.

PSNR and SSIM come from ``tf.image``. Introduced in
notebooks/03_denoising_autoencoder.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np

from course_utils.models import sigmoid
from course_utils.validation import as_image_pair, as_images

MAX_VALUE = 1.0  # images live in [0, 1]
SSIM_WINDOW = 11  # tf.image.ssim's default Gaussian window side


def psnr(images_true: np.ndarray, images_test: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio of each image pair, in dB (inf where identical).

    Parameters
    ----------
    images_true : float array of shape (N, H, W, C)
        The reference images, values in [0, 1]; (N, 28, 28, 1) for MNIST.
    images_test : float array of the same shape
        The images to score: reconstructions, denoised or noisy images.

    Returns
    -------
    float32 array of shape (N,)
        One PSNR per image, in dB; higher is better.

    Raises
    ------
    ValueError
        If the two batches differ in shape or are not 4-D (N, H, W, C).

    Notes
    -----
    PSNR = 10·log10(MAX² / MSE), with MAX = 1 for images in [0, 1] and MSE the
    mean squared error of one image. Computed by ``tf.image.psnr``.
    The mean of these values over a split is not 10·log10(1 / mean MSE):
    averaging in dB weighs the well-reconstructed images more.

    Examples
    --------
    An error of 0.1 on every pixel: MSE = 0.01, so PSNR = 10·log10(1 / 0.01) = 20 dB.

    >>> clean = np.zeros((1, 28, 28, 1), dtype=np.float32)
    >>> np.round(psnr(clean, clean + 0.1), 2)  # doctest: +SKIP
    array([20.], dtype=float32)
    """
    import tensorflow as tf

    images_true, images_test = as_image_pair(images_true, images_test)
    return tf.image.psnr(images_true, images_test, max_val=MAX_VALUE).numpy()


def ssim(images_true: np.ndarray, images_test: np.ndarray) -> np.ndarray:
    """Structural similarity of each image pair (11×11 Gaussian window, 1.0 where identical).

    Parameters
    ----------
    images_true : float array of shape (N, H, W, C)
        The reference images, values in [0, 1]; H and W at least 11.
    images_test : float array of the same shape
        The images to score.

    Returns
    -------
    float32 array of shape (N,)
        One SSIM per image, at most 1; higher is better.

    Raises
    ------
    ValueError
        If the two batches differ in shape or are not 4-D (N, H, W, C), or if
        the images are smaller than the 11×11 window.

    Notes
    -----
    Computed by ``tf.image.ssim`` with an 11×11 Gaussian window of sigma 1.5
    and MAX = 1. SSIM compares local means, contrasts and correlations, so it
    follows what the eye notices (blur, lost strokes) better than PSNR.

    References
    ----------
    Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image quality
    assessment: from error visibility to structural similarity", IEEE
    Transactions on Image Processing 13(4), 2004.

    Examples
    --------
    >>> clean = np.zeros((1, 28, 28, 1), dtype=np.float32)
    >>> ssim(clean, clean)  # doctest: +SKIP
    array([1.], dtype=float32)
    """
    import tensorflow as tf

    images_true, images_test = as_image_pair(images_true, images_test)
    height, width = images_true.shape[1:3]
    if min(height, width) < SSIM_WINDOW:
        raise ValueError(f"SSIM's {SSIM_WINDOW}×{SSIM_WINDOW} window needs images of at least "
                         f"{SSIM_WINDOW}×{SSIM_WINDOW} pixels; got {height}×{width}. "
                         "Compare the 28×28 images themselves, not crops.")
    return tf.image.ssim(images_true, images_test, max_val=MAX_VALUE).numpy()


def mean_mse(images_true: np.ndarray, images_test: np.ndarray) -> float:
    """Mean squared error over every pixel of the split.

    Parameters
    ----------
    images_true : float array of shape (N, H, W, C)
        The reference images, values in [0, 1].
    images_test : float array of the same shape
        The images to score.

    Returns
    -------
    float
        The mean of (true − test)² over all images and pixels; 0 is perfect.

    Raises
    ------
    ValueError
        If the two batches differ in shape or are not 4-D (N, H, W, C).

    Examples
    --------
    >>> clean = np.zeros((2, 28, 28, 1))
    >>> mean_mse(clean, clean + 0.5)
    0.25
    """
    images_true, images_test = as_image_pair(images_true, images_test)
    return float(np.mean((images_true.astype(np.float64) - images_test) ** 2))


def mean_bce(images_true: np.ndarray, logits: np.ndarray) -> float:
    """Mean binary cross-entropy of the targets against the model's logits.

    This is the loss the autoencoders are trained on (``keras.losses``, from
    logits), so it matches Keras' ``val_loss``.

    Parameters
    ----------
    images_true : float array of shape (N, H, W, C)
        The targets, values in [0, 1].
    logits : float array of the same shape
        The model's raw outputs, before the sigmoid.

    Returns
    -------
    float
        The mean over all images and pixels, in nats (natural log); lower is
        better. It stays above 0 even for a perfect model when targets are grey.

    Raises
    ------
    ValueError
        If the two batches differ in shape or are not 4-D (N, H, W, C).
    """
    images_true, logits = as_image_pair(images_true, logits)
    loss = keras.losses.binary_crossentropy(images_true, logits, from_logits=True)
    return float(np.mean(keras.ops.convert_to_numpy(loss)))


def evaluate(
    model: keras.Model,
    inputs: np.ndarray,
    targets: np.ndarray,
    *,
    batch_size: int = 200,
) -> dict[str, float]:
    """Mean BCE, MSE, PSNR (dB) and SSIM of ``model(inputs)`` against ``targets``.

    For a plain autoencoder the inputs are the targets; for the denoiser the
    inputs are the noisy images and the targets the clean ones.

    Parameters
    ----------
    model : keras.Model
        An autoencoder that outputs logits, such as one from
        :func:`course_utils.build_conv_autoencoder`.
    inputs : float array of shape (N, 28, 28, 1)
        What the model sees, values in [0, 1].
    targets : float array of shape (N, 28, 28, 1)
        What it should reconstruct, values in [0, 1].
    batch_size : int
        Images per forward pass; only memory and speed depend on it.

    Returns
    -------
    dict
        ``{"bce": ..., "mse": ..., "psnr": ..., "ssim": ...}``, each a float
        averaged over the N images; PSNR in dB.

    Raises
    ------
    ValueError
        If ``inputs`` or ``targets`` are not floats of shape (N, 28, 28, 1), or
        their shapes differ.

    Examples
    --------
    >>> scores = evaluate(model, dataset.x_test, dataset.x_test)  # doctest: +SKIP
    >>> sorted(scores)  # doctest: +SKIP
    ['bce', 'mse', 'psnr', 'ssim']
    """
    inputs = as_images(inputs, name="inputs")
    targets = as_images(targets, name="targets")
    logits = model.predict(inputs, batch_size=batch_size, verbose=0)
    return {"bce": mean_bce(targets, logits), **image_scores(targets, sigmoid(logits))}


def image_scores(images_true: np.ndarray, images_test: np.ndarray) -> dict[str, float]:
    """Mean MSE, PSNR (dB) and SSIM of ``images_test`` against ``images_true``.

    Scoring the noisy inputs themselves gives the baseline a denoiser must beat.

    Parameters
    ----------
    images_true : float array of shape (N, 28, 28, 1)
        The clean reference images, values in [0, 1].
    images_test : float array of the same shape
        Reconstructions, denoised or noisy images, values in [0, 1].

    Returns
    -------
    dict
        ``{"mse": ..., "psnr": ..., "ssim": ...}``, each a float. PSNR (dB) and
        SSIM are the means of the per-image values of :func:`psnr` and :func:`ssim`.

    Raises
    ------
    ValueError
        If the two batches differ in shape or are not 4-D (N, H, W, C).
    """
    return {
        "mse": mean_mse(images_true, images_test),
        "psnr": float(np.mean(psnr(images_true, images_test))),
        "ssim": float(np.mean(ssim(images_true, images_test))),
    }


def checkerboard_score(images: np.ndarray, *, periods: tuple[int, ...] = (2, 4)) -> float:
    """How much the stride grid's frequencies stand out in the images' mean spectrum.

    A stride-2 transposed convolution whose kernel the stride does not divide
    repeats its pattern every 2 output pixels; the layer before it, seen at
    the output's size, every 4. Such patterns put power at the frequencies
    1/2 and 1/4 per pixel. The score is the mean power of the spectrum's rows
    and columns at those frequencies divided by the mean power of their
    neighbouring frequencies. Natural images have smooth spectra, so they
    score about 1 or below; a grid pattern makes its frequencies peak.

    Parameters
    ----------
    images : array (N, H, W, C)
        Square images whose side every period divides (28 for MNIST).
    periods : tuple of int
        Pattern periods in pixels: 2 for the last layer's checkerboard, 4 for
        the coarser grid of the layer before.

    Returns
    -------
    float
        1: the grid frequencies are as strong as their neighbours; 3: three
        times as strong. Each image's mean is removed first.

    Raises
    ------
    ValueError
        If the images are not square batches whose side every period divides.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4 or images.shape[1] != images.shape[2] or any(
            images.shape[1] % period for period in periods):
        raise ValueError(f"Expected square images (N, H, H, C) with H divisible by {periods}; "
                         f"got {images.shape}.")
    size = images.shape[1]
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(centred, axes=(1, 2))) ** 2).mean(axis=(0, 3))
    profile = power.sum(axis=0) + power.sum(axis=1)  # rows and columns, by frequency index
    grid = {size // period for period in periods}
    grid |= {size - k for k in grid}
    neighbours = {k + step for k in grid for step in (-1, 1)} - grid - {0, size}
    return float(profile[sorted(grid)].mean() / profile[sorted(neighbours)].mean())


def nearest_neighbour_digits(images: np.ndarray, reference_images: np.ndarray,
                             reference_labels: np.ndarray, *, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Read each image as a digit by a vote of its ``k`` nearest reference images.

    Introduced in notebooks/03_denoising_autoencoder.ipynb (does the denoiser invent digits?).
    Distances are Euclidean over all 784 pixels.

    Parameters
    ----------
    images : float array of shape (N, 28, 28, 1)
        The images to read.
    reference_images : float array of shape (M, 28, 28, 1)
        Labelled images, such as the training images.
    reference_labels : int array of shape (M,)
        Their digits.
    k : int
        How many neighbours vote.

    Returns
    -------
    digits : int array of shape (N,)
        The most common digit among each image's ``k`` neighbours.
    agreement : float array of shape (N,)
        The share of the ``k`` neighbours that voted for it (1.0: all agree).

    Raises
    ------
    ValueError
        If the images are not 4-D floats of one shape, or ``k`` is not between
        1 and M.
    """
    images, reference_images = as_images(images), as_images(reference_images)
    if not 0 < k <= len(reference_images):
        raise ValueError(f"k must be between 1 and the {len(reference_images)} reference images; got {k}.")
    flat, reference = images.reshape(len(images), -1), reference_images.reshape(len(reference_images), -1)
    distances = ((flat ** 2).sum(1)[:, None] + (reference ** 2).sum(1)[None, :]
                 - 2 * flat @ reference.T)
    nearest = np.argpartition(distances, k - 1, axis=1)[:, :k]
    votes = np.apply_along_axis(np.bincount, 1, np.asarray(reference_labels)[nearest], minlength=10)
    return votes.argmax(axis=1), votes.max(axis=1) / k
