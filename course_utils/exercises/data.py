"""The exercises of notebooks/01_data.ipynb: counting labels, the brightest digit, a noisy PSNR.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

from course_utils.exercises.checks import check_choice, check_value
from course_utils.language import N_, say


def check_digit_count(answer, dataset, digit: int, *, lang: str = "both") -> bool:
    """Exercise (notebook 01): how many training images show ``digit``?

    Parameters
    ----------
    answer : int or None
        The student's count.
    dataset : Dataset
        From :func:`course_utils.load_dataset`; its ``y_train`` labels are counted.
    digit : int
        The digit, 0 to 9.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when the count is exact.
    """
    import numpy as np

    return check_value(answer, int(np.sum(dataset.y_train == digit)), lang=lang, hint=N_(
        "Every training image has exactly one label: count labels, not the images drawn above."))


def check_most_ink(answer, dataset, digits=range(10), *, lang: str = "both") -> bool:
    """Exercise (notebook 01): which of ``digits`` has training images of the highest mean pixel value?

    Parameters
    ----------
    answer : int or None
        The student's digit, 0 to 9.
    dataset : Dataset
        From :func:`course_utils.load_dataset`; its training images are used.
    digits : iterable of int
        The digits to compare (the notebook's ``ink_digits``): all ten by default.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` is that digit. A wrong answer's feedback gives the
        mean of the digit chosen, never the right digit.

    Raises
    ------
    ValueError
        If ``digits`` is empty or holds something other than the digits 0 to 9.
    """
    candidates = sorted({int(digit) for digit in digits})
    if not candidates or not set(candidates) <= set(range(10)):
        raise ValueError(f"digits must be some of the digits 0 to 9, got {list(digits)!r}.")
    means = {digit: float(dataset.x_train[dataset.y_train == digit].mean()) for digit in candidates}
    best = max(means, key=means.get)
    if answer is not None and answer not in means:
        say("Not yet: answer with one of the digits {digits}.", lang, digits=", ".join(map(str, candidates)))
        return False
    if answer is not None and answer != best:
        say("Not yet: the training images of {answer} average {mean:.4f}, and another digit's are brighter. "
            "Ink is the mean pixel value over a digit's images, not how many images it has.",
            lang, answer=answer, mean=means[answer])
        return False
    return check_choice(answer, {best}, lang=lang)


def check_noisy_psnr(answer, dataset, noise_factor: float, *, seed: int, lang: str = "both") -> bool:
    """Exercise (notebook 01): mean PSNR of the test images with seeded noise.

    Parameters
    ----------
    answer : float or None
        The student's mean PSNR, in dB.
    dataset : Dataset
        From :func:`course_utils.load_dataset`; its ``x_test`` images are used.
    noise_factor : float
        Standard deviation of the noise.
    seed : int
        Seed of the noise, as the student passed it to ``add_noise``.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` is within 0.0005 dB of the course's value: computed, not
        typed in (graded with another seed, the value moves by about 0.001 dB).

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative.
    """
    from course_utils.metrics import psnr
    from course_utils.noise import add_noise

    expected = float(psnr(dataset.x_test, add_noise(dataset.x_test, noise_factor, seed=seed)).mean())
    return check_value(answer, expected, tolerance=0.0005, lang=lang, hint=N_(
        "PSNR compares each noisy test image with its own original, 10·log10(1/MSE), then "
        "averages over the test images; draw the noise with the same seed as the table."))
