"""Grading a class on Kubernetes (make grade-k8s), without a cluster.

The manifests are validated against the schemas of the Kubernetes version the docs name
(kubernetes-validate, strict: an unknown field fails) and read back for what makes the pod a
sandbox. The pod's three steps run here as the containers would run them: prepare and judge for
real, the execute step's script for real with a stand-in for papermill, so that no notebook trains.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from course_tools.cli import main
from course_tools.grading import combined, k8s_job
from course_tools.grading.grader import Grader
from course_tools.notebook.variants import grading_seed, load_secret
from course_tools.run.runner import course_notebooks
from course_tools.settings import DOCS, ROOT

STUDENT_IMAGE = "REGISTRY/course-autoencoders:TAG"  # deploy/z2jh-values.yaml's
GRADING_IMAGE = "registry.example/course-grading:1"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, list[dict]]:
    """make grade-k8s for a class of 3, read back: file name → its objects."""
    out = tmp_path_factory.mktemp("grade-k8s")
    assert main(["grade-k8s", "3", "--out", str(out), "--grading-image", GRADING_IMAGE, "--parallelism", "2"]) == 0
    return {path.name: list(yaml.safe_load_all(path.read_text(encoding="utf-8"))) for path in sorted(out.iterdir())}


def pod_specs(written) -> dict[str, dict]:
    """Every pod spec the manifests create (the Jobs' templates and the files pod), by object name."""
    specs = {}
    for objects in written.values():
        for thing in objects:
            if thing["kind"] == "Job":
                specs[thing["metadata"]["name"]] = thing["spec"]["template"]
            elif thing["kind"] == "Pod":
                specs[thing["metadata"]["name"]] = thing
    return specs


def containers(pod: dict) -> dict[str, dict]:
    return {c["name"]: c for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]}


def grade_job(written) -> dict:
    [job] = written["grade-job.yaml"]
    return job


def test_every_manifest_is_valid_for_the_kubernetes_version_the_docs_name(written):
    assert set(written) == {"volumes.yaml", "network-policy.yaml", "files-pod.yaml", "grade-job.yaml",
                            "merge-job.yaml"}
    version = k8s_job.KUBERNETES_VERSION
    for objects in written.values():
        for thing in objects:
            kubernetes_validate.validate(thing, version, strict=True)  # raises on any mistake
    typo = json.loads(json.dumps(grade_job(written)))
    typo["spec"]["template"]["spec"]["automountServiceAccountTokens"] = False
    with pytest.raises(kubernetes_validate.ValidationError, match="automountServiceAccountTokens"):
        kubernetes_validate.validate(typo, version, strict=True)
    minor = ".".join(version.split(".")[:2])
    for lang in ("en", "zh"):
        section = (DOCS / lang / "grading.md").read_text(encoding="utf-8")
        assert f"Kubernetes {minor}" in section, f"docs/{lang}/grading.md names the version validated against"


def test_every_container_is_non_root_read_only_limited_and_without_a_token(written):
    specs = pod_specs(written)
    assert set(specs) == {"grade-class", "grade-merge", "grading-files"}
    for name, pod in specs.items():
        spec = pod["spec"]
        assert spec["automountServiceAccountToken"] is False and spec["enableServiceLinks"] is False, name
        assert spec["restartPolicy"] == "Never"
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] == 1000
        assert pod["metadata"]["labels"] == k8s_job.LABEL, f"{name}: the NetworkPolicy must select it"
        for container in containers(pod).values():
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True and security["runAsUser"] == 1000, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            assert security["seccompProfile"] == {"type": "RuntimeDefault"}, where
            assert set(container["resources"]["limits"]) >= {"cpu", "memory"}, where
    job = containers(specs["grade-class"])
    assert [c["resources"]["limits"]["memory"] for c in job.values()] == ["3Gi"] * 3  # make grade's 3G
    assert all(volume.get("emptyDir", {}).get("sizeLimit") for volume in specs["grade-class"]["spec"]["volumes"]
               if "emptyDir" in volume), "every scratch volume has a size limit"


def test_the_network_policy_lets_nothing_in_or_out(written):
    [policy] = written["network-policy.yaml"]
    assert policy["spec"]["podSelector"] == {"matchLabels": k8s_job.LABEL}
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "egress" not in policy["spec"] and "ingress" not in policy["spec"]  # no rule allows anything


def test_one_indexed_completion_per_student(written, tmp_path):
    spec = grade_job(written)["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == 3 and spec["parallelism"] == 2
    for container in containers(spec["template"]).values():
        if container["name"] != "execute":
            assert "$(JOB_COMPLETION_INDEX)" in container["command"] and "3" in container["command"]
    for student in ("ana", "bo", "cy", "dee"):
        (tmp_path / "class" / student).mkdir(parents=True)
    (tmp_path / "class" / "notes.txt").write_text("not a student", encoding="utf-8")
    assert k8s_job.class_size(str(tmp_path / "class")) == 4
    assert k8s_job.manifests(4)["grade-job.yaml"][0]["spec"]["completions"] == 4
    for wrong in ("0", "1000", str(tmp_path / "missing")):
        with pytest.raises(ValueError):
            k8s_job.class_size(wrong)


def test_the_untrusted_step_runs_in_the_students_image_and_sees_only_its_notebooks(written):
    template = grade_job(written)["spec"]["template"]
    steps = containers(template)
    assert [c["name"] for c in template["spec"]["initContainers"]] == ["prepare", "execute"]
    assert [c["name"] for c in template["spec"]["containers"]] == ["judge"]
    assert steps["execute"]["image"] == STUDENT_IMAGE != GRADING_IMAGE
    assert steps["prepare"]["image"] == steps["judge"]["image"] == GRADING_IMAGE
    mounts = {name: {m["name"]: m for m in c["volumeMounts"]} for name, c in steps.items()}
    assert set(mounts["execute"]) == {"exchange", "untrusted-tmp"}  # no secret, no class, no grades
    assert "untrusted-tmp" not in mounts["prepare"] and "untrusted-tmp" not in mounts["judge"]
    assert mounts["judge"]["exchange"]["readOnly"] is True and mounts["judge"]["submissions"]["readOnly"] is True
    assert "course_tools" not in " ".join(steps["execute"]["command"])
    env = {e["name"]: e["value"] for e in steps["execute"]["env"]}
    assert env["RUN_NOTEBOOKS"] == k8s_job.execute_script(k8s_job.EXCHANGE, 600)
    assert "course_tools" not in env["RUN_NOTEBOOKS"]
    assert {e["name"]: e["value"] for e in steps["judge"]["env"]}["PYTHONNOUSERSITE"] == "1"


def test_the_merge_job_joins_the_parts(written):
    [merge] = written["merge-job.yaml"]
    [container] = merge["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "course_tools", "grade", "--merge", "--out", "/grades"]
    assert container["image"] == GRADING_IMAGE
    claims = {c["metadata"]["name"]: c for c in written["volumes.yaml"]}
    assert set(claims) == {"course-submissions", "course-grades"}


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "secret" / "grading-secret"
    path.parent.mkdir()
    path.write_text("ab" * 32, encoding="ascii")
    path.chmod(0o600)
    return path


def test_the_secret_is_read_as_kubernetes_mounts_it(tmp_path, secret_file):
    """A Secret volume's file is a link to a group-readable file (fsGroup), which load_secret refuses."""
    data = tmp_path / "mounted" / "..data"
    data.mkdir(parents=True)
    shutil.copy(secret_file, data / "grading-secret")
    (data / "grading-secret").chmod(0o440)
    (tmp_path / "mounted" / "grading-secret").symlink_to("..data/grading-secret")
    with pytest.raises(PermissionError):
        load_secret(tmp_path / "mounted" / "grading-secret", create=False)
    assert k8s_job.mounted_secret(tmp_path / "mounted" / "grading-secret") == b"ab" * 32


STUB_PAPERMILL = '''#!{python}
"""Stands in for papermill: records the run, leaves answers and ends as told (no kernel, no training)."""
import json, os, sys
source, target = sys.argv[1], sys.argv[2]
name = os.path.basename(source)
with open(os.environ["RUNS_LOG"], "a", encoding="utf-8") as log:
    log.write(name + "\\n")


def answer(folder, value):
    os.makedirs(os.path.join(folder, "0"), exist_ok=True)
    with open(os.path.join(folder, "0", "0.json"), "w", encoding="utf-8") as file:
        json.dump({{"kind": "value", "value": value}}, file)


nb = json.load(open(source, encoding="utf-8"))
if name == "combined.ipynb":
    for cell in nb["cells"]:
        if cell["metadata"].get({segment!r}) == "02_conv_autoencoder.ipynb":
            cell["outputs"] = [{{"output_type": "error", "ename": "E", "evalue": "", "traceback": []}}]
    for stem in ("01_data", "02_conv_autoencoder", "04_upsampling_vs_transposed"):  # 03 never finishes
        answer("answers/" + stem, "combined")
        open("answers/" + stem + "/" + {finished!r}, "w").close()
elif not name.startswith("03_"):  # 03 is stopped at the time limit before its first answer
    answer(os.environ["COURSE_ANSWERS"], "full")
json.dump(nb, open(target, "w", encoding="utf-8"))
sys.exit(124 if name.startswith("03_") else 0)
'''


def write_class(folder: Path) -> None:
    """ana and bo hand in the four course notebooks (bo a note too); cy hands in nothing."""
    for student in ("ana", "bo", "cy"):
        (folder / student).mkdir(parents=True)
    for path in course_notebooks():
        for student in ("ana", "bo"):
            shutil.copy(path, folder / student / path.name)
    (folder / "bo" / "notes.txt").write_text("not a notebook", encoding="utf-8")


def test_prepare_execute_judge_and_merge(tmp_path, secret_file, monkeypatch):
    names = [path.name for path in course_notebooks()]
    assert names[:4] == ["01_data.ipynb", "02_conv_autoencoder.ipynb", "03_denoising_autoencoder.ipynb",
                         "04_upsampling_vs_transposed.ipynb"], "the stand-in for papermill names these"
    write_class(tmp_path / "class")
    monkeypatch.setenv("COURSE_DATA_SOURCE", "local")
    # The checks stand in: each answer's value is its message, so the rows say which run it came from.
    monkeypatch.setattr(Grader, "_judge", lambda self, notebook, exercise, given, lang, parameters=None:
                        None if given is None else [(a.problem is None, str(a.value)) for a in given])
    exchanges = {index: tmp_path / f"exchange-{index}" for index in range(3)}
    for index, exchange in exchanges.items():
        prepared = k8s_job.grade_in_pod("prepare", index, 3, submissions=tmp_path / "class", exchange=exchange,
                                        secret_file=secret_file)
        assert prepared == {"student": ["ana", "bo", "cy"][index], "notebooks": names if index < 2 else []}

    bo = exchanges[1]
    assert sorted(p.name for p in (bo / "notebooks").iterdir()) == sorted([*names, "combined.ipynb"])
    seed = grading_seed(b"ab" * 32, "bo")
    combined_text = (bo / "notebooks" / "combined.ipynb").read_text(encoding="utf-8")
    assert f"seed = {seed}" in combined_text and str(bo / "answers" / "01_data") in combined_text
    assert f"seed = {seed}" in (bo / "notebooks" / "01_data.ipynb").read_text(encoding="utf-8")
    assert not [p for p in bo.rglob("*") if p.is_file() and "ab" * 32 in p.read_text(encoding="utf-8")]

    # bo's execute step, as the students' image runs it, with papermill stood in for.
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    stub = bin_folder / "papermill"
    stub.write_text(STUB_PAPERMILL.format(python=sys.executable, segment=combined.SEGMENT,
                                          finished=combined.FINISHED), encoding="utf-8")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "runs.log"
    environment = {**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}", "RUNS_LOG": str(log)}
    subprocess.run([sys.executable, "-c", k8s_job.execute_script(bo, 600)], env=environment, check=True)
    # The full way again: 02 (a cell raised) and 03 (never finished); 01 and 04 are kept.
    assert log.read_text(encoding="utf-8").split() == [
        "combined.ipynb", "02_conv_autoencoder.ipynb", "03_denoising_autoencoder.ipynb"]

    grades = tmp_path / "grades"
    for index, exchange in exchanges.items():
        k8s_job.grade_in_pod("judge", index, 3, submissions=tmp_path / "class", exchange=exchange, out=grades,
                             secret_file=secret_file)
    assert sorted(p.name for p in (grades / "parts").iterdir()) == [f"part-00{k}-of-003.json" for k in (1, 2, 3)]
    assert main(["grade", "--merge", "--out", str(grades)]) == 0
    with open(grades / "gradebook.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    first = {(row["student"], row["notebook"]): row["message"] for row in rows if row["exercise"].endswith(".1.1")}
    assert first[("bo", "01_data")] == "combined"  # finished in the combined run: its answers there
    assert first[("bo", "02_conv_autoencoder")] == "full"  # raised: its full-way answers, not the combined ones
    assert first[("bo", "04_upsampling_vs_transposed")] == "combined"
    english = {(row["student"], row["notebook"]): set() for row in rows}  # the source notebooks speak both
    for row in rows:
        english[row["student"], row["notebook"]].add(row["message"].split(" / ")[-1])
    assert english["bo", "03_denoising_autoencoder"] == {"stopped: time limit 600 s"}  # exit 124, as `timeout` does
    assert set().union(*(english["ana", name[:-6]] for name in names)) == {"the notebook never reached this exercise"}
    assert [row["message"] for row in rows if row["student"] == "cy"] == ["no files handed in"]
    assert any(row["notebook"] == "notes.txt" and "not a course notebook" in row["message"] for row in rows)


def test_a_pod_refuses_a_class_of_another_size(tmp_path, secret_file):
    write_class(tmp_path / "class")
    with pytest.raises(ValueError, match="written for 4"):
        k8s_job.grade_in_pod("prepare", 0, 4, submissions=tmp_path / "class", exchange=tmp_path / "x",
                             secret_file=secret_file)
    with pytest.raises(ValueError, match="outside the class"):
        k8s_job.student_folder(tmp_path / "class", 3, 3)


def test_the_grading_image_is_the_pinned_environment_and_the_course():
    dockerfile = (ROOT / "deploy" / "grading.Dockerfile").read_text(encoding="utf-8")
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    [python] = [d.split("=")[1] for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python=")]
    assert re.search(rf"^FROM python:{re.escape(python)}-slim", dockerfile, re.MULTILINE), "environment.yml's Python"
    assert "pip install -c requirements/constraints.txt" in dockerfile
    copied = [source for line in re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE) for source in line.split()[:-1]]
    assert "notebooks" in copied and "course_tools" in copied
    assert all((ROOT / source).exists() for source in copied), copied
    assert re.search(r"^USER 1000", dockerfile, re.MULTILINE)
