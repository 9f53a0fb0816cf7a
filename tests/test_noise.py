"""course_utils.noise: range, no mutation, seeding, fresh noise every epoch."""

import numpy as np
import pytest

from course_utils.noise import add_noise, noisy_batches


@pytest.fixture
def images():
    return np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)


def test_range_and_shape(images):
    noisy = add_noise(images, 0.5, seed=0)
    assert noisy.shape == images.shape and noisy.dtype == np.float32
    assert noisy.min() == 0.0 and noisy.max() == 1.0, "clipped at both ends"


def test_input_is_not_modified(images):
    before = images.copy()
    add_noise(images, 0.5, seed=0)
    np.testing.assert_array_equal(images, before)


def test_same_seed_same_noise(images):
    np.testing.assert_array_equal(add_noise(images, seed=3), add_noise(images, seed=3))
    assert not np.array_equal(add_noise(images, seed=3), add_noise(images, seed=4))


def test_noise_scale_matches_factor():
    flat = np.full((200, 28, 28, 1), 0.5, dtype=np.float32)
    # At 0.5 ± 0.1 nothing is clipped, so the spread is the factor itself.
    assert abs(np.std(add_noise(flat, 0.1, seed=0) - flat) - 0.1) < 0.002


def test_zero_factor_returns_a_copy(images):
    noisy = add_noise(images, 0.0, seed=0)
    np.testing.assert_array_equal(noisy, images)
    assert noisy is not images


@pytest.mark.parametrize("factor", [-0.1, float("nan"), float("inf"), "loud"])
def test_bad_factor(images, factor):
    with pytest.raises(ValueError, match="noise_factor must be"):
        add_noise(images, factor)


@pytest.mark.parametrize("batch_size", [0, 2.5, True])
def test_bad_batch_size(images, batch_size):
    with pytest.raises(ValueError, match="batch_size must be a whole number"):
        noisy_batches(images, 0.5, batch_size=batch_size, seed=0)


def epoch_inputs(dataset):
    return np.concatenate([noisy.numpy() for noisy, _ in dataset])


def test_pipeline_draws_fresh_noise_each_epoch(images):
    dataset = noisy_batches(images, 0.5, batch_size=16, seed=0)
    first, second = epoch_inputs(dataset), epoch_inputs(dataset)
    assert first.shape == images.shape
    assert not np.allclose(np.sort(first, axis=None), np.sort(second, axis=None))


def test_pipeline_pairs_noisy_inputs_with_clean_targets(images):
    for noisy, clean in noisy_batches(images, 0.5, batch_size=16, seed=0):
        noisy, clean = noisy.numpy(), clean.numpy()
        assert any(np.array_equal(c, image) for c in clean[:1] for image in images)
        assert 0.0 <= noisy.min() and noisy.max() <= 1.0
        assert 0.2 < np.abs(noisy - clean).mean() < 0.5


def test_pipeline_is_seeded(images):
    a = noisy_batches(images, 0.5, batch_size=16, seed=7)
    b = noisy_batches(images, 0.5, batch_size=16, seed=7)
    np.testing.assert_array_equal(epoch_inputs(a), epoch_inputs(b))
    np.testing.assert_array_equal(epoch_inputs(a), epoch_inputs(b))  # second epochs too
