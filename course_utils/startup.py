"""Starting a notebook: TensorFlow without its start-up log.

TensorFlow's C++ core writes a few INFO lines to the process's error stream when
it loads ("oneDNN custom operations are on", CPU features). They are harmless but
look like errors in a notebook; ``TF_CPP_MIN_LOG_LEVEL`` no longer hides them all,
because some are written before TensorFlow reads it. Introduced in every notebook's
setup cell.
"""

from __future__ import annotations

import contextlib
import os
import sys

# TensorFlow's C++ log: 2 keeps errors only. The course's notebooks, tools and
# grading sandbox all use this one level (unless you set TF_CPP_MIN_LOG_LEVEL yourself).
TF_CPP_LOG_LEVEL = "2"


def import_tensorflow_quietly():
    """Import TensorFlow with its start-up log silenced; return the module.

    Errors still surface: a failed import raises as usual, and only the C++
    log lines written while loading are dropped. Later C++ messages keep
    errors only (``TF_CPP_MIN_LOG_LEVEL=2`` unless you set it yourself); the
    Python logger keeps errors only, dropping performance hints such as
    "triggered tf.function retracing", which a notebook that builds several
    models triggers and a student cannot act on.

    Returns
    -------
    module
        ``tensorflow``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_CPP_LOG_LEVEL)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].get_logger().setLevel("ERROR")
        return sys.modules["tensorflow"]
    with _silenced_file_descriptor(2):
        import tensorflow
    tensorflow.get_logger().setLevel("ERROR")
    return tensorflow


@contextlib.contextmanager
def _silenced_file_descriptor(fd: int):
    """Point ``fd`` (2: standard error) at /dev/null for a while, then restore it."""
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
