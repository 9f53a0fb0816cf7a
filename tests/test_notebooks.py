"""The notebooks: paired languages, one parameters cell, committed outputs, and a
headless papermill run whose metrics fall in sane bands."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from course_tools.run.runner import course_notebooks, run_notebooks
from course_tools.settings import NOTEBOOK_DIR

NOTEBOOKS = course_notebooks()
CJK = re.compile(r"[\u4e00-\u9fff]")
REQUIRED_PARAMETERS = {"train_limit", "test_limit", "seed", "data_dir", "lang", "metrics_path"}
TRAINING_PARAMETERS = {"epochs", "batch_size"}  # only in the notebooks that train


def read(path):
    return nbformat.read(path, as_version=4)


def tags(cell):
    return set(cell.metadata.get("tags", []))


def test_the_course_notebooks_are_numbered_in_order():
    assert len(NOTEBOOKS) >= 4
    assert [int(p.name[:2]) for p in NOTEBOOKS] == list(range(1, len(NOTEBOOKS) + 1))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_cells_come_in_language_pairs(path):
    markdown = [c for c in read(path).cells if c.cell_type == "markdown"]
    assert markdown, "a notebook without text"
    problems = []
    for number, cell in enumerate(markdown, start=1):
        language = tags(cell) & {"lang-zh", "lang-en"}
        if len(language) != 1:
            problems.append(f"markdown cell {number} is tagged {sorted(language) or 'with no language'}")
        elif not cell.source.strip():
            problems.append(f"markdown cell {number} ({language.pop()}) is empty")
        elif "lang-zh" in language and not CJK.search(cell.source):
            problems.append(f"markdown cell {number} is tagged lang-zh but has no Chinese")
        elif "lang-en" in language and CJK.search(cell.source):
            problems.append(f"markdown cell {number} is tagged lang-en but contains Chinese")
    for number in range(0, len(markdown), 2):
        pair = [tags(c) & {"lang-zh", "lang-en"} for c in markdown[number:number + 2]]
        if pair != [{"lang-zh"}, {"lang-en"}]:
            problems.append(f"markdown cells {number + 1}-{number + 2} are not a zh/en pair: {pair}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_with_the_shared_names(path):
    cells = [c for c in read(path).cells if "parameters" in tags(c)]
    assert len(cells) == 1
    names = set(re.findall(r"^(\w+) =", cells[0].source, flags=re.M))
    assert REQUIRED_PARAMETERS <= names, f"missing {REQUIRED_PARAMETERS - names}"
    trains = "train_autoencoder" in "".join(c.source for c in read(path).cells)
    assert (TRAINING_PARAMETERS <= names) == trains, "training parameters exactly where a model trains"
    assert TRAINING_PARAMETERS & names in (set(), TRAINING_PARAMETERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_with_outputs_and_no_errors(path):
    code = [c for c in read(path).cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "every code cell was executed"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    figures = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert figures, "figures are kept as PNG images"
    assert not [o for c in code for o in c.outputs
                if o.get("data", {}).get("text/plain", "").startswith("<Figure")
                and "image/png" not in o["data"]], "a figure was shown as text, not rendered"


def figures_without_a_text_alternative(nb) -> list[str]:
    """Each figure (an image/png output) a reader who cannot see it would miss: no description as its
    ``alt`` metadata, or no HTML form holding an ``<img>`` of that PNG with that alt text, which is the
    form JupyterLab, the slides (nbconvert) and the book (myst-nb) show (course_utils.plotting)."""
    from html import escape

    missing = []
    for number, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
            html = data.get("text/html", "")
            if (not alt.strip() or alt.startswith("<Figure") or f'data:image/png;base64,{data["image/png"]}"' not in html
                    or f'alt="{escape(alt)}"' not in html):
                missing.append(f"cell {number} ({cell.get('id')}): alt {alt!r}, HTML {html[:60]!r}")
    return missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_committed_figure_has_a_text_alternative(path):
    """Fails on notebooks executed before figures were described (issue 36): `make notebooks` runs them again."""
    assert figures_without_a_text_alternative(read(path)) == []


def test_a_run_describes_every_figure_in_its_language(executed_course):
    folder, _ = executed_course
    runs = sorted(folder.glob("*/executed/*.ipynb"))
    assert len(runs) == len(NOTEBOOKS)
    for run in runs:
        lang = run.parent.parent.name
        nb = read(run)
        assert figures_without_a_text_alternative(nb) == [], run.name
        alts = [o.metadata["image/png"]["alt"] for c in nb.cells for o in c.get("outputs", [])
                if "image/png" in o.get("data", {})]
        assert alts and all(bool(CJK.search(alt)) == (lang == "zh") for alt in alts), (run.name, alts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_checked_cells_print_no_timings(path):
    for cell in read(path).cells:
        if "NBVAL_CHECK_OUTPUT" in cell.source:
            assert "perf_counter" not in cell.source and "train_autoencoder" not in cell.source


def test_headless_run_records_sane_metrics(executed_course):
    folder, metrics = executed_course
    assert json.loads((folder / "zh" / "metrics.json").read_text(encoding="utf-8")) == {
        name: values for name, values in metrics.items() if name[:2] in ("01", "03")}
    assert (folder / "en" / "executed" / "02_conv_autoencoder.ipynb").exists()
    assert (metrics["01_data"]["train_images"], metrics["01_data"]["test_images"]) == (60_000, 300)
    conv, denoise = metrics["02_conv_autoencoder"], metrics["03_denoising_autoencoder"]
    assert conv["epochs"] == 3 and conv["steps"] == 3 * 125 and conv["batch_size"] == 32
    assert (conv["train_images"], conv["test_images"]) == (4_000, 300), "the quick run's limits"
    assert conv["final_val_loss"] < 0.3, "the loss fell from ln 2 ≈ 0.69"
    assert conv["psnr"] > 12.0 and conv["fully_trained"]["psnr"] > conv["psnr"]
    assert 8.5 < denoise["noisy_psnr"] < 10.5, "noise factor 0.5 gives about 9.4 dB"
    assert denoise["psnr"] > denoise["noisy_psnr"] + 3, "the denoiser beats its input"
    assert all(values["seconds"] > 0 for values in metrics.values())
    card = denoise["report_card"]
    assert card["autoencoder (fully trained)"]["psnr"] > card["autoencoder"]["psnr"]
    assert all(card[name]["psnr"] > card["noisy input"]["psnr"] for name in card if name != "noisy input")
    best_classical = max(card[name]["psnr"] for name in ("median 3×3", "gaussian blur", "non-local means"))
    assert card["autoencoder (fully trained)"]["psnr"] > best_classical + 2
    sweep = denoise["noise_sweep"]["psnr"]["noisy input"]
    assert sweep == sorted(sweep, reverse=True), "more noise, lower PSNR"
    decoders = metrics["04_upsampling_vs_transposed"]["decoders"]
    assert decoders["transpose 3×3"]["checkerboard_logits"] > 1.5 * decoders["resize + conv"]["checkerboard_logits"]
    assert decoders["transpose 3×3"]["psnr"] > 12, "the transposed decoder learned, it did not collapse"


def test_the_report_card_shows_what_each_notebook_recorded(executed_course):
    from course_tools.run.results import report_card_table
    from course_utils.reporting import report_table

    _, metrics = executed_course
    text = report_card_table(metrics)
    card = metrics["03_denoising_autoencoder"]["report_card"]
    best = max(card, key=lambda name: card[name]["psnr"])
    worst = min(card, key=lambda name: card[name]["psnr"])
    assert text.index(best) < text.index(worst), "best first"
    assert "checkerboard score per decoder" in text and "transpose 3×3" in text
    # any notebook, such as a new 05, adds its own table by recording a "report"
    extra = {"05_new": {"report": report_table("a new table", ["name", "value"], [["row", 1.23456]], [3])}}
    lines = report_card_table({**metrics, **extra}).splitlines()
    assert lines[-3] == "a new table:" and lines[-1].split() == ["row", "1.235"]


def test_notebook_defaults_come_from_the_course_defaults():
    from course_utils import defaults

    expected = {"02": defaults.EPOCHS["conv"], "03": defaults.EPOCHS["denoise"], "04": defaults.EPOCHS["checkerboard"]}
    for path in NOTEBOOKS:
        [cell] = [c for c in read(path).cells if "parameters" in tags(c)]
        values = dict(re.findall(r"^(\w+) = ([^#\n]+?)\s*(?:#|$)", cell.source, flags=re.M))
        if "epochs" not in values:
            continue  # a notebook that trains nothing
        assert int(values["batch_size"]) == defaults.BATCH_SIZE, path.name
        if path.name[:2] in expected:
            assert int(values["epochs"]) == expected[path.name[:2]], path.name
        assert int(values["seed"]) == defaults.SEED and int(values["train_limit"]) == defaults.TRAIN_LIMIT
        assert int(values["test_limit"]) == defaults.TEST_LIMIT


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_come_with_hidden_solutions(path):
    cells = read(path).cells
    exercises = [i for i, c in enumerate(cells) if "exercise" in tags(c)]
    assert exercises, "every notebook has exercises"
    for index in exercises:
        solution = cells[index + 1]
        assert "solution" in tags(solution) and solution.metadata["jupyter"] == {
            "source_hidden": True, "outputs_hidden": True}, "folded, its printed answer too"
        assert "assert check_" in solution.source, "the solution passes its own check"


def outputs_text(cells) -> str:
    return "\n".join(output.get("text", "") + output.get("data", {}).get("text/plain", "")
                     for cell in cells for output in cell.get("outputs", []))


def answers_printed_above(cells, exercise: int) -> list[str]:
    """Values the solution after cell ``exercise`` confirms ("Correct: 13.31.") that appear above it."""
    confirmed = re.findall(r"Correct: (.+?)\.\n", outputs_text([cells[exercise + 1]]))
    values = [v for answer in confirmed for v in answer.split(", ")]
    distinctive = [v for v in values if re.fullmatch(r"\d+\.\d+|\d{3,}", v)]  # not "0" or "4"
    above = outputs_text(cells[:exercise])
    return [v for v in distinctive if re.search(rf"(?<![\d.]){re.escape(v)}(?!\d)", above)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_exercise_answer_is_printed_above_its_exercise(path):
    cells = read(path).cells
    exercises = [i for i, c in enumerate(cells) if "exercise" in tags(c)]
    confirming = [i for i in exercises if "Correct: " in outputs_text([cells[i + 1]])]
    assert confirming, "the committed solutions print the answers they confirm"
    for index in exercises:
        assert answers_printed_above(cells, index) == []


def test_the_answer_detector_finds_an_answer_printed_above():
    def cell(text):
        return nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("stream", text=text)])

    cells = [cell("PSNR 13.31 dB, 400 sevens, 0.1\n"), cell("None yet\n"),
             cell("Correct: 13.31.\nCorrect: 400.\nCorrect: 0.12.\nCorrect: 4.\n")]
    assert answers_printed_above(cells, 1) == ["13.31", "400"]


def test_a_failing_notebook_stops_the_run_and_progress_says_where(tmp_path, capsys):
    from papermill.exceptions import PapermillExecutionError

    broken = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("epochs = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print('fine')"),
        nbformat.v4.new_code_cell("raise RuntimeError('cell three is broken')"),
    ])
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(broken, path)
    with pytest.raises(PapermillExecutionError, match="cell three is broken"):
        run_notebooks([path], parameters={"epochs": 1}, out_dir=tmp_path / "out")
    out = capsys.readouterr().out
    assert "[run 1/1] 99_broken.ipynb: cell 4/4" in out, "papermill's injected cell makes four"
    assert "99_broken.ipynb: failed in" in out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_language_shows_its_own_diagrams(path):
    links = []
    for cell in read(path).cells:
        for lang in ("zh", "en"):
            if f"lang-{lang}" in tags(cell):
                links += [(lang, link) for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", cell.source)]
    assert [link for lang, link in links if not link.endswith(f".{lang}.png")] == []
    assert [link for _, link in links if not (path.parent / link).is_file()] == []


def test_metrics_json_takes_numpy_values(tmp_path):
    import numpy as np

    from course_tools.run.results import read_json
    from course_utils.reporting import record

    record(tmp_path / "m.json", {"loss": np.float32(0.25), "sweep": np.array([1.5, 2.0]), "steps": np.int64(3)})
    assert read_json(tmp_path / "m.json") == {"loss": 0.25, "sweep": [1.5, 2.0], "steps": 3}
    record(None, {"ignored": 1})  # a notebook run by hand records nothing


def test_nbval_replays_the_committed_notebooks_with_the_quick_parameters(tmp_path):
    from conftest import NBVAL_PARAMETERS, prepare_nbval_copies

    copies = prepare_nbval_copies(tmp_path / "nbval")
    assert [copy.name for copy in copies] == [path.name for path in course_notebooks()]
    for copy in copies:
        source = nbformat.read(NOTEBOOK_DIR / copy.name, as_version=4)
        prepared = nbformat.read(copy, as_version=4)
        tags = [cell.metadata.get("tags", []) for cell in prepared.cells]
        [injected] = [i for i, t in enumerate(tags) if "injected-parameters" in t]
        assert "parameters" in tags[injected - 1]  # right after the notebook's own parameters
        assert all(f"{name} = {value}" in prepared.cells[injected].source for name, value in NBVAL_PARAMETERS.items())
        rest = prepared.cells[:injected] + prepared.cells[injected + 1:]
        assert [c.source for c in rest] == [c.source for c in source.cells]
        assert [c.get("outputs") for c in rest] == [c.get("outputs") for c in source.cells]  # what nbval compares
