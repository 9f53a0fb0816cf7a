"""Installing the course elsewhere: an offline wheelhouse, and the files repo2docker
(Binder, JupyterHub) builds the image from. Docker cannot run here, so the image
files are checked statically."""

from __future__ import annotations

import ensurepip
import os
import re
import shutil
import subprocess
import sys

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import pytest
import yaml

from course_tools.provision.wheelhouse import course_wheel, install_offline
from course_tools.settings import ROOT

CONSTRAINTS = (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8")


def pinned(name: str) -> bool:
    return re.search(rf"^{re.escape(name.lower())}==[\w.]+", CONSTRAINTS.lower(), flags=re.M) is not None


def requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!;\[ ]", requirement, maxsplit=1)[0].replace("_", "-")


def test_every_dependency_has_a_tested_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    names = {requirement_name(r) for r in project["dependencies"] + extras} - {project["name"]}
    assert [name for name in sorted(names) if not pinned(name)] == []


def test_the_dev_extra_is_every_other_extra():
    """make setup installs .[dev]; `pip install .` alone is what a notebook needs, without the tools."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert f"{project['name']}[{','.join(sorted(set(extras) - {'dev'}))}]" in extras["dev"]
    plain = {requirement_name(r) for r in project["dependencies"]}
    assert not plain & {"jupyterhub", "sphinx", "playwright", "pytest", "papermill", "jupyterlab"}


def test_environment_yml_pins_python_and_installs_through_the_constraints():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    assert all(re.fullmatch(r"[\w-]+=\d+\.\d+\.\d+", d) for d in conda), conda
    [pip] = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    assert pip == ["-c requirements/constraints.txt", "-e .[dev]"]


def test_apt_txt_is_what_running_the_course_needs():
    packages = (ROOT / "apt.txt").read_text(encoding="utf-8").split()
    script = (ROOT / "scripts" / "install_system_packages.sh").read_text(encoding="utf-8")
    run_part = script.split('if [ "$purpose" = test ]')[0]
    assert packages == ["fonts-noto-cjk"] and all(p in run_part for p in packages)


def test_postbuild_and_make_share_one_setup_script():
    post_build = ROOT / "postBuild"
    assert os.access(post_build, os.X_OK) and os.access(ROOT / "scripts" / "register_kernel.sh", os.X_OK)
    assert "scripts/register_kernel.sh" in post_build.read_text(encoding="utf-8")
    from course_tools.provision.setup import install_commands

    assert "-m course_tools setup" in (ROOT / "Makefile").read_text(encoding="utf-8")  # make setup
    assert install_commands(Path(".venv"))[-1] == ["scripts/register_kernel.sh", ".venv/bin/python"]
    setup = ROOT / "course_tools" / "provision" / "setup.py"
    copies = [p.name for p in (post_build, ROOT / "Makefile", setup)
              if "ipykernel install" in p.read_text(encoding="utf-8")]
    assert copies == [], "the kernel is registered in one script, not copied"
    result = subprocess.run(["bash", "-n", str(post_build)], capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stderr


def bundled_wheel() -> Path:
    """A wheel every Python carries for venv: setuptools (up to 3.11), else pip; Debian keeps them apart."""
    places = [Path(ensurepip.__file__).parent / "_bundled", Path("/usr/share/python-wheels")]
    found = [wheel for name in ("setuptools", "pip") for place in places for wheel in sorted(place.glob(f"{name}-*.whl"))]
    if not found:
        pytest.fail(f"no bundled setuptools or pip wheel in {', '.join(map(str, places))}")
    return found[0]


def test_a_venv_installs_from_a_small_wheelhouse_with_the_network_shut(tmp_path):
    """The course's wheel and one dependency (a wheel Python itself bundles)."""
    wheels = tmp_path / "wheels"
    course_wheel(wheels)
    bundled = bundled_wheel()
    shutil.copy2(bundled, wheels)
    name = bundled.name.split("-")[0]
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    install_offline(python, wheels, "--no-deps", "course-utils")
    install_offline(python, wheels, "--force-reinstall", name)  # from the folder, even where venv has it
    out = subprocess.run([str(python), "-c", f"import {name}, course_utils.language as language\n"
                          f"print(language.translate('True', 'zh'), {name}.__version__)"],
                         cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", check=True).stdout
    assert out.split()[0] == "是"  # the wheel ships the compiled catalog
    # and pip really cannot reach an index: a package that is not in the folder fails
    with pytest.raises(subprocess.CalledProcessError):
        install_offline(python, wheels, "six")
