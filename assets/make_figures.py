"""Regenerate the course's illustrations in assets/ from code.

    .venv/bin/python assets/make_figures.py
"""

from pathlib import Path

from course_utils import add_noise, build_conv_autoencoder, load_dataset
from course_utils.plotting import plot_architecture, plot_image_rows

ASSETS = Path(__file__).resolve().parent


def main() -> None:
    for filters, name in (((16, 8, 8), "architecture_16_8_8.png"),
                          ((32, 32, 16), "architecture_32_32_16.png")):
        figure = plot_architecture(build_conv_autoencoder(filters))
        figure.savefig(ASSETS / name, dpi=110)

    clean = load_dataset(source="embedded", seed=0).x_test[:8]
    rows = [clean] + [add_noise(clean, factor, seed=0) for factor in (0.25, 0.5)]
    labels = [("干净图像", "clean"), ("噪声因子 0.25", "noise factor 0.25"),
              ("噪声因子 0.5", "noise factor 0.5")]
    figure = plot_image_rows(rows, labels, n=8,
                             title=("加高斯噪声并裁剪到 [0, 1]", "Gaussian noise, clipped to [0, 1]"))
    figure.savefig(ASSETS / "noisy_vs_clean.png", dpi=110)


if __name__ == "__main__":
    main()
