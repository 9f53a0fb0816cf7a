"""Automatic checks for the notebooks' exercises, with feedback in the student's language.

Introduced in notebooks/02_conv_autoencoder.ipynb ("build it yourself").
"""

from __future__ import annotations

import keras

from course_utils.plotting import LANGUAGES

# Layers that do the same job, whichever class a student picks for it.
SAME_JOB = {"Resizing": "upsample", "UpSampling2D": "upsample"}


def describe_layers(model: keras.Model) -> list[tuple[str, tuple, int]]:
    """(kind, output shape, parameter count) of every layer, nested models flattened."""
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            rows.extend(describe_layers(layer))
            continue
        kind = SAME_JOB.get(type(layer).__name__, type(layer).__name__)
        rows.append((kind, tuple(layer.output.shape[1:]), layer.count_params()))
    return rows


def check_architecture(candidate: keras.Model, reference: keras.Model, *, lang: str = "both") -> bool:
    """Compare ``candidate`` with ``reference`` layer by layer and print what differs.

    Layers match when they do the same job, give the same output shape and have
    the same number of parameters. Returns True when every layer matches.
    """
    yours, expected = describe_layers(candidate), describe_layers(reference)
    for number, (mine, theirs) in enumerate(zip(yours, expected), start=1):
        if mine != theirs:
            say((
                f"第 {number} 层不同：你的是 {_text(mine)}，参考模型是 {_text(theirs)}。",
                f"Layer {number} differs: yours is {_text(mine)}, the reference is {_text(theirs)}.",
            ), lang)
            return False
    if len(yours) != len(expected):
        say((
            f"层数不同：你的模型有 {len(yours)} 层，参考模型有 {len(expected)} 层。",
            f"Your model has {len(yours)} layers; the reference has {len(expected)}.",
        ), lang)
        return False
    total = reference.count_params()
    say((
        f"全部 {len(yours)} 层都与参考模型一致，共 {total:,} 个参数。",
        f"All {len(yours)} layers match the reference ({total:,} parameters).",
    ), lang)
    return True


def say(message: tuple[str, str], lang: str) -> None:
    """Print a (Chinese, English) message in ``lang``: "zh", "en" or "both"."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}; got {lang!r}.")
    chinese, english = message
    print({"zh": chinese, "en": english, "both": f"{chinese}\n{english}"}[lang])


def _text(layer: tuple[str, tuple, int]) -> str:
    kind, shape, params = layer
    return f"{kind} → {'×'.join(map(str, shape))}, {params:,} params"
