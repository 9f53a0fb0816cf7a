"""Reading and checking dataset files: Keras' ``.npz`` and the IDX format.

Every reader here raises ``ValueError`` naming the file and what is wrong,
never a bare numpy, zip or zlib error, and never returns silently wrong arrays.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from pathlib import Path

import numpy as np

from course_utils.data_home import file_sha256, sha256_hex  # noqa: F401 (file_sha256: re-exported)

IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
IMAGE_SIDE = 28
NUM_CLASSES = 10


def read_bytes(path: Path) -> bytes:
    """Return the file's bytes, decompressed when the name ends in ``.gz``.

    Parameters
    ----------
    path : pathlib.Path
        An IDX or .npz file, gzipped or not.

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        If the file cannot be read, or a ``.gz`` file is not valid gzip.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror}).") from None
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path}: not a valid gzip file ({error}). It is corrupt or truncated; "
            "delete it and fetch it again."
        ) from None


def images_sha256(images: np.ndarray) -> str:
    """Fingerprint of a split's pixels as float32, to tell which images a model saw.

    Parameters
    ----------
    images : array
        Images of any shape; converted to contiguous float32 first.

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    return sha256_hex(np.ascontiguousarray(images, dtype=np.float32).tobytes())


def hash_is_known(path: Path, data: bytes, known_hashes: frozenset[str]) -> bool:
    """Check ``path`` against the published hashes.

    ``data`` is the file's content (decompressed for ``.gz``). A file passes
    when either its bytes as stored or its decompressed bytes match, so a mirror
    or a distribution package may recompress it. Returns False when no hash is
    on record for this form of the file, so the caller can say so.

    Parameters
    ----------
    path : pathlib.Path
        The file, named in the error message; read again if it ends in ``.gz``.
    data : bytes
        Its content, as :func:`read_bytes` returns it.
    known_hashes : frozenset of str
        The published SHA-256 hex digests; may be empty.

    Returns
    -------
    bool
        True when a hash matches, False when ``known_hashes`` is empty.

    Raises
    ------
    ValueError
        If hashes are on record and none matches.
    """
    if not known_hashes:
        return False
    candidates = {sha256_hex(data)}
    if path.suffix == ".gz":
        candidates.add(sha256_hex(path.read_bytes()))
    if candidates & known_hashes:
        return True
    raise ValueError(
        f"{path}: its SHA-256 ({sorted(candidates)[0][:16]}…) matches no published "
        "release of this file. It is corrupt, truncated or a different dataset; "
        "replace it with the original file."
    )


def parse_idx(path: Path, data: bytes, *, magic: int, count: int) -> np.ndarray:
    """Parse IDX bytes holding ``count`` images (magic 0x803) or labels (0x801).

    Parameters
    ----------
    path : pathlib.Path
        Where ``data`` came from, for the error messages.
    data : bytes
        The decompressed file: a big-endian header, then one byte per value.
    magic : int
        ``IDX_IMAGES_MAGIC`` or ``IDX_LABELS_MAGIC``.
    count : int
        The number of images or labels the file must hold.

    Returns
    -------
    uint8 array
        Images of shape (count, 28, 28), values 0–255, or labels of shape
        (count,). A read-only view of ``data``.

    Raises
    ------
    ValueError
        If the header is short, the magic number or dimensions differ from
        those expected, or the data is truncated or padded.
    """
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{path}: only {len(data)} bytes, too short for an IDX header. "
            "The file is truncated; fetch it again."
        )
    found_magic = int.from_bytes(data[:4], "big")
    kind = "images" if magic == IDX_IMAGES_MAGIC else "labels"
    if found_magic != magic:
        raise ValueError(
            f"{path}: magic number {found_magic:#010x}, expected {magic:#010x} for an "
            f"IDX {kind} file. Is this the right file, or is it still compressed?"
        )
    dims = tuple(
        int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    expected_dims = (count, IMAGE_SIDE, IMAGE_SIDE)[:ndim]
    if dims != expected_dims:
        raise ValueError(
            f"{path}: header says dimensions {dims}, expected {expected_dims}."
        )
    payload = data[header_size:]
    expected_size = int(np.prod(dims))
    if len(payload) != expected_size:
        raise ValueError(
            f"{path}: {len(payload):,} bytes of {kind} after the header, expected "
            f"{expected_size:,}. The file is truncated or padded; fetch it again."
        )
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


def require_valid_arrays(
    where: str,
    images: np.ndarray,
    labels: np.ndarray,
    count: int,
) -> None:
    """Check one split's raw arrays: uint8 28×28 images and labels 0–9.

    Parameters
    ----------
    where : str
        Names the file and split in the error message.
    images : uint8 array of shape (count, 28, 28)
        Raw pixel values 0–255.
    labels : int array of shape (count,)
        Values 0–9.
    count : int
        The number of images the split must hold.

    Raises
    ------
    ValueError
        If the dtype or a shape is wrong, or a label is outside 0–9.
    """
    if images.dtype != np.uint8 or images.shape != (count, IMAGE_SIDE, IMAGE_SIDE):
        raise ValueError(
            f"{where}: images have dtype {images.dtype} and shape {images.shape}, "
            f"expected uint8 and {(count, IMAGE_SIDE, IMAGE_SIDE)}."
        )
    if labels.shape != (count,):
        raise ValueError(f"{where}: {labels.shape} labels, expected ({count},).")
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError(
            f"{where}: labels range from {labels.min()} to {labels.max()}, "
            f"expected 0 to {NUM_CLASSES - 1}."
        )


def load_npz(path: Path, counts: tuple[int, int]) -> dict[str, np.ndarray]:
    """Load Keras' ``mnist.npz`` layout: x_train, y_train, x_test, y_test.

    Parameters
    ----------
    path : pathlib.Path
        The ``.npz`` archive.
    counts : (int, int)
        The number of training and test images it must hold.

    Returns
    -------
    dict of str → array
        "x_train" and "x_test": uint8 images (count, 28, 28), values 0–255;
        "y_train" and "y_test": labels (count,), values 0–9. Every array in
        the archive is returned.

    Raises
    ------
    ValueError
        If the archive is unreadable, lacks one of the four arrays, or an
        array fails :func:`require_valid_arrays`.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(
            f"{path}: not a readable .npz archive ({error}). It is corrupt or "
            "truncated; delete it and fetch it again."
        ) from None
    missing = {"x_train", "y_train", "x_test", "y_test"} - arrays.keys()
    if missing:
        raise ValueError(
            f"{path}: the archive lacks {sorted(missing)}; it holds {sorted(arrays)}. "
            "Expected Keras' mnist.npz layout."
        )
    for split, count in zip(("train", "test"), counts):
        require_valid_arrays(f"{path} [{split}]", arrays[f"x_{split}"], arrays[f"y_{split}"], count)
    return arrays
