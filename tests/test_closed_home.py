"""A course cloned into a home other accounts cannot enter (Debian 12 makes homes 0700).

The clone sits in a 0700 folder whose names hold spaces and Chinese characters, with
its own .venv made as `make setup` makes it (uv, from uv's cache, offline). From there
a student's server starts on the class hub and a submission is graded in the sandbox:
both run as other accounts, which see what they need through the closed folder and
nothing else of it. Needs root (system accounts; CI runs as root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from conftest import NEEDS_PYTHON_311

if sys.version_info < (3, 11):
    pytest.skip(NEEDS_PYTHON_311, allow_module_level=True)

from conftest import ROOT, require_full_mnist
from test_hub import (
    ANSWER,
    NOTEBOOK,
    api,
    editions_from_the_committed_notebook,
    free_port,
    run_in_kernel,
    status,
    stop,
    wait_for,
)

from course_tools.classroom import accounts, hub
from course_tools.classroom.lab import write_lab_settings
from course_tools.notebook import class_list
from course_tools.notebook.student import student_notebook

SCHEDULE_GROUP = "graders"  # the graders count nobody's processes; keep them on one worker
STUDENT = class_list.Student("closedtest-dan", "zh")
RIGHT_ANSWER = "most_ink = max(ink_digits, key=lambda d: dataset.x_train[dataset.y_train == d].mean())"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the students' processes run as other accounts, "
                                "which needs root (CI runs as root)")


def copy_working_tree(target: Path) -> None:
    """The checkout's files as they are now (tracked, and untracked but not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)


def make_venv(checkout: Path) -> Path:
    """`make setup`'s environment, from uv's cache (no network): what a run and the hub need."""
    uv = Path(sys.executable).parent / "uv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([str(uv), "venv", "--quiet", "--python", base, ".venv"], cwd=checkout, check=True)
    installed = subprocess.run(
        [str(uv), "pip", "install", "--quiet", "--offline", "--compile-bytecode", "--python", ".venv/bin/python",
         "-c", "requirements/constraints.txt", "-e", ".[run,hub]"], cwd=checkout, capture_output=True, text=True,
        encoding="utf-8")
    if installed.returncode != 0:
        pytest.fail(f"uv could not install the course offline (run `make setup` first):\n{installed.stderr[-2000:]}")
    return checkout / ".venv" / "bin" / "python"


@pytest.fixture(scope="module")
def closed_clone():
    top = Path(tempfile.mkdtemp(prefix="course-closed-"))
    home = top / "学生 家目录"
    checkout = home / "卷积 自编码器 course"
    checkout.mkdir(parents=True)
    home.chmod(0o700)
    copy_working_tree(checkout)
    (checkout / "node_modules").symlink_to(ROOT / "node_modules")  # the hub's proxy; it runs as root
    started = time.monotonic()
    python = make_venv(checkout)
    print(f"clone and .venv in a 0700 folder: {time.monotonic() - started:.1f} s")
    yield {"checkout": checkout, "python": python, "home": home}
    shutil.rmtree(top, ignore_errors=True)


def test_the_clone_is_closed_to_other_accounts(closed_clone):
    nobody = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "ls",
                             str(closed_clone["checkout"])], capture_output=True, text=True, encoding="utf-8")
    assert nobody.returncode != 0 and "Permission denied" in nobody.stderr


@pytest.fixture(scope="module")
def closed_hub(closed_clone):
    checkout, python = closed_clone["checkout"], closed_clone["python"]
    hub_dir = checkout / "build" / "hub"  # where make hub keeps it: inside the closed folder
    accounts.issue_passwords([STUDENT], hub_dir)
    accounts.create_system_accounts([STUDENT])
    write_lab_settings(hub_dir / "lab-settings" / STUDENT.lang, STUDENT.lang)
    hub.share_data(hub_dir, require_full_mnist())
    editions_from_the_committed_notebook(hub_dir)
    ports = {name: free_port() for name in ("PORT", "API_PORT", "PROXY_PORT")}
    token = os.urandom(16).hex()
    environment = {**os.environ, "COURSE_HUB_DIR": str(hub_dir), "COURSE_HUB_ADMIN_TOKEN": token,
                   "PATH": f"{python.parent}:{os.environ['PATH']}",
                   **{f"COURSE_HUB_{name}": str(port) for name, port in ports.items()}}
    log = open(hub_dir / "hub.log", "wb")
    process = subprocess.Popen([str(python.parent / "jupyterhub"), "-f",
                                str(checkout / "course_tools" / "classroom" / "templates" / "hub" / "jupyterhub_config.py")],
                               cwd=checkout, env=environment, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{ports['PORT']}"
    wait_for(lambda: status(f"{base}/hub/api/") == 200, 60, process, hub_dir)
    yield {"base": base, "token": token, "dir": hub_dir, "process": process}
    stop(process)
    log.close()
    subprocess.run(["pkill", "-9", "-u", STUDENT.name], capture_output=True)
    subprocess.run(["userdel", "--remove", STUDENT.name], capture_output=True)


def test_a_student_server_starts_from_a_closed_checkout(closed_clone, closed_hub):
    started = time.monotonic()
    answer = api(closed_hub, "POST", f"/hub/api/users/{STUDENT.name}/server")
    assert answer.status_code in (201, 202), answer.text
    wait_for(lambda: api(closed_hub, "GET", f"/hub/api/users/{STUDENT.name}").json()["servers"]
             .get("", {}).get("ready"), 120, closed_hub["process"], closed_hub["dir"])
    print(f"server ready {time.monotonic() - started:.1f} s after the request")
    token = api(closed_hub, "POST", f"/hub/api/users/{STUDENT.name}/tokens", json={"expires_in": 600}).json()["token"]
    checkout = closed_clone["checkout"]
    outputs = "".join(run_in_kernel(closed_hub, STUDENT.name, token, [
        "import os, sys, course_utils\n"
        "print('prefix', sys.prefix)\nprint('package', course_utils.__file__)\n"
        f"print('notebooks seen', os.path.exists({str(checkout / 'notebooks')!r}))\n"
        f"print('accounts seen', os.path.exists({str(closed_hub['dir'] / accounts.ACCOUNTS)!r}))\n"
        "print('uid', os.getuid())"]))
    assert f"prefix {checkout / '.venv'}" in outputs, outputs
    assert f"package {checkout / 'course_utils' / '__init__.py'}" in outputs, outputs
    assert "notebooks seen False" in outputs and "accounts seen False" in outputs, outputs
    assert f"uid {pwd.getpwnam(STUDENT.name).pw_uid}" in outputs, outputs
    home = Path(pwd.getpwnam(STUDENT.name).pw_dir)
    assert (home / hub.COURSE_FOLDER / "notebooks" / NOTEBOOK).is_file()  # the edition, copied as the student


def test_a_submission_is_graded_in_the_sandbox_from_a_closed_checkout(closed_clone, tmp_path):
    checkout, python = closed_clone["checkout"], closed_clone["python"]
    submissions = closed_clone["home"] / "submissions"
    nb = student_notebook(ROOT / "notebooks" / NOTEBOOK, "en")
    for cell in nb.cells:
        cell.source = cell.source.replace(ANSWER, RIGHT_ANSWER)
    (submissions / "dan").mkdir(parents=True)
    nbformat.write(nb, submissions / "dan" / NOTEBOOK)
    out = closed_clone["home"] / "grades"
    graded = subprocess.run([str(python), "-m", "course_tools", "grade", str(submissions), "--out", str(out),
                             "--jobs", "1"], cwd=checkout, capture_output=True, text=True, encoding="utf-8",
                            env={**os.environ, "COURSE_DATA_DIR": str(require_full_mnist())}, timeout=600)
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-2000:]
    rows = {line.split(",")[2]: line for line in (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()[1:]}
    assert ",True," in rows["01.1.1"], rows  # computed inside the sandbox, judged outside it
    assert ",False," in rows["01.1.2"], rows  # left unanswered
