"""Rows of images and loss curves, labelled in the reader's language.

Every helper returns a matplotlib Figure and never calls ``plt.show()``.
Labels are English messages (mark literals with :func:`course_utils.language.N_`),
translated where they are drawn. A language written in another script than Latin
(Chinese) uses an installed CJK font; without one, labels fall back to English
with a one-line notice. Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import matplotlib
import matplotlib.patches
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from course_utils.defaults import shipped_folder
from course_utils.language import N_, languages, languages_of, translated

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)


@functools.cache
def find_cjk_font() -> str | None:
    """The first installed font family that has Chinese glyphs, or None.

    Returns
    -------
    str or None
        A family name from ``CJK_FONTS``, such as "Noto Sans CJK SC"; None
        when none is installed. Looked up once per session.
    """
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


@functools.cache
def effective_language(lang: str) -> str:
    """``lang``, or "en" with a one-line notice when no CJK font is installed.

    Parameters
    ----------
    lang : str
        The language the reader asked for, or "both".

    Returns
    -------
    str
        The language figures can show. The notice is printed once per
        session: the answer is cached.
    """
    needs_cjk_font = not all(languages()[code].script == "Latin" for code in languages_of(lang))
    if needs_cjk_font and find_cjk_font() is None:
        print(
            "[plot] No Chinese font found, so figure labels are in English. "
            "Install one with: sudo apt-get install fonts-noto-cjk"
        )
        return "en"  # the messages' own language
    return lang


def localize(label: str, lang: str, /, *, joiner: str = " / ", **fields) -> str:
    """The text of ``label`` for a figure in ``lang``, its placeholders filled with ``fields``.

    Like :func:`course_utils.language.translated`, but falls back to English when
    no CJK font is installed, so a figure never shows empty boxes, and with
    "both" a label that reads the same in every language (a digit, "PSNR")
    is shown once.

    Parameters
    ----------
    label : str
        An English message, such as "original"; one without a translation is shown as it is.
    lang : str
    joiner : str
        Between the languages with "both"; a newline stacks them, for narrow titles.
    **fields
        The values of the placeholders, such as ``factor=0.5`` for "noise factor {factor}".

    Returns
    -------
    str

    Examples
    --------
    >>> localize("noise factor", "en")
    'noise factor'
    >>> localize("7", "both")
    '7'
    """
    texts = (translated(label, code, **fields) for code in languages_of(effective_language(lang)))
    return joiner.join(dict.fromkeys(texts))  # each different text once, in order


def use_cjk_font() -> None:
    """Let figures drawn with plain matplotlib in this session show Chinese too.

    Call it once in a notebook's setup cell. Without a CJK font installed it
    changes nothing that matters: labels then fall back to English.
    """
    matplotlib.rcParams.update(_font_settings())


def _font_settings() -> dict:
    cjk = find_cjk_font()
    families = ["DejaVu Sans"] + ([cjk] if cjk else [])
    return {"font.family": families, "axes.unicode_minus": False}


def plot_image_rows(
    rows: Sequence[np.ndarray],
    labels: Sequence[str],
    *,
    n: int = 10,
    title: str | None = None,
    lang: str = "both",
) -> Figure:
    """Show the first ``n`` images of each array in ``rows``, one row each.

    Like the original lesson's 2×10 grids: pass ``[originals, reconstructions]``
    or ``[noisy, denoised]``, with one label per row.

    Parameters
    ----------
    rows : sequence of float arrays of shape (N, 28, 28, 1)
        One array per row, values in [0, 1] (drawn black to white).
    labels : sequence of str
        One label per row, shown to its left: English messages (such as
        ``N_("original")``), translated into ``lang``.
    n : int
        Images per row; fewer if a row has fewer.
    title : str, optional
        Shown above the grid, translated like the labels.
    lang : {"zh", "en", "both"}
        Language of the labels and title.

    Returns
    -------
    matplotlib.figure.Figure
        Shown when it is the last value of a notebook cell.

    Raises
    ------
    ValueError
        If ``rows`` and ``labels`` differ in length, ``rows`` is empty,
        ``n`` < 1.

    Examples
    --------
    >>> plot_image_rows([dataset.x_test, reconstructions],  # doctest: +SKIP
    ...                 [N_("original"), N_("reconstruction")])
    """
    if len(rows) != len(labels):
        raise ValueError(f"Got {len(rows)} rows of images but {len(labels)} labels.")
    if not rows or n < 1:
        raise ValueError("Need at least one row and n >= 1.")
    n = min(n, *(len(row) for row in rows))
    with matplotlib.rc_context(_font_settings()):
        figure = Figure(figsize=(1.2 * n + 1.6, 1.35 * len(rows) + 0.4), layout="constrained")
        axes = figure.subplots(len(rows), n, squeeze=False)
        for row_axes, images, label in zip(axes, rows, labels):
            for ax, image in zip(row_axes, images[:n]):
                ax.imshow(np.squeeze(image), cmap="gray", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
            row_axes[0].set_ylabel(localize(label, lang), rotation=0, ha="right", va="center")
        if title is not None:
            figure.suptitle(localize(title, lang))
    return figure


def plot_loss_curves(
    history,
    *,
    title: str | None = None,
    lang: str = "both",
) -> Figure:
    """Training and validation loss per epoch, from a Keras History or its dict.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What :func:`course_utils.train_autoencoder` returns, or its
        ``.history`` dict: "loss" and optionally "val_loss", one value per epoch.
    title : str, optional
        Shown above the plot, translated into ``lang``.
    lang : {"zh", "en", "both"}
        Language of the axis labels, legend and title.

    Returns
    -------
    matplotlib.figure.Figure
        Loss against epoch, one line per split.

    Raises
    ------
    ValueError
        If ``history`` has no "loss" entry.
    """
    losses = getattr(history, "history", history)
    if "loss" not in losses:
        raise ValueError(f"history has no 'loss' entry; it has {sorted(losses)}.")
    epochs = np.arange(1, len(losses["loss"]) + 1)
    with matplotlib.rc_context(_font_settings()):
        figure = Figure(figsize=(6, 3.6), layout="constrained")
        ax = figure.subplots()
        ax.plot(epochs, losses["loss"], marker="o", label=localize("training loss", lang))
        if "val_loss" in losses:
            ax.plot(epochs, losses["val_loss"], marker="s", label=localize("validation loss", lang))
        ax.set_xlabel(localize(N_("epoch", "axis label"), lang))
        ax.set_ylabel(localize("binary cross-entropy", lang))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
        if title is not None:
            ax.set_title(localize(title, lang))
    return figure


def plot_architecture(model, *, lang: str = "both") -> Figure:
    """Draw the encoder and decoder as blocks sized by each layer's output shape.

    The block height follows the feature map's side (28, 14, 7, 4), its width
    the depth, so the bottleneck is easy to spot.

    Parameters
    ----------
    model : keras.Model
        From :func:`course_utils.build_conv_autoencoder`, with layers named
        "encoder" and "decoder".
    lang : {"zh", "en", "both"}
        Language of the "encoder", "decoder" and "code" captions.

    Returns
    -------
    matplotlib.figure.Figure
        The layers as blocks, left to right.

    Raises
    ------
    ValueError
        If (from Keras) ``model`` has no "encoder" or
        "decoder" layer.
    """
    stages = [(localize("input", lang), tuple(model.input.shape[1:]), "input")]
    for part in ("encoder", "decoder"):
        for layer in model.get_layer(part).layers[1:]:
            stages.append((layer.name, tuple(layer.output.shape[1:]), part))  # layer names are code
    colours = {"input": "#bbbbbb", "encoder": "#4c78a8", "decoder": "#54a24b"}
    with matplotlib.rc_context(_font_settings()):
        figure = Figure(figsize=(1.05 * len(stages), 3.6), layout="constrained")
        ax = figure.subplots()
        for i, (name, (side, _, depth), part) in enumerate(stages):
            height, width = side / 28 * 2.0, 0.25 + 0.55 * np.log2(depth + 1) / 5
            colour = "#f58518" if part == "encoder" and name.startswith("pool3") else colours[part]
            ax.add_patch(matplotlib.patches.Rectangle((i - width / 2, -height / 2), width, height,
                                                      color=colour, alpha=0.85))
            ax.text(i, 1.15, name, ha="center", fontsize=10, rotation=30)
            ax.text(i, -1.3, f"{side}×{side}×{depth}", ha="center", fontsize=9)
        encoder_end = 1 + len(model.get_layer("encoder").layers[1:])
        ax.text((encoder_end) / 2, 1.75, localize("encoder", lang), ha="center",
                fontsize=13, color=colours["encoder"])
        ax.text((encoder_end + len(stages)) / 2, 1.75, localize("decoder", lang),
                ha="center", fontsize=13, color=colours["decoder"])
        ax.text(encoder_end - 1, -1.6, localize(N_("code", "latent representation"), lang), ha="center",
                fontsize=11, color="#f58518")
        ax.set_xlim(-0.7, len(stages) - 0.3)
        ax.set_ylim(-1.8, 2.0)
        ax.axis("off")
    return figure


DIAGRAMS = ("architecture_16_8_8", "architecture_32_32_16", "noisy_vs_clean")  # drawn by make assets


def show_diagram(name: str, *, lang: str = "both") -> None:
    """Display one of the course's diagrams in the reader's language (both: Chinese, then English).

    The diagrams ship inside the package (:func:`course_utils.defaults.shipped_folder`),
    so a notebook opened alone, in Colab or on a university hub, shows them too.

    Parameters
    ----------
    name : str
        One of :data:`DIAGRAMS`.
    lang : str
    """
    from IPython.display import Image, display

    if name not in DIAGRAMS:
        raise ValueError(f"no diagram named {name!r}; the course has {', '.join(DIAGRAMS)}.")
    paths = [shipped_folder() / f"{name}.{code}.png" for code in languages_of(lang)]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `make assets` to draw the diagrams.")
    display(*(Image(data=path.read_bytes(), format="png") for path in paths))


def plot_report_card(card: dict[str, dict], *, lang: str = "both") -> Figure:
    """Bar charts of mean PSNR and SSIM per method, from :func:`baselines.report_card`.

    Method names are shown in ``lang`` (:func:`course_utils.baselines.method_name`).

    Parameters
    ----------
    card : dict
        Method name → ``{"psnr": ..., "ssim": ...}`` (more keys are ignored).
    lang : {"zh", "en", "both"}

    Returns
    -------
    matplotlib.figure.Figure
        Two bar charts side by side: PSNR (dB) and SSIM, one bar per method.
    """
    from course_utils.baselines import method_name

    names = list(card)
    shown = [method_name(name, effective_language(lang)) for name in names]
    with matplotlib.rc_context(_font_settings()):
        figure = Figure(figsize=(10, 3.8), layout="constrained")
        for ax, key, label in zip(figure.subplots(1, 2), ("psnr", "ssim"),
                                  (N_("PSNR (dB)", "axis label"), N_("SSIM", "axis label"))):
            values = [card[name][key] for name in names]
            bars = ax.bar(range(len(names)), values, color=distinct_colours(len(names)))
            ax.bar_label(bars, fmt="%.2f", fontsize=8)
            ax.set_xticks(range(len(names)), shown, rotation=25, ha="right")
            ax.set_ylabel(localize(label, lang))
            ax.margins(y=0.15)
    return figure


def plot_noise_sweep(factors, sweep: dict[str, list[float]], *, trained_at: float | None = None,
                     lang: str = "both") -> Figure:
    """Mean PSNR against noise factor for each method, from :func:`baselines.noise_sweep`.

    Parameters
    ----------
    factors : sequence of float
        The noise factors the sweep used, on the x axis.
    sweep : dict
        Method name → mean PSNR (dB) at each factor, one line per method.
    trained_at : float, optional
        Marks the noise factor the autoencoders were trained at with a
        dotted vertical line.
    lang : {"zh", "en", "both"}

    Returns
    -------
    matplotlib.figure.Figure
        Mean PSNR against noise factor, one line per method.
    """
    from course_utils.baselines import method_name

    with matplotlib.rc_context(_font_settings()):
        figure = Figure(figsize=(6.8, 5.4), layout="constrained")
        ax = figure.subplots()
        for (name, values), colour in zip(sweep.items(), distinct_colours(len(sweep))):
            ax.plot(factors, values, marker="o", label=method_name(name, effective_language(lang)),
                    color=colour)
        if trained_at is not None:
            ax.axvline(trained_at, color="grey", linestyle=":",
                       label=localize("autoencoders trained at noise factor {factor}", lang, factor=trained_at))
        ax.set_xlabel(localize("noise factor", lang))
        ax.set_ylabel(localize(N_("PSNR (dB)", "axis label"), lang))
        ax.grid(alpha=0.3)
        figure.legend(fontsize=8, loc="outside lower center", ncols=2)  # below the curves, never on them
    return figure


def distinct_colours(n: int) -> list:
    """The first ``n`` colours of matplotlib's "tab10" palette, one per method.

    Parameters
    ----------
    n : int
        How many colours; only the first 10 differ.

    Returns
    -------
    list of (r, g, b, a) tuples
        Floats in [0, 1], as matplotlib's ``color=`` accepts.
    """
    return [matplotlib.colormaps["tab10"](i) for i in range(n)]
