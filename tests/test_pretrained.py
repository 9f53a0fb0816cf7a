"""The fully trained models in assets/models/: scores as recorded, clean splits, clear errors."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from course_tools.run.pretrain import ROUND_STEPS
from course_utils import defaults
from course_utils.data import load_dataset
from course_utils.data.files import images_sha256
from course_utils.metrics import evaluate
from course_utils.noise import add_noise
from course_utils.pretrained import (
    PretrainedModelError,
    describe_pretrained,
    file_sha256,
    load_pretrained,
    models_folder,
    pretrained_info,
    read_manifest,
    unseen_by_pretrained,
)

MANIFEST = read_manifest()
SHIPPED = ["conv_16_8_8", "denoise_32_32_16", "transpose3_16_8_8", "transpose4_16_8_8"]
# The 4,000-image models shipped before full MNIST (commit e8590f1), scored on the
# official 10,000 test images (validation noise seed 1 for the denoiser): the new
# models, trained on all 60,000 training images, must beat them.
BEFORE_FULL_MNIST = {"conv_16_8_8": (20.8833, 0.8839), "denoise_32_32_16": (19.4745, 0.8408),
                     "transpose3_16_8_8": (19.4091, 0.8359), "transpose4_16_8_8": (21.0315, 0.8859)}


@pytest.fixture(scope="module")
def official(full_mnist):
    return full_mnist


def test_every_lesson_model_is_shipped():
    assert list(MANIFEST) == SHIPPED
    for name, entry in MANIFEST.items():
        assert entry["bytes"] < 200_000, "models stay small"
        training = entry["training"]
        if training["stopped_by"] != "plateau":
            # stopped by the step cap: the cooldown must have run to the smallest rate by then
            assert training["final_learning_rate"] == pytest.approx(training["smallest_rate"]), name
        curve = dict(sorted((int(step), psnr) for step, psnr in entry["test_psnr_during_training"].items()))
        assert curve[training["steps"]] == pytest.approx(entry["test"]["psnr"], abs=0.001), \
            "the curve ends with the final score"


def test_the_description_says_where_training_stopped_and_how_the_score_rose(capsys):
    # the manifest's curve for conv_16_8_8: 20.872 dB after 40,000 steps, 20.972 after 47,000 (the cap)
    unseen_test_images = SimpleNamespace(name="mnist", test_from="test", x_test=np.zeros((2, 28, 28, 1)))
    assert describe_pretrained("conv_16_8_8", unseen_test_images, lang="en")
    printed = capsys.readouterr().out
    assert "19.61 dB after 10,000 steps" in printed and "20.97 dB after 47,000 steps" in printed
    assert "stopped at its cap of 47,000 steps" in printed
    assert "still rising (+0.10 dB over the last 7,000 steps)" in printed


@pytest.mark.parametrize("name", SHIPPED)
def test_recomputed_scores_match_the_manifest_and_beat_the_4000_image_models(name, official):
    entry = pretrained_info(name)
    inputs = official.x_test
    if entry["noise_factor"]:
        inputs = add_noise(official.x_test, entry["noise_factor"], seed=entry["test"]["noise_seed"])
    scores = evaluate(load_pretrained(name), inputs, official.x_test)
    assert scores["psnr"] == pytest.approx(entry["test"]["psnr"], abs=0.05)
    assert scores["ssim"] == pytest.approx(entry["test"]["ssim"], abs=0.005)
    before_psnr, before_ssim = BEFORE_FULL_MNIST[name]
    assert scores["psnr"] > before_psnr and scores["ssim"] > before_ssim


def test_the_denoiser_holds_its_score_on_other_noise_seeds(official):
    model = load_pretrained("denoise_32_32_16")
    recorded = pretrained_info("denoise_32_32_16")["test"]["psnr"]
    for seed in (7, 1234):
        noisy = add_noise(official.x_test, 0.5, seed=seed)
        assert evaluate(model, noisy, official.x_test)["psnr"] == pytest.approx(recorded, abs=0.1)


@pytest.mark.parametrize("name", SHIPPED)
def test_trained_on_the_official_training_images_only(name, official):
    data = pretrained_info(name)["data"]
    assert data["train_sha256"] == images_sha256(official.x_train)
    assert data["test_sha256"] == images_sha256(official.x_test)
    assert (data["train_images"], data["test_images"]) == (60_000, 10_000)
    train = {image.tobytes() for image in official.x_train}
    assert not [i for i, image in enumerate(official.x_test) if image.tobytes() in train]


def test_shipped_models_are_scored_only_on_images_they_never_saw(official, embedded):
    for name in SHIPPED:
        assert unseen_by_pretrained(name, official)
        for seed in (0, 5):  # any split of the embedded subset: all official training images
            assert not unseen_by_pretrained(name, load_dataset(source="embedded", seed=seed, lang="en"))


def test_a_model_trained_on_an_embedded_split_may_be_scored_on_that_split_only(tmp_path, embedded):
    manifest = {"conv_16_8_8": {"data": {"name": "mnist", "source": "embedded",
                                         "test_sha256": images_sha256(embedded.x_test)}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert unseen_by_pretrained("conv_16_8_8", embedded, folder=tmp_path)
    other_split = load_dataset(source="embedded", seed=5, lang="en")
    assert not unseen_by_pretrained("conv_16_8_8", other_split, folder=tmp_path)


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
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest[name].update(changes)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


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
    (tmp_path / "manifest.json").write_text("{ broken", encoding="utf-8")
    with pytest.raises(PretrainedModelError, match="not valid JSON"):
        read_manifest(tmp_path)


def test_the_manifest_records_how_to_reproduce_each_model():
    for entry in MANIFEST.values():
        training = entry["training"]
        assert training["batch_size"] == defaults.BATCH_SIZE
        assert training["learning_rate"] == defaults.LEARNING_RATE
        assert training["steps"] % ROUND_STEPS == 0 and training["steps"] >= 10_000
        images_seen = training["steps"] * training["batch_size"]
        assert training["epochs"] == pytest.approx(images_seen / entry["data"]["train_images"], abs=0.05)
        assert {"tensorflow", "keras", "numpy", "python"} <= set(entry["versions"])
        if entry["noise_factor"]:
            assert entry["test"]["noise_seed"] == defaults.validation_noise_seed(training["seed"])
