"""Running a student's notebook where it can harm nothing: bubblewrap, an unprivileged
user, and limits on memory, processes and time.

The sandbox starts from an empty root and binds, read-only, only what a student
notebook needs: the system (``/usr``), a few files of ``/etc``, the Python
environment, the student package ``course_utils``, the shipped models and the
data folder. Its only writable place is a private home folder. It has its own
pid, network, IPC and UTS namespaces and dies with the grader; when its first
process ends, the kernel ends every process it started.

As root, bwrap runs without a user namespace, so the notebook runs as the
unprivileged account ``nobody`` (``setpriv``), and a memory and a pids cgroup
(cgroups v1) hold the limits. As a normal user, the notebook keeps the user's
own id inside a user namespace; memory is then watched from outside (resident
size of every process, polled) and processes are capped with ``RLIMIT_NPROC``.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

GIB = 2**30
NOBODY = 65534
HOME = Path("/home/student")
ETC_FILES = ("passwd", "group", "hosts", "nsswitch.conf", "localtime", "ld.so.cache", "fonts")
CGROUP_ROOT = Path("/sys/fs/cgroup")
POLL_S = 0.25


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create its namespaces here."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    memory_bytes: int = 3 * GIB
    processes: int = 512  # threads count too: TensorFlow alone starts dozens
    seconds: float = 600

    def memory_text(self) -> str:
        return f"{self.memory_bytes / GIB:g} GiB"


@dataclass(frozen=True)
class Outcome:
    """How a sandboxed run ended."""

    returncode: int | None
    stopped_by: str | None  # "memory", "time" or None
    output: str


def parse_size(text: str) -> int:
    """Bytes in a size such as "3G", "1500M" or "2GiB"; ValueError names the accepted forms."""
    units = {"": 1, "K": 2**10, "M": 2**20, "G": GIB}
    cleaned = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    number, unit = (cleaned[:-1], cleaned[-1]) if cleaned[-1:] in "KMG" else (cleaned, "")
    try:
        size = int(float(number) * units[unit])
    except ValueError:
        size = 0
    if size < 256 * 2**20:
        raise ValueError(f"memory limit {text!r}: give at least 256M, as in 3G or 1500M "
                         "(TensorFlow alone needs about 700 MB)")
    return size


def require_sandbox() -> None:
    """Raise SandboxUnavailable, saying why and how to fix it, when no sandbox can start."""
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, so submissions cannot be sandboxed. "
            "Install it with `sudo apt-get install bubblewrap` (make setup does it as root), "
            "or grade your own notebooks with --trusted.")
    probe = subprocess.run(probe_command(), capture_output=True, text=True, encoding="utf-8", errors="replace")
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create its namespaces here ({probe.stderr.strip()[:200]}). "
            "Enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) "
            "or grade as root; or grade your own notebooks with --trusted.")


def probe_command() -> list[str]:
    """The smallest sandbox: ``true`` in the sandbox's namespaces, under a read-only root.

    It exits 0 where submissions can be sandboxed; ``make doctor`` runs it too.
    """
    return ["bwrap", *_namespace_options(), "--ro-bind", "/", "/", "true"]


def limits_in_force(limits: Limits) -> str:
    """One line that says how the limits are enforced on this machine."""
    how = ("memory and pids cgroups (v1)" if _cgroups_usable()
           else f"polled resident memory every {POLL_S} s and RLIMIT_NPROC (no cgroup without root)")
    return (f"limits: memory {limits.memory_text()}, {limits.processes} processes and threads, "
            f"{limits.seconds:.0f} s, enforced by {how}")


def run_sandboxed(argv: list[str], *, home: Path, readable: list[Path], env: dict[str, str],
                  limits: Limits, trusted: bool = False) -> Outcome:
    """Run ``argv`` with ``home`` as its only writable folder; return how it ended.

    ``readable`` are the host paths bound read-only at their own place. With
    ``trusted=True`` (an instructor's own notebooks) no sandbox is used, only the limits.
    """
    home.chmod(0o755)
    if os.geteuid() == 0 and not trusted:
        _give_to_nobody(home)
    if trusted:
        command, environment, cwd = argv, {**os.environ, **env, "HOME": str(home)}, home
    else:
        command, environment, cwd = _bwrap(argv, home, readable, env), {"PATH": "/usr/bin:/bin"}, None
    group = _Cgroups(limits) if _cgroups_usable() else None
    if group is None:
        command = ["prlimit", f"--nproc={_process_cap(limits)}", "--", *command]
    else:
        command = group.wrap(command)
    process = subprocess.Popen(command, env=environment, cwd=cwd, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               encoding="utf-8", errors="replace")  # a student's output may be any bytes
    try:
        stopped_by = _wait(process, limits, watch_memory=group is None)
        output = process.communicate()[0]
    finally:
        _kill(process)
        if group is not None:
            stopped_by = "memory" if group.hit_memory_limit() else stopped_by
            group.remove()
    return Outcome(process.returncode, stopped_by, output or "")


def _wait(process: subprocess.Popen, limits: Limits, *, watch_memory: bool) -> str | None:
    deadline = time.monotonic() + limits.seconds
    while process.poll() is None:
        if time.monotonic() > deadline:
            _kill(process)
            return "time"
        if watch_memory and _resident_bytes(process.pid) > limits.memory_bytes:
            _kill(process)
            return "memory"
        time.sleep(POLL_S)
    return None


def _kill(process: subprocess.Popen) -> None:
    """End bwrap; --die-with-parent and the pid namespace end everything inside it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass
        process.wait()


def _resident_bytes(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        total = root.memory_info().rss
        for child in root.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total
    except psutil.Error:
        return 0


def _process_cap(limits: Limits) -> int:
    """RLIMIT_NPROC counts all of a user's processes, so leave room for those already running."""
    import psutil

    uid = NOBODY if os.geteuid() == 0 else os.getuid()
    running = sum(1 for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid)
    return running + limits.processes


def _namespace_options() -> list[str]:
    user = [] if os.geteuid() == 0 else ["--unshare-user"]
    return [*user, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session"]


def _bwrap(argv: list[str], home: Path, readable: list[Path], env: dict[str, str]) -> list[str]:
    """The bwrap command line: an empty root, read-only binds, one writable home."""
    options = [*_namespace_options(), "--proc", "/proc", "--dev", "/dev",
               "--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/dev/shm"]
    made: set[Path] = set()
    options += _bind("--ro-bind", Path("/usr"), made)
    for name in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{name}"):
            options += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
        elif os.path.isdir(f"/{name}"):
            options += _bind("--ro-bind", Path(f"/{name}"), made)
    for name in ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            options += _bind("--ro-bind", Path("/etc") / name, made)
    for path in readable:
        options += _bind("--ro-bind", Path(path).resolve(), made)
    options += _bind("--bind", Path(home), made, target=HOME)
    for name, value in {**env, "HOME": str(HOME), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}.items():
        options += ["--setenv", name, value]
    user = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all"] if os.geteuid() == 0 else []
    return ["bwrap", *options, "--chdir", str(HOME), "--", *user, *argv]


def _bind(kind: str, source: Path, made: set[Path], *, target: Path | None = None) -> list[str]:
    """Bind ``source``; first create its parent folders, traversable (bwrap would make them 0700)."""
    target = target or source
    options = []
    for parent in reversed(target.parents[:-1]):
        if parent not in made:
            options += ["--perms", "0755", "--dir", str(parent)]
            made.add(parent)
    return options + [kind, str(source), str(target)]


def as_account(argv: list[str], *, uid: int, gid: int, home: str, readable: list[Path]) -> list[str]:
    """``argv`` run as the account ``uid``/``gid``, with no capability left (root only).

    The account sees the machine as it is, except where a path in ``readable``
    lies in a folder it cannot enter (a checkout in a 0700 home, pyenv in /root):
    see :func:`reveal`.
    """
    drop = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--"]
    shown = reveal(readable)
    if not shown:
        return [*drop, *argv]
    return ["bwrap", "--dev-bind", "/", "/", *shown, "--unshare-pid", "--die-with-parent",
            "--chdir", home, "--", *drop, *argv]


def reveal(paths: list[Path]) -> list[str]:
    """bwrap options that show ``paths``, read-only, through folders other accounts cannot enter.

    Each closed folder is covered by an empty, traversable tmpfs, and the paths inside
    it are bound back at their own place: nothing else of the closed folder is seen,
    and nothing is copied.
    """
    options: list[str] = []
    made: set[Path] = set()
    for path in sorted({Path(p).resolve() for p in paths}):
        closed = closed_folder(path)
        if closed is None:
            continue
        if closed not in made:
            options += ["--perms", "0755", "--tmpfs", str(closed)]
            made.add(closed)
        made.update(closed.parents)
        options += _bind("--ro-bind-try", path, made)  # a folder not made yet is left out
    return options


def closed_folder(path: Path, mode_of=lambda folder: os.stat(folder).st_mode) -> Path | None:
    """The outermost folder on the way to ``path`` (itself included) that other accounts cannot enter."""
    path = Path(path).resolve()
    for folder in [*reversed(path.parents), path]:
        if not mode_of(folder) & stat.S_IXOTH:
            return folder
    return None


def _give_to_nobody(home: Path) -> None:
    for folder, _, files in os.walk(home):
        os.chown(folder, NOBODY, NOBODY)
        for name in files:
            os.chown(Path(folder) / name, NOBODY, NOBODY)


def _cgroups_usable() -> bool:
    return os.geteuid() == 0 and all(os.access(CGROUP_ROOT / name, os.W_OK) for name in ("memory", "pids"))


class _Cgroups:
    """A memory and a pids cgroup (v1) for one run, removed afterwards."""

    def __init__(self, limits: Limits):
        name = f"course-grading-{uuid.uuid4().hex[:12]}"
        self.memory, self.pids = CGROUP_ROOT / "memory" / name, CGROUP_ROOT / "pids" / name
        self.memory.mkdir()
        self.pids.mkdir()
        (self.memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes), encoding="utf-8")
        swap = self.memory / "memory.memsw.limit_in_bytes"
        if swap.exists():
            swap.write_text(str(limits.memory_bytes), encoding="utf-8")
        (self.pids / "pids.max").write_text(str(limits.processes), encoding="utf-8")

    def wrap(self, command: list[str]) -> list[str]:
        """Enter both cgroups, then run ``command``: its every descendant stays inside."""
        enter = f'echo $$ > {self.memory}/cgroup.procs && echo $$ > {self.pids}/cgroup.procs && exec "$@"'
        return ["sh", "-c", enter, "sh", *command]

    def hit_memory_limit(self) -> bool:
        control = (self.memory / "memory.oom_control").read_text(encoding="utf-8")
        kills = [line.split()[1] for line in control.splitlines() if line.startswith("oom_kill ")]
        if kills:
            return int(kills[0]) > 0
        return int((self.memory / "memory.failcnt").read_text(encoding="utf-8")) > 0

    def remove(self) -> None:
        for group in (self.memory, self.pids):
            for _ in range(50):
                for pid in (group / "cgroup.procs").read_text(encoding="utf-8").split():
                    try:
                        os.kill(int(pid), 9)
                    except ProcessLookupError:
                        pass
                try:
                    group.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


if __name__ == "__main__":
    require_sandbox()
    print(limits_in_force(Limits()), file=sys.stderr)
