"""The encoder and decoder, exactly as the original lesson builds them.

Introduced in notebooks/02_conv_autoencoder.ipynb; the deeper 32-32-16 model is
used in notebooks/03_denoising_autoencoder.ipynb.

Shapes for ``filters=(16, 8, 8)``::

    28×28×1 → conv 16 → 28×28×16 → pool → 14×14×16
            → conv 8  → 14×14×8  → pool → 7×7×8
            → conv 8  → 7×7×8    → pool → 4×4×8   (the code: 128 values)
            → resize 7×7 → conv 8 → resize 14×14 → conv 8
            → resize 28×28 → conv 16 → conv 1 → 28×28×1 logits
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers

from course_utils.validation import IMAGE_SHAPE, as_images, as_whole_number

UPSAMPLING_MODES = ("nearest", "bilinear", "transpose")
DECODER_SIZES = (7, 14, 28)


def build_conv_autoencoder(
    filters: Sequence[int] = (16, 8, 8),
    *,
    upsampling: str = "nearest",
    transpose_kernel: int = 3,
    seed: int = 0,
) -> keras.Model:
    """Build the convolutional autoencoder of the original lesson.

    Parameters
    ----------
    filters : three ints
        Depths of the encoder's convolutions; the decoder mirrors them.
        (16, 8, 8) is the first model, (32, 32, 16) the denoising model.
    upsampling : {"nearest", "bilinear", "transpose"}
        "nearest": nearest-neighbour resize followed by a 3×3 convolution.
        "bilinear": the same with bilinear interpolation.
        "transpose": a stride-2 transposed convolution instead, which leaves
        checkerboard artifacts when its kernel size is odd.
    transpose_kernel : int
        Kernel size of the transposed convolutions (3 in the lesson; 4 is
        divisible by the stride and avoids uneven overlap).
    seed : int
        Seeds the initial weights, so the same seed builds the same model.

    Returns
    -------
    keras.Model
        Maps images (N, 28, 28, 1) to logits of the same shape; apply a sigmoid
        (or use :func:`reconstruct`) for images. Its parts are reachable as
        ``model.get_layer("encoder")`` and ``model.get_layer("decoder")``.

    Raises
    ------
    ValueError
        If ``filters`` is not three positive ints, ``upsampling`` is unknown or
        ``transpose_kernel`` is not a whole number >= 1.

    Examples
    --------
    >>> model = build_conv_autoencoder((16, 8, 8))  # doctest: +SKIP
    >>> model.count_params()  # doctest: +SKIP
    4385
    """
    filters = _check_filters(filters)
    if upsampling not in UPSAMPLING_MODES:
        raise ValueError(
            f"upsampling must be one of {UPSAMPLING_MODES}; got {upsampling!r}."
        )
    initializers = _seeded_initializers(seed)
    encoder = build_encoder(filters, initializers)
    as_whole_number("transpose_kernel", transpose_kernel)
    decoder = build_decoder(filters, upsampling, initializers, encoder.output_shape[1:],
                            transpose_kernel=transpose_kernel)
    images = keras.Input(IMAGE_SHAPE, name="images")
    name = f"conv_autoencoder_{'_'.join(map(str, filters))}_{upsampling}"
    if upsampling == "transpose":
        name += f"{transpose_kernel}"
    return keras.Model(images, decoder(encoder(images)), name=name)


def build_encoder(filters: Sequence[int], initializers) -> keras.Model:
    """Three 3×3 ReLU convolutions, each followed by a 2×2 max pool: 28 → 14 → 7 → 4.

    Parameters
    ----------
    filters : three ints
        Depths of the three convolutions, such as (16, 8, 8).
    initializers : iterator of keras initializers
        One is taken per convolution, so a seeded iterator gives seeded weights
        (:func:`build_conv_autoencoder` passes one).

    Returns
    -------
    keras.Model
        Named "encoder": images (N, 28, 28, 1) → code (N, 4, 4, filters[2]).
    """
    images = keras.Input(IMAGE_SHAPE, name="images")
    x = images
    for depth, step in zip(filters, range(1, 4)):
        x = layers.Conv2D(depth, 3, padding="same", activation="relu",
                          kernel_initializer=next(initializers), name=f"conv{step}")(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"pool{step}")(x)
    return keras.Model(images, x, name="encoder")


def build_decoder(filters, upsampling, initializers, code_shape, *, transpose_kernel=3) -> keras.Model:
    """Upsample 4 → 7 → 14 → 28 with mirrored depths, then one 3×3 conv to logits.

    Parameters
    ----------
    filters : three ints
        The encoder's depths; the decoder uses them in reverse order.
    upsampling : {"nearest", "bilinear", "transpose"}
        How each step doubles the size (see :func:`build_conv_autoencoder`);
        not checked here.
    initializers : iterator of keras initializers
        One is taken per convolution.
    code_shape : tuple of int
        Shape of one code without the batch axis, such as (4, 4, 8).
    transpose_kernel : int
        Kernel size of the transposed convolutions when ``upsampling`` is
        "transpose"; their 8×8 output is cropped to 7×7.

    Returns
    -------
    keras.Model
        Named "decoder": code (N, 4, 4, depth) → logits (N, 28, 28, 1).
    """
    code = keras.Input(code_shape, name="code")
    x = code
    for depth, size, step in zip(filters[::-1], DECODER_SIZES, range(4, 7)):
        if upsampling in ("nearest", "bilinear"):
            x = layers.Resizing(size, size, interpolation=upsampling,
                                name=f"resize{step}")(x)
            x = layers.Conv2D(depth, 3, padding="same", activation="relu",
                              kernel_initializer=next(initializers), name=f"conv{step}")(x)
        else:
            x = layers.Conv2DTranspose(depth, transpose_kernel, strides=2, padding="same",
                                       activation="relu", name=f"deconv{step}",
                                       kernel_initializer=next(initializers))(x)
            if x.shape[1] != size:  # 4 → 8 must become 7
                x = layers.Cropping2D(((0, 1), (0, 1)), name=f"crop{step}")(x)
    logits = layers.Conv2D(1, 3, padding="same", kernel_initializer=next(initializers),
                           name="logits")(x)
    return keras.Model(code, logits, name="decoder")


def transposed_overlap(kernel_size: int, stride: int, *, inputs: int = 8) -> np.ndarray:
    """How many kernel taps land on each output pixel of a 1-D transposed convolution.

    Input ``i`` stamps the kernel onto outputs ``i·stride … i·stride + kernel_size − 1``.
    Uneven counts (kernel 3, stride 2 gives 2, 1, 2, 1, …) are what become
    checkerboard artifacts in 2-D, where the counts multiply.

    Parameters
    ----------
    kernel_size : int
        Width of the kernel in pixels.
    stride : int
        Output pixels between the stamps of neighbouring inputs.
    inputs : int
        Length of the 1-D input.

    Returns
    -------
    int array of shape (inputs·stride + kernel_size − stride,)
        The number of taps on each output pixel. The first and last
        ``kernel_size`` pixels are edges; look at the interior.

    Examples
    --------
    >>> transposed_overlap(3, 2, inputs=4)
    array([1, 1, 2, 1, 2, 1, 2, 1, 1])
    >>> transposed_overlap(4, 2, inputs=4)
    array([1, 1, 2, 2, 2, 2, 2, 2, 1, 1])
    """
    counts = np.zeros(inputs * stride + kernel_size - stride, dtype=int)
    for start in range(0, inputs * stride, stride):
        counts[start:start + kernel_size] += 1
    return counts


def reconstruct(model: keras.Model, images: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """Run ``model`` on ``images`` and return reconstructions in [0, 1].

    Parameters
    ----------
    model : keras.Model
        An autoencoder that outputs logits, from :func:`build_conv_autoencoder`
        or :func:`course_utils.load_pretrained`.
    images : array of float, shape (N, 28, 28, 1)
        The inputs: clean images, or noisy ones for the denoiser.
    batch_size : int
        Images per forward pass; only memory and speed depend on it.

    Returns
    -------
    float32 array of shape (N, 28, 28, 1), values in [0, 1]

    Raises
    ------
    ValueError
        If ``images`` are not floats of shape (N, 28, 28, 1).
    """
    images = as_images(images)
    return sigmoid(model.predict(images, batch_size=batch_size, verbose=0))


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Turn the model's logits into pixel values in [0, 1]: 1 / (1 + e^(−logit)).

    Parameters
    ----------
    logits : float array of any shape
        The model's raw outputs, such as (N, 28, 28, 1).

    Returns
    -------
    float32 array of the same shape
        Values in [0, 1]; a logit of 0 gives 0.5.

    Examples
    --------
    >>> sigmoid(np.array([0.0]))
    array([0.5], dtype=float32)
    """
    return (1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))).astype(np.float32)


def _check_filters(filters) -> tuple[int, int, int]:
    filters = tuple(filters)
    if len(filters) != 3 or not all(
        isinstance(f, (int, np.integer)) and not isinstance(f, bool) and f > 0
        for f in filters
    ):
        raise ValueError(
            f"filters must be three positive ints such as (16, 8, 8); got {filters!r}."
        )
    return tuple(int(f) for f in filters)


def _seeded_initializers(seed: int):
    step = 0
    while True:
        yield keras.initializers.GlorotUniform(seed=seed * 100 + step)
        step += 1
