"""course_utils.baselines: classical denoisers, tuning on training images, report card."""

import numpy as np
import pytest
from scipy import ndimage

from course_utils import add_noise, psnr
from course_utils.baselines import (
    CLASSICAL_DENOISERS,
    gaussian_blur,
    median_filter,
    nl_means,
    noise_sweep,
    report_card,
    tune_on_training,
)


@pytest.fixture(scope="module")
def digits(embedded):
    return embedded.x_train[:120], embedded.x_test[:60]


def test_median_filter_removes_a_single_outlier():
    image = np.zeros((1, 28, 28, 1), np.float32)
    image[0, 10, 10, 0] = 1.0
    assert median_filter(image).max() == 0.0


def test_gaussian_blur_matches_scipy_per_image():
    images = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    expected = ndimage.gaussian_filter(images[1, ..., 0], sigma=1.0)
    np.testing.assert_allclose(gaussian_blur(images, sigma=1.0)[1, ..., 0], expected, rtol=1e-5)


def test_every_method_improves_on_the_noisy_input(digits):
    clean = digits[1]
    noisy = add_noise(clean, 0.5, seed=1)
    settings = tune_on_training(digits[0], 0.5, n=60)
    card = report_card(clean, {"noisy": noisy, **{
        name: CLASSICAL_DENOISERS[name][0](noisy, **kwargs) for name, kwargs in settings.items()}})
    for name in CLASSICAL_DENOISERS:
        assert card[name]["psnr"] > card["noisy"]["psnr"] + 1.0, name


def test_tuning_picks_from_the_grid_by_training_psnr(digits):
    settings = tune_on_training(digits[0], 0.5, n=60)
    assert settings["gaussian blur"]["sigma"] in CLASSICAL_DENOISERS["gaussian blur"][2]
    clean = digits[0][:60]
    noisy = add_noise(clean, 0.5, seed=0)
    best = max(CLASSICAL_DENOISERS["non-local means"][2],
               key=lambda h: psnr(clean, nl_means(noisy, h=h)).mean())
    assert settings["non-local means"]["h"] == best


def test_noise_sweep_shapes_and_trend(digits):
    factors = [0.1, 0.4, 0.7]
    sweep = noise_sweep(digits[0][:60], digits[1][:30], factors,
                        learned={"identity": lambda x: x, "blank": np.zeros_like})
    assert set(sweep) == {"noisy input", "identity", "blank", *CLASSICAL_DENOISERS}
    assert all(len(values) == 3 for values in sweep.values())
    assert sweep["noisy input"][0] > sweep["noisy input"][1] > sweep["noisy input"][2]
    assert sweep["identity"] == sweep["noisy input"], "an identity 'denoiser' scores as the input"
    assert len(set(sweep["blank"])) == 1, "a blank output ignores the noise level"


def test_method_names_follow_lang_and_keep_their_keys():
    from course_utils.baselines import method_name

    assert method_name("median 3×3", "zh") == "3×3 中值滤波"
    assert method_name("non-local means", "en") == "non-local means"
    assert method_name("autoencoder (fully trained)", "both") == "自编码器（充分训练） / autoencoder (fully trained)"
    assert method_name("something new", "zh") == "something new"


def test_nl_means_keeps_shape_and_range(digits):
    out = nl_means(add_noise(digits[1][:4], 0.5, seed=0))
    assert out.shape == (4, 28, 28, 1) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
