"""Helpers for tests/test_browser.py: a throwaway JupyterLab server and JupyterLab-aware page actions.

Kept free of pytest so the pieces can be driven from a plain script while
debugging. The page actions need the server's ``--LabApp.expose_app_in_browser``
(``window.jupyterapp``), which :class:`LabServer` sets.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Measured in shared/notes/toolchain.md section 4; no Playwright-downloaded browser is used.
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

# JupyterLab user settings written into the server's throwaway settings dir.
USER_SETTINGS = {
    # No news/update toasts over the notebook (they need the network and cover screenshots).
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"checkForUpdates": False, "fetchNews": "false"},
}


def stop_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process started with ``start_new_session=True`` and everything it started."""
    import signal

    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` on a free port, serving ``root_dir``, with every Jupyter/IPython dir in ``work_dir``."""

    def __init__(self, root_dir: Path, work_dir: Path):
        self.root_dir = Path(root_dir)
        self.work_dir = Path(work_dir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.work_dir / "jupyter-lab.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    # --- lifecycle -----------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        w = self.work_dir
        for sub in ("config", "data", "runtime", "ipython", "mpl", "workspaces", "user-settings"):
            (w / sub).mkdir(parents=True, exist_ok=True)
        for rel, values in USER_SETTINGS.items():
            path = w / "user-settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ)
        # JUPYTER_DATA_DIR only replaces the *user* data dir; {sys.prefix}/share/jupyter (lab
        # extensions, kernelspec) is still on the search path.
        env.update(JUPYTER_CONFIG_DIR=str(w / "config"), JUPYTER_DATA_DIR=str(w / "data"),
                   JUPYTER_RUNTIME_DIR=str(w / "runtime"), IPYTHONDIR=str(w / "ipython"),
                   MPLCONFIGDIR=str(w / "mpl"),
                   PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip", "127.0.0.1",
               "--port", str(self.port), f"--ServerApp.token={self.token}",
               f"--ServerApp.root_dir={self.root_dir}", "--ServerApp.port_retries=0",
               # window.jupyterapp: run commands and read kernel state without scraping menus.
               "--LabApp.expose_app_in_browser=True",
               f"--LabApp.workspaces_dir={w / 'workspaces'}",
               f"--LabApp.user_settings_dir={w / 'user-settings'}"]
        if hasattr(os, "getuid") and os.getuid() == 0:
            cmd.append("--allow-root")
        # Output goes to a file, never a pipe: a full pipe would block the server.
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.root_dir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.stop()  # closes the log file too
                raise RuntimeError(f"jupyter lab exited with code {code} before answering;"
                                   f" log:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status", timeout=2)
                return
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"jupyter lab did not answer /api/status within {timeout:.0f} s;"
                                   f" log:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    # --- REST ----------------------------------------------------------------
    def api(self, method: str, path: str, body=None, timeout: float = 10):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def shutdown_all_kernels(self, timeout: float = 15.0) -> None:
        """Delete every session and kernel, and wait until the server lists none."""
        for s in self.api("GET", "/api/sessions"):
            try:
                self.api("DELETE", f"/api/sessions/{s['id']}")
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise
        for k in self.api("GET", "/api/kernels"):
            try:
                self.api("DELETE", f"/api/kernels/{k['id']}")
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise
        deadline = time.monotonic() + timeout
        while self.api("GET", "/api/kernels") or self.api("GET", "/api/sessions"):
            if time.monotonic() > deadline:
                raise RuntimeError("kernels still running after shutdown: "
                                   f"{self.api('GET', '/api/kernels')}")
            time.sleep(0.2)


def copy_notebooks(src: Path, dest: Path) -> Path:
    """A throwaway copy of the notebooks folder (no checkpoints) to serve as the server root."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def make_workdir(prefix: str = "course-browser-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


# --- JupyterLab page actions (all rely on window.jupyterapp) -----------------

JS_CURRENT_NOTEBOOK = """
(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  const w = app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path || !w.content || !w.sessionContext) return null;
  if (!w.context.isReady) return null;
  return w.id;
}
"""

# Resolves when every cell has run (NotebookActions.runAll), or with an error after ms.
JS_RUN_ALL = """
async (ms) => {
  const app = window.jupyterapp;
  const run = app.commands.execute('notebook:run-all-cells').then(ok => ({done: true, ok}));
  const timer = new Promise(r => setTimeout(() => r({done: false, ok: false}), ms));
  return await Promise.race([run, timer]);
}
"""

# Per-cell summary from the notebook model (independent of what is on screen).
JS_CELLS = """
() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.map((cell, i) => {
    const m = cell.model;
    const out = {index: i, type: m.type, source: m.sharedModel.getSource(), executionCount: null, outputs: []};
    if (m.type === 'code') {
      out.executionCount = m.executionCount;
      out.outputs = m.outputs.toJSON();
    }
    return out;
  });
}
"""

JS_KERNEL_IDLE = """
() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}
"""

# Widget outputs not rendered yet, or rendered as an error, in the notebook with DOM id ``wid``.
JS_WIDGET_PROBLEMS = """
(wid) => {
  const root = document.getElementById(wid);
  const out = {loading: [], errors: []};
  root.querySelectorAll('.jp-Cell').forEach((cell, i) => {
    cell.querySelectorAll('.jp-OutputArea-output').forEach(o => {
      const text = o.textContent || '';
      if (text.includes('Loading widget...')) out.loading.push(i);
      if (text.includes('Error displaying widget') || o.querySelector('.jupyter-widgets-error-widget'))
        out.errors.push(`cell ${i}: ${text.trim().slice(0, 300)}`);
    });
  });
  return out;
}
"""

# Rendered error/stderr outputs in the DOM (a second opinion next to the notebook model).
JS_DOM_ERRORS = """
(wid) => {
  const root = document.getElementById(wid);
  const found = [];
  root.querySelectorAll('.jp-Cell').forEach((cell, i) => {
    cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]').forEach(
      o => found.push(`cell ${i} error output: ${(o.textContent || '').trim().slice(0, 500)}`));
    cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').forEach(o => {
      const t = o.textContent || '';
      if (t.includes('Traceback')) found.push(`cell ${i} rendered traceback: ${t.trim().slice(0, 500)}`);
    });
  });
  return found;
}
"""

# Watches the comm messages the page sends to the kernel and the kernel's "idle" replies
# to them, so a test knows when a widget change has made its round trip (no fixed sleeps).
JS_TRACK_INSTALL = """
() => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  if (!window.__courseTrack || window.__courseTrack.kernel !== k) {
    const t = {kernel: k, sent: new Set(), done: new Set(), last: performance.now()};
    k.anyMessage.connect((_, a) => {
      const m = a.msg;
      if (a.direction === 'send' && m.header.msg_type === 'comm_msg') {
        t.sent.add(m.header.msg_id); t.last = performance.now();
      } else if (a.direction === 'recv' && m.header.msg_type === 'status'
                 && m.content.execution_state === 'idle' && m.parent_header
                 && t.sent.has(m.parent_header.msg_id)) {
        t.done.add(m.parent_header.msg_id); t.last = performance.now();
      }
    });
    window.__courseTrack = t;
  }
  window.__courseTrack.sent.clear();
  window.__courseTrack.done.clear();
  window.__courseTrack.last = performance.now();
}
"""

# true once at least one comm message was sent, every one was answered, and nothing
# happened for quiet_ms (ipywidgets holds back changes while one is pending).
JS_TRACK_SETTLED = """
(quiet_ms) => {
  const t = window.__courseTrack;
  if (!t || t.sent.size === 0) return false;
  for (const id of t.sent) if (!t.done.has(id)) return false;
  return performance.now() - t.last >= quiet_ms;
}
"""

JS_TRACK_SENT = "() => window.__courseTrack ? window.__courseTrack.sent.size : 0"

JS_IMG_LOADED = "(img) => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0"
