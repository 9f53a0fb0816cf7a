"""make collect: each student's notebooks from the hub homes into ``submissions/<student>/``,
the layout make grade takes, without trusting anything a student put in their home."""

from __future__ import annotations

import os
from pathlib import Path

from course_tools.classroom.accounts import read_accounts, student_home
from course_tools.classroom.hub import (
    COLLECT_LIMIT,
    COURSE_FOLDER,
    regular_file_or_none,
)
from course_utils.reporting import open_folder


def collect(hub_dir: Path, submissions: Path, *, system_accounts: bool = True,
            limit: int = COLLECT_LIMIT) -> dict[str, int]:
    """Copy each student's notebooks into ``submissions/<student>/``, the layout make grade takes.

    Only the course's notebook names, only regular files, at most ``limit`` bytes a student; no
    link is followed in any part of the path (each folder is opened from the one above it).
    ``submissions`` and what it holds are readable by the instructor only.
    """
    from course_tools.run.runner import course_notebooks

    names = [path.name for path in course_notebooks()]
    submissions.mkdir(parents=True, exist_ok=True)
    submissions.chmod(0o700)
    counts = {}
    for student in sorted(read_accounts(hub_dir)):
        home = student_home(student, hub_dir, system_accounts=system_accounts)
        target = submissions / student
        target.mkdir(mode=0o700, exist_ok=True)
        counts[student] = _collect_home(home, target, names, limit)
    return counts


def _collect_home(home: Path, target: Path, names: list[str], limit: int) -> int:
    folder = open_folder(home, [COURSE_FOLDER, "notebooks"])
    if folder is None:
        return 0
    copied, left = 0, limit
    try:
        for name in names:
            data = regular_file_or_none(Path(name), left, dir_fd=folder)
            if data is None:
                continue
            descriptor = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            copied, left = copied + 1, left - len(data)
    finally:
        os.close(folder)
    return copied
