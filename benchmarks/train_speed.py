"""Training speed: course_utils against the original lesson's loop and against PyTorch.

For each of the lesson's two models (the 16-8-8 autoencoder and the 32-32-16
denoiser, fresh noise for every batch or epoch) it times one training epoch on
the embedded 4,000-image MNIST subset, several times, after a warm-up epoch, and
reports the median images/second of:

  (a) course_utils.train_autoencoder: tf.data pipeline, noise drawn in the pipeline;
  (b) the original lesson's approach in TF2: a Python loop over batches, numpy
      noise per batch, one ``train_on_batch`` step per batch, no input pipeline;
  (c) the same architecture in PyTorch on the CPU (optional: pip install torch==2.13.0).

All three run in this one process, on the same data, so the ratios a/b and a/c
are fair even on a noisy machine. ``--experiments`` also times variants of (a):
steps_per_execution, XLA, and XLA on an UpSampling2D decoder. A benchmark, not a test: ``make benchmark``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from timing import median_seconds  # noqa: E402

from course_utils import build_conv_autoencoder, load_dataset, train_autoencoder  # noqa: E402
from course_utils.training import compile_autoencoder  # noqa: E402

MODELS = {"conv 16-8-8": ((16, 8, 8), 0.0), "denoise 32-32-16": ((32, 32, 16), 0.5)}


def course_utils_epoch(filters, noise_factor, dataset, batch_size, *, build=build_conv_autoencoder,
                       **compile_options):
    """(a) the course's own training function, one epoch per call."""
    model = build(filters)
    if compile_options:
        compile_autoencoder(model, **compile_options)
    return lambda: train_autoencoder(model, dataset, epochs=1, batch_size=batch_size,
                                     noise_factor=noise_factor, verbose=False)


def upsampling2d_autoencoder(filters) -> keras.Model:
    """The course model with UpSampling2D(2) (+ a 1-pixel crop for 8 → 7) instead of
    Resizing: XLA has a CPU kernel for its gradient, not for ResizeNearestNeighborGrad."""
    encoder = build_conv_autoencoder(filters).get_layer("encoder")
    images = keras.Input((28, 28, 1))
    x = encoder(images)
    for depth, size in zip(filters[::-1], (7, 14, 28)):
        x = keras.layers.UpSampling2D(2)(x)
        if x.shape[1] != size:
            x = keras.layers.Cropping2D(((0, 1), (0, 1)))(x)
        x = keras.layers.Conv2D(depth, 3, padding="same", activation="relu")(x)
    logits = keras.layers.Conv2D(1, 3, padding="same")(x)
    return keras.Model(images, logits)


def original_loop_epoch(filters, noise_factor, dataset, batch_size):
    """(b) like the TF1 lesson: Python loop, numpy noise per batch, one step per batch."""
    model = compile_autoencoder(build_conv_autoencoder(filters))
    images = dataset.x_train
    rng = np.random.default_rng(0)

    def epoch():
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            batch = images[order[start:start + batch_size]]
            inputs = batch
            if noise_factor > 0:
                inputs = np.clip(batch + noise_factor * rng.standard_normal(batch.shape), 0, 1)
            model.train_on_batch(inputs.astype(np.float32), batch)

    return epoch


def pytorch_epoch(filters, noise_factor, dataset, batch_size):
    """(c) the same architecture in PyTorch, NCHW, noise drawn per batch with torch."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    a, b, c = filters

    class Resize(nn.Module):
        def __init__(self, size):
            super().__init__()
            self.size = size

        def forward(self, x):
            return nn.functional.interpolate(x, size=self.size, mode="nearest")

    def conv(cin, cout, relu=True):
        layers = [nn.Conv2d(cin, cout, 3, padding=1)]
        return layers + [nn.ReLU()] if relu else layers

    pool = [nn.MaxPool2d(2, ceil_mode=True)]  # ceil_mode: 7 → 4 like 'same' padding
    model = nn.Sequential(
        *conv(1, a), *pool, *conv(a, b), *pool, *conv(b, c), *pool,
        Resize(7), *conv(c, c), Resize(14), *conv(c, b), Resize(28), *conv(b, a),
        *conv(a, 1, relu=False),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    images = torch.from_numpy(dataset.x_train.transpose(0, 3, 1, 2).copy())

    def epoch():
        order = torch.randperm(len(images))
        for start in range(0, len(images), batch_size):
            batch = images[order[start:start + batch_size]]
            inputs = batch
            if noise_factor > 0:
                inputs = (batch + noise_factor * torch.randn_like(batch)).clamp(0, 1)
            optimizer.zero_grad()
            loss_fn(model(inputs), batch).backward()
            optimizer.step()

    return epoch


def processor_name() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per variant")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--experiments", action="store_true",
                        help="also time steps_per_execution and XLA variants of (a)")
    args = parser.parse_args()

    full = load_dataset(source="embedded")
    # Validation is part of (a) but not of (b) or (c): keep it to one batch.
    dataset = dataclasses.replace(full, x_test=full.x_test[:args.batch_size],
                                  y_test=full.y_test[:args.batch_size])
    n = len(dataset.x_train)
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False

    print(f"\nmachine: {processor_name()}, {os.cpu_count()} cores; "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}, numpy {np.__version__}"
          + (f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)" if have_torch
             else ", PyTorch not installed (pip install torch==2.13.0)"))
    print(f"TensorFlow threads intra/inter: {tf.config.threading.get_intra_op_parallelism_threads()}/"
          f"{tf.config.threading.get_inter_op_parallelism_threads()} (0 = chosen by TF)")
    print(f"{n:,} training images, batch size {args.batch_size}, median of {args.repeats} "
          "epochs after one warm-up epoch; images/second\n")
    header = f"{'model':<18} {'(a) course':>11} {'(b) TF1 loop':>13} {'(c) PyTorch':>12} {'a/b':>6} {'a/c':>6}"
    print(header)
    for name, (filters, noise_factor) in MODELS.items():
        rate = {}
        rate["a"] = n / median_seconds(
            course_utils_epoch(filters, noise_factor, dataset, args.batch_size), args.repeats)
        rate["b"] = n / median_seconds(
            original_loop_epoch(filters, noise_factor, dataset, args.batch_size), args.repeats)
        if have_torch:
            rate["c"] = n / median_seconds(
                pytorch_epoch(filters, noise_factor, dataset, args.batch_size), args.repeats)
        c = f"{rate['c']:>12.0f}" if "c" in rate else f"{'-':>12}"
        ac = f"{rate['a'] / rate['c']:>6.2f}" if "c" in rate else f"{'-':>6}"
        print(f"{name:<18} {rate['a']:>11.0f} {rate['b']:>13.0f} {c} {rate['a'] / rate['b']:>6.2f} {ac}",
              flush=True)

    if args.experiments:
        print("\nvariants of (a), images/second:")
        for name, (filters, noise_factor) in MODELS.items():
            for label, options in (
                ("steps_per_execution=1", {"steps_per_execution": 1}),
                ("steps_per_execution=10", {"steps_per_execution": 10}),
                ("jit_compile=True (XLA)", {"jit_compile": True}),
                ("UpSampling2D, no XLA", {"build": upsampling2d_autoencoder, "jit_compile": False}),
                ("UpSampling2D, XLA", {"build": upsampling2d_autoencoder, "jit_compile": True}),
            ):
                try:
                    seconds = median_seconds(course_utils_epoch(
                        filters, noise_factor, dataset, args.batch_size, **options), args.repeats)
                    result = f"{n / seconds:>8.0f}"
                except Exception as error:  # report, e.g. XLA's missing CPU kernels
                    result = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:100]}"
                print(f"  {name:<18} {label:<24} {result}", flush=True)


if __name__ == "__main__":
    main()
