"""The two answer checks every exercise builds on: a number, and a choice.

Each notebook's own checks (in the module named after the notebook) work out the
correct answer themselves and hand it to one of these, which prints the feedback.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

from course_utils.language import N_, Message, languages_of, list_text, say


def check_value(answer, expected: float, *, tolerance: float = 0.0, lang: str = "both",
                hint: str | None = None) -> bool:
    """Compare a numeric answer with the value the course computes itself.

    Parameters
    ----------
    answer : number or None
        The student's answer; None means "not answered yet".
    expected : float
        The correct value.
    tolerance : float
        The largest accepted difference from ``expected``; 0 asks for an exact match.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.
    hint : str, optional
        A hint added to the feedback on a wrong answer: an English message marked with
        :func:`course_utils.language.N_`, translated where it is shown.

    Returns
    -------
    bool
        True for a correct answer. Feedback is printed either way.

    Examples
    --------
    >>> check_value(0.5, 0.5, lang="en")
    Correct: 0.5.
    True
    """
    if answer is None:
        say("No answer yet: replace None with your number.", lang)
        return False
    if abs(float(answer) - float(expected)) <= tolerance:
        say("Correct: {expected:.4g}.", lang, expected=expected)
        return True
    if hint:
        hint = hint if isinstance(hint, Message) else N_(hint)
        say("Not yet: your answer is {answer:.4g}. {hint}", lang, answer=float(answer), hint=hint)
    else:
        say("Not yet: your answer is {answer:.4g}.", lang, answer=float(answer))
    return False


def check_choice(answer, correct: set, *, lang: str = "both") -> bool:
    """Compare a chosen set (or single choice) with the correct one.

    Parameters
    ----------
    answer : set, list, tuple, single value or None
        The student's choice(s); None means "not answered yet".
    correct : set
        The right choices; all of them, and nothing else, must be chosen.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True for a correct answer; otherwise the feedback says how many
        choices are missing and how many are extra.

    Examples
    --------
    >>> check_choice({3, 4}, {4}, lang="en")
    Not yet: 0 missing, 1 that should not be there.
    False
    >>> check_choice(4, {4}, lang="en")
    Correct: 4.
    True
    """
    chosen = set(answer) if isinstance(answer, (set, list, tuple)) else {answer}
    if not chosen or chosen == {None}:
        say("No answer yet: fill in your choice.", lang)
        return False
    if chosen == set(correct):
        shown = sorted(chosen, key=str)
        for code in languages_of(lang):  # each language writes a list its own way
            say("Correct: {choices}.", code, choices=list_text(shown, code))
        return True
    missing, extra = set(correct) - chosen, chosen - set(correct)
    say("Not yet: {missing} missing, {extra} that should not be there.", lang, missing=len(missing), extra=len(extra))
    return False
