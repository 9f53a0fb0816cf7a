"""make doctor's checks of what the course's commands need: full MNIST, the grading sandbox
and its limits, the tools of make test, certificates for downloads, who can enter the checkout.

Each check is a function of measured values (:mod:`course_tools.provision.measurements`
measures them), so the tests feed it fake ones. Standard library only.
"""

from __future__ import annotations

import gzip
import hashlib
import shlex
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from course_tools.provision.findings import (
    OK,
    PROBLEM,
    WARNING,
    Finding,
    Probe,
    command,
)
from course_utils.data_home import (
    IDX_FILES,
    MNIST_IDX_SHA256,
    MNIST_NPZ_SHA256,
    file_sha256,
)

USERNS_SYSCTLS = {  # the setting that blocks unprivileged user namespaces, and the value that allows them
    "kernel.apparmor_restrict_unprivileged_userns": ("1", "0"),  # Ubuntu 23.10 and later
    "kernel.unprivileged_userns_clone": ("0", "1"),  # older Debian kernels
    "user.max_user_namespaces": ("0", "15000"),
}


# --- 5. Full MNIST ---------------------------------------------------------------------------


def sha256_forms(path: Path) -> set[str]:
    """SHA-256 of the file as stored and, for ``.gz``, of its content: either may be the pinned one.

    The same rule as ``course_utils.data.files.hash_is_known``, reading in blocks.
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

