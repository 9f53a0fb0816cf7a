"""The repository layout that the delivery tools rely on."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
ASSETS = ROOT / "assets"
MODELS_DIR = ASSETS / "models"
BUILD = ROOT / "build"
NODE_MODULES = ROOT / "node_modules"
