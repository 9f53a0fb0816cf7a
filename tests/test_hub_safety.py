"""The class hub against a student who tries to cheat or to harm, without starting a hub.

The live hub (tests/test_hub.py) checks the same things with real processes; these cover
the cases one by one: which accounts the hub may touch, what reaches a home, what make
collect takes, HTTPS, guessing passwords.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from conftest import NEEDS_PYTHON_311

if sys.version_info < (3, 11):
    pytest.skip(NEEDS_PYTHON_311, allow_module_level=True)

from course_tools.classroom import accounts, collect, hub, hub_auth, k8s, tls
from course_tools.notebook import class_list
from course_tools.notebook.editions import DELIVERED, course_edition, deliver
from course_tools.notebook.student import answer_lines, shown_answers, student_notebook
from course_tools.run.runner import course_notebooks
from course_tools.settings import NOTEBOOK_DIR, ROOT

NOTEBOOK = "01_data.ipynb"


def python_course(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "course_tools", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=300)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.stem)
def test_the_student_edition_shows_no_answer(path, lang):
    source = nbformat.read(path, 4)
    answers = answer_lines(source)
    assert any(line.startswith(("Correct:", "All 13 layers")) for line in answers), answers
    assert shown_answers(course_edition(path, lang), answers)  # the course edition does show them
    assert shown_answers(student_notebook(path, lang), answers) == []


def test_the_hub_builds_the_student_edition_unless_told(tmp_path, monkeypatch):
    from course_tools.notebook import editions, student

    monkeypatch.setattr(student, "executed", lambda path, lang, **_: path)  # the committed outputs
    monkeypatch.setattr(hub, "_course_notebooks", lambda: [NOTEBOOK_DIR / NOTEBOOK])
    folder = hub.prepare_editions({"en"}, tmp_path)["en"]
    given = nbformat.read(folder / "notebooks" / NOTEBOOK, 4)
    assert shown_answers(given, answer_lines(nbformat.read(NOTEBOOK_DIR / NOTEBOOK, 4))) == []
    assert not (folder / "assets" / "models").exists()  # students read the course's own, bound read-only
    with pytest.raises(ValueError, match="HUB_EDITION"):
        hub.prepare_editions({"en"}, tmp_path, edition="solutions")
    assert editions.course_edition  # the course edition stays available with --edition course


@pytest.mark.skipif(os.geteuid() != 0, reason="accounts are checked against the system's (CI runs as root)")
@pytest.mark.parametrize("name", ["root", "bin", "nobody", "tryout-existing"])
def test_a_class_list_naming_an_account_the_course_did_not_make_changes_nothing(tmp_path, name):
    if name == "tryout-existing":
        name = existing_ordinary_account()
    before = pwd.getpwnam(name)
    home_mode = os.stat(before.pw_dir).st_mode if os.path.exists(before.pw_dir) else None
    class_list = tmp_path / "class.csv"
    class_list.write_text(f"student,lang\nhubsafety-new,en\n{name},zh\n", encoding="utf-8")
    hub_dir = tmp_path / "hub"
    ran = python_course("hub-accounts", str(class_list), "--hub-dir", str(hub_dir), "--system-users")
    said = ran.stdout + ran.stderr
    assert ran.returncode != 0 and f"{name} (uid {before.pw_uid})" in said, said[-2000:]
    assert "Nothing was changed" in said
    assert not hub_dir.exists()  # no password, no edition
    with pytest.raises(KeyError):
        pwd.getpwnam("hubsafety-new")  # the class's other student was not created either
    assert pwd.getpwnam(name) == before
    if home_mode is not None:
        assert os.stat(before.pw_dir).st_mode == home_mode


def existing_ordinary_account() -> str:
    """An ordinary account (uid 1000 and up) that is not the course's: made for the test if none exists."""
    for account in pwd.getpwall():
        if 1000 <= account.pw_uid < 65534 and account.pw_name not in accounts._group_members(accounts.STUDENTS_GROUP):
            return account.pw_name
    subprocess.run(["useradd", "--no-create-home", "hubsafety-other"], check=True)
    return "hubsafety-other"


def test_adopting_admits_only_ordinary_accounts(monkeypatch):
    ordinary = pwd.struct_passwd(("olduser", "x", 1500, 1500, "", "/home/olduser", "/bin/sh"))
    system = {"root": 0, "bin": 2, "nobody": 65534}
    monkeypatch.setattr(accounts, "_group_members", lambda group: set())
    monkeypatch.setattr(pwd, "getpwnam", lambda name: ordinary if name == "olduser" else pwd.struct_passwd(
        (name, "x", system[name], system[name], "", "/", "/bin/sh")) if name in system else (_ for _ in ()).throw(
        KeyError(name)))
    accounts.check_accounts([class_list.Student("olduser", "en"), class_list.Student("newcomer", "zh")], adopt=True)
    with pytest.raises(PermissionError, match="olduser"):
        accounts.check_accounts([class_list.Student("olduser", "en")])
    for name in system:
        with pytest.raises(PermissionError, match=name):
            accounts.check_accounts([class_list.Student(name, "en")], adopt=True)
    monkeypatch.setattr(accounts, "_group_members", lambda group: {"olduser"})
    accounts.check_accounts([class_list.Student("olduser", "en")])  # the course made it: reused


@pytest.fixture
def edition(tmp_path):
    """A hub folder with the student edition of notebook 01, and a home."""
    hub_dir = tmp_path / "hub"
    folder = hub_dir / "editions" / "en"
    deliver(student_notebook(NOTEBOOK_DIR / NOTEBOOK, "en"), folder / "notebooks" / NOTEBOOK)
    (folder / "assets").mkdir()
    (folder / "assets" / "diagram.png").write_bytes(b"\x89PNG a diagram")
    home = tmp_path / "home"
    return hub_dir, home, home / hub.COURSE_FOLDER / "notebooks" / NOTEBOOK


def copy_within(seconds, *args):
    """copy_edition in a thread; fails when it has not returned within ``seconds``."""
    errors = []
    worker = threading.Thread(target=lambda: errors.extend(_errors_of(hub.copy_edition, *args)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"copying the edition still waits after {seconds} s"
    assert errors == []


def _errors_of(function, *args):
    try:
        function(*args)
    except Exception as error:  # noqa: BLE001 (reported by the test)
        return [error]
    return []


def test_a_fifo_in_a_home_does_not_block_the_copy(edition):
    hub_dir, home, notebook = edition
    notebook.parent.mkdir(parents=True)
    os.mkfifo(notebook)
    (home / hub.COURSE_FOLDER / "assets").mkdir()
    os.mkfifo(home / hub.COURSE_FOLDER / "assets" / "diagram.png")
    copy_within(10, "en", home, hub_dir)
    assert nbformat.read(notebook, 4).cells  # no one's work: replaced by the edition
    assert (home / hub.COURSE_FOLDER / "assets" / "diagram.png").read_bytes() == b"\x89PNG a diagram"


def test_an_old_homes_answers_go_and_the_students_work_stays(edition):
    hub_dir, home, notebook = edition
    old = course_edition(NOTEBOOK_DIR / NOTEBOOK, "en")  # what an older hub handed out
    deliver(old, notebook)
    untouched = home / hub.COURSE_FOLDER / "notebooks" / "02_conv_autoencoder.ipynb"
    record = json.loads((notebook.parent / DELIVERED).read_text(encoding="utf-8"))
    changed = nbformat.read(notebook, 4)
    changed.cells.append(nbformat.v4.new_code_cell("my_own_work = 42"))
    nbformat.write(changed, notebook)
    answers = answer_lines(nbformat.read(NOTEBOOK_DIR / NOTEBOOK, 4))
    assert shown_answers(nbformat.read(notebook, 4), answers)
    copy_within(30, "en", home, hub_dir)
    kept = nbformat.read(notebook, 4)
    assert shown_answers(kept, answers) == [] and kept.cells[-1].source == "my_own_work = 42"
    assert notebook.with_name("01_data.new.ipynb").is_file()
    assert not untouched.exists() and record


def test_an_unchanged_old_home_is_replaced_by_the_student_edition(edition):
    hub_dir, home, notebook = edition
    deliver(course_edition(NOTEBOOK_DIR / NOTEBOOK, "en"), notebook)
    copy_within(30, "en", home, hub_dir)
    assert not notebook.with_name("01_data.new.ipynb").exists()
    assert nbformat.read(notebook, 4) == nbformat.read(hub_dir / "editions" / "en" / "notebooks" / NOTEBOOK, 4)


def collected_class(tmp_path, homes: dict[str, dict[str, bytes]]) -> Path:
    """A shared-account hub folder whose students' homes hold ``homes`` (relative path: bytes)."""
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    entries = {name: {"lang": "en", "salt": "00", "hash": "00"} for name in homes}
    (hub_dir / accounts.ACCOUNTS).write_text(json.dumps(entries), encoding="utf-8")
    for name, files in homes.items():
        folder = hub_dir / "homes" / name / hub.COURSE_FOLDER / "notebooks"
        folder.mkdir(parents=True)
        for relative, data in files.items():
            (folder / relative).write_bytes(data)
    return hub_dir


def test_collect_takes_the_courses_notebooks_only_and_follows_no_link(tmp_path):
    names = [path.name for path in course_notebooks()]
    hub_dir = collected_class(tmp_path, {
        "ana": {names[0]: b"{ana 1}", names[1]: b"{ana 2}", "secrets.txt": b"x", "99_extra.ipynb": b"x"},
        "bo": {names[0]: b"{bo}"}, "eve": {}, "mal": {}, "zed": {}})
    homes = hub_dir / "homes"
    shutil.rmtree(homes / "eve" / hub.COURSE_FOLDER)
    (homes / "eve" / hub.COURSE_FOLDER).symlink_to(homes / "ana" / hub.COURSE_FOLDER)  # a folder link
    (homes / "mal" / hub.COURSE_FOLDER / "notebooks" / names[0]).symlink_to(homes / "bo" / hub.COURSE_FOLDER
                                                                          / "notebooks" / names[0])
    os.mkfifo(homes / "mal" / hub.COURSE_FOLDER / "notebooks" / names[1])
    shutil.rmtree(homes / "zed" / hub.COURSE_FOLDER / "notebooks")
    (homes / "zed" / hub.COURSE_FOLDER / "notebooks").symlink_to(homes / "ana" / hub.COURSE_FOLDER / "notebooks")
    out = tmp_path / "submissions"
    counts = collect.collect(hub_dir, out, system_accounts=False)
    assert counts == {"ana": 2, "bo": 1, "eve": 0, "mal": 0, "zed": 0}
    assert sorted(p.name for p in (out / "ana").iterdir()) == names[:2]
    assert (out / "ana" / names[0]).read_bytes() == b"{ana 1}"
    assert out.stat().st_mode & 0o077 == 0 and (out / "ana").stat().st_mode & 0o077 == 0
    assert (out / "ana" / names[0]).stat().st_mode & 0o077 == 0


def test_collect_caps_the_bytes_of_one_student(tmp_path):
    names = [path.name for path in course_notebooks()]
    hub_dir = collected_class(tmp_path, {"big": {names[0]: b"a" * 600, names[1]: b"b" * 600}})
    counts = collect.collect(hub_dir, tmp_path / "out", system_accounts=False, limit=1000)
    assert counts == {"big": 1} and (tmp_path / "out" / "big" / names[0]).stat().st_size == 600


def test_the_students_image_loses_what_holds_solutions(tmp_path, monkeypatch):
    image = tmp_path / "srv" / "course"
    for folder in (*k8s.SOLUTION_HOLDERS, "course_utils", "build/hub/editions"):
        (image / folder).mkdir(parents=True)
        (image / folder / "x").write_text("x", encoding="utf-8")
    with pytest.raises(RuntimeError, match="REPO_DIR"):
        k8s.strip_solutions(image)  # never in a working checkout
    assert all((image / folder).exists() for folder in k8s.SOLUTION_HOLDERS)
    monkeypatch.setenv("REPO_DIR", str(image))
    assert k8s.strip_solutions(image) == list(k8s.SOLUTION_HOLDERS)
    assert sorted(p.name for p in image.iterdir()) == ["build", "course_utils"]
    assert sorted(p.name for p in (image / "build").iterdir()) == ["hub"]
    assert "--strip-solutions" in (ROOT / "postBuild").read_text(encoding="utf-8")


def test_a_hub_on_the_network_serves_https_with_a_certificate_made_once(tmp_path):
    cert, key = tls.tls_files(tmp_path, "127.0.0.1")
    assert tls.tls_files(tmp_path, "127.0.0.1") == (cert, key)  # made once, then reused
    assert key.stat().st_mode & 0o077 == 0
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))  # a browser that trusts this certificate
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        accepted = threading.Thread(target=lambda: server.wrap_socket(listener.accept()[0], server_side=True)
                                    .close(), daemon=True)
        accepted.start()
        with socket.create_connection(("127.0.0.1", port)) as raw, \
                client.wrap_socket(raw, server_hostname="127.0.0.1") as connection:
            seen = connection.getpeercert(binary_form=True)
    import hashlib

    assert tls.fingerprint(cert) == ":".join(f"{b:02X}" for b in hashlib.sha256(seen).digest())
    assert not tls.is_loopback("0.0.0.0") and tls.is_loopback("127.0.0.1") and tls.is_loopback("::1")
    with pytest.raises(FileNotFoundError, match="HUB_CERT and HUB_KEY"):
        tls.tls_files(tmp_path, "0.0.0.0", cert=str(cert))


def test_guessing_a_password_is_slowed_per_name():
    now = [0.0]
    throttle = hub_auth.Throttle(free=3, first_wait=1, longest_wait=8, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait_left("ana") == 0
        throttle.failed("ana")
    assert throttle.wait_left("ana") == 1 and throttle.wait_left("bo") == 0
    for expected in (2, 4, 8, 8):  # doubling, up to the longest wait
        now[0] += 100
        throttle.failed("ana")
        assert throttle.wait_left("ana") == expected
    throttle.succeeded("ana")
    assert throttle.wait_left("ana") == 0


def test_a_log_in_refuses_while_throttled_and_hashes_off_the_event_loop(tmp_path):
    salt = "ab" * 16
    accounts = {"ana": {"lang": "en", "salt": salt, "hash": hub_auth.password_hash("right", salt)}}
    (tmp_path / "accounts.json").write_text(json.dumps(accounts), encoding="utf-8")
    authenticator = hub_auth.ClassListAuthenticator(accounts_file=str(tmp_path / "accounts.json"),
                                                    free_failures=2)

    async def log_ins():
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.001)
                ticks += 1

        ticker = asyncio.create_task(tick())
        results = [await authenticator.authenticate(None, {"username": "ana", "password": p})
                   for p in ("wrong", "wrong", "right")]
        ticker.cancel()
        return results, ticks

    started = time.monotonic()
    (first, second, third), ticks = asyncio.run(log_ins())
    assert first is None and second is None
    assert third is None  # the right password, but within the wait after two failures
    assert ticks >= 2, "the event loop was blocked while hashing"
    authenticator.throttle.failures["ana"] = (2, 0.0)  # the wait is over
    assert asyncio.run(authenticator.authenticate(None, {"username": "ana", "password": "right"})) == "ana"
    assert time.monotonic() - started < 30
