import sys

# These run on a distribution's own python3, before .venv exists: standard library only.
STDLIB_COMMANDS = {"venv": "interpreters", "choose-python": "interpreters", "check-pins": "interpreters",
                   "doctor": "doctor"}

command = sys.argv[1] if len(sys.argv) > 1 else None
if command in STDLIB_COMMANDS:
    import importlib

    sys.exit(importlib.import_module(f"course_tools.{STDLIB_COMMANDS[command]}").main(sys.argv[1:]))

from course_tools.cli import main  # noqa: E402

sys.exit(main())
