"""Every public function in course_utils has a numpy-style docstring.

Students read these modules, so each public function that takes arguments says
what they are (a "Parameters" section), and each that returns something says
what comes back (a "Returns" section), in the format scikit-image uses::

    Parameters
    ----------
    images : float array of shape (N, 28, 28, 1)
        Values in [0, 1].
"""

from __future__ import annotations

import importlib
import inspect

MODULES = (
    "metrics", "noise", "models", "baselines", "plotting",
    "exercises", "exercises.checks", "exercises.data", "exercises.conv_autoencoder",
    "exercises.denoising_autoencoder", "exercises.upsampling_vs_transposed",
    "data", "data.catalog", "data.embedded", "data.files", "data.sources", "data.splits",
    "data_home", "validation", "language", "defaults", "pretrained", "training",
)


def public_functions():
    """(qualified name, function) for every public function defined in the modules above."""
    for module_name in MODULES:
        module = importlib.import_module(f"course_utils.{module_name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or not callable(obj):
                continue
            function = inspect.unwrap(obj)  # functools.cache keeps the original in __wrapped__
            if inspect.isfunction(function) and function.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", function


def has_section(docstring: str | None, title: str) -> bool:
    """Whether ``docstring`` has a numpy-style section: ``title`` underlined with dashes."""
    # cleandoc removes the indentation (Python 3.13 already strips it from __doc__),
    # so this is the "Parameters\n    ----------" of the source, at any Python version.
    lines = inspect.cleandoc(docstring or "").splitlines()
    return any(line == title and underline == "-" * len(title)
               for line, underline in zip(lines, lines[1:]))


def returns_something(function) -> bool:
    # With `from __future__ import annotations` the annotation is the string "None".
    return inspect.signature(function).return_annotation not in (None, "None")


def test_the_modules_have_public_functions():
    """Guards the test below against checking nothing (a renamed module, say)."""
    names = [name for name, _ in public_functions()]
    assert len(names) > 50, names
    assert "course_utils.metrics.psnr" in names
    assert "course_utils.plotting.effective_language" in names  # behind functools.cache


def test_has_section_reads_the_numpy_format():
    def documented(images):
        """Summary.

        Parameters
        ----------
        images : float array of shape (N, 28, 28, 1)
            Values in [0, 1].
        """

    def undocumented(images):
        """Summary. Parameters: images."""

    assert has_section(documented.__doc__, "Parameters")
    assert not has_section(documented.__doc__, "Returns")
    assert not has_section(undocumented.__doc__, "Parameters")
    assert not has_section(None, "Parameters")


def test_every_public_function_documents_its_parameters_and_result():
    offenders = []
    for name, function in public_functions():
        if inspect.signature(function).parameters and not has_section(function.__doc__, "Parameters"):
            offenders.append(f"{name}: no 'Parameters' section")
        if returns_something(function) and not has_section(function.__doc__, "Returns"):
            offenders.append(f"{name}: no 'Returns' section")
    assert not offenders, "Numpy-style docstrings missing:\n" + "\n".join(offenders)
