"""Print the nbgitpuller link that pulls this course into a learner's home on a JupyterHub.

    python tools/hub_link.py https://hub.example.org
    python tools/hub_link.py https://hub.example.org --notebook 02_th2_inflammation.ipynb
    python tools/hub_link.py https://hub.example.org/prefix --branch main --app notebook

The link has nbgitpuller's documented form (its link generator builds the same):

    <hub>/hub/user-redirect/git-pull?repo=<repository>&branch=<branch>&urlpath=<where to open>

``user-redirect`` sends each learner to their own server. There nbgitpuller's
``git-pull`` page clones the repository into ``~/<folder>`` on the first click
and merges new commits on later clicks (a learner's own edits are kept: see
notebooks/workshop_hub.md), then opens ``urlpath``. ``<folder>`` is the last
part of the repository URL, the rule nbgitpuller's handler uses when the link
has no ``targetpath``; the hub's PYTHONPATH must point at that folder.

The repository URL is read from the README's ``Repository:`` line, the same
line every Binder badge is built from (tests/test_repository.py checks them).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/ (when loaded by path)
import repository  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# JupyterLab opens a file at lab/tree/<path>; Jupyter Notebook 7 at notebooks/<path>
# (the two prefixes nbgitpuller's own handler uses for a notebook). "notebook" needs
# the `notebook` package on the hub, which requirements/course.lock does not install.
APPS = {"lab": "lab/tree", "notebook": "notebooks"}


class HubLinkError(ValueError):
    """The hub URL, branch or notebook given cannot make a working link."""


def target_folder(repo: str) -> str:
    """The folder nbgitpuller clones ``repo`` into, under the server's root (the learner's home).

    nbgitpuller (1.3.0, ``handlers.py``) uses the last part of the repository
    URL when the link has no ``targetpath``.
    """
    return repo.rstrip("/").split("/")[-1]


def check_hub_url(hub: str) -> str:
    """The hub's base URL without a trailing slash; raises :class:`HubLinkError` if unusable."""
    parts = urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HubLinkError(f"the hub URL must start with https:// (or http://) and name a host, "
                           f"e.g. https://hub.example.org; got {hub!r}")
    if parts.query or parts.fragment or hub.rstrip().endswith(("?", "#")):
        raise HubLinkError(f"give the hub's address only, without '?...' or '#...'; got {hub!r}")
    if any(c.isspace() for c in hub):
        raise HubLinkError(f"the hub URL contains a space; got {hub!r}")
    path = parts.path.rstrip("/")
    segments = path.split("/")
    if {"hub", "user", "lab", "tree"} & set(segments):
        raise HubLinkError("give the hub's address only, the part before /hub/login "
                           f"(the link adds /hub/user-redirect/...); got {hub!r}")
    return f"{parts.scheme}://{parts.netloc}{path}"


def hub_link(hub: str, *, branch: str = "main", notebook: str = "00_start_here.ipynb", app: str = "lab",
             repo: str | None = None) -> str:
    """The nbgitpuller link for this course on the JupyterHub at ``hub``.

    ``repo``: the repository to pull (default: the README's ``Repository:`` line);
    the load test passes a local bare clone (``file://...``) so that no network is used.
    """
    base = check_hub_url(hub)
    repo = repository.repository_url() if repo is None else repo
    if app not in APPS:
        raise HubLinkError(f"app must be one of {', '.join(APPS)}; got {app!r}")
    if not branch or any(c.isspace() for c in branch) or branch.startswith("-"):
        raise HubLinkError(f"not a usable branch name: {branch!r}")
    if "/" in notebook or not (NOTEBOOKS / notebook).is_file():
        known = ", ".join(p.name for p in sorted(NOTEBOOKS.glob("*.ipynb")))
        raise HubLinkError(f"no notebook {notebook!r} in notebooks/; known: {known}")
    urlpath = f"{APPS[app]}/{target_folder(repo)}/notebooks/{notebook}"
    query = urlencode({"repo": repo, "branch": branch, "urlpath": urlpath})
    return f"{base}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("hub", help="the JupyterHub's address, e.g. https://hub.example.org")
    parser.add_argument("--branch", default="main", help="branch to pull (default: main)")
    parser.add_argument("--notebook", default="00_start_here.ipynb",
                        help="notebook to open after the pull (default: 00_start_here.ipynb)")
    parser.add_argument("--app", choices=sorted(APPS), default="lab",
                        help="open it in JupyterLab (default) or Jupyter Notebook 7")
    args = parser.parse_args(argv)
    try:
        print(hub_link(args.hub, branch=args.branch, notebook=args.notebook, app=args.app))
    except (HubLinkError, repository.RepositoryError) as exc:
        print(f"hub_link.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
