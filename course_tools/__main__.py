import sys

from course_tools.cli import main

sys.exit(main())
