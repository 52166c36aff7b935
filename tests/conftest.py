"""Shared test set-up: a hermetic Jupyter environment for nbval and browser tests."""
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def pytest_configure(config):
    # Kernels started by nbval inherit this environment: keep Jupyter, IPython
    # and matplotlib from writing to (or reading from) the user's home.
    home = Path(tempfile.mkdtemp(prefix="course-test-home-"))
    for var, sub in [("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
                     ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")]:
        os.environ.setdefault(var, str(home / sub))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
