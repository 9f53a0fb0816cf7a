"""The grading commands: grade (a folder of submissions, one folder per student), grade-k8s (the
manifests that grade a class on Kubernetes) and grade-pod (the trusted steps of one of its pods)."""

from __future__ import annotations

import sys


def add_commands(subparsers) -> None:
    """Add grade, grade-k8s and grade-pod to ``subparsers``."""
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
    grade.add_argument("--full-way", action="store_true", help="run each notebook in full, in a sandbox of its "
                       "own (slower; by default a student's notebooks run together, only the cells grading needs)")
    grade.add_argument("--fresh", action="store_true", help="grade everything again, even what is unchanged "
                       "since the last grading")
    grade.set_defaults(handler=_grade)
    _add_kubernetes_commands(subparsers)


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
                            same_exercises=args.same_exercises, fresh=args.fresh, combine=not args.full_way,
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


def _add_kubernetes_commands(subparsers) -> None:
    k8s = subparsers.add_parser("grade-k8s", help="make grade-k8s: the manifests that grade a class on Kubernetes, "
                                "one pod per student (an Indexed Job), then merge: build/grade-k8s/*.yaml")
    k8s.add_argument("students", help="the submissions folder (one folder per student) or the number of students")
    k8s.add_argument("--out", default="build/grade-k8s", help="output folder (default: build/grade-k8s)")
    k8s.add_argument("--grading-image", default="REGISTRY/course-grading:TAG",
                     help="the grading image (deploy/grading.Dockerfile; it holds the solutions)")
    k8s.add_argument("--students-image", help="the students' image (default: deploy/z2jh-values.yaml's)")
    k8s.add_argument("--parallelism", type=int, default=4, help="pods at a time (default: 4)")
    k8s.add_argument("--cpu", default="1", help="CPUs per container, a Kubernetes quantity (default: 1)")
    k8s.add_argument("--memory", default="3G", help="memory per container, e.g. 3G (default: 3G)")
    k8s.add_argument("--time-limit", type=float, default=600, help="seconds per notebook run (default: 600)")
    k8s.add_argument("--same-exercises", action="store_true", help="as grade --same-exercises")
    k8s.set_defaults(handler=_grade_k8s)
    pod = subparsers.add_parser("grade-pod", help="(run by make grade-k8s's pods) prepare: a student's notebooks, "
                                "ready to run; judge: their answers, judged into the student's part")
    pod.add_argument("step", choices=("prepare", "judge"))
    pod.add_argument("--index", type=int, required=True, help="JOB_COMPLETION_INDEX: the student, 0-based")
    pod.add_argument("--students", type=int, required=True, help="the class's size (the Job's completions)")
    pod.add_argument("--submissions", default="/submissions", help="one folder per student (default: /submissions)")
    pod.add_argument("--exchange", default="/exchange", help="the pod's scratch volume (default: /exchange)")
    pod.add_argument("--out", default="/grades", help="the parts go to OUT/parts/ (default: /grades)")
    pod.add_argument("--secret-file", default="/var/run/course-grading/grading-secret",
                     help="the grading secret, mounted from a Kubernetes Secret")
    pod.add_argument("--memory", default="3G", help="the containers' memory limit, for the messages")
    pod.add_argument("--time-limit", type=float, default=600, help="seconds per notebook run, for the messages")
    pod.add_argument("--cpu", default="1", help="the containers' CPU limit, for the summary")
    pod.add_argument("--same-exercises", action="store_true", help="as grade --same-exercises")
    pod.set_defaults(handler=_grade_pod)


def _grade_k8s(args) -> int:
    from pathlib import Path

    from course_tools.grading import k8s_job
    from course_tools.grading.sandbox import Limits, parse_size

    students = k8s_job.class_size(args.students)
    limits = Limits(parse_size(args.memory), seconds=args.time_limit)
    written = k8s_job.write_manifests(students, Path(args.out), grading_image=args.grading_image,
                                      student_image=args.students_image, parallelism=args.parallelism,
                                      limits=limits, cpu=args.cpu, same_exercises=args.same_exercises)
    print(f"grading {students} students on Kubernetes: {', '.join(str(p) for p in written)} "
          "(the commands: docs/en/grading.md, \"A class on Kubernetes\")")
    return 0


def _grade_pod(args) -> int:
    from pathlib import Path

    from course_tools.grading import k8s_job
    from course_tools.grading.sandbox import Limits, parse_size

    done = k8s_job.grade_in_pod(args.step, args.index, args.students, submissions=Path(args.submissions),
                                exchange=Path(args.exchange), out=Path(args.out), secret_file=Path(args.secret_file),
                                limits=Limits(parse_size(args.memory), seconds=args.time_limit), cpu=args.cpu,
                                same_exercises=args.same_exercises)
    if args.step == "prepare":
        print(f"prepared {len(done['notebooks'])} notebooks of {done['student']} in {args.exchange}")
    else:
        _report(done, f"{args.out}/parts/ (then: grade --merge)")
    return 0
