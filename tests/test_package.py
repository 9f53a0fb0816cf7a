"""The package students read: light to import, and it works without a checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def python(code: str, *, cwd=ROOT, env=None) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_importing_course_utils_loads_no_tensorflow():
    out = python("import sys, course_utils as cu\n"
                 "from course_utils import data, defaults, language, noise, plotting, validation\n"
                 "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
                 "cu.build_conv_autoencoder\n"
                 "print('tensorflow' in sys.modules)")
    assert out.split() == ["False", "False", "True"], "TensorFlow loads when a model is first used"


def test_the_cli_answers_help_without_tensorflow():
    out = python("import sys\nfrom course_tools.cli import main\n"
                 "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
                 "print('tensorflow' in sys.modules)")
    assert all(command in out for command in ("run", "notebooks", "slides", "models", "data"))
    assert out.split()[-1] == "False"


def test_lazy_names_are_the_real_functions():
    import course_utils
    from course_utils.models import build_conv_autoencoder

    assert course_utils.build_conv_autoencoder is build_conv_autoencoder
    # every public name is the object of the module it is documented in, not a stand-in
    for name in course_utils.__all__:
        value = getattr(course_utils, name)
        assert value.__module__ == f"course_utils.{course_utils._EXPORTS[name]}", name
        assert value.__name__ == name
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        course_utils.nothing


def test_the_wheel_works_outside_the_checkout(tmp_path):
    """Build the wheel, install it without dependencies (the venv has them), use it elsewhere."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path / "wheels"), str(ROOT)], check=True, timeout=600)
    [wheel] = (tmp_path / "wheels").glob("course_utils-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(site), "COURSE_MODELS_DIR": str(ROOT / "assets" / "models"),
           "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = python(
        "import course_utils as cu\n"
        "print(cu.__file__)\n"
        "data = cu.load_dataset(source='embedded', lang='en')\n"
        "model = cu.build_conv_autoencoder((16, 8, 8))\n"
        "history = cu.train_autoencoder(model, data, epochs=1, verbose=False)\n"
        "print('loss', history.history['loss'][-1])\n"
        "print('psnr', cu.evaluate(model, data.x_test, data.x_test)['psnr'])\n"
        "print('shipped', cu.evaluate(cu.load_pretrained('conv_16_8_8'), data.x_test, data.x_test)['psnr'])\n",
        cwd=elsewhere, env=env)
    lines = dict(line.split(maxsplit=1) for line in out.splitlines() if line.split()[0] in ("loss", "psnr", "shipped"))
    assert out.splitlines()[0].startswith(str(site)), "the installed copy was used, not the checkout"
    assert 0 < float(lines["loss"]) < 0.69, "one epoch lowered the loss below ln 2"
    assert float(lines["psnr"]) > 10, "125 steps already beat a grey image (about 6 dB)"
    assert float(lines["shipped"]) > 20
