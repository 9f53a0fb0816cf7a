"""Grading in rounds: a second ``make grade`` grades only what changed, an interrupted one resumes
where it stopped, and a class larger than one machine is graded in shards, then merged.

Each graded submission's rows are kept in ``<out>/graded/`` (the instructor's only) with a key:
the submission's bytes, the course's checks (the course notebooks, ``course_utils`` and the
grader's own code), the grading secret, the student's parameters and the limits. A later run
reuses rows whose key is unchanged. ``--shard K/N`` grades the K-th of N slices of the sorted
class into ``<out>/parts/``; ``--merge`` joins all N parts into one gradebook.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from course_tools.notebook.editions import fingerprinted_files
from course_tools.settings import NOTEBOOK_DIR, ROOT
from course_utils.reporting import read_regular_file, write_text_atomically

PART = re.compile(r"^part-(\d{3})-of-(\d{3})\.json$")
MAX_PART_BYTES = 256 * 2**20


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` → (2, 3); a clear error for anything else."""
    match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)) <= 999:
        raise ValueError(f"--shard takes K/N with 1 ≤ K ≤ N ≤ 999, such as 2/3; got {text!r}.")
    return int(match.group(1)), int(match.group(2))


def shard_of(students: list, shard: tuple[int, int] | None) -> list:
    """The K-th of N contiguous slices of the sorted class (all of it without a shard)."""
    if shard is None:
        return students
    k, n = shard
    return students[(k - 1) * len(students) // n: k * len(students) // n]


def checks_fingerprint() -> str:
    """What decides a verdict besides the submission: the course notebooks, course_utils and the grader."""
    digest = hashlib.sha256()
    grader_code = {str(p.relative_to(ROOT)): p for p in sorted((ROOT / "course_tools" / "grading").glob("*.py"))}
    notebooks = {p.name: p for p in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))}
    for name, path in {**fingerprinted_files(), **grader_code, **notebooks}.items():
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class GradedCache:
    """Rows of submissions graded before, kept under ``<out>/graded/`` with the key that made them."""

    def __init__(self, out_dir: Path, setting: str, *, fresh: bool = False):
        self.folder = Path(out_dir) / "graded"
        self.setting, self.fresh = setting, fresh  # everything but the submission and the student

    def key(self, path: Path, student: str, parameters: dict) -> str:
        digest = hashlib.sha256(self.setting.encode())
        digest.update(json.dumps([student, path.name, parameters], sort_keys=True).encode())
        digest.update(read_regular_file(path, MAX_PART_BYTES))
        return digest.hexdigest()

    def _file(self, path: Path, student: str) -> Path:
        return self.folder / (hashlib.sha256(f"{student}/{path.name}".encode()).hexdigest()[:32] + ".json")

    def get(self, path: Path, student: str, parameters: dict) -> list[dict] | None:
        """The rows kept for this very submission, or None (changed, never graded, or --fresh)."""
        if self.fresh:
            return None
        try:
            kept = json.loads(read_regular_file(self._file(path, student), MAX_PART_BYTES))
            return kept["rows"] if kept["key"] == self.key(path, student, parameters) else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, path: Path, student: str, parameters: dict, rows: list[dict]) -> None:
        try:
            key = self.key(path, student, parameters)
        except (OSError, ValueError):
            return  # a submission that cannot be read again is graded again next time
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_text_atomically(self._file(path, student), json.dumps({"key": key, "rows": rows}), private=True)


def part_path(out_dir: Path, shard: tuple[int, int]) -> Path:
    return Path(out_dir) / "parts" / f"part-{shard[0]:03d}-of-{shard[1]:03d}.json"


def write_part(out_dir: Path, shard: tuple[int, int], students: list[str], rows: list[dict], how: str) -> Path:
    """One shard's rows, complete or not (``complete`` turns true when its last student is done)."""
    path = part_path(out_dir, shard)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    graded = {row["student"] for row in rows}
    part = {"shard": list(shard), "students": students, "complete": graded >= set(students), "limits": how,
            "rows": rows}
    return write_text_atomically(path, json.dumps(part, ensure_ascii=False), private=True)


def merge_parts(out_dir: Path) -> tuple[list[dict], str]:
    """All N parts' rows in the class's order, and how the limits were enforced; refuses a missing,
    duplicated, unfinished or stray part, and a student graded in two parts."""
    folder = Path(out_dir) / "parts"
    names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    if not names:
        raise ValueError(f"no parts in {folder}: run grade --shard K/N for each K first.")
    stray = [name for name in names if not PART.match(name)]
    if stray:
        raise ValueError(f"{folder} holds files that are no part: {', '.join(stray)}; remove them.")
    shards = [tuple(map(int, PART.match(name).groups())) for name in names]
    totals = {n for _, n in shards}
    if len(totals) != 1:
        raise ValueError(f"the parts in {folder} come from different splits ({sorted(totals)} slices); "
                         "remove the old ones.")
    [n] = totals
    missing = sorted(set(range(1, n + 1)) - {k for k, _ in shards})
    if missing:
        raise ValueError(f"parts missing: {', '.join(f'{k}/{n}' for k in missing)}; grade them with --shard.")
    rows, seen, limits = [], set(), []
    for name in names:
        part = json.loads(read_regular_file(folder / name, MAX_PART_BYTES))
        if not part.get("complete"):
            raise ValueError(f"part {name} is not finished: run its --shard again (it resumes).")
        twice = seen & set(part["students"])
        if twice:
            raise ValueError(f"{', '.join(sorted(twice))} graded in two parts; grade the class again in shards.")
        seen |= set(part["students"])
        rows += part["rows"]
        limits.append(part["limits"])
    return rows, " | ".join(dict.fromkeys(limits))
