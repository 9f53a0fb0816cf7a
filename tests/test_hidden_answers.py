"""No answer shown unasked: the source notebooks and every edition (course, student, lab), in both
languages, show no solution's code or printed answer until the reader opens it; the outputs stay
in the file for nbval. The rendered forms are scanned where their tests build them
(tests/test_slides.py, test_book.py, test_demo.py); here, the scanner itself and what it catches."""

from __future__ import annotations

import nbformat
import pytest

from course_tools.notebook import editions
from course_tools.notebook.editions import (
    answer_prompts,
    course_edition,
    fold_solutions,
    prepare_work_folder,
)
from course_tools.notebook.student import answer_lines, shown_answers, student_notebook
from course_tools.publish import slides
from course_tools.run.runner import course_notebooks
from course_utils.language import language_codes

NOTEBOOKS = course_notebooks()
LANGUAGES = language_codes()


def read(path):
    return nbformat.read(path, as_version=4)


def solutions(nb):
    return [cell for cell in nb.cells if "solution" in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_source_notebooks_fold_each_solution_and_keep_its_outputs(path):
    nb = read(path)
    assert fold_solutions(nb) == 0, "run `python -m course_tools fold-solutions` (metadata only, nothing runs)"
    answers = answer_lines(nb)
    assert any(line.startswith(("Correct: ", "All 13 layers")) for line in answers), answers
    assert all(cell.outputs for cell in solutions(nb)), "nbval compares the solutions' outputs"
    assert shown_answers(nb, answers, unasked=True) == []
    assert shown_answers(nb, answers), "the answers are in the file, folded"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_edition_shows_an_answer_unasked(path, lang):
    answers = answer_lines(read(path))  # the committed outputs stand for a run in either language
    course = course_edition(path, lang)
    assert shown_answers(course, answers, unasked=True) == []
    assert shown_answers(course, answers) and all(cell.outputs for cell in solutions(course))
    assert all(cell.metadata["jupyter"] == editions.FOLDED for cell in solutions(course))
    for student_lang in (lang, "both"):
        assert shown_answers(student_notebook(path, student_lang), answers) == [], "not even folded"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lab_edition_shows_no_answer_unasked(tmp_path, monkeypatch, lang):
    monkeypatch.setattr(editions, "executed", lambda path, lang, **_: path)  # the committed outputs
    folder = prepare_work_folder(lang, folder=tmp_path / lang)
    delivered = sorted((folder / "notebooks").glob("*.ipynb"))
    assert [p.name for p in delivered] == [p.name for p in NOTEBOOKS]
    for path, source in zip(delivered, NOTEBOOKS):
        nb = read(path)
        answers = answer_lines(read(source))
        assert shown_answers(nb, answers, unasked=True) == [], path.name
        assert shown_answers(nb, answers), "the lab edition keeps the answers, folded"


def test_folding_is_what_hides_an_answer_in_a_notebook():
    nb = course_edition(NOTEBOOKS[0], "en")
    answers = answer_lines(read(NOTEBOOKS[0]))
    [(number, cell)] = [(number, cell) for number, cell in enumerate(nb.cells) if cell in solutions(nb)]
    cell.metadata["jupyter"].pop("outputs_hidden")  # JupyterLab would show "Correct: 0."
    found = shown_answers(nb, answers, unasked=True)
    assert f"cell {number}: a solution cell's outputs" in found and f"cell {number}: 'Correct: 0.'" in found
    assert f"cell {number}: a solution cell's source" not in found
    cell.metadata["jupyter"] = {}
    assert f"cell {number}: a solution cell's source" in shown_answers(nb, answers, unasked=True)
    # folded, but JupyterLab writes a folded cell's first line on its bar: nbval's marker, not an answer
    fold_solutions(nb)
    assert cell.source.startswith("# NBVAL_CHECK_OUTPUT\n") and shown_answers(nb, answers, unasked=True) == []
    cell.source = cell.source.removeprefix("# NBVAL_CHECK_OUTPUT\n")
    assert shown_answers(nb, answers, unasked=True) == [
        f"cell {number}: a solution cell's first line, on its folded bar"]
    cell.source = "# NBVAL_CHECK_OUTPUT\n" + cell.source
    # an answer printed by any other cell, e.g. an exercise cell run with the answer typed in
    exercise = nb.cells[number - 1]
    exercise.outputs = [nbformat.v4.new_output("stream", text="Correct: 0.\n")]
    assert shown_answers(nb, answers, unasked=True) == [f"cell {number - 1}: 'Correct: 0.'"]


def test_folding_is_what_hides_an_answer_on_a_page(tmp_path):
    source = read(NOTEBOOKS[0])
    answers = answer_lines(source)
    folded = slides.render_deck(NOTEBOOKS[0], "en", tmp_path / "folded.html").read_text(encoding="utf-8")
    assert shown_answers(folded, answers, unasked=True) == []
    assert "'Correct: 0.'" in shown_answers(folded, answers)  # behind the click
    assert f"<summary>{answer_prompts('en')[0]}</summary>" in folded
    for cell in solutions(source):
        del cell.metadata["jupyter"]
    # the deck's template without render_deck, which would fold them again
    unfolded, _ = slides.slides_exporter("en").from_notebook_node(source, resources={"course_answer_prompt": "Show"})
    found = shown_answers(unfolded, answers, unasked=True)
    assert "'Correct: 0.' without a click" in found
    assert "'most_ink = max(ink, key=ink.get)' without a click" in found  # the solution's code


@pytest.mark.parametrize("page, shown", [
    ("<details><summary>Show the answer</summary><pre>Correct: 0.</pre></details>", []),
    ("<details open><summary>Show the answer</summary><pre>Correct: 0.</pre></details>", ["'Correct: 0.'"]),
    ("<details><summary>Correct: 0.</summary></details>", ["'Correct: 0.'"]),  # a summary shows
    ('<section><aside class="notes"><pre>Correct: 0.</pre></aside></section>', []),  # speaker notes
    ("<p>Before</p><div hidden>Correct: 0.</div><p>after</p>", []),
    ("<script>const answer = 'x';\nCorrect: 0.\n</script>", []),
    ("<ul><li>Correct: 0.<li>next</ul>", ["'Correct: 0.'"]),
    ("<pre><span>Correct:</span> <span>0.</span></pre>", ["'Correct: 0.'"]),  # highlighted, one line
])
def test_the_page_scan_reads_what_a_reader_sees(page, shown):
    assert [line.removesuffix(" without a click") for line in shown_answers(page, {"Correct: 0."}, unasked=True)] \
        == shown
    assert shown_answers(page, {"Correct: 0."}) == ["'Correct: 0.'"], "held, hidden or not"
