"""Training speed of the lesson's two models on the embedded MNIST subset.

Prints images/second and wall time per epoch for the 16-8-8 autoencoder and the
32-32-16 denoiser (fresh noise every epoch), after one warm-up epoch, as the
median of several timed epochs. A benchmark, not a test: run it with
``make benchmark`` or ``python benchmarks/train_speed.py --epochs 5``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_utils import build_conv_autoencoder, load_dataset  # noqa: E402
from course_utils.training import compile_autoencoder  # noqa: E402
from course_utils.noise import noisy_batches  # noqa: E402

MODELS = {"conv 16-8-8": ((16, 8, 8), 0.0), "denoise 32-32-16": ((32, 32, 16), 0.5)}


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)

    def on_train_begin(self, logs=None):
        self.seconds = []


def epoch_seconds(filters, noise_factor, dataset, *, epochs, batch_size) -> list[float]:
    model = compile_autoencoder(build_conv_autoencoder(filters))
    batches = noisy_batches(dataset.x_train, noise_factor, batch_size=batch_size, seed=0)
    timer = EpochTimer()
    model.fit(batches, epochs=epochs + 1, verbose=0, shuffle=False, callbacks=[timer])
    return timer.seconds[1:]  # the first epoch traces the graph: warm-up


def processor_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per model")
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()

    dataset = load_dataset(source="embedded")
    n = len(dataset.x_train)
    print(f"\nmachine: {processor_name()}, {os.cpu_count()} cores, "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
          f"threads intra/inter {tf.config.threading.get_intra_op_parallelism_threads()}/"
          f"{tf.config.threading.get_inter_op_parallelism_threads()} (0 = all cores)")
    print(f"{n:,} training images, batch size {args.batch_size}, median of {args.epochs} epochs\n")
    print(f"{'model':<18} {'s/epoch':>8} {'images/s':>9}")
    for name, (filters, noise_factor) in MODELS.items():
        seconds = statistics.median(epoch_seconds(filters, noise_factor, dataset,
                                                  epochs=args.epochs, batch_size=args.batch_size))
        print(f"{name:<18} {seconds:>8.2f} {n / seconds:>9.0f}")


if __name__ == "__main__":
    main()
