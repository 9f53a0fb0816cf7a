"""course_tools.run.pretrain (make models): the plateau schedule in steps, and resuming."""

from __future__ import annotations

import json

import keras
import pytest

from course_tools.run import pretrain
from course_utils.data import load_dataset
from course_utils.models import build_conv_autoencoder
from course_utils.training import compile_autoencoder


def schedule_on(losses, patience=2, cooldown=None):
    model = compile_autoencoder(build_conv_autoencoder((4, 4, 4)))
    schedule = pretrain.PlateauSchedule(patience, cooldown=cooldown)
    schedule.set_model(model)
    rates = []
    for round_index, loss in enumerate(losses):
        schedule.on_epoch_begin(round_index)
        schedule.on_epoch_end(round_index, {"loss": loss})
        rates.append(float(model.optimizer.learning_rate))
        if model.stop_training:
            break
    return rates, schedule


def test_the_rate_halves_after_patience_rounds_without_a_lower_loss():
    rates, schedule = schedule_on([0.5, 0.4, 0.4, 0.4, 0.3, 0.3, 0.3])
    assert rates == pytest.approx([1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 2.5e-4])
    assert not schedule.finished


def test_training_stops_once_the_smallest_rate_stalls_too():
    rates, schedule = schedule_on([0.5] + [0.5] * 20)
    assert rates[-1] == pytest.approx(pretrain.SMALLEST_RATE) and schedule.finished
    assert len(rates) == 1 + 2 * 5, "four halvings to 1/16, then one more wait at the floor"


def test_the_last_rounds_of_the_budget_lower_the_rate_linearly_to_the_smallest():
    rates, _ = schedule_on([0.5, 0.4, 0.3, 0.2, 0.1, 0.05], cooldown=(2, 6))
    smallest = pretrain.SMALLEST_RATE
    expected = [1e-3, 1e-3] + [1e-3 + (smallest - 1e-3) * k / 4 for k in (1, 2, 3, 4)]
    assert rates == pytest.approx(expected)


@pytest.fixture
def small_rounds(monkeypatch):
    monkeypatch.setattr(pretrain, "ROUND_STEPS", 5)
    monkeypatch.setattr(pretrain, "SCORE_EVERY_STEPS", 10)


def test_an_interrupted_run_resumes_from_its_checkpoint(tmp_path, small_rounds, capsys):
    dataset = load_dataset(source="embedded", train_limit=200, test_limit=50, lang="en")
    options = dict(source="embedded", seed=0, checkpoint_dir=tmp_path / "conv")
    pretrain.train_one("conv_16_8_8", dataset, max_steps=5, **options)  # "interrupted" after 1 round
    state = json.loads((tmp_path / "conv" / "state.json").read_text(encoding="utf-8"))
    assert state["rounds"] == 1
    model, entry = pretrain.train_one("conv_16_8_8", dataset, max_steps=20, **options)
    assert "resuming from" in capsys.readouterr().out
    assert entry["training"]["steps"] == 20 and entry["training"]["stopped_by"] == "max_steps"
    assert list(entry["test_psnr_during_training"]) == ["10", "20"]
    assert int(model.optimizer.iterations) == 20, "the optimizer's state came back too"


def test_a_checkpoint_for_other_settings_is_not_resumed(tmp_path, small_rounds, capsys):
    options = dict(source="embedded", seed=0, checkpoint_dir=tmp_path / "conv")
    first = load_dataset(source="embedded", train_limit=200, test_limit=50, lang="en")
    pretrain.train_one("conv_16_8_8", first, max_steps=5, **options)
    other = load_dataset(source="embedded", train_limit=100, test_limit=50, lang="en")
    _, entry = pretrain.train_one("conv_16_8_8", other, max_steps=5, **options)
    assert "made for other settings; starting afresh" in capsys.readouterr().out
    assert entry["training"]["steps"] == 5


def test_saved_models_are_small_and_listed_with_their_hash(tmp_path, small_rounds):
    dataset = load_dataset(source="embedded", train_limit=100, test_limit=50, lang="en")
    model, entry = pretrain.train_one("transpose3_16_8_8", dataset, max_steps=5, source="embedded",
                                      seed=0, checkpoint_dir=tmp_path / "ckpt")
    saved = pretrain.save_model(model, entry, "transpose3_16_8_8", tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["transpose3_16_8_8"]["sha256"] == saved["sha256"]
    reloaded = keras.saving.load_model(tmp_path / "out" / "transpose3_16_8_8.keras", compile=False)
    assert reloaded.count_params() == model.count_params()
    assert saved["bytes"] < 100_000, "no optimizer state in the shipped file"
