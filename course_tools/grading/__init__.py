"""Grading a class: the grader, the answers that leave the sandbox, the sandbox and its cgroups."""
