"""Where :func:`course_utils.data.load_dataset` looks for the images, and in which order.

1. a local folder: ``data_dir`` (or ``COURSE_DATA_DIR``), else the course data folder
   that ``make data`` fills, else a folder a distribution package installs;
2. the Keras cache;
3. a download: ``COURSE_DATA_MIRROR`` first, then the official origin;
4. the embedded subset (:mod:`course_utils.data.embedded`).

Each file is checked (:mod:`course_utils.data.files`) before its images are used.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

import contextlib
import os
import socket
import urllib.parse
from pathlib import Path

from course_utils.data.catalog import Arrays, DatasetSpec
from course_utils.data.embedded import load_embedded_subset
from course_utils.data.files import (
    IDX_IMAGES_MAGIC,
    IDX_LABELS_MAGIC,
    hash_is_known,
    load_npz,
    parse_idx,
    read_bytes,
)
from course_utils.data_home import (  # the folder (standard library only)
    IDX_FILES,
    course_data_dir,
)
from course_utils.language import bilingual, choose
from course_utils.settings import current

PROBE_TIMEOUT_S = 3
DOWNLOAD_TIMEOUT_S = 30


class DownloadError(OSError):
    """No download source could deliver the file."""


# --- resolution order ---------------------------------------------------------


def resolve(
    spec: DatasetSpec, source: str, data_dir: str | os.PathLike | None, seed: int, lang: str
) -> tuple[Arrays, tuple[str, str]]:
    """Load ``spec``'s images from the first source that has them, in the order above.

    Parameters
    ----------
    spec : DatasetSpec
        The dataset, from :data:`course_utils.data.catalog.DATASETS`.
    source : {"auto", "local", "cache", "download", "embedded"}
        "auto" tries every source in order; any other value only that one.
    data_dir : path or None
        A folder to read instead of the course data folder and the system folders.
    seed : int
        Seeds the embedded subset's train/test split.
    lang : {"zh", "en", "both"}
        Language of the notices printed on the way.

    Returns
    -------
    arrays, origin
        The four uint8 / label arrays (x_train, y_train, x_test, y_test), and
        where they came from as (Chinese, English) text.

    Raises
    ------
    ValueError
        If ``data_dir`` is not a folder, a file fails its checks, or the chosen
        source does not have the dataset.
    DownloadError
        If ``source`` is "download" (or ``COURSE_DATA_MIRROR`` is set) and no
        download succeeds.
    """
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
        return load_embedded_subset(seed, lang)
    raise ValueError(bilingual(
        f"哪里都没有找到 {spec.title}，它也没有内置子集。{spec.how_to_get[0]}",
        f"{spec.title} was not found anywhere and has no embedded subset. {spec.how_to_get[1]}"))


# --- local folders --------------------------------------------------------------


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
