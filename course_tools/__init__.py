"""course_tools: what delivers the course, apart from what students read.

It runs the notebooks (``make run``, ``make notebooks``), records their numbers
in ``build/metrics.json``, renders slides, and trains the shipped models
(``make models``). It knows the repository's layout; ``course_utils`` never
imports it. ``python -m course_tools --help``.
"""
