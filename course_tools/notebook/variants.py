"""Each student's exercises and grading seed, from one secret the instructor keeps.

A number copied from the course's printed output, or from a classmate, must not pass. So:

- every student is graded with a seed of their own, ``HMAC(secret, "seed/<student>")``, given
  to their notebook's run and to the checks alike; they never see it, and an answer computed
  from ``seed`` passes while a typed number does not;
- an exercise about a fixed fact (a parameter count, the strides with even overlap) asks each
  student about other values: each exercise parameter of a notebook's parameters cell that
  :data:`CHOICES` names takes the value ``HMAC(secret, "<parameter>/<student>")`` picks. The
  student's own edition shows them in a cell after the parameters cell (:func:`with_variant`),
  and grading gives them again.

The secret is made once, readable by its owner only, outside ``build/`` (``make clean`` keeps
it): ``~/.config/course-autoencoders/grading-secret``, or the file ``COURSE_GRADING_SECRET`` names.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import itertools
import os
import secrets
import stat
import sys
from pathlib import Path

from course_tools.notebook.tags import EXERCISE_VARIANT, PARAMETERS, cell_tags
from course_tools.settings import current

SECRET_ENV = "COURSE_GRADING_SECRET"

# The values an exercise parameter may take; the course's own default comes first.
CHOICES: dict[str, list] = {
    "ink_digits": [list(range(10)), *(list(c) for c in itertools.combinations(range(10), 4))],
    "exercise_noise": [0.2, 0.15, 0.25, 0.35, 0.4, 0.45, 0.6],  # not the table's 0.1, 0.3, 0.5, 0.7
    "count_filters": [[16, 8, 4], [16, 8, 2], [16, 8, 6], [8, 8, 4], [32, 16, 4], [16, 16, 8],
                      [32, 8, 4], [8, 16, 4], [16, 4, 4], [32, 32, 8]],
    "share_filters": [[32, 32, depth] for depth in (16, 4, 8, 12, 20, 24, 28, 32)],
    "background_noise": [0.3, 0.2, 0.25, 0.35, 0.4],  # over 0.4, clipping at 1 moves the mean off σ/√(2π)
    "unclipped_noise": [0.5, 0.3, 0.4, 0.6, 0.7],
    "overlap_strides": [[2, 3], [2, 4], [3, 2], [3, 4], [4, 2], [4, 3]],
}


def secret_path() -> Path:
    """Where the grading secret is kept: ``$COURSE_GRADING_SECRET``, else the user's config folder."""
    return current().grading_secret_file()


def load_secret(path: Path | None = None, *, create: bool = True) -> bytes:
    """The grading secret, made (0600, in a 0700 folder) and announced the first time.

    Raises
    ------
    FileNotFoundError
        If there is none and ``create`` is false.
    PermissionError
        If others may read it, or it is no regular file.
    """
    path = path or secret_path()
    if not path.exists() and not path.is_symlink():
        if not create:
            raise FileNotFoundError(f"no grading secret at {path}: the editions with variants were made "
                                    f"with one; point {SECRET_ENV} at it.")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32) + "\n")
        print(f"[variants] a new grading secret in {path}: keep it (and a copy) until the class is "
              "graded; each student's exercises and grading seed come from it.", file=sys.stderr, flush=True)
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise PermissionError(f"the grading secret {path} is not a regular file; replace it with one.")
    if info.st_mode & 0o077:
        raise PermissionError(f"others may read the grading secret {path}: chmod 600 {path}")
    secret = path.read_text(encoding="ascii").strip().encode()
    if len(secret) < 32:
        raise PermissionError(f"the grading secret {path} is too short (under 32 characters); delete it "
                              "to make a new one, before any edition is handed out.")
    return secret


def _draw(secret: bytes, purpose: str, student: str) -> int:
    digest = hmac.new(secret, f"{purpose}/{student}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def grading_seed(secret: bytes, student: str) -> int:
    """The seed ``student``'s notebooks are graded with: 1 to 2³¹ − 1, never the course's 0."""
    return 1 + _draw(secret, "seed", student) % (2**31 - 1)


def exercise_parameters(nb) -> list[str]:
    """The names in ``nb``'s parameters cell that :data:`CHOICES` varies, in the cell's order."""
    names = []
    for cell in nb.cells:
        if PARAMETERS in cell_tags(cell):
            tree = ast.parse(cell.source)
            names += [target.id for node in tree.body if isinstance(node, ast.Assign)
                      for target in node.targets if isinstance(target, ast.Name) and target.id in CHOICES]
    return names


def student_variant(secret: bytes, student: str, nb) -> dict:
    """``student``'s values of ``nb``'s exercise parameters (empty where it has none)."""
    return {name: CHOICES[name][_draw(secret, name, student) % len(CHOICES[name])]
            for name in exercise_parameters(nb)}


def with_variant(nb, values: dict):
    """``nb`` with ``values`` in a cell after its parameters cell, as the student's edition shows them."""
    import nbformat

    if not values:
        return nb
    nb = nbformat.from_dict(nb)
    lines = [f"{name} = {value!r}" for name, value in values.items()]
    cell = nbformat.v4.new_code_cell(
        "# Your exercises' own parameters, chosen for you: they replace the ones above.\n" + "\n".join(lines),
        metadata={"tags": [EXERCISE_VARIANT]})
    nb.cells = [c for c in nb.cells if EXERCISE_VARIANT not in c.metadata.get("tags", [])]
    [place] = [i for i, c in enumerate(nb.cells) if PARAMETERS in cell_tags(c)]
    nb.cells.insert(place + 1, cell)
    return nb
