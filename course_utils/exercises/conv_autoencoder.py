"""The exercises of notebooks/02_conv_autoencoder.ipynb: the model built by hand, its parameters, its code.

Introduced in notebooks/02_conv_autoencoder.ipynb ("build it yourself").
"""

from __future__ import annotations

import keras

from course_utils.exercises.checks import check_value
from course_utils.language import N_, languages_of, list_text, say

# Layers that do the same job, whichever class a student picks for it.
SAME_JOB = {"Resizing": "upsample", "UpSampling2D": "upsample"}


def describe_layers(model: keras.Model) -> list[tuple[str, tuple, int]]:
    """(kind, output shape, parameter count) of every layer, nested models flattened.

    Parameters
    ----------
    model : keras.Model
        Any Keras model; nested models such as "encoder" are opened up.

    Returns
    -------
    list of (str, tuple, int)
        One row per layer, input layers left out, such as
        ``("Conv2D", (28, 28, 16), 160)``. The kind is the layer's class name,
        except that Resizing and UpSampling2D are both "upsample".
    """
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


def borrowed_layers(candidate: keras.Model, reference: keras.Model) -> list[str]:
    """The layers (or nested models) of ``candidate`` that are the reference's own.

    Parameters
    ----------
    candidate : keras.Model
        The student's model.
    reference : keras.Model
        The model to match.

    Returns
    -------
    list of str
        The names of the candidate's layers that are the reference's own objects, or that
        carry the names the course's builders give theirs ("conv1", "decoder", ...); empty
        when the student built every layer.
    """
    theirs = _all_layers(reference)
    names = {layer.name for layer in theirs}
    return [layer.name for layer in _all_layers(candidate)
            if any(layer is other for other in theirs) or layer.name in names]


def _all_layers(model: keras.Model) -> list:
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(_all_layers(layer))
    return found


def check_architecture(candidate: keras.Model, reference: keras.Model, *, lang: str = "both") -> bool:
    """Compare ``candidate`` with ``reference`` layer by layer and print what differs.

    Layers match when they do the same job, give the same output shape and have
    the same number of parameters. Returns True when every layer matches.

    Parameters
    ----------
    candidate : keras.Model
        The student's model.
    reference : keras.Model
        The model to match, such as ``build_conv_autoencoder((16, 8, 8))``.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when both have the same layers; otherwise the first layer that
        differs is printed, the student's side only.
    """
    borrowed = borrowed_layers(candidate, reference)
    if borrowed:
        for code in languages_of(lang):  # each language writes a list its own way
            say("Your model uses the reference's own layers ({layers}): build them yourself.", code,
                layers=list_text(borrowed, code))
        return False
    yours, expected = describe_layers(candidate), describe_layers(reference)
    for number, (mine, theirs) in enumerate(zip(yours, expected), start=1):
        if mine != theirs:  # what the reference has there is for the student to work out
            kind, shape, params = mine
            say("Layer {number} differs from the reference: yours is {kind} → {shape}, {params:,} parameters.",
                lang, number=number, kind=N_("upsample", "layer kind") if kind == "upsample" else kind,
                shape="×".join(map(str, shape)), params=params)
            return False
    if len(yours) != len(expected):
        say("Your model has {yours} layers; the reference has {expected}.", lang,
            yours=len(yours), expected=len(expected))
        return False
    say("All {layers} layers match the reference ({total:,} parameters).", lang,
        layers=len(yours), total=reference.count_params())
    return True


def check_parameter_count(guess, filters, *, lang: str = "both") -> bool:
    """Check a predicted parameter count against the builder's model for ``filters``.

    Parameters
    ----------
    guess : int or None
        The student's count of weights and biases.
    filters : three ints
        The encoder's depths, such as (16, 8, 8).
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``guess`` equals ``model.count_params()`` exactly.

    Raises
    ------
    ValueError
        If ``filters`` is not three positive ints.
    """
    from course_utils.models import build_conv_autoencoder

    actual = build_conv_autoencoder(tuple(filters)).count_params()
    return check_value(guess, actual, lang=lang, hint=N_(
        "Each convolution has 3×3×in×out weights plus one bias per output channel."))


def check_code_share(answer, filters, *, lang: str = "both") -> bool:
    """Exercise (notebook 02): the code's size as a share of the 784 input pixels.

    Parameters
    ----------
    answer : float or None
        The student's share, between 0 and 1 (not a percentage).
    filters : three ints
        The encoder's depths; (16, 8, 8) gives a 4×4×8 code, 128 / 784 ≈ 0.163.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` is within 0.005 of the exact share.

    Raises
    ------
    ValueError
        If ``filters`` is not three positive ints.
    """
    from course_utils.models import build_conv_autoencoder

    code_shape = build_conv_autoencoder(tuple(filters)).get_layer("encoder").output.shape[1:]
    expected = float(code_shape[0] * code_shape[1] * code_shape[2] / 784)
    return check_value(answer, expected, tolerance=0.005, lang=lang, hint=N_("The code's shape is 4×4×(the last depth)."))
