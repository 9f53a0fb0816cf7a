"""make setup's choice of Python: the newest supported one, and a clear refusal of the others.

The interpreters here are fakes: shell scripts that answer the probe as a Python of a
given version would, so no Python 3.14 needs to be installed to test its refusal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_tools.provision import interpreters

ROOT = Path(__file__).resolve().parent.parent


def fake_python(folder: Path, name: str, version: tuple[int, int, int], *, venv: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    answer = json.dumps({"version": list(version), "executable": str(folder / name), "venv": venv})
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{answer}'\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_python_3_14_is_refused_in_both_languages(tmp_path):
    fake_python(tmp_path, "python3.14", (3, 14, 0))
    fake_python(tmp_path, "python3", (3, 14, 0))
    with pytest.raises(interpreters.NoUsablePython) as refused:
        interpreters.choose_python(path=str(tmp_path))
    zh, en = str(refused.value).splitlines()
    assert "Python 3.14.0" in zh and "3.10 到 3.13" in zh and "make setup PYTHON=python3.12" in zh
    assert "Python 3.14.0" in en and "3.10 to 3.13" in en and "make setup PYTHON=python3.12" in en


def test_a_given_python_is_checked_too(tmp_path):
    given = fake_python(tmp_path, "python3.14", (3, 14, 1))
    with pytest.raises(interpreters.NoUsablePython, match="3.14.1"):
        interpreters.choose_python(str(given), path=str(tmp_path))
    with pytest.raises(interpreters.NoUsablePython, match="does not run as Python"):
        interpreters.choose_python(str(tmp_path / "python-missing"), path=str(tmp_path))


def test_the_newest_supported_python_with_venv_is_chosen(tmp_path):
    fake_python(tmp_path, "python3", (3, 14, 0))
    fake_python(tmp_path, "python3.13", (3, 13, 5), venv=False)
    fake_python(tmp_path, "python3.12", (3, 12, 3))
    fake_python(tmp_path, "python3.10", (3, 10, 12))
    chosen = interpreters.choose_python(path=str(tmp_path))
    assert chosen.version == (3, 12, 3) and chosen.executable == str(tmp_path / "python3.12")


def test_a_python_without_venv_names_the_package_to_install(tmp_path):
    fake_python(tmp_path, "python3", (3, 11, 2), venv=False)
    with pytest.raises(interpreters.NoUsablePython) as refused:
        interpreters.choose_python(path=str(tmp_path))
    assert str(refused.value).count("sudo apt-get install python3.11-venv") == 2  # once per language


def test_make_setup_stops_before_creating_anything(tmp_path):
    fake = fake_python(tmp_path / "bin", "python3.14", (3, 14, 0))
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)  # the distribution's Python: no .venv needed
    result = subprocess.run([base, "-m", "course_tools", "venv", str(venv), "--python", str(fake)], cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 1 and not venv.exists()
    assert "3.10 到 3.13" in result.stderr and "3.10 to 3.13" in result.stderr


def test_this_machine_has_a_python_the_course_can_use():
    chosen = interpreters.choose_python()
    assert chosen.supported and chosen.has_venv
    assert chosen.version[:2] in interpreters.SUPPORTED


def test_the_hub_and_the_book_refuse_python_3_10_with_the_fix(monkeypatch):
    interpreters.require_python_311("hub")  # this machine's Python runs them
    monkeypatch.setattr(sys, "version_info", (3, 10, 12, "final", 0))
    with pytest.raises(ValueError) as refused:
        interpreters.require_python_311("book")
    assert "`make book` needs Python 3.11" in str(refused.value) and "sphinx-book-theme 1.4" in str(refused.value)
    assert "make setup PYTHON=python3.12" in str(refused.value).splitlines()[0]  # the Chinese line too


def test_make_setup_installs_the_pins_with_uv_from_the_index_or_a_wheelhouse():
    from course_tools.provision.setup import install_commands

    pip, uv, kernel = install_commands(Path(".venv"), index_url="https://mirror.example/simple")
    assert pip[:3] == [".venv/bin/python", "-m", "pip"] and pip[-3:] == ["-c", "requirements/constraints.txt", "uv"]
    assert uv[:4] == [".venv/bin/uv", "pip", "install", "--quiet"] and "--compile-bytecode" in uv
    assert uv[uv.index("--index-url") + 1] == "https://mirror.example/simple" and "--system-certs" in uv
    assert uv[-2:] == ["-e", ".[dev]"] and kernel == ["scripts/register_kernel.sh", ".venv/bin/python"]
    pip, uv, _ = install_commands(Path(".venv"), wheelhouse="/media/usb", index_url="https://mirror.example/simple")
    for command in (pip, uv):
        assert command[command.index("--find-links") + 1] == "/media/usb/wheels" and "--no-index" in command
    assert "--index-url" not in uv  # offline: the wheelhouse alone


def test_make_setup_runs_on_the_bare_interpreter():
    """make setup's command is routed before anything outside the standard library is imported."""
    base = getattr(sys, "_base_executable", sys.executable)  # no .venv: not even numpy
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    shown = subprocess.run([base, "-m", "course_tools", "setup", "--help"], cwd=ROOT, env=environment,
                           capture_output=True, text=True, encoding="utf-8", check=True).stdout
    assert "--wheelhouse" in shown and "--index-url" in shown
