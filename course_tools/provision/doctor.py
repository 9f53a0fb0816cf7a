"""``make doctor``: is this machine ready for the course, and if not, what to run.

One line per finding, in the student's language: ok, warning or problem, what was
measured, and for everything that is not ok the command that fixes it. The exit
status is 1 when there is a problem. ``python -m course_tools doctor --lang zh``.

Standard library only: it runs on a bare ``python3`` before ``.venv`` exists, so it
imports nothing from the course but the layout (``settings``), the sandbox's probe
(``sandbox``), the data folder with its pinned hashes (``course_utils.data_home``) and
the translations (``course_utils.language``).
The checks (:mod:`~course_tools.provision.setup_checks`, :mod:`~course_tools.provision.course_checks`)
are functions of what was measured, so the tests feed them fake values;
:func:`findings` measures this machine (:mod:`~course_tools.provision.measurements`) and
calls them in order.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from course_tools.provision.findings import (
    PROBLEM,
    STATUS_WORDS,
    WARNING,
    Finding,
    Text,
)
from course_tools.provision.measurements import (
    measure_certificates,
    measure_checkout_access,
    measure_disks,
    measure_fonts,
    measure_memory,
    measure_mnist,
    measure_python_and_venv,
    measure_sandbox,
    measure_test_tools,
)
from course_tools.settings import ROOT, Settings
from course_utils.language import (
    N_,
    display_width,
    language_codes,
    say,
    translate,
    translated,
    translated_count,
)

ENGLISH = "en"  # the messages' own language: the report's when the locale names no course language
MEASUREMENTS = (  # (what is checked, how), in the order of the report
    (N_("Python and .venv", "make doctor check"), measure_python_and_venv),
    (N_("Memory", "make doctor check"), measure_memory),
    (N_("Disk space", "make doctor check"), measure_disks),
    (N_("Fonts", "make doctor check"), measure_fonts),
    (N_("Full MNIST", "make doctor check"), measure_mnist),
    (N_("Sandbox", "make doctor check"), measure_sandbox),
    (N_("Test tools", "make doctor check"), measure_test_tools),
    (N_("Certificates", "make doctor check"), measure_certificates),
    (N_("Folder permissions", "make doctor check"), measure_checkout_access),
)


def findings(root: Path = ROOT, environ: Mapping[str, str] = os.environ,
             measurements=MEASUREMENTS) -> Iterator[Finding]:
    """Measure this machine and check it, one finding at a time (TensorFlow's import takes seconds).

    A check that cannot read what it needs (a folder this account may not enter) becomes
    a warning; the others still run.
    """
    for title, measure in measurements:
        try:
            yield from measure(root, environ)
        except OSError as error:
            yield Finding(WARNING, Text("{title}: the check could not finish (“{error}”).", title=title, error=error),
                          Text("make sure this account can read the path above, then run `make doctor` again"))


# --- The report ------------------------------------------------------------------------------


def choose_language(requested: str | None, environ: Mapping[str, str]) -> str:
    """--lang, else COURSE_LANG when it is a course language, else the locale's if it is one, else English."""
    if requested:
        return requested
    chosen = Settings.from_environment(environ).lang
    if chosen in language_codes():
        return chosen
    locale = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), "")
    spoken = re.split(r"[_.@]", locale)[0]  # zh_CN.UTF-8: zh
    return spoken if spoken in language_codes() else ENGLISH


def status_word(status: str, lang: str) -> str:
    """The status in ``lang``, padded so that what was found starts in one column."""
    words = {key: translate(word, lang) for key, word in STATUS_WORDS.items()}
    width = max(map(display_width, words.values())) + 2
    return words[status] + " " * (width - display_width(words[status]))


def render(finding: Finding, lang: str) -> str:
    """One line: the status word, what was found, and the fix."""
    line = finding.text.in_language(lang)
    if finding.fix is not None:
        line = translated("{found} Fix: {fix}", lang, found=line, fix=finding.fix.in_language(lang))
    return status_word(finding.status, lang) + line


def summary(statuses: list[str], lang: str) -> str:
    problems, warnings = statuses.count(PROBLEM), statuses.count(WARNING)
    if not problems and not warnings:
        return translated("All ready.", lang)
    advice = (N_("Fix the problems above, then run `make doctor` again.") if problems
              else N_("Warnings do not stop `make run`."))
    return translated("{problems}, {warnings}. {advice}", lang, advice=advice,
                      problems=translated_count("{number} problem", "{number} problems", problems, lang, number=problems),
                      warnings=translated_count("{number} warning", "{number} warnings", warnings, lang, number=warnings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_tools doctor",
                                     description="Check that this machine is ready for the course; "
                                     "exit status 1 if something must be fixed.")
    parser.add_argument("--lang", choices=language_codes(),
                        help="report language (default: COURSE_LANG, else the locale's)")
    args = parser.parse_args(argv)
    lang = choose_language(args.lang, os.environ)
    say("make doctor: checking {root}", lang, root=ROOT)
    statuses = []
    for finding in findings():
        print(render(finding, lang), flush=True)
        statuses.append(finding.status)
    print(summary(statuses, lang))
    return 1 if PROBLEM in statuses else 0


if __name__ == "__main__":
    sys.exit(main())
