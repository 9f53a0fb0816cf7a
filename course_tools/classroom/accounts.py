"""The class hub's accounts: a password per student of the class list, the hub's accounts file,
and, as root, a system account per student whose home only they can read.

``make hub-accounts`` gives every student a password to hand out (``passwords.csv``; the hub
keeps only scrypt hashes in ``accounts.json``). Accounts the course created are members of
``course-students``; any other existing account is refused.
"""

from __future__ import annotations

import csv
import grp
import json
import os
import pwd
import secrets
import subprocess
from pathlib import Path

from course_tools.classroom import hub_auth
from course_tools.notebook.class_list import Student
from course_tools.settings import BUILD
from course_utils.reporting import write_text_atomically

HUB_DIR = BUILD / "hub"
ACCOUNTS = "accounts.json"
PASSWORDS = "passwords.csv"
STUDENTS_GROUP = "course-students"  # the accounts the course created (it outlives make clean)
FIRST_PERSON_UID, NOBODY_UID = 1000, 65534


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
    write_text_atomically(hub_dir / ACCOUNTS, json.dumps(accounts, indent=1), private=True)
    rows = "".join(f"{name},{handed_out[name]}\n" for name in sorted(handed_out) if name in accounts)
    return write_text_atomically(passwords_path, "student,password\n" + rows, private=True)


def read_accounts(hub_dir: Path = HUB_DIR) -> dict[str, dict]:
    return hub_auth.read_accounts(hub_dir / ACCOUNTS)


def check_accounts(students: list[Student], *, adopt: bool = False) -> None:
    """Refuse, before anything changes, an account the course did not create.

    An existing account is reused only when it belongs to the ``course-students`` group,
    which the course gives every account it creates; ``adopt`` admits the ordinary accounts
    (uid 1000 and up) that an older version of the course created. root, the system accounts
    and nobody are always refused.
    """
    members = _group_members(STUDENTS_GROUP)
    refused = []
    for student in students:
        try:
            account = pwd.getpwnam(student.name)
        except KeyError:
            continue
        ordinary = FIRST_PERSON_UID <= account.pw_uid < NOBODY_UID
        if not ordinary or (student.name not in members and not adopt):
            refused.append(f"{student.name} (uid {account.pw_uid})")
    if refused:
        raise PermissionError(
            f"The class list names accounts that exist on this machine and that the course did not create: "
            f"{', '.join(refused)}. Nothing was changed. Rename these students in the class list; an account "
            f"an older version of the course created (uid 1000 and up) is adopted with HUB_ADOPT=1 "
            f"(hub-accounts --adopt).")


def create_system_accounts(students: list[Student], *, adopt: bool = False) -> list[str]:
    """As root: a system account per student (no login shell, in ``course-students``), its home theirs only."""
    if os.geteuid() != 0:
        raise PermissionError("Creating system accounts needs root: "
                              "sudo .venv/bin/python -m course_tools hub-accounts CLASS --system-users")
    check_accounts(students, adopt=adopt)
    if not _group_exists(STUDENTS_GROUP):
        subprocess.run(["groupadd", "--system", STUDENTS_GROUP], check=True)
    created = []
    for student in students:
        try:
            pwd.getpwnam(student.name)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", "--user-group",
                            "--groups", STUDENTS_GROUP, student.name], check=True)
            created.append(student.name)
        else:
            subprocess.run(["usermod", "--append", "--groups", STUDENTS_GROUP, student.name], check=True)
        os.chmod(pwd.getpwnam(student.name).pw_dir, 0o700)
    return created


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _group_members(name: str) -> set[str]:
    return set(grp.getgrnam(name).gr_mem) if _group_exists(name) else set()


def student_home(name: str, hub_dir: Path = HUB_DIR, *, system_accounts: bool = True) -> Path:
    """The student's home: their system account's, or a folder of the hub's when they share one account."""
    return Path(pwd.getpwnam(name).pw_dir) if system_accounts else hub_dir / "homes" / name

