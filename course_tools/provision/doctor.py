"""``make doctor``: is this machine ready for the course, and if not, what to run.

One line per finding, in the student's language: ok, warning or problem, what was
measured, and for everything that is not ok the command that fixes it. The exit
status is 1 when there is a problem. ``python -m course_tools doctor --lang zh``.

Standard library only: it runs on a bare ``python3`` before ``.venv`` exists, so it
imports nothing from the course but the layout (``settings``), the sandbox's probe
(``sandbox``) and the data folder with its pinned hashes (``course_utils.data_home``).
The checks (:mod:`~course_tools.provision.setup_checks`, :mod:`~course_tools.provision.course_checks`)
are functions of what was measured, so the tests feed them fake values;
:func:`findings` measures this machine (:mod:`~course_tools.provision.measurements`) and
calls them in order.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from course_tools.provision.findings import PROBLEM, STATUS_WORDS, WARNING, Finding
from course_tools.provision.measurements import (
    measure_certificates,
    measure_checkout_access,
    measure_disks,
    measure_font,
    measure_memory,
    measure_mnist,
    measure_python_and_venv,
    measure_sandbox,
    measure_test_tools,
)
from course_tools.settings import ROOT, Settings

MEASUREMENTS = (  # (what is checked, how), in the order of the report
    (("Python 和 .venv", "Python and .venv"), measure_python_and_venv),
    (("内存", "Memory"), measure_memory),
    (("磁盘空间", "Disk space"), measure_disks),
    (("中文字体", "Chinese font"), measure_font),
    (("完整 MNIST", "Full MNIST"), measure_mnist),
    (("沙箱", "Sandbox"), measure_sandbox),
    (("测试工具", "Test tools"), measure_test_tools),
    (("证书", "Certificates"), measure_certificates),
    (("文件夹权限", "Folder permissions"), measure_checkout_access),
)


def findings(root: Path = ROOT, environ: Mapping[str, str] = os.environ,
             measurements=MEASUREMENTS) -> Iterator[Finding]:
    """Measure this machine and check it, one finding at a time (TensorFlow's import takes seconds).

    A check that cannot read what it needs (a folder this account may not enter) becomes
    a warning; the others still run.
    """
    for (title_zh, title_en), measure in measurements:
        try:
            yield from measure(root, environ)
        except OSError as error:
            yield Finding(WARNING, (f"{title_zh}：检查没能完成（“{error}”）。", f"{title_en}: the check could not finish (“{error}”)."),
                          ("确认这个账户能读取上面的路径，然后重新运行 `make doctor`",
                           "make sure this account can read the path above, then run `make doctor` again"))


# --- The report ------------------------------------------------------------------------------


def choose_language(requested: str | None, environ: Mapping[str, str]) -> str:
    """--lang, else COURSE_LANG when it is zh or en, else zh for a Chinese locale, else en."""
    if requested:
        return requested
    chosen = Settings.from_environment(environ).lang
    if chosen in ("zh", "en"):
        return chosen
    locale = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), "")
    return "zh" if locale.startswith("zh") else "en"


def render(finding: Finding, lang: str) -> str:
    """One line: the status word, what was found, and the fix."""
    index = 0 if lang == "zh" else 1
    word = STATUS_WORDS[finding.status][index]
    line = f"{word:<{4 if lang == 'zh' else 9}}{finding.text[index]}"
    if finding.fix is not None:
        line += f"解决办法：{finding.fix[0]}" if lang == "zh" else f" Fix: {finding.fix[1]}"
    return line


def summary(statuses: list[str], lang: str) -> str:
    problems, warnings = statuses.count(PROBLEM), statuses.count(WARNING)
    if lang == "zh":
        if not problems and not warnings:
            return "一切就绪。"
        advice = "先按上面的办法解决问题，再运行一次 `make doctor`。" if problems else "警告不影响 `make run`。"
        return f"{problems} 个问题，{warnings} 个警告。{advice}"
    if not problems and not warnings:
        return "All ready."
    advice = " Fix the problems above, then run `make doctor` again." if problems else " Warnings do not stop `make run`."
    return (f"{problems} problem{'s' * (problems != 1)}, {warnings} warning{'s' * (warnings != 1)}."
            + advice)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_tools doctor",
                                     description="Check that this machine is ready for the course; "
                                     "exit status 1 if something must be fixed.")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help="report language (default: COURSE_LANG, else the locale's)")
    args = parser.parse_args(argv)
    lang = choose_language(args.lang, os.environ)
    print(f"make doctor：检查课程文件夹 {ROOT}" if lang == "zh" else f"make doctor: checking {ROOT}", flush=True)
    statuses = []
    for finding in findings():
        print(render(finding, lang), flush=True)
        statuses.append(finding.status)
    print(summary(statuses, lang))
    return 1 if PROBLEM in statuses else 0


if __name__ == "__main__":
    sys.exit(main())
