"""Validating inputs at the public boundary, with errors that say what to do.

One validator per concept: image batches, pairs of image batches, whole numbers.
"""

from __future__ import annotations

import numpy as np

from course_utils.language import error_text

IMAGE_SHAPE = (28, 28, 1)


def as_images(images, *, name: str = "images") -> np.ndarray:
    """Return ``images`` as float32 if they are floats of shape (N, 28, 28, 1), else raise.

    Parameters
    ----------
    images : array-like
        A batch of images with values in [0, 1].
    name : str
        What to call them in the error message.

    Returns
    -------
    float32 array of shape (N, 28, 28, 1)
        The same images; no copy when they already are float32.

    Raises
    ------
    ValueError
        If the channel axis is missing, the shape is not (N, 28, 28, 1), or the
        values are not floats (raw 0–255 integers, say).

    Examples
    --------
    >>> as_images(np.zeros((2, 28, 28, 1))).dtype
    dtype('float32')
    >>> as_images(np.zeros((2, 28, 28)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: images have shape (2, 28, 28) without a channel axis; ...
    """
    images = np.asarray(images)
    if images.ndim == 3 and images.shape[1:] == IMAGE_SHAPE[:2]:
        raise ValueError(
            f"{name} have shape {images.shape} without a channel axis; expected "
            f"(N, 28, 28, 1). Add it with {name}[..., None]."
        )
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{name} have shape {images.shape}; expected (N, 28, 28, 1).")
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(
            f"{name} have dtype {images.dtype}; expected floats in [0, 1]. "
            "Convert with images.astype('float32') / 255."
        )
    return images.astype(np.float32, copy=False)


def as_image_pair(images_true, images_test) -> tuple[np.ndarray, np.ndarray]:
    """Return both batches as float32 if they have the same (N, H, W, C) shape, else raise.

    Any image size is allowed, so metrics also work on crops and other datasets.

    Parameters
    ----------
    images_true : array-like of shape (N, H, W, C)
        The reference images.
    images_test : array-like of the same shape
        The images compared with them.

    Returns
    -------
    images_true, images_test : float32 arrays of shape (N, H, W, C)

    Raises
    ------
    ValueError
        If the shapes differ, or the batches are not 4-D (a missing channel
        axis, say).
    """
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
            f"{images_true.shape}. Add a channel axis with images[..., None]."
        )
    return images_true, images_test


def as_whole_number(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is a whole number >= ``minimum``, else raise.

    Booleans and floats are refused: ``epochs=True`` or ``epochs=2.5`` is a mistake.

    Parameters
    ----------
    name : str
        The argument's name, for the error message, such as "epochs".
    value : int
        The value to check; numpy integers are accepted.
    minimum : int
        The smallest value allowed.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``value`` is a bool, not an integer, or below ``minimum``.

    Examples
    --------
    >>> as_whole_number("epochs", 3)
    3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(error_text("{name} must be a whole number >= {minimum}; got {value!r}.",
                                    name=name, minimum=minimum, value=value))
    return int(value)
