"""Grading speed: a class of notebook-01 submissions, and what the sandbox costs.

1. Grades ``--students`` copies of an answered notebook 01 in the bubblewrap
   sandbox, ``--jobs`` at a time, as ``make grade`` does: total wall time.
2. Grades ``--pairs`` single submissions alternately with and without the
   sandbox (``--trusted``), one at a time, in this one run: the sandbox's
   overhead per submission is the difference of the medians.

A benchmark, not a test: ``.venv/bin/python benchmarks/grading_overhead.py``.
Needs bubblewrap and full MNIST (``make data``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from course_tools.grading.grader import grade_folder
from course_tools.grading.sandbox import Limits, limits_in_force
from course_tools.notebook.student import student_notebook
from course_tools.settings import NOTEBOOK_DIR

ANSWERS = {
    "most_ink = None": "most_ink = max(ink_digits, key=lambda d: dataset.x_train[dataset.y_train == d].mean())",
    "noisy_psnr = None": "noisy_psnr = float(cu.psnr(dataset.x_test, cu.add_noise(dataset.x_test, exercise_noise, seed=seed)).mean())",
}


def answered_notebook() -> str:
    nb = student_notebook(NOTEBOOK_DIR / "01_data.ipynb", "en")
    for cell in nb.cells:
        if "exercise" in cell.metadata.get("tags", []):
            for blank, answer in ANSWERS.items():
                cell.source = cell.source.replace(blank, answer)
    return nbformat.writes(nb)


def write_class(folder: Path, students: int) -> Path:
    text = answered_notebook()
    for number in range(students):
        (folder / f"student{number:02d}").mkdir(parents=True)
        (folder / f"student{number:02d}" / "01_data.ipynb").write_text(text, encoding="utf-8")
    return folder


def seconds_to_grade(submissions: Path, out: Path, **options) -> float:
    start = time.perf_counter()
    rows = grade_folder(submissions, out, **options)
    if not all(row["passed"] for row in rows):
        raise RuntimeError(f"an answered notebook did not pass: {[r for r in rows if not r['passed']][:2]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("COURSE_DATA_SOURCE", "local")
    print(limits_in_force(Limits()), f"; {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        one = write_class(scratch / "one", 1)
        sandboxed, trusted = [], []
        for _ in range(args.pairs):
            sandboxed.append(seconds_to_grade(one, scratch / "grades", jobs=1))
            trusted.append(seconds_to_grade(one, scratch / "grades", jobs=1, trusted=True))
        whole = seconds_to_grade(write_class(scratch / "class", args.students), scratch / "grades",
                                 jobs=args.jobs)
    sandbox_s, trusted_s = statistics.median(sandboxed), statistics.median(trusted)
    print(f"\n| measure | seconds |\n|---|---:|\n"
          f"| {args.students} submissions of notebook 01, sandboxed, {args.jobs} at a time | {whole:.0f} |\n"
          f"| per submission (total / {args.students}) | {whole / args.students:.1f} |\n"
          f"| one submission alone, sandboxed (median of {args.pairs}) | {sandbox_s:.1f} |\n"
          f"| one submission alone, trusted, no sandbox (median of {args.pairs}) | {trusted_s:.1f} |\n"
          f"| sandbox overhead per submission | {sandbox_s - trusted_s:+.1f} |")


if __name__ == "__main__":
    main()
