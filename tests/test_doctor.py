"""make doctor: each check fed measured values, and the real command, in both languages,
on the bare interpreter that runs it before .venv exists (standard library only)."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract
from conftest import require_full_mnist, settings_for

from course_tools.grading import sandbox
from course_tools.notebook.catalogs import KEYWORDS
from course_tools.provision import (
    course_checks,
    doctor,
    findings,
    measurements,
    setup_checks,
)
from course_tools.provision.findings import (
    OK,
    PROBLEM,
    WARNING,
    Finding,
    Interpreter,
    Probe,
    Text,
    command,
)
from course_utils import data, data_home
from course_utils.data_home import sha256_hex
from course_utils.language import N_, Language, language_codes, translate

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row, the way a sentence reads ("is not installed").
ENGLISH_RUN = re.compile(r"[A-Za-z][a-z']+(?:[ ,]+[A-Za-z][a-z']+){2,}")


def english_outside_code(text: str) -> list[str]:
    """English word runs left once commands (`...`), quoted output (“...”), paths and placeholders are removed."""
    for code in (r"`[^`]*`", r"“[^”]*”", r"\S*/\S*", r"\{[^}]*\}"):
        text = re.sub(code, " ", text)
    return ENGLISH_RUN.findall(text)


def en(text: Text) -> str:
    return text.in_language("en")


def zh(text: Text) -> str:
    return text.in_language("zh")


def both(finding: Finding) -> str:
    return " | ".join(text.in_language(code) for text in (finding.text, finding.fix) if text
                      for code in language_codes())


# --- 1. Python ---------------------------------------------------------------------------------

WHERE = ".venv/bin/python"


@pytest.mark.parametrize("version, status", [
    ((3, 9, 18), PROBLEM), ((3, 10, 0), OK), ((3, 11, 7), OK), ((3, 13, 1), OK), ((3, 14, 0), PROBLEM)])
def test_python_versions_against_tensorflows_wheels(version, status):
    finding = setup_checks.check_python(Interpreter("python3", "cpython", version), WHERE,
                                  venv_exists=False, python312_installed=True)
    assert finding.status == status
    assert ".".join(map(str, version)) in en(finding.text)
    if status == PROBLEM:
        assert finding.fix == command("make setup PYTHON=python3.12")


def test_a_venv_on_python_314_is_removed_before_setting_up_with_312():
    finding = setup_checks.check_python(Interpreter(".venv/bin/python", "cpython", (3, 14, 0)), WHERE,
                                  venv_exists=True, python312_installed=False)
    assert finding.status == PROBLEM
    assert "`sudo apt-get install python3.12 python3.12-venv`" in en(finding.fix)
    assert en(finding.fix).endswith("then `rm -rf .venv && make setup PYTHON=python3.12`")


def test_only_cpython_has_tensorflow_wheels():
    finding = setup_checks.check_python(Interpreter("pypy3", "pypy", (3, 11, 0)), WHERE,
                                  venv_exists=False, python312_installed=True)
    assert finding.status == PROBLEM and "CPython only" in en(finding.text)


def test_the_pinned_tensorflow_is_the_one_the_python_range_is_for():
    pins = (ROOT / "requirements/constraints.txt").read_text(encoding="utf-8")
    assert re.search(rf"^tensorflow=={re.escape(setup_checks.TENSORFLOW)}\.\d+\b", pins, re.MULTILINE), \
        "constraints.txt pins another TensorFlow: update TENSORFLOW and SUPPORTED_PYTHON from its wheels"


def test_the_venv_module():
    assert setup_checks.check_venv_module("python3", True, venv_ready=False).status == OK
    missing = setup_checks.check_venv_module("/usr/bin/python3", False, venv_ready=False)
    assert missing.status == PROBLEM and missing.fix == command("sudo apt-get install python3-venv")
    assert setup_checks.check_venv_module("/usr/bin/python3", False, venv_ready=True).status == WARNING


# --- 2. The venv -------------------------------------------------------------------------------


def test_the_venv_states(tmp_path):
    venv = tmp_path / ".venv"
    missing = setup_checks.check_venv(venv, None, stamp_present=False)
    assert (missing.status, missing.fix) == (PROBLEM, command("make setup"))
    broken = setup_checks.check_venv(venv, Probe(False, "No such file or directory"), stamp_present=False)
    assert broken.status == PROBLEM and "No such file or directory" in en(broken.text)
    assert en(broken.fix) == "`rm -rf .venv && make setup`"
    unfinished = setup_checks.check_venv(venv, Probe(True, "cpython 3 11 7"), stamp_present=False)
    assert unfinished.status == PROBLEM and ".installed" in en(unfinished.text)
    assert setup_checks.check_venv(venv, Probe(True, "cpython 3 11 7"), stamp_present=True).status == OK


def test_tensorflow_import():
    imported = setup_checks.check_tensorflow(Probe(True, "2.21.0"))
    assert imported.status == OK and "TensorFlow 2.21.0" in zh(imported.text)
    failed = setup_checks.check_tensorflow(Probe(False, "ModuleNotFoundError: No module named 'tensorflow'"))
    assert failed.status == PROBLEM and "No module named 'tensorflow'" in zh(failed.text)
    assert en(failed.fix) == "`rm -rf .venv && make setup`", "make setup alone keeps a finished stamp"
    slow = setup_checks.check_tensorflow(Probe(False, "", timed_out=True))
    assert "120 秒" in zh(slow.text) and "120 s" in en(slow.text)


def test_the_venv_probe_reads_the_interpreter():
    probe, interpreter = measurements.venv_interpreter(Path(sys.executable))
    assert probe.succeeded
    assert interpreter == Interpreter(sys.executable, sys.implementation.name, tuple(sys.version_info[:3]))
    assert measurements.venv_interpreter(Path("/nonexistent/python"))[1] is None


# --- 3. Memory and disk ------------------------------------------------------------------------

MEMINFO = """MemTotal:       16318464 kB
MemFree:          812340 kB
MemAvailable:    2283520 kB
Buffers:          102400 kB
"""


def test_mem_available_is_read_in_megabytes():
    assert setup_checks.mem_available_mb(MEMINFO) == 2_230  # 2,283,520 kB / 1024
    assert setup_checks.mem_available_mb("MemTotal: 1000 kB\n") is None


@pytest.mark.parametrize("available, status", [
    (1_114, PROBLEM), (1_115, WARNING), (2_229, WARNING), (2_230, OK), (None, WARNING)])
def test_memory_against_notebook_01s_peak(available, status):
    finding = setup_checks.check_memory(available)
    assert finding.status == status
    assert "1,115 MB" in en(finding.text) and "1,115 MB" in zh(finding.text)
    if available is not None:
        assert f"{available:,} MB" in en(finding.text)
    assert (finding.fix is None) == (status == OK)


def test_disk_needs_skip_what_set_up_has_put_in_place(tmp_path):
    root, home = tmp_path / "course", tmp_path / "home"
    (root / ".venv").mkdir(parents=True)
    (root / ".venv/.installed").touch()
    needs = setup_checks.setup_disk_needs(root, home / "data", home / ".cache/uv", home / ".npm")
    assert [need.label for need in needs if not need.in_place] == [
        "node_modules", "npm's cache", "full MNIST and its wheel"]


def test_uvs_cache_costs_little_on_the_venvs_disk(tmp_path):
    needs = setup_checks.setup_disk_needs(tmp_path / "course", tmp_path / "data", tmp_path / "uv", tmp_path / "npm")
    one_disk = setup_checks.needs_by_disk(needs, lambda folder: "disk", "disk")
    assert sum(mb for _, mb in one_disk["disk"]) == 2_660 + 50 + 395 + 107 + 75
    course_only = lambda folder: "course" if "course" in str(folder) else "home"  # noqa: E731
    two_disks = setup_checks.needs_by_disk(needs, course_only, "course")
    assert sum(mb for _, mb in two_disks["course"]) == 2_660 + 395
    assert sum(mb for _, mb in two_disks["home"]) == 2_300 + 107 + 75


def test_free_disk_against_what_set_up_writes():
    needs = [(".venv", 2_660), ("node_modules", 395)]
    short = setup_checks.check_free_disk("/home", 2_000, needs)
    assert short.status == PROBLEM and "about 3.0 GB" in en(short.text) and "2.0 GB free" in en(short.text)
    assert "at least 2.0 GB" in en(short.fix)  # 3,055 MB + 1,024 MB spare - 2,000 MB free = 2,079 MB
    tight = setup_checks.check_free_disk("/home", 3_500, needs)
    assert tight.status == WARNING and "at least 579 MB" in en(tight.fix)
    assert setup_checks.check_free_disk("/home", 40_000, needs).status == OK
    done = setup_checks.check_free_disk("/home", 500, [])
    assert done.status == OK and "all in place" in en(done.text)


# --- 4. Fonts ----------------------------------------------------------------------------------


def test_a_cjk_font_from_fc_list():
    families = "DejaVu Sans\nNoto Sans CJK JP,Noto Sans CJK JP Regular\nNoto Sans CJK SC\nNoto Serif CJK SC\n"
    found = setup_checks.check_cjk_font(families)
    assert found.status == OK and "“Noto Sans CJK SC”" in en(found.text) and "(3 CJK font families)" in en(found.text)
    none = setup_checks.check_cjk_font("DejaVu Sans\nDejaVu Serif\n")
    assert none.status == WARNING and none.fix == command("sudo apt-get install fonts-noto-cjk")
    assert "fall back to English" in en(none.text)
    assert en(setup_checks.check_cjk_font(None).fix) == "`sudo apt-get install fontconfig fonts-noto-cjk`"


JAPANESE = Language(code="ja", name="日本語", catalog="ja", html="ja", script="Jpan")


@pytest.fixture
def third_language(tmp_path, monkeypatch):
    """The tests-only Japanese (tests/fixtures/locale), added to the course's languages by COURSE_LOCALE_DIR."""
    folder = tmp_path / "locale"
    shutil.copytree(ROOT / "tests" / "fixtures" / "locale", folder)
    settings_for(monkeypatch, locale_dir=str(folder))
    return folder


def test_a_font_for_a_language_in_another_script():
    families = "Noto Sans CJK JP,Noto Sans CJK JP Regular\nNoto Serif CJK JP\n"  # fc-list :lang=ja family
    found = setup_checks.check_language_font(JAPANESE, families)
    assert found.status == OK
    assert en(found.text) == "Font for figure labels in 日本語 (ja): “Noto Sans CJK JP” (2 font families)."
    none = setup_checks.check_language_font(JAPANESE, "")
    assert none.status == WARNING and "日本語 (ja, Jpan script)" in en(none.text) and "日本語" in en(none.fix)
    assert setup_checks.check_language_font(JAPANESE, None).fix == command("sudo apt-get install fontconfig")


def fake_font_families(monkeypatch) -> list:
    asked = []
    monkeypatch.setattr(measurements, "font_families", lambda code=None: asked.append(code) or "Noto Sans CJK JP\n")
    return asked


def test_only_chinese_needs_a_font_among_the_shipped_languages(monkeypatch):
    asked = fake_font_families(monkeypatch)
    [finding] = measurements.measure_fonts(ROOT, {})
    assert asked == [None] and "Chinese font for figure labels" in en(finding.text)  # zh: Han; en: Latin, none


def test_a_font_is_checked_for_each_language_not_written_in_latin(monkeypatch, third_language):
    asked = fake_font_families(monkeypatch)
    chinese, japanese = measurements.measure_fonts(ROOT, {})
    assert asked == [None, "ja"]  # the CJK fonts for Han; for ja, the fonts fontconfig says cover it
    assert "Chinese font" in en(chinese.text) and "in 日本語 (ja)" in en(japanese.text)


# --- 5. Full MNIST -----------------------------------------------------------------------------

FAKE_IDX = {key: f"not really {stem}".encode() for key, stem in data_home.IDX_FILES.items()}


def write_fake_idx(folder: Path, *, gz: bool = False) -> dict[str, frozenset[str]]:
    """Four fake IDX files; the SHA-256 of each one's content, as a pinned set."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, content in FAKE_IDX.items():
        name = data_home.IDX_FILES[key] + (".gz" if gz else "")
        (folder / name).write_bytes(gzip.compress(content) if gz else content)
    return {key: frozenset({sha256_hex(content)}) for key, content in FAKE_IDX.items()}


def test_files_that_match_no_pinned_hash_are_named_with_make_data(tmp_path):
    folder = tmp_path / "mnist"
    write_fake_idx(folder)
    finding = course_checks.check_mnist(folder, from_variable=False)  # the course's real pins
    assert finding.status == PROBLEM
    assert finding.fix == command("make data")
    for stem in data_home.IDX_FILES.values():
        assert stem in zh(finding.text) and stem in en(finding.text)


def test_files_that_match_their_pins_pass(tmp_path):
    plain, gzipped = tmp_path / "plain", tmp_path / "gzipped"
    assert course_checks.check_mnist(plain, from_variable=False, idx_sha256=write_fake_idx(plain)).status == OK
    # a .gz passes on the hash of its content, as course_utils.data.files.hash_is_known accepts it
    assert course_checks.check_mnist(gzipped, from_variable=False, idx_sha256=write_fake_idx(gzipped, gz=True)).status == OK


def test_a_missing_folder_or_file(tmp_path):
    nothing = course_checks.check_mnist(tmp_path / "mnist", from_variable=False)
    assert nothing.status == PROBLEM and en(nothing.fix) == "`make data`"
    assert "No full MNIST in the course data folder" in en(nothing.text)
    pins = write_fake_idx(tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte").unlink()
    partial = course_checks.check_mnist(tmp_path / "mnist", from_variable=False, idx_sha256=pins)
    assert partial.status == PROBLEM and "t10k-labels-idx1-ubyte is missing" in en(partial.text)


def test_course_data_dir_is_read_first_and_fixed_by_unsetting_it(tmp_path):
    not_a_folder = course_checks.check_mnist(tmp_path / "nowhere", from_variable=True)
    assert not_a_folder.status == PROBLEM and en(not_a_folder.fix) == "`unset COURSE_DATA_DIR`"
    (tmp_path / "mnist.npz").write_bytes(b"not an archive")
    wrong = course_checks.check_mnist(tmp_path, from_variable=True)
    assert wrong.status == PROBLEM and "mnist.npz" in en(wrong.text)
    assert en(wrong.fix) == "`unset COURSE_DATA_DIR && make data`"
    pinned = frozenset({sha256_hex(b"not an archive")})
    assert course_checks.check_mnist(tmp_path, from_variable=True, npz_sha256=pinned).status == OK


@pytest.mark.parametrize("layout", ["idx", "idx.gz", "corrupt idx", "npz alone", "npz in COURSE_DATA_DIR"])
def test_doctor_agrees_with_load_dataset(layout, tmp_path, tiny_mnist, use_tiny_spec):
    """Where load_dataset (source local) finds verified MNIST, doctor says ok; where it fails, a problem."""
    folder = data.course_data_dir("mnist")
    from_variable = layout == "npz in COURSE_DATA_DIR"
    if layout.startswith("npz"):
        folder = tmp_path if from_variable else folder
        folder.mkdir(parents=True, exist_ok=True)
        pins = {"npz_sha256": frozenset({tiny_mnist.write_npz(folder / "mnist.npz")})}
        use_tiny_spec(npz_sha256=pins["npz_sha256"])
    else:
        hashes = tiny_mnist.write_idx(folder, gz=layout == "idx.gz")
        use_tiny_spec(idx_sha256=hashes)
        pins = {"idx_sha256": {key: frozenset({value}) for key, value in hashes.items()}}
        if layout == "corrupt idx":
            path = folder / data.IDX_FILES["test_labels"]
            labels = path.read_bytes()
            path.write_bytes(labels[:-1] + bytes([(labels[-1] + 1) % 10]))  # still a valid label
    try:
        data.load_dataset(data_dir=folder if from_variable else None, source="local", lang="en")
        loads = True
    except ValueError:
        loads = False
    finding = course_checks.check_mnist(folder, from_variable=from_variable, **pins)
    assert loads == (layout not in ("corrupt idx", "npz alone"))
    assert (finding.status == OK) == loads, finding


def test_course_data_dir_when_set_and_not_empty(tmp_path):
    [chosen] = measurements.measure_mnist(tmp_path, {"COURSE_DATA_DIR": str(tmp_path)})
    assert f"{tmp_path} (COURSE_DATA_DIR" in en(chosen.text)
    [default] = measurements.measure_mnist(tmp_path, {"COURSE_DATA_DIR": ""})  # as load_dataset: empty is unset
    assert f"the course data folder {data.course_data_dir('mnist')}" in en(default.text)


def test_the_data_make_data_wrote_passes_the_pinned_hashes():
    # one home for the pins: load_dataset checks with the very hashes doctor checks with
    assert data.DATASETS["mnist"].idx_sha256 is data_home.MNIST_IDX_SHA256
    assert data.DATASETS["mnist"].npz_sha256 is data_home.MNIST_NPZ_SHA256
    finding = course_checks.check_mnist(require_full_mnist(), from_variable=False)
    assert finding.status == OK and "SHA-256 verified" in en(finding.text)


# --- 6. The grading sandbox --------------------------------------------------------------------

NO_SYSCTLS = dict.fromkeys(course_checks.USERNS_SYSCTLS)


def test_bubblewrap_missing_or_working():
    missing = course_checks.check_sandbox(False, None, as_root=False, sysctls=NO_SYSCTLS)
    assert missing.status == WARNING and en(missing.fix) == "`sudo apt-get install bubblewrap`"
    assert "unprivileged user namespaces work" in en(course_checks.check_sandbox(
        True, Probe(True, ""), as_root=False, sysctls=NO_SYSCTLS).text)
    assert "as root" in en(course_checks.check_sandbox(True, Probe(True, ""), as_root=True, sysctls=NO_SYSCTLS).text)


@pytest.mark.parametrize("name, blocking, allowing", [
    ("kernel.apparmor_restrict_unprivileged_userns", "1", "0"),
    ("kernel.unprivileged_userns_clone", "0", "1"),
    ("user.max_user_namespaces", "0", "15000")])
def test_the_setting_that_blocks_user_namespaces_is_named_with_its_fix(name, blocking, allowing):
    sysctls = {**NO_SYSCTLS, name: blocking}
    finding = course_checks.check_sandbox(True, Probe(False, "bwrap: setting up uid map: Permission denied"),
                                   as_root=False, sysctls=sysctls)
    assert finding.status == WARNING
    assert f"{name} = {blocking}" in en(finding.text) and "setting up uid map" in zh(finding.text)
    assert en(finding.fix) == (f"`echo {name}={allowing} | sudo tee /etc/sysctl.d/60-course-userns.conf "
                              "&& sudo sysctl --system`")


def test_another_sandbox_failure_points_to_root_or_trusted_grading():
    finding = course_checks.check_sandbox(True, Probe(False, "bwrap: No permissions to create new namespace"),
                                   as_root=False, sysctls={**NO_SYSCTLS, "user.max_user_namespaces": "15000"})
    assert "`sudo make grade SUBMISSIONS=folder`" in en(finding.fix)
    assert "GRADE_TRUSTED=1" in en(finding.fix)


def test_grading_without_a_cgroup_is_named_with_its_flag():
    assert course_checks.check_grading_limits(2).status == OK and "cgroup v2" in en(course_checks.check_grading_limits(2).text)
    finding = course_checks.check_grading_limits(None)
    assert finding.status == WARNING and "NO_MEMORY_LIMIT=1" in en(finding.text) and "sudo make grade" in en(finding.fix)
    assert "NO_MEMORY_LIMIT=1" in zh(finding.text)


def test_the_sandbox_probe_is_the_graders():
    from course_tools.grading import sandbox

    command = sandbox.probe_command()
    assert command[0] == "bwrap" and command[-4:] == ["--ro-bind", "/", "/", "true"]
    assert ("--unshare-user" in command) == (os.geteuid() != 0)  # as root: no user namespace


# --- 7 to 9 --------------------------------------------------------------------------------------


def test_the_tools_make_test_needs():
    assert course_checks.check_test_tools([]).status == OK
    finding = course_checks.check_test_tools(["chromium", "npm"])
    assert finding.status == WARNING and finding.fix == command("sudo apt-get install chromium npm")
    assert set(measurements.TEST_PACKAGES) >= {"chromium", "npm"}
    script = (ROOT / "scripts/install_system_packages.sh").read_text(encoding="utf-8")
    for package in measurements.TEST_PACKAGES:
        assert f'wanted+=("{package}")' in script, f"{package} is not one the set-up script installs"


def test_certificates_and_the_mirror(tmp_path):
    bundle = tmp_path / "ca.crt"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n" * 2, encoding="utf-8")
    assert measurements.certificate_count(bundle) == 2
    assert measurements.certificate_count(tmp_path / "none.crt") is None
    found = course_checks.check_certificates(bundle, 2, from_variable=False, setup_done=False,
                                      index_url="https://alice:secret@mirror.example/simple")
    assert found.status == OK and "--system-certs" in en(found.text)
    assert "PIP_INDEX_URL=https://alice:***@mirror.example/simple" in en(found.text)
    assert "secret" not in both(found)
    gone = course_checks.check_certificates(tmp_path / "none.crt", None, from_variable=True, index_url=None,
                                     setup_done=True)
    assert gone.status == PROBLEM and en(gone.fix) == "`unset SSL_CERT_FILE`"
    no_system = dict(from_variable=False, index_url=None)
    assert course_checks.check_certificates(tmp_path / "x", None, setup_done=False, **no_system).status == PROBLEM
    after = course_checks.check_certificates(tmp_path / "x", None, setup_done=True, **no_system)
    assert after.status == WARNING and en(after.fix) == "`sudo apt-get install ca-certificates`"


def test_the_folder_other_accounts_cannot_enter():
    modes = {"/": 0o755, "/home": 0o755, "/home/alice": 0o700, "/home/alice/course": 0o755}
    mode_of = lambda folder: stat.S_IFDIR | modes[str(folder)]  # noqa: E731
    assert sandbox.closed_folder(Path("/home/alice/course"), mode_of) == Path("/home/alice")
    assert sandbox.closed_folder(Path("/home"), mode_of) is None
    closed = (Path("/home/alice"), 0o700)
    student = course_checks.check_checkout_access(Path("/home/alice/course"), closed)
    assert student.status == OK and "/home/alice is closed to other accounts (mode 0700)" in en(student.text)
    assert "make hub" in en(student.text) and "make hub" in zh(student.text)
    assert en(course_checks.check_checkout_access(Path("/srv/course"), None).text).startswith("Other accounts can enter")


def test_a_check_that_cannot_read_its_folder_is_a_warning_and_the_others_still_run(tmp_path):
    def closed(root, environ):
        raise PermissionError(13, "Permission denied", "/root/.cache/uv")

    def fine(root, environ):
        yield Finding(OK, Text("All ready."))

    measurements_ = [(N_("Disk space", "make doctor check"), closed), (N_("Memory", "make doctor check"), fine)]
    report = list(doctor.findings(tmp_path, {}, measurements_))
    assert [finding.status for finding in report] == [WARNING, OK]
    assert en(report[0].text) == "Disk space: the check could not finish (“[Errno 13] Permission denied: '/root/.cache/uv'”)."
    assert zh(report[0].text).startswith("磁盘空间：检查没能完成")


# --- The report --------------------------------------------------------------------------------


@pytest.mark.parametrize("requested, environ, lang", [
    ("en", {"COURSE_LANG": "zh"}, "en"),
    (None, {"COURSE_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
    (None, {"COURSE_LANG": "both", "LANG": "zh_CN.UTF-8"}, "zh"),
    (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    (None, {"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "C.UTF-8"}, "zh"),
    (None, {}, "en")])
def test_the_report_language(requested, environ, lang):
    assert doctor.choose_language(requested, environ) == lang


def test_the_report_language_comes_from_the_language_list(third_language):
    assert doctor.choose_language(None, {"LANG": "ja_JP.UTF-8"}) == "ja"
    assert doctor.choose_language(None, {"COURSE_LANG": "ja", "LANG": "zh_CN.UTF-8"}) == "ja"
    assert doctor.choose_language(None, {"LANG": "fr_FR.UTF-8"}) == "en"  # not a course language: English


def test_a_line_per_finding():
    finding = setup_checks.check_venv(Path("/c/.venv"), None, stamp_present=False)
    assert doctor.render(finding, "zh") == "问题  /c 里还没有 .venv：还没有运行过 `make setup`。解决办法：`make setup`"
    assert doctor.render(finding, "en") == "problem  No .venv in /c yet: `make setup` has not run. Fix: `make setup`"
    assert doctor.render(course_checks.check_test_tools([]), "en").startswith("ok       Chromium")
    assert doctor.summary([OK, WARNING, PROBLEM, PROBLEM], "en").startswith("2 problems, 1 warning.")
    assert doctor.summary([OK, WARNING], "zh") == "0 个问题，1 个警告。警告不影响 `make run`。"
    assert doctor.summary([OK], "en") == "All ready."


def doctor_messages() -> list[tuple]:
    """Every message of the doctor's modules, as the catalog's extractor finds them: (message, context)."""
    found = []
    for module in (doctor, findings, setup_checks, course_checks, measurements):
        with open(module.__file__, "rb") as source:
            found += [(message, context) for _, message, _, context in extract("python", source, KEYWORDS)]
    return found


def test_every_message_is_english_and_its_translation_chinese():
    messages = doctor_messages()
    assert len(messages) > 80, "the extractor finds the modules' messages"
    for message, context in messages:
        english, plural = message if isinstance(message, tuple) else (message, None)
        chinese = translate(N_(english, context), "zh", plural=plural, count=1)
        assert not CJK.search(english), english
        assert english_outside_code(chinese) == [], chinese
        if english_outside_code(english):  # words, not only a command or placeholders
            assert CJK.search(chinese), f"no Chinese for {english!r}"


# --- The real command --------------------------------------------------------------------------

WRAPPER = """
import json, sys
sys.path.insert(0, sys.argv[1])
before = set(sys.modules)
from course_tools.provision import doctor
status = doctor.main(sys.argv[2:])
print("MODULES " + json.dumps(sorted(set(sys.modules) - before)))
sys.exit(status)
"""
COURSE_MODULES = {"course_tools", "course_tools.settings", "course_tools.provision", "course_tools.provision.doctor",
                  "course_tools.provision.findings", "course_tools.provision.setup_checks",
                  "course_tools.provision.course_checks", "course_tools.provision.measurements",
                  "course_tools.grading", "course_tools.grading.cgroups", "course_tools.grading.sandbox",
                  "course_utils", "course_utils.data_home", "course_utils.language", "course_utils.settings"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_command_on_the_bare_interpreter(lang, tmp_path):
    """The base interpreter, isolated (-I): no venv, no PYTHONPATH, no user site."""
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COURSE_DATA_HOME": str(tmp_path / "data"),
               "LC_CTYPE": "C.UTF-8"}  # UTF-8 output even where no Chinese locale is installed
    # Chinese from the locale, English from --lang
    environ["LANG"], argv = ("zh_CN.UTF-8", []) if lang == "zh" else ("zh_CN.UTF-8", ["--lang", "en"])
    base = getattr(sys, "_base_executable", sys.executable)
    result = subprocess.run([base, "-I", "-c", WRAPPER, str(ROOT), *argv], capture_output=True,
                            encoding="utf-8", env=environ, cwd=tmp_path, timeout=600)
    *report, modules = result.stdout.splitlines()
    added = set(json.loads(modules.removeprefix("MODULES ")))
    outside = {name for name in added if name.split(".")[0] not in sys.stdlib_module_names} - COURSE_MODULES
    assert outside == set(), "doctor imported modules from outside the standard library"
    assert {name for name in added if name.startswith("course_")} == COURSE_MODULES
    assert result.stderr == ""

    statuses = {translate(word, lang): status for status, word in findings.STATUS_WORDS.items()}
    header, *lines, last = report
    assert header == (f"make doctor：检查课程文件夹 {ROOT}" if lang == "zh" else f"make doctor: checking {ROOT}")
    found = [statuses[line.split()[0]] for line in lines]
    assert len(found) >= 11
    assert result.returncode == (1 if PROBLEM in found else 0)
    assert last == doctor.summary(found, lang)
    fix_mark = "解决办法：" if lang == "zh" else " Fix: "
    for line, status in zip(lines, found):
        assert (fix_mark in line) == (status != OK), line
    # an empty course data folder: the one finding this test can count on
    assert any(line.startswith(("问题", "problem")) and str(tmp_path / "data" / "mnist") in line for line in lines)
    if lang == "zh":
        assert all(CJK.search(line) for line in report)
        assert [run for line in report for run in english_outside_code(line)] == []


def test_the_doctor_pages_match_page_for_page():
    en, zh = ((ROOT / "docs" / lang / "doctor.md").read_text(encoding="utf-8") for lang in ("en", "zh"))
    for pattern in (r"^## ", r"^\| ", r"^```"):
        assert len(re.findall(pattern, en, re.MULTILINE)) == len(re.findall(pattern, zh, re.MULTILINE)), pattern
    assert "make doctor: checking " in en and "make doctor：检查课程文件夹 " in zh  # the real command's output
    for code in set(re.findall(r"`(make [a-z]+)", en)):
        assert code in zh, code
