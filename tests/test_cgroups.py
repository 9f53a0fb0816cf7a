"""course_tools.grading.cgroups on a fake cgroup folder: v2 (most current distributions) and v1.

The build machines have cgroup v1; a real v1 group runs in the grading and hub tests.
Here the files a group writes are checked as the kernel would read them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from course_tools.grading import cgroups

LIMITS = cgroups.GroupLimits(memory_bytes=2 * 2**30, processes=512, cpus=1.5)


@pytest.fixture
def as_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)


def fake_v2(tmp_path: Path) -> Path:
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory hugetlb pids rdma misc\n", encoding="utf-8")
    (tmp_path / "cgroup.subtree_control").write_text("", encoding="utf-8")
    return tmp_path


def fake_v1(tmp_path: Path) -> Path:
    for name in cgroups.CONTROLLERS:
        (tmp_path / name).mkdir()
    return tmp_path


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_v2_writes_memory_pids_and_an_equal_cpu_weight_in_one_folder(tmp_path, as_root):
    root = fake_v2(tmp_path)
    group = cgroups.Group("course-hub-ana", LIMITS, root)
    folder = root / "course-hub-ana"
    assert group.version == 2 and group.folders == [folder]
    assert read(root / "cgroup.subtree_control") == "+memory +pids +cpu"
    assert read(folder / "memory.max") == str(2 * 2**30) and read(folder / "memory.swap.max") == "0"
    assert read(folder / "pids.max") == "512"
    assert read(folder / "cpu.weight") == "100" and read(folder / "cpu.max") == "150000 100000"
    assert group.wrap(["python", "-c", "1"]) == [
        "sh", "-c", f"echo $$ > '{folder}/cgroup.procs' && exec \"$@\"", "sh", "python", "-c", "1"]


def test_v2_tells_an_out_of_memory_kill_from_none(tmp_path, as_root):
    group = cgroups.Group("course-grading-1", LIMITS, fake_v2(tmp_path))
    events = group.folder("memory") / "memory.events"
    events.write_text("low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\n", encoding="utf-8")
    assert not group.hit_memory_limit()
    events.write_text("low 0\nhigh 0\nmax 40\noom 2\noom_kill 1\n", encoding="utf-8")
    assert group.hit_memory_limit()


def test_v1_writes_one_folder_per_controller(tmp_path, as_root):
    root = fake_v1(tmp_path)
    group = cgroups.Group("course-grading-2", cgroups.GroupLimits(2**30, 64), root)
    assert group.version == 1 and group.folders == [root / c / "course-grading-2" for c in cgroups.CONTROLLERS]
    assert read(root / "memory" / "course-grading-2" / "memory.limit_in_bytes") == str(2**30)
    assert read(root / "pids" / "course-grading-2" / "pids.max") == "64"
    assert read(root / "cpu" / "course-grading-2" / "cpu.shares") == "1024"
    assert read(root / "cpu" / "course-grading-2" / "cpu.cfs_quota_us") == "-1"  # no cap: equal shares only
    enter = group.wrap(["true"])[2]
    assert all(f"'{folder}/cgroup.procs'" in enter for folder in group.folders)


def test_v1_reads_oom_kills_from_oom_control(tmp_path, as_root):
    group = cgroups.Group("course-grading-3", LIMITS, fake_v1(tmp_path))
    control = group.folder("memory") / "memory.oom_control"
    control.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", encoding="utf-8")
    (group.folder("memory") / "memory.failcnt").write_text("7", encoding="utf-8")  # page cache reclaimed: no kill
    assert not group.hit_memory_limit()
    control.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", encoding="utf-8")
    assert group.hit_memory_limit()


def test_no_group_without_root_or_without_the_controllers(tmp_path, monkeypatch):
    root = fake_v2(tmp_path)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert cgroups.version(root) is None
    with pytest.raises(PermissionError, match="needs root"):
        cgroups.Group("x", LIMITS, root)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    (root / "cgroup.controllers").write_text("cpuset io\n", encoding="utf-8")  # memory not delegated
    assert cgroups.version(root) is None
