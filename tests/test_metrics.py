"""course_utils.metrics, checked against independent references."""

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from course_utils.metrics import evaluate, image_scores, mean_bce, mean_mse, psnr, ssim
from course_utils.models import build_conv_autoencoder


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    clean = rng.random((4, 28, 28, 1), dtype=np.float32)
    noisy = np.clip(clean + 0.1 * rng.standard_normal(clean.shape, dtype=np.float32), 0, 1)
    return clean, noisy


def test_known_mse_gives_known_psnr():
    clean = np.zeros((1, 28, 28, 1), np.float32)
    # Every pixel off by 0.1: MSE 0.01, so PSNR = 10·log10(1 / 0.01) = 20 dB.
    assert psnr(clean, clean + 0.1)[0] == pytest.approx(20.0, abs=1e-4)
    assert mean_mse(clean, clean + 0.1) == pytest.approx(0.01, rel=1e-5)


def test_identical_images():
    images = np.random.default_rng(1).random((2, 28, 28, 1), dtype=np.float32)
    assert np.all(np.isinf(psnr(images, images)))
    np.testing.assert_allclose(ssim(images, images), 1.0, rtol=1e-6)
    assert mean_mse(images, images) == 0.0


def test_psnr_matches_scikit_image(pair):
    clean, noisy = pair
    expected = [peak_signal_noise_ratio(c, n, data_range=1.0) for c, n in zip(clean, noisy)]
    np.testing.assert_allclose(psnr(clean, noisy), expected, rtol=1e-4)


def test_ssim_matches_scikit_image(pair):
    clean, noisy = pair
    # tf.image.ssim uses an 11×11 Gaussian window with sigma 1.5, no padding:
    # scikit-image's Wang et al. settings, averaged over the valid region.
    expected = [
        structural_similarity(c[..., 0], n[..., 0], data_range=1.0, gaussian_weights=True,
                              sigma=1.5, use_sample_covariance=False)
        for c, n in zip(clean, noisy)
    ]
    np.testing.assert_allclose(ssim(clean, noisy), expected, atol=0.02)


def test_ssim_names_the_window_for_small_images():
    crop = np.zeros((1, 8, 8, 1), dtype=np.float32)
    with pytest.raises(ValueError, match="11×11 window.*got 8×8"):
        ssim(crop, crop)


def test_bce_against_formula():
    targets = np.array([0.0, 1.0, 0.25, 0.8], np.float32).reshape(1, 2, 2, 1)
    logits = np.array([-2.0, 3.0, 0.0, 1.0], np.float32).reshape(1, 2, 2, 1)
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    expected = np.mean(-(targets * np.log(p) + (1 - targets) * np.log(1 - p)))
    assert mean_bce(targets, logits) == pytest.approx(expected, rel=1e-5)


def test_evaluate_returns_all_four(pair):
    clean, _ = pair
    model = build_conv_autoencoder()
    scores = evaluate(model, clean, clean)
    assert set(scores) == {"bce", "mse", "psnr", "ssim"}
    assert 0 < scores["mse"] < 1 and 0 < scores["bce"] and -1 <= scores["ssim"] <= 1


def test_image_scores_of_the_noisy_input(pair):
    clean, noisy = pair
    scores = image_scores(clean, noisy)
    # expected values from scikit-image and numpy, not from course_utils' own psnr / mse
    expected_psnr = np.mean([peak_signal_noise_ratio(a, b, data_range=1.0) for a, b in zip(clean, noisy)])
    assert scores["psnr"] == pytest.approx(expected_psnr, rel=1e-4)
    assert scores["mse"] == pytest.approx(float(np.mean((clean - noisy) ** 2)), rel=1e-5)


def test_shape_mismatch():
    with pytest.raises(ValueError, match="Input images must have the same dimensions"):
        psnr(np.zeros((2, 28, 28, 1)), np.zeros((3, 28, 28, 1)))


def test_checkerboard_score_separates_patterns_from_smooth_images():
    from course_utils.metrics import checkerboard_score

    rows, cols = np.indices((28, 28))
    blob = np.exp(-((rows - 14) ** 2 + (cols - 14) ** 2) / 40.0)
    checkerboard = (rows + cols) % 2 - 0.5
    period_4 = (cols % 4 < 2) - 0.5
    # A smooth image's spectrum falls with frequency: the grid frequencies hold less than their neighbours.
    assert checkerboard_score(blob[None, ..., None]) < 1
    # A faint grid on top makes them peak: 14 (period 2) and 7, 21 (period 4) of 28.
    assert checkerboard_score((blob + 0.05 * checkerboard)[None, ..., None]) > 10
    assert checkerboard_score((blob + 0.05 * period_4)[None, ..., None]) > 10
    assert checkerboard_score((blob + 0.05 * period_4)[None, ..., None], periods=(2,)) < 1
    # White noise has a flat spectrum: grid and neighbouring frequencies are alike.
    noise = np.random.default_rng(0).random((200, 28, 28, 1))
    assert checkerboard_score(noise) == pytest.approx(1.0, abs=0.1)
    with pytest.raises(ValueError, match="divisible by"):
        checkerboard_score(np.zeros((1, 30, 30, 1)))


def test_nearest_neighbour_digits_reads_clean_test_images(embedded):
    from course_utils.metrics import nearest_neighbour_digits

    digits, agreement = nearest_neighbour_digits(embedded.x_test[:300], embedded.x_train, embedded.y_train)
    # 5-NN on raw MNIST pixels is about 95% accurate (LeCun et al.'s table: 2.4 to 5% error);
    # with only 4,000 references expect at least 85%.
    assert np.mean(digits == embedded.y_test[:300]) > 0.85
    assert set(np.unique(agreement)) <= {0.2, 0.4, 0.6, 0.8, 1.0}


def test_nearest_neighbour_digits_votes_exactly():
    from course_utils.metrics import nearest_neighbour_digits

    reference = np.zeros((5, 28, 28, 1), np.float32)
    reference[:3, 0, 0] = 1.0  # three images close to a bright corner, labelled 7
    labels = np.array([7, 7, 7, 1, 1])
    query = np.zeros((1, 28, 28, 1), np.float32)
    query[0, 0, 0] = 0.9
    digits, agreement = nearest_neighbour_digits(query, reference, labels, k=3)
    assert digits.tolist() == [7] and agreement.tolist() == [1.0]
    digits, agreement = nearest_neighbour_digits(query, reference, labels, k=5)
    assert digits.tolist() == [7] and agreement.tolist() == [0.6]
    with pytest.raises(ValueError, match="k must be between 1 and the 5"):
        nearest_neighbour_digits(query, reference, labels, k=6)
