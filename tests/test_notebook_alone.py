"""A notebook opened alone, as Colab, Kaggle or a university hub opens one.

The course's wheel goes into a fresh venv (from uv's cache, offline) with only papermill
and a kernel beside it: no checkout, no course_tools. Each course notebook, copied alone
into an empty folder, runs top to bottom with short parameters: its diagrams and shipped
models come from the package, its data from make data's folder (notebook 01) or the
embedded subset, whose notice it prints.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FULL_MNIST_DIR, ROOT, require_full_mnist

from course_tools.run.runner import course_notebooks

QUICK = {"epochs": 1, "seeds": 1, "test_limit": 300, "lang": "en"}  # as make test's short runs
EMBEDDED_NOTICE = "Using the embedded 5,000-image MNIST subset"


@pytest.fixture(scope="module")
def alone_venv(tmp_path_factory) -> Path:
    """A venv holding the course's wheel, papermill and ipykernel, and nothing of the checkout."""
    folder = tmp_path_factory.mktemp("alone")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(folder / "wheels"), str(ROOT)], check=True, timeout=600)
    [wheel] = (folder / "wheels").glob("course_utils-*.whl")
    uv = Path(sys.executable).parent / "uv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([str(uv), "venv", "--quiet", "--python", base, str(folder / "venv")], check=True)
    installed = subprocess.run(
        [str(uv), "pip", "install", "--quiet", "--offline", "--python", str(folder / "venv" / "bin" / "python"),
         "-c", str(ROOT / "requirements" / "constraints.txt"), str(wheel), "papermill", "ipykernel"],
        capture_output=True, text=True, encoding="utf-8")
    if installed.returncode != 0:
        pytest.fail(f"uv could not install the wheel offline (run `make setup` first):\n{installed.stderr[-2000:]}")
    site = next((folder / "venv" / "lib").glob("python3.*/site-packages"))
    shutil.rmtree(site / "course_tools")  # the wheel carries the delivery tools too; a notebook needs none
    print(f"wheel and venv: {time.monotonic() - started:.1f} s")
    return folder / "venv" / "bin" / "python"


def run_alone(python: Path, notebook: Path, folder: Path, env: dict[str, str]) -> dict:
    """``notebook`` copied alone into ``folder`` and run there by papermill; the executed notebook."""
    folder.mkdir()
    shutil.copy(notebook, folder / notebook.name)
    parameters = [part for key, value in QUICK.items() for part in ("-p", key, str(value))]
    result = subprocess.run([str(python), "-m", "papermill", notebook.name, "executed.ipynb", *parameters,
                             "-k", "python3", "--no-progress-bar", "--log-level", "ERROR"],
                            cwd=folder, env=env, capture_output=True, text=True, encoding="utf-8",
                            errors="replace", timeout=900)
    assert result.returncode == 0, f"{notebook.name} failed alone:\n{result.stdout[-1500:]}\n{result.stderr[-3000:]}"
    return json.loads((folder / "executed.ipynb").read_text(encoding="utf-8"))


def outputs(executed: dict, mime: str) -> list[str]:
    found = []
    for cell in executed["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text") if mime == "stream" else output.get("data", {}).get(mime)
            if text:
                found.append("".join(text) if isinstance(text, list) else text)
    return found


@pytest.mark.parametrize("notebook", course_notebooks(), ids=lambda path: path.name[:2])
def test_each_notebook_runs_alone_from_the_wheel(alone_venv, notebook, tmp_path):
    require_full_mnist()
    env = {"PATH": f"{alone_venv.parent}:/usr/bin:/bin", "HOME": str(tmp_path / "home"), "MPLBACKEND": "Agg",
           "TF_CPP_MIN_LOG_LEVEL": "2", "LANG": "C.UTF-8"}
    if notebook.name.startswith("01"):  # the default search finds make data's folder
        env["COURSE_DATA_HOME"] = str(FULL_MNIST_DIR.parent)
    else:
        env["COURSE_DATA_SOURCE"] = "embedded"
    started = time.monotonic()
    executed = run_alone(alone_venv, notebook, tmp_path / "alone", env)
    print(f"{notebook.name} alone: {time.monotonic() - started:.1f} s")
    printed = "\n".join(outputs(executed, "stream"))
    assert "course_tools" not in json.dumps([c["source"] for c in executed["cells"]])
    if notebook.name.startswith("01"):
        assert "60,000" in printed and EMBEDDED_NOTICE not in printed
    else:
        assert EMBEDDED_NOTICE in printed
    source = notebook.read_text(encoding="utf-8")
    diagrams = source.count("show_diagram(")
    assert len(outputs(executed, "image/png")) >= diagrams  # each diagram shown, from the package
    assert "../assets/" not in source  # no link that breaks when the notebook is alone
