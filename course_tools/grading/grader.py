"""Grading a class's submitted notebooks (``make grade SUBMISSIONS=folder``).

Each student hands in course notebooks in a folder of their own
(``submissions/<student>/02_conv_autoencoder.ipynb``). A submission is untrusted:

1. Its notebook runs headless (``epochs=1``) in a bubblewrap sandbox
   (:mod:`course_tools.grading.sandbox`) that sees no solutions, no other submission and
   no checkout, with limits on memory, processes and time.
   Each student's run gets their own grading seed and exercise values
   (:mod:`course_tools.notebook.variants`), so a number copied from the course or a
   classmate fails where a computed one passes.
2. After each exercise cell, an inserted cell saves the student's answers (the
   first argument of each check call in the course's own exercise cell) as
   plain data (:mod:`course_tools.grading.answers`). Nothing else leaves the sandbox.
3. The verdicts come from this process, which never runs student code: it
   rebuilds what the checks need from the course notebook's cells tagged
   ``grading-context`` (imports, parameters, the dataset), then calls the
   course's own checks on the answers. Feedback is in the language of the
   edition the student handed in.

Writes ``gradebook.csv`` (student, notebook, exercise, passed, message) and
``summary.csv`` (per exercise: how many passed of how many submitted):
:mod:`course_tools.grading.gradebook`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import course_utils
from course_tools.grading import answers, cell_runner, combined, rounds, sandbox
from course_tools.grading.exercises import (
    Exercise,
    course_exercises,
    edition_language,
    instrument,
)
from course_tools.grading.feedback import written_in
from course_tools.grading.gradebook import (
    GRADING_FAILED,
    NO_FILES,
    NOT_A_COURSE_NOTEBOOK,
    NOT_READABLE,
    printable,
    write_gradebook,
)
from course_tools.notebook import variants
from course_tools.notebook.tags import (
    ENGLISH,
    EXERCISE,
    GRADING_CONTEXT,
    PARAMETERS,
    cell_tags,
)
from course_tools.run.runner import course_notebooks
from course_tools.settings import ASSETS, use_delivery_data_source
from course_utils.data import course_data_dir
from course_utils.language import N_, lang_choices, translated
from course_utils.settings import current as student_settings
from course_utils.startup import TF_CPP_LOG_LEVEL

# One epoch and one model per decoder (no exercise reads them); 1,000 test images drawn with the
# student's seed, so that a seeded measurement differs between students by more than its checks'
# tolerance (over all 10,000 it moves by under 0.01 dB).
GRADING_PARAMETERS = {"epochs": 1, "seeds": 1, "test_limit": 1000}
CONTEXTS_KEPT = 4  # grading contexts (each with its dataset) kept for reuse


def grade_folder(submissions: str | Path, out_dir: str | Path = "build/grades", *,
                 limits: sandbox.Limits = sandbox.Limits(), trusted: bool = False,
                 jobs: int = 2, parameters: dict | None = None, no_memory_limit: bool = False,
                 secret: bytes | None = None, same_exercises: bool = False,
                 shard: tuple[int, int] | None = None, fresh: bool = False, combine: bool = True,
                 grader: Grader | None = None) -> list[dict]:
    """Grade every student folder in ``submissions``, ``jobs`` students at a time.

    Writes ``gradebook.csv`` and ``summary.csv`` to ``out_dir`` (the instructor's only), again
    each time a submission is done, and returns the rows in the order of the students' folder
    names. A submission stopped at the time limit while others ran beside it is graded again
    alone, and its rows say so. Without ``trusted``, refuses (SandboxUnavailable) where no sandbox
    can be set up, and where memory can only be watched, not limited, unless ``no_memory_limit``.
    ``parameters`` (default :data:`GRADING_PARAMETERS`) are given to each submission and to the
    checks alike, with the student's own seed and exercise values from ``secret``
    (:mod:`course_tools.notebook.variants`; the course's own exercises for all with ``same_exercises``).
    A submission graded before with the same key keeps its rows unless ``fresh``; with ``shard``
    (K, N), only the K-th of N slices of the class is graded, into ``out_dir/parts/``
    (:mod:`course_tools.grading.rounds`). Each student's notebooks run together in one sandbox,
    only the cells grading needs (:mod:`course_tools.grading.combined`); with ``combine=False`` each
    notebook runs the full way in its own. ``grader`` replaces the one made from these options.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    submissions, out_dir = Path(submissions), Path(out_dir)
    if not submissions.is_dir():
        raise ValueError(f"{submissions} is not a folder; expected one folder per student.")
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.is_symlink())
    if not students:
        raise ValueError(f"{submissions} holds no student folders (submissions/<student>/*.ipynb).")
    students = rounds.shard_of(students, shard)
    if not trusted:
        sandbox.require_sandbox()
        if not sandbox.memory_is_limited() and not no_memory_limit:
            raise sandbox.SandboxUnavailable(
                "memory can only be watched here, not limited (no cgroup: grading as a normal user): a "
                "submission can take the machine's memory between two looks. Grade as root, or pass "
                "--no-memory-limit (make grade NO_MEMORY_LIMIT=1) to grade anyway; the summary says so.")
    use_delivery_data_source()
    how = ("trusted: no sandbox; " if trusted else "sandbox: bubblewrap; ") + sandbox.limits_in_force(limits)
    if not trusted and not sandbox.memory_is_limited():
        how += "; memory NOT limited, only watched (--no-memory-limit)"
    print(how, file=sys.stderr, flush=True)
    work = []
    for number, folder in enumerate(students, start=1):
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())
        label = f"[grade {number}/{len(students)}] {printable(folder.name)}"
        work += [(path, folder.name, label) for path in files] or [(None, folder.name, label)]
    grader = grader or Grader(limits, trusted, parameters, secret=secret, same_exercises=same_exercises,
                              combine=combine)
    secret_digest = hashlib.sha256(secret).hexdigest() if secret else "no secret"
    cache = rounds.GradedCache(out_dir, f"{rounds.checks_fingerprint()} {secret_digest} {same_exercises} "
                                        f"{trusted} {limits}", fresh=fresh)
    done: dict[int, list[dict]] = {}

    def finished(index: int, rows: list[dict], *, keep: bool = True) -> None:
        done[index] = rows
        path, student, _ = work[index]
        if keep and path is not None:
            cache.put(path, student, grader.parameters_for(path, student), rows)
        graded = [row for i in sorted(done) for row in done[i]]
        if shard:
            rounds.write_part(out_dir, shard, [folder.name for folder in students], graded, how)
        else:
            write_gradebook(graded, out_dir, how)

    pending = []
    for index, (path, student, label) in enumerate(work):
        kept = cache.get(path, student, grader.parameters_for(path, student)) if path is not None else None
        if kept is None:
            pending.append(index)
        else:
            print(f"{label} {printable(path.name)}: unchanged since it was graded; its rows are kept",
                  file=sys.stderr, flush=True)
            finished(index, kept, keep=False)
    if shard and not work:  # more shards than students: this one is empty, and finished
        rounds.write_part(out_dir, shard, [], [], how)
    by_student: dict[str, list[int]] = {}
    for index in pending:
        by_student.setdefault(work[index][1], []).append(index)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # each student's run in its own sandbox
        running = {pool.submit(grader.grade_student, [work[i] for i in indices]): indices
                   for indices in by_student.values()}
        try:
            for future in as_completed(running):
                for index, rows in zip(running[future], future.result()):
                    finished(index, rows)
        except KeyboardInterrupt:  # what is graded is kept: the next make grade resumes from there
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    if jobs > 1:
        for index in sorted(i for i in done if grader.timed_out(done[i]) and work[i][0] in grader.crowded):
            rows = grader.grade_item(work[index])  # alone: nothing else competes for the CPUs
            finished(index, [{**row, "message": f"{row['message']} ({_regraded_alone(row)})"} for row in rows])
    return [row for index in sorted(done) for row in done[index]]


def _regraded_alone(row: dict) -> str:
    """Said after a message, in the language the message is written in."""
    return translated(N_("graded again alone"), written_in(row["message"]) or ENGLISH)


class Grader:
    """Runs submissions in the sandbox and judges their answers with the course's own checks."""

    def __init__(self, limits: sandbox.Limits = sandbox.Limits(), trusted: bool = False,
                 parameters: dict | None = None, *, secret: bytes | None = None, same_exercises: bool = False,
                 combine: bool = True, profile: bool = False):
        import nbformat

        self.limits, self.trusted, self.combine = limits, trusted, combine
        self.parameters = parameters or GRADING_PARAMETERS
        self.secret, self.same_exercises = secret, same_exercises
        self.course = {p.name: p for p in course_notebooks()}
        self.course_nbs = {name: nbformat.read(path, as_version=4) for name, path in self.course.items()}
        self.exercises = {name: course_exercises(path) for name, path in self.course.items()}
        self.judging_seconds = 0.0
        self.profiles: list[dict] | None = [] if profile else None  # for benchmarks/grading_overhead.py
        self.contexts: dict[str, dict] = {}  # by notebook and parameters, the newest last
        self.judging = threading.Lock()  # the checks print to one sys.stdout, captured per check
        self.running: set[Path] = set()
        self.crowded: set[Path] = set()  # submissions graded while another one ran
        timed = sandbox.Outcome(None, "time", "")
        self.time_messages = {_stopped_text(timed, limits, lang) for lang in lang_choices()}

    def grade_item(self, item) -> list[dict]:
        """The rows of one (path, student, label) of the class; a failure of any kind is a row."""
        path, student, label = item
        if path is None:
            return [_row(student, "-", "-", False, translated(NO_FILES, ENGLISH))]
        try:
            with self.occupying(path):
                return self.grade(path, student, label=label)
        except Exception as error:  # one submission's failure is its own row, never the class's
            return [_row(student, path.name, "-", False, translated(GRADING_FAILED, ENGLISH, error=_named(error)))]

    @contextlib.contextmanager
    def occupying(self, *paths: Path | str):
        """While a sandbox runs ``paths``: a run that shared the CPUs with another is marked crowded."""
        with self.judging:
            self.running.update(paths)
            if len(self.running) > len(paths):
                self.crowded.update(self.running)
        try:
            yield
        finally:
            with self.judging:
                self.running.difference_update(paths)

    def student_parameters(self, student: str, notebook: str) -> dict:
        """What ``student``'s ``notebook`` runs and is checked with: the grading parameters, their
        own seed, and their exercise values (unless the class got the course's own exercises)."""
        if self.secret is None:
            return dict(self.parameters)
        own = {} if self.same_exercises else variants.student_variant(self.secret, student, self.course_nbs[notebook])
        return {**self.parameters, "seed": variants.grading_seed(self.secret, student), **own}

    def parameters_for(self, path: Path, student: str) -> dict:
        """The parameters a submitted file runs with (none for a file that is no course notebook)."""
        return self.student_parameters(student, path.name) if path.name in self.course else {}

    def timed_out(self, rows: list[dict]) -> bool:
        return any(row["message"] in self.time_messages for row in rows)

    def grade(self, path: Path, student: str, *, label: str = "[grade]") -> list[dict]:
        """Rows of (student, notebook, exercise, passed, message) for one submitted file, run the
        full way: every cell, in a sandbox of its own."""
        read = self.read_submission(path, student)
        if isinstance(read, list):
            return read
        nb, exercises, lang = read
        start = time.perf_counter()
        parameters = self.student_parameters(student, path.name)
        with tempfile.TemporaryDirectory(prefix="grade-") as scratch, \
                sandbox.private_space(Path(scratch) / "space", self.limits) as space:
            marked = combined.mark_cells(nb, self.course_nbs[path.name], path.name)
            outcome = self._run(instrument(marked, exercises), path.name, space, {**parameters, "lang": lang})
            home = space / "home"
            given = [answers.read_answers(home / "answers", e.cell, e.checks) for e in exercises]  # no lock held
            self._profile(student, [path.name], home, start, full=True)
            rows = self._rows(student, path, exercises, given, lang, parameters,
                              _stopped_text(outcome, self.limits, lang))
        print(f"{label} {printable(path.name)}: {_stopped_text(outcome, self.limits, ENGLISH) or 'done'} in "
              f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)  # stdout: the checks' feedback
        return rows

    def grade_student(self, items: list[tuple]) -> list[list[dict]]:
        """The rows of each of one student's (path, student, label) items.

        Their course notebooks run together, in one sandbox and kernel, keeping only the cells grading
        needs (:mod:`course_tools.grading.combined`); one that did not finish there, or raised an error,
        is graded again the full way (:meth:`grade`). Other files get their rows at once.
        """
        ready = {}
        for index, (path, student, _) in enumerate(items):
            read = self.read_submission(path, student) if self.combine and path is not None else None
            if isinstance(read, tuple):
                ready[index] = (path, *read)
        quick = {}
        if ready:
            try:
                quick = self._grade_combined(items[0][1], ready, items[0][2])
            except Exception as error:  # the full way, one notebook at a time, still grades everything
                print(f"{items[0][2]}: the combined run failed ({type(error).__name__}: {str(error)[:200]}); "
                      "each notebook is graded the full way", file=sys.stderr, flush=True)
        return [quick[index] if index in quick else self.grade_item(item) for index, item in enumerate(items)]

    def read_submission(self, path: Path, student: str):
        """(notebook, the course's exercises, the edition's language) of a submitted file, or the rows
        that say why it cannot be run."""
        import nbformat

        if path.name not in self.course:
            return [_row(student, path.name, "-", False,
                         translated(NOT_A_COURSE_NOTEBOOK, ENGLISH, names=", ".join(self.course)))]
        exercises = self.exercises[path.name]
        try:
            if path.stat().st_size > answers.MAX_FILE_BYTES:
                raise ValueError("larger than 64 MiB")
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            nbformat.validate(nb)
        except Exception as error:  # any unreadable file is a row, never a crash
            reason = translated(NOT_READABLE, ENGLISH, error=_named(error))
            return _ungraded(student, path.stem, exercises, reason)
        lang = edition_language(nb)
        found = sum(EXERCISE in cell_tags(c) for c in nb.cells)
        if found != len(exercises):
            return _ungraded(student, path.stem, exercises, translated(
                "exercise cells changed: expected {expected}, found {found}", lang, expected=len(exercises),
                found=found))
        return nb, exercises, lang

    def judge_answers(self, path: Path, student: str, folder: Path,
                      outcome: sandbox.Outcome | None = None) -> list[dict]:
        """The rows of one submitted file whose notebook ran elsewhere and left its answers in
        ``folder`` (a Kubernetes pod's untrusted container: :mod:`course_tools.grading.k8s_job`),
        read as data and judged here; ``outcome``, how that run ended, fills unanswered rows."""
        read = self.read_submission(path, student)
        if isinstance(read, list):
            return read
        _, exercises, lang = read
        given = [answers.read_answers(folder, e.cell, e.checks) for e in exercises]
        stopped = _stopped_text(outcome, self.limits, lang) if outcome is not None else None
        return self._rows(student, path, exercises, given, lang, self.student_parameters(student, path.name), stopped)

    def _grade_combined(self, student: str, ready: dict, label: str) -> dict[int, list[dict]]:
        """Rows of each notebook in ``ready`` ({index: (path, nb, exercises, lang)}) whose part of one
        combined run finished without an error; the others are left out, to be graded the full way."""
        start = time.perf_counter()
        inside = sandbox.HOME if not self.trusted else None
        with tempfile.TemporaryDirectory(prefix="grade-") as scratch, \
                sandbox.private_space(Path(scratch) / "space", self.limits) as space:
            home = space / "home"
            segments = []
            for path, nb, exercises, lang in ready.values():
                kept = combined.graded_cells(nb, self.course_nbs[path.name], path.name)
                parameters = {**self.student_parameters(student, path.name), "lang": lang}
                segments.append((path.name, instrument(kept, exercises), parameters,
                                 f"{inside or home}/answers/{path.stem}"))
            with self.occupying(f"combined run of {student}"):  # its notebooks are not marked crowded
                self._run_cells(combined.combined_notebook(segments), space)
            names = [path.name for path, *_ in ready.values()]
            report = combined.runner_report(home / "report.json", names)
            finished = {index for index, (path, *_) in ready.items() if not report[path.name]["raised"]
                        and combined.is_finished(home / "answers" / path.stem)}
            self._profile(student, names, home, start, report=report)
            rows = {}
            for index in sorted(finished):
                path, _, exercises, lang = ready[index]
                folder = home / "answers" / path.stem
                given = [answers.read_answers(folder, e.cell, e.checks) for e in exercises]
                rows[index] = self._rows(student, path, exercises, given, lang,
                                         self.student_parameters(student, path.name), None)
        again = [printable(ready[i][0].name) for i in ready if i not in finished]
        print(f"{label}: {len(ready)} notebooks in one run, {time.perf_counter() - start:.0f} s"
              + (f"; the full way: {', '.join(again)}" if again else ""), file=sys.stderr, flush=True)
        return rows

    def _rows(self, student: str, path: Path, exercises: list[Exercise], given: list, lang: str,
              parameters: dict, stopped: str | None) -> list[dict]:
        with self.judging:
            start = time.perf_counter()
            verdicts = [self._judge(path.name, exercise, answered, lang, parameters)
                        for exercise, answered in zip(exercises, given)]
            self.judging_seconds += time.perf_counter() - start
        rows = []
        for exercise, results in zip(exercises, verdicts):
            for name, result in zip(exercise.names(path.stem), results or [None] * exercise.checks):
                passed, message = result if result else (False, stopped or translated(
                    "the notebook never reached this exercise", lang))
                rows.append(_row(student, path.stem, name, passed, message))
        return rows

    def _profile(self, student: str, names: list[str], home: Path, start: float, *, report=None,
                 full: bool = False) -> None:
        """What the benchmark reads: wall seconds of one sandboxed run and its cells' seconds by kind."""
        if self.profiles is not None:
            report = report or combined.segment_report(home / "executed.ipynb", names)
            self.profiles.append({"student": student, "notebooks": names, "full": full,
                                  "wall": time.perf_counter() - start, "report": report})

    def _run(self, nb, name: str, space: Path, parameters: dict | None = None) -> sandbox.Outcome:
        """Run ``nb`` with papermill in the sandbox (``parameters`` set after its parameters cell)."""
        inside = self._prepare_home(nb, name, space)
        given = ["-y", json.dumps(parameters)] if parameters is not None else []
        return self._sandboxed([sys.executable, "-m", "papermill", f"{inside}/notebooks/{name}",
                                f"{inside}/executed.ipynb", *given, "-k", "python3", "--cwd", f"{inside}/notebooks",
                                "--no-progress-bar", "--log-level", "ERROR"], space)

    def _run_cells(self, nb, space: Path) -> sandbox.Outcome:
        """Run a combined notebook's cells in one IPython shell in the sandbox
        (:mod:`course_tools.grading.cell_runner`), reporting to ``home/report.json``."""
        inside = self._prepare_home(nb, "combined.ipynb", space)
        runner = Path(cell_runner.__file__).read_text(encoding="utf-8")
        return self._sandboxed([sys.executable, "-c", runner, f"{inside}/notebooks/combined.ipynb",
                                f"{inside}/report.json", combined.SEGMENT, combined.KIND], space,
                               cwd=f"{inside}/notebooks")

    def _prepare_home(self, nb, name: str, space: Path) -> Path:
        """Write ``nb`` into the sandbox's home; the home's path as the sandbox sees it."""
        import nbformat

        home = space / "home"
        (home / "notebooks").mkdir()
        (home / "answers").mkdir()
        nbformat.write(nb, home / "notebooks" / name)
        return sandbox.HOME if not self.trusted else home

    def _sandboxed(self, argv: list[str], space: Path, *, cwd: str | None = None) -> sandbox.Outcome:
        inside = sandbox.HOME if not self.trusted else space / "home"
        models = ASSETS / "models"
        data = student_settings().data_dir or course_data_dir("mnist")
        env = {"COURSE_ANSWERS": f"{inside}/answers", "COURSE_MODELS_DIR": str(models),
               "COURSE_DATA_SOURCE": student_settings().data_source, "COURSE_DATA_DIR": str(data),
               "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": TF_CPP_LOG_LEVEL, "PYTHONDONTWRITEBYTECODE": "1"}
        readable = [Path(sys.prefix), Path(sys.base_prefix), Path(course_utils.__file__).parent, ASSETS]  # diagrams too
        readable += [data] if data.is_dir() else []
        return sandbox.run_sandboxed(argv, space=space, readable=readable, env=env, limits=self.limits,
                                     trusted=self.trusted, cwd=cwd)

    def _judge(self, notebook: str, exercise: Exercise, given: list[answers.Answer] | None, lang: str,
               parameters: dict | None = None):
        """[(passed, message)] for each check of ``exercise``, or None when no answer came back."""
        if given is None:
            return None
        namespace = {**self.context(notebook, parameters), "lang": lang}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(exercise.setup, namespace)  # the course's own exercise cell, not the student's
        results = []
        for call, answer in zip(exercise.calls, given):
            if answer.problem:
                results.append((False, answer.problem_text(lang)))
                continue
            printed = io.StringIO()
            try:
                with contextlib.redirect_stdout(printed):
                    passed = bool(eval(call, {**namespace, "_answer": answer.value}))
            except Exception as error:  # a wrongly typed answer, such as a string for a number
                passed = False
                print(translated("the answer could not be checked ({error})", lang, error=type(error).__name__),
                      file=printed)
            results.append((passed, " ".join(printed.getvalue().split())))
        return results

    def context(self, notebook: str, parameters: dict | None = None) -> dict:
        """What the checks need, rebuilt from the course notebook's ``grading-context`` cells with
        these parameters; the last few are kept, since a class's students share most of them."""
        parameters = parameters or self.parameters
        key = f"{notebook} {json.dumps(parameters, sort_keys=True)}"
        if key not in self.contexts:
            self.contexts[key] = grading_context(self.course[notebook], parameters)
            for old in list(self.contexts)[:-CONTEXTS_KEPT]:
                del self.contexts[old]
        return self.contexts[key]


def grading_context(course_notebook: Path, parameters: dict | None = None) -> dict:
    """Run the course notebook's ``grading-context`` cells, with the grading parameters."""
    import nbformat

    namespace: dict = {}
    cells = [c for c in nbformat.read(course_notebook, as_version=4).cells
             if GRADING_CONTEXT in cell_tags(c)]
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in cells:
            source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
            exec(source, namespace)
            if PARAMETERS in cell_tags(cell):
                namespace.update(parameters or GRADING_PARAMETERS)
    return namespace



def _stopped_text(outcome: sandbox.Outcome, limits: sandbox.Limits, lang: str) -> str | None:
    """Why a run stopped, in ``lang``; None when it finished."""
    if outcome.stopped_by == "memory":
        return translated("stopped: memory limit {gib:g} GiB", lang, gib=limits.memory_bytes / sandbox.GIB)
    if outcome.stopped_by == "disk":
        return translated("stopped: disk limit {gib:g} GiB, {files:,} files", lang,
                          gib=limits.disk_bytes / sandbox.GIB, files=limits.files)
    if outcome.stopped_by == "time":
        return translated("stopped: time limit {seconds:.0f} s", lang, seconds=limits.seconds)
    if outcome.returncode != 0:
        last = outcome.output.strip().splitlines()[-1:] or ["?"]
        return translated("the notebook did not finish ({last_line})", lang, last_line=last[0][:200])
    return None


def _named(error: Exception) -> str:
    """An error's type and the start of its text, for a row's message."""
    return f"{type(error).__name__}: {str(error)[:200]}"


def _ungraded(student, notebook, exercises, reason) -> list[dict]:
    return [_row(student, notebook, name, False, reason) for e in exercises for name in e.names(notebook)]


def _row(student, notebook, exercise, passed, message) -> dict:
    return {"student": student, "notebook": notebook, "exercise": exercise,
            "passed": passed, "message": message}
