"""Classical denoisers to compare the denoising autoencoder with.

Each method's setting is chosen on training images, never on the test set.
Introduced in notebooks/03_denoising_autoencoder.ipynb (the report card).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage
from skimage.restoration import denoise_nl_means

from course_utils import defaults
from course_utils.language import N_, as_lang, translated
from course_utils.metrics import image_scores, psnr
from course_utils.noise import add_noise
from course_utils.validation import as_images


def median_filter(images: np.ndarray, size: int = 3) -> np.ndarray:
    """A ``size``×``size`` median filter on each image.

    Parameters
    ----------
    images : float array of shape (N, 28, 28, 1)
        Noisy images, values in [0, 1].
    size : int
        Side of the square window in pixels; odd sizes centre it on the pixel.

    Returns
    -------
    float32 array of shape (N, 28, 28, 1)
        Each pixel replaced by the median of its window, so still in [0, 1].

    Raises
    ------
    ValueError
        If ``images`` are not floats of shape (N, 28, 28, 1).
    """
    return ndimage.median_filter(as_images(images), size=(1, size, size, 1))


def gaussian_blur(images: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """A Gaussian blur with standard deviation ``sigma`` pixels on each image.

    Parameters
    ----------
    images : float array of shape (N, 28, 28, 1)
        Noisy images, values in [0, 1].
    sigma : float
        Standard deviation of the blur, in pixels. Larger removes more noise
        and more of the strokes' edges.

    Returns
    -------
    float32 array of shape (N, 28, 28, 1)
        Values in [0, 1]. Images are not mixed with one another.

    Raises
    ------
    ValueError
        If ``images`` are not floats of shape (N, 28, 28, 1).
    """
    return ndimage.gaussian_filter(as_images(images), sigma=(0, sigma, sigma, 0))


def nl_means(images: np.ndarray, h: float = 0.3) -> np.ndarray:
    """Non-local means (scikit-image) with filter strength ``h``, 3×3 patches.

    Each pixel becomes a weighted mean of pixels whose surrounding 3×3 patch
    looks alike, searched within 5 pixels (an 11×11 area).

    Parameters
    ----------
    images : float array of shape (N, 28, 28, 1)
        Noisy images, values in [0, 1].
    h : float
        Filter strength, in pixel values: patches that differ by much more
        than ``h`` barely count. Larger smooths more.

    Returns
    -------
    float32 array of shape (N, 28, 28, 1)
        Values clipped to [0, 1].

    Raises
    ------
    ValueError
        If ``images`` are not floats of shape (N, 28, 28, 1).
    """
    images = as_images(images)
    out = [denoise_nl_means(image[..., 0], h=h, patch_size=3, patch_distance=5, fast_mode=True)
           for image in images]
    return np.clip(np.stack(out)[..., np.newaxis], 0, 1).astype(np.float32)


# name: (function, its setting's name, the values tried on training images)
CLASSICAL_DENOISERS: dict[str, tuple[Callable, str, tuple]] = {
    "median 3×3": (median_filter, "size", (3,)),
    "gaussian blur": (gaussian_blur, "sigma", (0.5, 0.75, 1.0, 1.25, 1.5)),
    "non-local means": (nl_means, "h", (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)),
}


def tune_on_training(
    clean_train: np.ndarray, noise_factor: float, *, seed: int = 0, n: int = 200
) -> dict[str, dict]:
    """Pick each classical method's setting by mean PSNR on ``n`` noisy training images.

    Parameters
    ----------
    clean_train : float array of shape (N, 28, 28, 1)
        Clean training images, values in [0, 1]; the first ``n`` are used.
    noise_factor : float
        Standard deviation of the noise the methods must remove.
    seed : int
        Seeds the noise added to the training images.
    n : int
        How many training images to tune on.

    Returns
    -------
    dict
        Method name → its chosen setting as keyword arguments, such as
        ``{"gaussian blur": {"sigma": 1.0}, ...}``; pass it to
        :func:`denoise_classically`.

    Raises
    ------
    ValueError
        If ``clean_train`` are not floats of shape (N, 28, 28, 1) or
        ``noise_factor`` is negative.
    """
    clean = as_images(clean_train)[:n]
    noisy = add_noise(clean, noise_factor, seed=seed)
    chosen = {}
    for name, (method, setting, values) in CLASSICAL_DENOISERS.items():
        scores = [psnr(clean, method(noisy, **{setting: value})).mean() for value in values]
        chosen[name] = {setting: values[int(np.argmax(scores))]}
    return chosen


def denoise_classically(images: np.ndarray, settings: dict[str, dict]) -> dict[str, np.ndarray]:
    """Run every classical method with its chosen setting; name → denoised images.

    Parameters
    ----------
    images : float array of shape (N, 28, 28, 1)
        Noisy images, values in [0, 1].
    settings : dict
        Method name → keyword arguments, as :func:`tune_on_training` returns.

    Returns
    -------
    dict
        Method name → float32 array of shape (N, 28, 28, 1), values in [0, 1].

    Raises
    ------
    ValueError
        If ``images`` are not floats of shape (N, 28, 28, 1).
    """
    return {name: CLASSICAL_DENOISERS[name][0](images, **kwargs)
            for name, kwargs in settings.items()}


def report_card(clean: np.ndarray, outputs: dict[str, np.ndarray]) -> dict[str, dict]:
    """Mean MSE, PSNR and SSIM of each method's output against the clean images.

    Parameters
    ----------
    clean : float array of shape (N, 28, 28, 1)
        The clean test images, values in [0, 1].
    outputs : dict
        Method name → its images, same shape as ``clean``; include
        "noisy input" to show the baseline to beat.

    Returns
    -------
    dict
        Method name → ``{"mse": ..., "psnr": ..., "ssim": ...}`` as
        :func:`course_utils.metrics.image_scores` gives; draw it with
        :func:`course_utils.plotting.plot_report_card`.

    Raises
    ------
    ValueError
        If an output's shape differs from that of ``clean``, or is not 4-D.
    """
    return {name: image_scores(clean, images) for name, images in outputs.items()}


def noise_sweep(
    clean_train: np.ndarray,
    clean_test: np.ndarray,
    factors,
    *,
    learned: dict[str, Callable[[np.ndarray], np.ndarray]] | None = None,
    seed: int = defaults.SEED,
) -> dict[str, list[float]]:
    """Mean test PSNR of every method at each noise factor.

    Parameters
    ----------
    clean_train, clean_test : float arrays (N, 28, 28, 1)
        Classical settings are re-chosen on ``clean_train`` at each factor.
    factors : sequence of float
        Noise factors to try, such as [0.1, 0.2, ..., 0.7].
    learned : dict of name → function, optional
        Learned denoisers (for example autoencoders trained at 0.5), used as
        they are: this shows how they cope with noise levels they never saw.
    seed : int
        The test noise uses :func:`course_utils.defaults.validation_noise_seed`.

    Returns
    -------
    dict of method name → list of mean PSNR (dB), one per factor
        Includes "noisy input"; draw it with
        :func:`course_utils.plotting.plot_noise_sweep`.

    Raises
    ------
    ValueError
        If the images are not floats of shape (N, 28, 28, 1) or a factor is
        negative.
    """
    sweep: dict[str, list[float]] = {"noisy input": []}
    for factor in factors:
        noisy = add_noise(clean_test, factor, seed=defaults.validation_noise_seed(seed))
        outputs = {"noisy input": noisy}
        outputs.update(denoise_classically(noisy, tune_on_training(clean_train, factor, seed=seed)))
        for name, denoise in (learned or {}).items():
            outputs[name] = denoise(noisy)
        for name, images in outputs.items():
            sweep.setdefault(name, []).append(float(psnr(clean_test, images).mean()))
    return sweep


# How the report card and the sweep show each method's key (translated where shown).
METHOD_NAMES = {
    "noisy input": N_("noisy input"),
    "median 3×3": N_("median 3×3"),
    "gaussian blur": N_("Gaussian blur"),
    "non-local means": N_("non-local means"),
    "autoencoder": N_("autoencoder (your run)"),
    "autoencoder (fully trained)": N_("autoencoder (fully trained)"),
}


def method_name(key: str, lang: str) -> str:
    """The display name of a report-card key in ``lang``; unknown keys are shown as they are.

    Parameters
    ----------
    key : str
        A method's key, such as "gaussian blur".
    lang : {"zh", "en", "both"}

    Returns
    -------
    str

    Examples
    --------
    >>> method_name("gaussian blur", "en")
    'Gaussian blur'
    >>> method_name("my denoiser", "zh")
    'my denoiser'
    """
    if key not in METHOD_NAMES:
        return as_lang(lang) and key
    return translated(METHOD_NAMES[key], lang)
