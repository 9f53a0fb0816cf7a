"""Where the course's data lives, and the SHA-256 hashes its files must have.

Standard library only, so that ``make doctor`` (``python -m course_tools doctor``)
can check the course data folder before the course's ``.venv`` exists.
:mod:`course_utils.data` finds and verifies the images with these names and
hashes; this module is their one home.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from course_utils.settings import current

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

MNIST_NPZ_SHA256 = frozenset(
    {"731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"}
)
# SHA-256 of the .gz files as published by LeCun et al., and of their
# decompressed content (whose MD5s match the published ones), so that
# the IDX files `make data` writes, gzipped or not, are accepted too.
MNIST_IDX_SHA256 = {
    "train_images": frozenset({
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    }),
    "train_labels": frozenset({
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    }),
    "test_images": frozenset({
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    }),
    "test_labels": frozenset({
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    }),
}
# SHA-256 of the decompressed IDX content, so that recompressed copies
# (Debian's dataset-fashion-mnist recompresses them) still match.
FASHION_MNIST_IDX_SHA256 = {
    "train_images": frozenset(
        {"c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"}
    ),
    "train_labels": frozenset(
        {"bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"}
    ),
    "test_images": frozenset(
        {"5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"}
    ),
    "test_labels": frozenset(
        {"0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"}
    ),
}


def course_data_dir(name: str = "mnist") -> Path:
    """The folder where ``make data`` writes a dataset's IDX files.

    Parameters
    ----------
    name : str
        The dataset, such as "mnist".

    Returns
    -------
    pathlib.Path
        ``$COURSE_DATA_HOME/<name>``, by default
        ``~/.local/share/course-autoencoders/<name>``. It may not exist yet.

    Examples
    --------
    >>> course_data_dir("mnist").name
    'mnist'
    """
    home = current().data_home_folder()
    return Path(home) / name


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data``, as 64 lowercase hex digits.

    Parameters
    ----------
    data : bytes

    Returns
    -------
    str

    Examples
    --------
    >>> sha256_hex(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, as a hex string.

    Parameters
    ----------
    path : path
        The file; read in 1 MiB blocks, so large files are fine.

    Returns
    -------
    str
        64 lowercase hex digits, as ``sha256sum`` prints them.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
