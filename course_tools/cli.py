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

PRODUCTS = (provision, run, notebook, publish, grading, classroom)  # --help lists their commands in this order


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
                                     description="Run, render and ship the convolutional autoencoder course.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for product in PRODUCTS:
        product.add_commands(commands)
    return parser

