"""The commands that run the course: show-data, run, notebooks, models; and what every command
that executes notebooks shares (its options, how a failed cell is reported)."""

from __future__ import annotations


def add_commands(subparsers) -> None:
    """Add show-data, run, notebooks and models to ``subparsers``."""
    show = subparsers.add_parser("show-data", help="show where the data comes from, its shapes "
                                 "and class counts")
    show.add_argument("--name", default="mnist", help="mnist (default) or fashion_mnist")
    show.add_argument("--data-dir", help="folder with mnist.npz or the four IDX files")
    show.add_argument("--source", help="auto, local, cache, download or embedded")
    show.add_argument("--seed", type=int, default=0)
    show.set_defaults(handler=_show_data)

    run = subparsers.add_parser("run", help="execute the notebooks headless with their own defaults: "
                                "build/executed/, build/metrics.json, a report card")
    notebook_options(run)
    run.add_argument("--out", default="build", help="output folder (default: build)")
    run.set_defaults(handler=_run_notebooks)

    regenerate = subparsers.add_parser("notebooks", help="re-execute the committed notebooks in place "
                                       "with their defaults (after changing the code)")
    regenerate.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    regenerate.set_defaults(handler=_regenerate_notebooks)

    models = subparsers.add_parser("models", help="train the shipped models until they plateau "
                                   "(assets/models/ and its manifest.json)")
    models.add_argument("names", nargs="*", help="model names (default: all)")
    models.add_argument("--source", default="local",
                        help="data source: local (default: full MNIST from make data), auto or embedded")
    models.add_argument("--max-steps", type=int, help="cap on gradient steps per model "
                        "(default: each model's, 60,000 to 80,000)")
    models.add_argument("--out", help="output folder (default: assets/models)")
    models.set_defaults(handler=_train_models)


def _show_data(args) -> int:
    import numpy as np

    from course_utils.data import load_dataset

    dataset = load_dataset(args.name, args.data_dir, seed=args.seed, source=args.source, lang="en")
    for split in ("train", "test"):
        images = getattr(dataset, f"x_{split}")
        labels = getattr(dataset, f"y_{split}")
        counts = np.bincount(labels, minlength=10)
        print(f"{split:>5}: images {images.shape} {images.dtype} "
              f"in [{images.min():.1f}, {images.max():.1f}], labels {labels.shape}")
        print(f"       per class: {' '.join(f'{d}:{c}' for d, c in enumerate(counts))}")
    return 0


def _run_notebooks(args) -> int:
    from course_tools.run.runner import course_notebooks, run_notebooks

    return reporting_failures(lambda: run_notebooks(
        course_notebooks(args.names), parameters=given_parameters(args), out_dir=args.out))


def _regenerate_notebooks(args) -> int:
    from course_tools.run.runner import course_notebooks, regenerate_notebooks

    return reporting_failures(lambda: regenerate_notebooks(course_notebooks(args.names)))


def _train_models(args) -> int:
    from course_tools.run import pretrain

    options = {"source": args.source}
    if args.max_steps:
        options["max_steps"] = args.max_steps
    if args.out:
        options["out_dir"] = args.out
    pretrain.train_models(args.names, **options)
    return 0


# --- Shared by every command that executes the notebooks (run, notebooks, slides, lab-edition, book)


def notebook_options(parser) -> None:
    """The options of every command that executes the notebooks: which ones, and how long they train."""
    parser.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    parser.add_argument("--epochs", type=int, help="epochs per training run (default: each notebook's)")
    parser.add_argument("--train-limit", type=int, help="training images (default: each notebook's)")


def given_parameters(args) -> dict:
    """The notebook parameters given on the command line (the rest keep each notebook's defaults)."""
    values = {"epochs": args.epochs, "train_limit": args.train_limit}
    return {name: value for name, value in values.items() if value is not None}


def reporting_failures(work) -> int:
    """Run ``work``; a notebook cell that fails is reported in three lines and exit status 1."""
    from papermill.exceptions import PapermillExecutionError

    try:
        work()
    except PapermillExecutionError as error:
        print(f"error: cell {error.exec_count} failed with {error.ename}: {error.evalue}\n"
              + "".join(error.traceback[-3:]))
        return 1
    return 0
