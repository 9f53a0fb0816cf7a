"""make doctor's checks of what set-up and a notebook's kernel need: the Python, .venv and
TensorFlow, memory, disk space, a font for each language written in a script other than Latin.

Each check is a function of measured values (:mod:`course_tools.provision.measurements`
measures them), so the tests feed it fake ones. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course_tools.provision.findings import (
    OK,
    PROBLEM,
    WARNING,
    CountedText,
    Finding,
    Interpreter,
    Probe,
    Text,
    command,
)
from course_utils.data_home import IDX_FILES
from course_utils.language import N_, Language

# requirements/constraints.txt pins tensorflow==2.21.0, which has wheels for CPython 3.10 to 3.13.
TENSORFLOW = "2.21"
SUPPORTED_PYTHON = ((3, 10), (3, 13))
TENSORFLOW_IMPORT_TIMEOUT_S = 120  # about 7 s on the 2-core machine; a cold disk is slower
# benchmarks/student_memory.py (docs/en/hub.md): a kernel's peak while running
# notebook 01, the highest of the four (1,115 / 904 / 935 / 1,114 MB). A kernel left running
# while the next notebook starts holds both.
KERNEL_PEAK_MB = 1_115
# What set-up writes, measured with du -sm after `make setup` and `npm ci` (Python 3.11, uv 0.13.9):
VENV_MB = 2_660  # .venv
# ~/.cache/uv: the unpacked wheels (2,240 MB) and the index's metadata (about 50 MB). On .venv's
# disk uv hard-links the wheels into .venv (du of both together counts them once); elsewhere it copies.
UV_CACHE_MB = 2_300
UV_CACHE_LINKED_MB = 50
NODE_MODULES_MB = 395  # node_modules (make web)
NPM_CACHE_MB = 107  # ~/.npm
DATA_MB = 75  # full MNIST's four IDX files (55 MB) and the kept wheel (20 MB)
SPARE_MB = 1_024  # a round margin for build/ and the notebooks' outputs, not a measurement


# --- 1. Python -------------------------------------------------------------------------------


def check_python(interpreter: Interpreter, where: str | Text, *, venv_exists: bool,
                 python312_installed: bool) -> Finding:
    """TensorFlow's wheels exist for CPython 3.10 to 3.13 only."""
    low, high = SUPPORTED_PYTHON
    facts = dict(name=interpreter.implementation, version=interpreter.version_text, where=where,
                 tensorflow=TENSORFLOW, span=f"{low[0]}.{low[1]} – {high[0]}.{high[1]}")
    if facts["name"] == "cpython" and low <= tuple(interpreter.version[:2]) <= high:
        return Finding(OK, Text("Python {version} ({where}): TensorFlow {tensorflow} has wheels for CPython {span}.",
                                **facts))
    setup = command(f"{'rm -rf .venv && ' if venv_exists else ''}make setup PYTHON=python3.12")
    fix = setup if python312_installed else Text(
        "install Python 3.12 (Debian/Ubuntu: `sudo apt-get install python3.12 python3.12-venv`), then {setup}",
        setup=setup)
    if facts["name"] != "cpython":
        return Finding(PROBLEM, Text("{name} {version} ({where}): TensorFlow {tensorflow} has wheels for CPython only.",
                                     **facts), fix)
    return Finding(PROBLEM, Text(
        "Python {version} ({where}): TensorFlow {tensorflow} has wheels for CPython {span} only, "
        "so `make setup` cannot install TensorFlow.", **facts), fix)


def check_venv_module(python: str, has_ensurepip: bool, *, venv_ready: bool) -> Finding:
    """``python -m venv`` needs ensurepip, which Debian ships in python3-venv."""
    if has_ensurepip:
        return Finding(OK, Text("The venv module (ensurepip) is there, so `make setup` can create .venv."))
    fix = command("sudo apt-get install python3-venv")
    if venv_ready:
        return Finding(WARNING, Text("{python} has no venv module (ensurepip): .venv works, but could not be "
                                     "made again.", python=python), fix)
    return Finding(PROBLEM, Text("{python} has no venv module (ensurepip), so `make setup` cannot create .venv.",
                                 python=python), fix)


# --- 2. The venv -----------------------------------------------------------------------------


def check_venv(venv: Path, python_probe: Probe | None, *, stamp_present: bool) -> Finding:
    """``.venv/bin/python`` runs, and set-up finished (its ``.installed`` stamp)."""
    if python_probe is None:
        return Finding(PROBLEM, Text("No .venv in {folder} yet: `make setup` has not run.", folder=venv.parent),
                       command("make setup"))
    if not python_probe.succeeded:
        return Finding(PROBLEM, Text("{venv}/bin/python does not run (“{output}”): .venv is broken.",
                                     venv=venv, output=python_probe.output),
                       command("rm -rf .venv && make setup"))
    if not stamp_present:
        return Finding(PROBLEM, Text("{venv} exists, but set-up did not finish (no .installed stamp).", venv=venv),
                       command("make setup"))
    return Finding(OK, Text("{venv}: its Python runs and set-up finished.", venv=venv))


def check_tensorflow(probe: Probe) -> Finding:
    """TensorFlow imports in the venv (probe: the venv's Python printing ``tf.__version__``)."""
    if probe.succeeded:
        return Finding(OK, Text("TensorFlow {version} imports in .venv.", version=probe.output))
    # `make setup` alone would do nothing: the stamp says set-up finished.
    fix = command("rm -rf .venv && make setup")
    if probe.timed_out:
        return Finding(PROBLEM, Text("Importing TensorFlow in .venv did not finish in {seconds} s.",
                                     seconds=TENSORFLOW_IMPORT_TIMEOUT_S), fix)
    return Finding(PROBLEM, Text("TensorFlow does not import in .venv (“{output}”).", output=probe.output), fix)


# --- 3. Memory and disk ----------------------------------------------------------------------


def mem_available_mb(meminfo: str) -> int | None:
    """MemAvailable from the text of /proc/meminfo, in MB; None if it is not there."""
    for line in meminfo.splitlines():
        name, _, value = line.partition(":")
        if name == "MemAvailable" and value.split():
            return int(value.split()[0]) // 1024  # kB
    return None


def check_memory(available_mb: int | None) -> Finding:
    """Free memory against a notebook's measured peak (notebook 01's kernel: 1,115 MB)."""
    facts = dict(available=available_mb, peak=KERNEL_PEAK_MB)
    if available_mb is None:
        return Finding(WARNING, Text("MemAvailable is not in /proc/meminfo; a notebook's kernel peaks at {peak:,} MB.",
                                     **facts),
                       Text("check with `free -m` that {peak:,} MB are free", **facts))
    if available_mb < KERNEL_PEAK_MB:
        return Finding(PROBLEM, Text("Only {available:,} MB of memory available (MemAvailable): notebook 01's "
                                     "kernel peaks at {peak:,} MB.", **facts),
                       Text("close other programs, then run `make doctor` again"))
    if available_mb < 2 * KERNEL_PEAK_MB:
        return Finding(WARNING, Text("{available:,} MB of memory available (MemAvailable): enough for one "
                                     "notebook's kernel (peak {peak:,} MB), not for two at once.", **facts),
                       Text("shut down a notebook's kernel before the next (JupyterLab: Kernel → Shut Down All Kernels)"))
    return Finding(OK, Text("{available:,} MB of memory available (MemAvailable); a notebook's kernel peaks "
                            "at {peak:,} MB (measured on notebook 01).", **facts))


@dataclass(frozen=True)
class DiskNeed:
    """Room one part of set-up takes in ``folder``; nothing once it is in place."""

    label: str  # an N_ label, or a name the same in every language
    folder: Path
    megabytes: int
    in_place: bool
    megabytes_beside_venv: int | None = None  # on .venv's disk: uv hard-links its cache into .venv


def setup_disk_needs(root: Path, data_home: Path, uv_cache: Path, npm_cache: Path) -> list[DiskNeed]:
    """What set-up writes, where, and whether it is there already (its stamp or files)."""
    venv_done = (root / ".venv/.installed").is_file()
    web_done = (root / "node_modules/.package-lock.json").is_file()
    data_done = all((data_home / "mnist" / stem).is_file() for stem in IDX_FILES.values())
    return [
        DiskNeed(".venv", root / ".venv", VENV_MB, venv_done),
        DiskNeed(N_("uv's download cache"), uv_cache, UV_CACHE_MB, venv_done, UV_CACHE_LINKED_MB),
        DiskNeed("node_modules", root / "node_modules", NODE_MODULES_MB, web_done),
        DiskNeed(N_("npm's cache"), npm_cache, NPM_CACHE_MB, web_done),
        DiskNeed(N_("full MNIST and its wheel"), data_home, DATA_MB, data_done),
    ]


def needs_by_disk(needs: list[DiskNeed], disk_of, venv_disk) -> dict[object, list[tuple[str, int]]]:
    """What set-up still writes, grouped by disk (``disk_of(folder)``), in megabytes.

    Every disk that any part goes to is a key, even when nothing is left to write there.
    """
    grouped: dict[object, list[tuple[str, int]]] = {}
    for need in needs:
        disk = disk_of(need.folder)
        parts = grouped.setdefault(disk, [])
        if not need.in_place:
            beside_venv = need.megabytes_beside_venv is not None and disk == venv_disk
            parts.append((need.label, need.megabytes_beside_venv if beside_venv else need.megabytes))
    return grouped


def size_text(megabytes: int) -> str:
    return f"{megabytes / 1024:.1f} GB" if megabytes >= 1024 else f"{megabytes:,} MB"


def check_free_disk(mount: str, free_mb: int, needs: list[tuple[str, int]]) -> Finding:
    """Free room on one disk against what set-up still writes there (``needs``: label, megabytes)."""
    needed = sum(megabytes for _, megabytes in needs)
    short = needed + SPARE_MB - free_mb
    facts = dict(mount=mount, free=size_text(free_mb), needed=size_text(needed), spare=size_text(SPARE_MB),
                 parts=[Text("{label} {size}", label=label, size=size_text(mb)) for label, mb in needs])
    if not needs:
        return Finding(OK, Text("The disk at {mount} has {free} free; set-up's files there are all in place.",
                                **facts))
    fix = Text("free at least {short} on that disk, then run `make doctor` again", short=size_text(short))
    if free_mb < needed:
        return Finding(PROBLEM, Text("The disk at {mount} has {free} free; set-up still writes about {needed} "
                                     "there ({parts}): not enough room.", **facts), fix)
    if short > 0:
        return Finding(WARNING, Text("The disk at {mount} has {free} free; set-up still writes about {needed} "
                                     "there ({parts}), which leaves less than {spare} for build/ and the "
                                     "notebooks' outputs.", **facts), fix)
    return Finding(OK, Text("The disk at {mount} has {free} free; set-up still writes about {needed} there "
                            "({parts}).", **facts))


# --- 4. Fonts --------------------------------------------------------------------------------


def check_cjk_font(families: str | None) -> Finding:
    """A CJK font for figure labels in Chinese, found as scripts/install_system_packages.sh finds it.

    ``families`` is the output of ``fc-list : family``, or None when fc-list is missing.
    """
    if families is None:
        return Finding(WARNING, Text("fc-list is missing, so no font could be looked up; without a CJK font, "
                                     "figure labels fall back to English."),
                       command("sudo apt-get install fontconfig fonts-noto-cjk"))
    cjk = sorted({line.split(",")[0].strip() for line in families.splitlines() if "cjk" in line.lower()})
    if not cjk:
        return Finding(WARNING, Text("No CJK font is installed: figure labels fall back to English."),
                       command("sudo apt-get install fonts-noto-cjk"))
    family = next((name for name in cjk if name.endswith(" SC")), cjk[0])  # SC: Simplified Chinese
    return Finding(OK, Text("Chinese font for figure labels: “{family}” ({families} CJK font families).",
                            family=family, families=len(cjk)))


def check_language_font(language: Language, families: str | None) -> Finding:
    """A font for figure labels in ``language``, a language written in a script other than Latin.

    ``families`` is the output of ``fc-list :lang=<code> family`` (the fonts that cover the
    language), or None when fc-list is missing.
    """
    facts = dict(name=language.name, code=language.code, script=language.script)
    if families is None:
        return Finding(WARNING, Text("fc-list is missing, so no font for {name} ({code}) could be looked up.",
                                     **facts), command("sudo apt-get install fontconfig"))
    found = sorted({line.split(",")[0].strip() for line in families.splitlines() if line.strip()})
    if not found:
        return Finding(WARNING, Text("No installed font covers {name} ({code}, {script} script): its figure labels "
                                     "cannot be drawn.", **facts),
                       Text("install a font for {name}, then run `make doctor` again", **facts))
    return Finding(OK, CountedText("Font for figure labels in {name} ({code}): “{family}” ({families} font family).",
                                   "Font for figure labels in {name} ({code}): “{family}” ({families} font families).",
                                   len(found), family=found[0], families=len(found), **facts))
