"""The repository as a newcomer meets it: README, Binder links, licences, make lab."""
import os
import re
import secrets
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from browser_helpers import free_port, stop_group

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def repo_url():
    import repository  # tools/repository.py: the one parser of the README's 'Repository:' line

    named = repository.repository_url(README)
    assert README.count(named) == 1, "the repository URL appears once; every other link is built from it"
    return named


def test_every_binder_link_is_built_from_the_repository_url():
    owner_repo = repo_url().removeprefix("https://github.com/")
    links = re.findall(r"https://mybinder\.org/v2/gh/([^)\s]+)", README)
    assert links, "the README has Binder links"
    for link in links:
        assert link.startswith(owner_repo + "/HEAD?urlpath=lab/tree/notebooks/"), link
        target = link.split("urlpath=lab/tree/", 1)[1]
        assert (ROOT / target).is_file(), f"Binder link to a missing file: {target}"
    cff = (ROOT / "CITATION.cff").read_text()
    assert f'repository-code: "{repo_url()}"' in cff


def test_syllabus_lists_every_notebook_with_a_binder_link():
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        row = next((line for line in README.splitlines() if f"(notebooks/{nb.name})" in line), None)
        assert row, f"{nb.name} is missing from the README syllabus"
        assert f"lab/tree/notebooks/{nb.name}" in row and re.search(r"\d+ min", row)


def test_readme_commands_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "benchmark"):
        assert f"make {target}" in README and re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_licences_and_citation_are_present():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-TEXT.md").read_text()
    assert "cff-version" in (ROOT / "CITATION.cff").read_text()


def test_make_lab_serves_the_course(tmp_path):
    """`make lab ARGS=--no-browser` starts JupyterLab; the lab page loads on 127.0.0.1."""
    if not (ROOT / ".venv" / ".course").exists():
        pytest.skip("needs the .venv made by make (run via make test)")
    port, token = free_port(), secrets.token_hex(8)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    args = f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.token={token}"
    proc = subprocess.Popen(["make", "-s", "lab", f"ARGS={args}"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline, page = time.monotonic() + 60, None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as r:
                    page = r.read().decode()
            except OSError:
                assert proc.poll() is None, "make lab exited early"
                time.sleep(0.5)
        assert page is not None, "JupyterLab did not answer within 60 s"
        assert "JupyterLab" in page
    finally:
        stop_group(proc)
