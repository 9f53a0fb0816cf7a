"""Grading a class on Kubernetes (``make grade-k8s``): an Indexed Job whose pods are the sandbox.

One completion per student: the pod whose ``JOB_COMPLETION_INDEX`` is ``i`` grades the ``i``-th
(0-based) of the sorted student folders in the submissions volume, in three steps:

1. ``prepare`` (trusted: the grading image, first init container) writes the student's course
   notebooks, ready to run, into the pod's scratch volume: one combined notebook
   (:mod:`course_tools.grading.combined`) and each notebook's full-way notebook, instrumented
   (:func:`course_tools.grading.exercises.instrument`) and given the student's parameters.
2. ``execute`` (untrusted: the students' image, second init container) runs them with papermill,
   nothing else: :data:`EXECUTE`, written out in the manifest. It runs as a normal user, with a
   read-only root filesystem, no token, no network and limits on CPU and memory; which notebooks
   it runs again the full way is decided in there, so it can only change this student's rows.
3. ``judge`` (trusted: the grading image, the main container) reads the answer files as data and
   judges them with the course's own checks (:meth:`course_tools.grading.grader.Grader.judge_answers`),
   then writes the student's part, ``<out>/parts/part-<i+1>-of-<N>.json``
   (:mod:`course_tools.grading.rounds`). A last Job runs ``grade --merge``.

:func:`write_manifests` writes the YAML for all of it; docs/en/grading.md shows the commands.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from course_tools.grading import combined, rounds, sandbox
from course_tools.grading.exercises import instrument
from course_tools.grading.grader import Grader
from course_tools.notebook.variants import load_secret
from course_tools.run.runner import course_notebooks
from course_tools.settings import ROOT, use_delivery_data_source
from course_utils.reporting import read_regular_file, write_text_atomically

KUBERNETES_VERSION = "1.30.0"  # the manifests are validated against its schemas (tests/test_grade_k8s.py)
# Where the pods see their volumes.
SUBMISSIONS = Path("/submissions")  # one folder per student, as make collect writes them (read-only)
EXCHANGE = Path("/exchange")  # the notebooks to run, then their answers: written by prepare and execute
GRADES = Path("/grades")  # parts/ from each pod, then the merged gradebook
SECRET = Path("/var/run/course-grading/grading-secret")
COMBINED = "combined"  # the combined notebook's name in the exchange volume
TIMED_OUT = 124  # what `timeout` exits with when it stopped a run
MAX_STUDENTS = 999  # parts are named part-KKK-of-NNN
LABEL = {"course-autoencoders/grading": "pod"}  # the NetworkPolicy selects the pods by it
NON_ROOT = 1000  # the students' image's user (repo2docker's jovyan) and the grading image's
Z2JH_VALUES = ROOT / "deploy" / "z2jh-values.yaml"
GRADING_IMAGE = "REGISTRY/course-grading:TAG"

# Run in the students' image, which holds no solution: papermill only, no course_tools. First the
# combined notebook; then, the full way, each notebook whose part raised or did not finish.
EXECUTE = '''\
import json, os, subprocess
os.chdir({exchange})
names = json.load(open("prepared.json", encoding="utf-8"))["notebooks"]
for folder in ("executed", "status", "answers", "answers-full"):
    os.makedirs(folder, exist_ok=True)

def run(name, answers):
    """One notebook through papermill, stopped at the time limit; its exit status into status/."""
    command = ["timeout", "-k", "30", {seconds}, "papermill", "notebooks/" + name + ".ipynb",
               "executed/" + name + ".ipynb", "-k", "python3", "--cwd", "notebooks",
               "--no-progress-bar", "--log-level", "ERROR"]
    os.makedirs(answers, exist_ok=True)
    environment = dict(os.environ, COURSE_ANSWERS=os.path.abspath(answers))
    code = subprocess.run(command, env=environment, stdin=subprocess.DEVNULL).returncode
    with open("status/" + name, "w", encoding="utf-8") as status:
        status.write(str(code))

if names:
    run({combined}, "answers")
try:
    cells = json.load(open({combined_executed}, encoding="utf-8"))["cells"]
    raised = set(cell["metadata"].get({segment}) for cell in cells
                 if any(output.get("output_type") == "error" for output in cell.get("outputs", [])))
except Exception:
    raised = set(names)  # no readable record of the combined run: every notebook the full way
for name in names:
    stem = name[:-len(".ipynb")]
    if name in raised or not os.path.isfile(os.path.join("answers", stem, {finished})):
        run(stem, "answers-full/" + stem)
'''


def execute_script(exchange: Path = EXCHANGE, seconds: float = 600) -> str:
    """:data:`EXECUTE` for an exchange volume at ``exchange`` and a time limit per run."""
    values = {"exchange": str(exchange), "seconds": f"{seconds:.0f}", "combined": COMBINED,
              "combined_executed": f"executed/{COMBINED}.ipynb", "segment": combined.SEGMENT,
              "finished": combined.FINISHED}
    return EXECUTE.format(**{name: json.dumps(value) for name, value in values.items()})


# The pod's side: prepare and judge.

def class_folders(submissions: Path) -> list[Path]:
    """The student folders of ``submissions``, sorted, as ``make grade`` lists them."""
    return sorted(p for p in Path(submissions).iterdir() if p.is_dir() and not p.is_symlink())


def student_folder(submissions: Path, index: int, students: int) -> Path:
    """The folder of the student at ``index`` (0-based) of a class the Job was written for.

    Raises ValueError when the volume holds another number of students than the Job's completions:
    the indices would then point at other students than the parts say.
    """
    folders = class_folders(submissions)
    if len(folders) != students:
        raise ValueError(f"{submissions} holds {len(folders)} student folders, but the Job was written for "
                         f"{students}: write the manifests again (make grade-k8s) for this class.")
    if not 0 <= index < students:
        raise ValueError(f"JOB_COMPLETION_INDEX {index} is outside the class of {students} (0 to {students - 1}).")
    return folders[index]


def submitted_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())


def mounted_secret(path: Path = SECRET) -> bytes:
    """The grading secret from a Kubernetes Secret volume.

    Its file is a link, readable by the pod's group (``fsGroup``), which :func:`load_secret`
    rightly refuses on a machine; a private copy of it is checked instead.
    """
    with tempfile.TemporaryDirectory(prefix="grading-secret-") as folder:  # 0700
        copy = Path(folder) / "grading-secret"
        copy.write_bytes(Path(path).read_bytes())
        copy.chmod(0o600)
        return load_secret(copy, create=False)


def prepare(grader: Grader, folder: Path, exchange: Path = EXCHANGE) -> dict:
    """Write ``folder``'s course notebooks, ready to run, into ``exchange``.

    ``notebooks/combined.ipynb`` runs them all in one kernel; ``notebooks/<name>`` runs one the
    full way. Files that are no readable course notebook are left out: the judge writes their rows.
    Returns what was prepared, also written to ``prepared.json`` for the execute step (the judge
    works it out again and never reads it).
    """
    import nbformat
    import papermill

    student = folder.name
    (exchange / "notebooks").mkdir(parents=True, exist_ok=True)
    segments, names = [], []
    for path in submitted_files(folder):
        read = grader.read_submission(path, student)
        if not isinstance(read, tuple):
            continue
        nb, exercises, lang = read
        course_nb = grader.course_nbs[path.name]
        parameters = {**grader.student_parameters(student, path.name), "lang": lang}
        kept = combined.graded_cells(nb, course_nb, path.name)
        segments.append((path.name, instrument(kept, exercises), parameters, str(exchange / "answers" / path.stem)))
        full = instrument(combined.mark_cells(nb, course_nb, path.name), exercises)
        papermill.execute_notebook(full, str(exchange / "notebooks" / path.name), parameters=parameters,
                                   kernel_name="python3", prepare_only=True, log_output=False, progress_bar=False)
        names.append(path.name)
    if segments:
        nbformat.write(combined.combined_notebook(segments), exchange / "notebooks" / f"{COMBINED}.ipynb")
    prepared = {"student": student, "notebooks": names}
    write_text_atomically(exchange / "prepared.json", json.dumps(prepared, ensure_ascii=False))
    return prepared


def run_outcome(status: Path) -> sandbox.Outcome | None:
    """How a run of the execute step ended, from the exit status it wrote; None if it wrote none.

    The file comes from the untrusted container: it only chooses this student's messages.
    """
    try:
        code = int(read_regular_file(status, 32).decode("ascii"))
    except (OSError, ValueError):
        return None
    return sandbox.Outcome(code, "time" if code == TIMED_OUT else None, f"exit status {code}")


def judge(grader: Grader, folder: Path, exchange: Path = EXCHANGE) -> list[dict]:
    """The rows of the student in ``folder``, from the answer files the execute step left in ``exchange``.

    A notebook the execute step ran again the full way (it left an exit status for it) is judged
    from that run's answers, any other from its part of the combined run.
    """
    student = folder.name
    files = submitted_files(folder)
    if not files:
        return grader.grade_item((None, student, ""))
    rows = []
    for path in files:
        outcome = run_outcome(exchange / "status" / path.stem)
        if outcome is not None:
            answers = exchange / "answers-full" / path.stem
        else:
            answers = exchange / "answers" / path.stem
            outcome = None if combined.is_finished(answers) else run_outcome(exchange / "status" / COMBINED)
        rows += grader.judge_answers(path, student, answers, outcome)
    return rows


def pod_limits_text(limits: sandbox.Limits, cpu: str) -> str:
    """How the limits were enforced, for the summary's last row."""
    return (f"Kubernetes pod: memory {limits.memory_text()}, {cpu} CPU, {limits.seconds:.0f} s per run, "
            "no network (NetworkPolicy), non-root, read-only root filesystem")


def grade_in_pod(step: str, index: int, students: int, *, submissions: Path = SUBMISSIONS,
                 exchange: Path = EXCHANGE, out: Path = GRADES, secret_file: Path = SECRET,
                 limits: sandbox.Limits = sandbox.Limits(), cpu: str = "1",
                 same_exercises: bool = False) -> dict | list[dict]:
    """One trusted step of a grading pod: ``prepare`` (what was prepared) or ``judge`` (the rows,
    also written as the student's part in ``out/parts/``)."""
    if step not in ("prepare", "judge"):
        raise ValueError(f"a grading pod's trusted steps are prepare and judge, not {step!r}.")
    folder = student_folder(submissions, index, students)
    grader = Grader(limits, secret=mounted_secret(secret_file), same_exercises=same_exercises)
    print(f"[grade-pod {index + 1}/{students}] {step} {folder.name}", file=sys.stderr, flush=True)
    if step == "prepare":
        return prepare(grader, folder, exchange)
    use_delivery_data_source()
    rows = judge(grader, folder, exchange)
    rounds.write_part(out, (index + 1, students), [folder.name], rows, pod_limits_text(limits, cpu))
    return rows


# The instructor's side: the manifests.

def class_size(class_folder_or_count: str) -> int:
    """The number of students: given, or counted in a submissions folder (one folder per student)."""
    text = str(class_folder_or_count).strip()
    count = int(text) if text.isdigit() else None
    if count is None:
        if not Path(text).is_dir():
            raise ValueError(f"{text!r} is neither a number of students nor a submissions folder.")
        count = len(class_folders(Path(text)))
    if not 1 <= count <= MAX_STUDENTS:
        raise ValueError(f"a class of {count} students: grade-k8s grades 1 to {MAX_STUDENTS} students per Job.")
    return count


def students_image() -> tuple[str, dict[str, str]]:
    """The students' image and the environment their servers get, from deploy/z2jh-values.yaml."""
    import yaml

    singleuser = yaml.safe_load(Z2JH_VALUES.read_text(encoding="utf-8"))["singleuser"]
    image = f"{singleuser['image']['name']}:{singleuser['image']['tag']}"
    return image, {str(name): str(value) for name, value in singleuser.get("extraEnv", {}).items()}


def quantity(size_bytes: int) -> str:
    """A size in bytes as a Kubernetes quantity (``3Gi``, ``1500Mi``)."""
    for unit, factor in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if size_bytes % factor == 0:
            return f"{size_bytes // factor}{unit}"
    return str(size_bytes)


def _security() -> dict:
    return {"runAsNonRoot": True, "runAsUser": NON_ROOT, "runAsGroup": NON_ROOT, "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}}


def _container(name: str, image: str, command: list[str], mounts: dict[str, tuple[Path, bool]],
               limits: sandbox.Limits, cpu: str, env: dict[str, str]) -> dict:
    """A container with the same securityContext and limits as every other: ``mounts`` maps a
    volume to (where, read-only)."""
    size = {"cpu": cpu, "memory": quantity(limits.memory_bytes)}
    return {"name": name, "image": image, "command": command,
            "env": [{"name": key, "value": value} for key, value in env.items()],
            "resources": {"requests": dict(size), "limits": dict(size)},
            "securityContext": _security(),
            "volumeMounts": [{"name": volume, "mountPath": str(path), "readOnly": read_only}
                             for volume, (path, read_only) in mounts.items()]}


def _pod(containers: list[dict], volumes: dict[str, dict], init_containers: list[dict] = (), *,
         name: str | None = None, **spec) -> dict:
    """A pod (template): no token, no service links, no restarts, a pod-wide non-root user."""
    metadata = {**({"name": name} if name else {}), "labels": dict(LABEL)}
    return {"metadata": metadata,
            "spec": {"restartPolicy": "Never", "automountServiceAccountToken": False, "enableServiceLinks": False,
                     "securityContext": {"runAsNonRoot": True, "runAsUser": NON_ROOT, "runAsGroup": NON_ROOT,
                                         "fsGroup": NON_ROOT, "fsGroupChangePolicy": "OnRootMismatch",
                                         "seccompProfile": {"type": "RuntimeDefault"}},
                     **spec, **({"initContainers": list(init_containers)} if init_containers else {}),
                     "containers": containers,
                     "volumes": [{"name": volume, **source} for volume, source in volumes.items()]}}


def _scratch(size: str) -> dict:
    return {"emptyDir": {"sizeLimit": size}}


def _claim(name: str, *, read_only: bool = False) -> dict:
    return {"persistentVolumeClaim": {"claimName": name, "readOnly": read_only}}


TRUSTED_ENV = {"HOME": "/tmp", "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
COURSE_TOOLS = ["python", "-m", "course_tools"]
SUBMISSIONS_CLAIM, GRADES_CLAIM, SECRET_NAME = "course-submissions", "course-grades", "course-grading-secret"


def grade_job(students: int, grading_image: str, student_image: str, parallelism: int,
              limits: sandbox.Limits, cpu: str, same_exercises: bool) -> dict:
    """The Indexed Job: one pod per student, prepare → execute (untrusted) → judge."""
    student_env = students_image()[1]
    options = ["--index", "$(JOB_COMPLETION_INDEX)", "--students", str(students), "--memory",
               quantity(limits.memory_bytes), "--time-limit", f"{limits.seconds:.0f}", "--cpu", cpu,
               *(["--same-exercises"] if same_exercises else [])]
    tmp, secret = (Path("/tmp"), False), (SECRET.parent, True)
    prepare_step = _container("prepare", grading_image, [*COURSE_TOOLS, "grade-pod", "prepare", *options], {
        "submissions": (SUBMISSIONS, True), "exchange": (EXCHANGE, False), "trusted-tmp": tmp,
        "grading-secret": secret}, limits, cpu, TRUSTED_ENV)
    # PID 1 is a shell that always exits 0, so that the judge runs whatever the submission does: a process
    # in a container cannot kill its PID 1 with a signal that PID 1 does not handle.
    execute_step = _container("execute", student_image, ["sh", "-c", 'python -c "$RUN_NOTEBOOKS"; exit 0'], {
        "exchange": (EXCHANGE, False), "untrusted-tmp": tmp}, limits, cpu,
        {**student_env, "HOME": "/tmp", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
         "RUN_NOTEBOOKS": execute_script(EXCHANGE, limits.seconds)})
    judge_step = _container("judge", grading_image, [*COURSE_TOOLS, "grade-pod", "judge", *options], {
        "submissions": (SUBMISSIONS, True), "exchange": (EXCHANGE, True), "trusted-tmp": tmp,
        "grading-secret": secret, "grades": (GRADES, False)}, limits, cpu, TRUSTED_ENV)
    disk = quantity(limits.disk_bytes)
    volumes = {"submissions": _claim(SUBMISSIONS_CLAIM, read_only=True), "grades": _claim(GRADES_CLAIM),
               "exchange": _scratch(disk), "untrusted-tmp": _scratch(disk), "trusted-tmp": _scratch("1Gi"),
               "grading-secret": {"secret": {"secretName": SECRET_NAME, "defaultMode": 0o400}}}
    runs = len(course_notebooks()) + 1  # the combined run, then possibly each notebook alone
    deadline = runs * (int(limits.seconds) + 30) + 1200  # and 10 min each for prepare and judge
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "grade-class", "labels": dict(LABEL)},
            "spec": {"completionMode": "Indexed", "completions": students, "parallelism": parallelism,
                     "backoffLimitPerIndex": 1,
                     "template": _pod([judge_step], volumes, [prepare_step, execute_step],
                                      activeDeadlineSeconds=deadline)}}


def merge_job(grading_image: str, limits: sandbox.Limits, cpu: str) -> dict:
    """The last Job: ``grade --merge`` joins the parts into gradebook.csv and summary.csv."""
    merge = _container("merge", grading_image, [*COURSE_TOOLS, "grade", "--merge", "--out", str(GRADES)],
                       {"grades": (GRADES, False), "trusted-tmp": (Path("/tmp"), False)}, limits, cpu, TRUSTED_ENV)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "grade-merge", "labels": dict(LABEL)},
            "spec": {"backoffLimit": 0, "template": _pod([merge], {"grades": _claim(GRADES_CLAIM),
                                                                   "trusted-tmp": _scratch("1Gi")})}}


def files_pod(grading_image: str) -> dict:
    """A pod that only waits, so that the submissions can be copied in and the gradebook out."""
    files = _container("files", grading_image, ["sleep", "infinity"],
                       {"submissions": (SUBMISSIONS, False), "grades": (GRADES, False)},
                       sandbox.Limits(memory_bytes=256 * 2**20), "100m", TRUSTED_ENV)
    return {"apiVersion": "v1", "kind": "Pod", **_pod(
        [files], {"submissions": _claim(SUBMISSIONS_CLAIM), "grades": _claim(GRADES_CLAIM)}, name="grading-files")}


def manifests(students: int, *, grading_image: str = GRADING_IMAGE, student_image: str | None = None,
              parallelism: int = 4, limits: sandbox.Limits = sandbox.Limits(), cpu: str = "1",
              same_exercises: bool = False) -> dict[str, list[dict]]:
    """The Kubernetes objects that grade a class of ``students``, by file name.

    Parameters
    ----------
    students : int
        The class's size: the Job's completions, one pod per student.
    grading_image, student_image : str
        The grading image (the course notebooks: never give it to students) and the students' image
        (default: deploy/z2jh-values.yaml's, which holds no solution).
    parallelism : int
        Pods at a time.
    limits : sandbox.Limits
        Memory per container, seconds per papermill run and the scratch volumes' size
        (``make grade``'s defaults).
    cpu : str
        CPUs per container, a Kubernetes quantity.
    same_exercises : bool
        The class got the shared edition (``grade --same-exercises``).

    Returns
    -------
    dict
        File name → the objects it holds.
    """
    if not 1 <= students <= MAX_STUDENTS:
        raise ValueError(f"a class of {students} students: grade-k8s grades 1 to {MAX_STUDENTS} students per Job.")
    if parallelism < 1:
        raise ValueError(f"parallelism {parallelism}: at least 1 pod at a time.")
    student_image = student_image or students_image()[0]
    claims = [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
               "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": size}}}}
              for name, size in ((SUBMISSIONS_CLAIM, "5Gi"), (GRADES_CLAIM, "1Gi"))]
    no_network = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                  "metadata": {"name": "grading-no-network"},  # no rule: nothing in, nothing out
                  "spec": {"podSelector": {"matchLabels": dict(LABEL)}, "policyTypes": ["Ingress", "Egress"]}}
    return {"volumes.yaml": claims, "network-policy.yaml": [no_network], "files-pod.yaml": [files_pod(grading_image)],
            "grade-job.yaml": [grade_job(students, grading_image, student_image, parallelism, limits, cpu,
                                         same_exercises)],
            "merge-job.yaml": [merge_job(grading_image, limits, cpu)]}


def write_manifests(students: int, out_dir: Path, **options) -> list[Path]:
    """Write :func:`manifests` as YAML files in ``out_dir``; their paths."""
    import yaml

    class Blocks(yaml.SafeDumper):  # the execute step's script as readable lines
        pass

    Blocks.add_representer(str, lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    header = f"# make grade-k8s: grading a class of {students} on Kubernetes (docs/en/grading.md)\n"
    return [write_text_atomically(out_dir / name, header + yaml.dump_all(objects, Dumper=Blocks, sort_keys=False,
                                                                          allow_unicode=True))
            for name, objects in manifests(students, **options).items()]
