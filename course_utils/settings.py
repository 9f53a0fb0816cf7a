"""Every setting the course's code reads from the environment, declared once.

Each setting is a field of :class:`Settings`: its name, type, default, environment variable and a
one-line meaning in English and Chinese. Code asks :func:`current` for the settings in force; only
this module reads ``os.environ``. A process that starts another one (the notebook runner, the
grader's sandbox) hands them on with :meth:`Settings.environment`.

Standard library only: ``make doctor`` reads it before ``.venv`` exists.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

SOURCES = ("auto", "local", "cache", "download", "embedded")


def setting(environment: str, default=None, *, kind: type = str, en: str, zh: str,
            shown: str | tuple[str, str] | None = None):
    """A settings field: read from ``environment`` (when set and not empty), else ``default``.

    ``shown`` is the default as the docs show it: a value, or words in (English, Chinese)."""
    return dataclasses.field(default=default, metadata={
        "environment": environment, "kind": kind, "en": en, "zh": zh,
        "shown": shown if shown is not None else ("" if default is None else str(default))})


def _convert(kind: type, text: str):
    if kind is bool:
        return text.strip().lower() in ("1", "true", "yes", "on")
    if kind is Path:
        return Path(text).expanduser()
    return kind(text)


class EnvironmentSettings:
    """What both packages' settings share: reading, exporting and documenting them."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None):
        """The settings ``environ`` (default: this process's environment) gives."""
        environ = os.environ if environ is None else environ
        values = {}
        for field in dataclasses.fields(cls):
            text = environ.get(field.metadata["environment"])
            if text:
                try:
                    values[field.name] = _convert(field.metadata["kind"], text)
                except ValueError:
                    raise ValueError(f"{field.metadata['environment']}={text!r} is not a "
                                     f"{field.metadata['kind'].__name__}; unset it or give one.") from None
        return cls(**values)

    def environment(self) -> dict[str, str]:
        """The environment variables that give a child process these settings (unset ones left out)."""
        exported = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is not None and value != "":
                exported[field.metadata["environment"]] = ("1" if value else "0") if isinstance(value, bool) else str(value)
        return exported

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    @classmethod
    def markdown_table(cls, lang: str) -> str:
        """The table of every setting, as the docs show it (``docs/<lang>/settings.md``)."""
        header = ("| 环境变量 | 设置 | 类型 | 默认值 | 含义 |" if lang == "zh"
                  else "| environment variable | setting | type | default | meaning |")
        rows = [header, "|---|---|---|---|---|"]
        for field in dataclasses.fields(cls):
            meta = field.metadata
            shown = meta["shown"]
            default = (shown[0 if lang == "en" else 1] if isinstance(shown, tuple)
                       else f"`{shown}`" if shown else "—")
            rows.append(f"| `{meta['environment']}` | `{field.name}` | {meta['kind'].__name__} | {default} | "
                        f"{meta[lang]} |")
        return "\n".join(rows) + "\n"


@dataclasses.dataclass(frozen=True)
class Settings(EnvironmentSettings):
    """What ``course_utils`` reads: where the data and the shipped models are."""

    data_source: str = setting(
        "COURSE_DATA_SOURCE", "auto",
        en="where `load_dataset` looks: " + ", ".join(SOURCES) + " (auto tries them in turn)",
        zh="`load_dataset` 从哪里读取数据：" + "、".join(SOURCES) + "（auto 会依次尝试其余几种）")
    data_dir: Path | None = setting(
        "COURSE_DATA_DIR", kind=Path,
        en="a folder with mnist.npz or the IDX files, searched first",
        zh="存放 mnist.npz 或 IDX 文件的文件夹，会最先在这里查找")
    data_mirror: str | None = setting(
        "COURSE_DATA_MIRROR",
        en="a mirror URL tried before the default host (files checked by SHA-256)",
        zh="镜像网址，先于默认主机尝试（下载的文件用 SHA-256 校验）")
    data_home: Path | None = setting(
        "COURSE_DATA_HOME", kind=Path, shown="~/.local/share/course-autoencoders",
        en="the course data folder: `make data` writes full MNIST into its mnist/",
        zh="课程的数据文件夹：`make data` 把完整 MNIST 写入其下的 mnist/")
    models_dir: Path | None = setting(
        "COURSE_MODELS_DIR", kind=Path, shown=("the shipped models", "随课程提供的模型"),
        en="the folder of the fully trained models and their manifest.json",
        zh="充分训练的模型及其 manifest.json 所在的文件夹")
    locale_dir: Path | None = setting(
        "COURSE_LOCALE_DIR", kind=Path,
        en="a folder with more languages: its languages.json and <catalog>/LC_MESSAGES/course.mo",
        zh="存放更多语言的文件夹：其中的 languages.json 和 <catalog>/LC_MESSAGES/course.mo")
    keras_home: Path | None = setting(
        "KERAS_HOME", kind=Path, shown="~/.keras",
        en="Keras's own folder; its datasets/ is the Keras cache the course reads",
        zh="Keras 自身的文件夹；课程读取的 Keras 缓存就在其中的 datasets/ 里")

    def data_home_folder(self) -> Path:
        return self.data_home or Path.home() / ".local/share/course-autoencoders"

    def keras_folder(self) -> Path:
        return self.keras_home or Path.home() / ".keras"


def current() -> Settings:
    """The settings in force now, from this process's environment."""
    return Settings.from_environment()
