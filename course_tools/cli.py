"""Command line of the delivery tools: ``python -m course_tools --help``."""

from __future__ import annotations

import argparse


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
    parser = argparse.ArgumentParser(prog="python -m course_tools",
                                     description="Deliver the convolutional autoencoder course.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    models = commands.add_parser("models", help="train the shipped models until they plateau "
                                 "(assets/models/, manifest.json)")
    models.add_argument("names", nargs="*", help="model names (default: all)")
    models.add_argument("--source", default="embedded",
                        help="data source: embedded (default) or auto for full MNIST")
    models.add_argument("--max-epochs", type=int, default=None)
    models.add_argument("--out", default=None, help="output folder (default: assets/models)")
    models.set_defaults(handler=_train_models)
    return parser


def _train_models(args) -> int:
    from course_tools import pretrain

    options = {"source": args.source}
    if args.max_epochs:
        options["max_epochs"] = args.max_epochs
    if args.out:
        options["out_dir"] = args.out
    pretrain.train_models(args.names, **options)
    return 0
