"""``make doctor``: is this machine ready for the course, and if not, what to run.

One line per finding, in the student's language: ok, warning or problem, what was
measured, and for everything that is not ok the command that fixes it. The exit
status is 1 when there is a problem. ``python -m course_tools doctor --lang zh``.

Standard library only: it runs on a bare ``python3`` before ``.venv`` exists, so it
imports nothing from the course but the layout (``paths``), the sandbox's probe
(``sandbox``) and the data folder with its pinned hashes (``course_utils.data_home``).
Each check is a function of what was measured, so the tests feed it fake values;
``findings`` measures this machine and calls them in order.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import os
import shlex
import shutil
import stat
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

from course_tools.grading import cgroups
from course_tools.grading.sandbox import closed_folder, probe_command
from course_tools.settings import ROOT, Settings
from course_utils.data_home import (
    IDX_FILES,
    MNIST_IDX_SHA256,
    MNIST_NPZ_SHA256,
    course_data_dir,
    file_sha256,
)
from course_utils.settings import Settings as StudentSettings

Text = Tuple[str, str]  # (Chinese, English); typing's, so that Python 3.8 can say it is too old
OK, WARNING, PROBLEM = "ok", "warning", "problem"
STATUS_WORDS = {OK: ("正常", "ok"), WARNING: ("警告", "warning"), PROBLEM: ("问题", "problem")}

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
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
USERNS_SYSCTLS = {  # the setting that blocks unprivileged user namespaces, and the value that allows them
    "kernel.apparmor_restrict_unprivileged_userns": ("1", "0"),  # Ubuntu 23.10 and later
    "kernel.unprivileged_userns_clone": ("0", "1"),  # older Debian kernels
    "user.max_user_namespaces": ("0", "15000"),
}
# What `make test`, `make slides` and `make book` need besides `make run`
# (scripts/install_system_packages.sh test): Debian package → the command or folder it provides.
TEST_PACKAGES = {
    "chromium": "chromium",
    "npm": "npm",
    "poppler-utils": "pdffonts",
    "dataset-fashion-mnist": "/usr/share/datasets/fashion-mnist",
}


@dataclass(frozen=True)
class Finding:
    """One line of the report: a status, what was found and, unless ok, how to fix it."""

    status: str  # OK, WARNING or PROBLEM
    text: Text
    fix: Text | None = None


@dataclass(frozen=True)
class Interpreter:
    """The Python that runs (or will run) the course."""

    path: str
    implementation: str  # sys.implementation.name: "cpython", "pypy", ...
    version: tuple[int, ...]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


@dataclass(frozen=True)
class Probe:
    """How a command ended: whether it succeeded, and its last line of output."""

    succeeded: bool
    output: str
    timed_out: bool = False


def command(line: str) -> Text:
    """A fix that is a command: the same in both languages, in backticks."""
    return (f"`{line}`", f"`{line}`")


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


# --- 5. Full MNIST ---------------------------------------------------------------------------


def sha256_forms(path: Path) -> set[str]:
    """SHA-256 of the file as stored and, for ``.gz``, of its content: either may be the pinned one.

    The same rule as ``course_utils.data_files.hash_is_known``, reading in blocks.
    """
    forms = {file_sha256(path)}
    if path.suffix == ".gz":
        digest = hashlib.sha256()
        try:
            with gzip.open(path, "rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
            forms.add(digest.hexdigest())
        except (OSError, EOFError):  # not valid gzip: only the stored form can match
            pass
    return forms


def idx_path(folder: Path, stem: str) -> Path | None:
    """The IDX file as ``load_dataset`` looks for it: plain, else gzipped."""
    return next((path for path in (folder / stem, folder / f"{stem}.gz") if path.is_file()), None)


def check_mnist(folder: Path, *, from_variable: bool, npz_sha256: frozenset[str] = MNIST_NPZ_SHA256,
                idx_sha256: Mapping[str, frozenset[str]] = MNIST_IDX_SHA256) -> Finding:
    """Full MNIST where the notebooks read it, every file checked against the pinned SHA-256.

    ``from_variable``: ``folder`` comes from COURSE_DATA_DIR, which ``load_dataset`` reads
    first (mnist.npz before IDX files); otherwise it is the course data folder, used when
    it holds an IDX file.
    """
    if from_variable:
        where = (f"文件夹 {folder}（COURSE_DATA_DIR，优先于课程数据文件夹）",
                 f"{folder} (COURSE_DATA_DIR, read before the course data folder)")
        refetch = command("unset COURSE_DATA_DIR && make data")
        if not folder.is_dir():
            return Finding(PROBLEM, (f"COURSE_DATA_DIR={folder} 不是文件夹，载入数据时会出错。",
                                     f"COURSE_DATA_DIR={folder} is not a folder, so loading the data would fail."),
                           command("unset COURSE_DATA_DIR"))
    else:
        where = (f"课程数据文件夹 {folder}", f"the course data folder {folder}")
        refetch = command("make data")
    present = {key: idx_path(folder, stem) for key, stem in IDX_FILES.items()}
    npz = folder / "mnist.npz"
    used = folder.is_dir() and (from_variable or any(present.values()))
    if not used:
        return Finding(PROBLEM, (f"{where[0]} 里没有完整 MNIST：`make run` 和 `make test` 都需要它。",
                                 f"No full MNIST in {where[1]}: `make run` and `make test` need it."), refetch)
    if not (npz.is_file() or all(present.values())):
        missing = [IDX_FILES[key] for key, path in present.items() if path is None]
        return Finding(PROBLEM, (f"{where[0]} 里的完整 MNIST 不全，缺少 {'、'.join(missing)}。",
                                 f"Full MNIST in {where[1]} is incomplete: {', '.join(missing)} "
                                 f"{'is' if len(missing) == 1 else 'are'} missing."), refetch)
    if npz.is_file():
        checked, files = ("mnist.npz", "mnist.npz"), {npz: npz_sha256}
        if not from_variable:  # make data leaves a stray mnist.npz in its folder alone
            refetch = command(f"rm {shlex.quote(str(npz))} && make data")
    else:
        checked, files = ("四个 IDX 文件", "the four IDX files"), {present[key]: idx_sha256[key] for key in IDX_FILES}
    bad = [path.name for path, pinned in files.items() if not sha256_forms(path) & pinned]
    if bad:
        return Finding(PROBLEM, (f"{where[0]} 里的 {'、'.join(bad)} 与课程固定的 SHA-256 不符：文件损坏，或者不是原来的文件。",
                                 f"{', '.join(bad)} in {where[1]} {'matches' if len(bad) == 1 else 'match'} no "
                                 "SHA-256 the course pins: damaged, or a different file."), refetch)
    return Finding(OK, (f"完整 MNIST 在{where[0]}：{checked[0]}，SHA-256 校验通过。",
                        f"Full MNIST in {where[1]}: {checked[1]}, SHA-256 verified."))


# --- 6. The grading sandbox ------------------------------------------------------------------


def check_sandbox(bwrap_found: bool, probe: Probe | None, *, as_root: bool,
                  sysctls: Mapping[str, str | None]) -> Finding:
    """bubblewrap can start the grading sandbox (as a normal user: in a user namespace)."""
    if not bwrap_found:
        return Finding(WARNING, ("没有安装 bubblewrap（bwrap）：`make grade` 无法把作业放进沙箱运行。",
                                 "bubblewrap (bwrap) is not installed: `make grade` cannot run submissions "
                                 "in its sandbox."), command("sudo apt-get install bubblewrap"))
    if probe is not None and probe.succeeded:
        if as_root:
            return Finding(OK, ("bubblewrap 能启动批改用的沙箱（以 root 运行，不需要用户命名空间）。",
                                "bubblewrap starts the grading sandbox (as root, it needs no user namespace)."))
        return Finding(OK, ("bubblewrap 能启动批改用的沙箱：无特权用户命名空间可用。",
                            "bubblewrap starts the grading sandbox: unprivileged user namespaces work."))
    error = probe.output if probe else ""
    for name, (blocking, allowing) in USERNS_SYSCTLS.items():
        if not as_root and sysctls.get(name) == blocking:
            setting = f"{name}={allowing}"
            return Finding(WARNING, (
                f"bubblewrap 无法启动批改用的沙箱（“{error}”）：{name} = {blocking}，禁止了无特权用户命名空间。",
                f"bubblewrap cannot start the grading sandbox (“{error}”): {name} = {blocking} forbids "
                "unprivileged user namespaces."),
                command(f"echo {setting} | sudo tee /etc/sysctl.d/60-course-userns.conf && sudo sysctl --system"))
    where = (("在允许 root 创建命名空间的机器上批改", "grade on a machine whose root may create namespaces")
             if as_root else ("以 root 批改：`sudo make grade SUBMISSIONS=文件夹`", "grade as root: "
                              "`sudo make grade SUBMISSIONS=folder`"))
    return Finding(WARNING, (f"bubblewrap 无法启动批改用的沙箱（“{error}”），这在容器里很常见。",
                             f"bubblewrap cannot start the grading sandbox (“{error}”), as often inside a container."),
                   (f"{where[0]}；只批改你自己的笔记本时，可以不用沙箱：`make grade SUBMISSIONS=文件夹 GRADE_TRUSTED=1`",
                    f"{where[1]}; for your own notebooks only, without a sandbox: "
                    "`make grade SUBMISSIONS=folder GRADE_TRUSTED=1`"))


# --- 7. What make test, make slides and make book need ---------------------------------------


def check_grading_limits(cgroup_version: int | None) -> Finding:
    """Whether a submission's memory, processes and CPU share are held by the kernel (a cgroup)."""
    if cgroup_version:
        return Finding(OK, (f"批改时，每份作业的内存、进程数和 CPU 份额由 cgroup v{cgroup_version} 限制。",
                            f"While grading, each submission's memory, processes and CPU share are held "
                            f"by cgroup v{cgroup_version}."))
    return Finding(WARNING, ("这里没有可用的 cgroup（需要 root）：批改时内存只能从外部查看，无法真正限制，"
                             "所以 `make grade` 会拒绝运行，除非加上 `NO_MEMORY_LIMIT=1`。",
                             "No cgroup can be made here (it needs root): while grading, memory can only be "
                             "watched, not limited, so `make grade` refuses unless given `NO_MEMORY_LIMIT=1`."),
                   ("以 root 批改：`sudo make grade SUBMISSIONS=文件夹`",
                    "grade as root: `sudo make grade SUBMISSIONS=folder`"))


def check_test_tools(missing: list[str]) -> Finding:
    """Chromium, npm, the PDF tools and Fashion-MNIST (``missing``: their Debian packages)."""
    if not missing:
        return Finding(OK, ("Chromium、npm、PDF 工具（poppler-utils）和 Fashion-MNIST 都已安装：可以运行 "
                            "`make test`、`make slides` 和 `make book`。",
                            "Chromium, npm, the PDF tools (poppler-utils) and Fashion-MNIST are installed: "
                            "`make test`, `make slides` and `make book` can run."))
    return Finding(WARNING, (f"`make test`、`make slides` 和 `make book` 需要的软件包还没有安装：{'、'.join(missing)}。",
                             f"Not installed yet, needed by `make test`, `make slides` and `make book`: "
                             f"{', '.join(missing)}."),
                   command(f"sudo apt-get install {' '.join(missing)}"))


# --- 8. Certificates and the package mirror --------------------------------------------------


def shown_url(url: str) -> str:
    """The URL without its password, if it carries one."""
    parts = urllib.parse.urlsplit(url)
    if not parts.password:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def check_certificates(bundle: Path, certificates: int | None, *, from_variable: bool,
                       index_url: str | None, setup_done: bool) -> Finding:
    """The CA bundle that uv (--system-certs) and pip check downloads with; the mirror, if any.

    ``certificates``: how many the bundle holds, None when it cannot be read.
    """
    mirror = (f"软件包镜像：PIP_INDEX_URL={shown_url(index_url)}。", f" Package mirror: PIP_INDEX_URL={shown_url(index_url)}.") \
        if index_url else ("", "")
    if certificates is None and from_variable:
        return Finding(PROBLEM, (f"SSL_CERT_FILE={bundle} 读不到：pip 和 uv 无法验证任何下载。{mirror[0]}",
                                 f"SSL_CERT_FILE={bundle} cannot be read: pip and uv cannot check any "
                                 f"download.{mirror[1]}"), command("unset SSL_CERT_FILE"))
    if certificates is None:
        return Finding(PROBLEM if not setup_done else WARNING, (
            f"没有系统的 CA 证书文件 {bundle}：`make setup` 让 uv 使用系统的证书（--system-certs），"
            f"没有它就无法验证下载。{mirror[0]}",
            f"No system CA bundle {bundle}: `make setup` has uv use the system's certificates "
            f"(--system-certs), so without it downloads cannot be checked.{mirror[1]}"),
            command("sudo apt-get install ca-certificates"))
    return Finding(OK, (
        f"CA 证书文件 {bundle}（{certificates} 个证书）。`make setup` 让 uv 使用系统的证书（--system-certs），"
        f"所以加进系统证书库的校园网代理证书也有效。{mirror[0]}",
        f"CA bundle {bundle} ({certificates} certificates). `make setup` has uv use the system's certificates "
        f"(--system-certs), so a campus proxy's CA added to the system store works.{mirror[1]}"))


# --- 9. Who can enter the checkout -----------------------------------------------------------


def check_checkout_access(root: Path, closed: tuple[Path, int] | None) -> Finding:
    """Informational: the hub and the grader show students' processes what they need through it."""
    if closed is None:
        return Finding(OK, (f"其他账户可以进入 {root} 及其上层的每个文件夹（o+x）。",
                            f"Other accounts can enter {root} and every folder around it (o+x)."))
    folder, mode = closed
    return Finding(OK, (
        f"{folder} 不允许其他账户进入（权限 {mode:04o}）。这没有问题：`make grade` 的沙箱和 `make hub` 里学生的"
        "进程会以只读方式看到它们需要的文件（Python 环境、course_utils、数据和课程版本），看不到其余内容。",
        f"{folder} is closed to other accounts (mode {mode:04o}). That is fine: the sandbox of `make grade` and "
        "the students' processes under `make hub` see what they need of it, read-only (the Python environment, "
        "course_utils, the data, their edition), and nothing else."))


# --- Measuring this machine ------------------------------------------------------------------


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


def font_families() -> str | None:
    """``fc-list : family``, as scripts/install_system_packages.sh asks; None without fc-list."""
    try:  # the first run after installing fonts builds fontconfig's cache: seconds
        return subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, encoding="utf-8",
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
        where = (".venv/bin/python", ".venv/bin/python")
    else:
        interpreter = Interpreter(sys.executable, sys.implementation.name, tuple(sys.version_info[:3]))
        where = (f"{sys.executable}，运行 doctor 的 Python，`make setup` 也用它",
                 f"{sys.executable}, which runs doctor and which `make setup` uses too")
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


def measure_font(root: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    yield check_cjk_font(font_families())


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


MEASUREMENTS = (  # (what is checked, how), in the order of the report
    (("Python 和 .venv", "Python and .venv"), measure_python_and_venv),
    (("内存", "Memory"), measure_memory),
    (("磁盘空间", "Disk space"), measure_disks),
    (("中文字体", "Chinese font"), measure_font),
    (("完整 MNIST", "Full MNIST"), measure_mnist),
    (("沙箱", "Sandbox"), measure_sandbox),
    (("测试工具", "Test tools"), measure_test_tools),
    (("证书", "Certificates"), measure_certificates),
    (("文件夹权限", "Folder permissions"), measure_checkout_access),
)


def findings(root: Path = ROOT, environ: Mapping[str, str] = os.environ,
             measurements=MEASUREMENTS) -> Iterator[Finding]:
    """Measure this machine and check it, one finding at a time (TensorFlow's import takes seconds).

    A check that cannot read what it needs (a folder this account may not enter) becomes
    a warning; the others still run.
    """
    for (title_zh, title_en), measure in measurements:
        try:
            yield from measure(root, environ)
        except OSError as error:
            yield Finding(WARNING, (f"{title_zh}：检查没能完成（“{error}”）。", f"{title_en}: the check could not finish (“{error}”)."),
                          ("确认这个账户能读取上面的路径，然后重新运行 `make doctor`",
                           "make sure this account can read the path above, then run `make doctor` again"))


# --- The report ------------------------------------------------------------------------------


def choose_language(requested: str | None, environ: Mapping[str, str]) -> str:
    """--lang, else COURSE_LANG when it is zh or en, else zh for a Chinese locale, else en."""
    if requested:
        return requested
    chosen = Settings.from_environment(environ).lang
    if chosen in ("zh", "en"):
        return chosen
    locale = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), "")
    return "zh" if locale.startswith("zh") else "en"


def render(finding: Finding, lang: str) -> str:
    """One line: the status word, what was found, and the fix."""
    index = 0 if lang == "zh" else 1
    word = STATUS_WORDS[finding.status][index]
    line = f"{word:<{4 if lang == 'zh' else 9}}{finding.text[index]}"
    if finding.fix is not None:
        line += f"解决办法：{finding.fix[0]}" if lang == "zh" else f" Fix: {finding.fix[1]}"
    return line


def summary(statuses: list[str], lang: str) -> str:
    problems, warnings = statuses.count(PROBLEM), statuses.count(WARNING)
    if lang == "zh":
        if not problems and not warnings:
            return "一切就绪。"
        advice = "先按上面的办法解决问题，再运行一次 `make doctor`。" if problems else "警告不影响 `make run`。"
        return f"{problems} 个问题，{warnings} 个警告。{advice}"
    if not problems and not warnings:
        return "All ready."
    advice = " Fix the problems above, then run `make doctor` again." if problems else " Warnings do not stop `make run`."
    return (f"{problems} problem{'s' * (problems != 1)}, {warnings} warning{'s' * (warnings != 1)}."
            + advice)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_tools doctor",
                                     description="Check that this machine is ready for the course; "
                                     "exit status 1 if something must be fixed.")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help="report language (default: COURSE_LANG, else the locale's)")
    args = parser.parse_args(argv)
    lang = choose_language(args.lang, os.environ)
    print(f"make doctor：检查课程文件夹 {ROOT}" if lang == "zh" else f"make doctor: checking {ROOT}", flush=True)
    statuses = []
    for finding in findings():
        print(render(finding, lang), flush=True)
        statuses.append(finding.status)
    print(summary(statuses, lang))
    return 1 if PROBLEM in statuses else 0


if __name__ == "__main__":
    sys.exit(main())
