"""Answers crossing the sandbox wall: written inside it as plain data, read outside it safely.

Inside the sandbox, a cell inserted after each exercise cell evaluates the
exercise's answer expressions (the first argument of each check call, such as
``most_ink``) and saves each value as plain data: JSON for numbers, strings
and sets or lists of them, ``.npy`` for arrays, ``.keras`` for models. Nothing
else leaves the sandbox. The grader reads these files in its own process:
JSON, ``numpy.load(allow_pickle=False)`` and ``keras`` with ``safe_mode=True``,
after refusing links, oversized files and anything that is not plain data.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.language import N_, translated
from course_utils.reporting import read_regular_file

MAX_FILE_BYTES = 64 * 2**20  # a .keras model of the course is under 1 MiB
MAX_ARRAY_BYTES = 64 * 2**20  # checked in the .npy header, before numpy allocates anything
NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats: nothing numpy would unpickle
SCALARS = (bool, int, float, str, type(None))
# A model answer is rebuilt from its configuration only if it uses these classes, of these sizes at most.
MODEL_CLASSES = {"Functional", "Sequential", "InputLayer", "Conv2D", "Conv2DTranspose", "MaxPooling2D",
                 "UpSampling2D", "Resizing", "Cropping2D", "ZeroPadding2D", "Dense", "Flatten", "Reshape",
                 "Activation", "ReLU", "DTypePolicy", "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform",
                 "Zeros", "Ones", "RandomNormal", "RandomUniform", "__keras_tensor__"}
MODEL_MODULES = {None, "keras", "keras.layers", "keras.initializers", "keras.src.models.functional",
                 "keras.src.models.sequential", "keras.models"}
MODEL_SIZES = {"filters": 256, "units": 4096, "kernel_size": 9, "pool_size": 8, "strides": 8, "size": 8,
               "height": 512, "width": 512, "batch_shape": 512, "target_shape": 4096}
MAX_LAYERS = 64
MAX_CONFIG_BYTES = 2**20

# The code that runs inside the sandbox, in the student's kernel. It is written out
# in full (no import from the course) because the sandbox sees no course_tools.
EXPORT_FUNCTION = r'''
def _course_export_answers(_exercise, _evaluate, _only_unset=False):
    import json, os, traceback
    folder = os.path.join(os.environ["COURSE_ANSWERS"], str(_exercise))
    os.makedirs(folder, exist_ok=True)
    for _index, _expression in enumerate(_evaluate):
        _stem = os.path.join(folder, str(_index))
        if _only_unset and (_expression is None or not _course_unset(_stem)):
            continue
        try:
            _value = _expression()
        except Exception as _error:
            _record = {"kind": "error", "error": f"{type(_error).__name__}: {_error}"[:300]}
        else:
            _record = _course_plain(_value, _stem)
        with open(_stem + ".json", "w", encoding="utf-8") as _file:
            json.dump(_record, _file)


def _course_unset(stem):
    import json
    try:
        with open(stem + ".json", encoding="utf-8") as _file:
            record = json.load(_file)
    except (OSError, ValueError):
        return True
    return record.get("kind") == "error" or record == {"kind": "value", "value": None}


def _course_plain(value, stem):
    import numpy as np
    scalars = (bool, int, float, str, type(None))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, scalars):
        return {"kind": "value", "value": value}
    if isinstance(value, (set, frozenset, list, tuple)):
        items = [item.item() if isinstance(item, np.generic) else item for item in value]
        if all(isinstance(item, scalars) for item in items):
            return {"kind": "set" if isinstance(value, (set, frozenset)) else "list", "items": items}
    if isinstance(value, np.ndarray) and value.dtype != object:
        np.save(stem + ".npy", value, allow_pickle=False)
        return {"kind": "array"}
    if type(value).__name__ in ("Functional", "Model", "Sequential") and hasattr(value, "save"):
        value.save(stem + ".keras")
        return {"kind": "model"}
    return {"kind": "unsupported", "type": type(value).__name__}
'''


@dataclass(frozen=True)
class Answer:
    """One answer read back from the sandbox: its value, or why there is none."""

    value: object = None
    problem: str | None = None  # an English message (N_), when the answer cannot be graded
    details: dict = field(default_factory=dict)  # the problem's placeholders

    def problem_text(self, lang: str) -> str:
        """Why the answer cannot be graded, in ``lang``."""
        return translated(self.problem, lang, **self.details)


def export_cell_source(exercise: int, expressions: list[str | None], *, only_unset: bool = False) -> str:
    """The cell inserted after an exercise cell: save each answer expression's value.

    With ``only_unset`` (the notebook's last cell), only the answers the exercise cell left
    unset (None, or an error) are saved again, now from the student's later cells; an
    expression given as None is left as it was.
    """
    calls = ", ".join("None" if expression is None else f"lambda: ({expression})" for expression in expressions)
    return f"_course_export_answers({exercise}, [{calls}]{', True' if only_unset else ''})"


def read_answers(folder: Path, exercise: int, count: int) -> list[Answer] | None:
    """The ``count`` answers of one exercise, or None when its export never ran."""
    folder = Path(folder) / str(exercise)
    if not _is_plain_folder(folder):
        return None
    return [read_answer(folder, index) for index in range(count)]


def read_answer(folder: Path, index: int) -> Answer:
    """One answer, read without trusting anything in the file."""
    try:
        record = json.loads(_read_plain_file(folder / f"{index}.json").decode("utf-8"))
        kind = record["kind"]
        if kind == "value" and isinstance(record["value"], SCALARS):
            return Answer(record["value"])
        if kind in ("set", "list") and all(isinstance(item, SCALARS) for item in record["items"]):
            return Answer(set(record["items"]) if kind == "set" else list(record["items"]))
        if kind == "array":
            return Answer(_read_array(folder / f"{index}.npy"))
        if kind == "model":
            return Answer(_read_model(folder / f"{index}.keras"))
        if kind == "error":
            return Answer(problem=N_("the answer could not be computed: {error}"),
                          details={"error": str(record["error"])[:200]})
        if kind == "unsupported":
            return Answer(problem=N_("an answer of type {name} cannot be graded"),
                          details={"name": str(record["type"])[:60]})
    except FileNotFoundError:
        return Answer(problem=N_("no answer was saved: the notebook broke the course's saving code before it"))
    except Exception as error:  # EOFError, MemoryError, RecursionError too: a bad file costs only its answer
        return Answer(problem=N_("the answer file could not be read safely ({error})"),
                      details={"error": type(error).__name__})
    return Answer(problem=N_("the answer file is not in the course's format"))


def _read_array(path: Path):
    """A plain numeric array; its header is read first, so a forged shape allocates nothing."""
    import io

    import numpy as np

    stream = io.BytesIO(_read_plain_file(path))
    header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    version = np.lib.format.read_magic(stream)
    if version not in header:
        raise ValueError(f".npy format version {version} is not one the course writes")
    shape, _, dtype = header[version](stream)
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject:
        raise ValueError(f"an array of dtype {dtype} is not a plain numeric array")
    if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > MAX_ARRAY_BYTES:
        raise ValueError(f"an array of shape {shape} is larger than {MAX_ARRAY_BYTES // 2**20} MiB")
    stream.seek(0)
    array = np.load(stream, allow_pickle=False)
    if not isinstance(array, np.ndarray):
        raise ValueError("not a single array")
    return array


def _read_model(path: Path):
    """A model answer rebuilt from its configuration alone, read as data: never its weights, never
    a layer class, module or size outside :data:`MODEL_CLASSES` and :data:`MODEL_SIZES`."""
    _read_plain_file(path)  # refuses links and oversized files
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo("config.json")
        if entry.file_size > MAX_CONFIG_BYTES:
            raise ValueError("the model's configuration is larger than 1 MiB")
        config = json.loads(archive.read(entry))
    check_model_config(config)
    import keras

    return keras.saving.deserialize_keras_object(config, safe_mode=True)


def check_model_config(config) -> None:
    """Raise ValueError unless every object in a saved model's configuration is an allowed
    Keras class of a bounded size, so that rebuilding it runs no code of the student's and
    allocates no more than the course's own models need."""
    layers = 0
    for node in _objects(config):
        name, module = node.get("class_name"), node.get("module")
        if name not in MODEL_CLASSES or module not in MODEL_MODULES or node.get("registered_name") not in (None, name):
            raise ValueError(f"a model with a {str(name)[:40]} from {str(module)[:40]} is not one the course grades")
        layers += module == "keras.layers"
        for key, limit in MODEL_SIZES.items():
            if not _within(node.get("config", {}).get(key) if isinstance(node.get("config"), dict) else None, limit):
                raise ValueError(f"a {name} with {key} over {limit} is larger than any model of the course")
    if layers > MAX_LAYERS:
        raise ValueError(f"a model of more than {MAX_LAYERS} layers is not one the course grades")


def _objects(value):
    """Every dictionary in ``value`` that names a class, depth first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "class_name" in item:
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _within(value, limit: int) -> bool:
    values = value if isinstance(value, (list, tuple)) else [value]
    return all(v is None or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= limit) for v in values)


def _read_plain_file(path: Path) -> bytes:
    """The bytes of a regular file that is not a link and not too large."""
    return read_regular_file(path, MAX_FILE_BYTES)


def _is_plain_folder(folder: Path) -> bool:
    """True for a real folder: every part below the answers folder is checked, links refused."""
    try:
        return stat.S_ISDIR(os.lstat(folder).st_mode) and not os.path.islink(folder.parent)
    except OSError:
        return False
