"""Time to quality: seconds of training until the denoiser first reaches a target PSNR.

Trains the 32-32-16 denoiser (noise factor 0.5, fresh noise every epoch) on the
embedded 4,000-image MNIST subset one epoch at a time, scores the fixed, seeded
noisy test split after each epoch, and stops at the target. Evaluation time is
not counted. Prints the best classical baseline's PSNR on the same test images
for comparison. A benchmark, not a test: ``python benchmarks/time_to_quality.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_utils import add_noise, build_conv_autoencoder, evaluate, load_dataset, train_autoencoder  # noqa: E402
from course_utils import baselines  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-psnr", type=float, default=15.0)
    parser.add_argument("--noise-factor", type=float, default=0.5)
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    dataset = load_dataset(source="embedded", seed=args.seed)
    noisy_test = add_noise(dataset.x_test, args.noise_factor, seed=args.seed + 1)
    settings = baselines.tune_on_training(dataset.x_train, args.noise_factor, seed=args.seed)
    card = baselines.report_card(dataset.x_test, baselines.denoise_classically(noisy_test, settings))
    best = max(card, key=lambda name: card[name]["psnr"])
    print(f"best classical baseline: {best} {settings[best]}: PSNR {card[best]['psnr']:.2f} dB")

    model = build_conv_autoencoder((32, 32, 16), seed=args.seed)
    # fit() validates every epoch; keep that to one batch so it barely counts.
    training_view = dataclasses.replace(dataset, x_test=dataset.x_test[:200], y_test=dataset.y_test[:200])
    trained_seconds = 0.0
    for epoch in range(1, args.max_epochs + 1):
        start = time.perf_counter()
        # One epoch per call; the seed changes so every epoch draws new noise.
        train_autoencoder(model, training_view, epochs=1, noise_factor=args.noise_factor,
                          seed=args.seed + epoch, verbose=False)
        trained_seconds += time.perf_counter() - start
        psnr = evaluate(model, noisy_test, dataset.x_test)["psnr"]
        print(f"epoch {epoch:>3}: {trained_seconds:7.1f} s trained, test PSNR {psnr:.2f} dB", flush=True)
        if psnr >= args.target_psnr:
            print(f"\nreached {args.target_psnr} dB after {epoch} epochs and {trained_seconds:.1f} s "
                  f"of training (best classical baseline: {card[best]['psnr']:.2f} dB)")
            return
    print(f"\ndid not reach {args.target_psnr} dB in {args.max_epochs} epochs")


if __name__ == "__main__":
    main()
