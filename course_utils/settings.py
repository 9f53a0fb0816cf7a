"""Every setting the course's code reads from the environment, declared once.

Each setting is a field of :class:`Settings`: its name, type, default, environment variable and a
one-line meaning, an English message translated where the docs show it. Code asks :func:`current`
for the settings in force; only this module reads ``os.environ``. A process that starts another
one (the notebook runner, the grader's sandbox) hands them on with :meth:`Settings.environment`.

Standard library only: ``make doctor`` reads it before ``.venv`` exists.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

SOURCES = ("auto", "local", "cache", "download", "embedded")


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is shown (course_utils.language imports this module)."""
    return message


TABLE_HEADER = N_("| environment variable | setting | type | default | meaning |")


def setting(environment: str, default=None, *, kind: type = str, meaning: str, shown: str | None = None,
            default_words: str | None = None, **fields):
    """A settings field: read from ``environment`` (when set and not empty), else ``default``.

    ``meaning`` is one line for the docs (marked with ``N_``), its placeholders filled by ``fields``
    (a tuple is a list, written as the language writes lists). The docs show the default as a
    value (``shown``, else ``default``) or, given ``default_words``, as words."""
    return dataclasses.field(default=default, metadata={
        "environment": environment, "kind": kind, "meaning": meaning, "fields": fields,
        "default_words": default_words,
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
        """The table of every setting in the language ``lang``, as ``docs/<lang>/settings.md`` shows it."""
        from course_utils.language import list_text, translate  # it imports this module

        rows = [translate(TABLE_HEADER, lang), "|---|---|---|---|---|"]
        for field in dataclasses.fields(cls):
            meta = field.metadata
            default = (translate(meta["default_words"], lang) if meta["default_words"]
                       else f"`{meta['shown']}`" if meta["shown"] else "—")
            meaning = translate(meta["meaning"], lang).format(**{
                name: list_text(value, lang) if isinstance(value, tuple) else value
                for name, value in meta["fields"].items()})
            rows.append(f"| `{meta['environment']}` | `{field.name}` | {meta['kind'].__name__} | {default} | "
                        f"{meaning} |")
        return "\n".join(rows) + "\n"


@dataclasses.dataclass(frozen=True)
class Settings(EnvironmentSettings):
    """What ``course_utils`` reads: where the data and the shipped models are."""

    data_source: str = setting(
        "COURSE_DATA_SOURCE", "auto", sources=SOURCES,
        meaning=N_("where `load_dataset` looks: {sources} (auto tries them in turn)"))
    data_dir: Path | None = setting(
        "COURSE_DATA_DIR", kind=Path, meaning=N_("a folder with mnist.npz or the IDX files, searched first"))
    data_mirror: str | None = setting(
        "COURSE_DATA_MIRROR", meaning=N_("a mirror URL tried before the default host (files checked by SHA-256)"))
    data_home: Path | None = setting(
        "COURSE_DATA_HOME", kind=Path, shown="~/.local/share/course-autoencoders",
        meaning=N_("the course data folder: `make data` writes full MNIST into its mnist/"))
    models_dir: Path | None = setting(
        "COURSE_MODELS_DIR", kind=Path, default_words=N_("the shipped models"),
        meaning=N_("the folder of the fully trained models and their manifest.json"))
    locale_dir: Path | None = setting(
        "COURSE_LOCALE_DIR", kind=Path,
        meaning=N_("a folder with more languages: its languages.json and <catalog>/LC_MESSAGES/course.mo"))
    keras_home: Path | None = setting(
        "KERAS_HOME", kind=Path, shown="~/.keras",
        meaning=N_("Keras's own folder; its datasets/ is the Keras cache the course reads"))

    def data_home_folder(self) -> Path:
        return self.data_home or Path.home() / ".local/share/course-autoencoders"

    def keras_folder(self) -> Path:
        return self.keras_home or Path.home() / ".keras"


def current() -> Settings:
    """The settings in force now, from this process's environment."""
    return Settings.from_environment()
