"""Zero to JupyterHub: what runs in the hub's pod and in a student's pod, without a cluster.

The Helm values that make hub-k8s writes are laid out as the chart mounts them, and loaded
as the chart's hub loads jupyterhub_config.d; the students' postStart hook runs as written
in deploy/z2jh-values.yaml.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from conftest import NEEDS_PYTHON_311

if sys.version_info < (3, 11):
    pytest.skip(NEEDS_PYTHON_311, allow_module_level=True)
import yaml
from traitlets.config import PyFileConfigLoader

from course_tools.classroom import accounts, hub, hub_auth, k8s
from course_tools.notebook import class_list
from course_tools.notebook.editions import course_edition, deliver
from course_tools.settings import ASSETS, NOTEBOOK_DIR, ROOT

VALUES = ROOT / "deploy" / "z2jh-values.yaml"
STUDENTS = [class_list.Student("ana", "zh"), class_list.Student("bo", "en")]


@pytest.fixture
def hub_pod(tmp_path):
    """The hub pod's files, from make hub-k8s's values, under tmp_path instead of /."""
    hub_dir = tmp_path / "hub"
    accounts.issue_passwords(STUDENTS, hub_dir)
    values = yaml.safe_load(k8s.write_z2jh_class_values(hub_dir).read_text(encoding="utf-8"))
    for file in values["hub"]["extraFiles"].values():
        path = tmp_path / file["mountPath"].lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file["stringData"], encoding="utf-8")
    handed_out = (hub_dir / accounts.PASSWORDS).read_text(encoding="utf-8")
    passwords = dict(line.split(",") for line in handed_out.splitlines()[1:])
    config_file = tmp_path / k8s.Z2JH_ETC.lstrip("/") / "jupyterhub_config.d" / "course_class.py"
    yield load_hub_config(config_file), passwords
    sys.modules.pop("hub_auth", None)


def load_hub_config(path: Path):
    loader = PyFileConfigLoader(path.name, str(path.parent))
    return loader.load_config()


def test_the_hub_pod_logs_in_the_class_list_only(hub_pod):
    config, passwords = hub_pod
    authenticator_class = config.JupyterHub.authenticator_class
    assert authenticator_class.__module__ == "hub_auth", "the copy in the pod, not the course's package"
    authenticator = authenticator_class(config=config)
    assert authenticator.allowed_users == {"ana", "bo"}

    def log_in(name, password):
        return asyncio.run(authenticator.authenticate(None, {"username": name, "password": password}))

    assert log_in("ana", passwords["ana"]) == "ana"
    assert log_in("ana", passwords["bo"]) is None
    assert log_in("eve", passwords["ana"]) is None


def test_each_student_gets_their_language(hub_pod):
    config, _ = hub_pod
    for student in STUDENTS:
        spawner = SimpleNamespace(user=SimpleNamespace(name=student.name), environment={"KEPT": "1"})
        config.KubeSpawner.pre_spawn_hook(spawner)
        assert spawner.environment == {"KEPT": "1", "COURSE_LANG": student.lang,
                                       "JUPYTERLAB_SETTINGS_DIR": f"/srv/course/build/hub/lab-settings/{student.lang}"}


def test_no_password_leaves_this_machine(tmp_path):
    accounts.issue_passwords(STUDENTS, tmp_path)
    text = k8s.write_z2jh_class_values(tmp_path).read_text(encoding="utf-8")
    handed_out = (tmp_path / accounts.PASSWORDS).read_text(encoding="utf-8")
    passwords = [line.split(",")[1] for line in handed_out.splitlines()[1:]]
    assert all(password not in text for password in passwords)
    assert oct((tmp_path / "z2jh-class.yaml").stat().st_mode & 0o777) == "0o600"


def image_hub_dir() -> str:
    """The image's hub folder, as the values file gives it to the servers."""
    data_dir = yaml.safe_load(VALUES.read_text(encoding="utf-8"))["singleuser"]["extraEnv"]["COURSE_DATA_DIR"]
    return str(Path(data_dir).parent.parent)


def test_the_image_and_the_hub_agree_on_where_the_course_is():
    values = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    assert image_hub_dir() in values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"][-1]
    assert f'IMAGE_HUB_DIR = "{image_hub_dir()}"' in k8s.Z2JH_CONFIG.read_text(encoding="utf-8")
    target = image_hub_dir().removesuffix("/build/hub")
    assert f"--target-repo-dir {target} " in VALUES.read_text(encoding="utf-8")
    assert values["singleuser"]["defaultUrl"] == f"/lab/tree/{hub.COURSE_FOLDER}/notebooks/01_data.ipynb"
    post_build = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert "python -m course_tools hub-image --hub-dir build/hub" in post_build


def test_the_post_start_hook_copies_the_students_edition_and_keeps_their_work(tmp_path):
    image = tmp_path / "image-hub"
    deliver(course_edition(NOTEBOOK_DIR / "01_data.ipynb", "zh"), image / "editions" / "zh" / "notebooks" / "01_data.ipynb")
    shutil.copytree(ASSETS, image / "editions" / "zh" / "assets", ignore=shutil.ignore_patterns("models"))
    values = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    command = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    command = [part.replace(image_hub_dir(), str(image)) for part in command]
    home = tmp_path / "home"
    home.mkdir()
    environment = {"HOME": str(home), "COURSE_LANG": "zh", "PYTHONPATH": str(ROOT),
                   "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run(command, env=environment, cwd=home, check=True, capture_output=True)
    notebook = home / hub.COURSE_FOLDER / "notebooks" / "01_data.ipynb"
    tags = {tag for cell in nbformat.read(notebook, 4).cells for tag in cell.metadata.get("tags", [])}
    assert "lang-zh" in tags and "lang-en" not in tags
    assert (home / hub.COURSE_FOLDER / "assets").is_dir()

    work = nbformat.read(notebook, 4)
    work.cells[0].source = "my notes"
    nbformat.write(work, notebook)
    subprocess.run(command, env=environment, cwd=home, check=True, capture_output=True)
    assert nbformat.read(notebook, 4).cells[0].source == "my notes", "the student's work is kept"

    without_language = {key: value for key, value in environment.items() if key != "COURSE_LANG"}
    failed = subprocess.run(command, env=without_language, cwd=home, capture_output=True, text=True,
                            encoding="utf-8")
    assert failed.returncode != 0 and "COURSE_LANG" in failed.stderr


def test_the_accounts_file_is_what_the_local_hub_reads(tmp_path):
    accounts.issue_passwords(STUDENTS, tmp_path)
    values = yaml.safe_load(k8s.write_z2jh_class_values(tmp_path).read_text(encoding="utf-8"))
    mounted = json.loads(values["hub"]["extraFiles"]["course-accounts"]["stringData"])
    assert mounted == accounts.read_accounts(tmp_path)
    assert {name: account["lang"] for name, account in mounted.items()} == {"ana": "zh", "bo": "en"}


def test_the_authenticator_needs_nothing_the_hub_image_lacks():
    import ast

    tree = ast.parse(Path(hub_auth.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names) | {"__future__", "jupyterhub", "traitlets"}, imported


def without_required(schema, *, keep=False):
    """The chart's schema minus the keys it requires, which helm fills from the chart's own defaults.

    Inside oneOf and anyOf, "required" tells the alternatives apart (an extra file has data,
    stringData or binaryData), so it stays there.
    """
    if isinstance(schema, list):
        return [without_required(value, keep=keep) for value in schema]
    if not isinstance(schema, dict):
        return schema
    return {key: without_required(value, keep=keep or key in ("oneOf", "anyOf"))
            for key, value in schema.items() if keep or key != "required"}


def test_the_values_are_valid_for_the_chart(tmp_path):
    import jsonschema

    schema_text = (ROOT / "deploy" / "z2jh-chart-schema.yaml").read_text(encoding="utf-8")
    schema = without_required(yaml.safe_load(schema_text))
    accounts.issue_passwords(STUDENTS, tmp_path)
    class_values = yaml.safe_load(k8s.write_z2jh_class_values(tmp_path).read_text(encoding="utf-8"))
    values = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    for checked in (values, class_values, {**values, "hub": class_values["hub"]}):
        assert [error.message for error in validator.iter_errors(checked)] == []
    misspelt = {**values, "singleuser": {**values["singleuser"], "memmory": {"limit": "2G"}}}
    assert any("memmory" in error.message for error in validator.iter_errors(misspelt)), "the check can fail"
