import sys

# These run on a distribution's own python3, before .venv exists: standard library only.
command = sys.argv[1] if len(sys.argv) > 1 else None
if command == "doctor":
    from course_tools.provision.doctor import main

    sys.exit(main(sys.argv[2:]))
if command in ("setup", "venv", "choose-python", "check-pins"):
    from course_tools.provision.interpreters import main

    sys.exit(main(sys.argv[1:]))

from course_tools.cli import main  # noqa: E402

sys.exit(main())
