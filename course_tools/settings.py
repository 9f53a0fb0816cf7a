"""The delivery tools' settings and the repository layout they rely on, declared once.

Each setting is a field of :class:`Settings` (name, type, default, environment variable, meaning
in English and Chinese); code asks :func:`current`, and only this module and
:mod:`course_utils.settings` read ``os.environ``. ``docs/<lang>/settings.md`` is generated from
both (:func:`settings_page`). Standard library only: ``make doctor`` reads it before ``.venv`` exists.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

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
        "COURSE_LANG", shown=("from the locale", "取自系统的区域设置"),
        en="the language of make doctor and of a Kubernetes student's edition: zh or en",
        zh="`make doctor` 以及 Kubernetes 上学生版所用的语言：zh 或 en")
    work_dir: Path | None = setting(
        "COURSE_WORK_DIR", kind=Path, shown="~/course-autoencoders-work",
        en="where `make lab` keeps the student's own copy of each edition",
        zh="`make lab` 存放学生个人副本的位置（每个版本一份）")
    grading_secret: Path | None = setting(
        "COURSE_GRADING_SECRET", kind=Path, shown="~/.config/course-autoencoders/grading-secret",
        en="the file holding the secret that picks each student's grading seed and exercise values",
        zh="存放批改密钥的文件；每个学生的批改随机种子和练习参数都由这个密钥选定")
    config_home: Path | None = setting(
        "XDG_CONFIG_HOME", kind=Path, shown="~/.config",
        en="the user's configuration folder (the default grading secret is inside it)",
        zh="用户的配置文件夹（默认的批改密钥就放在里面）")
    mnist_wheel: Path | None = setting(
        "COURSE_MNIST_WHEEL", kind=Path,
        en="a local copy of the hash-pinned MNIST wheel, for `make data` offline",
        zh="哈希值已固定的 MNIST wheel 的本地副本，用于离线运行 `make data`")
    answers_dir: Path | None = setting(
        "COURSE_ANSWERS", kind=Path,
        en="(set by the grader) where a sandboxed run saves its answers",
        zh="（由批改程序设置）在沙箱里运行的笔记本保存答案的位置")
    hub_dir: Path | None = setting(
        "COURSE_HUB_DIR", kind=Path, shown="build/hub",
        en="the hub's own folder: accounts, editions, data, database (0700)",
        zh="hub 专用的文件夹，存放账户、学生版、数据和数据库（权限 0700）")
    hub_ip: str = setting(
        "COURSE_HUB_IP", "127.0.0.1",
        en="the address the hub listens on; any other than loopback serves HTTPS only",
        zh="hub 监听的地址；只要不是本机回环地址，就只提供 HTTPS")
    hub_port: int = setting("COURSE_HUB_PORT", 8000, kind=int, en="the hub's public port", zh="hub 对外开放的端口")
    hub_api_port: int = setting("COURSE_HUB_API_PORT", 8081, kind=int, en="the hub's internal API port",
                                zh="hub 内部 API 的端口")
    hub_proxy_port: int = setting("COURSE_HUB_PROXY_PORT", 8001, kind=int, en="the proxy's API port",
                                  zh="代理的 API 端口")
    hub_memory: str = setting(
        "COURSE_HUB_MEMORY", "2.5G",
        en="memory per student (one active student needs 1.25 GB, measured)",
        zh="每个学生的内存上限（实测每个活跃学生需要 1.25 GB）")
    hub_cpus: float = setting("COURSE_HUB_CPUS", 2.0, kind=float, en="CPUs' time per student at most",
                              zh="每个学生最多能占用的 CPU 时间（以 CPU 个数计）")
    hub_ssl_cert: Path | None = setting(
        "COURSE_HUB_SSL_CERT", kind=Path, shown=("one made once", "首次运行时自动生成"),
        en="the hub's TLS certificate off loopback", zh="hub 不在本机回环地址上监听时使用的 TLS 证书")
    hub_ssl_key: Path | None = setting(
        "COURSE_HUB_SSL_KEY", kind=Path, shown=("one made once", "首次运行时自动生成"),
        en="its private key", zh="该证书的私钥")
    hub_shared_account: bool = setting(
        "COURSE_HUB_SHARED_ACCOUNT", False, kind=bool,
        en="every student's server under the hub's own account: isolates nothing, for a trial only",
        zh="所有学生的服务器都以 hub 自己的账户运行：完全没有隔离，仅供试用")
    hub_idle_seconds: int = setting(
        "COURSE_HUB_IDLE_SECONDS", 3600, kind=int,
        en="idle culling: a student's server idle this long is stopped",
        zh="空闲回收：学生的服务器空闲达到这么多秒就会被停止")
    hub_admin_token: str | None = setting(
        "COURSE_HUB_ADMIN_TOKEN",
        en="a token for scripts and the tests to start servers and run kernels",
        zh="脚本和测试用来启动服务器、运行内核的令牌")

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


SETTINGS_TITLE = {"en": "# Settings", "zh": "# 设置"}
SETTINGS_INTRO = {
    "en": "Every setting the course reads from the environment, generated from `course_utils/settings.py` "
          "(what students' code reads) and `course_tools/settings.py` (the delivery tools): "
          "`python -m course_tools settings-page` writes this page.",
    "zh": "课程从环境变量读取的全部设置，由 `course_utils/settings.py`（学生代码读取的设置）和 "
          "`course_tools/settings.py`（交付工具的设置）生成：`python -m course_tools settings-page` 写出本页。",
}
SECTION = {"en": ("## What students' code reads", "## The delivery tools"),
           "zh": ("## 学生代码读取的设置", "## 交付工具的设置")}


def settings_page(lang: str) -> str:
    """``docs/<lang>/settings.md``: both packages' settings tables."""
    other = "zh" if lang == "en" else "en"
    link = f"[{'中文' if other == 'zh' else 'English'}](../{other}/settings.md)"
    students, tools = SECTION[lang]
    return "\n\n".join([SETTINGS_TITLE[lang], link, SETTINGS_INTRO[lang], students,
                        StudentSettings.markdown_table(lang).rstrip("\n"), tools,
                        Settings.markdown_table(lang)])
