"""course_utils: the tested helpers behind the convolutional autoencoder course.

The modules follow the data flow of the course::

    startup    importing TensorFlow without its start-up log (notebook setup)
    defaults   the course's settings and conventions, in one place
    language   zh / en / both: choosing and printing text
    validation validating images and whole numbers at the public boundary
    data       where images come from, verified
    noise      corrupting images for the denoising task
    models     the encoder/decoder builders, exactly as taught
    training   compiling and fitting, one log line per epoch, seeded
    pretrained the fully trained models shipped in assets/models/ (and in the wheel), checked
    metrics    BCE / MSE / PSNR / SSIM on a split
    baselines  classical denoisers for the report card
    plotting   image rows and curves, returning Figures, in the reader's language
    exercises  automatic checks for the notebooks' exercises
    reporting  what a notebook records for the course runner (make run)

Importing the package is light: TensorFlow loads only when a model, metric or
pipeline is first used (the names below are looked up lazily, PEP 562).
"""

from __future__ import annotations

import importlib

# public name → the module that defines it
_EXPORTS = {
    "Dataset": "data",
    "DownloadError": "data.sources",
    "load_dataset": "data",
    "stratified_split": "data.splits",
    "add_noise": "noise",
    "noisy_batches": "noise",
    "build_conv_autoencoder": "models",
    "reconstruct": "models",
    "compile_autoencoder": "training",
    "train_autoencoder": "training",
    "load_pretrained": "pretrained",
    "pretrained_info": "pretrained",
    "describe_pretrained": "pretrained",
    "unseen_by_pretrained": "pretrained",
    "evaluate": "metrics",
    "image_scores": "metrics",
    "mean_bce": "metrics",
    "mean_mse": "metrics",
    "psnr": "metrics",
    "ssim": "metrics",
    "localize": "plotting",
    "import_tensorflow_quietly": "startup",
    "plot_image_rows": "plotting",
    "plot_loss_curves": "plotting",
}
_MODULES = ("startup", "defaults", "language", "validation", "data", "noise", "models", "training",
            "pretrained", "metrics", "baselines", "plotting", "exercises", "reporting")

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    elif name in _MODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | set(_MODULES))
