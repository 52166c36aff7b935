"""The course's public repository URL, read from the README, and the Binder links built from it.

The README names the repository once, on a line ``Repository: https://github.com/OWNER/NAME``.
Every Binder badge in the README, the static site's links (tools/build_site.py) and the
hub link (tools/hub_link.py) are built from that one line, so moving the repository means
changing it there (and in CITATION.cff).
"""
from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


class RepositoryError(ValueError):
    """The README does not name the repository exactly once."""


def repository_url(readme: str | Path | None = None) -> str:
    """The URL on the README's single ``Repository:`` line.

    ``readme`` is the README's text or a path to it (default: this checkout's README.md).
    """
    if readme is None or isinstance(readme, Path):
        path = README if readme is None else readme
        text = path.read_text(encoding="utf-8")
    else:
        path, text = "README.md", readme
    named = re.findall(r"^Repository: (https://github\.com/[\w.-]+/[\w.-]+)", text, re.M)
    if len(named) != 1:
        raise RepositoryError(f"{path} should name the repository once, on a line "
                              f"'Repository: https://github.com/OWNER/NAME' (found {len(named)})")
    return named[0]


def binder_url(notebook: str, readme: str | Path | None = None) -> str:
    """The Binder link that opens ``notebooks/<notebook>`` in JupyterLab (the README's badges use it)."""
    owner_repo = repository_url(readme).removeprefix("https://github.com/")
    return f"https://mybinder.org/v2/gh/{owner_repo}/HEAD?urlpath=lab/tree/notebooks/{urllib.parse.quote(notebook)}"
