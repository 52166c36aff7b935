"""The workshop hub route (notebooks/workshop_hub.md), tested offline.

* tools/hub_link.py makes nbgitpuller links in nbgitpuller's format, and a real
  Jupyter server with nbgitpuller reads them as we intend;
* the environment a hub installs (requirements/course.lock) carries nbgitpuller,
  pinned and hash-locked, and its server extension is enabled;
* what nbgitpuller's own pull code does to a learner's edits on a second click,
  against a local bare git repository (no network);
* the hub import route: with PYTHONPATH set to a learner's pulled copy, the kernel
  imports that copy's course_lib and reads that copy's data/;
* the sizing table the benchmark writes (benchmarks/run.py --hub --write): the same
  block wherever the markers are, derived columns that follow from the measured
  ones by the benchmark's own rule, and a row for every notebook.
"""
from __future__ import annotations

import gc
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
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import hub_link  # tools/ (on sys.path through conftest.py)
import nbformat
import pytest
import repository
from browser_helpers import free_port, stop_group

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FOLDER = "beneath-the-skin"      # where nbgitpuller puts the course in a learner's home


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("benchmark_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_benchmark()

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git (nbgitpuller runs it)")


# ===========================================================================
# 1. The link
# ===========================================================================
def _query(link: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(link).query, strict_parsing=True)
    assert all(len(v) == 1 for v in parsed.values()), "each parameter once"
    return {k: v[0] for k, v in parsed.items()}


def test_link_has_nbgitpullers_documented_form():
    repo = repository.repository_url()      # the README's Repository: line (tests/test_repository.py)
    link = hub_link.hub_link("https://hub.example.org")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.org", "/hub/user-redirect/git-pull")
    assert not parts.fragment
    assert _query(link) == {"repo": repo, "branch": "main",
                            "urlpath": f"lab/tree/{FOLDER}/notebooks/00_start_here.ipynb"}


def test_link_clones_into_the_folder_the_guide_sets_pythonpath_to():
    """The folder nbgitpuller pulls into is the one notebooks/workshop_hub.md's hub settings put on PYTHONPATH."""
    assert hub_link.target_folder(repository.repository_url()) == FOLDER
    guide = (ROOT / "notebooks" / "workshop_hub.md").read_text(encoding="utf-8")
    assert f'return f"/home/{{system_user}}/{FOLDER}"' in guide, "TLJH: PYTHONPATH per learner"
    assert f"PYTHONPATH: /home/jovyan/{FOLDER}" in guide, "Zero to JupyterHub: PYTHONPATH"


def test_link_can_name_another_repository():
    """The load test (benchmarks/hub_load.py) pulls from a local bare clone: same link, another repo."""
    link = hub_link.hub_link("http://127.0.0.1:8000", repo="file:///tmp/x/remote/beneath-the-skin")
    assert _query(link) == {"repo": "file:///tmp/x/remote/beneath-the-skin", "branch": "main",
                            "urlpath": f"lab/tree/{FOLDER}/notebooks/00_start_here.ipynb"}
    assert hub_link.target_folder("file:///tmp/x/remote/beneath-the-skin") == FOLDER


def test_link_values_are_fully_percent_encoded():
    link = hub_link.hub_link("https://hub.example.org", branch="week/2+extra")
    raw = urlsplit(link).query
    for pair in raw.split("&"):
        key, value = pair.split("=", 1)
        assert re.fullmatch(r"[A-Za-z0-9._~%+-]*", value), f"unencoded character in {key}={value}"
    assert "repo=https%3A%2F%2Fgithub.com%2F" in raw
    assert "branch=week%2F2%2Bextra" in raw
    assert _query(link)["branch"] == "week/2+extra"      # the round trip restores it exactly


@pytest.mark.parametrize("hub, base", [
    ("https://hub.example.org/", "https://hub.example.org"),
    ("http://10.0.0.5:8000", "http://10.0.0.5:8000"),
    ("https://example.org/workshop/", "https://example.org/workshop"),
])
def test_link_keeps_the_hubs_address_and_prefix(hub, base):
    assert hub_link.hub_link(hub).startswith(base + "/hub/user-redirect/git-pull?")


@pytest.mark.parametrize("notebook", [p.name for p in NOTEBOOKS])
@pytest.mark.parametrize("app, prefix", [("lab", "lab/tree/"), ("notebook", "notebooks/")])
def test_link_opens_an_existing_notebook(notebook, app, prefix):
    urlpath = _query(hub_link.hub_link("https://hub.example.org", notebook=notebook, app=app))["urlpath"]
    assert urlpath.startswith(prefix + FOLDER + "/")
    assert (ROOT / urlpath.removeprefix(prefix + FOLDER + "/")).is_file()


@pytest.mark.parametrize("hub, message", [
    ("ftp://hub.example.org", "https://"),
    ("hub.example.org", "https://"),
    ("https://", "https://"),
    ("https://hub.example.org/?next=/x", "without '?...'"),
    ("https://hub.example.org/#top", "without '?...'"),
    ("https://hub.example.org?", "without '?...'"),
    ("https://hub.example.org/hub/login", "before /hub/login"),
    ("https://hub.example.org/user/ada/lab", "before /hub/login"),
    ("https://hub .example.org", "space"),
])
def test_bad_hub_urls_are_refused_with_a_clear_message(hub, message):
    with pytest.raises(hub_link.HubLinkError, match=re.escape(message)):
        hub_link.hub_link(hub)


def test_bad_notebook_branch_and_app_are_refused():
    with pytest.raises(hub_link.HubLinkError, match="known: 00_start_here.ipynb"):
        hub_link.hub_link("https://hub.example.org", notebook="99_missing.ipynb")
    with pytest.raises(hub_link.HubLinkError, match="no notebook"):
        hub_link.hub_link("https://hub.example.org", notebook="../README.md")
    for branch in ("", "two words", "-x"):
        with pytest.raises(hub_link.HubLinkError, match="branch"):
            hub_link.hub_link("https://hub.example.org", branch=branch)
    with pytest.raises(hub_link.HubLinkError, match="app must be one of"):
        hub_link.hub_link("https://hub.example.org", app="rstudio")


def test_command_line_prints_the_link_or_a_clear_error():
    tool = [sys.executable, str(ROOT / "tools" / "hub_link.py")]
    ok = subprocess.run(tool + ["https://hub.example.org", "--notebook", "02_th2_inflammation.ipynb"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stderr == ""
    assert ok.stdout.strip() == hub_link.hub_link("https://hub.example.org", notebook="02_th2_inflammation.ipynb")
    bad = subprocess.run(tool + ["https://hub.example.org?x=1"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("hub_link.py: error: give the hub's address only")


# ===========================================================================
# 2. The environment a hub needs
# ===========================================================================
def _pin(text: str, name: str) -> str | None:
    m = re.search(rf"^{name}==(\S+)", text, re.M | re.I)
    return m.group(1) if m else None


def test_nbgitpuller_is_in_the_hub_environment():
    """course.in asks for nbgitpuller, and the .venv has that version.

    tests/test_environment.py checks that every course.in pin is in course.lock
    (with sha256 hashes) and in environment.yml at the same version.
    """
    version = _pin((ROOT / "requirements" / "course.in").read_text(), "nbgitpuller")
    assert version, "requirements/course.in must pin nbgitpuller with =="
    assert importlib.metadata.version("nbgitpuller") == version, "the .venv has another nbgitpuller than course.in"


def test_nbgitpuller_server_extension_is_enabled_in_this_environment():
    from jupyter_core.paths import jupyter_config_path

    enabled = {}
    for folder in reversed(jupyter_config_path()):          # later folders take precedence
        for path in sorted(Path(folder, "jupyter_server_config.d").glob("*.json")):
            extensions = json.loads(path.read_text()).get("ServerApp", {}).get("jpserver_extensions", {})
            enabled.update(extensions)
    assert enabled.get("nbgitpuller") is True, f"nbgitpuller is not enabled as a server extension: {enabled}"


# ===========================================================================
# 3. A local upstream repository and nbgitpuller's own pull code
# ===========================================================================
@pytest.fixture
def git_env(monkeypatch):
    """Keep git away from the user's and the system's configuration (nbgitpuller's git inherits this)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Instructor", "-c", "user.email=instructor@example.org",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True,
                          text=True, env=dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull,
                                              GIT_CONFIG_NOSYSTEM="1")).stdout


class Upstream:
    """The instructor's repository: a working copy that pushes to a bare repository named like ours."""

    def __init__(self, base: Path, files: dict[str, Path | str]):
        self.work = base / "instructor"
        self.work.mkdir(parents=True)
        _git(self.work, "init", "-q", "-b", "main")
        for name, source in files.items():
            target = self.work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(source, Path) and source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif isinstance(source, Path):
                shutil.copy(source, target)
            else:
                target.write_text(source, encoding="utf-8")
        _git(self.work, "add", "-A")
        _git(self.work, "commit", "-q", "-m", "first version")
        self.bare = base / "remote" / FOLDER
        self.bare.parent.mkdir()
        _git(base, "clone", "-q", "--bare", str(self.work), str(self.bare))
        _git(self.work, "remote", "add", "origin", str(self.bare))
        self.url = self.bare.as_uri()      # file://, so that nbgitpuller's shallow clone is a real one

    def push(self, message: str) -> None:
        _git(self.work, "add", "-A")
        _git(self.work, "commit", "-q", "-m", message)
        _git(self.work, "push", "-q", "origin", "main")


def _pull(upstream: Upstream, home: Path) -> str:
    """What a click on the link does in the learner's server: nbgitpuller's GitPuller.pull()."""
    from nbgitpuller import GitPuller

    # nbgitpuller 1.3.0 leaves each git subprocess's output pipe for the garbage
    # collector to close; that ResourceWarning is theirs, not a problem of ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        log = "".join(GitPuller(upstream.url, str(home / FOLDER), branch="main").pull())
        gc.collect()
    return log


def _edit_cell(path: Path, index: int, edit) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[index].source = edit(nb.cells[index].source)
    nbformat.write(nb, path)


def _code_cells(path: Path) -> list[int]:
    return [i for i, c in enumerate(nbformat.read(path, as_version=4).cells) if c.cell_type == "code"]


def _source(path: Path, index: int) -> str:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)          # every merge must leave a valid notebook
    return nb.cells[index].source


@pytest.fixture
def course(tmp_path, git_env):
    """An upstream with two real course notebooks and a README, and a learner's home with a first pull."""
    upstream = Upstream(tmp_path, {"README.md": "Beneath the Skin\n",
                                   "notebooks/01_skin_barrier.ipynb": ROOT / "notebooks" / "01_skin_barrier.ipynb",
                                   "notebooks/02_th2_inflammation.ipynb":
                                       ROOT / "notebooks" / "02_th2_inflammation.ipynb"})
    home = tmp_path / "home" / "learner"
    home.mkdir(parents=True)
    log = _pull(upstream, home)
    assert "git clone --depth 1" in log, "a first click clones (shallow, nbgitpuller's default)"
    return upstream, home / FOLDER


NB1 = "notebooks/01_skin_barrier.ipynb"
NB2 = "notebooks/02_th2_inflammation.ipynb"


@needs_git
def test_second_pull_keeps_a_learners_edit_and_brings_upstream_changes(course):
    upstream, copy = course
    cell = _code_cells(copy / NB1)[3]
    _edit_cell(copy / NB1, cell, lambda s: s + "\nmy_answer = 42  # learner")
    _edit_cell(upstream.work / NB2, _code_cells(upstream.work / NB2)[1], lambda s: s + "\n# fix from upstream")
    (upstream.work / "README.md").write_text("Beneath the Skin, corrected\n")
    upstream.push("fix notebook 02 and README")

    log = _pull(upstream, copy.parent)
    assert "Automatic commit by nbgitpuller" in log, "the learner's edit is committed locally before the merge"
    assert _source(copy / NB1, cell).endswith("my_answer = 42  # learner")
    assert _source(copy / NB2, _code_cells(copy / NB2)[1]).endswith("# fix from upstream")
    assert (copy / "README.md").read_text() == "Beneath the Skin, corrected\n"


@needs_git
def test_upstream_fix_to_another_cell_of_a_run_notebook_arrives(course):
    """The learner ran notebook 01 (outputs saved in every code cell); upstream fixes one cell's code."""
    upstream, copy = course
    nb = nbformat.read(copy / NB1, as_version=4)
    for count, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = count + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"output {count}\n")]
    nbformat.write(nb, copy / NB1)
    edited, fixed = _code_cells(copy / NB1)[2], _code_cells(copy / NB1)[6]
    _edit_cell(copy / NB1, edited, lambda s: "# my note\n" + s)
    _edit_cell(upstream.work / NB1, fixed, lambda s: "# corrected upstream\n" + s)
    upstream.push("correct one cell")

    _pull(upstream, copy.parent)
    merged = nbformat.read(copy / NB1, as_version=4)
    nbformat.validate(merged)
    assert merged.cells[edited].source.startswith("# my note\n")
    assert merged.cells[fixed].source.startswith("# corrected upstream\n")
    assert merged.cells[fixed].outputs[0]["text"] == "output 6\n", "the learner's outputs stay"


@needs_git
def test_conflicting_edit_the_learners_version_wins(course):
    """Learner and upstream change the same line: nbgitpuller merges with -Xours, so the learner's line stays."""
    upstream, copy = course
    cell = _code_cells(copy / NB1)[3]
    original = _source(copy / NB1, cell)
    first_line = original.splitlines()[0]
    _edit_cell(copy / NB1, cell, lambda s: s.replace(first_line, first_line + "  # learner's version", 1))
    _edit_cell(upstream.work / NB1, cell, lambda s: s.replace(first_line, first_line + "  # upstream version", 1))
    upstream.push("change the same line")

    log = _pull(upstream, copy.parent)
    assert "-Xours" in log
    merged = _source(copy / NB1, cell)
    assert merged.splitlines()[0] == first_line + "  # learner's version"
    assert "upstream version" not in merged
    text = (copy / NB1).read_text()
    assert "<<<<<<<" not in text and ">>>>>>>" not in text
    assert _git(copy, "status", "--porcelain") == "", "the learner's copy is left clean, not mid-merge"


@needs_git
def test_a_deleted_notebook_is_restored_with_upstreams_latest_version(course):
    upstream, copy = course
    (copy / NB2).unlink()
    cell = _code_cells(upstream.work / NB2)[0]
    _edit_cell(upstream.work / NB2, cell, lambda s: s + "\n# newer upstream")
    upstream.push("update notebook 02")

    _pull(upstream, copy.parent)
    assert (copy / NB2).is_file()
    assert _source(copy / NB2, cell).endswith("# newer upstream")


@needs_git
def test_a_learners_file_in_the_way_of_a_new_upstream_file_is_renamed_not_lost(course):
    upstream, copy = course
    (copy / "notebooks" / "notes.md").write_text("my notes\n")
    (upstream.work / "notebooks" / "notes.md").write_text("instructor notes\n")
    upstream.push("add notes")

    _pull(upstream, copy.parent)
    assert (copy / "notebooks" / "notes.md").read_text() == "instructor notes\n"
    renamed = list((copy / "notebooks").glob("notes__*.md"))
    assert len(renamed) == 1 and renamed[0].read_text() == "my notes\n"


@needs_git
def test_reset_one_notebook_by_renaming_it_and_clicking_again(course):
    """The reset the guide recommends: rename the notebook (the learner keeps it), click the link again."""
    upstream, copy = course
    cell = _code_cells(copy / NB1)[3]
    _edit_cell(copy / NB1, cell, lambda s: s + "\n# learner's attempt")
    _pull(upstream, copy.parent)              # the edit is now in the learner's local history too
    (copy / NB1).rename(copy / "notebooks" / "01_my_attempt.ipynb")

    _pull(upstream, copy.parent)
    assert (copy / NB1).read_bytes() == (upstream.work / NB1).read_bytes(), "a fresh copy of upstream's notebook"
    assert _source(copy / "notebooks" / "01_my_attempt.ipynb", cell).endswith("# learner's attempt")


# ===========================================================================
# 4. A real Jupyter server with nbgitpuller: the link's page, a pull, the import route
# ===========================================================================
@pytest.fixture(scope="module")
def hub_user(tmp_path_factory):
    """One learner's server (jupyter_server with nbgitpuller) whose home is a temporary folder.

    The upstream repository holds the course library and data (this checkout's
    files), so that a pull gives the learner a working course folder.
    """
    if shutil.which("git") is None:
        pytest.skip("needs git (nbgitpuller runs it)")
    base = tmp_path_factory.mktemp("hub")
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    upstream = Upstream(base, {"README.md": ROOT / "README.md", "course_lib": ROOT / "course_lib",
                               "data": ROOT / "data",
                               "notebooks/00_start_here.ipynb": ROOT / "notebooks" / "00_start_here.ipynb"})
    home = base / "home"
    home.mkdir()
    port, token = free_port(), secrets.token_hex(8)
    env.update(JUPYTER_CONFIG_DIR=str(base / "jupyter-config"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               IPYTHONDIR=str(base / "ipython"), HOME=str(home),
               # the hub route: the learner's kernels find the learner's own pulled copy
               PYTHONPATH=str(home / FOLDER))
    args = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--ServerApp.token={token}", f"--ServerApp.root_dir={home}"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    log = open(base / "server.log", "w")
    proc = subprocess.Popen(args, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def get(path: str, timeout: float = 60) -> str:
        req = urllib.request.Request(url + path, headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read().decode()

    deadline = time.monotonic() + 60
    while True:
        try:
            get("/api/status", timeout=5)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("jupyter_server did not start:\n" + (base / "server.log").read_text()[-2000:])
            time.sleep(0.2)
    try:
        yield dict(get=get, home=home, upstream=upstream, env=env)
    finally:
        stop_group(proc)
        log.close()


def _data_attributes(page: str) -> dict[str, str]:
    return {k: unquote(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', page)}


def test_nbgitpullers_page_reads_our_link_as_intended(hub_user):
    """The query of our link, sent to a learner's server (where user-redirect sends it)."""
    link = hub_link.hub_link("https://hub.example.org", notebook="00_start_here.ipynb")
    page = hub_user["get"]("/git-pull?" + urlsplit(link).query)
    attrs = _data_attributes(page)
    assert attrs["repo"] == repository.repository_url()
    assert attrs["branch"] == "main"
    assert attrs["path"] == f"lab/tree/{FOLDER}/notebooks/00_start_here.ipynb", "where the learner lands"
    assert attrs["targetpath"] == FOLDER, "the folder the hub's PYTHONPATH points at"


@pytest.fixture(scope="module")
def pulled(hub_user):
    """A pull through the server's own API (what the link's page calls), from the local upstream."""
    events = []
    stream = hub_user["get"](f"/git-pull/api?repo={hub_user['upstream'].url}&branch=main", timeout=120)
    for line in stream.splitlines():
        if line.startswith("data: "):
            events.append(json.loads(line[len("data: "):]))
    assert events and events[-1]["phase"] == "finished", events[-3:]
    copy = hub_user["home"] / FOLDER
    assert (copy / "course_lib" / "__init__.py").is_file() and (copy / "data" / "datapackage.json").is_file()
    return copy


PROBE = ("import json, sys, course_lib, course_lib.data as d; "
         "print(json.dumps({'file': course_lib.__file__, 'data': str(d.DATA_DIR), 'path': sys.path, "
         "'rows': len(d.load('severity_bands'))}))")


def _probe_python(env: dict, cwd: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=cwd, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_pythonpath_puts_the_learners_copy_before_the_venvs_pth(pulled):
    """PYTHONPATH entries come before site-packages, so they win over the .pth that `make` writes."""
    env = dict(os.environ, PYTHONPATH=str(pulled))
    got = _probe_python(env, pulled / "notebooks")
    assert Path(got["file"]).resolve() == (pulled / "course_lib" / "__init__.py").resolve()
    assert Path(got["data"]).resolve() == (pulled / "data").resolve()
    assert got["rows"] > 0
    pth = [p for p in Path(sys.prefix, "lib").glob("python3*/site-packages/course_lib.pth")]
    if pth:      # the .venv made by make: its .pth points at this checkout, and comes later
        checkout = pth[0].read_text().strip()
        paths = [os.path.realpath(p) for p in got["path"] if p]     # '' is the child's cwd: left out
        assert paths.index(os.path.realpath(pulled)) < paths.index(os.path.realpath(checkout))
        without = _probe_python({k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, pulled / "notebooks")
        assert Path(without["file"]).resolve() == (Path(checkout) / "course_lib" / "__init__.py").resolve(), \
            "without PYTHONPATH the .venv would use the checkout: the test above shows PYTHONPATH is what matters"


def test_a_kernel_of_the_learners_server_uses_the_learners_copy(pulled, hub_user):
    """A kernel started the way the learner's server starts it (its environment, cwd = the notebook's folder)."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", env=hub_user["env"], cwd=str(pulled / "notebooks"))
    printed = []
    try:
        reply = kc.execute_interactive(PROBE, timeout=120, output_hook=lambda msg: printed.append(
            msg["content"]["text"]) if msg["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    got = json.loads("".join(printed).strip().splitlines()[-1])
    assert Path(got["file"]).resolve() == (pulled / "course_lib" / "__init__.py").resolve()
    assert Path(got["data"]).resolve() == (pulled / "data").resolve()


# ===========================================================================
# 5. The sizing table written by the benchmark
# ===========================================================================
def _tables(block: str) -> dict[str, list[dict[str, str]]]:
    """The block's markdown tables, keyed by their header line, as lists of {header: cell}."""
    tables, lines = {}, block.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            headers = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(headers, [c.strip() for c in row.strip("|").split("|")])))
            tables[headers[0] + ":" + headers[-1]] = rows
    return tables


@pytest.fixture(scope="module")
def block() -> str:
    text = bench.read_block(bench.SIZING_FILE)
    assert text, f"{bench.SIZING_FILE.relative_to(ROOT)} has no sizing block: run make benchmark ARGS=\"--hub --write\""
    return text


def test_every_file_with_the_markers_has_the_same_block(block):
    files = bench.files_with_markers()
    names = {p.relative_to(ROOT).as_posix() for p in files}
    assert {"benchmarks/hub_sizing.md", "notebooks/workshop_hub.md"} <= names
    for path in files:
        assert bench.read_block(path) == block, f"{path.relative_to(ROOT)}: the sizing block differs; " \
                                                "rerun make benchmark ARGS=\"--hub --write\""


def _measured(block: str) -> tuple[list[dict], float]:
    tables = _tables(block)
    measured = tables["notebook:" + bench.MEASURED_COLUMNS[-1][1]]
    rows = []
    for cells in measured:
        row = {"notebook": cells["notebook"]}
        for key, header, fmt in bench.MEASURED_COLUMNS:
            row[key] = int(cells[header]) if fmt == "{:d}" else float(cells[header])
        rows.append(row)
    server = re.search(r"Jupyter server per learner: \*\*(\d+) MB\*\*", block)
    assert server, "the block states the server's memory"
    return rows, float(server.group(1))


def test_every_notebook_has_a_row(block):
    tables = _tables(block)
    names = [p.name for p in NOTEBOOKS]
    assert [r["notebook"] for r in tables["notebook:" + bench.MEASURED_COLUMNS[-1][1]]] == names
    assert [r["notebook"] for r in tables["notebook:" + bench.DERIVED_COLUMNS[-1][1]]] == names


def test_derived_columns_follow_from_the_measured_ones(block):
    rows, server_mb = _measured(block)
    derived = _tables(block)["notebook:" + bench.DERIVED_COLUMNS[-1][1]]
    for row, cells in zip(rows, derived, strict=True):
        expected = bench.derive_row(row, server_mb)
        for key, header, fmt in bench.DERIVED_COLUMNS:
            assert cells[header] == fmt.format(expected[key]), f"{row['notebook']}: {header}"
        assert row["changes"] >= bench.HUB_SESSION_MIN * row["explorers"], "a session per explorer"
        assert row["session_peak"] >= row["run_peak"], "VmHWM never decreases"
    examples = _tables(block)[bench.EXAMPLE_COLUMNS[0] + ":" + bench.EXAMPLE_COLUMNS[-1]]
    assert [int(e["learners"]) for e in examples] == list(bench.SIZING_EXAMPLES)
    for cells in examples:
        e = bench.derive_example(rows, server_mb, int(cells["learners"]))
        assert [cells[h] for h in bench.EXAMPLE_COLUMNS] == [
            str(e["learners"]), f"{e['ram_gb']:.1f}", str(e["cores_average"]), str(e["cores_burst"]), str(e["cores"])]
    assert bench.sizing_rule() in block, "the rule printed with the table is the rule the code uses"


def test_derive_rule_by_hand():
    """One row worked through by hand, so that the rule itself is checked, not only its reuse."""
    row = dict(notebook="x", explorers=1, changes=50, run_kernel_cpu=4.0, run_server_cpu=0.5, run_peak=200.0,
               session_kernel_cpu=1.0, session_server_cpu=0.25, session_peak=220.0)
    a = dict(bench.SIZING, headroom=0.5, seconds_per_change=4.0, duty_cycle=0.5, runs_per_hour=1,
             target_utilisation=0.5, core_overhead=0.2, hub_overhead_mb=100, burst_s=45.0)
    d = bench.derive_row(row, server_mb=100.0, a=a)
    assert d["cpu_per_change_ms"] == pytest.approx(25.0)              # 1.25 s / 50
    assert d["cpu_per_hour"] == pytest.approx(4.5 + 0.025 * 450)      # 3600 / 4 * 0.5 = 450 changes
    assert d["learners_per_core"] == 114                              # floor(1800 / 15.75) = floor(114.3)
    assert d["memory_mb"] == 480                                      # (100 + 220) * 1.5
    e = bench.derive_example([row], 100.0, 30, a)
    assert e["ram_gb"] == 14.2                                        # (30 * 480 + 100) / 1024 = 14.16 -> 14.2
    assert e["cores_average"] == 1                                    # 30 * 15.75 / 1800 + 0.2 = 0.46 -> 1
    assert e["cores_burst"] == 3                                      # 30 * 4.5 / 45 = 3
    assert e["cores"] == 3


def test_write_replaces_only_between_the_markers(tmp_path):
    block = f"{bench.SIZING_START}\nnew table\n{bench.SIZING_END}"
    (tmp_path / "benchmarks").mkdir()
    guide = tmp_path / "guide.md"
    guide.write_text(f"# Guide\n\nbefore\n{bench.SIZING_START}\nold\n{bench.SIZING_END}\nafter\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"intro\n{bench.SIZING_START}\nold\n"
                                                                       f"{bench.SIZING_END}\nend"),
                                         nbformat.v4.new_code_cell("print(1)")])
    nbformat.write(nb, tmp_path / "guide.ipynb")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "ignored.md").write_text(f"{bench.SIZING_START}\nold\n{bench.SIZING_END}\n")
    (tmp_path / "plain.md").write_text("no markers\n")
    mention = f"Write between `{bench.SIZING_START}` and `{bench.SIZING_END}`.\n"
    (tmp_path / "mentions.md").write_text(mention)      # a sentence about the markers is not a block

    written = bench.write_sizing(block, root=tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "benchmarks/hub_sizing.md", "guide.ipynb", "guide.md"]
    assert guide.read_text() == f"# Guide\n\nbefore\n{block}\nafter\n"
    cells = nbformat.read(tmp_path / "guide.ipynb", as_version=4).cells
    assert cells[0].source == f"intro\n{block}\nend" and cells[1].source == "print(1)"
    assert cells[1].outputs == []
    for path in written:
        assert bench.read_block(path) == block
    assert (tmp_path / ".venv" / "ignored.md").read_text().count("old") == 1
    assert (tmp_path / "plain.md").read_text() == "no markers\n"
    assert (tmp_path / "mentions.md").read_text() == mention


@pytest.mark.parametrize("text", [
    "no markers", f"{bench.SIZING_START} only the start", f"{bench.SIZING_END} x {bench.SIZING_START}",
    f"{bench.SIZING_START}\n{bench.SIZING_END}\n{bench.SIZING_START}\n{bench.SIZING_END}",
    f"{bench.SIZING_END}\ntext\n{bench.SIZING_START}",
    f"{bench.SIZING_START}\nno end line, only `{bench.SIZING_END}` in a sentence",
])
def test_malformed_markers_are_refused(text):
    with pytest.raises(ValueError, match="expected one"):
        bench.replace_block(text, "x", "f.md")


def test_slider_sessions_have_30_to_60_valid_changes_per_explorer():
    """Every registered explorer, described by the benchmark's kernel code (DESCRIBE_SOURCE), gets a
    session of the right length, of real changes, to values the model and the widget accept."""
    import contextlib
    import io

    from course_lib.explorers import REGISTRY, build

    namespace = {f"explorer_{name}": build(name) for name in REGISTRY}    # as a notebook's globals
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(bench.DESCRIBE_SOURCE, namespace)
    described = {e["name"]: e for e in json.loads(printed.getvalue().splitlines()[-1])}
    for name in REGISTRY:
        explorer = namespace[f"explorer_{name}"]
        controls = {c["name"]: c for c in described[f"explorer_{name}"]["controls"]}
        # The same description as the explorers table's (benchmarks/run.py keeps two copies: one runs in the kernel).
        assert {c: {k: v[k] for k in ("value", "meta", "is_int")} for c, v in controls.items()} == \
            json.loads(json.dumps(bench.describe_controls(explorer.params, list(explorer.controls))))
        plan = bench.session_plan(controls)
        assert bench.HUB_SESSION_MIN <= len(plan) <= bench.HUB_SESSION_MAX, (name, len(plan))
        assert {c for c, _ in plan} == set(controls) or len(plan) == bench.HUB_SESSION_MAX, \
            f"{name}: a control left out of a session that was not cut at the maximum"
        current = {c: v["value"] for c, v in controls.items()}
        for control, value in plan:
            assert value != current[control], f"{name}: a non-change in the plan"
            current[control] = value
            explorer.params.replace(**{control: value})      # a value the model accepts
            if controls[control]["kind"] == "Dropdown":      # the benchmark sends the option's index
                assert value in controls[control]["options"], f"{name}.{control}: {value!r} is not an option"
