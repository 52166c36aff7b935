"""The class route on a real JupyterHub, smoke-tested: 3 learners on 127.0.0.1.

The full load test (30 learners, timings, memory) is ``make benchmark ARGS="--hub-load 30"``
(benchmarks/hub_load.py); this runs the same code with 3 learners so that the hub
route cannot break silently: JupyterHub with configurable-http-proxy (npm, pinned
in tools/hub/package-lock.json), SimpleLocalProcessSpawner, a password log-in, the
course's nbgitpuller link pulling from a local bare clone of this working tree, a
notebook run top to bottom over the kernel websocket through the proxy, a slider
session of widget messages, and the whole room running a notebook at once.

Timings are printed by the benchmark, never asserted here. Without node and npm
the test is skipped (and fails under COURSE_REQUIRE_BROWSER=1, as in CI, where
.ci/run installs npm).
"""
from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import browser_unavailable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "hub"))
import loopback  # noqa: E402  tools/hub/loopback.py

LEARNERS = 3
CHANGES = 10          # slider changes per explorer (the benchmark sends 30-60)


def _hub_load():
    spec = importlib.util.spec_from_file_location("hub_load", ROOT / "benchmarks" / "hub_load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    reason = loopback.node_missing()
    if reason:
        browser_unavailable(reason)
    if shutil.which("git") is None:
        pytest.skip("needs git (nbgitpuller runs it)")
    if not (ROOT / ".venv" / "bin" / "jupyterhub-singleuser").exists():
        pytest.skip("jupyterhub is not installed in .venv (requirements/test.lock; run make test)")
    hub_load = _hub_load()
    work = tmp_path_factory.mktemp("hub-room")
    # The route, not the load: no common run of the heaviest notebook, 10 slider changes per explorer.
    result = hub_load.run_room(LEARNERS, stagger_s=1.0, keep=work, common_run=False, max_changes=CHANGES)
    result["module"] = hub_load
    return result


def test_every_learner_logs_in_pulls_runs_and_moves_sliders(room):
    failures = {lr.name: lr.failures for lr in room["learners"] if lr.failures}
    assert not failures and not room.get("deadline"), f"{failures} {room.get('deadline', '')}; " \
                                                      f"hub log in {room['work']}"
    for learner in room["learners"]:
        for step in ("log in", "spawn", "pull", "open", "run", "sliders"):
            assert step in learner.times, f"{learner.name} never did {step!r}"
        assert learner.changes == CHANGES, "every planned slider change was sent (and checked in the kernel)"
        assert len(learner.slider_ms) == learner.changes


def test_each_learner_has_their_own_pulled_copy(room):
    """nbgitpuller cloned the course into each home (the folder PYTHONPATH points at, checked in the kernel)."""
    for learner in room["learners"]:
        copy = Path(room["work"]) / "home" / learner.name / loopback.FOLDER
        assert (copy / "course_lib" / "__init__.py").is_file()
        assert (copy / "notebooks" / room["first"]).is_file()
        assert (copy / ".git").is_dir(), "a git clone, so that the next click merges"


def test_memory_of_servers_and_kernels_was_read(room):
    """The sampler found the learners' servers and kernels under the hub (what the benchmark reports)."""
    assert room["peak_rss"]["servers"] > 0 and room["peak_rss"]["kernels"] > 0
    for learner in room["learners"]:
        snapshot = room["snapshots"][f"{learner.name} done"]      # taken while the learner's kernel was open
        assert snapshot["per_learner"][learner.name]["servers"] > 0
        assert snapshot["per_learner"][learner.name]["kernels"] > 0


def test_the_hub_stopped_everything_it_started(room):
    import psutil

    kinds = list(room["pids"].values())
    assert kinds.count("hub") == 1 and kinds.count("proxy") == 1
    assert kinds.count("servers") == LEARNERS and kinds.count("kernels") >= LEARNERS
    leftovers = []
    marks = {"hub": "jupyterhub", "proxy": "configurable-http-proxy", "servers": "jupyterhub-singleuser",
             "kernels": "ipykernel"}
    for pid, kind in room["pids"].items():
        if kind not in marks:
            continue               # git and data checks end by themselves; their ids may be reused by now
        try:
            process = psutil.Process(pid)
            cmdline = " ".join(process.cmdline())
            if process.status() != psutil.STATUS_ZOMBIE and marks[kind] in cmdline:
                leftovers.append(cmdline[:200])
        except psutil.Error:
            pass
    assert not leftovers, leftovers


def test_the_guide_gives_the_settings_the_live_hub_uses():
    """notebooks/workshop_hub.md tells administrators the same server flags and environment as tools/hub/loopback.py."""
    guide = (ROOT / "notebooks" / "workshop_hub.md").read_text(encoding="utf-8")
    for flag in loopback.LEAN_SERVER_ARGS:
        assert flag in guide, f"the guide does not give {flag}"
    config = loopback.CONFIG_TEMPLATE
    for key in ('"PYTHONPATH"', '"OPENBLAS_NUM_THREADS"'):
        assert key in config and key in guide
    assert re.search(r"c\.Spawner\.args\s*=", guide), "the guide sets Spawner.args"
    assert "c.Spawner.start_timeout" in guide and "c.Spawner.start_timeout" in config
