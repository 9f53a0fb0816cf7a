"""Automatic checks for the notebooks' exercises, with feedback in the student's language.

Import them from here (``from course_utils.exercises import check_most_ink``). Each
notebook's checks live in the module named after it, and all of them build on the two
answer checks in :mod:`course_utils.exercises.checks`::

    checks                    a number (check_value), a choice (check_choice)
    data                      notebooks/01_data.ipynb
    conv_autoencoder          notebooks/02_conv_autoencoder.ipynb (the model built by hand)
    denoising_autoencoder     notebooks/03_denoising_autoencoder.ipynb
    upsampling_vs_transposed  notebooks/04_upsampling_vs_transposed.ipynb

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

from course_utils.exercises.checks import check_choice, check_value
from course_utils.exercises.conv_autoencoder import (
    borrowed_layers,
    check_architecture,
    check_code_share,
    check_parameter_count,
    describe_layers,
)
from course_utils.exercises.data import (
    check_digit_count,
    check_most_ink,
    check_noisy_psnr,
)
from course_utils.exercises.denoising_autoencoder import (
    check_best_method,
    check_clipped_background_mean,
    check_unclipped_psnr,
)
from course_utils.exercises.upsampling_vs_transposed import check_even_overlap

__all__ = [
    "borrowed_layers", "check_architecture", "check_best_method", "check_choice",
    "check_clipped_background_mean", "check_code_share", "check_digit_count", "check_even_overlap",
    "check_most_ink", "check_noisy_psnr", "check_parameter_count", "check_unclipped_psnr",
    "check_value", "describe_layers",
]
