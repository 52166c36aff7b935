"""Binder, checked here: repo2docker's render of the repository, and its environment, simulated.

mybinder.org builds the repository with repo2docker, which cannot run here (no Docker engine) and
cannot be reached before the repository is public. What can be checked offline:

1. ``jupyter-repo2docker --no-build`` (the pinned release, requirements/test.in) renders the
   Dockerfile of a clean copy of the working tree: Python 3.11, one pip install of
   ``binder/requirements.txt``, ``binder/postBuild``, no conda update from ``environment.yml``.
2. The image's base environment is simulated: a venv holding, as PyPI releases, the Python packages
   of the conda lock that very Dockerfile copies (jupyterlab, notebook, jupyter_server, ipywidgets,
   jupyterhub, ...), with the pip release of that lock. ``binder/requirements.txt`` is installed on
   top with the command the Dockerfile runs; then ``pip check``, ``jupyter labextension list``,
   ``binder/postBuild``, ``jupyter notebook`` (the image's command) serving every Binder link of the
   README, and notebook 00 run in that environment's kernel.

The simulated venv is cached in ~/.cache/beneath-the-skin/ (key: the base lock, Binder's
requirements and this Python), so only the first run pays for the install. What stays unchecked
until the repository is public is listed in CONTRIBUTING.md ("Publication day").
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser_helpers import free_port, stop_group

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Bump to rebuild every cached simulated environment after changing how it is made.
SIM_RECIPE = "2"
CACHE = Path(os.environ.get("COURSE_BINDER_CACHE", Path.home() / ".cache" / "beneath-the-skin"))
# conda-forge names whose PyPI release is called something else
CONDA_TO_PYPI = {"brotli-python": "brotli", "python-fastjsonschema": "fastjsonschema",
                 "jupyterhub-base": "jupyterhub", "nbconvert-core": "nbconvert"}
# The installed package's folder, found without importing it (its import warns).
REPO2DOCKER = Path(importlib.util.find_spec("repo2docker").origin).parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")

pytestmark = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="Binder's image runs Python 3.11")


def run(cmd, *, cwd=None, env=None, timeout=600, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {done.returncode}:\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}", pytrace=False)
    return done


# --------------------------------------------------------------------------- the clean copy
@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """The working tree as a fresh clone would have it: tracked and new files, nothing ignored.

    (A ``git clone`` of HEAD would miss uncommitted work; the point is to check this tree.)
    """
    dest = tmp_path_factory.mktemp("binder") / "repo"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():  # a tracked file deleted in the working tree is not copied
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot of the working tree"]):
        subprocess.run(git + args, cwd=dest, check=True, capture_output=True)
    return dest


# --------------------------------------------------------------------------- 1. the render
@pytest.fixture(scope="module")
def dockerfile(clone) -> tuple[str, str]:
    """repo2docker's Dockerfile for the clean copy, and its log."""
    done = run([sys.executable, "-m", "repo2docker", "--no-build", "--user-id", "1000",
                "--user-name", "jovyan", clone], timeout=120)
    return done.stdout, done.stderr


def base_lock_of(dockerfile_text: str) -> Path:
    """The conda lock of repo2docker's base environment that the Dockerfile copies in."""
    import escapism

    copied = re.findall(r"^COPY \S+ build_script_files/(\S+) /tmp/env/environment\.lock$", dockerfile_text, re.M)
    assert len(copied) == 1, "the Dockerfile copies one base environment lock"
    source = Path(escapism.unescape(copied[0].rsplit("-", 1)[0], escape_char="-"))
    assert source.is_file() and REPO2DOCKER in source.parents, source
    return source


def test_repo2docker_renders_binder_folder_build(dockerfile):
    text, log = dockerfile
    assert f'LABEL repo2docker.version="{importlib.metadata.version("jupyter-repo2docker")}"' in text
    assert "Building conda environment for python=3.11" in log
    assert base_lock_of(text).name == "environment.py-3.11-linux-64.lock"
    # Our packages go into the server's (= kernel's) environment, by pip, from the hash-pinned file,
    # before the repository is copied in (so the layer is cached between builds)...
    assert "ENV KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}" in text
    pip_lines = [line for line in text.splitlines() if "pip install" in line]
    assert pip_lines == ['RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"'], pip_lines
    assert text.index("binder/requirements.txt") < text.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    # ...then postBuild runs, and the image starts `jupyter notebook`.
    assert "RUN ./binder/postBuild" in text
    assert 'CMD ["jupyter", "notebook", "--ip", "0.0.0.0"]' in text
    # No conda step of ours: environment.yml stays for conda users only.
    assert "environment.yml" not in text and "env update" not in text
    assert "apt.txt" not in text and "install.R" not in text


# --------------------------------------------------------------------------- 2. the environment
def base_pins(lock: Path) -> dict[str, str]:
    """PyPI name -> version for every Python package of a repo2docker conda lock."""
    pins = {}
    for line in lock.read_text().splitlines():
        if not line.startswith("https://"):
            continue
        stem = line.split("#")[0].rsplit("/", 1)[1].removesuffix(".conda").removesuffix(".tar.bz2")
        name, version, build = stem.rsplit("-", 2)
        if build.startswith("py"):  # noarch python (pyh...) or built for CPython (py311...)
            pins[CONDA_TO_PYPI.get(name, name)] = version
    return pins


def jupyter_env(venv: Path, work: Path) -> dict[str, str]:
    """Environment for commands in the simulated image: its bin first, Jupyter state in ``work``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "PIP_"))}
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")]:
        (work / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(work / sub)
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CACHE_DIR=str(Path.home() / ".cache" / "pip"),
               OPENBLAS_NUM_THREADS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


@pytest.fixture(scope="module")
def binder_env(dockerfile, clone, tmp_path_factory):
    """A venv laid out like Binder's image after its pip step; binder/postBuild run in it.

    Yields (venv, the base's pins, a folder for Jupyter's config and runtime files).
    """
    lock = base_lock_of(dockerfile[0])
    pins = base_pins(lock)
    requirements = (clone / "binder" / "requirements.txt").read_bytes()
    key = hashlib.sha256(b"\0".join([SIM_RECIPE.encode(), sys.version.encode(), lock.read_bytes(),
                                     requirements])).hexdigest()[:16]
    CACHE.mkdir(parents=True, exist_ok=True)
    venv = CACHE / f"binder-sim-{key}"
    work = tmp_path_factory.mktemp("binder-jupyter")
    with open(CACHE / "binder-sim.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # one test run at a time uses (and runs postBuild in) the venv
        if not (venv / "complete.json").is_file():
            for old in CACHE.glob("binder-sim-*"):
                if old.is_dir():
                    shutil.rmtree(old)
            env = jupyter_env(venv, work)
            run([sys.executable, "-m", "venv", venv])
            # --no-compile: byte-compiling ~270 packages is most of an install's CPU time and
            # changes nothing that is checked here.
            pip = [venv / "bin" / "python", "-m", "pip", "--no-input"]
            install = pip + ["install", "--no-compile"]
            # The base, as conda installed it: its pip first, then every package at its version.
            run(install + [f"pip=={pins['pip']}"], env=env)
            base_txt = work / "base-requirements.txt"
            base_txt.write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins.items()) if n != "pip"))
            run(install + ["-r", base_txt], env=env)
            # The Dockerfile's step, run the same way: in the repository directory.
            run(install + ["-r", "binder/requirements.txt"], cwd=clone, env=env)
            (venv / "complete.json").write_text(json.dumps({"base_lock": str(lock), "key": key}))
        run(["bash", "binder/postBuild"], cwd=clone, env=jupyter_env(venv, work))
        yield venv, pins, work


def installed(venv: Path, env) -> dict[str, str]:
    out = run([venv / "bin" / "python", "-m", "pip", "list", "--format=json"], env=env).stdout
    return {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"] for p in json.loads(out)}


def test_simulated_base_is_repo2dockers(binder_env):
    venv, pins, work = binder_env
    have = installed(venv, jupyter_env(venv, work))
    # The base lock holds the packages the issue is about; the venv holds what Binder's pip step left.
    for name in ("jupyterlab", "notebook", "jupyter-server", "ipywidgets", "jupyterhub",
                 "jupyter-resource-usage", "jupyter-offlinenotebook"):
        assert re.sub(r"[-_.]+", "-", name) in {re.sub(r"[-_.]+", "-", n) for n in pins}, name
        assert name in have, f"{name} of repo2docker's base is missing from the simulated image"
    assert have["pip"] == pins["pip"], "Binder's pip step runs with the base's pip"


def test_binder_environment_is_consistent(binder_env):
    venv, pins, work = binder_env
    env = jupyter_env(venv, work)
    check = run([venv / "bin" / "python", "-m", "pip", "check"], env=env, check=False)
    assert check.returncode == 0, f"pip check in the simulated Binder image:\n{check.stdout}{check.stderr}"
    # Binder's file wins wherever it pins a package the base also has.
    wanted = {re.sub(r"[-_.]+", "-", m.group(1)).lower(): m.group(2) for m in
              re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", (ROOT / "binder" / "requirements.txt").read_text(), re.M)}
    have = installed(venv, env)
    wrong = {n: (v, have.get(n)) for n, v in wanted.items() if have.get(n) != v}
    assert not wrong, f"binder/requirements.txt pin vs installed: {wrong}"


def test_every_lab_extension_is_compatible(binder_env):
    venv, pins, work = binder_env
    done = run([venv / "bin" / "jupyter", "labextension", "list"], env=jupyter_env(venv, work))
    text = ANSI.sub("", done.stdout + done.stderr)
    rows = [line.strip() for line in text.splitlines() if re.search(r" v\d+\.\d+\S* +(enabled|disabled)", line)]
    names = {row.split()[0] for row in rows}
    assert {"@jupyter-notebook/lab-extension", "@jupyter-widgets/jupyterlab-manager"} <= names, text
    bad = [row for row in rows if not re.search(r" enabled +OK\b", row)]
    assert not bad, "lab extensions not enabled and OK in the simulated Binder image:\n" + "\n".join(bad)
    assert "incompatible" not in text.lower() and "not satisfied" not in text.lower(), text


# --------------------------------------------------------------------------- 3. the launch
def readme_binder_paths() -> list[str]:
    """The in-server path of every Binder link of the README (``urlpath=lab/tree/...``)."""
    links = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+", README)
    paths = sorted({"/" + urllib.parse.parse_qs(urllib.parse.urlsplit(u).query)["urlpath"][0] for u in links})
    assert paths and all(p.startswith("/lab/tree/notebooks/") for p in paths), paths
    return paths


@pytest.fixture(scope="module")
def notebook_server(binder_env, clone):
    venv, pins, work = binder_env
    port, token = free_port(), secrets.token_hex(16)
    env = jupyter_env(venv, work)
    cmd = [venv / "bin" / "jupyter", "notebook", "--no-browser", "--ip", "127.0.0.1", "--port", port,
           f"--ServerApp.token={token}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={clone}"]
    if os.getuid() == 0:
        cmd.append("--allow-root")
    log_path = work / "jupyter-notebook.log"
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([str(c) for c in cmd], cwd=clone, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def get(path: str, timeout: float = 30):
        req = urllib.request.Request(base + path, headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")

    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"jupyter notebook exited:\n{log_path.read_text()[-4000:]}"
            try:
                get("/api/status", timeout=2)
                break
            except (OSError, urllib.error.URLError):
                assert time.monotonic() < deadline, f"no answer in 60 s:\n{log_path.read_text()[-4000:]}"
                time.sleep(0.3)
        yield get, log_path
    finally:
        stop_group(proc)


def test_notebook_server_serves_every_readme_binder_link(notebook_server):
    get, log_path = notebook_server
    for path in readme_binder_paths():
        status, page = get(path)
        assert status == 200 and "jupyter-config-data" in page, f"{path}: {status}"
        # /lab/tree/<anything> answers 200; the file it names must exist too.
        notebook = path.removeprefix("/lab/tree/")
        status, body = get(f"/api/contents/{urllib.parse.quote(notebook)}?content=0")
        assert status == 200 and json.loads(body)["type"] == "notebook", notebook
    # The notebook interface itself (what `jupyter notebook` opens first) answers too.
    assert get("/tree")[0] == 200
    # postBuild's overrides reached the server: no news or update checks for learners.
    status, body = get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {k: v.get("default") for k, v in json.loads(body)["schema"]["properties"].items()}
    assert defaults["checkForUpdates"] is False and defaults["fetchNews"] == "false", defaults
    assert "Traceback" not in log_path.read_text(errors="replace")


def test_notebook_00_runs_in_the_binder_kernel(binder_env, clone):
    """Notebook 00, top to bottom, in the simulated image's kernel (course_lib via postBuild's link)."""
    venv, pins, work = binder_env
    out = work / "executed"
    env = jupyter_env(venv, work) | {"COURSE_STRICT": "1"}
    run([venv / "bin" / "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output-dir", out,
         "--ExecutePreprocessor.timeout=120", "--ExecutePreprocessor.kernel_name=python3",
         "00_start_here.ipynb"], cwd=clone / "notebooks", env=env, timeout=300)
    executed = json.loads((out / "00_start_here.ipynb").read_text())
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code)
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    # The kernel ran the Binder environment's Python with course_lib from the clone (postBuild's link).
    linked = next((venv / "lib").glob("python3.11/site-packages/course_lib.pth")).read_text().strip()
    assert Path(linked) == clone
