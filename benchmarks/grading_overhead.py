"""Grading speed: a sample class graded as ``make grade`` grades it, measured against one
``import tensorflow, course_utils`` on the same machine, in the same run.

1. ``--students`` students (honest, blank, wrong and copying in turn; see
   :mod:`course_tools.grading.sample_class`), each handing in the four notebooks, graded in the
   sandbox ``--jobs`` at a time with each student's notebooks in one combined run (the default).
2. ``--full-way`` of them graded again the old way, each notebook run in full in its own sandbox.
3. The import, ``--imports`` times, before and after.

It prints seconds per student and per notebook, split into the sandbox, kernel and papermill's
start, the imports, the course's cells, the student's cells, the grader's own cells (answers saved,
the kernel reset between notebooks) and judging; the ratio of seconds per student to the import;
and a class of 100, extrapolated. A benchmark, not a test: ``.venv/bin/python benchmarks/grading_overhead.py``.
Needs bubblewrap and full MNIST (``make data``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course_tools.grading.grader import Grader, grade_folder
from course_tools.grading.sample_class import write_class
from course_tools.grading.sandbox import Limits, limits_in_force, memory_is_limited

KINDS = ("imports", "course", "student", "grader")


def import_seconds(times: int) -> list[float]:
    """Wall seconds of ``python -c "import tensorflow, course_utils"``, each in a fresh process."""
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import tensorflow, course_utils"], check=True,
                       capture_output=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        seconds.append(time.perf_counter() - start)
    return seconds


def grade(folder: Path, out: Path, jobs: int, combine: bool, secret: bytes) -> tuple[float, Grader, list[dict]]:
    """Wall seconds to grade ``folder`` as make grade does, the grader (with its profile) and the rows."""
    grader = Grader(Limits(), secret=secret, combine=combine, profile=True)
    start = time.perf_counter()
    rows = grade_folder(folder, out, jobs=jobs, no_memory_limit=not memory_is_limited(), grader=grader,
                        fresh=True)
    return time.perf_counter() - start, grader, rows


def split(grader: Grader, students: int) -> dict[str, float]:
    """Mean seconds per student of each part of a run, judging included."""
    parts = dict.fromkeys(("start", *KINDS), 0.0)
    for run in grader.profiles:
        cells = {kind: sum(report["seconds"].get(kind, 0.0) for report in run["report"].values()) for kind in KINDS}
        parts["start"] += run["wall"] - sum(cells.values())
        for kind in KINDS:
            parts[kind] += cells[kind]
    parts["judging"] = grader.judging_seconds
    return {part: seconds / students for part, seconds in parts.items()}


def per_notebook(grader: Grader) -> dict[str, float]:
    """Mean seconds of each notebook's cells in a run (the run's start not included)."""
    seconds: dict[str, list[float]] = {}
    for run in grader.profiles:
        for name, report in run["report"].items():
            seconds.setdefault(name, []).append(sum(report["seconds"].values()))
    return {name: statistics.mean(values) for name, values in sorted(seconds.items())}


def table(title: str, wall: float, students: int, parts: dict, notebooks: dict, imported: float) -> str:
    each = wall / students
    lines = [f"\n### {title}\n", "| measure | seconds |", "|---|---:|",
             f"| {students} students x 4 notebooks, wall | {wall:.0f} |",
             f"| per student (wall / {students}) | {each:.1f} |",
             f"| ratio to one import ({imported:.1f} s) | {each / imported:.1f}x |",
             f"| a class of 100 (extrapolated from {students}) | {100 * each / 60:.0f} min |",
             "| *one student's run, mean (runs overlap by the jobs)* | |"]
    names = {"start": "sandbox and runner start (a kernel and papermill in the full way)", "imports": "imports (the first cell)",
             "course": "the course's cells", "student": "the student's cells",
             "grader": "the grader's cells (answers saved, resets)", "judging": "judging (outside the sandbox)"}
    lines += [f"| {names[part]} | {seconds:.1f} |" for part, seconds in parts.items()]
    lines += [f"| cells of {name} | {seconds:.1f} |" for name, seconds in notebooks.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--full-way", type=int, default=4, help="students graded again the old way (0: none)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--imports", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("COURSE_DATA_SOURCE", "local")
    print(limits_in_force(Limits()), f"; {os.cpu_count()} cores", flush=True)
    imported = import_seconds(args.imports)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        write_class(scratch / "class", args.students)
        write_class(scratch / "few", args.full_way)
        secret = os.urandom(32)  # a grading secret of its own: each student their own exercises and seed
        combined = grade(scratch / "class", scratch / "grades", args.jobs, True, secret)
        full = grade(scratch / "few", scratch / "full-grades", args.jobs, False, secret) if args.full_way else None
    imported += import_seconds(args.imports)
    one_import = statistics.median(imported)
    print(f"\nimport tensorflow, course_utils: median {one_import:.1f} s of {len(imported)} "
          f"({min(imported):.1f} to {max(imported):.1f})")
    print(table("Each student's notebooks in one run (make grade now)", combined[0], args.students,
                split(combined[1], args.students), per_notebook(combined[1]), one_import))
    again = sum(run["full"] for run in combined[1].profiles)
    print(f"\nnotebooks graded again the full way after the combined run: {again}")
    if full:
        print(table("Each notebook run in full, in its own sandbox (before)", full[0], args.full_way,
                    split(full[1], args.full_way), per_notebook(full[1]), one_import))
        few = {(r["student"], r["exercise"]): r["passed"] for r in combined[2] if r["student"] in
               {row["student"] for row in full[2]}}
        same = few == {(r["student"], r["exercise"]): r["passed"] for r in full[2]}
        print(f"\nsame verdicts both ways for the {args.full_way} students graded twice: {same}")


if __name__ == "__main__":
    main()
