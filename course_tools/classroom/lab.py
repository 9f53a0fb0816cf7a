"""JupyterLab in the student's language (``make lab LAB_LANG=zh``).

The Simplified Chinese interface comes from the official language pack
``jupyterlab-language-pack-zh-CN`` (pinned in requirements/constraints.txt); a
user-settings folder holding the translation setting selects it: the language's gettext
locale (``catalog`` in ``course_utils/locale/languages.json``), as JupyterLab names its packs. A
language without an installed pack gets JupyterLab in English. The same folder
turns off JupyterLab's news feed and update check, so a student's first screen
asks nothing about the internet and the lab never calls out to it.
"""

from __future__ import annotations

import json
from pathlib import Path

from course_utils.language import language_codes, languages

TRANSLATION_SETTINGS = Path("@jupyterlab") / "translation-extension" / "plugin.jupyterlab-settings"
NOTIFICATION_SETTINGS = Path("@jupyterlab") / "apputils-extension" / "notification.jupyterlab-settings"
OFFLINE = {"fetchNews": "false", "checkForUpdates": False}


def write_lab_settings(folder: str | Path, lang: str) -> Path:
    """Write JupyterLab user settings that choose ``lang``'s interface; return ``folder``."""
    if lang not in language_codes():
        raise ValueError(f"JupyterLab's interface language must be one of {language_codes()}; got {lang!r}.")
    folder = Path(folder)
    locale = {"locale": languages()[lang].catalog}
    for path, settings in ((TRANSLATION_SETTINGS, locale), (NOTIFICATION_SETTINGS, OFFLINE)):
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return folder
