"""What the grader reads from a course notebook, and what it does to a submission before it runs.

Each exercise cell of the course's notebook is split into its answers (the first argument of
each check call) and its checks (:func:`course_exercises`). A submission is instrumented
(:func:`instrument`): after each exercise, a cell saves the student's answers as plain data
(:mod:`course_tools.grading.answers`).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from course_tools.grading import answers
from course_tools.notebook.editions import lang_parameter
from course_tools.notebook.tags import (
    EXERCISE,
    RAISES,
    SOLUTION,
    cell_tags,
    lang_tag,
    notebook_tags,
    prose_language,
)
from course_utils.language import BOTH, language_codes


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise cell of a course notebook and the check calls that grade it."""

    cell: int  # its index among the notebook's exercise cells
    setup: str  # the exercise cell without its ``passed = ...`` statement
    calls: tuple[str, ...]  # each check call, its answer replaced by ``_answer``
    answers: tuple[str, ...]  # each check call's answer expression, evaluated in the sandbox
    late: tuple[bool, ...] = ()  # whether each answer may come from the student's later cells

    @property
    def checks(self) -> int:
        return len(self.calls)

    def names(self, notebook: str) -> list[str]:
        return [f"{notebook[:2]}.{self.cell + 1}.{check + 1}" for check in range(self.checks)]


def course_exercises(notebook: Path) -> list[Exercise]:
    """The exercise cells of a course notebook, each split into its answers and its checks."""
    import nbformat

    code = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    places = [number for number, c in enumerate(code) if EXERCISE in cell_tags(c)]
    exercises = []
    for index, place in enumerate(places):
        exercise = _exercise(index, code[place].source)
        reassigned = set().union(*(_assigned_names(c.source) for c in code[place + 1:]
                                   if SOLUTION not in cell_tags(c)))
        late = tuple(not (_names(expression) & reassigned) for expression in exercise.answers)
        exercises.append(dataclasses.replace(exercise, late=late))
    return exercises


def _names(expression: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(expression)) if isinstance(node, ast.Name)}


def _assigned_names(source: str) -> set[str]:
    """The names a course cell binds: an answer it computes itself is never taken from the end."""
    try:
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _exercise(index: int, source: str) -> Exercise:
    tree = ast.parse(source)
    [statement] = [node for node in tree.body if isinstance(node, ast.Assign)
                   and any(getattr(target, "id", None) == "passed" for target in node.targets)]
    calls = statement.value.elts if isinstance(statement.value, ast.List) else [statement.value]
    answer_expressions = tuple(ast.unparse(call.args[0]) for call in calls)
    for call in calls:
        call.args[0] = ast.Name("_answer", ast.Load())
    setup = ast.Module([node for node in tree.body if node is not statement], type_ignores=[])
    return Exercise(index, ast.unparse(setup), tuple(ast.unparse(call) for call in calls),
                    answer_expressions)


def edition_language(nb) -> str:
    """The language of the edition a student handed in: one of the course's, or "both" (the source).

    A one-language edition keeps one language's markdown cells, and its parameters cell names the
    language it prints in: that one where it reads these cells (a language without cells of its own
    reads the English ones), else the cells' own.
    """
    tags = notebook_tags(nb)
    prose = [code for code in language_codes() if lang_tag(code) in tags]
    if len(prose) != 1:
        return BOTH
    printed = lang_parameter(nb)
    return printed if printed in language_codes() and prose_language(nb, printed) == prose[0] else prose[0]


def instrument(nb, exercises: list[Exercise]):
    """The submission, ready to run: answers saved after each exercise, errors not fatal.

    Every cell is tagged ``raises-exception`` so that an error costs only the
    answers that depend on it, not the rest of the notebook.
    """
    import nbformat

    nb = nbformat.from_dict(nb)
    cells = [c for c in nb.cells if EXERCISE in cell_tags(c)]
    for cell in nb.cells:
        cell.metadata["tags"] = [*cell.metadata.get("tags", []), RAISES]
    for exercise, cell in zip(exercises, cells):
        export = nbformat.v4.new_code_cell(answers.export_cell_source(exercise.cell, list(exercise.answers)))
        nb.cells.insert(nb.cells.index(cell) + 1, export)
    nb.cells.insert(0, nbformat.v4.new_code_cell(answers.EXPORT_FUNCTION))
    for exercise in exercises:  # an answer left unset in the exercise cell, computed further down
        later = [expression if late else None for expression, late in zip(exercise.answers, exercise.late)]
        if any(later):
            source = answers.export_cell_source(exercise.cell, later, only_unset=True)
            nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": [RAISES]}))
    return nb

