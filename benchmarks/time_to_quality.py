"""Time to quality: test PSNR / SSIM reached in a fixed training-time budget.

On a CPU a smaller batch processes somewhat fewer images per second but takes
many more gradient steps per second (notebook 02 measures both). This sweeps the batch size
(and optionally the learning rate) for the lesson's two models, each trained for
the same wall-clock budget on the embedded 4,000-image MNIST subset, and prints
one table row per setting: steps taken, epochs, PSNR and SSIM on the 1,000 test
images (noisy at 0.5 for the denoiser), next to the best classical baseline.
Evaluation time is not counted. A benchmark, not a test::

    python benchmarks/time_to_quality.py --batch-sizes 200 50 32 16 --budgets 50 100
"""

from __future__ import annotations

import argparse
import time

import keras

from course_utils import (
    add_noise,
    baselines,
    build_conv_autoencoder,
    evaluate,
    load_dataset,
)
from course_utils.defaults import validation_noise_seed
from course_utils.training import (
    compile_autoencoder,
    train_autoencoder,
    validation_inputs,
)

MODELS = {"conv": ((16, 8, 8), 0.0), "denoise": ((32, 32, 16), 0.5)}


class TimeBudget(keras.callbacks.Callback):
    """Stops training once ``seconds`` of training have passed; counts the steps."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds, self.steps, self.epochs = seconds, 0, 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.epochs = epoch + 1


def train_for(model_name: str, dataset, *, seconds: float, batch_size: int,
              learning_rate: float, seed: int) -> dict:
    filters, noise_factor = MODELS[model_name]
    model = compile_autoencoder(build_conv_autoencoder(filters, seed=seed), learning_rate=learning_rate)
    budget = TimeBudget(seconds)
    start = time.perf_counter()
    train_autoencoder(model, dataset, epochs=10_000, batch_size=batch_size, noise_factor=noise_factor,
                      seed=seed, validate=False, verbose=False, callbacks=[budget])  # the course's own loop
    trained = time.perf_counter() - start
    inputs = validation_inputs(dataset, noise_factor, seed=seed)
    scores = evaluate(model, inputs, dataset.x_test)
    return {"seconds": trained, "steps": budget.steps, "epochs": budget.epochs, **scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[200, 64, 32, 16])
    parser.add_argument("--learning-rates", nargs="+", type=float, default=[1e-3])
    parser.add_argument("--budgets", nargs="+", type=float, default=[50, 100],
                        help="training seconds, one per model in --models order")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    dataset = load_dataset(source="embedded", seed=args.seed, lang="en")
    noisy_test = add_noise(dataset.x_test, 0.5, seed=validation_noise_seed(args.seed))
    settings = baselines.tune_on_training(dataset.x_train, 0.5, seed=args.seed)
    card = baselines.report_card(dataset.x_test, baselines.denoise_classically(noisy_test, settings))
    best = max(card, key=lambda name: card[name]["psnr"])
    print(f"best classical baseline at noise 0.5: {best}: PSNR {card[best]['psnr']:.2f} dB, "
          f"SSIM {card[best]['ssim']:.3f}")
    print("| model | budget | batch | learning rate | steps | epochs | PSNR dB | SSIM |")
    print("|---|---|---|---|---|---|---|---|")
    for model_name, seconds in zip(args.models, args.budgets):
        for batch_size in args.batch_sizes:
            for learning_rate in args.learning_rates:
                row = train_for(model_name, dataset, seconds=seconds, batch_size=batch_size,
                                learning_rate=learning_rate, seed=args.seed)
                print(f"| {model_name} | {row['seconds']:.0f} s | {batch_size} | {learning_rate:g} | "
                      f"{row['steps']:,} | {row['epochs']} | {row['psnr']:.2f} | {row['ssim']:.3f} |",
                      flush=True)


if __name__ == "__main__":
    main()
