"""course_utils.exercises: the checks give the right verdict in the student's language."""

import re

import keras
import pytest
from keras import layers

from course_utils.exercises import (
    check_architecture,
    check_choice,
    check_parameter_count,
    check_value,
)
from course_utils.models import build_conv_autoencoder


def student_model(last_depth=16):
    images = keras.Input((28, 28, 1))
    x = images
    for depth in (16, 8, 8):
        x = layers.Conv2D(depth, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2, padding="same")(x)
    for depth, size in zip((8, 8, last_depth), (7, 14, 28)):
        x = layers.UpSampling2D(2)(x) if size != 7 else layers.Resizing(7, 7, interpolation="nearest")(x)
        x = layers.Conv2D(depth, 3, padding="same", activation="relu")(x)
    return keras.Model(images, layers.Conv2D(1, 3, padding="same")(x))


def test_matching_model_passes_even_with_upsampling2d(capsys):
    assert check_architecture(student_model(), build_conv_autoencoder(), lang="en")
    assert "All 13 layers match the reference (4,385 parameters)." in capsys.readouterr().out


def test_the_differing_layer_is_named_in_chinese(capsys):
    assert not check_architecture(student_model(last_depth=8), build_conv_autoencoder(), lang="zh")
    out = capsys.readouterr().out
    assert out.startswith("第 12 层与参考模型不同") and "Conv2D → 28×28×8，584 个参数" in out  # 3·3·8·8 + 8
    assert "28×28×16" not in out and "1,168" not in out, "the reference's layer is not given away"
    assert not re.search(r"[A-Za-z]{4,}", out.replace("Conv2D", "")), "no English words in Chinese feedback"


def test_a_decoder_taken_from_the_reference_does_not_pass(capsys):
    reference = build_conv_autoencoder()
    encoder = student_model().layers[:7]  # the student's own encoder: input and three conv + pool
    images, code = encoder[0].output, encoder[-1].output
    borrowed = keras.Model(images, reference.get_layer("decoder")(code))
    assert not check_architecture(borrowed, reference, lang="en")
    assert "uses the reference's own layers (decoder, resize4, conv4" in capsys.readouterr().out
    rebuilt = keras.Model(images, build_conv_autoencoder().get_layer("decoder")(code))  # the course's builder
    assert not check_architecture(rebuilt, reference, lang="zh")
    assert capsys.readouterr().out.startswith("你的模型用了参考模型自己的层（decoder、")


def test_parameter_count_check(capsys):
    assert check_parameter_count(4385, (16, 8, 8), lang="en")
    assert not check_parameter_count(4000, (16, 8, 8), lang="en")
    assert "Not yet" in capsys.readouterr().out


def test_value_and_choice_checks(capsys):
    assert not check_value(None, 3.0, lang="en")
    assert check_value(3.04, 3.0, tolerance=0.05, lang="en")
    assert check_choice([2, 4], {2, 4}, lang="both")
    assert not check_choice(3, {2, 4}, lang="en")
    assert "2 missing, 1 that should not be there" in capsys.readouterr().out
    with pytest.raises(ValueError, match="lang must be one of"):
        check_value(1, 1, lang="fr")


def test_dataset_exercise_checks(embedded, capsys):
    import numpy as np
    from skimage.metrics import peak_signal_noise_ratio

    from course_utils import add_noise
    from course_utils.exercises import (
        check_code_share,
        check_digit_count,
        check_noisy_psnr,
    )

    assert check_digit_count(400, embedded, 7, lang="en")  # 400 per digit in the embedded split
    assert not check_digit_count(500, embedded, 7, lang="en")
    # The expected value comes from scikit-image, not from the checker's own TensorFlow formula.
    noisy = add_noise(embedded.x_test, 0.3, seed=0)
    value = float(np.mean([peak_signal_noise_ratio(clean, dirty, data_range=1.0)
                           for clean, dirty in zip(embedded.x_test, noisy)]))
    assert check_noisy_psnr(value, embedded, 0.3, seed=0, lang="en")
    assert not check_noisy_psnr(value + 1, embedded, 0.3, seed=0, lang="en")
    # the code is 4×4×depth values of 28×28 pixels
    assert check_code_share(0.1633, (16, 8, 8), lang="en") and check_code_share(256 / 784, (32, 32, 16), lang="en")
    assert not check_code_share(128 / 784, (32, 32, 16), lang="en")


def test_best_method_check(capsys):
    from course_utils.exercises import check_best_method

    sweep = {"noisy input": [20.0, 9.0], "median": [19.0, 14.0], "autoencoder": [18.0, 15.0]}
    assert check_best_method("noisy input", sweep, [0.1, 0.5], 0.1, lang="en")
    assert not check_best_method("median", sweep, [0.1, 0.5], 0.5, lang="en")


def test_even_overlap_check_knows_the_multiples_of_the_stride(capsys):
    from course_utils.exercises import check_even_overlap

    # Odena et al. (2016): even overlap exactly when the stride divides the kernel size.
    assert check_even_overlap({2, 4, 6}, 2, range(2, 8), lang="en")
    assert check_even_overlap({3, 6, 9}, 3, range(2, 10), lang="en")
    assert not check_even_overlap({3, 5}, 2, range(2, 8), lang="zh")
    assert "漏选了 3 个，多选了 2 个" in capsys.readouterr().out


def test_most_ink_check_never_reveals_the_digit(full_mnist, capsys):
    import numpy as np

    from course_utils.exercises import check_most_ink

    # Independent of the checker: the brightest digit by total ink over all 60,000 images
    ink = np.bincount(full_mnist.y_train, weights=full_mnist.x_train.sum(axis=(1, 2, 3)), minlength=10)
    brightest = int(np.argmax(ink / np.bincount(full_mnist.y_train)))
    assert check_most_ink(brightest, full_mnist, lang="en")
    assert capsys.readouterr().out == f"Correct: {brightest}.\n"
    wrong = 1  # the thinnest strokes
    assert not check_most_ink(wrong, full_mnist, lang="en")
    feedback = capsys.readouterr().out
    assert feedback.startswith("Not yet: the training images of 1 average")
    assert not re.search(rf"(?<![\d.]){brightest}(?![\d.])", feedback), "the right digit is not given away"
    assert not check_most_ink(None, full_mnist, lang="zh")
    assert "还没有答案" in capsys.readouterr().out


def test_clipping_checks_accept_the_formula_and_the_measurement(full_mnist, capsys):
    import numpy as np

    from course_utils.exercises import (
        check_clipped_background_mean,
        check_unclipped_psnr,
    )

    # E[max(0, σZ)] = σ·φ(0) = σ/√(2π): the mean of a clipped black pixel
    assert check_clipped_background_mean(0.3 / np.sqrt(2 * np.pi), full_mnist, 0.3, seed=1, lang="en")
    assert not check_clipped_background_mean(0.0, full_mnist, 0.3, seed=1, lang="en")
    assert "Clipping turns every negative noisy value into 0" in capsys.readouterr().out
    # Without clipping the MSE is about σ², so PSNR ≈ 10·log10(1/0.25) = 6.02 dB
    assert check_unclipped_psnr(10 * np.log10(1 / 0.25), full_mnist, 0.5, seed=1, lang="en")
    assert not check_unclipped_psnr(9.4, full_mnist, 0.5, seed=1, lang="en")  # the clipped value


def test_most_ink_wants_one_digit(embedded, capsys):
    from course_utils.exercises import check_most_ink

    assert not check_most_ink(12, embedded, lang="en")
    assert capsys.readouterr().out == "Not yet: answer with one of the digits 0, 1, 2, 3, 4, 5, 6, 7, 8, 9.\n"
