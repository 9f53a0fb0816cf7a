"""course_utils: the tested helpers behind the convolutional autoencoder course.

The modules follow the data flow of the course::

    data      where images come from, verified
    noise     corrupting images for the denoising task
    models    the encoder/decoder builders, exactly as taught
    training  compiling and fitting, one log line per epoch, seeded
    metrics   BCE / MSE / PSNR / SSIM on a split
    plotting  image rows and curves, returning Figures, in the reader's language
"""

import os

# Keep TensorFlow's C++ start-up chatter out of notebooks and logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_utils.data import Dataset, DownloadError, load_dataset, stratified_split  # noqa: E402
from course_utils.metrics import (  # noqa: E402
    evaluate,
    image_scores,
    mean_bce,
    mean_mse,
    psnr,
    ssim,
)
from course_utils.models import build_conv_autoencoder, reconstruct  # noqa: E402
from course_utils.noise import add_noise, noisy_batches  # noqa: E402
from course_utils.plotting import localize, plot_image_rows, plot_loss_curves  # noqa: E402
from course_utils.training import compile_autoencoder, train_autoencoder  # noqa: E402

__all__ = [
    "Dataset",
    "DownloadError",
    "add_noise",
    "build_conv_autoencoder",
    "compile_autoencoder",
    "evaluate",
    "image_scores",
    "load_dataset",
    "localize",
    "mean_bce",
    "mean_mse",
    "noisy_batches",
    "plot_image_rows",
    "plot_loss_curves",
    "psnr",
    "reconstruct",
    "ssim",
    "stratified_split",
    "train_autoencoder",
]
