"""Benchmark what a learner waits for: slider redraws and whole-notebook runs.

Run it from the repository root with the course's environment:

    .venv/bin/python benchmarks/run.py            # both tables
    .venv/bin/python benchmarks/run.py --only explorers --controls 5
    .venv/bin/python benchmarks/run.py --check    # exit 1 if a target is missed (for CI)
    make benchmark ARGS="--repeats 3"
    make benchmark ARGS="--hub --write"   # hub sizing, written to the docs
    make benchmark ARGS="--hub-load 30"   # a class of 30 on a real JupyterHub (benchmarks/hub_load.py)
    make benchmark ARGS="--hub-settings"  # what each single-user server setting saves

It prints two plain-text tables (or, with ``--hub``, the hub sizing table).

1. Explorers: every explorer in ``course_lib.explorers.REGISTRY`` is built and
   each of its controls is stepped through its range (valid values taken from
   the ``Params`` metadata). Each ``explorer.set(name=value)`` is timed: model,
   artist update, redraw and PNG, i.e. what a learner waits for in the kernel
   after releasing a slider. For comparison, the same figure is timed with no
   parameter change ("bare" redraw, ``explorer.renderer.render()``) and as a
   whole-figure render (``plotting.figure_png``, what a naive redraw costs).
2. Notebooks: every ``notebooks/*.ipynb`` is executed top to bottom in a fresh
   kernel (nbclient, the ``python3`` kernel of this environment, cwd =
   the notebook's folder). We time the run, and ask the kernel itself for its
   peak memory (``VmHWM`` in ``/proc/self/status``) and CPU time
   (``resource.getrusage``); a background thread also
   samples the kernel's memory with psutil as a cross-check.

3. Hub (``--hub``, instead of 1 and 2): what one learner costs a JupyterHub.
   A JupyterLab server (nbgitpuller loaded) runs in a subprocess, as a
   learner's single-user server. Through its REST and websocket API, as a
   browser does, every notebook runs top to bottom in a fresh kernel; then,
   in the same kernel, every explorer gets a "session of slider use" (30-60
   changes, sent as the widget messages a browser sends). Reported per
   notebook: kernel peak memory (VmHWM) and CPU, server CPU, for the run and
   for the session; the server's resident memory; and, derived with the rule
   in :func:`derive_row` / :func:`derive_example` and the assumptions in
   :data:`SIZING`, memory per learner, learners per core and RAM and cores for
   30 and 100 learners. ``--write`` puts that markdown block into
   ``benchmarks/hub_sizing.md`` and between the ``<!-- hub-sizing:start -->``
   and ``<!-- hub-sizing:end -->`` lines of every file that has them.

Timings depend on the machine; the targets are set for the reference machine
(2 cores). The exit code is 0 unless something crashes (2 if a notebook or an
explorer raised an error), or, with ``--check``, 1 if a target is missed.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit

# One BLAS thread, as in `make test` and on the workshop hub; set before numpy
# is imported so that this process and the kernels it starts inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))  # use this checkout's course_lib even if not installed
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tools")]  # for the hub benchmark (--hub):
from browser_helpers import LabServer  # noqa: E402  the test suite's throwaway JupyterLab server
from hub_link import hub_link  # noqa: E402  the course's nbgitpuller link

# --- targets ---------------------------------------------------------------
TARGET_SET_P95_MS = 50.0      # slider release -> new picture, 95th percentile
TARGET_NOTEBOOK_S = 10.0      # run all cells of a notebook
TARGET_KERNEL_MB = 250.0      # kernel peak memory (resident set size)

# --- how much to measure ---------------------------------------------------
WARMUPS = 3                   # untimed changes before timing an explorer
MIN_CHANGES = 30              # at least this many timed changes per explorer
MAX_VALUES_PER_CONTROL = 11   # a slider with more valid values is sampled evenly
REFERENCE_SAMPLES = 30        # timings of the bare and the full-figure render
CELL_TIMEOUT_S = 60
SAMPLE_EVERY_S = 0.02         # psutil memory sampler period


# ===========================================================================
# Small helpers
# ===========================================================================
def percentiles(values: list[float]) -> tuple[float, float]:
    """The 50th and 95th percentile (median and p95) of a list of numbers."""
    p50, p95 = np.percentile(values, [50, 95])
    return float(p50), float(p95)


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """Print rows as a plain-text table; the first column left-aligned, the rest right-aligned."""
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows)]

    def line(cells):
        parts = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts)

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def pass_fail(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def cpu_count() -> int:
    """The number of CPUs this process may use (what `nproc` prints)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_model() -> str:
    """The CPU's name, if the operating system tells us (Linux only)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_machine() -> None:
    """Print what the numbers depend on."""
    import matplotlib

    print("Beneath the Skin benchmark")
    print(f"  machine     : {platform.platform()}; {cpu_model()}")
    print(f"  nproc       : {cpu_count()} (of {os.cpu_count()} on the host)")
    print(f"  python      : {platform.python_version()} ({sys.executable})")
    print(f"  matplotlib  : {matplotlib.__version__}, numpy {np.__version__}")
    print(f"  OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print()


# ===========================================================================
# 1. Explorers
# ===========================================================================
def control_values(meta, is_int: bool, max_values: int = MAX_VALUES_PER_CONTROL) -> list:
    """The values a learner can pick on a control, in order, from its field's metadata.

    A drop-down offers its ``choices``. A slider offers lower, lower + step,
    ... up to upper; if that is more than ``max_values`` values, an evenly
    spaced subset that keeps both ends. ``is_int``: the field holds integers.
    """
    if meta["choices"] is not None:
        return list(meta["choices"])
    lower, upper, step = meta["lower"], meta["upper"], meta["step"]
    count = math.floor((upper - lower) / step + 1e-9) + 1
    values = [lower + i * step for i in range(count)]
    if is_int:
        values = [int(v) for v in values]
    else:
        values = [round(float(v), 10) for v in values]  # 0.1 * 3 -> 0.3, not 0.30000000000000004
    if len(values) > max_values:
        keep = np.linspace(0, len(values) - 1, max_values).round().astype(int)
        values = [values[i] for i in sorted(set(keep))]
    return values


def describe_controls(params, names: list[str]) -> dict:
    """``{name: {"value", "meta", "is_int"}}`` for the controls ``names`` of ``params``.

    The same description :data:`DESCRIBE_SOURCE` prints, in the kernel, for the hub benchmark.
    """
    fields = {f.name: f for f in dataclasses.fields(params)}
    return {name: {"value": getattr(params, name), "is_int": isinstance(fields[name].default, int),
                   "meta": {k: fields[name].metadata[k] for k in ("lower", "upper", "step", "choices")}}
            for name in names}


def sweep_plan(controls: dict, max_values: int = MAX_VALUES_PER_CONTROL) -> list[tuple[str, object]]:
    """The changes of one sweep: each control in turn through its values, then back.

    ``controls`` is what :func:`describe_controls` returns. Values equal to the
    control's current value are left out, so every entry is a real change; the
    sweep ends where it started, so it can be repeated.
    """
    plan = []
    for name, control in controls.items():
        start = control["value"]
        current = start
        for value in control_values(control["meta"], control["is_int"], max_values) + [start]:
            if value != current:
                plan.append((name, value))
                current = value
    return plan


def time_calls(function, count: int, warmups: int = WARMUPS) -> list[float]:
    """Call ``function()`` ``warmups`` times untimed, then ``count`` times; times in ms."""
    for _ in range(warmups):
        function()
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        function()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def benchmark_explorer(name: str, max_controls: int | None, repeats: int) -> dict:
    """Build explorer ``name`` and time its parameter changes and its plain redraws."""
    from course_lib.explorers import build
    from course_lib.plotting import course_style, figure_png

    t0 = time.perf_counter()
    explorer = build(name)
    build_ms = (time.perf_counter() - t0) * 1e3

    names = list(explorer.controls)[:max_controls]
    plan = sweep_plan(describe_controls(explorer.params, names))
    if not plan:
        return dict(name=name, controls=len(names), changes=0, build_ms=build_ms)
    passes = max(repeats, math.ceil(MIN_CHANGES / len(plan)))

    # Warm up with the first changes of the plan, then go back to the start (untimed).
    start = {n: getattr(explorer.params, n) for n in names}
    for control, value in plan[:WARMUPS]:
        explorer.set(**{control: value})
    explorer.set(**start)

    # What the learner waits for: model + artist update + redraw + PNG.
    set_ms = []
    for _ in range(passes):
        for control, value in plan:
            t0 = time.perf_counter()
            explorer.set(**{control: value})
            set_ms.append((time.perf_counter() - t0) * 1e3)

    # The same figure with no parameter change, and rendered whole.
    samples = REFERENCE_SAMPLES * repeats
    bare_ms = time_calls(explorer.renderer.render, samples)

    def full_figure():
        with course_style():
            figure_png(explorer.fig)

    full_ms = time_calls(full_figure, samples)

    return dict(name=name, controls=len(names), changes=len(set_ms), build_ms=build_ms,
                set=percentiles(set_ms), set_max=max(set_ms),
                bare=percentiles(bare_ms), full=percentiles(full_ms))


def run_explorers(max_controls: int | None, repeats: int) -> tuple[bool, bool]:
    """Benchmark every registered explorer and print the table; returns (all passed, any error)."""
    from course_lib.explorers import REGISTRY

    print(f"== Explorers: time of explorer.set(name=value) (model + update + redraw + PNG), ms; "
          f"target p95 < {TARGET_SET_P95_MS:g} ms")
    print(f"   each control stepped through its range (at most {MAX_VALUES_PER_CONTROL} values), "
          f"{WARMUPS} warm-ups, >= {MIN_CHANGES} changes;")
    print("   build = build(name), the first one also pays for one-off imports and data checks;")
    print("   bare = renderer.render() with no change; full = figure_png(fig), the whole figure")
    print()
    headers = ["explorer", "controls", "changes", "build ms", "set p50", "set p95", "set max",
               "bare p50", "bare p95", "full p50", "full p95", "result"]
    rows, all_ok, error = [], True, False
    for name in REGISTRY:
        try:
            r = benchmark_explorer(name, max_controls, repeats)
        except Exception:
            traceback.print_exc()
            rows.append([name] + [""] * (len(headers) - 2) + ["ERROR"])
            all_ok, error = False, True
            continue
        if not r["changes"]:
            rows.append([name, r["controls"], 0, f"{r['build_ms']:.0f}"] + [""] * 7 + ["no controls"])
            continue
        ok = r["set"][1] < TARGET_SET_P95_MS
        all_ok &= ok
        rows.append([name, r["controls"], r["changes"], f"{r['build_ms']:.0f}",
                     f"{r['set'][0]:.1f}", f"{r['set'][1]:.1f}", f"{r['set_max']:.1f}",
                     f"{r['bare'][0]:.1f}", f"{r['bare'][1]:.1f}",
                     f"{r['full'][0]:.1f}", f"{r['full'][1]:.1f}", pass_fail(ok)])
    if rows:
        print_table(headers, rows)
    else:
        print("(no explorer registered)")
    print()
    return all_ok, error


# ===========================================================================
# 2. Notebooks
# ===========================================================================
# Run inside the kernel (history off, namespace left clean): the kernel's peak
# memory and CPU time so far, exactly, as the operating system counts them.
# Peak memory is VmHWM from /proc (Linux), not resource's ru_maxrss: Linux
# carries ru_maxrss over from the process that started the kernel (the kernel
# is forked from this script, or from the Jupyter server, and ru_maxrss keeps
# the larger of the two across exec), so it would report this script's memory.
PROBE_SOURCE = """\
def _benchmark_probe():
    import json, os, resource, sys
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if os.path.exists("/proc/self/status"):          # Linux: peak RSS of this process
        with open("/proc/self/status") as status:
            hwm = next(line for line in status if line.startswith("VmHWM:"))
        peak_mb = int(hwm.split()[1]) / 2**10         # kB
    else:                                             # macOS: ru_maxrss, in bytes
        peak_mb = usage.ru_maxrss / 2**20
    print(json.dumps({"peak_mb": peak_mb, "cpu_s": usage.ru_utime + usage.ru_stime,
                      "executable": sys.executable}))
_benchmark_probe()
del _benchmark_probe
"""


def kernel_pid(km) -> int | None:
    """The process id of the kernel started by a jupyter_client kernel manager."""
    provisioner = getattr(km, "provisioner", None)           # jupyter_client >= 7
    process = getattr(provisioner, "process", None)
    if process is not None:
        return process.pid
    kernel = getattr(km, "kernel", None)                     # jupyter_client < 7
    return getattr(kernel, "pid", None)


class BackgroundSampler:
    """A sampler that runs ``_run`` in a daemon thread while it is used as a context manager;
    ``_run`` loops until ``self._stop`` is set."""

    def __init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:  # pragma: no cover - each sampler defines its own
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class MemorySampler(BackgroundSampler):
    """Sample a process's resident memory every ``period`` seconds in a background thread."""

    def __init__(self, pid: int, period: float = SAMPLE_EVERY_S):
        import psutil

        super().__init__()
        self.process = psutil.Process(pid)
        self.period = period
        self.peak_mb = 0.0

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                rss_mb = self.process.memory_info().rss / 2**20
            except psutil.Error:     # the kernel has exited
                return
            self.peak_mb = max(self.peak_mb, rss_mb)
            self._stop.wait(self.period)


def slider_session(channel, timeout: float = CELL_TIMEOUT_S, max_changes: int | None = None):
    """Move every explorer's controls as :func:`session_plan` says, through ``channel`` (widget messages as
    a browser sends them), then ask the kernel whether each control holds its last value.

    Returns ``(explorers, changes, round_trip_ms, problems)``: the explorers described by the kernel, how
    many changes were sent, each change's round trip, and what did not arrive (empty when all did).
    """
    explorers = json.loads(channel.execute(DESCRIBE_SOURCE, timeout=timeout)["stdout"].strip().splitlines()[-1])
    expected, changes, round_trip_ms = {}, 0, []
    for explorer in explorers:
        controls = {c["name"]: c for c in explorer["controls"]}
        plan = session_plan(controls)[:max_changes]
        for name, value in plan:
            control = controls[name]
            state = ({"index": control["options"].index(value)} if control["kind"] == "Dropdown"
                     else {"value": value})
            t0 = time.perf_counter()
            channel.widget_update(control["model_id"], state)
            round_trip_ms.append((time.perf_counter() - t0) * 1e3)
        changes += len(plan)
        if plan:
            expected[explorer["name"]] = dict(plan)   # each control's last value
    problems = json.loads(channel.execute(VERIFY_SOURCE % json.dumps(expected), timeout=timeout)["stdout"]
                          .strip().splitlines()[-1])
    return explorers, changes, round_trip_ms, problems


def probe_kernel(client) -> dict:
    """Run :data:`PROBE_SOURCE` in the client's kernel and return what it printed.

    The code is sent with jupyter_client's ``execute_interactive``, not as a
    notebook cell, so the notebook and its execution counts stay untouched.
    """
    from jupyter_core.utils import run_sync

    printed = []

    def collect(msg):
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            printed.append(msg["content"]["text"])

    execute = run_sync(client.kc.execute_interactive)   # nbclient's client is asynchronous
    reply = execute(PROBE_SOURCE, store_history=False, output_hook=collect, timeout=CELL_TIMEOUT_S)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"the memory/CPU probe failed in the kernel: {reply['content']}")
    return json.loads("".join(printed).strip().splitlines()[-1])


def run_notebook(path: Path) -> dict:
    """Execute one notebook in a fresh kernel; return timings and kernel memory."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    with client.setup_kernel():
        start_s = time.perf_counter() - t0
        with MemorySampler(kernel_pid(client.km)) as sampler:
            before = probe_kernel(client)
            t0 = time.perf_counter()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            run_s = time.perf_counter() - t0
            after = probe_kernel(client)
    return dict(cells=sum(c.cell_type == "code" for c in nb.cells), start_s=start_s, run_s=run_s,
                cpu_s=after["cpu_s"] - before["cpu_s"], kernel_cpu_s=after["cpu_s"],
                start_mb=before["peak_mb"], peak_mb=after["peak_mb"],
                sampled_mb=sampler.peak_mb, executable=after["executable"])


def warm_up_kernel(folder: Path) -> None:
    """Start one kernel and import the course library, untimed.

    The first kernel on a machine pays for a cold disk cache (and, the very first
    time, matplotlib's font cache); that should not be charged to notebook 00.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import course_lib.explorers, course_lib.plotting, matplotlib.backends.backend_agg")])
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()


def run_notebooks(folder: Path, repeats: int) -> tuple[bool, bool]:
    """Execute every notebook in ``folder`` and print the table; returns (all passed, any error)."""
    notebooks = sorted(folder.glob("*.ipynb"))
    print(f"== Notebooks: run all cells in a fresh kernel; targets run < {TARGET_NOTEBOOK_S:g} s, "
          f"kernel peak < {TARGET_KERNEL_MB:g} MB")
    print("   start = kernel start; run = all cells (median of repeats); CPU = kernel user+sys during "
          "the run;")
    print("   peak = kernel's peak RSS at the end (VmHWM, exact, includes start-up); sampled = psutil RSS "
          f"every {SAMPLE_EVERY_S * 1e3:.0f} ms")
    print()
    if not notebooks:
        print(f"(no notebook in {folder})")
        print()
        return True, False

    warm_up_kernel(folder)
    headers = ["notebook", "cells", "start s", "run s", "CPU s", "start MB", "peak MB",
               "sampled MB", "result"]
    rows, all_ok, error, executables = [], True, False, set()
    for path in notebooks:
        try:
            runs = [run_notebook(path) for _ in range(repeats)]
        except Exception as exc:
            # A cell error (CellExecutionError) already says which cell and why.
            print(f"{path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            rows.append([path.name] + [""] * (len(headers) - 2) + ["ERROR"])
            all_ok, error = False, True
            continue
        run_s = float(np.median([r["run_s"] for r in runs]))
        peak_mb = max(r["peak_mb"] for r in runs)
        ok = run_s < TARGET_NOTEBOOK_S and peak_mb < TARGET_KERNEL_MB
        all_ok &= ok
        executables.update(r["executable"] for r in runs)
        rows.append([path.name, runs[0]["cells"],
                     f"{np.median([r['start_s'] for r in runs]):.2f}", f"{run_s:.2f}",
                     f"{np.median([r['cpu_s'] for r in runs]):.2f}",
                     f"{np.median([r['start_mb'] for r in runs]):.0f}", f"{peak_mb:.0f}",
                     f"{max(r['sampled_mb'] for r in runs):.0f}", pass_fail(ok)])
    print_table(headers, rows)
    for executable in sorted(executables):
        print(f"   kernel python: {executable}")
    print()
    return all_ok, error


# ===========================================================================
# 3. Hub sizing (--hub): what one learner costs a JupyterHub
# ===========================================================================
# A learner on a hub has their own Jupyter server and one kernel per open
# notebook. We start a real JupyterLab server (with nbgitpuller loaded, as on
# the hub), then for every notebook, through the server's REST and websocket
# API exactly as the browser does: open a session (a fresh kernel), run every
# cell, then, in the same kernel, a "session of slider use": every explorer
# in the notebook gets 30-60 control changes, sent as the same widget
# messages a browser sends when a learner releases a slider. The kernel
# reports its own peak memory (VmHWM) and CPU time; the server's CPU time and
# memory are read from /proc by psutil.

HUB_SESSION_MIN, HUB_SESSION_MAX = 30, 60   # slider changes per explorer in a session
HUB_START_TIMEOUT_S = 60

# The assumptions that turn measurements into a size. They are choices, not
# measurements, and are printed with the table.
SIZING = dict(
    headroom=0.30,            # on top of measured memory (TLJH suggests 20-40 %)
    hub_overhead_mb=128,      # TLJH's own services (TLJH resource-estimation page)
    seconds_per_change=5.0,   # while using an explorer, a learner releases a slider every 5 s
    duty_cycle=0.25,          # ... for a quarter of the hour; the rest is reading and exercises
    runs_per_hour=1,          # each learner runs one notebook top to bottom per hour
    target_utilisation=0.70,  # keep the cores at most 70 % busy on average
    core_overhead=0.2,        # TLJH's own services, in cores (TLJH resource-estimation page)
    burst_s=60.0,             # a whole room starts the same notebook within one minute
)
SIZING_EXAMPLES = (30, 100)
SIZING_START = "<!-- hub-sizing:start -->"
SIZING_END = "<!-- hub-sizing:end -->"
SIZING_FILE = ROOT / "benchmarks" / "hub_sizing.md"
SKIP_DIRS = {".git", ".venv", "node_modules", "test-output", "_site", "_build", "build", "jupyter_execute", "__pycache__",
             ".ipynb_checkpoints", ".hypothesis", ".pytest_cache"}

# Run in the kernel after the notebook: describe every Explorer (by variable
# name; unnamed ones are found through the garbage collector) and its controls'
# widget model ids, so that the benchmark can send widget messages to them.
DESCRIBE_SOURCE = """\
def _hub_describe():
    import dataclasses, gc, json
    from course_lib.widgets import Explorer
    found = {}
    for name, value in list(globals().items()):
        if isinstance(value, Explorer) and not name.startswith("_"):
            found.setdefault(id(value), (name, value))
    for obj in gc.get_objects():
        if isinstance(obj, Explorer) and id(obj) not in found:
            found[id(obj)] = (f"unnamed_{len(found)}", obj)
    explorers = dict(sorted(found.values(), key=lambda item: item[0]))
    globals()["_hub_bench_explorers"] = explorers
    out = []
    for name, explorer in explorers.items():
        fields = {f.name: f for f in dataclasses.fields(explorer.params)}
        controls = []
        for control, widget in explorer.controls.items():
            field = fields[control]
            item = {"name": control, "model_id": widget.model_id, "kind": type(widget).__name__,
                    "value": getattr(explorer.params, control), "is_int": isinstance(field.default, int),
                    "meta": {k: field.metadata[k] for k in ("lower", "upper", "step", "choices")}}
            if item["kind"] == "Dropdown":
                item["options"] = [value for _, value in widget.options]
            controls.append(item)
        out.append({"name": name, "controls": controls})
    print(json.dumps(out))
_hub_describe()
del _hub_describe
"""

# Run in the kernel after the slider session: did every change arrive, and
# did every redraw succeed? (An explorer shows callback errors in its status line.)
VERIFY_SOURCE = """\
def _hub_verify(expected_json):
    import json
    expected, problems = json.loads(expected_json), []
    for name, values in expected.items():
        explorer = _hub_bench_explorers[name]
        for control, value in values.items():
            got = getattr(explorer.params, control)
            same = abs(got - value) <= 1e-9 * max(1.0, abs(value)) if isinstance(value, float) else got == value
            if not same:
                problems.append(f"{name}.{control} is {got!r}, expected {value!r}")
        if explorer.status.value:
            problems.append(f"{name} shows an error: {explorer.status.value}")
    print(json.dumps(problems))
_hub_verify(%r)
del _hub_verify, _hub_bench_explorers
"""


def session_plan(controls: dict, low: int = HUB_SESSION_MIN,
                 high: int = HUB_SESSION_MAX) -> list[tuple[str, object]]:
    """A learner's session with one explorer: each control in turn, through a few values and back.

    The most values per slider (11 down to 2) that keep the session at or under
    ``high`` changes; a long plan is cut at ``high``, a short one repeated until
    it has at least ``low`` changes. ``controls`` as for :func:`sweep_plan`
    (here from :data:`DESCRIBE_SOURCE`, run in the kernel).
    """
    for max_values in range(MAX_VALUES_PER_CONTROL, 1, -1):
        plan = sweep_plan(controls, max_values)
        if len(plan) <= high:
            break
    plan = plan[:high]
    session = list(plan)
    while plan and len(session) < low:
        session += plan
    return session


class KernelChannel:
    """A kernel's websocket on a Jupyter server, spoken to as a browser does (JSON messages)."""

    def __init__(self, base_url: str, token: str, kernel_id: str):
        import uuid

        import websocket  # websocket-client, a dependency of jupyter_server

        self.session = uuid.uuid4().hex
        url = base_url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={self.session}"
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {token}"],
                                              timeout=CELL_TIMEOUT_S)

    def close(self) -> None:
        self.ws.close()

    def send(self, msg_type: str, content: dict) -> str:
        import datetime
        import uuid

        msg_id = uuid.uuid4().hex
        header = dict(msg_id=msg_id, msg_type=msg_type, username="benchmark", session=self.session,
                      date=datetime.datetime.now(datetime.timezone.utc).isoformat(), version="5.3")
        self.ws.send(json.dumps(dict(header=header, parent_header={}, metadata={}, content=content,
                                     channel="shell", buffers=[])))
        return msg_id

    def _receive(self) -> dict:
        import struct

        data = self.ws.recv()
        if isinstance(data, bytes):       # a message with binary buffers: keep its JSON part
            nbufs = struct.unpack("!I", data[:4])[0]
            offsets = struct.unpack("!" + "I" * nbufs, data[4:4 + 4 * nbufs])
            end = offsets[1] if nbufs > 1 else len(data)
            data = data[offsets[0]:end].decode("utf-8")
        return json.loads(data)

    def wait(self, msg_id: str, reply: bool, timeout: float = CELL_TIMEOUT_S) -> dict:
        """Collect what the kernel says in answer to ``msg_id`` until it is idle (and has replied)."""
        out = {"stdout": "", "errors": [], "reply": None}
        idle = False
        deadline = time.monotonic() + timeout
        while not (idle and (out["reply"] is not None or not reply)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from the kernel within {timeout:g} s")
            msg = self._receive()
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "stream" and content["name"] == "stdout":
                out["stdout"] += content["text"]
            elif kind == "error":
                out["errors"].append(f"{content['ename']}: {content['evalue']}")
            elif msg.get("channel") == "shell" and kind.endswith("_reply"):
                out["reply"] = content
        return out

    def execute(self, code: str, timeout: float = CELL_TIMEOUT_S, store_history: bool = True) -> dict:
        """Run ``code``; raise with the kernel's error if it fails; return what it printed."""
        msg_id = self.send("execute_request", dict(code=code, silent=False, store_history=store_history,
                                                   user_expressions={}, allow_stdin=False,
                                                   stop_on_error=True))
        out = self.wait(msg_id, reply=True, timeout=timeout)
        if out["reply"]["status"] != "ok" or out["errors"]:
            raise RuntimeError(f"cell failed: {'; '.join(out['errors']) or out['reply']}\n{code[:300]}")
        return out

    def widget_update(self, model_id: str, state: dict) -> None:
        """What a browser sends when a learner releases a slider: a comm message to the widget model."""
        msg_id = self.send("comm_msg", dict(comm_id=model_id, data=dict(method="update", state=state,
                                                                        buffer_paths=[])))
        out = self.wait(msg_id, reply=False)
        if out["errors"]:
            raise RuntimeError(f"widget update failed: {'; '.join(out['errors'])}")

    def probe(self) -> dict:
        """The kernel's peak memory and CPU so far (:data:`PROBE_SOURCE`, run outside the history)."""
        return json.loads(self.execute(PROBE_SOURCE, store_history=False)["stdout"].strip().splitlines()[-1])


class LearnerServer(LabServer):
    """One learner's JupyterLab server: the test suite's throwaway server, plus what the benchmark reads from it.

    :class:`browser_helpers.LabServer` starts ``jupyter lab`` on a free port with
    every Jupyter and IPython folder in ``work_dir``; ``jupyter`` replaces itself
    with the server (exec), so ``self.proc.pid`` is the server's process.
    """

    def page(self, path: str) -> str:
        """A page as a browser gets it (HTML, not JSON)."""
        import urllib.request

        req = urllib.request.Request(self.url + path, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=CELL_TIMEOUT_S) as response:
            return response.read().decode()

    def cpu_s(self) -> float:
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def memory_mb(self) -> tuple[float, float]:
        """The server's resident memory now and its peak (VmRSS, VmHWM), in MB."""
        import psutil

        rss = psutil.Process(self.proc.pid).memory_info().rss / 2**20
        hwm = rss
        status = Path(f"/proc/{self.proc.pid}/status")
        if status.exists():
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
            hwm = int(line.split()[1]) / 2**10
        return rss, hwm


def hub_notebook(server: LearnerServer, path: Path, root: Path) -> dict:
    """Run one notebook through the server, then a slider session in the same kernel."""
    import nbformat

    rel = path.relative_to(root).as_posix()
    nb = nbformat.read(path, as_version=4)
    server.api("GET", f"/api/contents/{rel}?content=1", timeout=CELL_TIMEOUT_S)   # what opening the file costs
    cpu0 = server.cpu_s()
    session = server.api("POST", "/api/sessions", {"path": rel, "type": "notebook", "name": path.name,
                                                    "kernel": {"name": "python3"}}, timeout=HUB_START_TIMEOUT_S)
    channel = None
    try:
        channel = KernelChannel(server.url, server.token, session["kernel"]["id"])
        channel.wait(channel.send("kernel_info_request", {}), reply=True, timeout=HUB_START_TIMEOUT_S)
        for cell in nb.cells:
            if cell.cell_type == "code":
                channel.execute(cell.source)
        run = channel.probe()
        cpu1 = server.cpu_s()

        explorers, changes, round_trip_ms, problems = slider_session(channel)
        if problems:
            raise RuntimeError("the slider session did not reach the kernel as planned: " + "; ".join(problems))
        after = channel.probe()
        cpu2 = server.cpu_s()
    finally:
        if channel is not None:
            channel.close()
        server.api("DELETE", f"/api/sessions/{session['id']}", timeout=CELL_TIMEOUT_S)   # shuts the kernel down
    return dict(notebook=path.name, explorers=len(explorers), changes=changes,
                run_kernel_cpu=run["cpu_s"], run_server_cpu=cpu1 - cpu0, run_peak=run["peak_mb"],
                session_kernel_cpu=after["cpu_s"] - run["cpu_s"], session_server_cpu=cpu2 - cpu1,
                session_peak=after["peak_mb"],
                round_trip=percentiles(round_trip_ms) if round_trip_ms else (float("nan"),) * 2)


# --- from measurements to a size -------------------------------------------
MEASURED_COLUMNS = [  # (key, header, format): what the table prints, and what derive() reads
    ("explorers", "explorers", "{:d}"),
    ("changes", "slider changes", "{:d}"),
    ("run_kernel_cpu", "run: kernel CPU s", "{:.2f}"),
    ("run_server_cpu", "run: server CPU s", "{:.2f}"),
    ("run_peak", "run: kernel peak MB", "{:.0f}"),
    ("session_kernel_cpu", "session: kernel CPU s", "{:.2f}"),
    ("session_server_cpu", "session: server CPU s", "{:.2f}"),
    ("session_peak", "session: kernel peak MB", "{:.0f}"),
]
DERIVED_COLUMNS = [
    ("cpu_per_change_ms", "CPU ms per slider change", "{:.1f}"),
    ("cpu_per_hour", "CPU s per learner-hour", "{:.1f}"),
    ("learners_per_core", "learners per core", "{:d}"),
    ("memory_mb", "memory per learner MB", "{:d}"),
]
EXAMPLE_COLUMNS = ["learners", "RAM GB", "cores (average load)",
                   "cores (whole room runs a notebook within a minute)", "cores to provision"]


def as_printed(row: dict) -> dict:
    """The measured values rounded as the table prints them (derive() uses these, so a reader can redo it)."""
    out = {"notebook": row["notebook"]}
    for key, _, fmt in MEASURED_COLUMNS:
        out[key] = int(row[key]) if isinstance(row[key], int) else float(fmt.format(row[key]))
    return out


def derive_row(row: dict, server_mb: float, a: dict = SIZING) -> dict:
    """What one learner on this notebook costs, from the printed measurements and the assumptions ``a``."""
    changes_per_hour = 3600 / a["seconds_per_change"] * a["duty_cycle"]
    session_cpu = row["session_kernel_cpu"] + row["session_server_cpu"]
    per_change_s = session_cpu / row["changes"] if row["changes"] else 0.0
    cpu_per_hour = (a["runs_per_hour"] * (row["run_kernel_cpu"] + row["run_server_cpu"])
                    + per_change_s * changes_per_hour)
    return dict(cpu_per_change_ms=per_change_s * 1e3,
                cpu_per_hour=cpu_per_hour,
                learners_per_core=math.floor(3600 * a["target_utilisation"] / cpu_per_hour),
                memory_mb=math.ceil((server_mb + row["session_peak"]) * (1 + a["headroom"])))


def derive_example(rows: list[dict], server_mb: float, learners: int, a: dict = SIZING) -> dict:
    """RAM and cores for ``learners`` at once, each with one open kernel, sized on the heaviest notebook."""
    derived = [derive_row(r, server_mb, a) for r in rows]
    memory = max(d["memory_mb"] for d in derived)
    cpu_per_hour = max(d["cpu_per_hour"] for d in derived)
    run_cpu = max(r["run_kernel_cpu"] + r["run_server_cpu"] for r in rows)
    ram_gb = math.ceil((learners * memory + a["hub_overhead_mb"]) / 1024 * 10) / 10
    cores_average = math.ceil(learners * cpu_per_hour / (3600 * a["target_utilisation"]) + a["core_overhead"])
    cores_burst = math.ceil(learners * run_cpu / a["burst_s"])
    return dict(learners=learners, ram_gb=ram_gb, cores_average=cores_average, cores_burst=cores_burst,
                cores=max(cores_average, cores_burst))


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] + ["--:"] * (len(headers) - 1)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def sizing_rule(a: dict = SIZING) -> str:
    """The rule, in words, with the assumptions' values (printed under the tables)."""
    changes_per_hour = 3600 / a["seconds_per_change"] * a["duty_cycle"]
    return (
        "How the derived columns are computed (the assumptions are ours, not measurements):\n\n"
        f"- **Memory per learner** = (server + the notebook's kernel peak after the session) "
        f"× {1 + a['headroom']:.2f} ({a['headroom']:.0%} headroom), rounded up. It assumes **one open "
        "kernel per learner**: a learner who leaves finished notebooks running adds a kernel each, so "
        "ask learners to shut down the kernels of finished notebooks. The examples use the heaviest "
        f"notebook and add {a['hub_overhead_mb']} MB for the hub itself.\n"
        f"- **CPU s per learner-hour** = {a['runs_per_hour']} full run (kernel + server CPU, including "
        f"kernel start) + {changes_per_hour:.0f} slider changes × CPU per change. {changes_per_hour:.0f} "
        f"changes = a release every {a['seconds_per_change']:g} s for {a['duty_cycle']:.0%} of the hour "
        "(the duty cycle); the rest of the hour is reading and exercises.\n"
        f"- **Learners per core** = 3600 s × {a['target_utilisation']:.0%} target utilisation ÷ CPU s "
        "per learner-hour, rounded down.\n"
        f"- **Cores (average load)** = learners × CPU s per learner-hour ÷ (3600 s × "
        f"{a['target_utilisation']:.0%}) + {a['core_overhead']:g} core for the hub, rounded up. "
        f"**Cores (whole room runs a notebook within a minute)** = learners × the heaviest full run's "
        f"CPU s ÷ {a['burst_s']:g} s, rounded up: when the instructor says \"open the next notebook and "
        "run it\", everyone's kernel starts and runs within about a minute. Provision the larger. With "
        "fewer cores nothing breaks, but runs and sliders get slower.\n"
    )


def sizing_block(rows: list[dict], server: dict, machine: str, a: dict = SIZING) -> str:
    """The markdown written between the markers: measured table, derived table, examples, rule."""
    printed = [as_printed(r) for r in rows]
    server_mb = float(f"{server['rss_mb']:.0f}")
    measured = markdown_table(["notebook"] + [h for _, h, _ in MEASURED_COLUMNS],
                              [[r["notebook"]] + [fmt.format(r[k]) for k, _, fmt in MEASURED_COLUMNS]
                               for r in printed])
    derived_rows = []
    for r in printed:
        d = derive_row(r, server_mb, a)
        derived_rows.append([r["notebook"]] + [fmt.format(d[k]) for k, _, fmt in DERIVED_COLUMNS])
    derived = markdown_table(["notebook"] + [h for _, h, _ in DERIVED_COLUMNS], derived_rows)
    examples = markdown_table(EXAMPLE_COLUMNS, [
        [str(e["learners"]), f"{e['ram_gb']:.1f}", str(e["cores_average"]), str(e["cores_burst"]), str(e["cores"])]
        for e in (derive_example(printed, server_mb, n, a) for n in SIZING_EXAMPLES)])
    return "\n".join([
        SIZING_START,
        f"Measured with `make benchmark ARGS=\"--hub --write\"` on {machine}. 1 MB = 1,048,576 bytes. "
        "Each notebook ran in a fresh kernel through a JupyterLab server (with nbgitpuller loaded), then "
        "a slider session of 30–60 changes per explorer went through the same server as widget messages.",
        "",
        f"Jupyter server per learner: **{server_mb:.0f} MB** resident after serving every notebook "
        f"(peak {server['hwm_mb']:.0f} MB; {server['start_mb']:.0f} MB when it had just started).",
        "",
        "Measured, per notebook (CPU in seconds; peak = the kernel's VmHWM):",
        "",
        measured,
        "",
        "Derived, per notebook:",
        "",
        derived,
        "",
        "Examples, everyone working at once:",
        "",
        examples,
        "",
        sizing_rule(a),
        SIZING_END,
    ])


# --- writing the block into every file that carries the markers -------------
def _marker_lines(text: str, where: str) -> tuple[int, int]:
    """The indexes of the start and end marker lines (each a line of its own); ValueError unless exactly one each, in order."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == SIZING_START]
    ends = [i for i, line in enumerate(lines) if line.strip() == SIZING_END]
    if len(starts) != 1 or len(ends) != 1 or starts[0] > ends[0]:
        raise ValueError(f"{where}: expected one {SIZING_START} line followed by one {SIZING_END} line "
                         f"(found {len(starts)} and {len(ends)})")
    return starts[0], ends[0]


def has_markers(text: str) -> bool:
    """Whether ``text`` has a start-marker line (a mention of the marker inside a sentence does not count)."""
    return any(line.strip() == SIZING_START for line in text.split("\n"))


def replace_block(text: str, block: str, where: str = "text") -> str:
    """``text`` with the lines from the start marker to the end marker replaced by ``block``."""
    start, end = _marker_lines(text, where)
    lines = text.split("\n")
    return "\n".join(lines[:start] + [block] + lines[end + 1:])


def read_block(path: Path) -> str | None:
    """The block (marker lines included) in a .md file or in a notebook's markdown cell; None if absent."""
    if path.suffix == ".ipynb":
        import nbformat

        texts = [c.source for c in nbformat.read(path, as_version=4).cells
                 if c.cell_type == "markdown" and has_markers(c.source)]
    else:
        text = path.read_text(encoding="utf-8")
        texts = [text] if has_markers(text) else []
    if not texts:
        return None
    if len(texts) > 1:
        raise ValueError(f"{path}: the markers appear in more than one cell")
    start, end = _marker_lines(texts[0], str(path))
    return "\n".join(texts[0].split("\n")[start:end + 1])


def files_with_markers(root: Path = ROOT) -> list[Path]:
    """Every .md and .ipynb file in the repository (build and environment folders skipped) with a start-marker line."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.suffix == ".md" and has_markers(path.read_text(encoding="utf-8", errors="replace")):
                found.append(path)
            elif path.suffix == ".ipynb" and SIZING_START in path.read_text(encoding="utf-8", errors="replace") \
                    and read_block(path) is not None:
                found.append(path)
    return found


def write_block(path: Path, block: str) -> None:
    """Replace the block between the markers in ``path`` (a .md file or a notebook's markdown cell)."""
    if path.suffix == ".ipynb":
        import nbformat

        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "markdown" and has_markers(c.source)]
        if len(cells) != 1:
            raise ValueError(f"{path}: expected the markers in exactly one markdown cell, found {len(cells)}")
        cells[0].source = replace_block(cells[0].source, block, str(path))
        nbformat.write(nb, path)
    else:
        path.write_text(replace_block(path.read_text(encoding="utf-8"), block, str(path)), encoding="utf-8")


def write_sizing(block: str, root: Path = ROOT) -> list[Path]:
    """Write ``block`` to benchmarks/hub_sizing.md and between the markers of every other file that has them."""
    sizing_file = root / SIZING_FILE.relative_to(ROOT)
    sizing_file.write_text(
        "# Hub sizing, as last measured\n\n"
        "Written by `make benchmark ARGS=\"--hub --write\"` (benchmarks/run.py); do not edit by hand.\n"
        "The same block is copied into every file that has the hub-sizing markers; "
        "notebooks/workshop_hub.md explains it.\n\n" + block + "\n", encoding="utf-8")
    written = [sizing_file]
    for path in files_with_markers(root):
        if path != sizing_file:
            write_block(path, block)
            written.append(path)
    return written


def run_hub(folder: Path, write: bool) -> bool:
    """The hub benchmark: measure, print the sizing block, optionally write it. Returns True if no error."""
    import jupyterlab

    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        print(f"(no notebook in {folder})")
        return True
    root = folder.parent
    print("== Hub: one learner's server and kernel, per notebook (full run, then a slider session)")
    print(f"   JupyterLab {jupyterlab.__version__} server in a subprocess; {HUB_SESSION_MIN}-{HUB_SESSION_MAX} "
          "slider changes per explorer, sent as widget messages through the server")
    print()
    warm_up_kernel(folder)
    t_start = time.perf_counter()
    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as work_dir:
        server = LearnerServer(root, Path(work_dir))
        server.start(timeout=HUB_START_TIMEOUT_S)
        try:
            start_mb, _ = server.memory_mb()
            server.page("/lab")      # the page a learner loads
            # The page an nbgitpuller link lands on, with this course's link (no pull is started).
            query = urlsplit(hub_link("https://hub.example.org")).query
            if "data-repo=" not in server.page(f"/git-pull?{query}"):
                raise RuntimeError("nbgitpuller's git-pull page did not answer: is nbgitpuller installed and enabled?")
            for path in notebooks:
                try:
                    rows.append(hub_notebook(server, path, root))
                except Exception as exc:
                    print(f"{path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    ok = False
            rss_mb, hwm_mb = server.memory_mb()
        finally:
            server.stop()
    wall_s = time.perf_counter() - t_start

    if rows:
        headers = ["notebook", "explorers", "changes", "change p50 ms", "change p95 ms"]
        print_table(headers, [[r["notebook"], r["explorers"], r["changes"], f"{r['round_trip'][0]:.1f}",
                               f"{r['round_trip'][1]:.1f}"] for r in rows])
        print("   change = one widget message through the server until the kernel is idle again "
              "(model, redraw, PNG, message back)")
        print()
    if not ok:
        print("Some notebooks failed (see above); no sizing table written.")
        return False
    machine = (f"{cpu_model()}, nproc {cpu_count()}, Python {platform.python_version()}, "
               f"JupyterLab {jupyterlab.__version__}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
               f"{time.strftime('%Y-%m-%d')}")
    block = sizing_block(rows, dict(rss_mb=rss_mb, hwm_mb=hwm_mb, start_mb=start_mb), machine)
    print(block)
    print()
    print(f"   hub benchmark took {wall_s:.0f} s")
    if write:
        for path in write_sizing(block):
            print(f"   wrote {path.relative_to(ROOT)}")
    return True


# ===========================================================================
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["explorers", "notebooks"],
                        help="run one of the two benchmarks only")
    parser.add_argument("--controls", type=int, metavar="N", default=None,
                        help="time only the first N controls of each explorer (default: all)")
    parser.add_argument("--repeats", type=int, metavar="N", default=1,
                        help="sweep each explorer N times and run each notebook N times (default: 1)")
    parser.add_argument("--notebooks", type=Path, metavar="DIR", default=NOTEBOOK_DIR,
                        help="folder of notebooks to run (default: notebooks/)")
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 if any target is missed")
    parser.add_argument("--hub", action="store_true",
                        help="instead of the two tables: what one learner costs a JupyterHub, and a sizing table")
    parser.add_argument("--write", action="store_true",
                        help="with --hub: write the sizing table to benchmarks/hub_sizing.md and between the "
                             "hub-sizing markers of every file that has them")
    parser.add_argument("--hub-load", type=int, nargs="?", const=30, metavar="N", default=None,
                        help="instead of the tables: N learners (default 30) on a real JupyterHub on 127.0.0.1 "
                             "(benchmarks/hub_load.py)")
    parser.add_argument("--hub-load-stagger", type=float, metavar="S", default=60.0,
                        help="with --hub-load: spread the learners' starts over S seconds (default: 60)")
    parser.add_argument("--hub-settings", action="store_true",
                        help="instead of the tables: what each single-user server setting of the hub saves "
                             "(benchmarks/hub_load.py)")
    parser.add_argument("--browser", action="store_true",
                        help="instead of the tables: keydown on a slider to new picture painted, in JupyterLab in "
                             "headless Chromium, for every explorer (benchmarks/browser.py)")
    args = parser.parse_args(argv)
    if args.hub_load is not None and not 1 <= args.hub_load <= 100:
        parser.error("--hub-load takes 1 to 100 learners")
    if args.repeats < 1 or (args.controls is not None and args.controls < 1):
        parser.error("--repeats and --controls must be at least 1")
    if args.write and not args.hub:
        parser.error("--write goes with --hub")

    print_machine()
    if args.browser:
        import browser  # benchmarks/browser.py

        return browser.run(args.notebooks.resolve(), check=args.check)
    if args.hub_load is not None:
        import hub_load  # benchmarks/hub_load.py

        return hub_load.main(args.hub_load, stagger_s=args.hub_load_stagger)
    if args.hub_settings:
        import hub_load  # benchmarks/hub_load.py

        hub_load.report_settings(hub_load.measure_settings())
        return 0
    if args.hub:
        return 0 if run_hub(args.notebooks.resolve(), args.write) else 2
    all_ok, error = True, False
    if args.only in (None, "explorers"):
        ok, err = run_explorers(args.controls, args.repeats)
        all_ok, error = all_ok and ok, error or err
    if args.only in (None, "notebooks"):
        ok, err = run_notebooks(args.notebooks.resolve(), args.repeats)
        all_ok, error = all_ok and ok, error or err

    print("All targets met." if all_ok else "Some targets missed (see FAIL/ERROR above).")
    if error:
        return 2
    return 1 if (args.check and not all_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
