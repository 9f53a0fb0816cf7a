"""The translation catalogs: every message the course prints, plots or writes, found and kept in step.

``make i18n`` extracts the messages with Babel (the modules of both packages, and the notebooks'
code cells through :func:`extract_notebook`), updates ``course_utils/locale/<catalog>/LC_MESSAGES/
course.po`` of every language but English, and compiles the ``.mo`` files the wheel ships.
:func:`problems` is what the catalog test asks: a message missing, untranslated, fuzzy, or with
other placeholders than its English.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from course_tools.settings import ROOT
from course_utils.language import DOMAIN, LOCALE, languages, placeholders

# The functions whose arguments are messages (Babel's keyword spec: argument numbers, c = context).
KEYWORDS = {
    "say": (1,), "translated": (1,), "error_text": (1,), "say_check": (1,), "localize": (1,),
    "say_count": (1, 2), "translated_count": (1, 2), "N_": {1: (1,), 2: (1, (2, "c"))},
    "describe_figure": (2,),  # a figure's text alternative (course_utils.plotting)
    "Text": (1,), "CountedText": (1, 2),  # make doctor's findings (course_tools.provision.findings)
}
SOURCES = ("course_utils", "course_tools", "notebooks")
MAGIC = re.compile(r"^\s*[%!]")


def extract_notebook(fileobj, keywords, comment_tags, options):
    """Babel extractor for a notebook: the messages in its code cells (IPython magics skipped).

    Line numbers count the code cells' lines in order, so a message's reference is stable
    while other cells' markdown changes."""
    notebook = json.load(fileobj)
    offset = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = ["" if MAGIC.match(line) else line for line in source.splitlines()]
        code = io.BytesIO("\n".join(lines).encode("utf-8"))
        for lineno, funcname, message, comments in extract_python(code, keywords, comment_tags, options):
            yield lineno + offset, funcname, message, comments
        offset += len(lines)


def extract(root: Path = ROOT) -> Catalog:
    """Every message of the course, with where it is used: the template the catalogs follow."""
    template = Catalog(project="course-autoencoders", domain=DOMAIN, fuzzy=False)
    for source in SOURCES:
        method_map = [("**.ipynb", "course_tools.notebook.catalogs:extract_notebook"), ("**.py", "python")]
        for filename, lineno, message, comments, context in extract_from_dir(
                root / source, method_map, keywords=KEYWORDS, strip_comment_tags=True):
            if message in ("", ()):
                continue
            location = (f"{source}/{filename}", lineno)
            template.add(message, None, [location], auto_comments=comments, context=context,
                         flags=_flags(message))
    return template


def _flags(message) -> set[str]:
    singular = message[0] if isinstance(message, tuple) else message
    return {"python-brace-format"} if placeholders(singular) else set()


def catalog_path(language) -> Path:
    return language.folder / language.catalog / "LC_MESSAGES" / f"{DOMAIN}.po"


def translated_languages():
    """The shipped languages that need a catalog: all but English, the messages' own language."""
    return [language for language in languages().values() if language.catalog != "en" and language.folder == LOCALE]


def read_catalog(path: Path) -> Catalog:
    with open(path, "rb") as file:
        return read_po(file, abort_invalid=True)


def update(root: Path = ROOT) -> list[Path]:
    """Bring every shipped catalog in step with the messages: new ones added empty, gone ones dropped."""
    template = extract(root)
    written = []
    for language in translated_languages():
        path = catalog_path(language)
        with _locked(path):
            catalog = read_catalog(path) if path.exists() else _new_catalog(language)
            created = catalog.creation_date
            catalog.update(template, no_fuzzy_matching=True)
            catalog.creation_date = created  # no churn in the header when nothing changed
            catalog.obsolete.clear()
            _write_po(path, catalog)
            _compile(read_catalog(path), path.with_suffix(".mo"))
        written.append(path)
    return written


def compile_catalogs() -> list[Path]:
    """Write each shipped catalog's .mo from its .po."""
    written = []
    for language in translated_languages():
        path = catalog_path(language)
        with _locked(path):
            _compile(read_catalog(path), path.with_suffix(".mo"))
        written.append(path.with_suffix(".mo"))
    return written


def compile_folder(po: Path, mo: Path) -> None:
    """Compile one .po into a .mo (a tests-only or a teacher's extra language)."""
    _compile(read_catalog(po), mo)


def add(message: str, translation: str, *, language: str = "zh", context: str | None = None,
        plural: str | None = None, plural_translations: tuple[str, ...] = ()) -> None:
    """Add or change one translation in a shipped catalog (locked: several editors at once are safe)."""
    entry_language = languages()[language]
    path = catalog_path(entry_language)
    with _locked(path):
        catalog = read_catalog(path) if path.exists() else _new_catalog(entry_language)
        key = (message, plural) if plural else message
        value = (tuple(plural_translations) or (translation,)) if plural else translation
        entry = catalog.get(message, context)
        if entry is None:
            catalog.add(key, value, context=context, flags=_flags(key))
        else:
            entry.string = value
            entry.flags.discard("fuzzy")
        _write_po(path, catalog)


def _new_catalog(language) -> Catalog:
    return Catalog(locale=language.catalog, domain=DOMAIN, project="course-autoencoders", fuzzy=False)


def _write_po(path: Path, catalog: Catalog) -> None:
    _write_atomically(path, lambda file: write_po(file, catalog, width=100, include_previous=False))


def problems(root: Path = ROOT) -> list[str]:
    """What is wrong with the shipped catalogs: each problem names the message and the fix."""
    template = extract(root)
    found = []
    for language in translated_languages():
        path = catalog_path(language)
        if not path.exists():
            found.append(f"{path}: missing; run make i18n and translate it.")
            continue
        catalog = read_catalog(path)
        found += [f"{path}: {problem}" for problem in _catalog_problems(template, catalog)]
        found += _compiled_problems(catalog, path.with_suffix(".mo"))
    return found


def _catalog_problems(template: Catalog, catalog: Catalog) -> list[str]:
    found = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, message.context)
        where = f"{message.id!r} ({message.locations[0][0]}:{message.locations[0][1]})"
        if entry is None:
            found.append(f"{where} is not in the catalog; run make i18n and translate it.")
        elif entry.fuzzy:
            found.append(f"{where} is marked fuzzy; check the translation and remove the flag.")
        elif not all(entry.string) if isinstance(entry.string, tuple) else not entry.string:
            found.append(f"{where} has no translation; translate it.")
        else:
            found += [f"{where}: {problem}" for problem in _placeholder_problems(message.id, entry.string)]
    return found


def _placeholder_problems(message, translation) -> list[str]:
    wanted = set().union(*(placeholders(part) for part in (message if isinstance(message, tuple) else (message,))))
    found = []
    for part in translation if isinstance(translation, tuple) else (translation,):
        if placeholders(part) != wanted:
            found.append(f"the translation {part!r} has the placeholders {sorted(placeholders(part))}, "
                         f"not {sorted(wanted)}; use the English ones.")
    return found


def _compiled_problems(catalog: Catalog, mo: Path) -> list[str]:
    if not mo.exists() or mo.read_bytes() != _mo_bytes(catalog):
        return [f"{mo}: does not match its .po; run make i18n."]
    return []


def _mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _compile(catalog: Catalog, mo: Path) -> None:
    _write_atomically(mo, lambda file: file.write(_mo_bytes(catalog)))


def _write_atomically(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as file:
        write(file)
    os.replace(partial, path)


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
