"""What make doctor measures on this machine: probes of the Python and TensorFlow, /proc,
free disk space, fonts, the sandbox, certificates; each section's measurements go to its checks.

Standard library only: it runs on a bare ``python3`` before ``.venv`` exists.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from course_tools.grading import cgroups
from course_tools.grading.sandbox import closed_folder, probe_command
from course_tools.provision.course_checks import (
    USERNS_SYSCTLS,
    check_certificates,
    check_checkout_access,
    check_grading_limits,
    check_mnist,
    check_sandbox,
    check_test_tools,
)
from course_tools.provision.findings import Finding, Interpreter, Probe, Text
from course_tools.provision.setup_checks import (
    TENSORFLOW_IMPORT_TIMEOUT_S,
    check_cjk_font,
    check_free_disk,
    check_language_font,
    check_memory,
    check_python,
    check_tensorflow,
    check_venv,
    check_venv_module,
    mem_available_mb,
    needs_by_disk,
    setup_disk_needs,
)
from course_utils.data_home import course_data_dir
from course_utils.language import languages
from course_utils.settings import Settings as StudentSettings

SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# What `make test`, `make slides` and `make book` need besides `make run`
# (scripts/install_system_packages.sh test): Debian package → the command or folder it provides.
TEST_PACKAGES = {
    "chromium": "chromium",
    "npm": "npm",
    "poppler-utils": "pdffonts",
    "dataset-fashion-mnist": "/usr/share/datasets/fashion-mnist",
}


def run_probe(argv: list[str], *, timeout: float, env: Mapping[str, str] | None = None) -> Probe:
    """Run ``argv``; its last line of output, or why it could not run."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", errors="replace",
                                timeout=timeout,
                                env=dict(env) if env is not None else None)
    except subprocess.TimeoutExpired:
        return Probe(False, "", timed_out=True)
    except OSError as error:
        return Probe(False, error.strerror or str(error))
    lines = (result.stdout if result.returncode == 0 else result.stderr or result.stdout).strip().splitlines()
    return Probe(result.returncode == 0, lines[-1][:200] if lines else f"exit status {result.returncode}")


def venv_interpreter(python: Path) -> tuple[Probe, Interpreter | None]:
    """Run the venv's Python once: does it start, and which Python is it."""
    probe = run_probe([str(python), "-I", "-c",
                       "import sys; print(sys.implementation.name, *sys.version_info[:3])"], timeout=30)
    if not probe.succeeded:
        return probe, None
    name, *version = probe.output.split()
    return probe, Interpreter(str(python), name, tuple(int(part) for part in version))


def tensorflow_probe(python: Path, environ: Mapping[str, str]) -> Probe:
    quiet = {**environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return run_probe([str(python), "-I", "-c", "import tensorflow as tf; print(tf.__version__)"],
                     timeout=TENSORFLOW_IMPORT_TIMEOUT_S, env=quiet)


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def existing(path: Path) -> Path:
    """``path`` or its nearest existing parent: where a folder set-up creates will live."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def mount_point(path: Path) -> Path:
    path = existing(path).resolve()
    while not os.path.ismount(path):
        path = path.parent
    return path


def font_families(language_code: str | None = None) -> str | None:
    """``fc-list : family``, as scripts/install_system_packages.sh asks, or only the fonts that cover
    ``language_code`` (``fc-list :lang=<code> family``); None without fc-list."""
    pattern = f":lang={language_code}" if language_code else ":"
    try:  # the first run after installing fonts builds fontconfig's cache: seconds
        return subprocess.run(["fc-list", pattern, "family"], capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None


def userns_sysctls() -> dict[str, str | None]:
    values = {}
    for name in USERNS_SYSCTLS:
        text = read_text(Path("/proc/sys") / name.replace(".", "/"))
        values[name] = text.strip() if text is not None else None
    return values


def missing_test_packages() -> list[str]:
    return [package for package, provides in TEST_PACKAGES.items()
            if not (Path(provides).is_dir() if provides.startswith("/") else shutil.which(provides))]


def certificate_count(bundle: Path) -> int | None:
    text = read_text(bundle)
    return text.count("-----BEGIN CERTIFICATE-----") if text is not None else None


def measure_python_and_venv(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    venv = root / ".venv"
    python = venv / "bin/python"
    python_probe, interpreter = venv_interpreter(python) if python.exists() else (None, None)
    stamp_present = (venv / ".installed").is_file()
    venv_ready = interpreter is not None and stamp_present
    if interpreter is not None:
        where = ".venv/bin/python"
    else:
        interpreter = Interpreter(sys.executable, sys.implementation.name, tuple(sys.version_info[:3]))
        where = Text("{python}, which runs doctor and which `make setup` uses too", python=sys.executable)
    yield check_python(interpreter, where, venv_exists=venv.exists(),
                       python312_installed=shutil.which("python3.12") is not None)
    yield check_venv_module(sys.executable, importlib.util.find_spec("ensurepip") is not None, venv_ready=venv_ready)
    yield check_venv(venv, python_probe, stamp_present=stamp_present)
    if venv_ready:
        yield check_tensorflow(tensorflow_probe(python, environ))


def measure_memory(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    yield check_memory(mem_available_mb(read_text(Path("/proc/meminfo")) or ""))


def measure_disks(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    home = Path.home()
    uv_cache = Path(environ.get("UV_CACHE_DIR") or Path(environ.get("XDG_CACHE_HOME") or home / ".cache") / "uv")
    npm_cache = Path(environ.get("npm_config_cache") or home / ".npm")
    needs = setup_disk_needs(root, course_data_dir("mnist").parent, uv_cache, npm_cache)
    for mount, parts in needs_by_disk(needs, mount_point, mount_point(root / ".venv")).items():
        free = os.statvfs(mount)
        yield check_free_disk(str(mount), free.f_bavail * free.f_frsize // 2**20, parts)


def measure_fonts(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    """A font for each course language written in a script other than Latin: CJK fonts for Han."""
    needing_a_font = [language for language in languages().values() if language.script != "Latin"]
    if any(language.script == "Han" for language in needing_a_font):
        yield check_cjk_font(font_families())
    for language in needing_a_font:
        if language.script != "Han":
            yield check_language_font(language, font_families(language.code))


def measure_mnist(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    data_dir = StudentSettings.from_environment(environ).data_dir  # load_dataset's rule: set and not empty
    yield check_mnist(data_dir or course_data_dir("mnist"), from_variable=bool(data_dir))


def measure_sandbox(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    bwrap = shutil.which("bwrap") is not None
    yield check_sandbox(bwrap, run_probe(probe_command(), timeout=30) if bwrap else None,
                        as_root=os.geteuid() == 0, sysctls=userns_sysctls())
    yield check_grading_limits(cgroups.version())


def measure_test_tools(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    yield check_test_tools(missing_test_packages())


def measure_certificates(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    bundle = Path(environ.get("SSL_CERT_FILE") or SYSTEM_CA_BUNDLE)
    yield check_certificates(bundle, certificate_count(bundle), from_variable=bool(environ.get("SSL_CERT_FILE")),
                             index_url=environ.get("PIP_INDEX_URL"),
                             setup_done=(root / ".venv/.installed").is_file())


def measure_checkout_access(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    closed = closed_folder(root)
    yield check_checkout_access(root, closed and (closed, stat.S_IMODE(os.stat(closed).st_mode)))

