"""The grading command: grade (a folder of submissions, one folder per student)."""

from __future__ import annotations

import sys


def add_commands(subparsers) -> None:
    """Add grade to ``subparsers``."""
    grade = subparsers.add_parser("grade", help="grade a folder of submissions (one folder per "
                                  "student): build/grades/gradebook.csv and summary.csv")
    grade.add_argument("submissions", nargs="?", help="folder holding one folder per student")
    grade.add_argument("--out", default="build/grades", help="output folder (default: build/grades)")
    grade.add_argument("--time-limit", type=float, default=600,
                       help="seconds per notebook before it is stopped (default: 600)")
    grade.add_argument("--memory", default="3G",
                       help="memory per notebook, e.g. 3G or 1500M (default: 3G)")
    grade.add_argument("--processes", type=int, default=512,
                       help="processes and threads per notebook (default: 512)")
    grade.add_argument("--trusted", action="store_true",
                       help="no sandbox: only for your own notebooks (students' run in bubblewrap)")
    grade.add_argument("--jobs", type=int, default=2, help="notebooks graded at a time (default: 2)")
    grade.add_argument("--no-memory-limit", action="store_true",
                       help="grade where memory can only be watched, not limited (a normal user without cgroups)")
    grade.add_argument("--same-exercises", action="store_true",
                       help="the class got the shared edition (make student without a class list): grade "
                       "everyone's exercises with the course's own values, each with their own seed")
    grade.add_argument("--shard", help="K/N: grade only the K-th of N slices of the sorted class, into "
                       "<out>/parts/ (one machine or pod each); then grade --merge")
    grade.add_argument("--merge", action="store_true", help="join the N parts in <out>/parts/ into gradebook.csv "
                       "and summary.csv, refusing a missing, duplicated or unfinished part")
    grade.add_argument("--fresh", action="store_true", help="grade everything again, even what is unchanged "
                       "since the last grading")
    grade.set_defaults(handler=_grade)


def _grade(args) -> int:
    from course_tools.grading.grader import grade_folder
    from course_tools.grading.rounds import parse_shard
    from course_tools.grading.sandbox import Limits, SandboxUnavailable, parse_size
    from course_tools.notebook.variants import load_secret

    if args.merge:
        return _merge(args)
    if not args.submissions:
        print("make grade: give the submissions folder (make grade SUBMISSIONS=path/to/folder)", file=sys.stderr)
        return 2

    limits = Limits(parse_size(args.memory), args.processes, args.time_limit)
    try:
        secret = load_secret(create=args.same_exercises)
    except (FileNotFoundError, PermissionError) as error:
        print(f"make grade refused: {error} (a class that got the shared edition: make grade SAME_EXERCISES=1)",
              file=sys.stderr)
        return 2
    try:
        rows = grade_folder(args.submissions, args.out, limits=limits, trusted=args.trusted, jobs=args.jobs,
                            no_memory_limit=args.no_memory_limit, secret=secret,
                            same_exercises=args.same_exercises, fresh=args.fresh,
                            shard=parse_shard(args.shard) if args.shard else None)
    except SandboxUnavailable as error:
        print(f"make grade refused: {error}", file=sys.stderr)
        return 2
    where = (f"{args.out}/parts/ (then: grade --merge)" if args.shard
             else f"{args.out}/gradebook.csv, {args.out}/summary.csv")
    _report(rows, where)
    return 0


def _merge(args) -> int:
    from pathlib import Path

    from course_tools.grading.gradebook import write_gradebook
    from course_tools.grading.rounds import merge_parts

    rows, how = merge_parts(Path(args.out))
    write_gradebook(rows, Path(args.out), how)
    _report(rows, f"{args.out}/gradebook.csv, {args.out}/summary.csv")
    return 0


def _report(rows: list[dict], where: str) -> None:
    students = sorted({row["student"] for row in rows})
    passed = sum(row["passed"] for row in rows)
    print(f"{len(students)} students, {passed} of {len(rows)} checks passed: {where}")
