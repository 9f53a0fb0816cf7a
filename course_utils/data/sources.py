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

from course_utils.data.catalog import Arrays, DatasetSpec, Origin
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
from course_utils.language import (
    BOTH,
    N_,
    error_text,
    language_codes,
    languages_of,
    translate,
    translated,
)
from course_utils.settings import current

PROBE_TIMEOUT_S = 3
DOWNLOAD_TIMEOUT_S = 30


class DownloadError(OSError):
    """No download source could deliver the file.

    ``texts`` holds the message by language code, when it has one per language.
    """

    def __init__(self, message: str, texts: dict[str, str] | None = None):
        super().__init__(message)
        self.texts = texts or {}


# --- resolution order ---------------------------------------------------------


def resolve(
    spec: DatasetSpec, source: str, data_dir: str | os.PathLike | None, seed: int, lang: str
) -> tuple[Arrays, Origin]:
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
        where they came from.

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
                raise ValueError(error_text(
                    "Data folder {folder} does not exist. Check data_dir or COURSE_DATA_DIR, or unset them.",
                    folder=folder))
            return _load_folder(spec, folder), Origin(N_("the local folder {folder}"), {"folder": folder})
        folder = course_data_dir(spec.name)
        if _has_idx_files(folder):
            return _load_folder(spec, folder), Origin(N_("the course data folder {folder}"), {"folder": folder})
        for folder in map(Path, spec.system_dirs):
            if _has_idx_files(folder):
                return _load_folder(spec, folder), Origin(N_("the system folder {folder}"), {"folder": folder})
        if source == "local":
            raise ValueError(error_text("No local {title} files. {how_to_get}",
                                        title=spec.title, how_to_get=spec.how_to_get))
    if source in ("auto", "cache"):
        found = _load_keras_cache(spec)
        if found is not None:
            return found
        if source == "cache":
            raise ValueError(error_text("No {title} in the Keras cache {folder}. {how_to_get}",
                                        title=spec.title, folder=_cache_dir(spec), how_to_get=spec.how_to_get))
    if source in ("auto", "download"):
        try:
            return _download(spec)
        except DownloadError as error:
            if source == "download" or current().data_mirror:
                raise
            failure = error.texts  # in every language: the notice below speaks the reader's
    if spec.has_embedded_subset:
        if source == "auto":
            print("\n".join("[data] " + failure[code] for code in languages_of(lang)))
        return load_embedded_subset(seed, lang)
    raise ValueError(error_text("{title} was not found anywhere and has no embedded subset. {how_to_get}",
                                title=spec.title, how_to_get=spec.how_to_get))


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


def _load_keras_cache(spec: DatasetSpec) -> tuple[Arrays, Origin] | None:
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
    return arrays, Origin(N_("the Keras cache {folder}"), {"folder": files[0].parent})


def _load_cached(spec: DatasetSpec, files: list[Path]) -> Arrays:
    if spec.npz_name:
        return _load_verified_npz(spec, files[0])
    return _load_idx_folder(spec, files[0].parent)


def _download(spec: DatasetSpec) -> tuple[Arrays, Origin]:
    mirror = current().data_mirror
    origins = ([mirror.rstrip("/") + "/"] if mirror else []) + list(spec.origins)
    failures = []
    for origin in origins:
        try:
            files = [_fetch(spec, origin, path) for path in _cached_files(spec)]
            return _load_cached(spec, files), Origin(N_("a download from {origin}"), {"origin": origin})
        except (DownloadError, ValueError) as error:
            failures.append(f"{origin}: {error}")
    texts = {code: _download_failure(spec, failures, bool(mirror), code) for code in language_codes()}
    raise DownloadError("\n".join(texts[code] for code in languages_of(BOTH)), texts)


def _download_failure(spec: DatasetSpec, failures: list[str], mirror: bool, code: str) -> str:
    """Why no download worked, and what to do, in the language ``code``."""
    how_to_get = translate(spec.how_to_get, code)
    fields = {"title": spec.title, "failures": translate(N_("; ", "clause separator"), code).join(failures),
              "how_to_get": how_to_get[0].lower() + how_to_get[1:]}  # it goes on a sentence
    if mirror:
        return translated("Could not download {title} ({failures}). Check the COURSE_DATA_MIRROR address, "
                          "or unset it to fall back on the embedded subset. Or {how_to_get}", code, **fields)
    return translated("Could not download {title} ({failures}). Set COURSE_DATA_MIRROR to a reachable mirror, "
                      "or {how_to_get}", code, **fields)


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
