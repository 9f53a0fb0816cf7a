"""Serving a class on one machine: what JupyterHub (make hub) gives each student's server.

The hub (configuration in ``templates/hub/jupyterhub_config.py``) starts each student's
server as their account (:mod:`course_tools.classroom.accounts`), with their language's
student edition (no solution, no answer printed) copied into ``~/course`` on first start;
a notebook they changed is never overwritten. A student's processes see only what they
need (:func:`student_readable`), in a cgroup of their own (:func:`student_group`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import sys
from pathlib import Path

import course_tools
from course_tools.classroom.accounts import (
    ACCOUNTS,
    HUB_DIR,
    read_accounts,
)
from course_tools.grading import cgroups, sandbox
from course_tools.notebook.class_list import Student
from course_tools.notebook.tags import EXERCISE, SOLUTION, cell_tags
from course_tools.settings import ROOT, current
from course_utils.reporting import atomic_path, read_regular_file, write_text_atomically

CONFIG = ROOT / "course_tools" / "classroom" / "templates" / "hub" / "jupyterhub_config.py"
COURSE_FOLDER = "course"  # in each student's home
EDITIONS = ("student", "course")  # what homes receive: make hub gives the student edition
COLLECT_LIMIT = 64 * 2 ** 20  # bytes collected per student at most
COPY_SECONDS = 120  # the edition's copy into a home, at most


def prepare_hub_folder(langs: set[str], hub_dir: Path = HUB_DIR, *, edition: str = "student") -> None:
    """What every student's server reads: each language's edition and JupyterLab settings, and full MNIST.

    ``hub_dir`` is the hub's own (0700): the students' processes see these folders
    through read-only binds, never the hub's database, passwords or logs.
    """
    from course_tools.classroom.lab import write_lab_settings

    hub_dir.mkdir(parents=True, exist_ok=True)
    hub_dir.chmod(0o700)
    for lang in sorted(langs):
        write_lab_settings(hub_dir / "lab-settings" / lang, lang)
    share_data(hub_dir)
    prepare_editions(langs, hub_dir, edition=edition)


def prepare_editions(langs: set[str], hub_dir: Path = HUB_DIR, *, edition: str = "student") -> dict[str, Path]:
    """Each language's edition, once, in ``hub_dir/editions/<lang>``: executing only what is not cached.

    The student edition (no solution cell, exercises' outputs cleared) unless ``edition``
    is "course" (solutions folded, their outputs in the file): only for a class that is not graded.
    """
    from course_tools.notebook.editions import prepare_work_folder
    from course_tools.notebook.student import write_student_edition

    if edition not in EDITIONS:
        raise ValueError(f"HUB_EDITION must be one of {', '.join(EDITIONS)}; got {edition!r}.")
    folders = {lang: hub_dir / "editions" / lang for lang in sorted(langs)}
    for lang, folder in folders.items():
        if edition == "course":
            prepare_work_folder(lang, folder=folder)
        else:
            write_student_edition(_course_notebooks(), folder, lang=lang, models=False)
    return folders


def _course_notebooks() -> list[Path]:
    from course_tools.run.runner import course_notebooks

    return course_notebooks()


def share_data(hub_dir: Path = HUB_DIR, source: Path | None = None) -> Path:
    """Full MNIST (from ``source``, by default make data's folder) in the hub's folder, for every student."""
    from course_utils.data import course_data_dir

    source, target = Path(source or course_data_dir("mnist")), hub_dir / "data" / "mnist"
    if not source.is_dir():
        raise FileNotFoundError(f"Full MNIST is missing from {source}: run `make data` first.")
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and not (target / path.name).exists():
            shutil.copy2(path, target / path.name)
    return target


def issue_variants(students: list[Student], hub_dir: Path = HUB_DIR, secret: bytes | None = None) -> None:
    """Each student's own exercise values, per notebook, into the accounts file: the hub shows them
    in the student's edition (:func:`copy_edition`), and make grade derives the same from the secret."""
    import nbformat

    from course_tools.notebook.variants import load_secret, student_variant

    secret = secret or load_secret()
    notebooks = {path.name: nbformat.read(path, as_version=4) for path in _course_notebooks()}
    accounts = read_accounts(hub_dir)
    for student in students:
        accounts[student.name]["variants"] = {name: student_variant(secret, student.name, nb)
                                              for name, nb in notebooks.items()}
    write_text_atomically(hub_dir / ACCOUNTS, json.dumps(accounts, indent=1), private=True)


def edition_command(name: str, lang: str, hub_dir: Path = HUB_DIR, variants: dict | None = None) -> list[str]:
    """The command that copies the ``lang`` edition into ``name``'s ``~/course``, as the student.

    The home is theirs to change (links, FIFOs, a ``course_tools`` folder of their own), so
    the hub never writes into it as root, and ``python -I`` ignores the working folder.
    """
    account = pwd.getpwnam(name)
    command = [sys.executable, "-I", "-m", "course_tools", "hub-edition", "--lang", lang,
               "--home", account.pw_dir, "--hub-dir", str(hub_dir), "--variants", json.dumps(variants or {})]
    return as_student(account, command, [*student_readable(lang, hub_dir), Path(course_tools.__file__).parent])


def as_student(account: pwd.struct_passwd, command: list[str], readable: list[Path]) -> list[str]:
    """``command`` run as the student's account, seeing only ``readable`` and their home."""
    return sandbox.as_account(command, uid=account.pw_uid, gid=account.pw_gid, home=account.pw_dir,
                              readable=readable)


def student_readable(lang: str, hub_dir: Path = HUB_DIR) -> list[Path]:
    """All a student's processes see besides their home: the Python environment, course_utils and
    the shipped models, the data, their edition and JupyterLab's settings in their language."""
    import course_utils
    from course_utils.defaults import shipped_folder

    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(course_utils.__file__).parent, shipped_folder(),
             hub_dir / "data", hub_dir / "editions" / lang, hub_dir / "lab-settings" / lang]
    return [path for path in paths if path.exists()]


def student_limits(memory: str | None = None, cpus: float | None = None) -> cgroups.GroupLimits:
    """Each student's share: by default (settings) 2.5 GB (one active student needs 1.25 GB, measured,
    and the limit leaves room for a second open notebook), 1,024 processes and threads, 2 CPUs."""
    settings = current()
    return cgroups.GroupLimits(sandbox.parse_size(memory or settings.hub_memory), processes=1024,
                               cpus=float(cpus or settings.hub_cpus))


def student_group(name: str, limits: cgroups.GroupLimits) -> cgroups.Group | None:
    """The student's cgroup (their server and kernels), or None where cgroups cannot be made."""
    if cgroups.version() is None:
        return None
    return cgroups.Group(f"course-hub-{name}", limits)


def copy_edition(lang: str, home: Path, hub_dir: Path = HUB_DIR, variants: dict | None = None) -> Path:
    """The copy itself: each notebook delivered (a changed one is kept, the new one beside it),
    showing the student's own exercise values (``variants``: notebook name → values).

    A notebook delivered by an older hub with its solutions keeps the student's cells and
    loses the solution cells and the exercises' outputs. Only regular files are read.
    """
    import nbformat

    from course_tools.notebook.editions import deliver
    from course_tools.notebook.variants import with_variant

    edition, folder = hub_dir / "editions" / lang, home / COURSE_FOLDER
    for notebook in sorted((edition / "notebooks").glob("*.ipynb")):
        if not notebook.name.endswith(".new.ipynb"):
            target = folder / "notebooks" / notebook.name
            remove_answers(target)
            nb = with_variant(nbformat.read(notebook, as_version=4), (variants or {}).get(notebook.name, {}))
            deliver(nb, target)
    for diagram in sorted((edition / "assets").glob("*.png")):
        target = folder / "assets" / diagram.name
        if regular_file_or_none(target) != diagram.read_bytes():
            with atomic_path(target) as partial:
                partial.write_bytes(diagram.read_bytes())
    return folder


def remove_answers(path: Path) -> bool:
    """Drop the solution cells, and the exercises' outputs, from a notebook in a home; True if changed."""
    import nbformat

    from course_tools.notebook.editions import DELIVERED

    text = regular_file_or_none(path)
    if text is None or f'"{SOLUTION}"'.encode() not in text:
        return False
    record = regular_file_or_none(path.parent / DELIVERED)
    if record and hashlib.sha256(text).hexdigest() in json.loads(record).values():
        return False  # unchanged: deliver replaces it whole
    try:
        nb = nbformat.reads(text.decode("utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 (not a notebook: deliver keeps it and writes the new one beside)
        return False
    tags = [set(cell.metadata.get("tags", [])) for cell in nb.cells]
    if not any(SOLUTION in these for these in tags):
        return False
    nb.cells = [cell for cell, these in zip(nb.cells, tags) if SOLUTION not in these]
    for cell in nb.cells:
        if EXERCISE in cell_tags(cell):
            cell.outputs, cell.execution_count = [], None
    write_text_atomically(path, nbformat.writes(nb))
    return True


def regular_file_or_none(path: Path, limit: int = COLLECT_LIMIT, *, dir_fd: int | None = None) -> bytes | None:
    """The bytes of a regular file (no link, no FIFO, at most ``limit`` bytes); None for anything else."""
    try:
        return read_regular_file(path, limit, dir_fd=dir_fd)
    except (OSError, ValueError):
        return None


def student_log(hub_dir: Path, name: str):
    """The file a student's server writes its output to (0600, the hub's): a new one each start."""
    folder = hub_dir / "logs"
    folder.mkdir(mode=0o700, exist_ok=True)
    descriptor = os.open(folder / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    return os.fdopen(descriptor, "wb")

