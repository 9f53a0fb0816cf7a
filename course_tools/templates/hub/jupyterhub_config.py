# JupyterHub for one class on one machine: `make hub` (see README, "Serving a class").
# Read by jupyterhub -f; settings come from the environment that make hub sets.
import os
import signal
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
import pwd

from course_tools import hub
from course_tools.hub_auth import ClassListAuthenticator
from course_tools.paths import NODE_MODULES

c = get_config()  # noqa: F821 (JupyterHub defines it)
# Started in the background (make hub &), the hub inherits an ignored SIGINT, and so would the
# idle culler, which then takes 27 s to stop instead of 1 s. Give the services the usual one.
signal.signal(signal.SIGINT, signal.default_int_handler)
hub_dir = Path(os.environ["COURSE_HUB_DIR"]).resolve()
shared_account = os.environ.get("COURSE_HUB_SHARED_ACCOUNT") == "1"
accounts = hub.read_accounts(hub_dir)


SINGLEUSER = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]


class StudentSpawner(LocalProcessSpawner):
    """The student's server under their own account; the command drops to it (hub.as_student)."""

    def make_preexec_fn(self, name):
        home = pwd.getpwnam(name).pw_dir
        return lambda: os.chdir(home)

    async def _signal(self, sig):
        # The server's whole session (start_new_session): bubblewrap forwards no signal, so a
        # SIGINT to it alone would leave the server to be killed, not shut down, after a timeout.
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            return False
        return True


def give_edition(spawner):
    name = spawner.user.name
    home = hub.student_home(name, hub_dir, system_accounts=not shared_account)
    home.mkdir(parents=True, exist_ok=True)
    lang = hub.read_accounts(hub_dir)[name]["lang"]
    hub.give_edition(name, lang, home, hub_dir)
    if not shared_account:
        spawner.cmd = hub.as_student(pwd.getpwnam(name), SINGLEUSER, hub.student_readable(lang, hub_dir))


def student_environment(spawner):
    lang = hub.read_accounts(hub_dir)[spawner.user.name]["lang"]
    return str(hub_dir / "lab-settings" / lang)


c.JupyterHub.authenticator_class = ClassListAuthenticator
c.ClassListAuthenticator.accounts_file = str(hub_dir / hub.ACCOUNTS)
c.Authenticator.allowed_users = set(accounts)
c.JupyterHub.ip = os.environ.get("COURSE_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("COURSE_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("COURSE_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('COURSE_HUB_PROXY_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(NODE_MODULES / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(hub_dir / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(hub_dir / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server

# Each student's server: their own account, or (COURSE_HUB_SHARED_ACCOUNT=1) the hub's, which isolates nothing.
if shared_account:
    c.JupyterHub.spawner_class = SimpleLocalProcessSpawner
    c.SimpleLocalProcessSpawner.home_dir_template = str(hub_dir / "homes" / "{username}")
else:
    c.JupyterHub.spawner_class = StudentSpawner
c.Spawner.cmd = SINGLEUSER
c.Spawner.notebook_dir = f"~/{hub.COURSE_FOLDER}" if not shared_account else str(hub_dir / "homes" / "{username}" / hub.COURSE_FOLDER)
c.Spawner.default_url = "/lab/tree/notebooks/01_data.ipynb"
c.Spawner.pre_spawn_hook = give_edition
c.Spawner.start_timeout = 120
c.Spawner.environment = {
    "COURSE_DATA_DIR": str(hub_dir / "data" / "mnist"),
    "COURSE_DATA_SOURCE": "local",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "JUPYTERLAB_SETTINGS_DIR": student_environment,
}
c.Spawner.mem_limit = os.environ.get("COURSE_HUB_MEMORY") or None  # shown to the student; not enforced here

# Idle servers are stopped (culled) after COURSE_HUB_IDLE_SECONDS (default one hour).
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={os.environ.get('COURSE_HUB_IDLE_SECONDS', '3600')}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
if os.environ.get("COURSE_HUB_ADMIN_TOKEN"):  # for scripts and the tests: start servers, run kernels
    c.JupyterHub.services.append({"name": "course-admin", "api_token": os.environ["COURSE_HUB_ADMIN_TOKEN"]})
    c.JupyterHub.load_roles.append({"name": "course-admin", "services": ["course-admin"],
                                    "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"]})
