"""What a notebook measures, written for the course runner (``make run``'s ``build/metrics.json``).

Each notebook ends with one call, ``record(metrics_path, {...})``: with a path (the
runner sets ``metrics_path``) it writes the values as JSON; without one (a student's
own run) it does nothing. Tables for the report card are built by :func:`report_table`.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path


def record(metrics_path: str | Path | None, values: dict) -> None:
    """Write a notebook's measurements for the runner; does nothing without a path."""
    if metrics_path:
        write_json(metrics_path, values)


def report_table(title: str, columns: list[str], rows: list[list], digits: list[int]) -> dict:
    """A table for the report card: a notebook records it in its metrics under ``"report"``.

    ``rows`` are [label, number, ...]; ``digits`` gives the decimals of each number column.
    """
    return {"title": title, "columns": list(columns), "rows": [list(row) for row in rows],
            "digits": list(digits)}


def write_json(path: str | Path, values: dict) -> Path:
    """Write ``values`` as JSON, atomically; numpy numbers and arrays become plain ones."""
    text = json.dumps(values, indent=2, ensure_ascii=False, default=_plain)
    return write_text_atomically(path, text + "\n")


def _plain(value):
    """numpy scalars and arrays (Keras' losses, say) as Python numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot be written to metrics.json")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A hidden path beside ``path`` to write to; it replaces ``path`` only if the block succeeds.

    A reader never sees half a file, and a failed write leaves nothing behind. The
    partial keeps the suffix (``.x.partial.keras``), for writers that check it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_text_atomically(path: str | Path, text: str, *, private: bool = False, newline: str | None = None) -> Path:
    """Write ``text`` to ``path`` through :func:`atomic_path`; ``private``: readable by its owner only
    (0600 from the first byte: passwords, grade books)."""
    with atomic_path(path) as partial:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o666)
        if private:
            os.fchmod(descriptor, 0o600)  # also when a stale partial was left with another mode
        with os.fdopen(descriptor, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
    return Path(path)


def read_regular_file(path: str | Path, limit: int, *, dir_fd: int | None = None) -> bytes:
    """The bytes of ``path``, when it is a regular file of at most ``limit`` bytes.

    Safe on a file someone else controls: a link is not followed and a FIFO is not
    waited on (OSError or ValueError instead), and no more than ``limit`` bytes are read.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    with os.fdopen(descriptor, "rb") as stream:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise ValueError(f"{Path(path).name} is not a regular file of at most {limit:,} bytes")
        return stream.read(limit + 1)


def open_folder(start: str | Path, parts: list[str] | tuple[str, ...] = ()) -> int | None:
    """A descriptor of the folder ``start/parts...``, opened one folder at a time without following
    a link (each from the one above it); None when any of them is missing, a link or not a folder.

    The caller closes it (``os.close``). Safe on folders someone else controls: used to read
    from, and write into, students' homes.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        folder = os.open(start, flags)
    except OSError:
        return None
    for part in parts:
        try:
            inner = os.open(part, flags, dir_fd=folder)
        except OSError:
            inner = None
        os.close(folder)
        if inner is None:
            return None
        folder = inner
    return folder


def write_text_in_folder(folder: int, name: str, text: str, *, owner: tuple[int, int] | None = None) -> None:
    """Write ``text`` to ``name`` in the open folder ``folder`` (from :func:`open_folder`), readable by
    its owner only (0600), never half-written, and without following a link.

    The text goes to a new hidden file beside ``name`` (created, never reused) that then
    replaces ``name``, so a link or hard link planted under either name is never written
    through. A ``name`` that is there and is not a regular file (a link, a folder, a FIFO)
    is refused with OSError. ``owner`` (uid, gid) hands the file to that account (as root).
    """
    if "/" in name or name in ("", ".", ".."):
        raise ValueError(f"{name!r} is not a file name: give one name inside the folder.")
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OSError(f"{name} is there and is not a regular file (a link or a folder?): left as it is")
    path = Path(name)
    partial = f".{path.stem}.partial{path.suffix}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(partial, dir_fd=folder)  # a stale partial, or a link in its place: the link itself goes
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            os.fchmod(descriptor, 0o600)
            if owner is not None:
                os.fchown(descriptor, *owner)
            stream.write(text)
        os.replace(partial, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial, dir_fd=folder)
        raise
