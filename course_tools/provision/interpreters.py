"""Which Python the course runs on: choosing it for ``make setup``, and ``make check-pins``.

Standard library only, so that it runs on a distribution's own ``python3`` before
``.venv`` exists. TensorFlow 2.21 ships wheels for CPython 3.10 to 3.13; the pinned
set must resolve on each of them, from the oldest release a distribution ships.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course_utils.language import error_text

SUPPORTED = ((3, 10), (3, 11), (3, 12), (3, 13))
# The oldest release of each that a current distribution ships: check-pins resolves for these.
DISTRIBUTION_PYTHONS = {
    "3.10.12": "Ubuntu 22.04",
    "3.11.2": "Debian 12",
    "3.12.3": "Ubuntu 24.04",
    "3.13.5": "Debian 13",
}
# check-pins also resolves for these platforms, on the newest supported Python.
OTHER_PLATFORMS = {"aarch64-manylinux_2_35": "ARM Linux", "aarch64-apple-darwin": "macOS (Apple silicon)",
                   "x86_64-pc-windows-msvc": "Windows"}
LINUX = "x86_64-manylinux_2_35"  # glibc 2.35, Ubuntu 22.04: the oldest C library of the four
SOURCE_ONLY = ("jieba",)  # pure Python with no wheel on PyPI: built from its source
PROBE = ("import json, sys\ntry:\n    import ensurepip, venv\n    has_venv = True\nexcept ImportError:\n"
         "    has_venv = False\nprint(json.dumps({'version': list(sys.version_info[:3]), "
         "'executable': sys.executable, 'venv': has_venv}))")


@dataclass(frozen=True)
class Interpreter:
    command: str
    executable: str
    version: tuple[int, int, int]
    has_venv: bool

    @property
    def supported(self) -> bool:
        return self.version[:2] in SUPPORTED

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


class NoUsablePython(RuntimeError):
    """No Python that can run the course; the message says which to install, in every language."""


def probe(command: str) -> Interpreter | None:
    """What ``command`` is, or None when it does not run (a pyenv shim of an inactive version)."""
    try:
        answer = subprocess.run([command, "-I", "-c", PROBE], capture_output=True, text=True,
                                encoding="utf-8", timeout=30)
        facts = json.loads(answer.stdout)
        return Interpreter(command, facts["executable"], tuple(facts["version"]), bool(facts["venv"]))
    except (OSError, ValueError, KeyError, TypeError, subprocess.TimeoutExpired):
        return None


def candidates(path: str | None = None) -> list[str]:
    """``python3.13`` down to ``python3.10``, then ``python3``, as found on ``path``."""
    names = [f"python{major}.{minor}" for major, minor in reversed(SUPPORTED)] + ["python3"]
    found = [shutil.which(name, path=path) for name in names]
    return [command for command in found if command]


def choose_python(given: str | None = None, path: str | None = None) -> Interpreter:
    """``given`` if it can run the course; else the newest supported Python on ``path`` with venv.

    Raises NoUsablePython with the fix, in every language, when there is none.
    """
    if given:
        interpreter = probe(shutil.which(given, path=path) or given)
        if interpreter is None:
            raise NoUsablePython(error_text(
                "{given} does not run as Python. Check PYTHON, or leave it unset and make setup chooses one.",
                given=given))
        _require_usable(interpreter)
        return interpreter
    found = [i for i in map(probe, candidates(path)) if i is not None]
    usable = sorted((i for i in found if i.supported and i.has_venv), key=lambda i: i.version, reverse=True)
    if usable:
        return usable[0]
    supported = sorted((i for i in found if i.supported), key=lambda i: i.version, reverse=True)
    _require_usable((supported or found or [None])[0])  # raises: none of them has what it takes
    raise AssertionError("unreachable")


def _require_usable(interpreter: Interpreter | None) -> None:
    if interpreter is None:
        raise NoUsablePython(error_text(
            "No python3 found. Install Python 3.12 (Debian/Ubuntu: sudo apt-get install python3.12 python3.12-venv)."))
    name = f"Python {interpreter.version_text} ({interpreter.executable})"
    if not interpreter.supported:
        raise NoUsablePython(error_text(
            "{name} cannot run the course: TensorFlow 2.21 has wheels for Python 3.10 to 3.13 only. "
            "Install one of them (Debian/Ubuntu: sudo apt-get install python3.12 python3.12-venv), "
            "then run make setup PYTHON=python3.12.", name=name))
    if not interpreter.has_venv:
        package = f"python{interpreter.version[0]}.{interpreter.version[1]}-venv"
        raise NoUsablePython(error_text(
            "{name} has no venv module to create the course's environment with. "
            "Install it: sudo apt-get install {package}, then run make setup.", name=name, package=package))


NEEDS_PYTHON_311 = {"hub": "JupyterHub 6", "book": "sphinx-book-theme 1.4"}  # make hub, make hub-k8s; make book


def require_python_311(part: str) -> None:
    """Raise ValueError naming the fix when ``part`` ("hub" or "book") cannot run on this Python."""
    if sys.version_info < (3, 11):
        raise ValueError(error_text(
            "`make {part}` needs Python 3.11 or newer ({needs}); this is {version}. "
            "Reinstall with `rm -rf .venv && make setup PYTHON=python3.12`.",
            part=part, needs=NEEDS_PYTHON_311[part], version=sys.version.split()[0]))


def make_venv(folder: Path, given: str | None = None) -> Interpreter:
    """Create the course's virtual environment in ``folder`` with the chosen Python."""
    interpreter = choose_python(given)
    print(f"Python {interpreter.version_text}: {interpreter.executable}")
    subprocess.run([interpreter.executable, "-m", "venv", str(folder)], check=True)
    return interpreter


def uv_command(root: Path) -> str:
    """The uv that make setup installed into ``root/.venv``, else one on PATH."""
    beside = root / ".venv" / "bin" / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        raise FileNotFoundError("uv is missing: run make setup (it installs the pinned uv into .venv).")
    return found


def resolve(root: Path, python_version: str, platform: str) -> subprocess.CompletedProcess:
    """The pinned set, resolved by uv for one Python and platform, wheels only (asks the index)."""
    command = [uv_command(root), "pip", "compile", "--quiet", "--system-certs", "--python-version", python_version,
               "--python-platform", platform, "--only-binary", ":all:",
               *(part for name in SOURCE_ONLY for part in ("--no-binary", name)),
               "-c", "requirements/constraints.txt", "pyproject.toml", "--extra", "dev", "-o", os.devnull]
    index = os.environ.get("PIP_INDEX_URL")
    command += ["--index-url", index] if index else []
    return subprocess.run(command, cwd=root, capture_output=True, text=True, encoding="utf-8", timeout=600)


def check_pins(root: Path) -> int:
    """Print whether the pins resolve on each distribution's Python and platform; 1 if any does not."""
    targets = [(version, LINUX, release) for version, release in DISTRIBUTION_PYTHONS.items()]
    newest = max(DISTRIBUTION_PYTHONS, key=lambda v: tuple(map(int, v.split("."))))
    targets += [(newest, platform, label) for platform, label in OTHER_PLATFORMS.items()]
    failed = 0
    for version, platform, label in targets:
        result = resolve(root, version, platform)
        print(f"Python {version:<8} {platform:<24} {label:<22} "
              f"{'resolves' if result.returncode == 0 else 'DOES NOT RESOLVE'}", flush=True)
        if result.returncode != 0:
            failed += 1
            print("  " + result.stderr.strip().replace("\n", "\n  "))
    return 1 if failed else 0


def interpreters_here() -> list[Interpreter]:
    """Every supported CPython on this machine: on PATH, the system's, and pyenv's versions."""
    commands = candidates() + [str(p) for p in sorted(Path("/usr/bin").glob("python3.1[0-9]"))]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    commands += [str(p) for p in sorted(pyenv.glob("3.*/bin/python3"))]
    found: dict[str, Interpreter] = {}
    for interpreter in filter(None, map(probe, commands)):
        if interpreter.supported and interpreter.has_venv:
            found.setdefault(os.path.realpath(interpreter.executable), interpreter)
    return sorted(found.values(), key=lambda i: i.version)


SMOKE = ("import course_utils, tensorflow as tf; model = course_utils.build_conv_autoencoder((16, 8, 8)); "
         "print(f'TensorFlow {tf.__version__}, {model.count_params():,} parameters')")


def install_here(root: Path, folder: Path) -> int:
    """Install the pinned set into a fresh venv for each Python here, and build the course's model."""
    failed = 0
    for interpreter in interpreters_here():
        venv = folder / f"python{interpreter.version_text}"
        steps = [[uv_command(root), "venv", "--quiet", "--python", interpreter.executable, str(venv)],
                 [uv_command(root), "pip", "install", "--quiet", "--system-certs", "--python", str(venv / "bin" / "python"),
                  "-c", "requirements/constraints.txt", "-e", ".[run,test,hub]"],
                 [str(venv / "bin" / "python"), "-c", SMOKE]]
        for step in steps:
            result = subprocess.run(step, cwd=root, capture_output=True, text=True, encoding="utf-8", timeout=1800)
            if result.returncode != 0:
                break
        verdict = result.stdout.strip() if result.returncode == 0 else "FAILED: " + result.stderr.strip()[-1500:]
        print(f"Python {interpreter.version_text:<8} {interpreter.executable:<44} {verdict}", flush=True)
        failed += result.returncode != 0
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m course_tools")
    commands = parser.add_subparsers(dest="command", required=True)
    venv = commands.add_parser("venv", help="create .venv with the chosen Python (make setup)")
    venv.add_argument("folder")
    venv.add_argument("--python", help="the interpreter to use (default: the newest supported on PATH)")
    setup = commands.add_parser("setup", help="make setup: system packages, .venv, the pinned packages, the kernel")
    setup.add_argument("--venv", default=".venv")
    setup.add_argument("--python", help="the interpreter to use (default: the newest supported on PATH)")
    setup.add_argument("--wheelhouse", help="install from a `make wheelhouse` folder, with no network")
    setup.add_argument("--index-url", default=os.environ.get("PIP_INDEX_URL"), help="a package mirror (PIP_INDEX_URL)")
    commands.add_parser("choose-python", help="print the Python make setup would use")
    pins = commands.add_parser("check-pins", help="resolve the pinned set for each supported Python (asks the index)")
    pins.add_argument("--install", action="store_true",
                      help="also install it for each Python on this machine (temporary venvs) and build a model")
    args = parser.parse_args(argv)
    try:
        if args.command == "venv":
            make_venv(Path(args.folder), args.python)
        elif args.command == "setup":
            from course_tools.provision.setup import set_up

            set_up(Path(__file__).resolve().parents[2], Path(args.venv), args.python, args.wheelhouse, args.index_url)
        elif args.command == "choose-python":
            print(choose_python(os.environ.get("PYTHON") or None).executable)
        else:
            root = Path(__file__).resolve().parents[2]
            resolved = check_pins(root)
            if resolved or not args.install:
                return resolved
            with tempfile.TemporaryDirectory(prefix="check-pins-") as folder:
                return install_here(root, Path(folder))
    except NoUsablePython as problem:
        print(problem, file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as failed:
        print(f"{args.command}: `{' '.join(map(str, failed.cmd))}` failed (exit status {failed.returncode})",
              file=sys.stderr)
        return 1
    return 0
