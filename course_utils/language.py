"""Choosing the reader's language: "zh", "en" or "both" (中文 / English).

Every text a student reads comes as a (Chinese, English) pair; ``lang`` picks
one or shows both. Figures fall back to English without a Chinese font
(:func:`course_utils.plotting.localize`); printed text never needs one. A yes/no
result reads 是 or 否 in Chinese and True or False in English (:func:`yes_no`).

Every ``lang`` parameter in course_utils is checked by :func:`as_lang`: anything
but "zh", "en" or "both" raises ValueError, so docstrings do not repeat it.
"""

from __future__ import annotations

import unicodedata

LANGUAGES = ("zh", "en", "both")
Label = str | tuple[str, str]  # plain text, or (Chinese, English)


def as_lang(lang: str) -> str:
    """Return ``lang`` if it is "zh", "en" or "both"; otherwise raise ValueError.

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
        If ``lang`` is not "zh", "en" or "both".

    Examples
    --------
    >>> as_lang("zh")
    'zh'
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}; got {lang!r}.")
    return lang


def choose(label: Label, lang: str, *, joiner: str = " / ") -> str:
    """The text of ``label`` in ``lang``.

    Parameters
    ----------
    label : str or (str, str)
        Plain text (returned as it is) or a (Chinese, English) pair.
    lang : {"zh", "en", "both"}
    joiner : str
        Between the two languages when ``lang`` is "both".

    Returns
    -------
    str

    Examples
    --------
    >>> choose(("原图", "original"), "both")
    '原图 / original'
    """
    as_lang(lang)
    if isinstance(label, str):
        return label
    chinese, english = label
    return {"zh": chinese, "en": english, "both": f"{chinese}{joiner}{english}"}[lang]


def say(message: Label, lang: str) -> None:
    """Print ``message`` in ``lang``; with "both", Chinese first, each on its own line.

    Parameters
    ----------
    message : str or (str, str)
        Plain text, or a (Chinese, English) pair.
    lang : {"zh", "en", "both"}

    Examples
    --------
    >>> say(("你好", "hello"), "en")
    hello
    """
    print(choose(message, lang, joiner="\n"), flush=True)


def yes_no(value) -> tuple[str, str]:
    """A yes/no result as a (Chinese, English) pair: (是, True) or (否, False).

    English keeps the ``True`` / ``False`` the code computed; a Chinese reader
    reads 是 or 否 instead of an English word.

    Parameters
    ----------
    value : bool or numpy bool
        The result of a check, such as ``np.array_equal(a, b)``.

    Returns
    -------
    (str, str)

    Examples
    --------
    >>> yes_no(1 + 1 == 2)
    ('是', 'True')
    """
    return ("是", "True") if bool(value) else ("否", "False")


def say_check(label: tuple[str, str], value, lang: str) -> None:
    """Print the result of a yes/no check as "label: result" in ``lang``.

    Parameters
    ----------
    label : (str, str)
        What was checked, in Chinese and in English, without the result.
    value : bool or numpy bool
        The result: 是 or 否 in Chinese, True or False in English (:func:`yes_no`).
    lang : {"zh", "en", "both"}

    Examples
    --------
    >>> say_check(("两轮里的噪声相同", "same noise in both epochs"), False, "both")
    两轮里的噪声相同：否
    same noise in both epochs: False
    """
    (label_zh, label_en), (answer_zh, answer_en) = label, yes_no(value)
    say((f"{label_zh}：{answer_zh}", f"{label_en}: {answer_en}"), lang)


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


def format_table(header, rows, *, formats=(), lang: str = "both") -> str:
    """Rows as aligned columns in ``lang``, measured in display columns (CJK counts two).

    The first column is left-aligned, the others right-aligned, each as wide as
    its widest entry.

    Parameters
    ----------
    header : sequence of str or (str, str)
        One label per column.
    rows : sequence of sequences
        Labels (str or (Chinese, English) pairs), numbers, yes/no values
        (是 / 否 in Chinese, True / False in English: :func:`yes_no`), or None (shown as "-").
    formats : sequence of str
        A format spec per column for numbers, such as ".2f" or ".1%"; "" by default.
    lang : {"zh", "en", "both"}

    Returns
    -------
    str
        The lines of the table, joined by newlines.

    Examples
    --------
    >>> print(format_table(["", ("分数", "score")], [[("原图", "original"), 0.5]], formats=["", ".2f"], lang="zh"))
          分数
    原图  0.50
    """
    formats = list(formats) + [""] * (len(header) - len(formats))

    def text(value, spec: str) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool) or getattr(value, "dtype", None) == bool:  # numpy's bool too
            return choose(yes_no(value), lang)
        if isinstance(value, (str, tuple)):
            return choose(value, lang)
        return format(value, spec)

    table = [[choose(label, lang) for label in header]]
    table += [[text(value, spec) for value, spec in zip(row, formats)] for row in rows]
    widths = [max(display_width(line[column]) for line in table) for column in range(len(header))]
    return "\n".join(
        _pad(line[0], widths[0], "<") + "".join("  " + _pad(cell, width, ">")
                                                for cell, width in zip(line[1:], widths[1:]))
        for line in table)


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * max(0, width - display_width(text))
    return text + gap if align == "<" else gap + text


def bilingual(chinese: str, english: str) -> str:
    """An error message in both languages, Chinese first, for errors a student can trigger.

    An exception cannot know the notebook's ``lang``, so it speaks both.

    Parameters
    ----------
    chinese, english : str

    Returns
    -------
    str

    Examples
    --------
    >>> print(bilingual("轮数必须是正整数。", "epochs must be a whole number."))
    轮数必须是正整数。
    epochs must be a whole number.
    """
    return f"{chinese}\n{english}"
