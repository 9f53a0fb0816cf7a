"""Fully trained models shipped with the course, checked before use.

``assets/models/`` holds each model as a ``.keras`` file (Keras' own format:
``keras.saving.load_model`` opens it without this course) and ``manifest.json``,
which records how each was trained (data, split seed, epochs, batch size, steps,
library versions), its test scores and the file's SHA-256. ``make models``
rebuilds them. Introduced in notebooks/02_conv_autoencoder.ipynb.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from course_utils.data_home import file_sha256
from course_utils.defaults import shipped_folder
from course_utils.language import (
    N_,
    error_text,
    languages_of,
    say,
    translate,
    translated,
)
from course_utils.settings import current

MANIFEST_NAME = "manifest.json"
REBUILD_COMMAND = "make models"

# How a manifest names the data a model trained on ("local" and "auto": full MNIST).
SOURCE_NAMES = {
    "embedded": N_("embedded", "data source"),
    "local": N_("local", "data source"),
    "auto": N_("auto", "data source"),
}


class PretrainedModelError(ValueError):
    """A shipped model file is missing, altered or not the model it claims to be."""


def models_folder(folder: str | os.PathLike | None = None) -> Path:
    """Where the shipped models are: ``folder``, ``$COURSE_MODELS_DIR``, or ``assets/models``.

    Parameters
    ----------
    folder : path, optional
        Used when given; otherwise the environment variable, then the shipped
        ``models/`` (:func:`course_utils.defaults.shipped_folder`).

    Returns
    -------
    pathlib.Path
        The folder; whether it exists is not checked here.
    """
    chosen = folder or current().models_dir or shipped_folder() / "models"
    return Path(chosen)


def read_manifest(folder: str | os.PathLike | None = None) -> dict[str, dict]:
    """The manifest of the shipped models: model name → how it was trained and scored.

    Parameters
    ----------
    folder : path, optional
        Defaults to :func:`models_folder`.

    Returns
    -------
    dict
        The parsed ``manifest.json``: model name → its entry (see
        :func:`pretrained_info`).

    Raises
    ------
    PretrainedModelError
        If the manifest is missing or not valid JSON.
    """
    path = models_folder(folder) / MANIFEST_NAME
    if not path.is_file():
        raise PretrainedModelError(error_text(
            "No model manifest at {path}. Run `{command}` in the course folder, "
            "or set COURSE_MODELS_DIR to a folder holding the shipped models.", path=path, command=REBUILD_COMMAND))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PretrainedModelError(
            f"{path} is not valid JSON ({error}). Restore it with `git checkout {path}` "
            f"or rebuild the models with `{REBUILD_COMMAND}`."
        ) from None


def pretrained_info(name: str, *, folder: str | os.PathLike | None = None) -> dict:
    """The manifest entry of one shipped model (architecture, training, test scores).

    Parameters
    ----------
    name : str
        A model name from the manifest, such as ``"conv_16_8_8"``.
    folder : path, optional
        Defaults to :func:`models_folder`.

    Returns
    -------
    dict
        The model's entry: its ``"file"``, the file's ``"sha256"``, its
        ``"architecture"`` (the arguments of
        :func:`course_utils.build_conv_autoencoder`), how it was trained and
        its test scores.

    Raises
    ------
    PretrainedModelError
        If ``name`` is not in the manifest, or the manifest is missing or not
        valid JSON.
    """
    manifest = read_manifest(folder)
    if name not in manifest:
        raise PretrainedModelError(
            f"Unknown model {name!r}. The shipped models are: {', '.join(manifest)}."
        )
    return manifest[name]


def unseen_by_pretrained(name: str, dataset, *, folder: str | os.PathLike | None = None) -> bool:
    """Whether none of ``dataset``'s test images was among the shipped model's training images.

    A score on images a model trained on flatters it. The shipped models train
    on MNIST's official training images, so they may be scored on the official
    test images, but not on the embedded subset, whose images all belong to
    the official training set.

    Parameters
    ----------
    name : str
        A shipped model, such as "conv_16_8_8".
    dataset : Dataset
        From :func:`course_utils.load_dataset`.
    folder : path, optional
        Where the manifest is; defaults as in :func:`load_pretrained`.

    Returns
    -------
    bool
        True when every test image is unseen by the model.

    Raises
    ------
    PretrainedModelError
        If the manifest is missing or has no entry ``name``.
    """
    from course_utils.data.files import images_sha256

    trained_on = pretrained_info(name, folder=folder)["data"]
    if dataset.name != trained_on["name"]:
        return False
    if trained_on["source"] == "embedded":  # a model trained on a split of the subset
        return images_sha256(dataset.x_test) == trained_on["test_sha256"]
    return dataset.test_from == "test"


def describe_pretrained(name: str, dataset, *, lang: str = "both",
                        folder: str | os.PathLike | None = None) -> bool:
    """Print how a shipped model was trained, why its training stopped and how its
    test PSNR rose, and whether it may be scored on ``dataset``.

    Parameters
    ----------
    name : str
        A shipped model, such as "conv_16_8_8".
    dataset : Dataset
        The data the notebook scores on.
    lang : {"zh", "en", "both"}
    folder : path, optional
        Where the manifest is; defaults as in :func:`load_pretrained`.

    Returns
    -------
    bool
        :func:`unseen_by_pretrained`: False means show no score for this model.

    Raises
    ------
    PretrainedModelError
        If the manifest is missing or has no entry ``name``.
    """
    info = pretrained_info(name, folder=folder)
    training, data = info["training"], info["data"]
    say("fully trained: {steps:,} gradient steps at batch size {batch_size} on {images:,} training images "
        "(about {epochs:g} epochs). The learning rate was halved whenever the training loss stopped falling "
        "for {patience:,} steps, and lowered linearly to {smallest:g} over the last {cooldown:.0%} of the "
        "planned steps; {minutes:.0f} minutes on a 2-core CPU. Run make models to retrain it.", lang,
        steps=training["steps"], batch_size=training["batch_size"], images=data["train_images"],
        epochs=training["epochs"], patience=training["patience_steps"], smallest=training["smallest_rate"],
        cooldown=training["cooldown_share"], minutes=training["seconds"] / 60)
    _describe_stop(info, lang)
    unseen = unseen_by_pretrained(name, dataset, folder=folder)
    if unseen:
        say("Below it is scored on {images:,} test images, none of which it trained on.", lang,
            images=len(dataset.x_test))
    elif dataset.test_from == "train":
        say("These test images come from MNIST's training set (the embedded subset), which it trained on, "
            "so no score is shown for it. Run make data for full MNIST to see its scores.", lang)
    else:
        source = data["source"]
        say("It was trained on another split of the data ({source}), which may hold these test images, "
            "so no score is shown for it.", lang, source=SOURCE_NAMES.get(source, source))
    return unseen


def _describe_stop(info: dict, lang: str) -> None:
    """Why a shipped model's training stopped, and its test PSNR along the way (from the manifest)."""
    steps = info["training"]["steps"]
    by_step = sorted((int(step), psnr) for step, psnr in info.get("test_psnr_during_training", {}).items())
    if by_step:
        for code in languages_of(lang):  # the steps, listed as each language writes them
            _say_psnr_by_step(by_step, info, code)
    if info["training"]["stopped_by"] != "max_steps":
        say("Training stopped after {steps:,} steps, once the training loss no longer fell at the "
            "smallest learning rate.", lang, steps=steps)
        return
    if len(by_step) > 1 and by_step[-1][1] > by_step[-2][1]:
        gain, span = by_step[-1][1] - by_step[-2][1], by_step[-1][0] - by_step[-2][0]
        say("Training stopped at its cap of {steps:,} steps, not because the loss had stopped falling, "
            "and its test PSNR was still rising ({gain:+.2f} dB over the last {span:,} steps): it shows "
            "what this architecture reaches after {steps:,} steps, not the most it can reach.", lang,
            steps=steps, gain=gain, span=span)
    else:
        say("Training stopped at its cap of {steps:,} steps.", lang, steps=steps)


def _say_psnr_by_step(by_step: list[tuple[int, float]], info: dict, code: str) -> None:
    separator = translate(N_(", ", "clause separator"), code)
    points = separator.join(translated("{psnr:.2f} dB after {steps:,} steps", code, psnr=psnr, steps=step)
                            for step, psnr in by_step)
    images = info["data"]["test_images"]
    if info.get("noise_factor"):
        say("Its PSNR on the {images:,} noisy test images during training: {points}.", code,
            images=images, points=points)
    else:
        say("Its PSNR on the {images:,} test images during training: {points}.", code, images=images, points=points)


def load_pretrained(name: str, *, folder: str | os.PathLike | None = None):
    """Load a shipped, fully trained model after checking its file and architecture.

    Parameters
    ----------
    name : str
        ``"conv_16_8_8"``, ``"denoise_32_32_16"``, ``"transpose3_16_8_8"`` or
        ``"transpose4_16_8_8"`` (see ``assets/models/manifest.json``).
    folder : path, optional
        Defaults to :func:`models_folder`.

    Returns
    -------
    keras.Model
        The same kind of model as :func:`course_utils.build_conv_autoencoder`
        builds: images in, logits out.

    Raises
    ------
    PretrainedModelError
        If the file is missing, its SHA-256 differs from the manifest's
        (truncated or altered), Keras cannot read it, or it holds another
        architecture than the manifest names. The message names the file and
        the command that rebuilds it; nothing is retrained silently.

    Examples
    --------
    >>> model = load_pretrained("conv_16_8_8")  # doctest: +SKIP
    """
    info = pretrained_info(name, folder=folder)
    path = models_folder(folder) / info["file"]
    _check_file(path, info["sha256"])
    model = _read_keras_file(path)
    _check_architecture(model, info["architecture"], path)
    return model


def _check_file(path: Path, sha256: str) -> None:
    if not path.is_file():
        raise PretrainedModelError(error_text(
            "Model file {path} is missing. Rebuild it with `{command}` (or restore it with git).",
            path=path, command=REBUILD_COMMAND))
    if file_sha256(path) != sha256:
        raise PretrainedModelError(error_text(
            "Model file {path} does not match its SHA-256 in {manifest}: it is truncated or altered. "
            "Restore it with `git checkout {path}` or rebuild it with `{command}`.",
            path=path, manifest=MANIFEST_NAME, command=REBUILD_COMMAND))


def _read_keras_file(path: Path):
    import keras

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, TypeError) as error:
        raise PretrainedModelError(error_text(
            "Keras cannot read {path} ({error}). Rebuild it with `{command}`.",
            path=path, error=type(error).__name__, command=REBUILD_COMMAND)) from None


def build_from_manifest(architecture: dict, *, seed: int = 0):
    """Build the untrained model that a manifest entry's ``architecture`` describes.

    Parameters
    ----------
    architecture : dict
        :func:`course_utils.build_conv_autoencoder`'s arguments as the manifest
        stores them, e.g. ``{"filters": [16, 8, 8], "upsampling": "nearest"}``.
    seed : int
        Seeds the initial weights.

    Returns
    -------
    keras.Model
    """
    from course_utils.models import build_conv_autoencoder

    return build_conv_autoencoder(**{**architecture, "filters": tuple(architecture["filters"])}, seed=seed)


def _check_architecture(model, architecture: dict, path: Path) -> None:
    expected = build_from_manifest(architecture)
    if _layer_signature(model) != _layer_signature(expected):
        raise PretrainedModelError(error_text(
            "{path} holds a different architecture than its manifest entry ({architecture}). "
            "Rebuild it with `{command}`.", path=path, architecture=architecture, command=REBUILD_COMMAND))


def _layer_signature(model) -> list[tuple]:
    """(layer class, output shape, weight shapes) of every layer, nested models flattened."""
    rows = []
    for layer in model.layers:
        if hasattr(layer, "layers"):
            rows.extend(_layer_signature(layer))
        else:
            rows.append((type(layer).__name__, tuple(layer.output.shape[1:]),
                         tuple(tuple(w.shape) for w in layer.weights)))
    return rows
