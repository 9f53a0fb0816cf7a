"""Serving a class on one machine: JupyterHub (make hub) and the homes collected for grading (make collect).

A class list (CSV: ``student,lang``) names the accounts and each student's language.
``make hub-accounts`` gives every student a password to hand out (``passwords.csv``; the hub
keeps only scrypt hashes in ``accounts.json``) and, as root, a system account whose home only
they can read. The hub (configuration in ``templates/hub/jupyterhub_config.py``) starts each
student's server as that account, with their language's student edition (no solution, no
answer printed) copied into ``~/course`` on first start; a notebook they changed is never
overwritten. A student's processes see only what they need (:func:`student_readable`), in
a cgroup of their own (:func:`student_group`).
"""

from __future__ import annotations

import csv
import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import course_tools
from course_tools.classroom import hub_auth
from course_tools.grading import cgroups, sandbox
from course_tools.settings import BUILD, ROOT, current
from course_utils.reporting import atomic_path, read_regular_file, write_text_atomically

HUB_DIR = BUILD / "hub"
CONFIG = ROOT / "course_tools" / "classroom" / "templates" / "hub" / "jupyterhub_config.py"
Z2JH_CONFIG = CONFIG.with_name("z2jh_class.py")
Z2JH_ETC = "/usr/local/etc/jupyterhub"  # the chart's configuration folder in the hub's pod
Z2JH_HEADER = ("the class list for Zero to JupyterHub, with deploy/z2jh-values.yaml (see README).\n"
               "# Password hashes only; keep it out of version control all the same.\n")
ACCOUNTS = "accounts.json"
PASSWORDS = "passwords.csv"
COURSE_FOLDER = "course"  # in each student's home
USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")
STUDENTS_GROUP = "course-students"  # the accounts the course created (it outlives make clean)
FIRST_PERSON_UID, NOBODY_UID = 1000, 65534
EDITIONS = ("student", "course")  # what homes receive: make hub gives the student edition
COLLECT_LIMIT = 64 * 2 ** 20  # bytes collected per student at most
COPY_SECONDS = 120  # the edition's copy into a home, at most


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


def prepare_hub_folder(langs: set[str], hub_dir: Path = HUB_DIR, *, edition: str = "student") -> None:
    """What every student's server reads: each language's edition and JupyterLab settings, and full MNIST.

    ``hub_dir`` is the hub's own (0700): the students' processes see these folders
    through read-only binds, never the hub's database, passwords or logs.
    """
    from course_tools.classroom.lab import write_lab_settings

    hub_dir.mkdir(parents=True, exist_ok=True)
    hub_dir.chmod(0o700)
    for lang in sorted(langs):
        write_lab_settings(hub_dir / "lab-settings" / lang, lang)
    share_data(hub_dir)
    prepare_editions(langs, hub_dir, edition=edition)


def prepare_editions(langs: set[str], hub_dir: Path = HUB_DIR, *, edition: str = "student") -> dict[str, Path]:
    """Each language's edition, once, in ``hub_dir/editions/<lang>``: executing only what is not cached.

    The student edition (no solution cell, exercises' outputs cleared) unless ``edition``
    is "course" (solutions folded, their outputs in the file): only for a class that is not graded.
    """
    from course_tools.notebook.editions import prepare_work_folder
    from course_tools.notebook.student import write_student_edition

    if edition not in EDITIONS:
        raise ValueError(f"HUB_EDITION must be one of {', '.join(EDITIONS)}; got {edition!r}.")
    folders = {lang: hub_dir / "editions" / lang for lang in sorted(langs)}
    for lang, folder in folders.items():
        if edition == "course":
            prepare_work_folder(lang, folder=folder)
        else:
            write_student_edition(_course_notebooks(), folder, lang=lang, models=False)
    return folders


def _course_notebooks() -> list[Path]:
    from course_tools.run.runner import course_notebooks

    return course_notebooks()


def share_data(hub_dir: Path = HUB_DIR, source: Path | None = None) -> Path:
    """Full MNIST (from ``source``, by default make data's folder) in the hub's folder, for every student."""
    from course_utils.data import course_data_dir

    source, target = Path(source or course_data_dir("mnist")), hub_dir / "data" / "mnist"
    if not source.is_dir():
        raise FileNotFoundError(f"Full MNIST is missing from {source}: run `make data` first.")
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and not (target / path.name).exists():
            shutil.copy2(path, target / path.name)
    return target


def issue_variants(students: list[Student], hub_dir: Path = HUB_DIR, secret: bytes | None = None) -> None:
    """Each student's own exercise values, per notebook, into the accounts file: the hub shows them
    in the student's edition (:func:`copy_edition`), and make grade derives the same from the secret."""
    import nbformat

    from course_tools.notebook.variants import load_secret, student_variant

    secret = secret or load_secret()
    notebooks = {path.name: nbformat.read(path, as_version=4) for path in _course_notebooks()}
    accounts = read_accounts(hub_dir)
    for student in students:
        accounts[student.name]["variants"] = {name: student_variant(secret, student.name, nb)
                                              for name, nb in notebooks.items()}
    write_private(hub_dir / ACCOUNTS, json.dumps(accounts, indent=1))


def edition_command(name: str, lang: str, hub_dir: Path = HUB_DIR, variants: dict | None = None) -> list[str]:
    """The command that copies the ``lang`` edition into ``name``'s ``~/course``, as the student.

    The home is theirs to change (links, FIFOs, a ``course_tools`` folder of their own), so
    the hub never writes into it as root, and ``python -I`` ignores the working folder.
    """
    account = pwd.getpwnam(name)
    command = [sys.executable, "-I", "-m", "course_tools", "hub-edition", "--lang", lang,
               "--home", account.pw_dir, "--hub-dir", str(hub_dir), "--variants", json.dumps(variants or {})]
    return as_student(account, command, [*student_readable(lang, hub_dir), Path(course_tools.__file__).parent])


def as_student(account: pwd.struct_passwd, command: list[str], readable: list[Path]) -> list[str]:
    """``command`` run as the student's account, seeing only ``readable`` and their home."""
    return sandbox.as_account(command, uid=account.pw_uid, gid=account.pw_gid, home=account.pw_dir,
                              readable=readable)


def student_readable(lang: str, hub_dir: Path = HUB_DIR) -> list[Path]:
    """All a student's processes see besides their home: the Python environment, course_utils and
    the shipped models, the data, their edition and JupyterLab's settings in their language."""
    import course_utils
    from course_utils.defaults import shipped_folder

    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(course_utils.__file__).parent, shipped_folder(),
             hub_dir / "data", hub_dir / "editions" / lang, hub_dir / "lab-settings" / lang]
    return [path for path in paths if path.exists()]


def student_limits(memory: str | None = None, cpus: float | None = None) -> cgroups.GroupLimits:
    """Each student's share: by default (settings) 2.5 GB (one active student needs 1.25 GB, measured,
    and the limit leaves room for a second open notebook), 1,024 processes and threads, 2 CPUs."""
    settings = current()
    return cgroups.GroupLimits(sandbox.parse_size(memory or settings.hub_memory), processes=1024,
                               cpus=float(cpus or settings.hub_cpus))


def student_group(name: str, limits: cgroups.GroupLimits) -> cgroups.Group | None:
    """The student's cgroup (their server and kernels), or None where cgroups cannot be made."""
    if cgroups.version() is None:
        return None
    return cgroups.Group(f"course-hub-{name}", limits)


def copy_edition(lang: str, home: Path, hub_dir: Path = HUB_DIR, variants: dict | None = None) -> Path:
    """The copy itself: each notebook delivered (a changed one is kept, the new one beside it),
    showing the student's own exercise values (``variants``: notebook name → values).

    A notebook delivered by an older hub with its solutions keeps the student's cells and
    loses the solution cells and the exercises' outputs. Only regular files are read.
    """
    import nbformat

    from course_tools.notebook.editions import deliver
    from course_tools.notebook.variants import with_variant

    edition, folder = hub_dir / "editions" / lang, home / COURSE_FOLDER
    for notebook in sorted((edition / "notebooks").glob("*.ipynb")):
        if not notebook.name.endswith(".new.ipynb"):
            target = folder / "notebooks" / notebook.name
            remove_answers(target)
            nb = with_variant(nbformat.read(notebook, as_version=4), (variants or {}).get(notebook.name, {}))
            deliver(nb, target)
    for diagram in sorted((edition / "assets").glob("*.png")):
        target = folder / "assets" / diagram.name
        if regular_file_or_none(target) != diagram.read_bytes():
            with atomic_path(target) as partial:
                partial.write_bytes(diagram.read_bytes())
    return folder


def remove_answers(path: Path) -> bool:
    """Drop the solution cells, and the exercises' outputs, from a notebook in a home; True if changed."""
    import nbformat

    from course_tools.notebook.editions import DELIVERED

    text = regular_file_or_none(path)
    if text is None or b'"solution"' not in text:
        return False
    record = regular_file_or_none(path.parent / DELIVERED)
    if record and hashlib.sha256(text).hexdigest() in json.loads(record).values():
        return False  # unchanged: deliver replaces it whole
    try:
        nb = nbformat.reads(text.decode("utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 (not a notebook: deliver keeps it and writes the new one beside)
        return False
    tags = [set(cell.metadata.get("tags", [])) for cell in nb.cells]
    if not any("solution" in cell_tags for cell_tags in tags):
        return False
    nb.cells = [cell for cell, cell_tags in zip(nb.cells, tags) if "solution" not in cell_tags]
    for cell in nb.cells:
        if "exercise" in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None
    write_text_atomically(path, nbformat.writes(nb))
    return True


def regular_file_or_none(path: Path, limit: int = COLLECT_LIMIT, *, dir_fd: int | None = None) -> bytes | None:
    """The bytes of a regular file (no link, no FIFO, at most ``limit`` bytes); None for anything else."""
    try:
        return read_regular_file(path, limit, dir_fd=dir_fd)
    except (OSError, ValueError):
        return None


def collect(hub_dir: Path, submissions: Path, *, system_accounts: bool = True,
            limit: int = COLLECT_LIMIT) -> dict[str, int]:
    """Copy each student's notebooks into ``submissions/<student>/``, the layout make grade takes.

    Only the course's notebook names, only regular files, at most ``limit`` bytes a student; no
    link is followed in any part of the path (each folder is opened from the one above it).
    ``submissions`` and what it holds are readable by the instructor only.
    """
    names = [path.name for path in _course_notebooks()]
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
    folder = _open_folder(home, [COURSE_FOLDER, "notebooks"])
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


def _open_folder(start: Path, parts: list[str]) -> int | None:
    """A descriptor of ``start/parts...``, opened one folder at a time without following a link."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        folder = os.open(start, flags)
    except OSError:
        return None
    for part in parts:
        try:
            inner = os.open(part, flags, dir_fd=folder)
        except OSError:
            inner = None
        os.close(folder)
        if inner is None:
            return None
        folder = inner
    return folder


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


def is_loopback(ip: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def tls_files(hub_dir: Path, ip: str, cert: str | None = None, key: str | None = None) -> tuple[Path, Path]:
    """The certificate and key the hub serves HTTPS with: the instructor's, or one made once for ``ip``.

    A made certificate is self-signed: browsers warn about it, so the instructor shows the class
    its SHA-256 fingerprint (:func:`fingerprint`) to compare with the one the browser shows.
    """
    if cert or key:
        paths = Path(cert or ""), Path(key or "")
        missing = [str(path) for path in paths if not path.is_file()]
        if missing or not (cert and key):
            raise FileNotFoundError(f"HUB_CERT and HUB_KEY name the certificate and its key; missing: "
                                    f"{', '.join(missing) or 'one of the two'}.")
        return paths
    folder = hub_dir / "tls"
    made = folder / "hub-cert.pem", folder / "hub-key.pem"
    if not all(path.is_file() for path in made):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        certificate, private_key = self_signed_certificate(ip)
        write_private(made[1], private_key)
        write_private(made[0], certificate)
    return made


def self_signed_certificate(ip: str, days: int = 365) -> tuple[str, str]:
    """A PEM certificate for ``ip`` (and this machine's name) and its private key."""
    import datetime
    import ipaddress
    import socket

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"course hub {socket.gethostname()}")])
    names: list[x509.GeneralName] = [x509.DNSName(socket.gethostname()), x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    except ValueError:
        names.append(x509.DNSName(ip))
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=days))
                   .add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    key_text = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_text


def fingerprint(cert: Path) -> str:
    """The certificate's SHA-256 fingerprint, as browsers show it (AB:CD:...)."""
    import ssl

    der = ssl.PEM_cert_to_DER_cert(Path(cert).read_text(encoding="utf-8"))
    return ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())


def student_log(hub_dir: Path, name: str):
    """The file a student's server writes its output to (0600, the hub's): a new one each start."""
    folder = hub_dir / "logs"
    folder.mkdir(mode=0o700, exist_ok=True)
    descriptor = os.open(folder / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    return os.fdopen(descriptor, "wb")


SOLUTION_HOLDERS = ("notebooks", "build/executions", "build/student", "tests", ".git")


def strip_solutions(root: Path) -> list[str]:
    """Delete from ``root`` what holds the solutions (the source notebooks, their executions, the
    tests, the history): run in the students' image after its editions are built, never in a checkout."""
    if os.environ.get("REPO_DIR") != str(root):  # repo2docker sets it to --target-repo-dir
        raise RuntimeError(f"--strip-solutions deletes notebooks/, tests/ and .git from {root}; it runs only "
                           f"while repo2docker builds the students' image (REPO_DIR={root}).")
    removed = []
    for name in SOLUTION_HOLDERS:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
            removed.append(name)
        elif path.exists() or path.is_symlink():
            path.unlink()
            removed.append(name)
    return removed
