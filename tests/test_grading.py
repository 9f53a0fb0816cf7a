"""Grading a class that tries to cheat: sandboxed runs, verdicts computed outside them.

One class of notebook-01 submissions covers every attack the grading issue lists;
the honest students in the same class must still be graded normally.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import numpy as np
import psutil
import pytest

import course_utils
from course_tools.grading import answers, grader, sandbox
from course_tools.grading.exercises import (
    course_exercises,
    edition_language,
    instrument,
)
from course_tools.grading.gradebook import printable, write_gradebook
from course_tools.grading.grader import Grader, grade_folder, grading_context
from course_tools.notebook.student import student_notebook
from course_tools.run.runner import course_notebooks
from course_tools.settings import ASSETS, NOTEBOOK_DIR
from tests.conftest import require_full_mnist, settings_for

NOTEBOOKS = course_notebooks()
LIMITS = sandbox.Limits(memory_bytes=2 * sandbox.GIB, processes=256, seconds=60, disk_bytes=256 * 2**20)
SCHEDULE_GROUP = "graders"  # make test keeps both graders on one worker: they count nobody's processes
# A normal user has no cgroup: memory is only watched, and grading needs the instructor's consent
# (make grade NO_MEMORY_LIMIT=1). As root (CI) the limit is real and the flag is not given.
WATCHED_ONLY = not sandbox.memory_is_limited()
MARKER = "7777"  # the processes a submission leaves behind run `sleep 7777...`


def tags(cell):
    return set(cell.metadata.get("tags", []))


def test_an_answer_is_taken_from_the_end_only_where_no_course_cell_computes_it(tmp_path):
    nb = nbformat.read(NOTEBOOKS[0], 4)
    exercise = next(c for c in nb.cells if "exercise" in tags(c))
    assert course_exercises(NOTEBOOKS[0])[0].late == (True, True)
    nb.cells.append(nbformat.v4.new_code_cell("most_ink = 3  # the course computing it itself"))
    nbformat.write(nb, tmp_path / NOTEBOOKS[0].name)
    assert course_exercises(tmp_path / NOTEBOOKS[0].name)[0].late == (False, True)
    last = instrument(student_notebook(tmp_path / NOTEBOOKS[0].name), course_exercises(
        tmp_path / NOTEBOOKS[0].name)).cells[-1].source
    assert last == "_course_export_answers(0, [None, lambda: (noisy_psnr)], True)" and exercise


def test_the_grader_reads_each_exercise_from_the_course_notebook():
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        solutions = [c for c in cells if "solution" in tags(c)]
        exercises = course_exercises(path)
        assert len(exercises) == len([c for c in cells if "exercise" in tags(c)]) == len(solutions) >= 1
        # each check the grader found is one the solution asserts
        asserted = [len(re.findall(r"^assert check_", c.source, flags=re.M)) for c in solutions]
        assert [e.checks for e in exercises] == asserted, path.name
    [exercise] = course_exercises(NOTEBOOK_DIR / "01_data.ipynb")
    assert exercise.answers == ("most_ink", "noisy_psnr")
    assert all(call.startswith("check_") and "_answer" in call for call in exercise.calls)


# --- answers cross the sandbox wall as plain data only ------------------------------

def export(folder: Path, exercise: int, values: list) -> list[answers.Answer]:
    """Save ``values`` as the code inside the sandbox does, and read them back as the grader does."""
    namespace: dict = {}
    exec(answers.EXPORT_FUNCTION, namespace)
    os.environ["COURSE_ANSWERS"] = str(folder)
    try:
        namespace["_course_export_answers"](exercise, [lambda value=value: value for value in values])
    finally:
        del os.environ["COURSE_ANSWERS"]
    return answers.read_answers(folder, exercise, len(values))


def test_plain_answers_survive_the_round_trip(tmp_path):
    import keras

    model = course_utils.build_conv_autoencoder((16, 8, 8))
    read = export(tmp_path, 0, [3, np.float32(16.5), {2, 4}, None, np.arange(6).reshape(2, 3), model])
    assert [a.problem for a in read] == [None] * 6
    assert read[0].value == 3 and read[1].value == 16.5 and read[2].value == {2, 4} and read[3].value is None
    np.testing.assert_array_equal(read[4].value, np.arange(6).reshape(2, 3))
    assert isinstance(read[5].value, keras.Model) and read[5].value.count_params() == model.count_params()


def test_anything_else_is_refused_with_a_reason(tmp_path):
    class Sneaky:
        def __eq__(self, other):
            return True  # would match any expected value, were it compared

    read = export(tmp_path, 0, [Sneaky(), np.array([object()]), [Sneaky()]])
    assert all(a.value is None and "cannot be graded" in a.problem_text("en") for a in read)
    # files forged from inside the sandbox: a pickled array, a link out, a made-up verdict
    folder = tmp_path / "1"
    folder.mkdir()
    np.save(folder / "0.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (folder / "0.json").write_text(json.dumps({"kind": "array"}), encoding="utf-8")
    (folder / "1.json").symlink_to(ASSETS / "models" / "manifest.json")
    (folder / "2.json").write_text(json.dumps({"kind": "verdict", "passed": True}), encoding="utf-8")
    forged = answers.read_answers(tmp_path, 1, 3)
    assert all(a.value is None and a.problem for a in forged)
    assert all("could not be read safely" in answer.problem_text("en") for answer in forged[:2])


def test_answer_files_that_would_crash_or_block_the_grader_cost_only_their_answer(tmp_path):
    """An empty .npy (EOFError), a header of 2**40 elements, JSON nested 100,000 deep, a FIFO."""
    import signal

    folder = tmp_path / "0"
    folder.mkdir()
    array_record = json.dumps({"kind": "array"})
    for index in range(3):
        (folder / f"{index}.json").write_text(array_record, encoding="utf-8")
    (folder / "0.npy").write_bytes(b"")
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, dtype=np.float32))
    with open(folder / "1.npy", "wb") as stream:
        np.lib.format.write_array_header_1_0(stream, {**header, "shape": (2**20, 2**20)})
    np.save(folder / "2.npy", np.array(["text"]))  # a string array is not a plain numeric one
    (folder / "3.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    os.mkfifo(folder / "4.json")
    signal.alarm(20)  # a blocking open would hang the test, not fail it
    try:
        read = answers.read_answers(tmp_path, 0, 5)
    finally:
        signal.alarm(0)
    assert [a.value for a in read] == [None] * 5
    assert all("could not be read safely" in a.problem_text("en") for a in read), [a.problem for a in read]
    assert "RecursionError" in read[3].problem_text("en")  # caught, not raised into the class's grading


def saved_model_with(tmp_path, config: dict) -> Path:
    """A .keras file holding ``config`` and weights that must never be read."""
    import zipfile

    path = tmp_path / "0" / "0.keras"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", "{}")
        archive.writestr("model.weights.h5", b"not an HDF5 file")
    (tmp_path / "0" / "0.json").write_text(json.dumps({"kind": "model"}), encoding="utf-8")
    return path


def shipped_config() -> dict:
    import zipfile

    return json.loads(zipfile.ZipFile(ASSETS / "models" / "conv_16_8_8.keras").read("config.json"))


def test_a_model_answer_is_rebuilt_from_its_configuration_and_never_its_weights(tmp_path):
    from course_utils.exercises import describe_layers
    from course_utils.models import build_conv_autoencoder

    saved_model_with(tmp_path, shipped_config())
    [read] = answers.read_answers(tmp_path, 0, 1)
    assert read.problem is None
    assert describe_layers(read.value) == describe_layers(build_conv_autoencoder((16, 8, 8)))


def test_a_model_answer_made_of_the_references_layers_does_not_pass(tmp_path, capsys):
    from course_utils.exercises import check_architecture
    from course_utils.models import build_conv_autoencoder

    saved_model_with(tmp_path, shipped_config())  # the course's own model, handed in as an answer
    [read] = answers.read_answers(tmp_path, 0, 1)
    assert not check_architecture(read.value, build_conv_autoencoder((16, 8, 8)), lang="en")
    assert "uses the reference's own layers (encoder, conv1" in capsys.readouterr().out


def first(config: dict, class_name: str) -> dict:
    return next(node for node in answers._objects(config) if node["class_name"] == class_name)


@pytest.mark.parametrize("change, named", [
    (lambda c: first(c, "Conv2D")["config"].update(filters=200_000), "filters over 256"),
    (lambda c: first(c, "InputLayer")["config"].update(batch_shape=[None, 200_000]), "batch_shape over 512"),
    (lambda c: first(c, "Conv2D").update(class_name="Lambda"), "Lambda"),
    (lambda c: first(c, "Conv2D").update(module="os", registered_name="system"), "from os"),
    (lambda c: first(c, "Conv2D").update(registered_name="Custom>Conv2D"), "Conv2D"),
])
def test_a_model_answer_outside_the_allowed_classes_and_sizes_is_not_built(tmp_path, change, named):
    config = shipped_config()
    change(config)
    saved_model_with(tmp_path, config)
    [read] = answers.read_answers(tmp_path, 0, 1)  # refused from the configuration, before any allocation
    assert read.value is None and "could not be read safely (ValueError)" in read.problem_text("en")
    with pytest.raises(ValueError, match=re.escape(named)):
        answers.check_model_config(config)


def test_a_model_with_code_inside_is_not_loaded(tmp_path):
    import keras

    inputs = keras.Input((28, 28, 1))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 0 + 1)(inputs))
    [read] = export(tmp_path, 0, [model])
    assert read.value is None and "could not be read safely" in read.problem_text("en")


def own_autoencoder(filters):
    """A student's own model of the course's architecture: every layer built by them, not the course."""
    import keras
    from keras import layers

    images = keras.Input((28, 28, 1))
    x = images
    for depth in filters:
        x = layers.Conv2D(depth, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2, padding="same")(x)
    for depth, size in zip(reversed(filters), (7, 14, 28)):
        x = layers.Resizing(size, size, interpolation="nearest")(x)
        x = layers.Conv2D(depth, 3, padding="same", activation="relu")(x)
    return keras.Model(images, layers.Conv2D(1, 3, padding="same")(x))


def test_the_grader_judges_every_notebooks_answers_with_the_course_checks(tmp_path, monkeypatch):
    """Right and wrong answers to every exercise, judged outside any kernel."""
    settings_for(monkeypatch, data_source="local", data_dir=str(require_full_mnist()))
    course_grader = Grader(parameters={"epochs": 1})
    decoder, wrong_decoder = own_autoencoder((16, 8, 8)), own_autoencoder((16, 8, 4))
    context = grading_context(NOTEBOOK_DIR / "03_denoising_autoencoder.ipynb")
    x, seed = context["dataset"].x_test, course_utils.defaults.validation_noise_seed(context["seed"])
    rng = np.random.default_rng(seed)  # the same draw as add_noise documents: one normal per pixel
    noisy = np.clip(x + 0.3 * rng.standard_normal(x.shape, dtype=np.float32), 0, 1)
    background = float(noisy[x == 0].mean())
    right = {"02_conv_autoencoder.ipynb": [[decoder], [160 + 1160 + 292 + 148 + 296 + 1168 + 145, 256 / 784]],
             "03_denoising_autoencoder.ipynb": [[background, 10 * np.log10(1 / 0.5**2)]],
             "04_upsampling_vs_transposed.ipynb": [[{2, 4, 6, 8}, {3, 6, 9}]]}
    wrong = {"02_conv_autoencoder.ipynb": [[wrong_decoder], [3000, 0.16]],
             "03_denoising_autoencoder.ipynb": [[0.0, 9.0]],
             "04_upsampling_vs_transposed.ipynb": [[{2, 3}, {3}]]}
    for name in right:
        for given, expected in ((right, True), (wrong, False)):
            for exercise, values in zip(course_exercises(NOTEBOOK_DIR / name), given[name]):
                folder = tmp_path / f"{name}-{expected}"
                results = course_grader._judge(name, exercise, export(folder, exercise.cell, values), "en")
                assert [passed for passed, _ in results] == [expected] * len(values), (name, results)


def test_wrong_answers_get_feedback_that_does_not_give_the_answer_away(tmp_path, monkeypatch):
    settings_for(monkeypatch, data_source="local", data_dir=str(require_full_mnist()))
    course_grader = Grader()
    [_, counting] = course_exercises(NOTEBOOK_DIR / "02_conv_autoencoder.ipynb")
    results = course_grader._judge("02_conv_autoencoder.ipynb", counting, export(tmp_path, counting.cell, [3000, 0.3]), "zh")
    right = str(course_utils.build_conv_autoencoder((16, 8, 4)).count_params())
    assert not any(passed for passed, _ in results)
    assert all(right not in message and "0.3265" not in message for _, message in results)
    assert all("还不对" in message and "Not yet" not in message for _, message in results)
    [architecture, _] = course_exercises(NOTEBOOK_DIR / "02_conv_autoencoder.ipynb")
    given = export(tmp_path, architecture.cell, [own_autoencoder((16, 8, 4))])
    [(passed, message)] = course_grader._judge("02_conv_autoencoder.ipynb", architecture, given, "en")
    assert not passed and "differs" in message and "584" not in message  # the reference layer's count


def test_a_submission_that_breaks_the_grader_costs_only_its_own_rows(tmp_path, monkeypatch):
    for student in ("ana", "bo"):
        (tmp_path / "in" / student).mkdir(parents=True)
        (tmp_path / "in" / student / "01_data.ipynb").write_text("{}", encoding="utf-8")

    def grade(self, path, student, *, label=""):
        if student == "ana":
            raise MemoryError("a forged answer")
        return [{"student": student, "notebook": "01_data", "exercise": "01.1.1", "passed": True, "message": "ok"}]

    monkeypatch.setattr(Grader, "grade", grade)
    rows = grade_folder(tmp_path / "in", tmp_path / "out", trusted=True, jobs=2)
    assert [(r["student"], r["passed"]) for r in rows] == [("ana", False), ("bo", True)]
    assert "grading failed (MemoryError: a forged answer)" in rows[0]["message"]
    assert "bo,01_data,01.1.1,True" in (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8")


def test_the_feedback_language_is_the_editions():
    path = NOTEBOOK_DIR / "01_data.ipynb"
    assert [edition_language(student_notebook(path, lang)) for lang in ("zh", "en", "both")] == ["zh", "en", "both"]


# --- limits and refusal ------------------------------------------------------------------

def test_memory_sizes_are_read_and_checked():
    assert sandbox.parse_size("3G") == 3 * 2**30 and sandbox.parse_size("1500M") == 1500 * 2**20
    assert sandbox.parse_size("2GiB") == 2 * 2**30
    for bad in ("lots", "100M", "-3G"):
        with pytest.raises(ValueError, match="at least 256M"):
            sandbox.parse_size(bad)


def test_a_submission_that_prints_bytes_that_are_not_utf8_still_gets_an_outcome(tmp_path):
    code = "import sys; sys.stdout.buffer.write(b'\\xff\\xfe \\xe4\\xbd\\xa0\\xe5\\xa5\\xbd\\n')"
    with sandbox.private_space(tmp_path / "space", LIMITS) as space:
        outcome = sandbox.run_sandboxed([sys.executable, "-c", code], space=space, readable=[], env={},
                                        limits=LIMITS, trusted=True)
    assert (outcome.returncode, outcome.output) == (0, "\ufffd\ufffd 你好\n")


PYTHON_VIEW = [Path(sys.prefix), Path(sys.base_prefix)]


def sandboxed(tmp_path, code: str, limits=LIMITS, *, space=None) -> sandbox.Outcome:
    """``code`` run by the course's Python in the sandbox, in a private space of ``limits``."""
    with contextlib.ExitStack() as stack:
        space = space or stack.enter_context(sandbox.private_space(tmp_path / "space", limits))
        return sandbox.run_sandboxed([sys.executable, "-c", code], space=space, readable=PYTHON_VIEW,
                                     env={}, limits=limits)


def test_a_sandbox_that_prints_megabytes_is_not_stalled_and_reads_no_input(tmp_path):
    code = "import sys; print(repr(sys.stdin.read())); sys.stdout.write('x' * 2**20 + '\\nthe end\\n')"
    outcome = sandboxed(tmp_path, code, sandbox.Limits(2 * sandbox.GIB, 64, seconds=30))
    assert (outcome.returncode, outcome.stopped_by) == (0, None), outcome.output[-300:]
    assert outcome.output.startswith("''") or outcome.output.endswith("the end\n")
    assert outcome.output.endswith("the end\n") and len(outcome.output) <= sandbox.OUTPUT_KEPT


FILLER = ("import os\n"
          "for folder in ('/tmp', '/dev/shm', os.path.expanduser('~')):\n"
          "    n = 0\n"
          "    try:\n"
          "        while True:\n"
          "            with open(f'{folder}/fill{n}', 'wb') as f:\n"
          "                f.write(os.urandom(2**20))\n"
          "            n += 1\n"
          "    except OSError as error:\n"
          "        print(folder, error.strerror, n)\n"
          "import time; time.sleep(60)")


@pytest.mark.skipif(os.geteuid() != 0, reason="a tmpfs per sandbox needs root (CI runs as root)")
def test_as_root_the_sandboxs_writable_places_are_one_tmpfs_of_limited_size(tmp_path):
    limits = sandbox.Limits(2 * sandbox.GIB, 64, seconds=30, disk_bytes=64 * 2**20, files=500)
    free_before = shutil.disk_usage(tmp_path).free
    with sandbox.private_space(tmp_path / "space", limits) as space:
        assert os.path.ismount(space)
        outcome = sandboxed(tmp_path, FILLER, limits, space=space)
    assert not os.path.ismount(tmp_path / "space")
    assert outcome.stopped_by == "disk", outcome.output[-500:]
    assert shutil.disk_usage(tmp_path).free > free_before - 32 * 2**20  # the host disk did not take it


def test_without_a_tmpfs_the_space_is_watched_and_a_filler_stopped(tmp_path):
    limits = sandbox.Limits(2 * sandbox.GIB, 64, seconds=30, disk_bytes=32 * 2**20, files=10_000)
    space = tmp_path / "plain"
    for name in ("home", "tmp", "shm"):
        (space / name).mkdir(parents=True)
        (space / name).chmod(0o1777)
    outcome = sandboxed(tmp_path, FILLER.replace("2**20", "2**18"), limits, space=space)  # a normal user's case
    assert outcome.stopped_by == "disk", outcome.output[-500:]


def test_where_memory_is_only_watched_grading_refuses_unless_told(tmp_path, monkeypatch, capsys):
    from course_tools.cli import main

    (tmp_path / "class" / "heidi").mkdir(parents=True)
    (tmp_path / "class" / "heidi" / "notes.txt").write_text("no notebook", encoding="utf-8")
    monkeypatch.setattr(sandbox, "memory_is_limited", lambda: False)
    out = tmp_path / "grades"
    assert main(["grade", str(tmp_path / "class"), "--out", str(out)]) == 2
    assert "--no-memory-limit" in capsys.readouterr().err and not out.exists()
    assert main(["grade", str(tmp_path / "class"), "--out", str(out), "--no-memory-limit"]) == 0
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    assert "memory NOT limited" in summary.splitlines()[-1]


def test_what_a_student_names_opens_as_text_in_a_spreadsheet(tmp_path):
    rows = [{"student": "=cmd|' /C calc'!A0", "notebook": "+01.ipynb", "exercise": "01.1.1", "passed": False,
             "message": "@SUM(1)\x1b[2J\x1b]0;pwned\x07 and\r\nmore\x00"},
            {"student": "alice", "notebook": "01_data", "exercise": "01.1.1", "passed": True,
             "message": "-3 is not it"}]
    book, summary = write_gradebook(rows, tmp_path / "grades", "limits: test")
    with open(book, newline="", encoding="utf-8") as stream:
        read = list(csv.DictReader(stream))
    assert read[0]["student"] == "'=cmd|' /C calc'!A0" and read[0]["notebook"] == "'+01.ipynb"
    assert read[0]["message"] == "'@SUM(1) and  more" and read[1]["message"] == "'-3 is not it"
    assert read[1]["student"] == "alice"
    for path in (book, summary):
        assert path.stat().st_mode & 0o077 == 0
    assert (tmp_path / "grades").stat().st_mode & 0o077 == 0
    assert printable("ok\x1b[31m red\x1b[0m\x07") == "ok red"


def test_without_bubblewrap_grading_refuses_and_says_how_to_fix_it(monkeypatch, tmp_path, capsys):
    from course_tools.cli import main

    (tmp_path / "alice").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    assert main(["grade", str(tmp_path), "--out", str(tmp_path / "grades")]) == 2
    error = capsys.readouterr().err
    assert "bubblewrap" in error and "apt-get install bubblewrap" in error and "--trusted" in error
    assert not (tmp_path / "grades").exists()


# --- a class that tries to cheat -----------------------------------------------------------

def student_edition(lang="en"):
    return student_notebook(NOTEBOOK_DIR / "01_data.ipynb", lang)


def answered(most_ink: str, psnr: str, lang="en") -> str:
    nb = student_edition(lang)
    [cell] = [c for c in nb.cells if "exercise" in tags(c)]
    cell.source = (cell.source.replace("most_ink = None", f"most_ink = {most_ink}")
                   .replace("noisy_psnr = None", f"noisy_psnr = {psnr}"))
    return nbformat.writes(nb)


def answered_below(code: str) -> str:
    """The exercise cell left as it is, the answer computed in the student's own last cell."""
    nb = student_edition()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nbformat.writes(nb)


def attack(code: str, *, most_ink: str = "None", psnr: str = "None", lang: str = "en") -> str:
    """A short submission: the attack, then the exercise cell (answers blank unless given)."""
    nb = student_edition(lang)
    [exercise] = [c for c in nb.cells if "exercise" in tags(c)]
    exercise.source = (exercise.source.replace("most_ink = None", f"most_ink = {most_ink}")
                       .replace("noisy_psnr = None", f"noisy_psnr = {psnr}"))
    parameters = next(c for c in nb.cells if "parameters" in tags(c))
    title = next(c for c in nb.cells if f"lang-{lang}" in tags(c))  # the edition's language
    nb.cells = [title, parameters, nbformat.v4.new_code_cell(code), exercise]
    return nbformat.writes(nb)


CORRECT_DIGIT = "max(ink_digits, key=lambda d: dataset.x_train[dataset.y_train == d].mean())"
CORRECT_PSNR = "float(cu.psnr(dataset.x_test, cu.add_noise(dataset.x_test, exercise_noise, seed=seed)).mean())"


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def leftovers() -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline", "uids"]):
        line = " ".join(process.info["cmdline"] or [])
        if f"sleep {MARKER}" in line or (process.info["uids"] and process.info["uids"].real == sandbox.NOBODY):
            found.append(line)
    return found


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    submissions = tmp_path_factory.mktemp("submissions")
    package = Path(course_utils.__file__).parent
    solutions = NOTEBOOK_DIR / "01_data.ipynb"
    deleted = student_edition()
    deleted.cells = [c for c in deleted.cells if "exercise" not in tags(c)]
    handed_in = {
        "alice": answered(CORRECT_DIGIT, CORRECT_PSNR),
        "carol": answered_below("most_ink = " + CORRECT_DIGIT),  # in a cell of her own, after the exercise
        "bob": attack("pass", most_ink="1", psnr="12.0", lang="zh"),  # wrong, in the Chinese edition
        # replaces the checks and Python's builtins in its kernel, then answers nothing
        "mallory-patcher": attack(
            "import builtins, course_utils.exercises as ex\n"
            "for name in dir(ex):\n"
            "    if name.startswith('check_'):\n"
            "        setattr(ex, name, lambda *args, **kwargs: True)\n"
            "builtins.float = lambda *args: 16.75\n"
            "builtins.abs = lambda *args: 0"),
        # forges verdicts and grade records, now and at exit
        "mallory-forger": attack(
            "import atexit, json, os\n"
            "def forge():\n"
            "    folder = os.path.join(os.environ['COURSE_ANSWERS'], '0')\n"
            "    os.makedirs(folder, exist_ok=True)\n"
            "    for index in range(2):\n"
            "        with open(os.path.join(folder, f'{index}.json'), 'w') as f:\n"
            "            json.dump({'kind': 'verdict', 'passed': True}, f)\n"
            "    for name in ('grades.jsonl', '../grades.jsonl', 'gradebook.csv'):\n"
            "        try:\n"
            "            open(name, 'w').write('{\"cell\": 0, \"passed\": [true, true]}\\n')\n"
            "        except OSError:\n"
            "            pass\n"
            "forge()\n"
            "atexit.register(forge)"),
        # answers right only if it can read the course's notebooks with their solutions
        "mallory-reader": attack(
            "import os\n"
            f"can_read = os.access({str(solutions)!r}, os.R_OK) or os.path.isdir({str(NOTEBOOK_DIR)!r})",
            most_ink="0 if can_read else 1"),
        # deletes others' work, writes into the course, leaves processes, floods the process table
        "mallory-vandal": attack(
            "import os, shutil, subprocess\n"
            f"for target in [{str(submissions)!r} + '/alice/01_data.ipynb', {str(submissions)!r}]:\n"
            "    try:\n"
            "        os.remove(target) if target.endswith('.ipynb') else shutil.rmtree(target)\n"
            "    except OSError:\n"
            "        pass\n"
            f"for target in [{str(package / 'exercises' / '__init__.py')!r}, {str(ASSETS / 'models' / 'manifest.json')!r}]:\n"
            "    try:\n"
            "        open(target, 'a').write('\\ncheck_most_ink = lambda *a, **k: True\\n')\n"
            "    except OSError:\n"
            "        pass\n"
            f"subprocess.Popen(['sleep', '{MARKER}1'], start_new_session=True)\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            f"    os.execvp('sleep', ['sleep', '{MARKER}2'])\n"
            "flood = []\n"
            "try:\n"
            "    for _ in range(1000):\n"
            f"        flood.append(subprocess.Popen(['sleep', '{MARKER}3']))\n"
            "except OSError:\n"
            "    pass\n"
            "for process in flood:  # room again for the exercise cell's own threads\n"
            "    process.kill()\n"
            "    process.wait()"),
        "mallory-hog": attack("hoard = b'x' * (3 * 2**30)"),
        # more than a pipe holds, written past the kernel's own streams, then a wrong answer
        "mallory-flooder": attack("import os\nfor _ in range(64):\n    os.write(1, b'#' * 2**16)",
                                  most_ink="1"),
        # writes files until nothing is left: the sandbox's space, not the host's disk
        "mallory-filler": attack("n = 0\nwhile True:\n    open(f'/tmp/fill{n}', 'wb').write(b'x' * 2**20)\n"
                                 "    n += 1"),
        # busy loops in sessions of their own, to starve the classmate graded beside it
        "mallory-spinner": attack("import subprocess, sys\nfor _ in range(20):\n"
                                  "    subprocess.Popen([sys.executable, '-c', 'import time\\nend = time.time() + 8"
                                  "\\nwhile time.time() < end: pass'], start_new_session=True)", most_ink="1"),
        "mallory-deleter": nbformat.writes(deleted),
        "erin": "this is not a notebook {",
    }
    for student, text in handed_in.items():
        (submissions / student).mkdir()
        (submissions / student / "01_data.ipynb").write_text(text, encoding="utf-8")
    (submissions / "heidi").mkdir()
    (submissions / "heidi" / "notes.txt").write_text("forgot the notebook", encoding="utf-8")
    before = {"submissions": fingerprint(submissions), "package": fingerprint(package),
              "assets": fingerprint(ASSETS), "notebooks": fingerprint(NOTEBOOK_DIR)}
    out = tmp_path_factory.mktemp("grades")
    with pytest.MonkeyPatch.context() as patch:
        settings_for(patch, data_source="local", data_dir=str(require_full_mnist()))
        rows = grade_folder(submissions, out, limits=LIMITS, no_memory_limit=WATCHED_ONLY)
    after = {"submissions": fingerprint(submissions), "package": fingerprint(package),
             "assets": fingerprint(ASSETS), "notebooks": fingerprint(NOTEBOOK_DIR)}
    return {(row["student"], row["exercise"]): row for row in rows}, out, before, after


def test_honest_students_are_graded_normally(graded_class):
    rows, *_ = graded_class
    assert rows[("alice", "01.1.1")]["passed"] and rows[("alice", "01.1.2")]["passed"]
    assert rows[("alice", "01.1.1")]["message"] == "Correct: 0."
    assert rows[("carol", "01.1.1")]["passed"] and rows[("carol", "01.1.1")]["message"] == "Correct: 0."
    assert rows[("carol", "01.1.2")]["message"] == "No answer yet: replace None with your number."
    assert not rows[("bob", "01.1.1")]["passed"] and not rows[("bob", "01.1.2")]["passed"]
    # bob handed in the Chinese edition: Chinese feedback that does not say which digit is right
    assert rows[("bob", "01.1.1")]["message"].startswith("还不对：数字 1 的训练图像平均像素值是")
    assert rows[("bob", "01.1.2")]["message"].startswith("还不对：你的答案是 12。")
    assert "16.7" not in rows[("bob", "01.1.2")]["message"]


def test_no_cheat_earns_a_pass(graded_class):
    rows, *_ = graded_class
    cheats = {student for student, _ in rows if student.startswith("mallory")}
    assert len(cheats) == 9
    assert [key for key in rows if key[0] in cheats and rows[key]["passed"]] == []


def test_patched_checks_and_forged_records_are_not_believed(graded_class):
    rows, *_ = graded_class
    # patching Python's float broke its own answer cell: nothing to judge, nothing passed
    assert rows[("mallory-patcher", "01.1.2")]["message"].startswith("no answer was saved")
    assert "not in the course's format" in rows[("mallory-forger", "01.1.1")]["message"]


def test_the_sandbox_hides_the_solutions(graded_class):
    rows, *_ = graded_class
    # its answer is 0 (right) if it could read the solutions, 1 (wrong) if not
    assert rows[("mallory-reader", "01.1.1")]["message"].startswith("Not yet: the training images of 1")


def test_nobody_elses_files_change_and_nothing_keeps_running(graded_class):
    rows, _, before, after = graded_class
    assert after == before
    assert rows[("mallory-vandal", "01.1.2")]["message"] == "No answer yet: replace None with your number."
    assert leftovers() == []


def test_limits_stop_a_submission_and_name_the_limit(graded_class):
    rows, *_ = graded_class
    assert rows[("mallory-hog", "01.1.1")]["message"] == "stopped: memory limit 2 GiB"
    assert rows[("mallory-filler", "01.1.1")]["message"] == "stopped: disk limit 0.25 GiB, 100,000 files"


def test_a_flood_of_output_or_busy_loops_cost_only_their_own_marks(graded_class):
    rows, *_ = graded_class
    for student in ("mallory-flooder", "mallory-spinner"):  # graded normally: the answer is wrong
        assert rows[(student, "01.1.1")]["message"].startswith("Not yet: the training images of 1")


def test_damaged_submissions_get_rows_with_their_reason(graded_class):
    rows, *_ = graded_class
    assert rows[("mallory-deleter", "01.1.1")]["message"] == "exercise cells changed: expected 1, found 0"
    assert rows[("erin", "01.1.1")]["message"].startswith("not a readable notebook")
    assert rows[("heidi", "-")]["message"].startswith("not a course notebook")


def test_the_gradebook_and_summary_are_written(graded_class):
    rows, out, *_ = graded_class
    with open(out / "gradebook.csv", encoding="utf-8") as stream:
        book = list(csv.DictReader(stream))
    assert len(book) == len(rows) and set(book[0]) == {"student", "notebook", "exercise", "passed", "message"}
    with open(out / "summary.csv", encoding="utf-8") as stream:
        summary = {row["exercise"]: row for row in csv.DictReader(stream)}
    # 01.1.1: only alice and carol passed, of the 13 files named 01_data.ipynb
    assert summary["01.1.1"]["passed"] == "2" and summary["01.1.1"]["submitted"] == "13"
    assert summary["limits"]["share"].startswith("sandbox: bubblewrap; limits: memory 2 GiB")
    assert (out / "gradebook.csv").stat().st_mode & 0o077 == 0


def test_an_endless_loop_is_stopped_at_the_time_limit(tmp_path, monkeypatch):
    """In a class of its own, with a short limit, so the test run does not wait 60 s for it."""
    settings_for(monkeypatch, data_source="local", data_dir=str(require_full_mnist()))
    notebook = tmp_path / "class" / "mallory-looper" / "01_data.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text(attack("while True:\n    pass"), encoding="utf-8")
    limits = sandbox.Limits(memory_bytes=2 * sandbox.GIB, processes=256, seconds=15)
    rows = grade_folder(tmp_path / "class", tmp_path / "grades", limits=limits, no_memory_limit=WATCHED_ONLY)
    assert [(row["passed"], row["message"]) for row in rows] == [(False, "stopped: time limit 15 s")] * 2
    assert leftovers() == []


def test_a_submission_stopped_at_the_time_limit_beside_another_is_graded_again_alone(tmp_path, monkeypatch):
    import threading

    both_running = threading.Barrier(2, timeout=30)
    limits = sandbox.Limits(memory_bytes=2 * sandbox.GIB, processes=256, seconds=15)
    stopped = grader._stopped_text(sandbox.Outcome(None, "time", ""), limits, "en")

    graded = set()

    def grade(self, path, student, *, label=""):  # too slow while it shares the CPUs, in time alone
        if path not in graded:
            graded.add(path)
            both_running.wait()  # both are in the sandbox at once
            return [grader._row(student, path.stem, "01.1.1", False, stopped)]
        return [grader._row(student, path.stem, "01.1.1", True, "Correct: 0.")]

    monkeypatch.setattr(Grader, "grade", grade)
    for student in ("ana", "bo"):
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / "01_data.ipynb").write_text("{}", encoding="utf-8")
    rows = grade_folder(tmp_path / "class", tmp_path / "grades", limits=limits, jobs=2,
                        no_memory_limit=WATCHED_ONLY)
    assert [(row["student"], row["passed"], row["message"]) for row in rows] == [
        ("ana", True, "Correct: 0. (graded again alone)"), ("bo", True, "Correct: 0. (graded again alone)")]


# --- each student's own seed and exercises: a copied number fails, a computed one passes -----

SECRET = b"0123456789abcdef" * 4  # with it, alice and bob share exercise_noise 0.35: only the seed tells them apart


def short_edition(name: str, answers: dict[str, str]) -> str:
    """The student edition of ``name`` cut to the cells the exercises need, with ``answers`` filled in."""
    nb = student_notebook(NOTEBOOK_DIR / name, "en")
    nb.cells = [c for c in nb.cells if tags(c) & {"grading-context", "exercise"}]
    for cell in nb.cells:
        for blank, answer in answers.items():
            cell.source = cell.source.replace(f"{blank} = None", f"{blank} = {answer}")
    return nbformat.writes(nb)


def parameter_count(filters) -> int:
    """Counted by hand, as the exercise asks: 3·3·in·out weights and a bias per output channel."""
    a, b, c = filters
    pairs = [(1, a), (a, b), (b, c), (c, c), (c, b), (b, a), (a, 1)]
    return sum(9 * n_in * n_out + n_out for n_in, n_out in pairs)


def test_a_number_copied_from_the_course_or_a_classmate_fails_and_a_computed_one_passes(tmp_path, monkeypatch):
    settings_for(monkeypatch, data_source="local", data_dir=str(require_full_mnist()))
    first, second = "01_data.ipynb", "02_conv_autoencoder.ipynb"
    course_grader = Grader(secret=SECRET)
    alice = {name: course_grader.student_parameters("alice", name) for name in (first, second)}
    bob, ivan = course_grader.student_parameters("bob", first), course_grader.student_parameters("ivan", first)
    assert alice[first]["exercise_noise"] == bob["exercise_noise"] and alice[first]["seed"] != bob["seed"]
    assert 0 not in ivan["ink_digits"]  # the course's answer is not among ivan's digits
    # what alice's run computes, typed in by bob
    context = grading_context(NOTEBOOK_DIR / first, alice[first])
    x = context["dataset"].x_test
    alices_psnr = float(course_utils.psnr(x, course_utils.add_noise(x, 0.35, seed=alice[first]["seed"])).mean())
    full = grading_context(NOTEBOOK_DIR / first, {"epochs": 1})["dataset"].x_test  # the course's own run
    courses_psnr = float(course_utils.psnr(full, course_utils.add_noise(full, 0.2, seed=0)).mean())
    count, share = alice[second]["count_filters"], alice[second]["share_filters"]
    handed_in = {
        "alice": {first: {"most_ink": CORRECT_DIGIT, "noisy_psnr": CORRECT_PSNR},
                  second: {"predicted_parameters": str(parameter_count(count)), "code_share": f"{16 * share[2]} / 784"}},
        "bob": {first: {"most_ink": "0", "noisy_psnr": repr(alices_psnr)},
                second: {"predicted_parameters": str(parameter_count(count)), "code_share": f"{16 * share[2]} / 784"}},
        "ivan": {first: {"most_ink": "0", "noisy_psnr": repr(courses_psnr)},
                 second: {"predicted_parameters": "3369", "code_share": "256 / 784"}},
    }
    for student, notebooks in handed_in.items():
        for name, given in notebooks.items():
            (tmp_path / "class" / student).mkdir(parents=True, exist_ok=True)
            (tmp_path / "class" / student / name).write_text(short_edition(name, given), encoding="utf-8")
    rows = grade_folder(tmp_path / "class", tmp_path / "grades", limits=LIMITS, secret=SECRET,
                        no_memory_limit=WATCHED_ONLY)
    passed = {(row["student"], row["exercise"]): row["passed"] for row in rows}
    assert [passed[("alice", check)] for check in ("01.1.1", "01.1.2", "02.2.1", "02.2.2")] == [True] * 4
    # bob's most_ink 0 is right for his digits too; the numbers he copied are not his
    assert [passed[("bob", check)] for check in ("01.1.2", "02.2.1", "02.2.2")] == [False] * 3
    assert [passed[("ivan", check)] for check in ("01.1.1", "01.1.2", "02.2.1", "02.2.2")] == [False] * 4
    # without the secret's variants the course's own numbers would have passed: the test can tell
    assert course_grader.context(first, {"epochs": 1})["exercise_noise"] == 0.2
    assert abs(courses_psnr - alices_psnr) > 0.01 and parameter_count([16, 8, 4]) == 3369
    bobs = grading_context(NOTEBOOK_DIR / first, bob)["dataset"].x_test
    bobs_psnr = float(course_utils.psnr(bobs, course_utils.add_noise(bobs, 0.35, seed=bob["seed"])).mean())
    assert abs(bobs_psnr - alices_psnr) > 0.0005  # more than the check's tolerance: the seed tells them apart


def test_the_process_cap_leaves_room_for_the_users_threads_not_only_processes(monkeypatch):
    """RLIMIT_NPROC counts threads: a normal user's kernel with 100 threads must not leave bwrap without room
    (counting processes made its clone fail with EAGAIN, "Creating new namespace failed")."""
    uid = sandbox.NOBODY if os.geteuid() == 0 else os.getuid()

    class Running:
        def __init__(self, threads):
            self.info = {"uids": type("Uids", (), {"real": uid})(), "num_threads": threads}

    monkeypatch.setattr(psutil, "process_iter", lambda attrs=None: [Running(100), Running(1)])
    assert sandbox._process_cap(sandbox.Limits(2 * sandbox.GIB, 64, seconds=30)) == 101 + 64
