"""Choosing the reader's language: "zh", "en" or "both" (中文 / English).

Every text a student reads comes as a (Chinese, English) pair; ``lang`` picks
one or shows both. Figures fall back to English without a Chinese font
(:func:`course_utils.plotting.localize`); printed text never needs one.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en", "both")
Label = str | tuple[str, str]  # plain text, or (Chinese, English)


def check_lang(lang: str) -> str:
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
    >>> check_lang("zh")
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

    Raises
    ------
    ValueError
        If ``lang`` is not "zh", "en" or "both".

    Examples
    --------
    >>> choose(("原图", "original"), "both")
    '原图 / original'
    """
    check_lang(lang)
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

    Raises
    ------
    ValueError
        If ``lang`` is not "zh", "en" or "both".

    Examples
    --------
    >>> say(("你好", "hello"), "en")
    hello
    """
    print(choose(message, lang, joiner="\n"), flush=True)
