"""course_utils.training: a one-epoch smoke run where the loss goes down, seeding, logs."""

import keras
import pytest

from course_utils.data import Dataset
from course_utils.metrics import evaluate
from course_utils.models import build_conv_autoencoder
from course_utils.training import train_autoencoder


@pytest.fixture(scope="module")
def small():
    """400 training and 200 test images of the embedded subset."""
    from course_utils.data import load_dataset

    full = load_dataset(source="embedded", train_limit=400)
    return Dataset(full.name, full.x_train, full.y_train, full.x_test[:200],
                   full.y_test[:200], full.description)


def test_one_epoch_lowers_the_loss(small, capsys):
    model = build_conv_autoencoder()
    before = evaluate(model, small.x_test, small.x_test)["bce"]
    history = train_autoencoder(model, small, epochs=1, batch_size=50, lang="en")
    after = evaluate(model, small.x_test, small.x_test)["bce"]
    assert isinstance(history, keras.callbacks.History)
    assert after < before - 0.01
    assert history.history["val_loss"][0] == pytest.approx(after, rel=1e-3)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("epoch 1/1  loss ")


def test_the_epoch_log_follows_lang(small, capsys):
    train_autoencoder(build_conv_autoencoder(), small, epochs=1, batch_size=100, lang="zh")
    [line] = capsys.readouterr().out.strip().splitlines()
    assert line.startswith("第 1/1 轮  训练损失 ") and "验证损失" in line and line.endswith(" 秒")


def test_validation_noise_follows_the_seed_rule(small):
    from course_utils.defaults import validation_noise_seed
    from course_utils.noise import add_noise
    from course_utils.training import validation_inputs

    assert validation_noise_seed(0) == 1 and validation_noise_seed(41) == 42
    noisy = validation_inputs(small, 0.5, seed=3)
    assert (noisy == add_noise(small.x_test, 0.5, seed=4)).all()
    assert not (noisy == add_noise(small.x_test, 0.5, seed=3)).all(), "never the training noise"
    assert validation_inputs(small, 0.0, seed=3) is small.x_test


def test_denoiser_learns_to_map_noisy_to_clean(small):
    model = build_conv_autoencoder((32, 32, 16))
    history = train_autoencoder(model, small, epochs=2, batch_size=50, noise_factor=0.5,
                                verbose=False)
    losses = history.history["loss"]
    assert len(losses) == 2 and losses[1] < losses[0]


def test_same_seed_same_losses(small):
    def run(seed):
        model = build_conv_autoencoder(seed=seed)
        history = train_autoencoder(model, small, epochs=2, batch_size=100,
                                    noise_factor=0.3, seed=seed, verbose=False)
        return history.history["loss"] + history.history["val_loss"]

    assert run(0) == run(0)
    assert run(0) != run(1)


@pytest.mark.parametrize("arguments, message", [
    ({"epochs": 0}, "epochs must be a whole number >= 1"),
    ({"epochs": 1, "batch_size": 2.5}, "batch_size must be a whole number >= 1"),
    ({"epochs": 1, "noise_factor": -1}, "noise_factor must be a finite number >= 0"),
])
def test_bad_arguments(small, arguments, message):
    with pytest.raises(ValueError, match=message):
        train_autoencoder(build_conv_autoencoder(), small, **arguments)
