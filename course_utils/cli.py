"""Command line: ``python -m course_utils --help``."""

from __future__ import annotations

import argparse
import json

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except (ValueError, OSError) as error:
        print(f"error: {error}")
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils",
        description="Helpers for the convolutional autoencoder course.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    data = commands.add_parser("data", help="show where the data comes from, its shapes and class counts")
    data.add_argument("--name", default="mnist", help="mnist (default) or fashion_mnist")
    data.add_argument("--data-dir", help="folder with mnist.npz or the four IDX files")
    data.add_argument("--source", help="auto, local, cache, download or embedded")
    data.add_argument("--seed", type=int, default=0)
    data.set_defaults(handler=_show_data)

    train = commands.add_parser("train", help="train a model, write figures and build/metrics.json")
    train.add_argument("job", choices=["conv", "denoise"],
                       help="conv: the 16-8-8 autoencoder; denoise: the 32-32-16 denoiser")
    train.add_argument("--epochs", type=int, required=True)
    train.add_argument("--train-limit", type=int, help="train on a stratified subset of this size")
    train.add_argument("--batch-size", type=int, default=200)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--data-dir", help="folder with mnist.npz or the four IDX files")
    train.add_argument("--out", default="build", help="output folder (default: build)")
    train.set_defaults(handler=_train)

    run = commands.add_parser("notebooks", help="execute the notebooks headless (papermill), "
                              "write build/executed/ and build/metrics.json")
    run.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    run.add_argument("--epochs", type=int, default=2, help="epochs per training run (default: 2)")
    run.add_argument("--train-limit", type=int, help="training images (default: each notebook's)")
    run.add_argument("--out", default="build", help="output folder (default: build)")
    run.set_defaults(handler=_run_notebooks)

    slides = commands.add_parser("slides", help="execute the notebooks in one language and render "
                                 "them as offline reveal.js slides in build/slides/<lang>/")
    slides.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    slides.add_argument("--lang", choices=["zh", "en", "both"], default="both",
                        help="deck language; both renders one deck per language (default)")
    slides.add_argument("--epochs", type=int, help="epochs per training run (default: each notebook's)")
    slides.add_argument("--train-limit", type=int, help="training images (default: each notebook's)")
    slides.add_argument("--out", default="build/slides", help="output folder (default: build/slides)")
    slides.set_defaults(handler=_make_slides)
    return parser


def _show_data(args) -> int:
    from course_utils.data import load_dataset

    dataset = load_dataset(args.name, args.data_dir, seed=args.seed, source=args.source)
    for split in ("train", "test"):
        images = getattr(dataset, f"x_{split}")
        labels = getattr(dataset, f"y_{split}")
        counts = np.bincount(labels, minlength=10)
        print(f"{split:>5}: images {images.shape} {images.dtype} "
              f"in [{images.min():.1f}, {images.max():.1f}], labels {labels.shape}")
        print(f"       per class: {' '.join(f'{d}:{c}' for d, c in enumerate(counts))}")
    return 0


def _run_notebooks(args) -> int:
    from papermill.exceptions import PapermillExecutionError

    from course_utils.notebooks import course_notebooks, run_notebooks

    parameters = _given(epochs=args.epochs, train_limit=args.train_limit)
    try:
        run_notebooks(course_notebooks(args.names), parameters=parameters, out_dir=args.out)
    except PapermillExecutionError as error:
        return _report_failed_cell(error)
    return 0


def _make_slides(args) -> int:
    from papermill.exceptions import PapermillExecutionError

    from course_utils.notebooks import course_notebooks
    from course_utils.slides import DECK_LANGUAGES, make_slides

    langs = DECK_LANGUAGES if args.lang == "both" else (args.lang,)
    parameters = _given(epochs=args.epochs, train_limit=args.train_limit)
    try:
        decks = make_slides(course_notebooks(args.names), langs, parameters=parameters,
                            out_dir=args.out, executed_dir=f"{args.out}-executed")
    except PapermillExecutionError as error:
        return _report_failed_cell(error)
    print("\n".join(["Slides (open in a browser; press S for speaker notes):",
                     *(f"  {deck}" for deck in decks)]))
    return 0


def _given(**values) -> dict:
    return {name: value for name, value in values.items() if value is not None}


def _report_failed_cell(error) -> int:
    print(f"error: cell {error.exec_count} failed with {error.ename}: {error.evalue}\n"
          + "".join(error.traceback[-3:]))
    return 1


def _train(args) -> int:
    from course_utils.jobs import run_training_job

    entry = run_training_job(args.job, epochs=args.epochs, train_limit=args.train_limit,
                             batch_size=args.batch_size, seed=args.seed,
                             data_dir=args.data_dir, out_dir=args.out)
    print(json.dumps({args.job: entry}, indent=2, ensure_ascii=False))
    return 0
