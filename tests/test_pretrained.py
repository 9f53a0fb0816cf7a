"""The fully trained models in assets/models/: scores as recorded, clean splits, clear errors."""

from __future__ import annotations

import hashlib
import json
import shutil

import keras
import numpy as np
import pytest

from course_utils import defaults
from course_utils.data import load_dataset
from course_utils.metrics import evaluate
from course_utils.noise import add_noise
from course_utils.pretrained import (
    PretrainedModelError,
    file_sha256,
    load_pretrained,
    models_folder,
    pretrained_info,
    read_manifest,
)

MANIFEST = read_manifest()
SHIPPED = ["conv_16_8_8", "denoise_32_32_16", "transpose3_16_8_8", "transpose4_16_8_8"]
# Targets of issue "The course shows what it teaches", on the embedded test images.
TARGET_PSNR = {"conv_16_8_8": 20.5, "denoise_32_32_16": 19.0}


def split_for(entry):
    data = entry["data"]
    return load_dataset(data["name"], source=data["source"], seed=data["split_seed"], lang="en")


def pixels_sha256(images) -> str:
    return hashlib.sha256(np.ascontiguousarray(images, dtype=np.float32).tobytes()).hexdigest()


def test_every_lesson_model_is_shipped():
    assert list(MANIFEST) == SHIPPED
    for name, entry in MANIFEST.items():
        assert entry["bytes"] < 200_000, "models stay small"
        if entry["training"]["stopped_by"] != "plateau":
            # stopped by the epoch cap: the recorded test scores must have levelled off by then
            curve = [psnr for _, psnr in sorted((int(e), p) for e, p in entry["test_psnr_during_training"].items())]
            last_quarter = curve[-max(2, len(curve) // 4):]
            assert max(last_quarter) - min(last_quarter) < 0.15, f"{name} was still improving: {last_quarter}"


@pytest.mark.parametrize("name", SHIPPED)
def test_recomputed_scores_match_the_manifest(name):
    entry = pretrained_info(name)
    dataset = split_for(entry)
    inputs = dataset.x_test
    if entry["noise_factor"]:
        inputs = add_noise(dataset.x_test, entry["noise_factor"], seed=entry["test"]["noise_seed"])
    scores = evaluate(load_pretrained(name), inputs, dataset.x_test)
    assert scores["psnr"] == pytest.approx(entry["test"]["psnr"], abs=0.05)
    assert scores["ssim"] == pytest.approx(entry["test"]["ssim"], abs=0.005)
    if name in TARGET_PSNR:
        assert scores["psnr"] >= TARGET_PSNR[name]


def test_the_denoiser_holds_its_score_on_other_noise_seeds():
    entry = pretrained_info("denoise_32_32_16")
    dataset = split_for(entry)
    model = load_pretrained("denoise_32_32_16")
    for seed in (7, 1234):
        noisy = add_noise(dataset.x_test, 0.5, seed=seed)
        assert evaluate(model, noisy, dataset.x_test)["psnr"] >= TARGET_PSNR["denoise_32_32_16"]


@pytest.mark.parametrize("name", SHIPPED)
def test_trained_weights_never_saw_the_test_images(name):
    entry = pretrained_info(name)
    dataset = split_for(entry)
    assert entry["data"]["train_sha256"] == pixels_sha256(dataset.x_train)
    assert entry["data"]["test_sha256"] == pixels_sha256(dataset.x_test)
    assert entry["data"]["train_images"] == len(dataset.x_train)
    train = {image.tobytes() for image in dataset.x_train}
    assert not [i for i, image in enumerate(dataset.x_test) if image.tobytes() in train]


def test_the_files_open_in_plain_keras():
    path = models_folder() / MANIFEST["conv_16_8_8"]["file"]
    model = keras.saving.load_model(path, compile=False)
    assert model.count_params() == 4385
    assert model.output_shape == (None, 28, 28, 1)


@pytest.fixture
def copied_models(tmp_path):
    folder = tmp_path / "models"
    shutil.copytree(models_folder(), folder)
    return folder


def test_a_missing_file_names_the_file_and_the_fix(copied_models):
    (copied_models / "conv_16_8_8.keras").unlink()
    with pytest.raises(PretrainedModelError, match=r"conv_16_8_8\.keras is missing.*make models"):
        load_pretrained("conv_16_8_8", folder=copied_models)


def test_a_truncated_file_fails_its_hash(copied_models):
    path = copied_models / "denoise_32_32_16.keras"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(PretrainedModelError, match=r"denoise_32_32_16\.keras does not match its SHA-256"):
        load_pretrained("denoise_32_32_16", folder=copied_models)


def test_an_altered_file_fails_its_hash(copied_models):
    path = copied_models / "conv_16_8_8.keras"
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(PretrainedModelError, match="truncated or altered.*make models"):
        load_pretrained("conv_16_8_8", folder=copied_models)


def rewrite_manifest(folder, name, **changes):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest[name].update(changes)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_a_different_architecture_is_refused(copied_models):
    # The 16-8-8 file, listed as the 32-32-16 model with a matching hash.
    rewrite_manifest(copied_models, "denoise_32_32_16", file="conv_16_8_8.keras",
                     sha256=file_sha256(copied_models / "conv_16_8_8.keras"))
    with pytest.raises(PretrainedModelError, match="different architecture.*make models"):
        load_pretrained("denoise_32_32_16", folder=copied_models)


def test_a_file_keras_cannot_read_is_refused(copied_models):
    path = copied_models / "conv_16_8_8.keras"
    path.write_bytes(b"not a zip archive at all")
    rewrite_manifest(copied_models, "conv_16_8_8", sha256=file_sha256(path))
    with pytest.raises(PretrainedModelError, match=r"Keras cannot read .*conv_16_8_8\.keras"):
        load_pretrained("conv_16_8_8", folder=copied_models)


def test_unknown_names_and_missing_manifests(tmp_path):
    with pytest.raises(PretrainedModelError, match="Unknown model 'gan'.*conv_16_8_8"):
        load_pretrained("gan")
    with pytest.raises(PretrainedModelError, match="No model manifest.*make models"):
        load_pretrained("conv_16_8_8", folder=tmp_path)
    (tmp_path / "manifest.json").write_text("{ broken")
    with pytest.raises(PretrainedModelError, match="not valid JSON"):
        read_manifest(tmp_path)


def test_the_manifest_records_how_to_reproduce_each_model():
    for entry in MANIFEST.values():
        training = entry["training"]
        assert training["batch_size"] == defaults.BATCH_SIZE
        assert training["learning_rate"] == defaults.LEARNING_RATE
        assert training["steps"] == training["epochs"] * -(-entry["data"]["train_images"] // training["batch_size"])
        assert {"tensorflow", "keras", "numpy", "python"} <= set(entry["versions"])
        if entry["noise_factor"]:
            assert entry["test"]["noise_seed"] == defaults.validation_noise_seed(training["seed"])
