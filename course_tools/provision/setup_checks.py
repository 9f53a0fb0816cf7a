"""make doctor's checks of what set-up and a notebook's kernel need: the Python, .venv and
TensorFlow, memory, disk space, a Chinese font.

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
    Finding,
    Interpreter,
    Probe,
    Text,
    command,
)
from course_utils.data_home import IDX_FILES

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


def check_python(interpreter: Interpreter, where: Text, *, venv_exists: bool,
                 python312_installed: bool) -> Finding:
    """TensorFlow's wheels exist for CPython 3.10 to 3.13 only."""
    name, version = interpreter.implementation, interpreter.version_text
    low, high = SUPPORTED_PYTHON
    span = f"{low[0]}.{low[1]} – {high[0]}.{high[1]}"
    if name == "cpython" and low <= tuple(interpreter.version[:2]) <= high:
        return Finding(OK, (f"Python {version}（{where[0]}）：TensorFlow {TENSORFLOW} 提供 CPython {span} 的安装包（wheel）。",
                            f"Python {version} ({where[1]}): TensorFlow {TENSORFLOW} has wheels for CPython {span}."))
    setup = f"`{'rm -rf .venv && ' if venv_exists else ''}make setup PYTHON=python3.12`"
    fix = (setup, setup) if python312_installed else (
        f"安装 Python 3.12（Debian/Ubuntu：`sudo apt-get install python3.12 python3.12-venv`），然后 {setup}",
        f"install Python 3.12 (Debian/Ubuntu: `sudo apt-get install python3.12 python3.12-venv`), then {setup}")
    if name != "cpython":
        return Finding(PROBLEM, (f"{name} {version}（{where[0]}）：TensorFlow {TENSORFLOW} 只提供 CPython 的安装包。",
                                 f"{name} {version} ({where[1]}): TensorFlow {TENSORFLOW} has wheels for CPython only."), fix)
    return Finding(PROBLEM, (
        f"Python {version}（{where[0]}）：TensorFlow {TENSORFLOW} 只提供 CPython {span} 的安装包，"
        f"`make setup` 无法安装 TensorFlow。",
        f"Python {version} ({where[1]}): TensorFlow {TENSORFLOW} has wheels for CPython {span} only, "
        f"so `make setup` cannot install TensorFlow."), fix)


def check_venv_module(python: str, has_ensurepip: bool, *, venv_ready: bool) -> Finding:
    """``python -m venv`` needs ensurepip, which Debian ships in python3-venv."""
    if has_ensurepip:
        return Finding(OK, ("venv 模块（ensurepip）可用，`make setup` 能创建 .venv。",
                            "The venv module (ensurepip) is there, so `make setup` can create .venv."))
    fix = command("sudo apt-get install python3-venv")
    if venv_ready:
        return Finding(WARNING, (f"{python} 缺少 venv 模块（ensurepip）：现有的 .venv 可以用，但删掉后无法重建。",
                                 f"{python} has no venv module (ensurepip): .venv works, but could not be "
                                 "made again."), fix)
    return Finding(PROBLEM, (f"{python} 缺少 venv 模块（ensurepip），`make setup` 无法创建 .venv。",
                             f"{python} has no venv module (ensurepip), so `make setup` cannot create .venv."), fix)


# --- 2. The venv -----------------------------------------------------------------------------


def check_venv(venv: Path, python_probe: Probe | None, *, stamp_present: bool) -> Finding:
    """``.venv/bin/python`` runs, and set-up finished (its ``.installed`` stamp)."""
    if python_probe is None:
        return Finding(PROBLEM, (f"{venv.parent} 里还没有 .venv：还没有运行过 `make setup`。",
                                 f"No .venv in {venv.parent} yet: `make setup` has not run."), command("make setup"))
    if not python_probe.succeeded:
        return Finding(PROBLEM, (f"{venv}/bin/python 无法运行（“{python_probe.output}”）：.venv 已损坏。",
                                 f"{venv}/bin/python does not run (“{python_probe.output}”): .venv is broken."),
                       command("rm -rf .venv && make setup"))
    if not stamp_present:
        return Finding(PROBLEM, (f"{venv} 已存在，但安装没有完成（没有 .installed 标记文件）。",
                                 f"{venv} exists, but set-up did not finish (no .installed stamp)."),
                       command("make setup"))
    return Finding(OK, (f"{venv}：Python 可以运行，安装已经完成。",
                        f"{venv}: its Python runs and set-up finished."))


def check_tensorflow(probe: Probe) -> Finding:
    """TensorFlow imports in the venv (probe: the venv's Python printing ``tf.__version__``)."""
    if probe.succeeded:
        return Finding(OK, (f".venv 里可以导入 TensorFlow {probe.output}。",
                            f"TensorFlow {probe.output} imports in .venv."))
    # `make setup` alone would do nothing: the stamp says set-up finished.
    fix = command("rm -rf .venv && make setup")
    if probe.timed_out:
        seconds = TENSORFLOW_IMPORT_TIMEOUT_S
        return Finding(PROBLEM, (f".venv 里导入 TensorFlow 超过 {seconds} 秒还没有完成。",
                                 f"Importing TensorFlow in .venv did not finish in {seconds} s."), fix)
    return Finding(PROBLEM, (f".venv 里无法导入 TensorFlow（“{probe.output}”）。",
                             f"TensorFlow does not import in .venv (“{probe.output}”)."), fix)


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
    peak = KERNEL_PEAK_MB
    if available_mb is None:
        return Finding(WARNING, (f"无法从 /proc/meminfo 读到可用内存（MemAvailable）；笔记本内核的内存峰值为 {peak:,} MB。",
                                 f"MemAvailable is not in /proc/meminfo; a notebook's kernel peaks at {peak:,} MB."),
                       (f"用 `free -m` 确认至少有 {peak:,} MB 可用内存", f"check with `free -m` that {peak:,} MB are free"))
    if available_mb < peak:
        return Finding(PROBLEM, (f"可用内存只有 {available_mb:,} MB（MemAvailable）：笔记本 01 的内核峰值为 {peak:,} MB，"
                                 "内存不够。",
                                 f"Only {available_mb:,} MB of memory available (MemAvailable): notebook 01's "
                                 f"kernel peaks at {peak:,} MB."),
                       ("关闭其他程序，然后重新运行 `make doctor`", "close other programs, then run `make doctor` again"))
    if available_mb < 2 * peak:
        return Finding(WARNING, (f"可用内存 {available_mb:,} MB（MemAvailable）：够一个笔记本的内核用（峰值 {peak:,} MB），"
                                 "不够两个内核同时运行。",
                                 f"{available_mb:,} MB of memory available (MemAvailable): enough for one "
                                 f"notebook's kernel (peak {peak:,} MB), not for two at once."),
                       ("做完一个笔记本就关掉它的内核（JupyterLab：内核 → 关闭所有内核）",
                        "shut down a notebook's kernel before the next (JupyterLab: Kernel → Shut Down All Kernels)"))
    return Finding(OK, (f"可用内存 {available_mb:,} MB（MemAvailable）；笔记本内核的内存峰值为 {peak:,} MB（笔记本 01 实测）。",
                        f"{available_mb:,} MB of memory available (MemAvailable); a notebook's kernel peaks "
                        f"at {peak:,} MB (measured on notebook 01)."))


@dataclass(frozen=True)
class DiskNeed:
    """Room one part of set-up takes in ``folder``; nothing once it is in place."""

    label: Text
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
        DiskNeed((".venv", ".venv"), root / ".venv", VENV_MB, venv_done),
        DiskNeed(("uv 的下载缓存", "uv's download cache"), uv_cache, UV_CACHE_MB, venv_done, UV_CACHE_LINKED_MB),
        DiskNeed(("node_modules", "node_modules"), root / "node_modules", NODE_MODULES_MB, web_done),
        DiskNeed(("npm 的缓存", "npm's cache"), npm_cache, NPM_CACHE_MB, web_done),
        DiskNeed(("完整 MNIST 及其 wheel", "full MNIST and its wheel"), data_home, DATA_MB, data_done),
    ]


def needs_by_disk(needs: list[DiskNeed], disk_of, venv_disk) -> dict[object, list[tuple[Text, int]]]:
    """What set-up still writes, grouped by disk (``disk_of(folder)``), in megabytes.

    Every disk that any part goes to is a key, even when nothing is left to write there.
    """
    grouped: dict[object, list[tuple[Text, int]]] = {}
    for need in needs:
        disk = disk_of(need.folder)
        parts = grouped.setdefault(disk, [])
        if not need.in_place:
            beside_venv = need.megabytes_beside_venv is not None and disk == venv_disk
            parts.append((need.label, need.megabytes_beside_venv if beside_venv else need.megabytes))
    return grouped


def size_text(megabytes: int) -> str:
    return f"{megabytes / 1024:.1f} GB" if megabytes >= 1024 else f"{megabytes:,} MB"


def check_free_disk(mount: str, free_mb: int, needs: list[tuple[Text, int]]) -> Finding:
    """Free room on one disk against what set-up still writes there."""
    needed = sum(megabytes for _, megabytes in needs)
    free = size_text(free_mb)
    if not needs:
        return Finding(OK, (f"挂载在 {mount} 的磁盘有 {free} 可用空间；安装要写在这里的文件都已就位。",
                            f"The disk at {mount} has {free} free; set-up's files there are all in place."))
    parts = ("、".join(f"{label[0]} {size_text(mb)}" for label, mb in needs),
             ", ".join(f"{label[1]} {size_text(mb)}" for label, mb in needs))
    found = (f"挂载在 {mount} 的磁盘有 {free} 可用空间，安装还要在这里写入约 {size_text(needed)}（{parts[0]}）",
             f"The disk at {mount} has {free} free; set-up still writes about {size_text(needed)} there ({parts[1]})")
    short = needed + SPARE_MB - free_mb
    fix = (f"在这个磁盘上腾出至少 {size_text(short)}，然后重新运行 `make doctor`",
           f"free at least {size_text(short)} on that disk, then run `make doctor` again")
    if free_mb < needed:
        return Finding(PROBLEM, (found[0] + "，空间不够。", found[1] + ": not enough room."), fix)
    if short > 0:
        return Finding(WARNING, (found[0] + f"，之后剩下的不到 {size_text(SPARE_MB)}，不够放 build/ 和笔记本的输出。",
                                 found[1] + f", which leaves less than {size_text(SPARE_MB)} for build/ "
                                 "and the notebooks' outputs."), fix)
    return Finding(OK, (found[0] + "。", found[1] + "."))


# --- 4. A Chinese font -----------------------------------------------------------------------


def check_cjk_font(families: str | None) -> Finding:
    """A CJK font for figure labels, found as scripts/install_system_packages.sh finds it.

    ``families`` is the output of ``fc-list : family``, or None when fc-list is missing.
    """
    if families is None:
        return Finding(WARNING, ("没有 fc-list，查不到已安装的字体；没有 CJK 字体时，图中标签会改用英文。",
                                 "fc-list is missing, so no font could be looked up; without a CJK font, "
                                 "figure labels fall back to English."),
                       command("sudo apt-get install fontconfig fonts-noto-cjk"))
    cjk = sorted({line.split(",")[0].strip() for line in families.splitlines() if "cjk" in line.lower()})
    if not cjk:
        return Finding(WARNING, ("没有安装 CJK 字体：图中标签会改用英文。",
                                 "No CJK font is installed: figure labels fall back to English."),
                       command("sudo apt-get install fonts-noto-cjk"))
    family = next((name for name in cjk if name.endswith(" SC")), cjk[0])  # SC: Simplified Chinese
    return Finding(OK, (f"图中标签的中文字体：“{family}”（共 {len(cjk)} 个 CJK 字体族）。",
                        f"Chinese font for figure labels: “{family}” ({len(cjk)} CJK font families)."))

