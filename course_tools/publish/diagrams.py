"""Regenerate the course's illustrations in assets/ from code (``make assets``).

    .venv/bin/python -m course_tools.publish.diagrams
"""

from course_tools.settings import ASSETS
from course_utils import add_noise, build_conv_autoencoder, load_dataset
from course_utils.language import N_, language_codes, translated
from course_utils.plotting import plot_architecture, plot_image_rows

NOISE_FACTORS = (0.25, 0.5)


def main() -> None:
    """One file per language, e.g. architecture_16_8_8.zh.png for the lang-zh cells."""
    clean = load_dataset(source="embedded", seed=0).x_test[:8]
    rows = [clean] + [add_noise(clean, factor, seed=0) for factor in NOISE_FACTORS]
    for lang in language_codes():
        for filters, name in (((16, 8, 8), "architecture_16_8_8"),
                              ((32, 32, 16), "architecture_32_32_16")):
            figure = plot_architecture(build_conv_autoencoder(filters), lang=lang)
            figure.savefig(ASSETS / f"{name}.{lang}.png", dpi=130)
        labels = [translated(N_("clean", "image row"), lang)] + [
            translated("noise factor {factor}", lang, factor=factor) for factor in NOISE_FACTORS]
        figure = plot_image_rows(rows, labels, n=8, lang=lang, title=N_("Gaussian noise, clipped to [0, 1]"))
        figure.savefig(ASSETS / f"noisy_vs_clean.{lang}.png", dpi=110)


if __name__ == "__main__":
    main()
