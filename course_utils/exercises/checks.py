"""The two answer checks every exercise builds on: a number, and a choice.

Each notebook's own checks (in the module named after the notebook) work out the
correct answer themselves and hand it to one of these, which prints the feedback.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

from course_utils.language import say


def check_value(answer, expected: float, *, tolerance: float = 0.0, lang: str = "both",
                hint: tuple[str, str] | None = None) -> bool:
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
    hint : (str, str), optional
        A (Chinese, English) hint added to the feedback on a wrong answer.

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
        say(("还没有答案：把 None 换成你算出的数。", "No answer yet: replace None with your number."), lang)
        return False
    if abs(float(answer) - float(expected)) <= tolerance:
        say((f"正确：{expected:.4g}。", f"Correct: {expected:.4g}."), lang)
        return True
    message = (f"还不对：你的答案是 {float(answer):.4g}。", f"Not yet: your answer is {float(answer):.4g}.")
    if hint:
        message = (message[0] + hint[0], message[1] + " " + hint[1])
    say(message, lang)
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
        say(("还没有答案：填入你的选择。", "No answer yet: fill in your choice."), lang)
        return False
    if chosen == set(correct):
        shown = [str(choice) for choice in sorted(chosen, key=str)]
        say((f"正确：{'、'.join(shown)}。", f"Correct: {', '.join(shown)}."), lang)
        return True
    missing, extra = set(correct) - chosen, chosen - set(correct)
    say((f"还不对：漏选了 {len(missing)} 个，多选了 {len(extra)} 个。",
         f"Not yet: {len(missing)} missing, {len(extra)} that should not be there."), lang)
    return False
