"""Limits on memory, processes and CPU for a group of processes: one cgroup, v2 or v1.

Used by the grader (one group per sandboxed run) and the class hub (one group per
student's server). Creating a group needs root. cgroup v2 (one hierarchy, most current
distributions) keeps memory, pids and cpu in one folder; v1 (older systems, and the
machines the course is built on) keeps one folder per controller. Each group gets the
same CPU weight, so the kernel shares the CPUs equally between groups, however many
processes one of them starts.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu")
CPU_PERIOD_US = 100_000


@dataclass(frozen=True)
class GroupLimits:
    memory_bytes: int
    processes: int
    cpus: float | None = None  # at most this many CPUs' time; None: no cap, only equal shares


def version(root: Path = ROOT) -> int | None:
    """2 or 1 where this process may create groups with every controller; None otherwise."""
    if os.geteuid() != 0:
        return None
    controllers = root / "cgroup.controllers"
    if controllers.is_file():
        available = set(controllers.read_text(encoding="utf-8").split())
        return 2 if set(CONTROLLERS) <= available and os.access(root, os.W_OK) else None
    if all(os.access(root / name, os.W_OK) for name in CONTROLLERS):
        return 1
    return None


def describe(root: Path = ROOT) -> str:
    found = version(root)
    return f"memory, pids and cpu cgroups (v{found})" if found else "no cgroup (needs root and cgroup controllers)"


class Group:
    """A named group with limits; :meth:`wrap` puts a command inside, :meth:`remove` ends it."""

    def __init__(self, name: str, limits: GroupLimits, root: Path = ROOT):
        self.version = version(root)
        if self.version is None:
            raise PermissionError(f"cannot create cgroups under {root}: {describe(root)}")
        self.root, self.name = root, name
        self.folders = ([root / name] if self.version == 2 else [root / c / name for c in CONTROLLERS])
        if self.version == 2:
            _write(root / "cgroup.subtree_control", " ".join(f"+{c}" for c in CONTROLLERS))
        for folder in self.folders:
            folder.mkdir(exist_ok=True)
        self._set_limits(limits)

    def _set_limits(self, limits: GroupLimits) -> None:
        memory, pids, cpu = (self.folder(c) for c in CONTROLLERS)
        quota = f"{round(limits.cpus * CPU_PERIOD_US)}" if limits.cpus else "max"
        if self.version == 2:
            _write(memory / "memory.max", limits.memory_bytes)
            _write(memory / "memory.swap.max", 0)
            _write(cpu / "cpu.weight", 100)
            _write(cpu / "cpu.max", f"{quota} {CPU_PERIOD_US}")
        else:
            _write(memory / "memory.limit_in_bytes", limits.memory_bytes)
            if (memory / "memory.memsw.limit_in_bytes").exists():
                _write(memory / "memory.memsw.limit_in_bytes", limits.memory_bytes)
            _write(cpu / "cpu.shares", 1024)
            _write(cpu / "cpu.cfs_period_us", CPU_PERIOD_US)
            _write(cpu / "cpu.cfs_quota_us", -1 if quota == "max" else quota)
        _write(pids / "pids.max", limits.processes)

    def folder(self, controller: str) -> Path:
        return self.root / self.name if self.version == 2 else self.root / controller / self.name

    def wrap(self, command: list[str]) -> list[str]:
        """``command`` started inside the group: it and everything it starts stay there."""
        enter = " && ".join(f"echo $$ > '{folder}/cgroup.procs'" for folder in self.folders)
        return ["sh", "-c", f'{enter} && exec "$@"', "sh", *command]

    def processes(self) -> list[int]:
        pids: set[int] = set()
        for folder in self.folders:
            procs = folder / "cgroup.procs"
            if procs.is_file():
                pids.update(int(pid) for pid in procs.read_text(encoding="utf-8").split())
        return sorted(pids)

    def hit_memory_limit(self) -> bool:
        """Whether the kernel refused or reclaimed memory at the limit (an out-of-memory kill)."""
        memory = self.folder("memory")
        if self.version == 2:
            return _counter(memory / "memory.events", "oom_kill") > 0
        if "oom_kill " in _read(memory / "memory.oom_control"):
            return _counter(memory / "memory.oom_control", "oom_kill") > 0
        return int(_read(memory / "memory.failcnt") or 0) > 0

    def remove(self) -> None:
        """Kill what is left in the group, then remove it."""
        for folder in self.folders:
            for _ in range(50):
                if (folder / "cgroup.kill").exists():
                    _write(folder / "cgroup.kill", 1)
                for pid in self.processes():
                    try:
                        os.kill(pid, 9)
                    except ProcessLookupError:
                        pass
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


def _write(path: Path, value) -> None:
    path.write_text(str(value), encoding="utf-8")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _counter(path: Path, name: str) -> int:
    """The value of ``name`` in a flat-keyed cgroup file ("oom_kill 3")."""
    for line in _read(path).splitlines():
        key, _, value = line.partition(" ")
        if key == name:
            return int(value)
    return 0
