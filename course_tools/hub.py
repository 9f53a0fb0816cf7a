"""Serving a class on one machine: JupyterHub (make hub) and the homes collected for grading (make collect).

A class list (CSV: ``student,lang``) names the accounts and each student's language.
``make hub-accounts`` gives every student a password to hand out (``passwords.csv``; the hub
keeps only scrypt hashes in ``accounts.json``) and, as root, a system account whose home only
they can read. The hub (configuration in ``templates/hub/jupyterhub_config.py``) starts each
student's server as that account, with their language's edition copied into ``~/course`` on
first start; a notebook they changed is never overwritten.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course_tools import hub_auth, sandbox
from course_tools.paths import BUILD, ROOT

HUB_DIR = BUILD / "hub"
CONFIG = ROOT / "course_tools" / "templates" / "hub" / "jupyterhub_config.py"
Z2JH_CONFIG = CONFIG.with_name("z2jh_class.py")
Z2JH_ETC = "/usr/local/etc/jupyterhub"  # the chart's configuration folder in the hub's pod
Z2JH_HEADER = ("the class list for Zero to JupyterHub, with deploy/z2jh-values.yaml (see README).\n"
               "# Password hashes only; keep it out of version control all the same.\n")
ACCOUNTS = "accounts.json"
PASSWORDS = "passwords.csv"
COURSE_FOLDER = "course"  # in each student's home
USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


@dataclass(frozen=True)
class Student:
    name: str
    lang: str


def read_class_list(path: str | os.PathLike) -> list[Student]:
    """The students of a CSV class list with the columns ``student`` and ``lang`` (zh or en)."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    if not rows or not {"student", "lang"} <= set(rows[0]):
        raise ValueError(f"{path} needs a header line 'student,lang' and one line per student.")
    students = []
    for number, row in enumerate(rows, start=2):
        name, lang = row["student"].strip(), row["lang"].strip()
        if not USERNAME.match(name):
            raise ValueError(f"{path}, line {number}: {name!r} is not a usable account name "
                             "(lower-case letters, digits, - and _, starting with a letter).")
        if lang not in ("zh", "en"):
            raise ValueError(f"{path}, line {number}: lang must be zh or en; got {lang!r}.")
        students.append(Student(name, lang))
    names = [s.name for s in students]
    if len(set(names)) != len(names):
        raise ValueError(f"{path} names a student twice: {sorted({n for n in names if names.count(n) > 1})}.")
    return students


def issue_passwords(students: list[Student], hub_dir: Path = HUB_DIR) -> Path:
    """A password for each new student in ``passwords.csv`` (0600); a student's password never changes."""
    hub_dir.mkdir(parents=True, exist_ok=True)
    accounts = read_accounts(hub_dir)
    passwords_path = hub_dir / PASSWORDS
    handed_out = {}
    if passwords_path.is_file():
        with open(passwords_path, newline="", encoding="utf-8") as file:
            handed_out = {row["student"]: row["password"] for row in csv.DictReader(file)}
    for student in students:
        if student.name not in accounts:
            handed_out[student.name] = secrets.token_urlsafe(9)
            salt = secrets.token_hex(16)
            accounts[student.name] = {"salt": salt, "hash": hub_auth.password_hash(handed_out[student.name], salt)}
        accounts[student.name]["lang"] = student.lang
    write_private(hub_dir / ACCOUNTS, json.dumps(accounts, indent=1))
    rows = "".join(f"{name},{handed_out[name]}\n" for name in sorted(handed_out) if name in accounts)
    return write_private(passwords_path, "student,password\n" + rows)


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` readable by its owner only, never half-written."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    partial.replace(path)
    return path


def read_accounts(hub_dir: Path = HUB_DIR) -> dict[str, dict]:
    return hub_auth.read_accounts(hub_dir / ACCOUNTS)


def create_system_accounts(students: list[Student]) -> list[str]:
    """As root: a system account per student (no login shell), its home readable by them only."""
    if os.geteuid() != 0:
        raise PermissionError("Creating system accounts needs root: "
                              "sudo .venv/bin/python -m course_tools hub-accounts CLASS --system-users")
    created = []
    for student in students:
        try:
            pwd.getpwnam(student.name)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", "--user-group",
                            student.name], check=True)
            created.append(student.name)
        os.chmod(pwd.getpwnam(student.name).pw_dir, 0o700)
    return created


def student_home(name: str, hub_dir: Path = HUB_DIR, *, system_accounts: bool = True) -> Path:
    """The student's home: their system account's, or a folder of the hub's when they share one account."""
    return Path(pwd.getpwnam(name).pw_dir) if system_accounts else hub_dir / "homes" / name


def prepare_hub_folder(langs: set[str], hub_dir: Path = HUB_DIR) -> None:
    """What every student's server reads: each language's edition and JupyterLab settings, and full MNIST."""
    from course_tools.lab import write_lab_settings

    for lang in sorted(langs):
        write_lab_settings(hub_dir / "lab-settings" / lang, lang)
    share_data(hub_dir)
    prepare_editions(langs, hub_dir)


def prepare_editions(langs: set[str], hub_dir: Path = HUB_DIR) -> dict[str, Path]:
    """Each language's edition, once, in ``hub_dir/editions/<lang>``: executing only what is not cached."""
    from course_tools.editions import prepare_work_folder

    return {lang: prepare_work_folder(lang, folder=hub_dir / "editions" / lang) for lang in sorted(langs)}


def share_data(hub_dir: Path = HUB_DIR, source: Path | None = None) -> Path:
    """Full MNIST (from ``source``, by default make data's folder) where every student can read it."""
    from course_utils.data import course_data_dir

    source, target = Path(source or course_data_dir("mnist")), hub_dir / "data" / "mnist"
    if not source.is_dir():
        raise FileNotFoundError(f"Full MNIST is missing from {source}: run `make data` first.")
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and not (target / path.name).exists():
            shutil.copy2(path, target / path.name)
    for folder in (hub_dir, hub_dir / "data", target):
        folder.chmod(0o755)
    return target


def give_edition(name: str, lang: str, home: Path, hub_dir: Path = HUB_DIR) -> None:
    """Copy the ``lang`` edition into the student's ``~/course``, as the student when they have an account.

    The home is theirs to change, links included, so the hub never writes into it as root.
    """
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        account = None
    if account is None or os.geteuid() != 0:
        copy_edition(lang, home, hub_dir)
        return
    command = [sys.executable, "-m", "course_tools", "hub-edition", "--lang", lang, "--home", str(home),
               "--hub-dir", str(hub_dir)]
    subprocess.run(as_student(account, command, student_readable(lang, hub_dir)), cwd=home,
                   env={"HOME": str(home), "PATH": os.defpath}, check=True, capture_output=True)


def as_student(account: pwd.struct_passwd, command: list[str], readable: list[Path]) -> list[str]:
    """``command`` run as the student's account, seeing ``readable`` even in a closed checkout."""
    return sandbox.as_account(command, uid=account.pw_uid, gid=account.pw_gid, home=account.pw_dir,
                              readable=readable)


def student_readable(lang: str, hub_dir: Path = HUB_DIR) -> list[Path]:
    """What a student's processes read: the Python environment, course_utils, the data, their edition."""
    import course_utils

    return [Path(sys.prefix), Path(sys.base_prefix), Path(course_utils.__file__).parent,
            Path(__file__).parent, hub_dir / "data", hub_dir / "editions" / lang, hub_dir / "lab-settings" / lang]


def copy_edition(lang: str, home: Path, hub_dir: Path = HUB_DIR) -> Path:
    """The copy itself: each notebook delivered (a changed one is kept, the new one beside it)."""
    import nbformat

    from course_tools.editions import deliver

    edition, folder = hub_dir / "editions" / lang, home / COURSE_FOLDER
    for notebook in sorted((edition / "notebooks").glob("*.ipynb")):
        if not notebook.name.endswith(".new.ipynb"):
            deliver(nbformat.read(notebook, as_version=4), folder / "notebooks" / notebook.name)
    shutil.copytree(edition / "assets", folder / "assets", dirs_exist_ok=True)
    return folder


def collect(hub_dir: Path, submissions: Path, *, system_accounts: bool = True) -> dict[str, int]:
    """Copy each student's notebooks into ``submissions/<student>/``, the layout make grade takes."""
    counts = {}
    for name in sorted(read_accounts(hub_dir)):
        home = student_home(name, hub_dir, system_accounts=system_accounts)
        notebooks = home / COURSE_FOLDER / "notebooks"
        target = submissions / name
        target.mkdir(parents=True, exist_ok=True)
        counts[name] = 0
        if any(p.is_symlink() for p in (home / COURSE_FOLDER, notebooks)) or not notebooks.is_dir():
            continue  # a link could point into another student's home
        for notebook in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
            if not notebook.name.endswith(".new.ipynb") and copy_plain_file(notebook, target / notebook.name):
                counts[name] += 1
    return counts


def copy_plain_file(source: Path, target: Path, *, limit: int = 64 * 2 ** 20) -> bool:
    """Copy a regular file of at most ``limit`` bytes, never through a link; False when skipped."""
    try:
        descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return False
        target.write_bytes(file.read(limit))
    return True


def z2jh_class_values(hub_dir: Path = HUB_DIR) -> dict:
    """Helm values for Zero to JupyterHub: the class list's log-in and languages, as files in the hub's pod.

    They go with deploy/z2jh-values.yaml: ``helm upgrade ... --values deploy/z2jh-values.yaml
    --values build/hub/z2jh-class.yaml``. Only hashes leave this machine, never a password.
    """
    files = {
        "course-accounts": (f"{Z2JH_ETC}/course/{ACCOUNTS}", (hub_dir / ACCOUNTS).read_text(encoding="utf-8")),
        "course-authenticator": (f"{Z2JH_ETC}/course/hub_auth.py", Path(hub_auth.__file__).read_text(encoding="utf-8")),
        "course-class-config": (f"{Z2JH_ETC}/jupyterhub_config.d/course_class.py",
                                Z2JH_CONFIG.read_text(encoding="utf-8")),
    }
    return {"hub": {"extraFiles": {key: {"mountPath": path, "stringData": text}
                                   for key, (path, text) in files.items()}}}


def write_z2jh_class_values(hub_dir: Path = HUB_DIR) -> Path:
    """``hub_dir/z2jh-class.yaml`` (0600), the files as readable blocks of text."""
    import yaml

    class BlockText(yaml.SafeDumper):
        pass

    BlockText.add_representer(str, lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))
    text = yaml.dump(z2jh_class_values(hub_dir), Dumper=BlockText, allow_unicode=True, sort_keys=False)
    return write_private(hub_dir / "z2jh-class.yaml", "# make hub-k8s: " + Z2JH_HEADER + text)
