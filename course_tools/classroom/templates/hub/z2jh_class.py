# Zero to JupyterHub: the class list's log-in and each student's language.
# make hub-k8s puts this file, hub_auth.py and accounts.json into the hub's pod through the
# Helm values it writes (hub.extraFiles); the chart loads files in jupyterhub_config.d.
import sys
from pathlib import Path

COURSE = Path(__file__).resolve().parent.parent / "course"  # hub_auth.py and accounts.json
IMAGE_HUB_DIR = "/srv/course/build/hub"  # in the student image: editions and language settings
sys.path.insert(0, str(COURSE))

from hub_auth import ClassListAuthenticator, read_accounts  # noqa: E402

c = get_config()  # noqa: F821 (JupyterHub defines it)
c.JupyterHub.authenticator_class = ClassListAuthenticator
c.ClassListAuthenticator.accounts_file = str(COURSE / "accounts.json")
c.Authenticator.allowed_users = set(read_accounts(COURSE / "accounts.json"))


def student_language(spawner):
    """The postStart hook copies the edition of COURSE_LANG; JupyterLab speaks it too."""
    lang = read_accounts(COURSE / "accounts.json")[spawner.user.name]["lang"]
    spawner.environment.update({"COURSE_LANG": lang,
                                "JUPYTERLAB_SETTINGS_DIR": f"{IMAGE_HUB_DIR}/lab-settings/{lang}"})


c.KubeSpawner.pre_spawn_hook = student_language
c.KubeSpawner.disable_user_config = True  # no ~/.jupyter configuration of the student's runs in their server
