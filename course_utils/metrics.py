"""Measuring reconstructions: BCE, MSE, PSNR and SSIM over a split.

PSNR and SSIM come from ``tf.image``. Introduced in
notebooks/03_denoising_autoencoder.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np

from course_utils.models import check_images, sigmoid

MAX_VALUE = 1.0  # images live in [0, 1]


def psnr(images_true: np.ndarray, images_test: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio of each image pair, in dB (inf where identical)."""
    import tensorflow as tf

    images_true, images_test = _check_pair(images_true, images_test)
    return tf.image.psnr(images_true, images_test, max_val=MAX_VALUE).numpy()


def ssim(images_true: np.ndarray, images_test: np.ndarray) -> np.ndarray:
    """Structural similarity of each image pair (11×11 Gaussian window, 1.0 where identical)."""
    import tensorflow as tf

    images_true, images_test = _check_pair(images_true, images_test)
    return tf.image.ssim(images_true, images_test, max_val=MAX_VALUE).numpy()


def mean_mse(images_true: np.ndarray, images_test: np.ndarray) -> float:
    """Mean squared error over every pixel of the split."""
    images_true, images_test = _check_pair(images_true, images_test)
    return float(np.mean((images_true.astype(np.float64) - images_test) ** 2))


def mean_bce(images_true: np.ndarray, logits: np.ndarray) -> float:
    """Mean binary cross-entropy of the targets against the model's logits."""
    images_true, logits = _check_pair(images_true, logits)
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
    """
    inputs = check_images(inputs, name="inputs")
    targets = check_images(targets, name="targets")
    logits = model.predict(inputs, batch_size=batch_size, verbose=0)
    return {"bce": mean_bce(targets, logits), **image_scores(targets, sigmoid(logits))}


def image_scores(images_true: np.ndarray, images_test: np.ndarray) -> dict[str, float]:
    """Mean MSE, PSNR (dB) and SSIM of ``images_test`` against ``images_true``.

    Scoring the noisy inputs themselves gives the baseline a denoiser must beat.
    """
    return {
        "mse": mean_mse(images_true, images_test),
        "psnr": float(np.mean(psnr(images_true, images_test))),
        "ssim": float(np.mean(ssim(images_true, images_test))),
    }


def checkerboard_score(images: np.ndarray) -> float:
    """Share of the images' spectral energy at the stride-2 frequency, in percent.

    A period-2 pattern (a checkerboard, or stripes) puts its energy in the
    middle row and column of the 2-D Fourier spectrum (frequency 1/2 per
    pixel). Smooth images have little there. The mean of each image is removed
    first, so the score ignores overall brightness.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4 or images.shape[1] % 2 or images.shape[2] % 2:
        raise ValueError(f"Expected images (N, H, W, C) with even H and W; got {images.shape}.")
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(centred, axes=(1, 2))) ** 2
    half_h, half_w = images.shape[1] // 2, images.shape[2] // 2
    at_stride = power[:, half_h, :].sum() + power[:, :, half_w].sum() - power[:, half_h, half_w].sum()
    return float(100 * at_stride / power.sum())


def _check_pair(images_true, images_test) -> tuple[np.ndarray, np.ndarray]:
    images_true = np.asarray(images_true, dtype=np.float32)
    images_test = np.asarray(images_test, dtype=np.float32)
    if images_true.shape != images_test.shape:
        raise ValueError(
            f"Input images must have the same dimensions; got {images_true.shape} "
            f"and {images_test.shape}."
        )
    if images_true.ndim != 4:
        raise ValueError(
            f"Expected image batches of shape (N, height, width, channels); got "
            f"{images_true.shape}."
        )
    return images_true, images_test
