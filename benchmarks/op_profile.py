"""Where the training time goes: each layer of the 16-8-8 model, TensorFlow against PyTorch.

For every layer of the course's convolutional autoencoder, at the shapes it has
in the model (batch 200), this times one training-style step on the CPU: the
forward pass, then the gradients with respect to the input and the weights.
TensorFlow runs it as a ``tf.function`` (NHWC, as Keras does), PyTorch eagerly
(NCHW, its default). Each figure is the median of several runs after a warm-up,
both frameworks in this one process, so the ratios are fair on a noisy machine.
A benchmark, not a test: ``python benchmarks/op_profile.py`` (needs torch==2.13.0).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from timing import median_seconds  # noqa: E402

BATCH = 200
# (name, kind, input height/width, input channels, output channels or size)
LAYERS = [
    ("conv1 3×3 1→16", "conv", 28, 1, 16),
    ("pool1 2×2", "pool", 28, 16, None),
    ("conv2 3×3 16→8", "conv", 14, 16, 8),
    ("pool2 2×2", "pool", 14, 8, None),
    ("conv3 3×3 8→8", "conv", 7, 8, 8),
    ("pool3 2×2", "pool", 7, 8, None),
    ("resize4 4→7", "resize", 4, 8, 7),
    ("conv4 3×3 8→8", "conv", 7, 8, 8),
    ("resize5 7→14", "resize", 7, 8, 14),
    ("conv5 3×3 8→8", "conv", 14, 8, 8),
    ("resize6 14→28", "resize", 14, 8, 28),
    ("conv6 3×3 8→16", "conv", 28, 8, 16),
    ("logits 3×3 16→1", "conv", 28, 16, 1),
]


def tensorflow_step(kind, size, channels, out):
    x = tf.Variable(tf.random.uniform((BATCH, size, size, channels)))
    weights = [tf.Variable(tf.random.normal((3, 3, channels, out)) * 0.1)] if kind == "conv" else []

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            if kind == "conv":
                y = tf.nn.relu(tf.nn.conv2d(x, weights[0], 1, "SAME"))
            elif kind == "pool":
                y = tf.nn.max_pool2d(x, 2, 2, "SAME")
            else:
                y = tf.image.resize(x, (out, out), method="nearest")
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, [x, *weights])

    return step  # on the CPU, a call returns once the gradients are computed


def pytorch_step(kind, size, channels, out):
    x = torch.rand(BATCH, channels, size, size, requires_grad=True)
    weight = (torch.randn(out, channels, 3, 3) * 0.1).requires_grad_() if kind == "conv" else None

    def step():
        if kind == "conv":
            y = F.relu(F.conv2d(x, weight, padding=1))
        elif kind == "pool":
            y = F.max_pool2d(x, 2, 2, ceil_mode=True)
        else:
            y = F.interpolate(x, size=(out, out), mode="nearest")
        y.sum().backward()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(f"TensorFlow {tf.__version__} (threads intra/inter "
          f"{tf.config.threading.get_intra_op_parallelism_threads()}/"
          f"{tf.config.threading.get_inter_op_parallelism_threads()}), "
          f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"{os.cpu_count()} cores; batch {BATCH}; ms per forward + backward, median of {args.repeats}\n")
    print(f"{'layer':<18} {'TensorFlow':>11} {'PyTorch':>9} {'TF/PT':>7}")
    totals = np.zeros(2)
    for name, kind, size, channels, out in LAYERS:
        ms = np.array([1000 * median_seconds(tensorflow_step(kind, size, channels, out), args.repeats),
                       1000 * median_seconds(pytorch_step(kind, size, channels, out), args.repeats)])
        totals += ms
        print(f"{name:<18} {ms[0]:>11.2f} {ms[1]:>9.2f} {ms[0] / ms[1]:>7.2f}", flush=True)
    print(f"{'sum of layers':<18} {totals[0]:>11.2f} {totals[1]:>9.2f} {totals[0] / totals[1]:>7.2f}")


if __name__ == "__main__":
    main()
