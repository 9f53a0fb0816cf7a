"""Loading the course's images: ``load_dataset``, and the ``Dataset`` it returns.

``load_dataset`` takes the images from the first source that has them
(:mod:`course_utils.data.sources`: a local folder, the Keras cache, a download;
then :mod:`course_utils.data.embedded`, the 5,000-image subset), each file checked
(:mod:`course_utils.data.files`), and keeps a stratified draw when asked for fewer
(:mod:`course_utils.data.splits`). The datasets it knows are in
:mod:`course_utils.data.catalog`.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from course_utils.data.catalog import DATASETS, DatasetSpec, Origin
from course_utils.data.embedded import EMBEDDED_ORIGIN
from course_utils.data.sources import DownloadError, resolve
from course_utils.data.splits import stratified_split
from course_utils.data_home import (  # the folder (standard library only)
    IDX_FILES,
    course_data_dir,
)
from course_utils.language import (
    BOTH,
    N_,
    as_lang,
    error_text,
    languages_of,
    list_text,
    translated,
)
from course_utils.settings import SOURCES, current
from course_utils.validation import as_whole_number

__all__ = ["DATASETS", "IDX_FILES", "Dataset", "DownloadError", "course_data_dir", "load_dataset",
           "stratified_split"]


@dataclass(frozen=True, repr=False)
class Dataset:
    """Images as float32 in [0, 1] with shape (N, 28, 28, 1), labels as int64.

    ``description`` says where the images came from and how many there are;
    ``test_from`` names the release's split the test images were drawn from:
    "test" for the official test images, "train" for the embedded subset, whose
    5,000 images all belong to MNIST's official training set.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    description: str
    test_from: str = "test"

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, x_train={self.x_train.shape}, "
            f"x_test={self.x_test.shape}, description={self.description!r})"
        )


def load_dataset(
    name: str = "mnist",
    data_dir: str | os.PathLike | None = None,
    *,
    train_limit: int | None = None,
    test_limit: int | None = None,
    seed: int = 0,
    source: str | None = None,
    lang: str = "both",
) -> Dataset:
    """Load MNIST or Fashion-MNIST from the first source that has it.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist"}
    data_dir : path, optional
        A folder holding ``mnist.npz`` or the four IDX files (gzipped or not).
        Defaults to the ``COURSE_DATA_DIR`` environment variable.
    train_limit : int, optional
        Keep a stratified, seeded subset of this many training images.
    test_limit : int, optional
        Keep a stratified, seeded subset of this many test images (quick runs
        score on fewer images; the printed line says how many).
    seed : int
        Seeds the embedded subset's train/test split and both limits.
    source : {"auto", "local", "cache", "download", "embedded"}, optional
        Use only this source. Defaults to ``COURSE_DATA_SOURCE``, else "auto",
        which tries local folder, Keras cache, download, embedded subset in order.
    lang : {"zh", "en", "both"}
        Language of the notice printed when the embedded subset is used.

    Returns
    -------
    Dataset
        ``x_train`` and ``x_test``: float32 images of shape (N, 28, 28, 1),
        values in [0, 1]; ``y_train`` and ``y_test``: int64 labels 0–9;
        ``description``, one sentence naming the origin and the split sizes.

    Raises
    ------
    ValueError
        If ``name``, ``source`` or ``lang`` is unknown, ``data_dir`` is not a
        folder, ``train_limit`` or ``test_limit`` is not between 1 and the
        images available, a file fails its checks, or the dataset is found nowhere.
    DownloadError
        If ``source`` is "download" (or ``COURSE_DATA_MIRROR`` is set) and no
        download succeeds.

    Examples
    --------
    >>> dataset = load_dataset("mnist", train_limit=4000)  # doctest: +SKIP
    >>> dataset.x_train.shape  # doctest: +SKIP
    (4000, 28, 28, 1)
    """
    spec = _dataset_spec(name)
    source = _source_choice(source)
    data_dir = data_dir or current().data_dir
    as_lang(lang)
    arrays, origin = resolve(spec, source, data_dir, seed, lang)
    x_train, y_train, x_test, y_test = arrays
    test_from = "train" if origin.message == EMBEDDED_ORIGIN else "test"
    counts = [len(y_train), len(y_test)]
    if train_limit is not None:
        keep = _subset(y_train, "train_limit", train_limit, seed)
        x_train, y_train = x_train[keep], y_train[keep]
    if test_limit is not None:
        keep = _subset(y_test, "test_limit", test_limit, seed)
        x_test, y_test = x_test[keep], y_test[keep]
    kept = [len(y_train), len(y_test)]
    drawn = (train_limit, test_limit) != (None, None)
    description = _description(spec, origin, kept, counts, drawn, "en")
    print("\n".join("[data] " + _description(spec, origin, kept, counts, drawn, code) for code in languages_of(lang)))
    return Dataset(
        spec.name,
        _as_float_images(x_train),
        y_train.astype(np.int64),
        _as_float_images(x_test),
        y_test.astype(np.int64),
        description,
        test_from,
    )


def _description(spec: DatasetSpec, origin: Origin, kept: list[int], totals: list[int], drawn: bool,
                 code: str) -> str:
    """One sentence in the language ``code``: the dataset, where it came from, how many images it keeps."""
    train, test = (_count_text(count, total, code) for count, total in zip(kept, totals))
    fields = {"title": spec.title, "origin": origin.text(code), "train": train, "test": test}
    if drawn:
        return translated("{title} from {origin}: {train} training and {test} test images "
                          "(a stratified draw: every digit keeps its share).", code, **fields)
    return translated("{title} from {origin}: {train} training and {test} test images.", code, **fields)


def _count_text(kept: int, total: int, code: str) -> str:
    """How many images were kept, in words: all of them, or how many of how many."""
    if kept == total:
        return translated(N_("{kept:,}", "images kept: all of them"), code, kept=kept)
    return translated("{kept:,} of its {total:,}", code, kept=kept, total=total)


def _subset(labels: np.ndarray, name: str, limit: int, seed: int) -> np.ndarray:
    as_whole_number(name, limit)
    if 0 < limit <= len(labels):
        return stratified_split(labels, limit, seed=seed)[0]
    if name == "train_limit":
        raise ValueError(error_text("{name} must be between 1 and the {available:,} training images available; "
                                    "got {limit}.", name=name, available=len(labels), limit=limit))
    raise ValueError(error_text("{name} must be between 1 and the {available:,} test images available; "
                                "got {limit}.", name=name, available=len(labels), limit=limit))


def _as_float_images(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def _dataset_spec(name: str) -> DatasetSpec:
    if name not in DATASETS:
        raise ValueError("\n".join(  # error_text, with the list written as each language writes one
            translated("Unknown dataset name {name!r}. Choose one of: {names}.", code,
                       name=name, names=list_text(DATASETS, code)) for code in languages_of(BOTH)))
    return DATASETS[name]


def _source_choice(source: str | None) -> str:
    source = source or current().data_source
    if source not in SOURCES:
        raise ValueError("\n".join(  # error_text, with the list written as each language writes one
            translated("Unknown data source {source!r} (from the source argument or COURSE_DATA_SOURCE). "
                       "Choose one of: {sources}.", code, source=source, sources=list_text(SOURCES, code))
            for code in languages_of(BOTH)))
    return source
