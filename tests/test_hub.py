"""make hub: JupyterHub with real processes on 127.0.0.1, three students, their servers and kernels.

Needs root, to create the students' system accounts (CI runs as root); the accounts are
removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import NEEDS_PYTHON_311, settings_for

if sys.version_info < (3, 11):
    pytest.skip(NEEDS_PYTHON_311, allow_module_level=True)

from conftest import require_full_mnist

from course_tools.classroom import accounts, collect, hub
from course_tools.classroom.lab import write_lab_settings
from course_tools.notebook import class_list
from course_tools.notebook.editions import deliver
from course_tools.notebook.student import answer_lines, shown_answers, student_notebook
from course_tools.settings import ASSETS, NOTEBOOK_DIR, ROOT

SCHEDULE_GROUP = "graders"  # make test keeps both graders on one worker: they count nobody's processes
STUDENTS = [class_list.Student("hubtest-ana", "zh"), class_list.Student("hubtest-bo", "en"),
            class_list.Student("hubtest-chen", "zh")]
NOTEBOOK = "01_data.ipynb"
ANSWER = "most_ink = None"  # notebook 01's first exercise; ana saves her answer through her server

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the hub test creates system accounts, "
                                "which needs root (CI runs as root)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def editions_from_the_committed_notebook(hub_dir: Path) -> None:
    """The student editions the hub hands out, made from notebook 01 as committed (a student's run
    redoes the outputs)."""
    for lang in ("zh", "en"):
        folder = hub_dir / "editions" / lang
        deliver(student_notebook(NOTEBOOK_DIR / NOTEBOOK, lang), folder / "notebooks" / NOTEBOOK)
        shutil.copytree(ASSETS, folder / "assets", ignore=shutil.ignore_patterns("models"))


@pytest.fixture(scope="module")
def class_hub():
    hub_dir = Path(tempfile.mkdtemp(prefix="course-hub-"))
    hub_dir.chmod(0o755)
    accounts.issue_passwords(STUDENTS, hub_dir)
    accounts.create_system_accounts(STUDENTS)
    for lang in ("zh", "en"):
        write_lab_settings(hub_dir / "lab-settings" / lang, lang)
    hub.share_data(hub_dir, require_full_mnist())
    editions_from_the_committed_notebook(hub_dir)
    ports = {name: free_port() for name in ("PORT", "API_PORT", "PROXY_PORT")}
    token = secrets.token_hex(16)
    environment = {**os.environ, "COURSE_HUB_DIR": str(hub_dir), "COURSE_HUB_ADMIN_TOKEN": token,
                   "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                   **{f"COURSE_HUB_{name}": str(port) for name, port in ports.items()}}
    terminal, log = instructors_terminal(hub_dir / "hub.log")
    process = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(hub.CONFIG)],
                               cwd=hub_dir, env=environment, stdin=terminal, stdout=terminal, stderr=terminal,
                               start_new_session=True)
    os.close(terminal)
    base = f"http://127.0.0.1:{ports['PORT']}"
    wait_for(lambda: status(f"{base}/hub/api/") == 200, 60, process, hub_dir)
    yield {"base": base, "token": token, "dir": hub_dir, "process": process, "ports": ports}
    stop(process)
    kill_leftovers(hub_dir, ports)
    log.join(5)
    for student in STUDENTS:
        subprocess.run(["userdel", "--remove", student.name], capture_output=True)
    shutil.rmtree(hub_dir, ignore_errors=True)


def instructors_terminal(log_path: Path):
    """A terminal for the hub's standard streams, as when an instructor starts it by hand; what the
    hub writes to it is copied to ``log_path``. Returns the terminal's descriptor and the copying thread."""
    import pty
    import threading

    controller, terminal = pty.openpty()

    def copy():
        with open(log_path, "wb") as log:
            while True:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                log.write(chunk)
                log.flush()
        os.close(controller)

    thread = threading.Thread(target=copy, daemon=True)
    thread.start()
    return terminal, thread


def status(url, **kwargs) -> int:
    import requests

    try:
        return requests.get(url, timeout=5, allow_redirects=False, **kwargs).status_code
    except requests.ConnectionError:
        return 0


def wait_for(condition, seconds, process, hub_dir):
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            log = (hub_dir / "hub.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            raise AssertionError(f"the hub did not come up:\n{log}")
        time.sleep(0.5)


def stop(process):
    """As an instructor stops it: SIGTERM to JupyterHub, which stops the servers and the proxy itself."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def processes_of(hub_dir: Path, ports: dict[str, int]) -> list[psutil.Process]:
    """The hub's processes: the students', the proxy, and the services (the idle culler)."""
    found = []
    for process in psutil.process_iter(["username", "cmdline", "environ"]):
        command, environ = " ".join(process.info["cmdline"] or []), process.info["environ"] or {}
        if (process.info["username"] in {s.name for s in STUDENTS} or f"--port {ports['PORT']} " in command
                or environ.get("COURSE_HUB_DIR") == str(hub_dir)
                or f":{ports['API_PORT']}/" in environ.get("JUPYTERHUB_API_URL", "")):
            found.append(process)
    return found


def kill_leftovers(hub_dir: Path, ports: dict[str, int]) -> None:
    """After a failed test: nothing of the hub may outlive the test run."""
    for process in processes_of(hub_dir, ports):
        with contextlib.suppress(psutil.Error):
            process.kill()


def api(class_hub, method, path, *, token=None, **kwargs):
    import requests

    headers = {"Authorization": f"token {token or class_hub['token']}"}
    return requests.request(method, f"{class_hub['base']}{path}", headers=headers, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def servers(class_hub):
    """Each student's server, started through the REST API, and a token of each student."""
    started = time.monotonic()
    for student in STUDENTS:
        assert api(class_hub, "POST", f"/hub/api/users/{student.name}/server").status_code in (201, 202)
    for student in STUDENTS:
        wait_for(lambda: api(class_hub, "GET", f"/hub/api/users/{student.name}").json()["servers"]
                 .get("", {}).get("ready"), 120, class_hub["process"], class_hub["dir"])
    print(f"3 servers ready {time.monotonic() - started:.1f} s after the first request")
    return {s.name: api(class_hub, "POST", f"/hub/api/users/{s.name}/tokens", json={"expires_in": 3600})
            .json()["token"] for s in STUDENTS}


def run_in_kernel(class_hub, name, token, sources) -> list[str]:
    """Execute ``sources`` in a new kernel of ``name``'s server, through the hub's proxy."""
    import websocket

    kernel = api(class_hub, "POST", f"/user/{name}/api/kernels", token=token, json={"name": "python3"}).json()["id"]
    url = f"{class_hub['base'].replace('http', 'ws')}/user/{name}/api/kernels/{kernel}/channels"
    channel = websocket.create_connection(url, header=[f"Authorization: token {token}"], timeout=300)
    outputs = []
    for source in sources:
        request = uuid.uuid4().hex
        channel.send(json.dumps({
            "header": {"msg_id": request, "msg_type": "execute_request", "username": name, "session": "test",
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        while True:
            message = json.loads(channel.recv())
            if message.get("parent_header", {}).get("msg_id") != request:
                continue
            if message["msg_type"] == "stream":
                outputs.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                outputs.append(f"ERROR {message['content']['ename']}: {message['content']['evalue']}")
            elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
    channel.close()
    api(class_hub, "DELETE", f"/user/{name}/api/kernels/{kernel}", token=token)
    return outputs


def kernel_dies(class_hub, name, token, source) -> bool:
    """Run ``source`` in a new kernel of ``name``; True when the kernel is killed while running it."""
    import websocket

    kernel = api(class_hub, "POST", f"/user/{name}/api/kernels", token=token, json={"name": "python3"}).json()["id"]
    url = f"{class_hub['base'].replace('http', 'ws')}/user/{name}/api/kernels/{kernel}/channels"
    channel = websocket.create_connection(url, header=[f"Authorization: token {token}"], timeout=120)
    channel.send(json.dumps({
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request", "username": name,
                   "session": "test", "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": source, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    died = False
    try:
        while not died:
            message = json.loads(channel.recv())
            if message["msg_type"] == "status":
                died = message["content"]["execution_state"] in ("restarting", "dead")
            elif message["msg_type"] == "execute_reply":
                break
    finally:
        channel.close()
        api(class_hub, "DELETE", f"/user/{name}/api/kernels/{kernel}", token=token)
    return died


def code_of(name):
    notebook = nbformat.read(Path(pwd.getpwnam(name).pw_dir) / hub.COURSE_FOLDER / "notebooks" / NOTEBOOK, 4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_a_student_logs_in_with_their_password_only(class_hub):
    import requests

    handed_out = (class_hub["dir"] / accounts.PASSWORDS).read_text(encoding="utf-8")
    passwords = dict(line.split(",") for line in handed_out.split()[1:])
    assert (class_hub["dir"] / accounts.PASSWORDS).stat().st_mode & 0o077 == 0
    for password, expected in ((passwords["hubtest-ana"], 302), (passwords["hubtest-bo"], 403)):
        session = requests.Session()
        session.get(f"{class_hub['base']}/hub/login", timeout=10)
        answer = session.post(f"{class_hub['base']}/hub/login", allow_redirects=False, timeout=10,
                              data={"username": "hubtest-ana", "password": password,
                                    "_xsrf": session.cookies.get("_xsrf")})
        assert answer.status_code == expected


def test_each_student_runs_notebook_01_in_their_own_kernel_and_language(class_hub, servers):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(STUDENTS)) as pool:
        runs = dict(zip(STUDENTS, pool.map(lambda s: run_in_kernel(class_hub, s.name, servers[s.name],
                                                                   code_of(s.name)), STUDENTS)))
    for student, outputs in runs.items():
        text = "".join(outputs)
        assert "ERROR" not in text, text[-2000:]
        assert ("还没有答案" if student.lang == "zh" else "No answer yet") in text  # feedback in their language
        assert "60,000" in text  # full MNIST, from the hub's shared copy
        home = Path(pwd.getpwnam(student.name).pw_dir)
        assert all(p.stat().st_uid == pwd.getpwnam(student.name).pw_uid for p in home.rglob("*.ipynb"))


def test_a_student_cannot_reach_another_students_server_or_files(class_hub, servers):
    ana = servers["hubtest-ana"]
    assert api(class_hub, "GET", "/user/hubtest-bo/api/contents", token=ana).status_code in (403, 404)
    reading = run_in_kernel(class_hub, "hubtest-ana", ana, [
        f"open('/home/hubtest-bo/{hub.COURSE_FOLDER}/notebooks/{NOTEBOOK}').read()"])
    assert Path(f"/home/hubtest-bo/{hub.COURSE_FOLDER}/notebooks/{NOTEBOOK}").is_file()
    assert any("FileNotFoundError" in line for line in reading), reading  # not in ana's view at all


def test_homes_hold_no_solution_and_no_printed_answer(class_hub, servers):
    answers = answer_lines(nbformat.read(NOTEBOOK_DIR / NOTEBOOK, 4))
    assert "Correct: 0." in answers  # the scan looks for what the course's solutions print
    for student in STUDENTS:
        home = Path(pwd.getpwnam(student.name).pw_dir) / hub.COURSE_FOLDER / "notebooks"
        notebooks = sorted(home.glob("*.ipynb"))
        assert notebooks
        for path in notebooks:
            assert shown_answers(nbformat.read(path, 4), answers) == [], path


def test_a_kernel_sees_none_of_the_checkout_the_hub_or_the_grades(class_hub, servers):
    hidden = [NOTEBOOK_DIR / NOTEBOOK, ROOT / "build", ROOT / "tests", ROOT / ".git", ROOT / "course_tools",
              class_hub["dir"] / "jupyterhub.sqlite", class_hub["dir"] / accounts.ACCOUNTS,
              class_hub["dir"] / accounts.PASSWORDS, class_hub["dir"] / "logs", "/etc/shadow"]
    assert all(Path(path).exists() for path in hidden)  # they are there, for the hub
    outputs = "".join(run_in_kernel(class_hub, "hubtest-bo", servers["hubtest-bo"], [
        "import os\n"
        f"print('seen', [p for p in {[str(p) for p in hidden]!r} if os.path.exists(p)])\n"
        f"print('checkout', sorted(os.listdir({str(ROOT)!r})))\n"
        "print('tty', [os.isatty(fd) for fd in range(3)], os.readlink(f'/proc/{os.getppid()}/fd/0'))\n"
        "open(os.path.expanduser('~/mine.txt'), 'w').write('a student may write at home')\n"
        "print('home ok')"]))
    assert "seen []" in outputs, outputs
    assert "checkout ['.venv', 'assets', 'course_utils']" in outputs, outputs
    # Not the instructor's terminal: neither the kernel's streams nor its server's (stdin /dev/null).
    assert "tty [False, False, False] /dev/null" in outputs, outputs
    assert "home ok" in outputs, outputs
    log = (class_hub["dir"] / "logs" / "hubtest-bo.log")
    assert log.stat().st_mode & 0o077 == 0 and b"Jupyter Server" in log.read_bytes()


def test_the_hubs_files_are_the_instructors_only(class_hub, servers):
    for path in (class_hub["dir"], class_hub["dir"] / "jupyterhub.sqlite", class_hub["dir"] / accounts.ACCOUNTS,
                 class_hub["dir"] / accounts.PASSWORDS, class_hub["dir"] / "logs"):
        assert path.stat().st_mode & 0o077 == 0, f"{path}: {oct(path.stat().st_mode)}"


def test_a_memory_hog_stops_at_its_limit_and_a_classmate_keeps_working(class_hub, servers):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        hog = pool.submit(kernel_dies, class_hub, "hubtest-ana", servers["hubtest-ana"],
                          "hog = bytearray(6 * 2**30)")  # over the 2.5 GB a student may use
        time.sleep(2)
        classmate = pool.submit(run_in_kernel, class_hub, "hubtest-bo", servers["hubtest-bo"],
                                ["print(sum(range(10)))"])
        assert hog.result(), "the hog's kernel was not stopped"
        assert "45" in "".join(classmate.result())
    assert hub.student_group("hubtest-ana", hub.student_limits()).hit_memory_limit()
    assert status(f"{class_hub['base']}/hub/api/") == 200


def test_collected_notebooks_are_graded(class_hub, servers, tmp_path, monkeypatch):
    from course_tools.grading.grader import grade_folder

    settings_for(monkeypatch, data_dir=str(require_full_mnist()))
    path = f"/user/hubtest-ana/api/contents/notebooks/{NOTEBOOK}"
    saved = api(class_hub, "GET", path, token=servers["hubtest-ana"]).json()
    for cell in saved["content"]["cells"]:  # ana answers the first exercise and saves, as JupyterLab does
        cell["source"] = cell["source"].replace(ANSWER, "most_ink = max(ink_digits, key=lambda d: "
                                                "dataset.x_train[dataset.y_train == d].mean())")
    assert api(class_hub, "PUT", path, token=servers["hubtest-ana"],
               json={"type": "notebook", "format": "json", "content": saved["content"]}).status_code == 200
    counts = collect.collect(class_hub["dir"], tmp_path / "submissions")
    assert counts == {s.name: 1 for s in STUDENTS}
    shutil.rmtree(tmp_path / "submissions" / "hubtest-chen")  # two are enough to tell a pass from a fail
    rows = grade_folder(tmp_path / "submissions", tmp_path / "grades", jobs=2)
    first = {row["student"]: row for row in rows if row["exercise"] == "01.1.1"}
    assert first["hubtest-ana"]["passed"] and not first["hubtest-bo"]["passed"]


def test_a_fifo_and_a_planted_module_in_a_home_do_not_stall_the_hub(class_hub, servers):
    name = "hubtest-chen"
    account = pwd.getpwnam(name)
    home = Path(account.pw_dir)
    assert api(class_hub, "DELETE", f"/hub/api/users/{name}/server").status_code in (202, 204)
    wait_for(lambda: not api(class_hub, "GET", f"/hub/api/users/{name}").json()["servers"],
             60, class_hub["process"], class_hub["dir"])
    notebook = home / hub.COURSE_FOLDER / "notebooks" / NOTEBOOK
    notebook.unlink()
    os.mkfifo(notebook)  # opening it for reading would wait for a writer forever
    planted = home / "course_tools"
    planted.mkdir()
    (planted / "__main__.py").write_text(f"open({str(home / 'pwned')!r}, 'w')\n", encoding="utf-8")
    for path in (notebook, planted, planted / "__main__.py"):
        os.chown(path, account.pw_uid, account.pw_gid)
    assert api(class_hub, "POST", f"/hub/api/users/{name}/server").status_code in (201, 202)
    answers = [status(f"{class_hub['base']}/hub/api/") for _ in range(3)]
    assert answers == [200] * 3  # each within status()'s 5 s timeout: the hub's loop is not stalled
    wait_for(lambda: api(class_hub, "GET", f"/hub/api/users/{name}").json()["servers"].get("", {}).get("ready"),
             120, class_hub["process"], class_hub["dir"])
    assert nbformat.read(notebook, 4).cells  # the FIFO is no one's work: replaced by the edition
    assert not (home / "pwned").exists()  # python -I: the hub ran its own course_tools, not the student's


def test_stopping_the_hub_leaves_no_process(class_hub, servers):
    running = processes_of(class_hub["dir"], class_hub["ports"])
    commands = " ".join(" ".join(p.info["cmdline"] or []) for p in running)
    assert "configurable-http-proxy" in commands and "jupyterhub_idle_culler" in commands
    assert {p.info["username"] for p in running} >= {s.name for s in STUDENTS}  # the check sees them all
    stop(class_hub["process"])
    time.sleep(2)
    left = processes_of(class_hub["dir"], class_hub["ports"])
    assert [process.info["cmdline"] for process in left] == []
