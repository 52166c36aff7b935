"""Benchmark what a learner waits for: slider redraws and whole-notebook runs.

Run it from the repository root with the course's environment:

    .venv/bin/python benchmarks/run.py            # both tables
    .venv/bin/python benchmarks/run.py --only explorers --controls 5
    .venv/bin/python benchmarks/run.py --check    # exit 1 if a target is missed (for CI)
    make benchmark ARGS="--repeats 3"

It prints two plain-text tables.

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
import threading
import time
import traceback
from pathlib import Path

# One BLAS thread, as in `make test` and on the workshop hub; set before numpy
# is imported so that this process and the kernels it starts inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))  # use this checkout's course_lib even if not installed

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
def control_values(params_cls, name: str, max_values: int = MAX_VALUES_PER_CONTROL) -> list:
    """The values a learner can pick on control ``name``, in order.

    A drop-down offers its ``choices``. A slider offers lower, lower + step,
    ... up to upper (from the field's metadata); if that is more than
    ``max_values`` values, an evenly spaced subset that keeps both ends.
    """
    field = {f.name: f for f in dataclasses.fields(params_cls)}[name]
    meta = field.metadata
    if meta["choices"] is not None:
        return list(meta["choices"])
    lower, upper, step = meta["lower"], meta["upper"], meta["step"]
    count = math.floor((upper - lower) / step + 1e-9) + 1
    values = [lower + i * step for i in range(count)]
    if isinstance(field.default, int):
        values = [int(v) for v in values]
    else:
        values = [round(float(v), 10) for v in values]  # 0.1 * 3 -> 0.3, not 0.30000000000000004
    if len(values) > max_values:
        keep = np.linspace(0, len(values) - 1, max_values).round().astype(int)
        values = [values[i] for i in sorted(set(keep))]
    return values


def sweep_plan(params, names: list[str]) -> list[tuple[str, object]]:
    """The changes of one sweep: each control in turn through its values, then back.

    Values equal to the control's current value are left out, so every entry
    is a real change; the sweep ends where it started, so it can be repeated.
    """
    plan = []
    for name in names:
        start = getattr(params, name)
        current = start
        for value in control_values(type(params), name) + [start]:
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
    plan = sweep_plan(explorer.params, names)
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


class MemorySampler:
    """Sample a process's resident memory every ``period`` seconds in a background thread."""

    def __init__(self, pid: int, period: float = SAMPLE_EVERY_S):
        import psutil

        self.process = psutil.Process(pid)
        self.period = period
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                rss_mb = self.process.memory_info().rss / 2**20
            except psutil.Error:     # the kernel has exited
                return
            self.peak_mb = max(self.peak_mb, rss_mb)
            self._stop.wait(self.period)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


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
    args = parser.parse_args(argv)
    if args.repeats < 1 or (args.controls is not None and args.controls < 1):
        parser.error("--repeats and --controls must be at least 1")

    print_machine()
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
