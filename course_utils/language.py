"""The reader's language: every text a student reads is an English message, translated by gettext.

A notebook's ``lang`` is a language code from the course's list (``locale/languages.json``:
"zh" and "en"), or "both" (Chinese, then English). Messages are written in English and
looked up in ``locale/<catalog>/LC_MESSAGES/course.mo`` (the standard library's ``gettext``);
a message without a translation reads in English. Values go in named placeholders, filled
after translation::

    say("Test PSNR: {psnr:.2f} dB", lang, psnr=score)

:func:`N_` marks a label that is translated later, where it is shown (figure labels, table
headers, a field of another message). ``make i18n`` finds every message in the modules and the
notebooks' code cells and updates the catalogs.

Every ``lang`` parameter in course_utils is checked by :func:`as_lang`: anything but a listed
code or "both" raises ValueError, so docstrings do not repeat it.
"""

from __future__ import annotations

import dataclasses
import functools
import gettext
import json
import string
import unicodedata
from pathlib import Path

from course_utils.settings import current

LOCALE = Path(__file__).parent / "locale"
DOMAIN = "course"
BOTH = "both"


@dataclasses.dataclass(frozen=True)
class Language:
    """One of the course's languages, as ``languages.json`` lists it."""

    code: str  # the value of a notebook's lang, and of tags lang-<code>
    name: str  # in its own script
    catalog: str  # the gettext locale: locale/<catalog>/LC_MESSAGES/course.mo
    html: str  # the HTML lang attribute
    script: str  # "Latin", "Han", ...: figures need a font for a script other than Latin
    folder: Path = LOCALE  # where its catalog lives


def _read_list(folder: Path) -> tuple[list[Language], list[str]]:
    try:
        listed = json.loads((folder / "languages.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise ValueError(f"No readable language list {folder / 'languages.json'} ({problem}). "
                         "Fix COURSE_LOCALE_DIR or unset it (docs/en/languages.md).") from None
    return [Language(**entry, folder=folder) for entry in listed["languages"]], listed.get("both", [])


@functools.lru_cache(maxsize=None)
def _languages(extra_folder: Path | None) -> tuple[dict[str, Language], tuple[str, ...]]:
    languages, both = _read_list(LOCALE)
    if extra_folder is not None:
        languages += _read_list(extra_folder)[0]
    return {language.code: language for language in languages}, tuple(both)


def languages() -> dict[str, Language]:
    """The course's languages by code: the shipped list, then those of the setting ``COURSE_LOCALE_DIR``.

    Returns
    -------
    dict of str to Language
        In the order listed, such as {"zh": ..., "en": ...}.
    """
    return _languages(current().locale_dir)[0]


def language_codes() -> tuple[str, ...]:
    """Every language an edition can be in.

    Returns
    -------
    tuple of str
        Such as ("zh", "en").
    """
    return tuple(languages())


def lang_choices() -> tuple[str, ...]:
    """Every value a notebook's ``lang`` may take: each language, and "both".

    Returns
    -------
    tuple of str
        Such as ("zh", "en", "both").
    """
    return language_codes() + (BOTH,)


def as_lang(lang: str) -> str:
    """Return ``lang`` if it is a course language or "both"; otherwise raise ValueError.

    Parameters
    ----------
    lang : str
        The language asked for.

    Returns
    -------
    str
        ``lang`` itself.

    Raises
    ------
    ValueError
        If ``lang`` is not in :func:`lang_choices`.

    Examples
    --------
    >>> as_lang("zh")
    'zh'
    """
    if lang not in lang_choices():
        raise ValueError(f"lang must be one of {lang_choices()}; got {lang!r}.")
    return lang


def languages_of(lang: str) -> tuple[str, ...]:
    """The languages ``lang`` shows, in order.

    Parameters
    ----------
    lang : str

    Returns
    -------
    tuple of str
        ("zh", "en") for "both", else (lang,).
    """
    return _languages(current().locale_dir)[1] if as_lang(lang) == BOTH else (lang,)


@functools.lru_cache(maxsize=None)
def _translations(code: str, extra_folder: Path | None) -> gettext.NullTranslations:
    language = _languages(extra_folder)[0][code]
    return gettext.translation(DOMAIN, language.folder, languages=[language.catalog], fallback=True)


class Message(str):
    """An English message, translated where it is shown; ``context`` tells apart two meanings."""

    context: str | None = None


def N_(message: str, context: str | None = None) -> Message:
    """Mark ``message`` for translation where it is shown (the gettext convention's "N_").

    Parameters
    ----------
    message : str
        The English text.
    context : str, optional
        Tells apart two meanings of the same English words.

    Returns
    -------
    Message
        ``message`` itself (a str), translated by the function that shows it.

    Examples
    --------
    >>> N_("original")
    'original'
    """
    marked = Message(message)
    marked.context = context
    return marked


def translate(message: str, code: str, *, plural: str | None = None, count: int | None = None) -> str:
    """``message`` in the language ``code`` (a single language, not "both").

    Parameters
    ----------
    message : str or Message
        The English message; a :class:`Message`'s context is used.
    code : str
        A language code, such as "zh".
    plural, count : str and int, optional
        The English plural, and the count that chooses the form.

    Returns
    -------
    str
        The translation, or ``message`` itself when the catalog has none.

    Examples
    --------
    >>> translate("True", "zh")
    '是'
    """
    translations = _translations(code, current().locale_dir)
    context = getattr(message, "context", None)
    if plural is None:
        return translations.pgettext(context, message) if context else translations.gettext(message)
    if context:
        return translations.npgettext(context, message, plural, count)
    return translations.ngettext(message, plural, count)


def translated(message: str, lang: str, /, *, joiner: str = " / ", **fields) -> str:
    """``message`` in ``lang`` with its placeholders filled; with "both" each language, joined.

    A field that is itself a :class:`Message` is translated too.

    Parameters
    ----------
    message : str
        The English message, with named placeholders such as ``{psnr:.2f}``.
    lang : str
    joiner : str
        Between the languages when ``lang`` is "both".
    **fields
        The placeholders' values.

    Returns
    -------
    str

    Examples
    --------
    >>> translated("{label}: {answer}", "both", label="PSNR > 20 dB", answer=yes_no(True))
    'PSNR > 20 dB：是 / PSNR > 20 dB: True'
    """
    return _joined(message, None, None, lang, joiner, fields)


def _joined(message, plural, count, lang, joiner, fields) -> str:
    texts = [_in_one_language(message, code, plural, count, fields) for code in languages_of(lang)]
    return joiner.join(dict.fromkeys(texts))  # a text every language writes alike ("PSNR (dB)") shows once


def _in_one_language(message, code, plural, count, fields) -> str:
    result = translate(message, code, plural=plural, count=count)
    if not fields:
        return result
    return result.format(**{name: translate(value, code) if isinstance(value, Message) else value
                                for name, value in fields.items()})


def translated_count(singular: str, plural: str, count: int, lang: str, /, *, joiner: str = " / ",
                     **fields) -> str:
    """``translated`` with a plural form chosen by ``count`` (gettext's ngettext); ``{count}`` is filled too.

    Parameters
    ----------
    singular, plural : str
        The English message for one and for several.
    count : int
    lang : str
    joiner : str
        Between the languages when ``lang`` is "both".
    **fields
        The other placeholders' values.

    Returns
    -------
    str

    Examples
    --------
    >>> translated_count("{count} image", "{count} images", 2, "en")
    '2 images'
    """
    return _joined(singular, plural, count, lang, joiner, {"count": count, **fields})


def say(message: str, lang: str, /, **fields) -> None:
    """Print ``message`` in ``lang``; with "both", Chinese first, each on its own line.

    Parameters
    ----------
    message : str
        The English message, with named placeholders.
    lang : str
    **fields
        The placeholders' values.

    Examples
    --------
    >>> say("{label}: {answer}", "both", label="PSNR > 20 dB", answer=yes_no(False))
    PSNR > 20 dB：否
    PSNR > 20 dB: False
    """
    print(translated(message, lang, joiner="\n", **fields), flush=True)


def say_count(singular: str, plural: str, count: int, lang: str, /, **fields) -> None:
    """Print ``message`` with a plural form chosen by ``count``; ``{count}`` is filled too.

    Parameters
    ----------
    singular, plural : str
    count : int
    lang : str
    **fields
        The other placeholders' values.
    """
    print(translated_count(singular, plural, count, lang, joiner="\n", **fields), flush=True)


def error_text(message: str, /, **fields) -> str:
    """An error message in both languages, Chinese first, for errors a student can trigger.

    An exception cannot know the notebook's ``lang``, so it speaks both.

    Parameters
    ----------
    message : str
        The English message, with named placeholders.
    **fields
        The placeholders' values.

    Returns
    -------
    str
        The Chinese line, a newline, the English line.
    """
    return translated(message, BOTH, joiner="\n", **fields)


def yes_no(value) -> Message:
    """A yes/no result as a message: "True" or "False" (是 or 否 in Chinese).

    Parameters
    ----------
    value : bool or numpy bool

    Returns
    -------
    Message

    Examples
    --------
    >>> translate(yes_no(1 + 1 == 2), "zh")
    '是'
    """
    return N_("True") if bool(value) else N_("False")


def say_check(label: str, value, lang: str) -> None:
    """Print the result of a yes/no check as "label: result" in ``lang``.

    Parameters
    ----------
    label : str
        What was checked, an English message without the result.
    value : bool or numpy bool
    lang : str

    Examples
    --------
    >>> say_check(N_("same noise in both epochs"), False, "en")
    same noise in both epochs: False
    """
    say("{label}: {answer}", lang, label=N_(label), answer=yes_no(value))


def list_text(items, code: str) -> str:
    """Items joined as a list reads in ``code``: "1, 2" in English, "1、2" in Chinese.

    Parameters
    ----------
    items : iterable
    code : str
        One language, not "both".

    Returns
    -------
    str
    """
    return translate(N_(", ", "list separator"), code).join(str(item) for item in items)


def placeholders(message: str) -> set[str]:
    """The named placeholders of ``message``.

    Parameters
    ----------
    message : str

    Returns
    -------
    set of str
        Such as {"psnr"} for "{psnr:.2f} dB".
    """
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(message) if name}


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or notebook output: CJK characters take two.

    Parameters
    ----------
    text : str

    Returns
    -------
    int

    Examples
    --------
    >>> display_width("PSNR"), display_width("原图")
    (4, 4)
    """
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def format_table(header, rows, *, formats=(), lang: str = BOTH) -> str:
    """Rows as aligned columns in ``lang``, measured in display columns (CJK counts two).

    The first column is left-aligned, the others right-aligned, each as wide as
    its widest entry.

    Parameters
    ----------
    header : sequence of str
        One label per column, translated (mark them with :func:`N_`).
    rows : sequence of sequences
        Labels (:func:`N_` messages are translated), numbers, yes/no values
        (是 / 否 in Chinese, True / False in English: :func:`yes_no`), or None (shown as "-").
    formats : sequence of str
        A format spec per column for numbers, such as ".2f" or ".1%"; "" by default.
    lang : str

    Returns
    -------
    str
        The lines of the table, joined by newlines.

    Examples
    --------
    >>> print(format_table(["", "PSNR"], [[N_("noisy input"), 9.4]], formats=["", ".1f"], lang="zh"))
              PSNR
    带噪输入   9.4
    """
    formats = list(formats) + [""] * (len(header) - len(formats))

    def cell(value, spec: str) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool) or getattr(value, "dtype", None) == bool:  # numpy's bool too
            return translated(yes_no(value), lang)
        if isinstance(value, Message):
            return translated(value, lang)
        if isinstance(value, str):
            return value
        return format(value, spec)

    table = [[translated(label, lang) if label else "" for label in header]]
    table += [[cell(value, spec) for value, spec in zip(row, formats)] for row in rows]
    widths = [max(display_width(line[column]) for line in table) for column in range(len(header))]
    return "\n".join(
        _pad(line[0], widths[0], "<") + "".join("  " + _pad(entry, width, ">")
                                                for entry, width in zip(line[1:], widths[1:]))
        for line in table)


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * max(0, width - display_width(text))
    return text + gap if align == "<" else gap + text
