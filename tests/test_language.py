"""course_utils.language: choosing the language, and tables that align with CJK text."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.language import N_, display_width, format_table, say_check, translated

METHODS = [N_("noisy input"), N_("autoencoder (fully trained)"), N_("median 3×3")]  # 带噪输入, 自编码器（充分训练）, 3×3 中值滤波


def test_cjk_characters_take_two_columns():
    # East Asian Width: 自 and the full-width bracket are "W"; × is "A", one column in a notebook
    assert display_width("自编码器（充分训练）") == 20
    assert display_width("3×3 中值滤波") == 12
    assert display_width("noisy input") == 11


@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_table_columns_align_in_every_language(lang):
    rows = [[name, psnr, ssim] for name, psnr, ssim in zip(METHODS, (9.4, 19.73, 14.2), (0.41, 0.87, 0.55))]
    lines = format_table(["", "PSNR (dB)", "SSIM"], rows, formats=["", ".2f", ".3f"], lang=lang).splitlines()
    assert len({display_width(line) for line in lines}) == 1, lines
    names = [translated(name, lang) for name in METHODS]
    for line, name in zip(lines[1:], names):
        assert line.startswith(name)
    psnr_ends = {display_width(line[:line.index(f"{value:.2f}") + len(f"{value:.2f}")])
                 for line, value in zip(lines[1:], (9.4, 19.73, 14.2))}
    assert len(psnr_ends) == 1, "numbers are right-aligned in their column"


def test_missing_values_show_a_dash():
    lines = format_table(["", N_("PSNR (dB)", "axis label")], [["a", None], ["b", 1.5]], formats=["", ".1f"], lang="en")
    assert lines.splitlines()[1].endswith("    -")


def test_errors_a_student_can_trigger_speak_both_languages(tmp_path):
    """An exception cannot know the notebook's lang: bad parameters, missing data and damaged
    model files explain themselves in Chinese and in English."""
    import re

    from course_utils.data import load_dataset
    from course_utils.noise import add_noise
    from course_utils.pretrained import load_pretrained
    from course_utils.training import train_autoencoder

    def message(call) -> str:
        with pytest.raises(ValueError) as caught:
            call()
        return str(caught.value)

    messages = [
        message(lambda: load_dataset(source="embedded", train_limit=0)),
        message(lambda: load_dataset("cifar")),
        message(lambda: load_dataset(source="local")),  # no course data folder in tests
        message(lambda: add_noise(np.zeros((1, 28, 28, 1)), -0.5)),
        message(lambda: train_autoencoder(None, None, epochs=0)),
        message(lambda: load_pretrained("conv_16_8_8", folder=tmp_path)),
    ]
    for text in messages:
        chinese, english = text.split("\n", 1)
        assert re.search(r"[\u4e00-\u9fff]", chinese) and not re.search(r"[\u4e00-\u9fff]", english), text


@pytest.mark.parametrize("value", [True, False, np.True_, np.False_])
def test_a_yes_no_check_reads_chinese_in_chinese_and_true_false_in_english(value, capsys):
    """A Chinese reader reads 是 / 否, never True / False; the English line is what Python prints."""
    label = "same noise in both epochs"  # 两轮里的噪声相同
    chinese = "是" if value else "否"
    say_check(label, value, "zh")
    assert capsys.readouterr().out == f"两轮里的噪声相同：{chinese}\n"
    say_check(label, value, "en")
    assert capsys.readouterr().out == f"same noise in both epochs: {bool(value)}\n"
    say_check(label, value, "both")
    assert capsys.readouterr().out == f"两轮里的噪声相同：{chinese}\nsame noise in both epochs: {bool(value)}\n"


def test_a_table_shows_yes_no_values_in_the_reader_language():
    rows = [["a", True], ["b", np.bool_(False)]]
    assert [line.split()[-1] for line in format_table(["", "same"], rows, lang="zh").splitlines()[1:]] \
        == ["是", "否"]
    assert [line.split()[-1] for line in format_table(["", "same"], rows, lang="en").splitlines()[1:]] \
        == ["True", "False"]
