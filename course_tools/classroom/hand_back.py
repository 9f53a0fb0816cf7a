"""make feedback HUB=1: each student's ``feedback.md`` into their own hub home, beside the
notebooks make collect took (``~/course/notebooks/``), in the language of their account.

The reverse of :mod:`course_tools.classroom.collect`, with the same care: the homes are found
from the hub's accounts file, each folder is opened from the one above it without following a
link, and the file is written as a new file in that folder and handed to the student.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from course_tools.classroom.accounts import read_accounts, student_home
from course_tools.classroom.hub import COURSE_FOLDER
from course_tools.grading.feedback import HandedOut, Place, hand_out
from course_utils.language import lang_choices
from course_utils.reporting import open_folder

FEEDBACK_FOLDER = (COURSE_FOLDER, "notebooks")  # in the home: where the student's notebooks are


def feedback_to_homes(grades: str | Path, hub_dir: Path, *, system_accounts: bool = True) -> HandedOut:
    """Each student's ``feedback.md`` into ``~/course/notebooks/`` of their hub home.

    A student of the gradebook without an account of the course, without a system account,
    or whose ``~/course/notebooks`` is missing, a link or not theirs is skipped and reported:
    no folder is made for them anywhere. With system accounts (as root) the file is theirs.
    """
    accounts = read_accounts(hub_dir)

    def place(student: str) -> Place | str:
        if student not in accounts:
            return "no hub account of the course"
        try:
            home = student_home(student, hub_dir, system_accounts=system_accounts)
        except KeyError:
            return "no system account"
        owner = None
        if system_accounts:
            account = pwd.getpwnam(student)
            owner = (account.pw_uid, account.pw_gid)
        folder = open_folder(home, list(FEEDBACK_FOLDER))
        if folder is None:
            return f"no {'/'.join(FEEDBACK_FOLDER)} folder in the home (missing, or a link)"
        if owner is not None and os.fstat(folder).st_uid != owner[0]:
            os.close(folder)
            return f"{'/'.join(FEEDBACK_FOLDER)} in the home is not the student's"
        lang = accounts[student].get("lang")
        return Place(folder, lang if lang in lang_choices() else None,
                     owner if owner is not None and os.geteuid() == 0 else None)

    return hand_out(grades, place)
