"""The exercises of notebooks/03_denoising_autoencoder.ipynb: clipped noise, and the best denoiser.

Introduced in notebooks/03_denoising_autoencoder.ipynb.
"""

from __future__ import annotations

from course_utils.exercises.checks import check_choice, check_value
from course_utils.language import N_


def check_clipped_background_mean(answer, dataset, noise_factor: float, *, seed: int,
                                  lang: str = "both") -> bool:
    """Exercise (notebook 03): the mean of black background pixels after noise and clipping.

    Parameters
    ----------
    answer : float or None
        The student's mean, in pixel values (0 to 1).
    dataset : Dataset
        From :func:`course_utils.load_dataset`; pixels that are 0 in its test images are used.
    noise_factor : float
        Standard deviation of the noise.
    seed : int
        Seed of the noise (the notebook's validation-noise seed).
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True within 0.002 of the measured mean, which also accepts the exact
        value ``noise_factor / sqrt(2π)``.

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative.
    """
    from course_utils.noise import add_noise

    noisy = add_noise(dataset.x_test, noise_factor, seed=seed)
    expected = float(noisy[dataset.x_test == 0].mean())
    return check_value(answer, expected, tolerance=0.002, lang=lang, hint=N_(
        "Clipping turns every negative noisy value into 0 but keeps the positive ones, so a "
        "background pixel no longer averages 0."))


def check_unclipped_psnr(answer, dataset, noise_factor: float, *, seed: int,
                         lang: str = "both") -> bool:
    """Exercise (notebook 03): the noisy input's mean PSNR if the noise were not clipped.

    Parameters
    ----------
    answer : float or None
        The student's mean PSNR, in dB.
    dataset, noise_factor, seed, lang
        As in :func:`check_clipped_background_mean`; all the test images are used.

    Returns
    -------
    bool
        True within 0.05 dB of the measured mean, which also accepts the
        prediction ``10·log10(1 / noise_factor²)``.

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative.
    """
    from course_utils.metrics import psnr
    from course_utils.noise import add_noise

    unclipped = add_noise(dataset.x_test, noise_factor, seed=seed, clip=False)
    expected = float(psnr(dataset.x_test, unclipped).mean())
    return check_value(answer, expected, tolerance=0.05, lang=lang, hint=N_(
        "Without clipping, each pixel's error is the noise itself: the mean squared error is "
        "about the noise's standard deviation squared."))


def check_best_method(answer: str, sweep: dict[str, list[float]], factors, factor: float,
                      *, lang: str = "both") -> bool:
    """Exercise (notebook 03): which method has the highest PSNR at ``factor``?

    Parameters
    ----------
    answer : str or None
        The student's choice: a method name that is a key of ``sweep``.
    sweep : dict
        Method name → mean PSNR (dB) per factor, from
        :func:`course_utils.baselines.noise_sweep`.
    factors : sequence of float
        The factors the sweep used.
    factor : float
        The factor asked about; must be one of ``factors``.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` names the best method at ``factor``.

    Raises
    ------
    ValueError
        If ``factor`` is not in ``factors``.
    """
    column = list(factors).index(factor)
    best = max(sweep, key=lambda name: sweep[name][column])
    return check_choice(answer, {best}, lang=lang)
