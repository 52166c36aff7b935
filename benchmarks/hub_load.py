"""A class on a real JupyterHub: N learners at once, through the hub's proxy, as browsers would.

    make benchmark ARGS="--hub-load 30"          # the room the sizing rule assumes
    .venv/bin/python benchmarks/run.py --hub-load 3 --hub-load-stagger 5

A JupyterHub with configurable-http-proxy runs on 127.0.0.1 (tools/hub/loopback.py:
SimpleLocalProcessSpawner, DummyAuthenticator, homes in a scratch folder, the course
pulled by nbgitpuller from a local bare clone of this working tree). Each learner,
in a thread of this process, with their own cookies:

1. logs in with the hub's log-in form (``/hub/login``, with its XSRF token);
2. follows the course's nbgitpuller link (tools/hub_link.py, with the local
   repository): the hub starts the learner's server; nbgitpuller's page answers;
   the pull runs through nbgitpuller's API (the call its page makes);
3. opens the link's notebook (JupyterLab page, the notebook's contents, a new
   kernel session through the server's REST API), runs it top to bottom over the
   kernel's websocket, checks that the kernel imports the learner's own copy of
   course_lib, then does a slider session (30-60 widget messages per explorer,
   as a browser sends them; the plan of benchmarks/run.py --hub) and shuts the
   kernel down;

with the learners' starts spread evenly over one minute (the sizing rule's
assumption). When everyone is done, the whole room opens the heaviest notebook
(the largest full-run CPU in the sizing table) and runs it at the same moment.
Every request goes through the proxy at 127.0.0.1; each step has a time limit
and the whole test a deadline, after which it stops the hub and reports.

Reported: per learner the log-in, spawn, pull, run and slider times (p50, p95),
and the kernel's peak memory; the memory of every process the hub started, read
from /proc (resident, and proportional set size, which shares libraries fairly
between processes); CPU by kind of process and for the whole machine; and every
failure. The exit code is 2 if any step of any learner failed.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tools" / "hub")]
import loopback  # noqa: E402  tools/hub/loopback.py
from hub_link import hub_link  # noqa: E402

STAGGER_S = 60.0          # every learner has started within this time (the sizing rule's minute)
STEP_TIMEOUT_S = 600.0    # one step (spawn, pull, a cell, a slider change) of one learner
DEADLINE_S = 1800.0       # the whole load test
SAMPLE_S = 1.0            # memory and CPU sampler period
PSS_EVERY = 5             # read the proportional set size every 5th sample (it is slower to read)


def _bench():
    """benchmarks/run.py as a module (the slider plan, the kernel channel and the table printer)."""
    for name in ("benchmark_run", "__main__"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "KernelChannel"):
            return module
    spec = importlib.util.spec_from_file_location("benchmark_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark_run"] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()


class LearnerError(RuntimeError):
    """A step of one learner failed."""


class HubKernelChannel(bench.KernelChannel):
    """The kernel websocket through the hub's proxy, authenticated by the learner's cookies (as in a browser)."""

    def __init__(self, url: str, cookie: str, xsrf: str, timeout: float):
        import websocket

        self.session = uuid.uuid4().hex
        self.timeout = timeout
        self.ws = websocket.create_connection(f"{url}?session_id={self.session}", cookie=cookie,
                                              header=[f"X-XSRFToken: {xsrf}"], timeout=timeout)

    def wait(self, msg_id: str, reply: bool, timeout: float | None = None) -> dict:
        return super().wait(msg_id, reply, timeout=self.timeout if timeout is None else timeout)


class Learner:
    """One learner's browser: a cookie jar and the requests JupyterLab and nbgitpuller's page make."""

    def __init__(self, hub: loopback.LoopbackHub, name: str, timeout: float = STEP_TIMEOUT_S,
                 max_changes: int | None = None):
        import requests

        self.hub, self.name, self.timeout = hub, name, timeout
        self.http = requests.Session()
        self.prefix = f"{hub.url}/user/{name}"
        self.times: dict[str, float] = {}
        self.slider_ms: list[float] = []
        self.changes = 0
        self.kernel_peaks: dict[str, float] = {}
        self.failures: list[str] = []
        self.max_changes = max_changes       # a shorter slider session per explorer (the smoke test)

    # --- helpers -------------------------------------------------------------
    def _xsrf(self) -> str:
        for cookie in self.http.cookies:
            if cookie.name == "_xsrf" and cookie.path.startswith(f"/user/{self.name}"):
                return cookie.value
        raise LearnerError("the learner's server set no _xsrf cookie")

    def _cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies
                         if f"/user/{self.name}/".startswith(c.path.rstrip("/") + "/") or c.path == "/")

    def _timed(self, step: str, function, *args):
        t0 = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.times[step] = self.times.get(step, 0.0) + time.perf_counter() - t0

    def api(self, method: str, path: str, body=None):
        r = self.http.request(method, self.prefix + path, json=body, timeout=self.timeout,
                              headers={"X-XSRFToken": self._xsrf()})
        if r.status_code >= 400:
            raise LearnerError(f"{method} {path}: HTTP {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    # --- the steps -------------------------------------------------------------
    def log_in(self) -> None:
        page = self.http.get(self.hub.url + "/hub/login", timeout=self.timeout)
        token = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        if page.status_code != 200 or not token:
            raise LearnerError(f"the log-in page: HTTP {page.status_code}, XSRF token found: {bool(token)}")
        r = self.http.post(self.hub.url + "/hub/login", allow_redirects=False, timeout=self.timeout,
                           data={"username": self.name, "password": self.hub.password, "_xsrf": token.group(1)})
        if r.status_code != 302 or not any(c.name.startswith("jupyterhub-session") for c in self.http.cookies):
            raise LearnerError(f"log-in refused: HTTP {r.status_code} {r.text[:200]}")

    def open_link(self, link: str) -> None:
        """Follow the nbgitpuller link until nbgitpuller's page answers from the learner's own server."""
        limit = min(self.timeout, self.hub.start_timeout + 30)
        deadline = time.monotonic() + limit
        while True:
            r = self.http.get(link, timeout=self.timeout)
            path = urlsplit(r.url).path
            if r.status_code == 200 and path == f"/user/{self.name}/git-pull":
                if "data-repo=" not in r.text:
                    raise LearnerError("nbgitpuller's page has no data-repo: is nbgitpuller enabled?")
                return
            if time.monotonic() > deadline:
                raise LearnerError(f"the server did not start within {limit:g} s (last: HTTP "
                                   f"{r.status_code} at {path})")
            if "spawn-pending" not in path and r.status_code not in (200, 202, 424, 503):
                raise LearnerError(f"following the link: HTTP {r.status_code} at {path}: {r.text[:200]}")
            time.sleep(1.0)      # the spawn-pending page; a browser's page polls the progress likewise

    def pull(self) -> None:
        """What nbgitpuller's page does next: its pull API, as a stream of events."""
        query = f"repo={quote(self.hub.repo_url, safe='')}&branch=main&targetpath={loopback.FOLDER}"
        with self.http.get(f"{self.prefix}/git-pull/api?{query}", stream=True, timeout=self.timeout) as r:
            events = [json.loads(line[6:]) for line in r.iter_lines(decode_unicode=True)
                      if line and line.startswith("data: ")]
        if not events or events[-1].get("phase") != "finished":
            raise LearnerError(f"the pull did not finish: {events[-3:]}")

    def open_notebook(self, notebook: str) -> tuple[dict, HubKernelChannel]:
        rel = f"{loopback.FOLDER}/notebooks/{notebook}"
        page = self.http.get(f"{self.prefix}/lab/tree/{rel}", timeout=self.timeout)
        if page.status_code != 200:
            raise LearnerError(f"JupyterLab page: HTTP {page.status_code}")
        nb = self.api("GET", f"/api/contents/{rel}?content=1")["content"]
        session = self.api("POST", "/api/sessions", {"path": rel, "type": "notebook", "name": notebook,
                                                     "kernel": {"name": "python3"}})
        ws = self.prefix.replace("http://", "ws://") + f"/api/kernels/{session['kernel']['id']}/channels"
        channel = HubKernelChannel(ws, self._cookie_header(), self._xsrf(), self.timeout)
        channel.wait(channel.send("kernel_info_request", {}), reply=True)
        return dict(nb=nb, session=session), channel

    def run_cells(self, opened: dict, channel: HubKernelChannel) -> None:
        for cell in opened["nb"]["cells"]:
            if cell["cell_type"] == "code":
                channel.execute(cell["source"], timeout=self.timeout)

    def check_course_copy(self, channel: HubKernelChannel) -> None:
        out = channel.execute("import course_lib as _c, json as _j; print(_j.dumps(_c.__file__)); del _c, _j",
                              timeout=self.timeout, store_history=False)
        where = Path(json.loads(out["stdout"].strip().splitlines()[-1])).resolve()
        mine = (self.hub.home(self.name) / loopback.FOLDER).resolve()
        if mine not in where.parents:
            raise LearnerError(f"the kernel imported course_lib from {where}, not from the learner's copy {mine}")

    def slider_session(self, channel: HubKernelChannel) -> None:
        _, changes, round_trip_ms, problems = bench.slider_session(channel, timeout=self.timeout,
                                                                   max_changes=self.max_changes)
        self.slider_ms += round_trip_ms
        self.changes += changes
        if problems:
            raise LearnerError("slider changes did not arrive: " + "; ".join(problems))

    def close(self, opened: dict | None, channel: HubKernelChannel | None) -> None:
        if channel is not None:
            channel.close()
        if opened is not None:
            self.api("DELETE", f"/api/sessions/{opened['session']['id']}")     # shuts the kernel down


# ===========================================================================
# Memory and CPU of everything the hub started, from /proc
# ===========================================================================
def _kind(proc) -> str:
    cmd = " ".join(proc.cmdline())
    if "ipykernel" in cmd:
        return "kernels"
    if "jupyterhub-singleuser" in cmd:
        return "servers"
    if "configurable-http-proxy" in cmd:
        return "proxy"
    if "bin/jupyterhub " in cmd + " ":
        return "hub"
    return "other (git, data checks)"


class Sampler(bench.BackgroundSampler):
    """Every SAMPLE_S: resident memory by kind (and PSS every PSS_EVERY samples), CPU seconds per process."""

    KINDS = ("hub", "proxy", "servers", "kernels", "other (git, data checks)")

    def __init__(self, hub: loopback.LoopbackHub):
        self.hub = hub
        self.kinds: dict[int, str] = {}
        self.owner: dict[int, str] = {}           # server pid -> learner
        self.cpu: dict[int, float] = {}
        self.peak_rss = {k: 0.0 for k in self.KINDS}
        self.peak_total_rss = self.peak_total_pss = 0.0
        self.peak_learner_mb = 0.0                 # largest server + its kernels, resident
        self.snapshots: dict[str, dict] = {}
        super().__init__()

    def _learner_of(self, proc) -> str | None:
        import psutil

        for p in [proc] + proc.parents():
            if self.kinds.get(p.pid) == "servers":
                if p.pid not in self.owner:
                    try:
                        self.owner[p.pid] = p.environ().get("JUPYTERHUB_USER", "?")
                    except psutil.Error:
                        return None
                return self.owner[p.pid]
        return None

    def sample(self, pss: bool = False) -> dict:
        import psutil

        rss = {k: 0.0 for k in self.KINDS}
        pss_by_kind = {k: 0.0 for k in self.KINDS}
        per_learner: dict[str, dict] = {}
        total_pss = 0.0
        for p in self.hub.processes():
            try:
                if p.pid not in self.kinds:
                    self.kinds[p.pid] = _kind(p)
                kind = self.kinds[p.pid]
                mem = p.memory_info().rss / 2**20
                times = p.cpu_times()
                self.cpu[p.pid] = times.user + times.system
                rss[kind] += mem
                if pss:
                    value = p.memory_full_info().pss / 2**20
                    total_pss += value
                    pss_by_kind[kind] += value
                if kind in ("servers", "kernels"):
                    learner = self._learner_of(p)
                    if learner:
                        entry = per_learner.setdefault(learner, {"servers": 0.0, "kernels": 0.0})
                        entry[kind] += mem
            except psutil.Error:
                continue
        for k in self.KINDS:
            self.peak_rss[k] = max(self.peak_rss[k], rss[k])
        self.peak_total_rss = max(self.peak_total_rss, sum(rss.values()))
        if pss:
            self.peak_total_pss = max(self.peak_total_pss, total_pss)
        for entry in per_learner.values():
            self.peak_learner_mb = max(self.peak_learner_mb, entry["servers"] + entry["kernels"])
        return dict(rss=rss, pss=total_pss, pss_by_kind=pss_by_kind, per_learner=per_learner)

    def snapshot(self, label: str) -> None:
        self.snapshots[label] = self.sample(pss=True)

    def cpu_by_kind(self) -> dict[str, float]:
        out = {k: 0.0 for k in self.KINDS}
        for pid, seconds in self.cpu.items():
            out[self.kinds[pid]] += seconds
        return out

    def _run(self) -> None:
        count = 0
        while not self._stop.wait(SAMPLE_S):
            count += 1
            try:
                self.sample(pss=count % PSS_EVERY == 0)
            except Exception:       # noqa: BLE001  the sampler must not end the load test
                traceback.print_exc()


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


# ===========================================================================
# The room
# ===========================================================================
def heaviest_notebook() -> str:
    """The notebook with the largest full-run CPU (kernel + server) in the sizing table (benchmarks/hub_sizing.md)."""
    block = bench.read_block(bench.SIZING_FILE) or ""
    best, best_cpu = "05_synthesis.ipynb", -1.0
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 1 + len(bench.MEASURED_COLUMNS) and cells[0].endswith(".ipynb"):
            try:
                cpu = float(cells[3]) + float(cells[4])
            except ValueError:
                continue
            if cpu > best_cpu and (ROOT / "notebooks" / cells[0]).exists():
                best, best_cpu = cells[0], cpu
    return best


def learner_flow(learner: Learner, link: str, first: str, heavy: str | None, start_at: float,
                 room: threading.Barrier, done: threading.Barrier, sampler: Sampler) -> None:
    """One learner's class: arrive, log in, pull, run, sliders; then the whole room runs ``heavy`` at once."""
    def step(name, function, *args):
        return learner._timed(name, function, *args)

    ok = True
    time.sleep(max(0.0, start_at - time.monotonic()))
    opened = channel = None
    try:
        step("log in", learner.log_in)
        step("spawn", learner.open_link, link)
        step("pull", learner.pull)
        opened, channel = step("open", learner.open_notebook, first)
        step("run", learner.run_cells, opened, channel)
        learner.check_course_copy(channel)
        step("sliders", learner.slider_session, channel)
        learner.kernel_peaks[first] = channel.probe()["peak_mb"]
        if heavy is None:                        # no common run (the smoke test): read memory with the kernel open
            sampler.snapshot(f"{learner.name} done")
        learner.close(opened, channel)
        opened = channel = None
    except Exception as exc:       # noqa: BLE001  every failure is reported, none ends the room
        ok = False
        learner.failures.append(f"{type(exc).__name__}: {exc}"[:500])
        try:
            learner.close(opened, channel)
        except Exception:          # noqa: BLE001
            pass
    try:
        room.wait(timeout=DEADLINE_S)
    except threading.BrokenBarrierError:
        learner.failures.append("the room did not gather for the common run (deadline)")
        return
    opened = channel = None
    try:
        if ok and heavy is not None:
            opened, channel = step("open heavy", learner.open_notebook, heavy)
            step("run heavy", learner.run_cells, opened, channel)
            learner.kernel_peaks[heavy] = channel.probe()["peak_mb"]
    except Exception as exc:       # noqa: BLE001
        learner.failures.append(f"{heavy}: {type(exc).__name__}: {exc}"[:500])
    try:
        if done.wait(timeout=DEADLINE_S) == 0:
            sampler.snapshot("everyone's heavy kernel open")
        done.wait(timeout=DEADLINE_S)
    except threading.BrokenBarrierError:
        pass
    try:
        learner.close(opened, channel)
    except Exception as exc:       # noqa: BLE001
        learner.failures.append(f"closing {heavy}: {exc}"[:300])


def _pct(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    p50, p95 = bench.percentiles(values)
    return p50, p95, max(values)


def run_room(n: int, stagger_s: float = STAGGER_S, first: str = "00_start_here.ipynb",
             heavy: str | None = None, keep: Path | None = None, common_run: bool = True,
             max_changes: int | None = None) -> dict:
    """Start a hub, run the class, stop the hub. Returns everything measured (see :func:`report`).

    ``common_run=False`` leaves out the whole room's run of ``heavy``; ``max_changes`` shortens
    every slider session (both for the smoke test, tests/test_hub_live.py).
    """
    heavy = (heavy or heaviest_notebook()) if common_run else None
    work = Path(tempfile.mkdtemp(prefix="hub-load-")) if keep is None else keep
    hub = loopback.LoopbackHub(work, learners=n)
    t0 = time.monotonic()
    hub.start()
    hub_start_s = time.monotonic() - t0
    link = hub_link(hub.url, notebook=first, repo=hub.repo_url)
    learners = [Learner(hub, f"learner{i + 1:02d}", max_changes=max_changes) for i in range(n)]
    room, done = threading.Barrier(n), threading.Barrier(n)
    load_before = os.getloadavg()
    cpu0, self0 = machine_cpu(), os.times()
    result = dict(n=n, first=first, heavy=heavy, hub_start_s=hub_start_s, stagger_s=stagger_s, work=str(work))
    try:
        with Sampler(hub) as sampler:
            sampler.snapshot("hub started")
            start = time.monotonic() + 1.0
            threads = [threading.Thread(target=learner_flow, daemon=True, name=learner.name,
                                        args=(learner, link, first, heavy, start + i * stagger_s / max(n, 1),
                                              room, done, sampler))
                       for i, learner in enumerate(learners)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + DEADLINE_S
            for t in threads:
                t.join(timeout=max(0.0, deadline - time.monotonic()))
            if any(t.is_alive() for t in threads):
                room.abort()
                done.abort()
                result["deadline"] = f"the load test hit its deadline of {DEADLINE_S:g} s"
            wall = time.monotonic() - start
            sampler.snapshot("end")
        cpu1, self1 = machine_cpu(), os.times()
        result.update(wall_s=wall, load_before=load_before, load_after=os.getloadavg(),
                      machine_busy=(cpu1[0] - cpu0[0]) / max(cpu1[1] - cpu0[1], 1) * bench.cpu_count(),
                      driver_cpu_s=(self1.user - self0.user) + (self1.system - self0.system),
                      cpu=sampler.cpu_by_kind(), peak_rss=sampler.peak_rss,
                      peak_total_rss=sampler.peak_total_rss, peak_total_pss=sampler.peak_total_pss,
                      peak_learner_mb=sampler.peak_learner_mb, snapshots=sampler.snapshots,
                      learners=learners, pids=dict(sampler.kinds))
    finally:
        hub.stop()
        if keep is None and not any(learner.failures for learner in learners):
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    return result


def report(r: dict) -> bool:
    """Print the room's tables; True if no step of any learner failed."""
    learners: list[Learner] = r["learners"]
    n = r["n"]
    print(f"== Hub load test: {n} learners on a real JupyterHub (127.0.0.1), starts spread over "
          f"{r['stagger_s']:g} s; then everyone runs {r['heavy']} at once")
    print(f"   JupyterHub, configurable-http-proxy, SimpleLocalProcessSpawner; lean server settings "
          f"({len(loopback.LEAN_SERVER_ARGS)} flags, tools/hub/loopback.py); hub started in {r['hub_start_s']:.1f} s")
    print(f"   load average before {r['load_before'][0]:.2f}, after {r['load_after'][0]:.2f} (1 min); "
          f"the room took {r['wall_s']:.0f} s")
    print()
    cols = [("log in", "log in s"), ("spawn", "spawn s"), ("pull", "pull s"), ("open", "open s"),
            ("run", f"run {r['first'][:2]} s"), ("sliders", "sliders s"), ("run heavy", f"run {r['heavy'][:2]} s")]
    headers = ["learner"] + [h for _, h in cols] + ["changes", "slider p50 ms", "slider p95 ms",
                                                     f"kernel peak {r['first'][:2]} MB",
                                                     f"kernel peak {r['heavy'][:2]} MB", "failures"]
    rows = []
    for lr in learners:
        p50, p95, _ = _pct(lr.slider_ms)
        rows.append([lr.name] + [f"{lr.times[k]:.1f}" if k in lr.times else "-" for k, _ in cols]
                    + [lr.changes, f"{p50:.0f}", f"{p95:.0f}",
                       f"{lr.kernel_peaks.get(r['first'], float('nan')):.0f}",
                       f"{lr.kernel_peaks.get(r['heavy'], float('nan')):.0f}", len(lr.failures)])
    summary = []
    for label, pick in (("median", 0), ("p95", 1), ("max", 2)):
        row = [label]
        for k, _ in cols:
            row.append(f"{_pct([lr.times[k] for lr in learners if k in lr.times])[pick]:.1f}")
        all_ms = [ms for lr in learners for ms in lr.slider_ms]
        row += [sum(lr.changes for lr in learners) if pick == 0 else "",
                f"{_pct(all_ms)[pick]:.0f}" if pick < 2 else f"{_pct(all_ms)[2]:.0f}",
                f"{_pct([_pct(lr.slider_ms)[1] for lr in learners if lr.slider_ms])[pick]:.0f}",
                f"{_pct([lr.kernel_peaks[r['first']] for lr in learners if r['first'] in lr.kernel_peaks])[pick]:.0f}",
                f"{_pct([lr.kernel_peaks[r['heavy']] for lr in learners if r['heavy'] in lr.kernel_peaks])[pick]:.0f}",
                sum(len(lr.failures) for lr in learners) if pick == 0 else ""]
        summary.append(row)
    bench.print_table(headers, rows + [["-" * 7] + [""] * (len(headers) - 1)] + summary)
    print("   spawn = following the link until nbgitpuller's page answers from the learner's new server; "
          "pull = nbgitpuller's clone;")
    print("   open = JupyterLab page + contents + new kernel; slider = one widget message through the proxy "
          "until the kernel is idle again;")
    print("   summary rows: over learners (slider p50 column: over every change of every learner)")
    print()

    heavy_snap = r["snapshots"].get("everyone's heavy kernel open")
    print("Memory (MB, from /proc; RSS counts shared libraries in every process, PSS shares them out):")
    mem_rows = [[k, f"{r['peak_rss'][k]:.0f}"] for k in Sampler.KINDS]
    bench.print_table(["processes", "peak RSS MB"], mem_rows + [["all", f"{r['peak_total_rss']:.0f}"]])
    print(f"   peak total PSS (the machine's real use by the hub and the room): {r['peak_total_pss']:.0f} MB; "
          f"largest learner (server + kernels, RSS): {r['peak_learner_mb']:.0f} MB")
    if heavy_snap:
        per = [e["servers"] + e["kernels"] for e in heavy_snap["per_learner"].values()]
        servers = [e["servers"] for e in heavy_snap["per_learner"].values()]
        kernels = [e["kernels"] for e in heavy_snap["per_learner"].values()]
        by_kind = heavy_snap["pss_by_kind"]
        learners_pss = by_kind["servers"] + by_kind["kernels"]
        print(f"   with everyone's {r['heavy']} kernel open ({len(per)} learners): total PSS "
              f"{heavy_snap['pss']:.0f} MB (hub {by_kind['hub']:.0f}, proxy {by_kind['proxy']:.0f}, servers "
              f"{by_kind['servers']:.0f}, kernels {by_kind['kernels']:.0f}) = "
              f"{learners_pss / max(len(per), 1):.0f} MB PSS per learner;")
        print(f"   RSS per learner median {statistics.median(per):.0f} MB (server {statistics.median(servers):.0f}"
              f" + kernel {statistics.median(kernels):.0f}), max {max(per):.0f} MB")
        r["per_learner_pss"] = learners_pss / max(len(per), 1)
        r["per_learner_rss"] = statistics.median(per)
    print()
    cpu = r["cpu"]
    print(f"CPU seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
          + f"; this load generator {r['driver_cpu_s']:.0f}")
    print(f"   the whole machine was {r['machine_busy']:.2f} cores busy on average over {r['wall_s']:.0f} s "
          f"(of {bench.cpu_count()}; includes the load generator and anything else running)")
    print()
    failures = [(lr.name, f) for lr in learners for f in lr.failures]
    if r.get("deadline"):
        failures.append(("room", r["deadline"]))
    if failures:
        print(f"FAILURES ({len(failures)}):")
        for name, f in failures:
            print(f"   {name}: {f}")
        print(f"   (hub log and homes kept in {r['work']})")
    else:
        print(f"No failures: {n} spawns, {n} pulls, every cell of {2 * n} notebook runs and "
              f"{sum(lr.changes for lr in learners)} slider changes.")
    print()
    compare_with_sizing(r)
    return not failures


def compare_with_sizing(r: dict) -> None:
    """What the sizing table (benchmarks/hub_sizing.md) predicts for this room, next to what was measured."""
    block = bench.read_block(bench.SIZING_FILE)
    if not block:
        return
    match = re.search(r"\| " + str(r["n"]) + r" \| ([\d.]+) \| (\d+) \| (\d+) \| (\d+) \|", block)
    heavy = [lr.times["run heavy"] for lr in r["learners"] if "run heavy" in lr.times]
    print(f"Against the sizing table (benchmarks/hub_sizing.md) for {r['n']} learners:")
    if match:
        print(f"   predicted RAM {match.group(1)} GB (with headroom and the hub) -> measured peak: "
              f"{r['peak_total_pss'] / 1024:.1f} GB PSS, {r['peak_total_rss'] / 1024:.1f} GB summed RSS")
        print(f"   predicted cores for the whole room running a notebook within a minute: {match.group(3)} -> "
              f"measured on {bench.cpu_count()} cores: the room's common run took "
              f"{max(heavy) if heavy else float('nan'):.0f} s for the last learner "
              f"(median {statistics.median(heavy) if heavy else float('nan'):.0f} s)")
    else:
        print(f"   (the table has no row for {r['n']} learners)")
    print()


def main(n: int, stagger_s: float = STAGGER_S, keep: Path | None = None) -> int:
    reason = loopback.node_missing()
    if reason:
        print(f"hub load test not run: {reason}", file=sys.stderr)
        return 2
    result = run_room(n, stagger_s=stagger_s, keep=keep)
    return 0 if report(result) else 2


# ===========================================================================
# What each single-user server setting saves
# ===========================================================================
ALL_EXTENSIONS = ("jupyter_lsp", "jupyter_server_terminals", "notebook_shim", "notebook")


def settings_variants() -> dict[str, list[str]]:
    """Server arguments to compare: everything installed on, the lean set, and the lean set minus one flag."""
    lean = loopback.LEAN_SERVER_ARGS
    variants = {"all extensions on (the environment's default)": []}
    for flag in lean:
        variants[f"only {flag.split('--', 1)[1]}"] = [flag]
    variants["lean (tools/hub/loopback.py, the guide)"] = list(lean)
    return variants


def measure_settings(runs: int = 1) -> list[dict]:
    """One learner per variant on one hub: spawn, JupyterLab page, run notebook 00, shut its kernel; the server's memory."""
    import psutil

    variants = settings_variants()
    names = {f"settings{i:02d}": label for i, label in enumerate(variants)}
    args = {name: variants[label] for name, label in names.items()}
    work = Path(tempfile.mkdtemp(prefix="hub-settings-"))
    hub = loopback.LoopbackHub(work, learners=len(names), args_by_user=args)
    rows = []
    hub.start()
    try:
        link = hub_link(hub.url, repo=hub.repo_url)
        for name, label in names.items():           # one at a time: the memory of each, not of a crowd
            learner = Learner(hub, name, timeout=300)
            learner.log_in()
            t0 = time.perf_counter()
            learner.open_link(link)
            spawn_s = time.perf_counter() - t0
            learner.pull()
            server = next(p for p in hub.processes() if "jupyterhub-singleuser" in " ".join(p.cmdline())
                          and p.environ().get("JUPYTERHUB_USER") == name)
            start_mb = server.memory_info().rss / 2**20
            opened, channel = learner.open_notebook("00_start_here.ipynb")
            learner.run_cells(opened, channel)
            learner.close(opened, channel)
            status = Path(f"/proc/{server.pid}/status").read_text().splitlines()
            hwm = int(next(x for x in status if x.startswith("VmHWM:")).split()[1]) / 2**10
            rows.append(dict(label=label, spawn_s=spawn_s, start_mb=start_mb,
                             rss_mb=server.memory_info().rss / 2**20, hwm_mb=hwm,
                             pss_mb=server.memory_full_info().pss / 2**20))
            hub_api_stop(hub, learner)
    except psutil.Error as exc:
        raise RuntimeError(f"reading a server's memory failed: {exc}") from exc
    finally:
        hub.stop()
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return rows


def hub_api_stop(hub: loopback.LoopbackHub, learner: Learner) -> None:
    """Stop the learner's server as the hub's own page does (DELETE /hub/api/users/<name>/server)."""
    xsrf = next((c.value for c in learner.http.cookies if c.name == "_xsrf" and c.path.startswith("/hub")), "")
    learner.http.delete(f"{hub.url}/hub/api/users/{learner.name}/server", headers={"X-XSRFToken": xsrf},
                        timeout=60)


def report_settings(rows: list[dict]) -> None:
    print("== Single-user server settings: one learner's jupyterhub-singleuser after the JupyterLab page and a run "
          "of 00_start_here.ipynb (kernel shut down)")
    base = rows[0]["rss_mb"]
    bench.print_table(["settings", "spawn s", "RSS at start MB", "RSS after MB", "peak (VmHWM) MB", "PSS after MB",
                       "saves (RSS) MB"],
                      [[r["label"], f"{r['spawn_s']:.1f}", f"{r['start_mb']:.0f}", f"{r['rss_mb']:.0f}",
                        f"{r['hwm_mb']:.0f}", f"{r['pss_mb']:.0f}", f"{base - r['rss_mb']:.0f}"] for r in rows])
    print("   saves = RSS after, all extensions on, minus RSS after with these settings; one run each, "
          "so differences of 1-2 MB are noise")
    print()
