"""make feedback: each student gets their own rows of the gradebook, in their language, in their
own place, and a name or a link a student chose never sends a file anywhere else.

The gradebook is written by make grade's own writer (:func:`write_gradebook`), with messages
made the way the grader makes them (the checks' Chinese, English, or both joined); the hub's
homes are a fake layout in ``tmp_path`` (no account is created).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import stat
from pathlib import Path

import nbformat
import pytest

from course_tools.classroom import accounts, hand_back, hub
from course_tools.cli import main
from course_tools.grading import feedback
from course_tools.grading.gradebook import write_gradebook
from course_tools.notebook.tags import lang_tag
from course_tools.settings import ROOT

# Each student's rows: (notebook, exercise, passed, (Chinese, English) message). The number in a
# message is the student's own, so a row in the wrong file is seen.
CHECKS = [
    ("01_data", "01.1.1", True, ("正确：{n}。", "Correct: {n}.")),
    ("01_data", "01.1.2", False, ("还不对：你的答案是 {n}。每张训练图像恰好有一个标签：要数的是标签。",
                                  "Not yet: your answer is {n}. Every training image has exactly one label: count labels.")),
    ("02_conv_autoencoder", "02.1.1", False, ("已停止：超出内存上限 {n} GiB", "stopped: memory limit {n} GiB")),
]
CLASS = {"li": ("zh", 111), "ana": ("en", 222), "sam": ("both", 333)}
ENGLISH_LABELS = ("Grading results", "notebook", "exercise", "passed", "message", "checks passed", "Each row")
HAN = re.compile(r"[\u4e00-\u9fff]")


def in_language(pair: tuple[str, str], lang: str, joiner: str) -> str:
    """A (Chinese, English) pair in ``lang``, as the course writes it: "both" is Chinese, then English."""
    chinese, english = pair
    return {"zh": chinese, "en": english, "both": f"{chinese}{joiner}{english}"}[lang]


def student_rows(student: str, lang: str, number: int) -> list[dict]:
    rows = [{"student": student, "notebook": notebook, "exercise": exercise, "passed": passed,
             "message": in_language(tuple(text.format(n=number) for text in message), lang, "\n")}
            for notebook, exercise, passed, message in CHECKS]
    # A notebook-level row, which the grader writes in English whatever the edition.
    rows.append({"student": student, "notebook": "03_denoising_autoencoder.ipynb", "exercise": "-",
                 "passed": False, "message": f"not a readable notebook (JSONDecodeError: {number})"})
    return rows


def gradebook(folder: Path, extra: list[dict] = ()) -> Path:
    rows = [row for student, (lang, number) in CLASS.items() for row in student_rows(student, lang, number)]
    write_gradebook([*rows, *extra], folder)
    return folder


def everything_under(folder: Path) -> dict[str, bytes | str]:
    """Each path under ``folder``: a file's bytes, or where a link points."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        found[key] = os.readlink(path) if path.is_symlink() else path.read_bytes() if path.is_file() else "folder"
    return found


def test_each_student_gets_only_their_rows_in_their_language(tmp_path):
    grades = gradebook(tmp_path / "grades")
    report = feedback.feedback_to_folders(grades, tmp_path / "out")
    assert sorted(report.written) == ["ana", "li", "sam"] and report.skipped == {}
    texts = {student: (tmp_path / "out" / student / "feedback.md").read_text(encoding="utf-8") for student in CLASS}
    for student, (lang, number) in CLASS.items():
        text = texts[student]
        others = [n for name, (_, n) in CLASS.items() if name != student]
        assert str(number) in text and not any(str(n) in text for n in others), student
        assert f"# {in_language(('批改结果：', 'Grading results: '), lang, '')}" in text or lang == "both"
        assert len([line for line in text.splitlines() if line.startswith("| `")]) == 4
    english, chinese, both = texts["ana"], texts["li"], texts["sam"]
    assert not HAN.search(english)
    assert "1 of 3 checks passed." in english and "# Grading results: ana" in english
    assert "| `01_data` | `01.1.1` | ✓ | Correct: 222. |" in english
    assert "not a readable notebook (JSONDecodeError: 222)" in english
    # Chinese: no English label; what is left in Latin letters is code (ids, file names, an error's name, units).
    assert not any(label in chinese for label in ENGLISH_LABELS)
    code = r"`[^`]*`|JSONDecodeError|GiB|^# 批改结果：li$"  # and the student's own name
    assert re.findall(r"[A-Za-z]+", re.sub(code, "", chinese, flags=re.MULTILINE)) == []
    assert "共 3 项检查，通过了 1 项。" in chinese and "不是可读的笔记本（JSONDecodeError: 111）" in chinese
    # Both: Chinese first, then English, for the headings, the labels and the total.
    assert "# 批改结果：sam / Grading results: sam" in both
    assert "| 笔记本 / notebook | 练习 / exercise | 通过 / passed | 反馈 / message |" in both
    assert both.index("共 3 项检查，通过了 1 项。") < both.index("1 of 3 checks passed.")


def test_the_language_is_read_from_the_messages_or_the_edition(tmp_path):
    for student, (lang, number) in CLASS.items():
        assert feedback.language_of_messages(student_rows(student, lang, number)) == lang
    submissions = tmp_path / "submissions"
    for student, langs in {"li": ["zh"], "ana": ["en", "en"], "sam": ["zh", "en"], "kim": ["both"]}.items():
        (submissions / student).mkdir(parents=True)
        for index, lang in enumerate(langs):
            tags = [lang_tag(one) for one in (("zh", "en") if lang == "both" else (lang,))]
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x", metadata={"tags": [tag]})
                                                 for tag in tags])
            nbformat.write(nb, submissions / student / f"0{index + 1}_data.ipynb")
    (submissions / "li" / "02_conv_autoencoder.ipynb").write_text("not a notebook", encoding="utf-8")
    found = {student: feedback.language_of_submission(submissions, student) for student in ("li", "ana", "sam", "kim")}
    assert found == {"li": "zh", "ana": "en", "sam": "both", "kim": "both"}
    assert feedback.language_of_submission(submissions, "nobody") is None
    # The edition wins over the messages: li handed in the Chinese edition, whatever the rows say.
    write_gradebook(student_rows("li", "en", 111), tmp_path / "grades")
    feedback.feedback_to_folders(tmp_path / "grades", tmp_path / "out", submissions=submissions)
    assert "共 3 项检查，通过了 1 项。" in (tmp_path / "out" / "li" / "feedback.md").read_text(encoding="utf-8")


def test_the_folders_and_files_are_the_instructors_only(tmp_path):
    out = tmp_path / "out"
    feedback.feedback_to_folders(gradebook(tmp_path / "grades"), out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for student in CLASS:
        assert stat.S_IMODE((out / student).stat().st_mode) == 0o700
        assert stat.S_IMODE((out / student / "feedback.md").stat().st_mode) == 0o600
    assert sorted(p.name for p in (out / "li").iterdir()) == ["feedback.md"]  # no partial left


def test_a_name_that_is_not_one_folder_is_refused_and_nothing_outside_is_written(tmp_path):
    (tmp_path / "bob").mkdir()
    strays = [{"student": name, "notebook": "01_data", "exercise": "01.1.1", "passed": True, "message": "stray"}
              for name in ("../bob", "..", ".", "a/b", "/tmp/x", ".hidden")]
    grades = gradebook(tmp_path / "grades", strays)
    before = {key: value for key, value in everything_under(tmp_path).items() if not key.startswith("out")}
    report = feedback.feedback_to_folders(grades, tmp_path / "out")
    assert set(report.skipped) == {"../bob", "..", ".", "a/b", "/tmp/x", ".hidden"}
    assert set(report.skipped.values()) == {"not a plain folder name"}
    after = {key: value for key, value in everything_under(tmp_path).items() if not key.startswith("out")}
    assert after == before and not (tmp_path / "bob" / "feedback.md").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ana", "li", "sam"]
    assert "skipped 6: '.' (not a plain folder name)" in report.summary("out")


def test_a_planted_link_is_refused_and_never_written_through(tmp_path):
    out = tmp_path / "out"
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    grades = gradebook(tmp_path / "grades")
    feedback.feedback_to_folders(grades, out)
    alice_before = (out / "ana" / "feedback.md").read_bytes()
    (out / "li" / "feedback.md").unlink()
    (out / "li").rmdir()
    (out / "li").symlink_to(out / "ana")  # li's folder is now a link to ana's
    (out / "sam" / "feedback.md").unlink()
    (out / "sam" / "feedback.md").symlink_to(outside)  # sam's file is a link outside
    report = feedback.feedback_to_folders(grades, out)
    assert report.written == ["ana"] and set(report.skipped) == {"li", "sam"}
    assert "link" in report.skipped["li"] and "link" in report.skipped["sam"]
    assert (out / "ana" / "feedback.md").read_bytes() == alice_before  # nobody else's rows went there
    assert outside.read_text(encoding="utf-8") == "keep" and (out / "sam" / "feedback.md").is_symlink()
    assert sorted(p.name for p in (out / "ana").iterdir()) == ["feedback.md"]


def test_a_link_in_place_of_the_partial_file_is_removed_not_followed(tmp_path):
    out = tmp_path / "out"
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    (out / "ana").mkdir(parents=True)
    (out / "ana" / ".feedback.partial.md").symlink_to(outside)
    report = feedback.feedback_to_folders(gradebook(tmp_path / "grades"), out)
    assert "ana" in report.written and outside.read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in (out / "ana").iterdir()) == ["feedback.md"]


def test_what_a_student_controls_is_shown_as_text(tmp_path):
    rows = [{"student": "eve", "notebook": "01_data", "exercise": "01.1.1", "passed": False,
             "message": "=HYPERLINK(\"x\") | <img src=x onerror=alert(1)> [link](http://x) `code` \x1b[31mred"}]
    write_gradebook(rows, tmp_path / "grades")
    feedback.feedback_to_folders(tmp_path / "grades", tmp_path / "out")
    text = (tmp_path / "out" / "eve" / "feedback.md").read_text(encoding="utf-8")
    [row] = [line for line in text.splitlines() if line.startswith("| `01_data`")]
    assert len(re.findall(r"(?<!\\)\|", row)) == 5, "four cells: the student's | does not make a fifth"
    assert not re.search(r"(?<!\\)<", text) and "\\<img" in text and "\\[link\\]" in text and "\\`code\\`" in text
    assert "\x1b" not in text and "=HYPERLINK" in text and "'=HYPERLINK" not in text


def test_without_a_gradebook_it_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="make grade"):
        feedback.feedback_to_folders(tmp_path / "grades", tmp_path / "out")
    (tmp_path / "grades").mkdir()
    (tmp_path / "grades" / "gradebook.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a gradebook"):
        feedback.feedback_to_folders(tmp_path / "grades", tmp_path / "out")


def hub_class(tmp_path, langs: dict[str, str], homes: list[str]) -> Path:
    """A shared-account hub folder: accounts with ``langs``, and a ~/course/notebooks for each of ``homes``."""
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    entries = {name: {"lang": lang, "salt": "00", "hash": "00"} for name, lang in langs.items()}
    (hub_dir / accounts.ACCOUNTS).write_text(json.dumps(entries), encoding="utf-8")
    for name in homes:
        (hub_dir / "homes" / name / hub.COURSE_FOLDER / "notebooks").mkdir(parents=True)
    return hub_dir


def test_into_each_students_hub_home_and_nowhere_else(tmp_path):
    extra = [{"student": name, "notebook": "01_data", "exercise": "01.1.1", "passed": True,
              "message": f"Correct: {number}."} for name, number in (("eve", 444), ("zed", 555), ("mo", 666))]
    grades = gradebook(tmp_path / "grades", extra)
    # sam's account says zh: the account's language wins over the messages (both).
    hub_dir = hub_class(tmp_path, {"li": "zh", "ana": "en", "sam": "zh", "eve": "en", "mo": "en"},
                        ["li", "ana", "sam", "eve"])
    homes = hub_dir / "homes"
    notebooks = Path(hub.COURSE_FOLDER) / "notebooks"
    (homes / "eve" / notebooks).rmdir()
    (homes / "eve" / notebooks).symlink_to(homes / "ana" / notebooks)  # eve points at ana's work
    report = hand_back.feedback_to_homes(grades, hub_dir, system_accounts=False)
    assert sorted(report.written) == ["ana", "li", "sam"]
    assert report.skipped == {"eve": "no course/notebooks folder in the home (missing, or a link)",
                              "mo": "no course/notebooks folder in the home (missing, or a link)",
                              "zed": "no hub account of the course"}
    ana = (homes / "ana" / notebooks / "feedback.md").read_text(encoding="utf-8")
    assert "222" in ana and "444" not in ana and not HAN.search(ana)
    sam = (homes / "sam" / notebooks / "feedback.md").read_text(encoding="utf-8")
    assert "# 批改结果：sam" in sam and "Grading results" not in sam and "333" in sam
    assert not (homes / "mo").exists() and not (homes / "zed").exists() and not (hub_dir / "zed").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="handing a file to another account needs root")
def test_as_root_the_file_is_the_students_and_a_folder_not_theirs_is_refused(tmp_path, monkeypatch):
    grades = gradebook(tmp_path / "grades")
    hub_dir = hub_class(tmp_path, {"li": "zh", "ana": "en", "sam": "both"}, [])
    uids = {"li": 61001, "ana": 61002, "sam": 61003}  # no such accounts: pwd answers for them here
    for name in uids:
        (tmp_path / "home" / name / hub.COURSE_FOLDER / "notebooks").mkdir(parents=True)
    monkeypatch.setattr(pwd, "getpwnam", lambda name: pwd.struct_passwd(
        (name, "x", uids[name], uids[name] + 100, "", str(tmp_path / "home" / name), "/usr/sbin/nologin")))
    for name in ("li", "ana"):  # sam's folders stay root's: not theirs
        for path in [tmp_path / "home" / name, *(tmp_path / "home" / name).rglob("*")]:
            os.chown(path, uids[name], uids[name] + 100)
    report = hand_back.feedback_to_homes(grades, hub_dir)
    assert sorted(report.written) == ["ana", "li"]
    assert report.skipped == {"sam": "course/notebooks in the home is not the student's"}
    for name in ("li", "ana"):
        written = (tmp_path / "home" / name / hub.COURSE_FOLDER / "notebooks" / "feedback.md").stat()
        assert (written.st_uid, written.st_gid) == (uids[name], uids[name] + 100)
        assert stat.S_IMODE(written.st_mode) == 0o600
    assert not (tmp_path / "home" / "sam" / hub.COURSE_FOLDER / "notebooks" / "feedback.md").exists()


def test_the_command_and_the_make_target(tmp_path, capsys):
    grades = gradebook(tmp_path / "grades")
    assert main(["feedback", "--grades", str(grades), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.startswith(f"[feedback] feedback.md for 3 students in {tmp_path / 'out'}/")
    hub_dir = hub_class(tmp_path, {"li": "zh"}, ["li"])
    assert main(["feedback", "--grades", str(grades), "--hub", "--hub-dir", str(hub_dir), "--shared-account"]) == 0
    printed = capsys.readouterr().out
    assert "feedback.md for 1 students" in printed and "'ana' (no hub account of the course)" in printed
    with pytest.raises(SystemExit):
        main(["feedback", "--out", str(tmp_path / "x"), "--hub"])
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert " feedback " in re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1) + " "
    assert re.search(r"^feedback: setup\n\t\$\(COURSE\) feedback \$\(if \$\(HUB\),--hub", makefile, re.MULTILINE)
