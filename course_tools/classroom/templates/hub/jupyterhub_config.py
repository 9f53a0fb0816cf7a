# JupyterHub for one class on one machine: `make hub` (see docs/en/hub.md).
# Read by jupyterhub -f; settings come from the environment that make hub sets.
import asyncio
import os
import pwd
import signal
import subprocess
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner

from course_tools.classroom import hub, tls
from course_tools.classroom.accounts import (
    ACCOUNTS,
    HUB_DIR,
    read_accounts,
    student_home,
)
from course_tools.classroom.hub_auth import ClassListAuthenticator
from course_tools.settings import NODE_MODULES, current

c = get_config()  # noqa: F821 (JupyterHub defines it)
# Started in the background (make hub &), the hub inherits an ignored SIGINT, and so would the
# idle culler, which then takes 27 s to stop instead of 1 s. Give the services the usual one.
signal.signal(signal.SIGINT, signal.default_int_handler)
os.umask(0o077)  # the hub's database, cookie secret and logs: the instructor's only
settings = current()  # make hub exports them as COURSE_HUB_* (docs/en/settings.md)
hub_dir = (settings.hub_dir or HUB_DIR).resolve()
hub_dir.chmod(0o700)
shared_account = settings.hub_shared_account
accounts = read_accounts(hub_dir)
limits = hub.student_limits(settings.hub_memory, settings.hub_cpus)


SINGLEUSER = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]


class StudentSpawner(LocalProcessSpawner):
    """The student's server under their own account, in their cgroup; the command drops to it."""

    def make_preexec_fn(self, name):
        home = pwd.getpwnam(name).pw_dir
        return lambda: os.chdir(home)

    async def start(self):
        # Not the hub's terminal: stdin is /dev/null, the output goes to the student's own log.
        with hub.student_log(hub_dir, self.user.name) as log:
            self.popen_kwargs = {"stdin": subprocess.DEVNULL, "stdout": log, "stderr": subprocess.STDOUT}
            return await super().start()

    async def _signal(self, sig):
        # The server's whole session (start_new_session): bubblewrap forwards no signal, so a
        # SIGINT to it alone would leave the server to be killed, not shut down, after a timeout.
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            return False
        return True


async def give_edition(spawner):
    """Off JupyterHub's event loop and with a time limit: one student's home cannot stall the hub."""
    name = spawner.user.name
    account = read_accounts(hub_dir)[name]
    lang, variants = account["lang"], account.get("variants", {})
    if shared_account:
        home = student_home(name, hub_dir, system_accounts=False)
        home.mkdir(parents=True, exist_ok=True)
        await asyncio.wait_for(asyncio.to_thread(hub.copy_edition, lang, home, hub_dir, variants), hub.COPY_SECONDS)
        return
    group = hub.student_group(name, limits)
    wrap = group.wrap if group else (lambda command: command)
    copying = await asyncio.create_subprocess_exec(
        *wrap(hub.edition_command(name, lang, hub_dir, variants)), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={"PATH": os.defpath, "HOME": pwd.getpwnam(name).pw_dir},
        start_new_session=True)
    try:
        output, _ = await asyncio.wait_for(copying.communicate(), hub.COPY_SECONDS)
    except asyncio.TimeoutError:
        os.killpg(copying.pid, signal.SIGKILL)
        await copying.wait()
        raise RuntimeError(f"copying the edition into {name}'s home took over {hub.COPY_SECONDS} s") from None
    if copying.returncode:
        tail = output.decode("utf-8", "replace")[-1500:]
        raise RuntimeError(f"copying the edition into {name}'s home failed: {tail}")
    spawner.cmd = wrap(hub.as_student(pwd.getpwnam(name), SINGLEUSER, hub.student_readable(lang, hub_dir)))


def end_student_group(spawner):
    group = None if shared_account else hub.student_group(spawner.user.name, limits)
    if group is not None:
        group.remove()  # what the server left running (a kernel's child) ends with it


def student_environment(spawner):
    lang = read_accounts(hub_dir)[spawner.user.name]["lang"]
    return str(hub_dir / "lab-settings" / lang)


c.JupyterHub.authenticator_class = ClassListAuthenticator
c.ClassListAuthenticator.accounts_file = str(hub_dir / ACCOUNTS)
c.Authenticator.allowed_users = set(accounts)
c.JupyterHub.ip = settings.hub_ip
if not tls.is_loopback(c.JupyterHub.ip):  # passwords cross the network: HTTPS only
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = (str(path) for path in tls.tls_files(
        hub_dir, c.JupyterHub.ip, settings.hub_ssl_cert, settings.hub_ssl_key))
    print(f"[hub] HTTPS with {c.JupyterHub.ssl_cert}; SHA-256 fingerprint, for students to compare with "
          f"their browser's: {tls.fingerprint(c.JupyterHub.ssl_cert)}", file=sys.stderr, flush=True)
c.JupyterHub.port = settings.hub_port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings.hub_api_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.hub_proxy_port}"
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
c.Spawner.post_stop_hook = end_student_group
c.Spawner.popen_kwargs = {"stdin": subprocess.DEVNULL}
c.Spawner.disable_user_config = True  # no ~/.jupyter configuration of the student's runs in their server
c.Spawner.start_timeout = 120
c.Spawner.environment = {
    "COURSE_DATA_DIR": str(hub_dir / "data" / "mnist"),
    "COURSE_DATA_SOURCE": "local",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "JUPYTERLAB_SETTINGS_DIR": student_environment,
}
c.Spawner.mem_limit = limits.memory_bytes  # enforced by the student's cgroup (hub.student_group), as root

# Idle servers are stopped (culled) after COURSE_HUB_IDLE_SECONDS (default one hour).
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={settings.hub_idle_seconds}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
if settings.hub_admin_token:  # for scripts and the tests: start servers, run kernels
    c.JupyterHub.services.append({"name": "course-admin", "api_token": settings.hub_admin_token})
    c.JupyterHub.load_roles.append({"name": "course-admin", "services": ["course-admin"],
                                    "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"]})
