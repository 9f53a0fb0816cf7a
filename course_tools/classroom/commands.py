"""The classroom commands: lab and lab-settings (make lab), and the class hub's: hub (make hub),
hub-accounts, hub-edition, hub-image, hub-k8s, hub-collect; and feedback (make feedback), which hands
each student their results, into a folder per student or into their hub home."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from course_utils.language import language_codes

LAB_START = "/lab/tree/notebooks/01_data.ipynb"


def add_commands(subparsers) -> None:
    """Add lab-settings, hub-accounts, hub-edition, hub-image, hub-k8s, hub-collect and feedback to ``subparsers``."""
    lab = subparsers.add_parser("lab-settings", help="write JupyterLab user settings for one "
                                "interface language (make lab LAB_LANG=zh)")
    lab.add_argument("--lang", choices=language_codes(), default="en")
    lab.add_argument("--out", required=True, help="the settings folder to write")
    lab.set_defaults(handler=_lab_settings)

    lab_server = subparsers.add_parser("lab", help="make lab: JupyterLab on 127.0.0.1 with your own copy of "
                                       "the one-language course edition, in that language's interface")
    lab_server.add_argument("--lang", choices=language_codes(), default="en")
    lab_server.add_argument("--work", help="your work folder (default: COURSE_WORK_DIR, ~/course-autoencoders-work)")
    lab_server.add_argument("--source", action="store_true", help="open the bilingual source notebooks instead "
                            "(make lab-source, for authors)")
    lab_server.set_defaults(handler=_serve_lab)

    serve = subparsers.add_parser("hub", help="make hub: hub-accounts, then JupyterHub for the class")
    _accounts_arguments(serve)
    serve.add_argument("--ip", default="127.0.0.1", help="any other than 127.0.0.1 serves HTTPS only")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--memory", default="2.5G", help="memory per student (default: 2.5G)")
    serve.add_argument("--cert", help="the hub's TLS certificate (default: one made once)")
    serve.add_argument("--key", help="its private key")
    serve.set_defaults(handler=_serve_hub)

    accounts = subparsers.add_parser("hub-accounts", help="make hub's first step: passwords for a class "
                                     "list (student,lang), the editions, the shared data; --system-users as root")
    _accounts_arguments(accounts)
    accounts.set_defaults(handler=_hub_accounts)

    edition = subparsers.add_parser("hub-edition",
 help="(run by the hub as the student) copy the edition home")
    edition.add_argument("--lang", choices=language_codes(), required=True)
    edition.add_argument("--home", required=True)
    edition.add_argument("--hub-dir", required=True)
    edition.add_argument("--variants", default="{}", help="the student's exercise values, as JSON")
    edition.set_defaults(handler=_hub_edition)

    image = subparsers.add_parser("hub-image", help="(run by postBuild for the Kubernetes image) every "
                                  "language's edition, their JupyterLab settings and full MNIST, in --hub-dir")
    image.add_argument("--hub-dir", default="build/hub")
    image.add_argument("--strip-solutions", action="store_true", help="then delete from the checkout what "
                       "holds solutions (notebooks/, build/executions/, tests/, .git): in the image only")
    image.set_defaults(handler=_hub_image)

    k8s = subparsers.add_parser("hub-k8s", help="the class list for Zero to JupyterHub: passwords to hand "
                                "out and build/hub/z2jh-class.yaml, Helm values beside deploy/z2jh-values.yaml")
    k8s.add_argument("class_list", help="CSV with the columns student,lang (a language of the course)")
    k8s.add_argument("--hub-dir", default="build/hub", help="where the passwords and values go (default: build/hub)")
    k8s.set_defaults(handler=_hub_k8s)

    collect = subparsers.add_parser("hub-collect", help="copy each student's notebooks from the hub homes "
                                    "into submissions/<student>/ for make grade")
    collect.add_argument("--hub-dir", default="build/hub")
    collect.add_argument("--out", default="submissions", help="submissions folder (default: submissions)")
    collect.add_argument("--shared-account", action="store_true", help="the hub ran without system accounts")
    collect.set_defaults(handler=_hub_collect)

    feedback = subparsers.add_parser("feedback", help="each student's results from the gradebook, in their "
                                     "language: <out>/<student>/feedback.md, or (--hub) in their hub home")
    feedback.add_argument("--grades", default="build/grades", help="the folder make grade wrote (default: build/grades)")
    where = feedback.add_mutually_exclusive_group()
    where.add_argument("--out", default="build/feedback", help="a folder per student (default: build/feedback)")
    where.add_argument("--hub", action="store_true", help="into each student's hub home, ~/course/notebooks/")
    feedback.add_argument("--submissions", help="(with --out) each student's language from the edition they "
                          "handed in; without it, from their messages in the gradebook")
    feedback.add_argument("--hub-dir", default="build/hub", help="(with --hub) the hub's folder (default: build/hub)")
    feedback.add_argument("--shared-account", action="store_true", help="(with --hub) the hub ran without "
                          "system accounts")
    feedback.set_defaults(handler=_feedback)


def _accounts_arguments(parser) -> None:
    parser.add_argument("class_list", help="CSV file with the columns student and lang (a language of the course)")
    parser.add_argument("--hub-dir", default="build/hub", help="the hub's folder (default: build/hub)")
    parser.add_argument("--system-users", action="store_true",
                        help="create a system account per student (root): students cannot read each other's files")
    parser.add_argument("--adopt", action="store_true", help="reuse accounts (uid 1000 and up) that an older "
                        "version of the course created; any other existing account is refused")
    parser.add_argument("--edition", choices=["student", "course"], default="student",
                        help="what homes receive: the student edition (default; no solution), or the course "
                        "edition (solutions folded, their outputs in the file), only for a class not graded")


def _serve_lab(args) -> int:
    """Write the interface's settings, copy the edition (make lab) and become JupyterLab."""
    from course_tools.classroom.lab import write_lab_settings
    from course_tools.notebook.editions import prepare_work_folder
    from course_tools.settings import BUILD, ROOT, current

    settings = write_lab_settings(BUILD / "lab-settings" / args.lang, args.lang)
    if args.source:
        root = ROOT
    else:
        root = prepare_work_folder(args.lang, folder=Path(args.work or current().work_folder()) / args.lang)
        print(f"[lab] The {args.lang} course edition is in {root} (your own copy: rebuilding never "
              "overwrites a notebook you changed).", flush=True)
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    os.execv(jupyter, [jupyter, "lab", "--ip=127.0.0.1", *(["--allow-root"] if os.geteuid() == 0 else []),
                       f"--LabApp.user_settings_dir={settings}", f"--ServerApp.root_dir={root}",
                       "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                       f"--LabApp.default_url={LAB_START}"])


def _serve_hub(args) -> int:
    """hub-accounts, then become JupyterHub with the hub's settings (docs/en/settings.md)."""
    from course_tools.classroom import hub
    from course_tools.settings import current

    status = _hub_accounts(args)
    if status:
        return status
    settings = current().replace(hub_dir=Path(args.hub_dir), hub_ip=args.ip, hub_port=args.port,
                                 hub_memory=args.memory, hub_shared_account=not args.system_users,
                                 hub_ssl_cert=Path(args.cert) if args.cert else None,
                                 hub_ssl_key=Path(args.key) if args.key else None)
    folder = Path(sys.executable).parent  # the venv's: JupyterHub starts the servers from it
    environment = {**os.environ, **settings.environment(), "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    jupyterhub = str(folder / "jupyterhub")
    os.execve(jupyterhub, [jupyterhub, "-f", str(hub.CONFIG)], environment)


def _lab_settings(args) -> int:
    from course_tools.classroom.lab import write_lab_settings

    print(write_lab_settings(args.out, args.lang))
    return 0


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


def _hub_edition(args) -> int:
    from course_tools.classroom.hub import copy_edition

    copy_edition(args.lang, Path(args.home), Path(args.hub_dir), json.loads(args.variants))
    return 0


def _hub_image(args) -> int:
    from course_tools.classroom import hub, k8s
    from course_tools.provision.mnist_wheel import prepare_mnist
    from course_tools.settings import ROOT

    prepare_mnist()
    hub.prepare_hub_folder(set(language_codes()), Path(args.hub_dir))
    print(f"[hub-image] the student editions ({', '.join(language_codes())}), their JupyterLab settings and "
          f"full MNIST are in {args.hub_dir}")
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


def _hub_collect(args) -> int:
    from course_tools.classroom.collect import collect

    counts = collect(Path(args.hub_dir), Path(args.out), system_accounts=not args.shared_account)
    print(f"[collect] {sum(counts.values())} notebooks of {len(counts)} students in {args.out}/; "
          f"grade them with: make grade SUBMISSIONS={args.out}")
    return 0


def _feedback(args) -> int:
    from course_tools.classroom.hand_back import feedback_to_homes
    from course_tools.grading.feedback import feedback_to_folders

    if args.hub:
        report = feedback_to_homes(args.grades, Path(args.hub_dir), system_accounts=not args.shared_account)
        print(report.summary("their hub homes (~/course/notebooks/)"))
    else:
        report = feedback_to_folders(args.grades, args.out, submissions=args.submissions)
        print(report.summary(f"{args.out}/<student>/ (yours only: hand each folder to its student)"))
    return 0
