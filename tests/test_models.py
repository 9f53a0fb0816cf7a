"""course_utils.models: exact parameter counts and every layer's output shape."""

import numpy as np
import pytest

from course_utils.models import as_images, build_conv_autoencoder, reconstruct

NEAREST_16_8_8 = [
    ("conv1", (28, 28, 16)), ("pool1", (14, 14, 16)),
    ("conv2", (14, 14, 8)), ("pool2", (7, 7, 8)),
    ("conv3", (7, 7, 8)), ("pool3", (4, 4, 8)),
    ("resize4", (7, 7, 8)), ("conv4", (7, 7, 8)),
    ("resize5", (14, 14, 8)), ("conv5", (14, 14, 8)),
    ("resize6", (28, 28, 8)), ("conv6", (28, 28, 16)),
    ("logits", (28, 28, 1)),
]
TRANSPOSE_32_32_16 = [
    ("conv1", (28, 28, 32)), ("pool1", (14, 14, 32)),
    ("conv2", (14, 14, 32)), ("pool2", (7, 7, 32)),
    ("conv3", (7, 7, 16)), ("pool3", (4, 4, 16)),
    ("deconv4", (8, 8, 16)), ("crop4", (7, 7, 16)),
    ("deconv5", (14, 14, 32)), ("deconv6", (28, 28, 32)),
    ("logits", (28, 28, 1)),
]


def layer_shapes(model):
    return [(layer.name, tuple(layer.output.shape[1:]))
            for part in ("encoder", "decoder")
            for layer in model.get_layer(part).layers[1:]]


@pytest.mark.parametrize("filters, upsampling, params", [
    ((16, 8, 8), "nearest", 4385),
    ((32, 32, 16), "nearest", 30689),
    ((16, 8, 8), "transpose", 4385),
    ((32, 32, 16), "transpose", 30689),
])
def test_parameter_counts(filters, upsampling, params):
    model = build_conv_autoencoder(filters, upsampling=upsampling)
    assert model.count_params() == params


def test_layer_shapes_nearest_16_8_8():
    assert layer_shapes(build_conv_autoencoder((16, 8, 8))) == NEAREST_16_8_8


def test_layer_shapes_nearest_32_32_16():
    shapes = layer_shapes(build_conv_autoencoder((32, 32, 16)))
    assert [depth for _, (_, _, depth) in shapes] == [32, 32, 32, 32, 16, 16, 16, 16, 16, 32, 32, 32, 1]


def test_layer_shapes_transpose_32_32_16():
    model = build_conv_autoencoder((32, 32, 16), upsampling="transpose")
    assert layer_shapes(model) == TRANSPOSE_32_32_16


def test_code_is_4x4x8_which_is_16_percent_of_the_input():
    encoder = build_conv_autoencoder().get_layer("encoder")
    assert encoder.output.shape[1:] == (4, 4, 8)
    assert np.prod(encoder.output.shape[1:]) / 784 == pytest.approx(0.163, abs=0.001)


def test_encoder_and_decoder_compose_to_the_model():
    model = build_conv_autoencoder()
    images = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    code = model.get_layer("encoder").predict(images, verbose=0)
    logits = model.get_layer("decoder").predict(code, verbose=0)
    np.testing.assert_allclose(logits, model.predict(images, verbose=0), rtol=1e-5, atol=1e-6)


def test_same_seed_same_weights():
    a, b = build_conv_autoencoder(seed=1), build_conv_autoencoder(seed=1)
    c = build_conv_autoencoder(seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_reconstruct_returns_images_in_unit_range():
    images = np.random.default_rng(0).random((5, 28, 28, 1), dtype=np.float32)
    out = reconstruct(build_conv_autoencoder(), images)
    assert out.shape == images.shape and out.dtype == np.float32
    assert 0.0 < out.min() and out.max() < 1.0


@pytest.mark.parametrize("filters", [(16, 8), (16, 8, 0), (16.0, 8, 8), "abc"])
def test_bad_filters(filters):
    with pytest.raises(ValueError, match="filters must be three positive ints"):
        build_conv_autoencoder(filters)


def test_bad_upsampling():
    with pytest.raises(ValueError, match="upsampling must be one of"):
        build_conv_autoencoder(upsampling="bicubic")


def test_missing_channel_axis_gets_a_hint():
    with pytest.raises(ValueError, match=r"without a channel axis.*images\[\.\.\., None\]"):
        as_images(np.zeros((2, 28, 28), np.float32))


def test_wrong_size_and_dtype():
    with pytest.raises(ValueError, match=r"shape \(2, 32, 32, 1\); expected \(N, 28, 28, 1\)"):
        as_images(np.zeros((2, 32, 32, 1), np.float32))
    with pytest.raises(ValueError, match="dtype uint8; expected floats"):
        as_images(np.zeros((2, 28, 28, 1), np.uint8))


def test_bilinear_resize_keeps_the_parameter_count():
    model = build_conv_autoencoder(upsampling="bilinear")
    assert model.count_params() == 4385
    assert model.get_layer("decoder").get_layer("resize4").interpolation == "bilinear"


def test_transpose_kernel_4():
    model = build_conv_autoencoder(upsampling="transpose", transpose_kernel=4)
    # Encoder 1,904; decoder 4·4·8·8+8 twice, 4·4·8·16+16, and the 3×3 logits conv 145.
    assert model.count_params() == 1904 + 2 * (4 * 4 * 8 * 8 + 8) + (4 * 4 * 8 * 16 + 16) + 145
    assert layer_shapes(model)[6:8] == [("deconv4", (8, 8, 8)), ("crop4", (7, 7, 8))]


def test_transposed_overlap_counts():
    from course_utils.models import transposed_overlap

    # Kernel 3, stride 2: taps t = 0..2 land on output 2i + t, so even outputs get two, odd one.
    assert transposed_overlap(3, 2, inputs=6).tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
    assert set(transposed_overlap(4, 2, inputs=6)[2:-2].tolist()) == {2}
    assert set(transposed_overlap(6, 3, inputs=6)[3:-3].tolist()) == {2}
