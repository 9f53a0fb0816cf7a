"""The course's defaults and conventions, in one place.

Every notebook, the runner, the benchmarks and the tests take their defaults
from here, so that changing one number changes it everywhere.
"""

from __future__ import annotations

from pathlib import Path

# The original lesson: Adam 1e-3, batch 200, 20 epochs (plain) and 100 (denoising)
# on 60,000 images, i.e. 6,000 and 30,000 gradient steps.
LEARNING_RATE = 1e-3
NOISE_FACTOR = 0.5

# On a CPU a batch of 32 takes several times more gradient steps per second than one
# of 200, for a few fewer images per second (notebook 02 measures both; docs/en/timings.md, "Time to quality").
BATCH_SIZE = 32
EPOCHS = {"conv": 15, "denoise": 20, "checkerboard": 5}  # per notebook: 02, 03, 04
TRAIN_LIMIT = 4_000  # training images drawn from the 60,000 for quick runs
TEST_LIMIT = 1_000  # test images drawn from the 10,000 to score quick runs on
SEED = 0


def validation_noise_seed(seed: int) -> int:
    """Seed of the one fixed noisy copy of the test images, given the run's ``seed``.

    Training draws its noise from ``seed``; the test (validation) noise must
    differ from it and stay the same across runs, so that every PSNR in the
    course, every ``val_loss`` and the shipped models' scores are comparable.

    Parameters
    ----------
    seed : int
        The run's seed (``SEED`` by default).

    Returns
    -------
    int
        ``seed + 1``.

    Examples
    --------
    >>> validation_noise_seed(0)
    1
    """
    return seed + 1


def shipped_folder() -> Path:
    """The course's shipped files: the diagrams and ``models/`` (the fully trained models).

    Returns
    -------
    pathlib.Path
        Inside the installed package when it came from the wheel (``course_utils/assets``),
        so that a notebook opened alone finds them; otherwise the checkout's ``assets/``.
    """
    package = Path(__file__).resolve().parent
    inside = package / "assets"
    return inside if inside.is_dir() else package.parent / "assets"
