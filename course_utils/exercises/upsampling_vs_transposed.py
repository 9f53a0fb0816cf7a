"""The exercise of notebooks/04_upsampling_vs_transposed.ipynb: kernels that overlap evenly.

Introduced in notebooks/04_upsampling_vs_transposed.ipynb.
"""

from __future__ import annotations

from course_utils.exercises.checks import check_choice


def check_even_overlap(answer, stride: int, kernels, *, lang: str = "both") -> bool:
    """Exercise (notebook 04): which kernel sizes cover every interior pixel equally often?

    The correct set is worked out here with :func:`course_utils.models.transposed_overlap`,
    out of sight, so the notebook does not give the answer away.

    Parameters
    ----------
    answer : set of int or None
        The kernel sizes the student chose.
    stride : int
        The stride of the transposed convolution, such as 2.
    kernels : iterable of int
        The kernel sizes to choose from.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` holds exactly the evenly covering kernel sizes.
    """
    from course_utils.models import transposed_overlap

    def even(kernel: int) -> bool:
        counts = transposed_overlap(kernel, stride, inputs=8)[kernel:-kernel]
        return len(set(counts.tolist())) == 1

    return check_choice(answer, {kernel for kernel in kernels if even(kernel)}, lang=lang)
