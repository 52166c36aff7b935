"""A real JupyterHub on 127.0.0.1, set up the way notebooks/workshop_hub.md tells an administrator.

Used by tests/test_hub_live.py (3 learners) and benchmarks/hub_load.py
(``make benchmark ARGS="--hub-load 30"``). Everything lives in one scratch folder:

* ``remote/beneath-the-skin``: a bare git repository holding this checkout's
  tracked files as they are in the working tree (what the learners pull with
  nbgitpuller, instead of GitHub: no network);
* ``home/<learner>``: each learner's home (``SimpleLocalProcessSpawner``'s
  ``home_dir_template``); nbgitpuller clones the course into
  ``home/<learner>/beneath-the-skin``;
* the hub's database, cookie secret, configuration and logs.

What each learner's server gets is what the guide says (section 2): the course's
pinned environment (this checkout's ``.venv``, made from ``requirements/course.lock``
with the lab overrides; ``jupyterhub-singleuser`` comes from requirements/test.lock
here, from the hub itself on TLJH or Z2JH), ``PYTHONPATH`` pointing at the
learner's own copy, ``OPENBLAS_NUM_THREADS=1``, and the lighter server settings of
:data:`LEAN_SERVER_ARGS`. The proxy is JupyterHub's own, configurable-http-proxy,
pinned with an integrity hash in ``tools/hub/package-lock.json`` and installed
with ``npm ci``. Log-in is JupyterHub's ``DummyAuthenticator`` with a password
(test-only: any user name with that password gets in).

The hub runs as the current user (root in CI); SimpleLocalProcessSpawner starts
every learner's server as that user too, so this is not a security set-up.
Only 127.0.0.1 is used.
"""
from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FOLDER = "beneath-the-skin"          # where nbgitpuller puts the course (the last part of the repo URL)
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"

# The lighter single-user server (notebooks/workshop_hub.md, section 2; savings measured by
# benchmarks/hub_load.py --settings). Extensions a learner does not use on this course:
LEAN_SERVER_ARGS = [
    "--ServerApp.jpserver_extensions=jupyter_lsp=False",          # code intelligence (language servers)
    "--ServerApp.jpserver_extensions=jupyter_server_terminals=False",
    "--ServerApp.terminals_enabled=False",                         # no terminal for learners
    "--ServerApp.jpserver_extensions=notebook_shim=False",        # Classic Notebook shims
    "--ServerApp.jpserver_extensions=notebook=False",             # the Notebook 7 interface (JupyterLab is used)
]


class HubError(RuntimeError):
    """The hub could not be set up or started; the message says why (and shows its log)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_missing() -> str | None:
    """Why the proxy cannot be installed here (None if node and npm are on PATH)."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return (f"{' and '.join(missing)} not found: JupyterHub's proxy (configurable-http-proxy) is a "
                "Node.js program (Debian: apt-get install npm)")
    return None


def install_proxy() -> Path:
    """``npm ci`` in tools/hub/ when node_modules is missing or older than the lock (file-locked for parallel tests)."""
    reason = node_missing()
    if reason:
        raise HubError(reason)
    lock = HERE / "package-lock.json"
    stamp = HERE / "node_modules" / ".package-lock.json"
    with open(HERE / ".npm-install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not (PROXY.exists() and stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime):
            done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0 or not PROXY.exists():
                raise HubError(f"npm ci in {HERE} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return PROXY


def _git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", "-c", "user.name=Instructor", "-c", "user.email=instructor@example.org",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True,
                          text=True, env=env).stdout


def make_upstream(base: Path, source: Path = ROOT) -> Path:
    """A bare repository ``base/remote/beneath-the-skin`` with ``source``'s files as they are now.

    The working tree's content (tracked files and new files git does not ignore),
    not the last commit, so that the hub serves the course under test. Returns the
    bare repository's folder.
    """
    work = base / "instructor"
    work.mkdir(parents=True)
    tracked = _git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for rel in filter(None, tracked):
        src = source / rel
        if src.is_file():                  # a tracked file deleted in the working tree is left out
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, work / rel)
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "course as in the working tree")
    bare = base / "remote" / FOLDER
    bare.parent.mkdir(parents=True)
    _git(base, "clone", "-q", "--bare", str(work), str(bare))
    shutil.rmtree(work)
    return bare


CONFIG_TEMPLATE = '''\
# Written by tools/hub/loopback.py: a JupyterHub on 127.0.0.1 for tests and the load test.
import os

c = get_config()  # noqa: F821
settings = {settings!r}

c.JupyterHub.bind_url = settings["bind_url"]
c.JupyterHub.hub_bind_url = settings["hub_bind_url"]
c.ConfigurableHTTPProxy.api_url = settings["proxy_api_url"]
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.pid_file = settings["base"] + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + settings["base"] + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = settings["base"] + "/cookie_secret"
c.JupyterHub.pid_file = settings["base"] + "/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.concurrent_spawn_limit = settings["learners"] + 5

# Test-only log-in: any name with this password.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = settings["password"]
c.Authenticator.allow_all = True

# Each learner's server: same Unix user, own home under the scratch folder.
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = settings["base"] + "/home/{{username}}"
c.Spawner.cmd = [settings["singleuser"]]
c.Spawner.args = settings["server_args"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = settings["start_timeout"]
c.Spawner.http_timeout = settings["start_timeout"]


# notebooks/workshop_hub.md, section 2: the learner's kernels import the learner's own copy.
# Per-learner server arguments (benchmarks/hub_load.py compares settings side by side).
def per_learner_args(spawner):
    if spawner.user.name in settings["args_by_user"]:
        spawner.args = settings["args_by_user"][spawner.user.name]


c.Spawner.pre_spawn_hook = per_learner_args


def course_folder(spawner):
    return settings["base"] + "/home/" + spawner.user.name + "/{folder}"


c.Spawner.environment = {{
    "PYTHONPATH": course_folder,
    "OPENBLAS_NUM_THREADS": "1",
    "GIT_CONFIG_NOSYSTEM": "1",
}}
'''


class LoopbackHub:
    """JupyterHub + configurable-http-proxy on 127.0.0.1 with learners' homes in ``base``."""

    def __init__(self, base: Path, *, learners: int = 3, server_args: list[str] | None = None,
                 start_timeout: int = 300, venv: Path = ROOT / ".venv",
                 args_by_user: dict[str, list[str]] | None = None):
        self.base = Path(base)
        self.learners = learners
        self.server_args = list(LEAN_SERVER_ARGS if server_args is None else server_args)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Only here: the hub runs as root and so do the learners' servers (TLJH and Z2JH run
            # each learner as an ordinary user, where this flag is not needed).
            self.server_args.append("--allow-root")
        self.start_timeout = start_timeout
        root_flag = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        self.args_by_user = {name: list(args) + root_flag for name, args in (args_by_user or {}).items()}
        self.venv = Path(venv)
        self.password = secrets.token_hex(8)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.upstream: Path | None = None
        self._log = None

    @property
    def repo_url(self) -> str:
        return self.upstream.as_uri()

    def home(self, name: str) -> Path:
        return self.base / "home" / name

    def _write_config(self) -> Path:
        singleuser = self.venv / "bin" / "jupyterhub-singleuser"
        if not singleuser.exists():
            raise HubError(f"{singleuser} not found: jupyterhub (requirements/test.lock) is not installed "
                           "in the learners' environment")
        settings = dict(bind_url=self.url + "/", hub_bind_url=f"http://127.0.0.1:{free_port()}",
                        proxy_api_url=f"http://127.0.0.1:{free_port()}", proxy=str(install_proxy()),
                        base=str(self.base), password=self.password, learners=self.learners,
                        singleuser=str(singleuser), server_args=self.server_args,
                        start_timeout=self.start_timeout, args_by_user=self.args_by_user)
        config = self.base / "jupyterhub_config.py"
        config.write_text(CONFIG_TEMPLATE.format(settings=settings, folder=FOLDER), encoding="utf-8")
        secret = self.base / "cookie_secret"
        secret.write_text(secrets.token_hex(32))
        secret.chmod(0o600)
        return config

    def start(self, timeout: float = 120) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / "home").mkdir(exist_ok=True)
        if shutil.which("git") is None:
            raise HubError("git not found: nbgitpuller runs it")
        self.upstream = make_upstream(self.base)
        config = self._write_config()
        env = dict(os.environ, PATH=str(self.venv / "bin") + os.pathsep + os.environ.get("PATH", ""),
                   GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
        env.pop("PYTHONPATH", None)
        self._log = open(self.base / "jupyterhub.log", "wb")
        self.proc = subprocess.Popen([str(self.venv / "bin" / "jupyterhub"), "-f", str(config)], cwd=self.base,
                                     env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                self.stop()
                raise HubError(f"jupyterhub exited with code {code}; "
                               f"log:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/hub/api/", timeout=5) as r:
                    json.loads(r.read())
                return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise HubError(f"the hub did not answer within {timeout:.0f} s; log:\n{self.log_tail()}")
            time.sleep(0.3)

    def processes(self) -> list:
        """The hub and every process it started (proxy, learners' servers, kernels, git), as psutil objects."""
        import psutil

        if self.proc is None:
            return []
        try:
            hub = psutil.Process(self.proc.pid)
            return [hub] + hub.children(recursive=True)
        except psutil.Error:
            return []

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM the hub (it stops every learner's server and the proxy), then kill what is left, by pid."""
        import psutil

        if self.proc is not None:
            started = self.processes()
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
            for p in started[1:]:
                try:
                    p.kill()
                except psutil.Error:
                    pass
            psutil.wait_procs(started[1:], timeout=10)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return (self.base / "jupyterhub.log").read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
