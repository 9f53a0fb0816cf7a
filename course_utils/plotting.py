"""Rows of images and loss curves, labelled in the reader's language.

Every helper returns a matplotlib Figure and never calls ``plt.show()``.
Labels are English messages (mark literals with :func:`course_utils.language.N_`),
translated where they are drawn. A language written in another script than Latin
(Chinese) uses an installed CJK font; without one, labels fall back to English
with a one-line notice. Introduced in notebooks/01_data.ipynb.

Every figure also carries a text alternative, a short description of what it shows in the
reader's language (:func:`describe_figure`), for readers who cannot see it. In a notebook
it becomes the ``alt`` of the figure's image in JupyterLab, the slides and the book.
"""

from __future__ import annotations

import base64
import functools
import html
import sys
import weakref
from collections.abc import Sequence

import matplotlib
import matplotlib.patches
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from course_utils.defaults import shipped_folder
from course_utils.language import (
    N_,
    Message,
    languages,
    languages_of,
    list_text,
    translate,
    translated,
)

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


_DESCRIPTIONS = weakref.WeakKeyDictionary()  # figure → (its description, the HTML lang of it or None)


def describe_figure(figure: Figure, message: str, lang: str, /, **fields) -> Figure:
    """Give ``figure`` a text alternative: ``message`` in ``lang``, its placeholders filled.

    A reader who cannot see the figure (a screen reader reads the page aloud) gets this
    description instead: in a notebook it becomes the ``alt`` text of the figure's image, in
    JupyterLab, the slides and the book. Say what the figure shows and what to take from it.
    The course's plotting helpers describe their own figures; a figure drawn with plain
    matplotlib needs this call.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    message : str
        An English message, such as "The first training image, a handwritten {digit}".
    lang : str
        With "both", each language in turn, joined by " / ".
    **fields
        The placeholders' values. A :class:`~course_utils.language.Message` is translated,
        and a list is written as a list reads in each language ("1, 7" or "1、7").

    Returns
    -------
    matplotlib.figure.Figure
        ``figure`` itself, so that the call can end a notebook cell and show it.

    Raises
    ------
    ValueError
        If ``figure`` is not a Figure (an Axes has one: ``ax.figure``).

    Notes
    -----
    In a notebook's kernel the first call also has IPython show every figure's description
    with its image (see ``_show_descriptions``); a figure nobody described gets its titles.

    Examples
    --------
    >>> figure = describe_figure(Figure(), "A handwritten {digit}", "en", digit=7)
    >>> figure_description(figure)
    'A handwritten 7'
    """
    if not isinstance(figure, Figure):
        raise ValueError(f"describe_figure takes a matplotlib Figure (an Axes has one: ax.figure); "
                         f"got {type(figure).__name__}.")
    codes = languages_of(lang)
    texts = [_in_language(message, code, fields) for code in codes]
    html_lang = languages()[codes[0]].html if len(codes) == 1 else None  # "both" mixes two
    _DESCRIPTIONS[figure] = (" / ".join(dict.fromkeys(texts)), html_lang)
    _show_descriptions(_running_shell())
    return figure


def figure_description(figure: Figure) -> str:
    """The text alternative of ``figure``: its description, or else the titles and axis labels drawn on it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure

    Returns
    -------
    str
        What :func:`describe_figure` set; for a figure nobody described, its titles and
        axis labels joined by "; ", or failing those ``repr(figure)``, as a notebook writes
        it ("<Figure size 640x480 with 1 Axes>").
    """
    if figure in _DESCRIPTIONS:
        return _DESCRIPTIONS[figure][0]
    texts = [figure.get_suptitle()] + [text for ax in figure.axes for text in (
        ax.get_title("left"), ax.get_title(), ax.get_title("right"), ax.get_xlabel(), ax.get_ylabel())]
    return "; ".join(dict.fromkeys(text for text in texts if text.strip())) or repr(figure)


class _Phrase:
    """A message and its fields, written in each language where it is a field of a description."""

    def __init__(self, message: str, /, **fields):
        self.message, self.fields = message, fields


def _in_language(message: str, code: str, fields: dict) -> str:
    def written(value):
        if isinstance(value, Message):
            return translate(value, code)
        if isinstance(value, _Phrase):
            return _in_language(value.message, code, value.fields)
        if isinstance(value, list):
            return list_text([written(item) for item in value], code)
        return value

    text = translate(message, code)
    return text.format(**{name: written(value) for name, value in fields.items()}) if fields else text


def _running_shell():
    """The IPython shell running this code (a notebook's kernel), or None. IPython is not imported
    for this: a kernel has already imported it."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _show_descriptions(shell) -> None:
    """Have ``shell`` show each figure's description with the PNG image its inline backend draws.

    The PNG gets the description as its ``alt`` metadata (what nbconvert's classic template reads
    and the Jupyter pre-proposal jupyter/enhancement-proposals#120 would standardise), and the
    output an HTML ``<img alt>`` of the same PNG: JupyterLab 4.6 shows a PNG output without alt
    whatever its metadata says, and the HTML form is what JupyterLab, nbconvert (the slides) and
    myst-nb (the book) all choose first. Running ``%matplotlib inline`` again resets the figure
    formatters; the next described figure sets them once more.
    """
    if shell is None:
        return
    png_formatter = shell.display_formatter.formatters["image/png"]
    try:
        draw = png_formatter.lookup_by_type(Figure)
    except KeyError:
        return  # this shell does not show figures as PNG images (no inline backend)
    if isinstance(getattr(draw, "__self__", None), _FigureImages):
        return
    images = _FigureImages(draw)
    png_formatter.for_type(Figure, images.png)
    shell.display_formatter.formatters["text/html"].for_type(Figure, images.html)


class _FigureImages:
    """The inline backend's PNG of a figure with the figure's description, drawn once for both forms."""

    def __init__(self, draw):
        self.draw = draw  # base64 PNG, or (PNG, {"width": ..., "height": ...}) for retina
        self.drawn = None  # IPython asks for text/html, then image/png: (figure, what html() drew)

    def html(self, figure: Figure) -> str | None:
        drawn = self._drawn(figure)
        self.drawn = (weakref.ref(figure), drawn)
        return None if drawn is None else image_html(*drawn[:2], html_lang=drawn[2])

    def png(self, figure: Figure):
        last, self.drawn = self.drawn, None
        drawn = last[1] if last is not None and last[0]() is figure else self._drawn(figure)
        return None if drawn is None else drawn[:2]

    def _drawn(self, figure: Figure):
        png = self.draw(figure)
        if png is None:  # an empty figure shows nothing
            return None
        data, metadata = png if isinstance(png, tuple) else (png, {})
        html_lang = _DESCRIPTIONS.get(figure, (None, None))[1]
        return data, {**(metadata or {}), "alt": figure_description(figure)}, html_lang


def image_html(png: str, metadata: dict, *, html_lang: str | None = None) -> str:
    """An HTML ``<img>`` of a PNG image, with its ``alt`` text and size from ``metadata``.

    Parameters
    ----------
    png : str
        The image, base64-encoded (as a notebook stores ``image/png``).
    metadata : dict
        The output's metadata of the image: "alt" (required), "width" and "height" (optional).
    html_lang : str, optional
        The language of the alt text, such as "zh-CN"; None when it mixes languages.

    Returns
    -------
    str
        Such as ``<img src="data:image/png;base64,..." alt="..." lang="en">``.
    """
    attributes = {"src": f"data:image/png;base64,{png}", "alt": metadata["alt"], "lang": html_lang,
                  "width": metadata.get("width"), "height": metadata.get("height")}
    return "<img " + " ".join(f'{name}="{html.escape(str(value))}"' for name, value in attributes.items()
                              if value is not None) + ">"


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
    described = _message(title or N_("A grid of images"))
    return describe_figure(figure, "{title}: {n} images per row; the rows, top to bottom: {labels}.", lang,
                           title=described, n=n, labels=[_message(label) for label in labels])


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
    first_and_last = {"title": _message(title or N_("Loss per epoch")), "epochs": len(epochs),
                      "first": losses["loss"][0], "last": losses["loss"][-1]}
    if "val_loss" not in losses:
        return describe_figure(figure, "{title}: binary cross-entropy from epoch 1 to {epochs}; "
                               "training loss from {first:.4f} to {last:.4f}.", lang, **first_and_last)
    return describe_figure(figure, "{title}: binary cross-entropy from epoch 1 to {epochs}; training loss "
                           "from {first:.4f} to {last:.4f}, validation loss from {val_first:.4f} to {val_last:.4f}.",
                           lang, val_first=losses["val_loss"][0], val_last=losses["val_loss"][-1], **first_and_last)


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

    shape = {index: "×".join(map(str, stage[1])) for index, stage in enumerate(stages)}  # "28×28×16"
    layers = {part: [f"{stage[0]} {shape[index]}" for index, stage in enumerate(stages) if stage[2] == part]
              for part in ("encoder", "decoder")}
    return describe_figure(
        figure, "The autoencoder's layers as blocks, left to right, each as tall as its feature map's side and "
        "wider the more channels it has: the encoder ({encoder}) shrinks the {input} image to a {code} code; the decoder "
        "({decoder}) grows it back to {output}.", lang, encoder=layers["encoder"], decoder=layers["decoder"],
        input=shape[0], code=shape[encoder_end - 1], output=shape[len(stages) - 1])


_ARCHITECTURE = N_("The autoencoder with {filters} filters, its layers as blocks, left to right: three convolutions, "
                   "each followed by max pooling, shrink the 28×28×1 image to a {code} code ({numbers} numbers for "
                   "784 pixels); three resizes, each followed by a convolution, and a last convolution grow it back "
                   "to 28×28×1.")
DIAGRAMS = {  # drawn by make assets (course_tools.publish.diagrams), described for those who cannot see them
    "architecture_16_8_8": _Phrase(_ARCHITECTURE, filters=[16, 8, 8], code="4×4×8", numbers=128),
    "architecture_32_32_16": _Phrase(_ARCHITECTURE, filters=[32, 32, 16], code="4×4×16", numbers=256),
    "noisy_vs_clean": _Phrase(N_("Eight test digits ({digits}) in three rows: clean, then with Gaussian noise of "
                                 "factor 0.25 and of factor 0.5, clipped to [0, 1]. The noise speckles the black "
                                 "background and, at 0.5, breaks up the strokes."), digits=[0, 1, 4, 3, 0, 1, 2, 0]),
}


def show_diagram(name: str, *, lang: str = "both") -> None:
    """Display one of the course's diagrams in the reader's language (both: Chinese, then English).

    The diagrams ship inside the package (:func:`course_utils.defaults.shipped_folder`),
    so a notebook opened alone, in Colab or on a university hub, shows them too. Each
    carries its description in its own language as its text alternative, the way
    figures do (:func:`describe_figure`).

    Parameters
    ----------
    name : str
        One of :data:`DIAGRAMS`.
    lang : str
    """
    from IPython.display import display

    if name not in DIAGRAMS:
        raise ValueError(f"no diagram named {name!r}; the course has {', '.join(DIAGRAMS)}.")
    paths = {code: shipped_folder() / f"{name}.{code}.png" for code in languages_of(lang)}
    for path in paths.values():
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `make assets` to draw the diagrams.")
    for code, path in paths.items():
        png = base64.b64encode(path.read_bytes()).decode("ascii")
        alt = _in_language(DIAGRAMS[name].message, code, DIAGRAMS[name].fields)
        html_code = image_html(png, {"alt": alt}, html_lang=languages()[code].html)
        display({"image/png": png, "text/html": html_code, "text/plain": alt}, raw=True,
                metadata={"image/png": {"alt": alt}})


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
    from course_utils.baselines import METHOD_NAMES, method_name

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
    scores = [_Phrase(N_("{method} ({psnr:.2f} dB, {ssim:.3f})"), method=METHOD_NAMES.get(name, name),
                      psnr=card[name]["psnr"], ssim=card[name]["ssim"]) for name in names]
    return describe_figure(figure, "Mean PSNR and SSIM per method, as two bar charts; method (PSNR, SSIM): {scores}.",
                           lang, scores=scores)


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
    from course_utils.baselines import METHOD_NAMES, method_name

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
    curves = [_Phrase(N_("{method} from {first:.2f} to {last:.2f} dB"), method=METHOD_NAMES.get(name, name),
                      first=values[0], last=values[-1]) for name, values in sweep.items()]
    fields = {"low": min(factors), "high": max(factors), "curves": curves}
    if trained_at is None:
        return describe_figure(figure, "Mean PSNR against noise factor, from {low} to {high}, one line per method: "
                               "{curves}.", lang, **fields)
    return describe_figure(figure, "Mean PSNR against noise factor, from {low} to {high}, one line per method: "
                           "{curves}. A dotted line marks noise factor {factor}, where the autoencoders were trained.",
                           lang, factor=trained_at, **fields)


def _message(label: str) -> Message:
    """``label`` as a message to translate where it is shown; a :class:`Message` keeps its context."""
    return label if isinstance(label, Message) else Message(label)


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
