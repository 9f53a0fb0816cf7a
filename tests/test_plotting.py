"""course_utils.plotting: figures render offscreen, with real Chinese glyphs."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_utils import plotting
from course_utils.language import N_
from course_utils.plotting import localize, plot_image_rows, plot_loss_curves

ROWS = [np.random.default_rng(0).random((12, 28, 28, 1), dtype=np.float32)] * 2
LABELS = [N_("noisy input"), N_("autoencoder (your run)")]  # English messages, translated where drawn


def render(figure: Figure) -> np.ndarray:
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


def test_image_rows_render_a_2_by_10_grid():
    figure = plot_image_rows(ROWS, LABELS, lang="en")
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 20
    assert figure.axes[0].get_ylabel() == "noisy input"
    # each panel shows its own image, and the canvas is not blank
    np.testing.assert_array_equal(figure.axes[3].get_images()[0].get_array(), ROWS[0][3, ..., 0])
    assert render(figure)[..., :3].std() > 10


def test_loss_curves_from_history_dict():
    figure = plot_loss_curves({"loss": [0.3, 0.2, 0.15], "val_loss": [0.31, 0.22, 0.18]}, lang="zh")
    ax = figure.axes[0]
    assert [line.get_ydata().tolist() for line in ax.get_lines()] == [[0.3, 0.2, 0.15], [0.31, 0.22, 0.18]]
    assert ax.get_xlabel() == "轮（epoch）"
    render(figure)


def test_localize():
    assert localize("noisy input", "en") == "noisy input"
    assert localize(N_("noisy input"), "both") == "带噪输入 / noisy input"
    assert localize("autoencoders trained at noise factor {factor}", "zh", factor=0.5) == "自编码器训练时的噪声因子 0.5"
    assert localize("plain", "zh") == "plain"
    assert localize("7", "both") == "7", "a label that reads the same in both languages is shown once"
    with pytest.raises(ValueError, match="lang must be one of"):
        localize("a", "fr")


def test_helpers_never_show(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    plot_image_rows(ROWS, LABELS)
    plot_loss_curves({"loss": [1.0]})


def test_chinese_labels_have_glyphs():
    if plotting.find_cjk_font() is None:
        pytest.fail("No CJK font installed: make test installs fonts-noto-cjk as root; "
                    "otherwise run: sudo apt-get install fonts-noto-cjk")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        render(plot_image_rows(ROWS, LABELS, title=N_("noise factor"), lang="zh"))


def test_falls_back_to_english_without_a_cjk_font(monkeypatch, capsys):
    monkeypatch.setattr(plotting, "find_cjk_font", lambda: None)
    plotting.effective_language.cache_clear()
    try:
        figure = plot_image_rows(ROWS, LABELS, lang="zh")
        assert figure.axes[0].get_ylabel() == "noisy input"
        assert "No Chinese font found" in capsys.readouterr().out
        assert plotting.effective_language("en") == "en" and capsys.readouterr().out == "", \
            "a language in Latin script needs no CJK font"
    finally:
        plotting.effective_language.cache_clear()


def test_the_language_list_says_which_languages_need_a_cjk_font(monkeypatch, tmp_path, capsys):
    """A language the course did not ship, written in Japanese script, falls back like Chinese."""
    import shutil

    from conftest import settings_for

    shutil.copytree(Path(__file__).parent / "fixtures" / "locale", tmp_path / "locale")
    settings_for(monkeypatch, locale_dir=str(tmp_path / "locale"))
    monkeypatch.setattr(plotting, "find_cjk_font", lambda: None)
    plotting.effective_language.cache_clear()
    try:
        assert plotting.effective_language("ja") == "en"
        assert "No Chinese font found" in capsys.readouterr().out
    finally:
        plotting.effective_language.cache_clear()


def test_row_label_count_must_match():
    with pytest.raises(ValueError, match="2 rows of images but 1 labels"):
        plot_image_rows(ROWS, LABELS[:1])


def test_report_card_and_noise_sweep_render():
    from course_utils.plotting import plot_noise_sweep, plot_report_card

    card = {"noisy input": {"psnr": 9.4, "ssim": 0.41}, "median 3×3": {"psnr": 14.2, "ssim": 0.55}}
    figure = plot_report_card(card, lang="en")
    heights = [patch.get_height() for patch in figure.axes[0].patches]
    assert heights == [9.4, 14.2]
    render(figure)
    sweep = plot_noise_sweep([0.1, 0.5], {"noisy input": [20.0, 9.4]}, trained_at=0.5, lang="zh")
    assert sweep.axes[0].get_lines()[0].get_ydata().tolist() == [20.0, 9.4]
    render(sweep)


def test_use_cjk_font_makes_plain_figures_render_chinese(monkeypatch):
    import matplotlib

    monkeypatch.setattr(matplotlib, "rcParams", matplotlib.rcParams.copy())
    plotting.use_cjk_font()
    assert plotting.find_cjk_font() in matplotlib.rcParams["font.family"]
    figure = Figure()
    figure.subplots().set_title("原图")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render(figure)


def figure_texts(figure) -> list[str]:
    """Every string drawn on a figure: titles, axis labels, tick labels, legends, annotations."""
    from matplotlib.text import Text

    render(figure)  # tick labels exist once drawn
    return [t.get_text() for t in figure.findobj(Text) if t.get_text().strip()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_course_figure_speaks_one_language(lang):
    """The figures the notebooks draw with course_utils carry only ``lang``'s labels."""
    import re

    from course_utils import build_conv_autoencoder
    from course_utils.plotting import (
        plot_architecture,
        plot_noise_sweep,
        plot_report_card,
    )

    card = {"noisy input": {"psnr": 9.4, "ssim": 0.41}, "non-local means": {"psnr": 12.3, "ssim": 0.5},
            "autoencoder (fully trained)": {"psnr": 19.6, "ssim": 0.85}}
    sweep = {name: [20.0, 9.4] for name in card}
    model = build_conv_autoencoder((16, 8, 8))
    layer_names = {layer.name for part in model.layers for layer in getattr(part, "layers", [part])}
    figures = [plot_image_rows(ROWS, LABELS, lang=lang, title=N_("noise factor")),
               plot_loss_curves({"loss": [0.3, 0.2], "val_loss": [0.31, 0.22]}, lang=lang),
               plot_report_card(card, lang=lang),
               plot_noise_sweep([0.1, 0.5], sweep, trained_at=0.5, lang=lang),
               plot_architecture(model, lang=lang)]
    # the model's layer names (conv1, pool1, logits, ...) are code, the same in both languages
    texts = [text for figure in figures for text in figure_texts(figure) if text not in layer_names]
    assert len(texts) > 20
    cjk = re.compile(r"[\u4e00-\u9fff]")
    if lang == "en":
        assert [t for t in texts if cjk.search(t)] == []
    else:
        words = re.compile(r"\b[a-z]{3,}\b")  # English words; units, layer names and numbers aside
        # a glossary term may keep its English in brackets, as in 轮（epoch）
        assert [t for t in texts if words.search(re.sub(r"（[^）]*）|\(dB\)|\b[A-Z]\w*|\d", " ", t))] == []
        assert any(cjk.search(t) for t in texts)


def test_diagrams_are_shown_from_the_shipped_files_in_the_readers_language(monkeypatch):
    import base64
    import re

    import IPython.display

    from course_utils.defaults import shipped_folder

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda bundle, **options: shown.append((bundle, options)))
    plotting.show_diagram("architecture_16_8_8", lang="zh")
    plotting.show_diagram("noisy_vs_clean", lang="both")
    [(zh, zh_options), (both_zh, _), (both_en, both_en_options)] = shown
    png = {name: base64.b64decode(bundle["image/png"]) for name, bundle in (("zh", zh), ("en", both_en))}
    assert png["zh"] == (shipped_folder() / "architecture_16_8_8.zh.png").read_bytes()
    assert png["en"] == (shipped_folder() / "noisy_vs_clean.en.png").read_bytes() != both_zh["image/png"]
    # each image is described in its own language, for a reader who cannot see it
    assert zh_options == {"raw": True, "metadata": {"image/png": {"alt": zh["text/plain"]}}}
    assert "4×4×8" in zh["text/plain"] and re.search(r"[\u4e00-\u9fff]", zh["text/plain"])
    assert both_en_options["metadata"]["image/png"]["alt"].startswith("Eight test digits (0, 1, 4, 3")
    assert both_en["text/html"] == plotting.image_html(both_en["image/png"], {"alt": both_en["text/plain"]},
                                                       html_lang="en")
    with pytest.raises(ValueError, match="architecture_16_8_8, architecture_32_32_16, noisy_vs_clean"):
        plotting.show_diagram("architecture", lang="en")


# --- text alternatives ------------------------------------------------------------------------

def test_a_description_is_in_the_readers_language_with_its_fields_translated():
    figure = Figure()
    fields = {"title": N_("noise factor"), "n": 3, "labels": [N_("original"), N_("noisy")]}
    message = "{title}: {n} images per row; the rows, top to bottom: {labels}."
    plotting.describe_figure(figure, message, "en", **fields)
    assert plotting.figure_description(figure) == "noise factor: 3 images per row; the rows, top to bottom: original, noisy."
    plotting.describe_figure(figure, message, "zh", **fields)
    assert plotting.figure_description(figure) == "噪声因子：每行 3 张图像；各行自上而下为：原图、带噪。"
    assert plotting.describe_figure(figure, message, "both", **fields) is figure
    assert plotting.figure_description(figure) == ("噪声因子：每行 3 张图像；各行自上而下为：原图、带噪。 / "
                                                   "noise factor: 3 images per row; the rows, top to bottom: original, noisy.")
    with pytest.raises(ValueError, match="lang must be one of"):
        plotting.describe_figure(figure, message, "fr", **fields)
    with pytest.raises(ValueError, match="a matplotlib Figure .an Axes has one: ax.figure.; got Axes"):
        plotting.describe_figure(figure.subplots(), message, "en", **fields)


def test_a_figure_nobody_described_is_described_by_its_titles_and_labels():
    figure = Figure()
    ax = figure.subplots()
    ax.set_title("my plot")
    ax.set_xlabel("epoch")
    figure.suptitle("loss")
    assert plotting.figure_description(figure) == "loss; my plot; epoch"
    assert plotting.figure_description(Figure(figsize=(2, 1))) == "<Figure size 200x100 with 0 Axes>"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_course_figure_describes_itself_in_the_readers_language(lang):
    """What a screen reader says for each helper's figure: its data, in ``lang`` alone."""
    import re

    from course_utils import build_conv_autoencoder
    from course_utils.plotting import (
        figure_description,
        plot_architecture,
        plot_noise_sweep,
        plot_report_card,
    )

    card = {"noisy input": {"psnr": 9.4, "ssim": 0.41}, "autoencoder (fully trained)": {"psnr": 19.6, "ssim": 0.85}}
    descriptions = [figure_description(figure) for figure in (
        plot_image_rows(ROWS, LABELS, lang=lang, title=N_("noise factor")),
        plot_loss_curves({"loss": [0.3, 0.2], "val_loss": [0.31, 0.22]}, lang=lang),
        plot_loss_curves({"loss": [0.3, 0.2]}, lang=lang),
        plot_report_card(card, lang=lang),
        plot_noise_sweep([0.1, 0.5], {name: [20.0, 9.4] for name in card}, trained_at=0.5, lang=lang),
        plot_noise_sweep([0.1, 0.5], {"noisy input": [20.0, 9.4]}, lang=lang),
        plot_architecture(build_conv_autoencoder((16, 8, 8)), lang=lang))]
    numbers = ["10", "0.3000", "0.2200", "19.60 dB", "0.850", "20.00", "9.40", "0.5", "4×4×8"]
    assert [number for number in numbers if not any(number in text for text in descriptions)] == []
    cjk = re.compile(r"[\u4e00-\u9fff]")
    if lang == "en":
        assert [text for text in descriptions if cjk.search(text)] == []
    else:  # English only in units and the model's layer names, which are code ("logits")
        words = re.compile(r"\b[a-z]{4,}\b")
        assert [text for text in descriptions if not cjk.search(text) or words.search(text.replace("logits", ""))] == []


class InlineShell:
    """What the course's code sees of a notebook's kernel with ``%matplotlib inline``: a display
    formatter that draws a matplotlib Figure as a PNG (IPython's own, as the inline backend sets it)."""

    def __init__(self):
        from IPython.core.formatters import DisplayFormatter

        self.drawn = 0
        self.display_formatter = DisplayFormatter()
        self.display_formatter.formatters["image/png"].for_type(Figure, self.draw_png)

    def draw_png(self, figure):
        from IPython.core.pylabtools import print_figure

        self.drawn += 1
        return print_figure(figure, fmt="png", base64=True, bbox_inches="tight")


def test_a_notebook_shows_a_figure_with_its_description_as_png_and_as_html(monkeypatch):
    import base64
    from html.parser import HTMLParser

    shell = InlineShell()
    monkeypatch.setattr(plotting, "_running_shell", lambda: shell)
    figure = plot_image_rows(ROWS, [N_("original"), 'a "quoted" <label>'], lang="en")
    data, metadata = shell.display_formatter.format(figure)
    assert shell.drawn == 1, "drawn once for both forms"
    description = plotting.figure_description(figure)
    assert metadata == {"image/png": {"alt": description}}
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    found = []
    Tags().feed(data["text/html"])
    assert found == [("img", {"src": "data:image/png;base64," + data["image/png"], "alt": description,
                                     "lang": "en"})]
    assert 'a "quoted" <label>' in description

    # a figure drawn with plain matplotlib and not described: its titles and labels, no lang of its own
    plain = Figure()
    plain.subplots().set_title("my plot")
    data, metadata = shell.display_formatter.format(plain)
    assert metadata == {"image/png": {"alt": "my plot"}} and ' lang="' not in data["text/html"]
    assert shell.display_formatter.format(Figure()) == ({"text/plain": "<Figure size 640x480 with 0 Axes>"}, {})


def test_figures_keep_their_description_after_the_inline_backend_is_set_again(monkeypatch):
    """``%matplotlib inline`` run again drops every figure formatter; the next described figure sets them again."""
    shell = InlineShell()
    monkeypatch.setattr(plotting, "_running_shell", lambda: shell)
    plot_loss_curves({"loss": [1.0]}, lang="en")
    for formatter in shell.display_formatter.formatters.values():
        formatter.pop(Figure, None)
    shell.display_formatter.formatters["image/png"].for_type(Figure, shell.draw_png)
    figure = plot_loss_curves({"loss": [1.0]}, lang="en")
    assert shell.display_formatter.format(figure)[1]["image/png"]["alt"].startswith("Loss per epoch:")


def test_a_shell_that_does_not_draw_figures_as_png_is_left_alone(monkeypatch):
    from IPython.core.formatters import DisplayFormatter

    class Terminal:
        display_formatter = DisplayFormatter()

    monkeypatch.setattr(plotting, "_running_shell", lambda: Terminal)
    figure = plot_loss_curves({"loss": [1.0]}, lang="en")
    assert Terminal.display_formatter.format(figure)[0].keys() == {"text/plain"}
