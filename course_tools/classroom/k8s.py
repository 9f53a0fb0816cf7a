"""The class on Kubernetes (Zero to JupyterHub, make hub-k8s): the class list as Helm values,
and the students' image stripped of what holds the solutions."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from course_tools.classroom import hub_auth
from course_tools.classroom.accounts import ACCOUNTS, HUB_DIR
from course_tools.classroom.hub import CONFIG
from course_utils.reporting import write_text_atomically

Z2JH_CONFIG = CONFIG.with_name("z2jh_class.py")
Z2JH_ETC = "/usr/local/etc/jupyterhub"  # the chart's configuration folder in the hub's pod
Z2JH_HEADER = ("the class list for Zero to JupyterHub, with deploy/z2jh-values.yaml (see README).\n"
               "# Password hashes only; keep it out of version control all the same.\n")


def z2jh_class_values(hub_dir: Path = HUB_DIR) -> dict:
    """Helm values for Zero to JupyterHub: the class list's log-in and languages, as files in the hub's pod.

    They go with deploy/z2jh-values.yaml: ``helm upgrade ... --values deploy/z2jh-values.yaml
    --values build/hub/z2jh-class.yaml``. Only hashes leave this machine, never a password.
    """
    files = {
        "course-accounts": (f"{Z2JH_ETC}/course/{ACCOUNTS}", (hub_dir / ACCOUNTS).read_text(encoding="utf-8")),
        "course-authenticator": (f"{Z2JH_ETC}/course/hub_auth.py", Path(hub_auth.__file__).read_text(encoding="utf-8")),
        "course-class-config": (f"{Z2JH_ETC}/jupyterhub_config.d/course_class.py",
                                Z2JH_CONFIG.read_text(encoding="utf-8")),
    }
    return {"hub": {"extraFiles": {key: {"mountPath": path, "stringData": text}
                                   for key, (path, text) in files.items()}}}


def write_z2jh_class_values(hub_dir: Path = HUB_DIR) -> Path:
    """``hub_dir/z2jh-class.yaml`` (0600), the files as readable blocks of text."""
    import yaml

    class BlockText(yaml.SafeDumper):
        pass

    BlockText.add_representer(str, lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))
    text = yaml.dump(z2jh_class_values(hub_dir), Dumper=BlockText, allow_unicode=True, sort_keys=False)
    return write_text_atomically(hub_dir / "z2jh-class.yaml", "# make hub-k8s: " + Z2JH_HEADER + text, private=True)

SOLUTION_HOLDERS = ("notebooks", "build/executions", "build/student", "tests", ".git")


def strip_solutions(root: Path) -> list[str]:
    """Delete from ``root`` what holds the solutions (the source notebooks, their executions, the
    tests, the history): run in the students' image after its editions are built, never in a checkout."""
    if os.environ.get("REPO_DIR") != str(root):  # repo2docker sets it to --target-repo-dir
        raise RuntimeError(f"--strip-solutions deletes notebooks/, tests/ and .git from {root}; it runs only "
                           f"while repo2docker builds the students' image (REPO_DIR={root}).")
    removed = []
    for name in SOLUTION_HOLDERS:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
            removed.append(name)
        elif path.exists() or path.is_symlink():
            path.unlink()
            removed.append(name)
    return removed
