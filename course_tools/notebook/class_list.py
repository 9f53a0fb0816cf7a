"""The class list (CSV: ``student,lang``): who is in the class, and in which language.

``make student CLASS=class.csv`` writes an edition per student from it
(:func:`course_tools.notebook.student.write_class_editions`); the class hub
(:mod:`course_tools.classroom.accounts`) gives each student an account and a password.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass

from course_utils.language import language_codes

USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


@dataclass(frozen=True)
class Student:
    """One student of the class list: their account name and the language of their edition."""

    name: str
    lang: str


def read_class_list(path: str | os.PathLike) -> list[Student]:
    """The students of a CSV class list with the columns ``student`` and ``lang`` (a language of the course)."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    if not rows or not {"student", "lang"} <= set(rows[0]):
        raise ValueError(f"{path} needs a header line 'student,lang' and one line per student.")
    students = []
    for number, row in enumerate(rows, start=2):
        name, lang = row["student"].strip(), row["lang"].strip()
        if not USERNAME.match(name):
            raise ValueError(f"{path}, line {number}: {name!r} is not a usable account name "
                             "(lower-case letters, digits, - and _, starting with a letter).")
        if lang not in language_codes():
            raise ValueError(f"{path}, line {number}: lang must be {' or '.join(language_codes())}; got {lang!r}.")
        students.append(Student(name, lang))
    names = [s.name for s in students]
    if len(set(names)) != len(names):
        raise ValueError(f"{path} names a student twice: {sorted({n for n in names if names.count(n) > 1})}.")
    return students

