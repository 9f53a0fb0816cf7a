"""Running a student's notebook where it can harm nothing: bubblewrap, an unprivileged
user, and limits on memory, processes and time.

The sandbox starts from an empty root and binds, read-only, only what a student
notebook needs: the system (``/usr``), a few files of ``/etc``, the Python
environment, the student package ``course_utils``, the shipped models and the
data folder. Its only writable place is a private home folder. It has its own
pid, network, IPC and UTS namespaces and dies with the grader; when its first
process ends, the kernel ends every process it started.

As root, bwrap runs without a user namespace, so the notebook runs as the
unprivileged account ``nobody`` (``setpriv``), and a cgroup (v2 or v1:
:mod:`course_tools.grading.cgroups`) holds memory, processes and an equal CPU share.
As a normal user, the notebook keeps the user's own id inside a user namespace; memory is then watched from outside (resident
size of every process, polled) and processes are capped with ``RLIMIT_NPROC``.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from course_tools.grading import cgroups

GIB = 2**30
NOBODY = 65534
HOME = Path("/home/student")
ETC_FILES = ("passwd", "group", "hosts", "nsswitch.conf", "localtime", "ld.so.cache", "fonts", "mime.types",
             "alternatives")
POLL_S = 0.25
OUTPUT_KEPT = 256 * 2**10


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create its namespaces here."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    memory_bytes: int = 3 * GIB
    processes: int = 512  # threads count too: TensorFlow alone starts dozens
    seconds: float = 600
    disk_bytes: int = 2 * GIB  # the home, /tmp and /dev/shm together
    files: int = 100_000  # files and folders there (inodes)

    def memory_text(self) -> str:
        return f"{self.memory_bytes / GIB:g} GiB"

    def disk_text(self) -> str:
        return f"{self.disk_bytes / GIB:g} GiB, {self.files:,} files"


@dataclass(frozen=True)
class Outcome:
    """How a sandboxed run ended."""

    returncode: int | None
    stopped_by: str | None  # "memory", "time", "disk" or None
    output: str  # its last OUTPUT_KEPT characters


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
    how = (cgroups.describe() if _cgroups_usable()
           else f"polled resident memory every {POLL_S} s and RLIMIT_NPROC (no cgroup without root)")
    return (f"limits: memory {limits.memory_text()}, {limits.processes} processes and threads, "
            f"{limits.seconds:.0f} s, disk {limits.disk_text()}, enforced by {how}")


@contextlib.contextmanager
def private_space(folder: Path, limits: Limits) -> Iterator[Path]:
    """A folder for one sandbox's writable places (``home``, ``tmp``, ``shm`` inside it), holding
    at most ``limits.disk_bytes`` and ``limits.files``.

    As root it is a tmpfs of that size and inode count, mounted for the run and removed after
    it, so a submission that writes without end stops at the limit and the host's disk does not
    shrink. Elsewhere it is a plain folder whose size :func:`run_sandboxed` watches.
    """
    folder.mkdir(parents=True)
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={limits.disk_bytes},nr_inodes={limits.files},mode=0755",
         "course-sandbox", str(folder)], capture_output=True).returncode == 0
    try:
        for name in ("home", "tmp", "shm"):
            (folder / name).mkdir()
        (folder / "tmp").chmod(0o1777)
        (folder / "shm").chmod(0o1777)
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", "--lazy", str(folder)], capture_output=True)


def run_sandboxed(argv: list[str], *, space: Path, readable: list[Path], env: dict[str, str],
                  limits: Limits, trusted: bool = False, cwd: str | None = None) -> Outcome:
    """Run ``argv`` with the folders of ``space`` (:func:`private_space`) as its only writable
    places: ``space/home`` as its home, ``space/tmp`` and ``space/shm``; return how it ended.

    ``readable`` are the host paths bound read-only at their own place; ``cwd`` is where it starts
    (the home unless given, a path as the run sees it). With
    ``trusted=True`` (an instructor's own notebooks) no sandbox is used, only the limits.
    Its output is read while it runs (a full pipe would stall it), and its input is empty.
    """
    home = space / "home"
    home.chmod(0o755)
    if os.geteuid() == 0 and not trusted:
        _give_to_nobody(home)
    if trusted:
        command, environment, cwd = argv, {**os.environ, **env, "HOME": str(home)}, cwd or home
    else:
        command, environment = _bwrap(argv, space, readable, env, cwd or str(HOME)), {"PATH": "/usr/bin:/bin"}
        cwd = None
    group = cgroups.Group(f"course-grading-{uuid.uuid4().hex[:12]}",
                          cgroups.GroupLimits(limits.memory_bytes, limits.processes)) if _cgroups_usable() else None
    if group is None:
        command = ["prlimit", f"--nproc={_process_cap(limits)}", "--", *command]
    else:
        command = group.wrap(command)
    process = subprocess.Popen(command, env=environment, cwd=cwd, start_new_session=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, encoding="utf-8", errors="replace")  # any bytes a student prints
    output = _Drained(process.stdout)
    try:
        stopped_by = _wait(process, limits, space, watch_memory=group is None)
    finally:
        _kill(process)
        if group is not None:
            stopped_by = "memory" if group.hit_memory_limit() else stopped_by
            group.remove()
    stopped_by = stopped_by or ("disk" if _space_full(space, limits) else None)
    return Outcome(process.returncode, stopped_by, output.text())


class _Drained:
    """A process's output, read in a thread as it comes; the last OUTPUT_KEPT characters kept."""

    def __init__(self, stream):
        self.parts: collections.deque[str] = collections.deque()
        self.size = 0
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for chunk in iter(lambda: stream.read(8192), ""):
            self.parts.append(chunk)
            self.size += len(chunk)
            while self.size - len(self.parts[0]) > OUTPUT_KEPT:
                self.size -= len(self.parts.popleft())

    def text(self) -> str:
        self.thread.join(10)
        return "".join(self.parts)[-OUTPUT_KEPT:]


def _wait(process: subprocess.Popen, limits: Limits, space: Path, *, watch_memory: bool) -> str | None:
    deadline = time.monotonic() + limits.seconds
    while process.poll() is None:
        if time.monotonic() > deadline:
            _kill(process)
            return "time"
        if watch_memory and _resident_bytes(process.pid) > limits.memory_bytes:
            _kill(process)
            return "memory"
        if _space_full(space, limits):
            _kill(process)
            return "disk"
        time.sleep(POLL_S)
    return None


def _space_full(space: Path, limits: Limits) -> bool:
    """Whether the sandbox's writable places reached their size or file limit."""
    if os.path.ismount(space):
        found = os.statvfs(space)
        return found.f_bavail * found.f_frsize < 2**20 or found.f_favail == 0
    size = files = 0
    for folder, folders, names in os.walk(space):
        files += len(folders) + len(names)
        for name in names:
            with contextlib.suppress(OSError):
                size += os.lstat(os.path.join(folder, name)).st_size
        if size >= limits.disk_bytes or files >= limits.files:
            return True
    return False


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
    """RLIMIT_NPROC counts all of a user's threads, so leave room for those already running
    (a kernel with TensorFlow holds dozens: counting processes alone made bwrap's clone fail with EAGAIN)."""
    import psutil

    uid = NOBODY if os.geteuid() == 0 else os.getuid()
    running = sum(p.info["num_threads"] or 1 for p in psutil.process_iter(["uids", "num_threads"])
                  if p.info["uids"] and p.info["uids"].real == uid)
    return running + limits.processes


def _namespace_options(*, network: bool = False) -> list[str]:
    user = [] if os.geteuid() == 0 else ["--unshare-user"]
    net = [] if network else ["--unshare-net"]
    return [*user, "--unshare-pid", *net, "--unshare-ipc", "--unshare-uts", "--die-with-parent"]


def _bwrap(argv: list[str], space: Path, readable: list[Path], env: dict[str, str], chdir: str) -> list[str]:
    """The grader's bwrap command line: :func:`view`, no network, a new session, as nobody."""
    options = [*_namespace_options(), "--new-session", *view(readable, space / "home", HOME, scratch=space)]
    for name, value in {**env, "HOME": str(HOME), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}.items():
        options += ["--setenv", name, value]
    user = _drop_to(NOBODY, NOBODY) if os.geteuid() == 0 else []
    return ["bwrap", *options, "--chdir", chdir, "--", *user, *argv]


def view(readable: list[Path], home: Path, home_inside: Path, *, scratch: Path | None = None) -> list[str]:
    """bwrap options for an empty root holding only the system (``/usr``, a few files of ``/etc``),
    ``readable`` (read-only, each at its own place), ``home`` (writable, at ``home_inside``),
    and a private ``/tmp`` and ``/dev/shm`` (``scratch/tmp`` and ``scratch/shm`` when given).

    Bound, never copied: as root, bwrap reads what other accounts cannot reach (a checkout
    in a 0700 home), and the account inside sees only what is bound.
    """
    options = ["--proc", "/proc", "--dev", "/dev"]
    if scratch is None:
        options += ["--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/dev/shm"]
    else:
        options += ["--bind", str(scratch / "tmp"), "/tmp", "--bind", str(scratch / "shm"), "/dev/shm"]
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
    for path in sorted({Path(p).resolve() for p in readable}):
        options += _bind("--ro-bind", path, made)
    return options + _bind("--bind", Path(home), made, target=home_inside)


def _drop_to(uid: int, gid: int) -> list[str]:
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--"]


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
    """``argv`` run as the account ``uid``/``gid`` (root only), seeing only :func:`view`:
    ``readable``, read-only, and its own ``home``. It keeps the network (a student's server
    answers the hub on 127.0.0.1) and has its own pid, IPC and UTS namespaces.
    """
    options = [*_namespace_options(network=True), *view(readable, Path(home), Path(home))]
    return ["bwrap", *options, "--chdir", home, "--", *_drop_to(uid, gid), *argv]


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


def memory_is_limited() -> bool:
    """Whether a sandbox's memory is held by the kernel (a cgroup), not only watched from outside."""
    return _cgroups_usable()


def _cgroups_usable() -> bool:
    return cgroups.version() is not None


if __name__ == "__main__":
    require_sandbox()
    print(limits_in_force(Limits()), file=sys.stderr)
