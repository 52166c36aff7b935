"""Shared test set-up: a hermetic Jupyter environment for nbval and browser tests."""
import os
import sys
import tempfile
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError as exc:  # handled in the fixture: skip, or fail under COURSE_REQUIRE_BROWSER=1
    sync_playwright = None
    PLAYWRIGHT_IMPORT_ERROR = repr(exc)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # tools/*.py are importable by name in tests (build_site, repository, ...)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def pytest_configure(config):
    # Kernels started by nbval inherit this environment: keep Jupyter, IPython
    # and matplotlib from writing to (or reading from) the user's home.
    home = Path(tempfile.mkdtemp(prefix="course-test-home-"))
    for var, sub in [("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
                     ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl"),
                     ("XDG_CACHE_HOME", "cache")]:  # course_lib.data's record of checked files
        os.environ.setdefault(var, str(home / sub))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def browser_unavailable(reason: str):
    """Skip a browser test, or fail it when CI requires the browser (COURSE_REQUIRE_BROWSER=1)."""
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (COURSE_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser), one per test module.

    Playwright's sync API marks an asyncio loop as running in this thread while it
    is started, so it is stopped when the module is done.
    """
    import browser_helpers as bh

    if sync_playwright is None:
        browser_unavailable(f"the playwright package cannot be imported ({PLAYWRIGHT_IMPORT_ERROR})")
    if not bh.CHROMIUM.exists():
        browser_unavailable(f"{bh.CHROMIUM} not found (install Debian's chromium; "
                            "no Playwright browser download is used)")
    pw = sync_playwright().start()
    try:
        b = bh.launch_browser(pw)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()
