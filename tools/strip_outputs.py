"""A git "clean" filter for notebooks: what git commits has no outputs, counts or widget state.

Learners and authors run the notebooks in JupyterLab, which saves outputs into the working copy.
``make lab`` and ``make test`` register this script as the filter ``strip-outputs`` that
``.gitattributes`` applies to ``notebooks/*.ipynb`` (the way nbstripout is used in the field), so
``git add`` stores the notebook stripped while the working copy keeps its outputs; ``git status``
shows no change after a run. ``tests/test_notebooks.py`` checks what git would commit.

    python tools/strip_outputs.py < notebook.ipynb > stripped.ipynb     # as git runs it
    python tools/strip_outputs.py notebooks/*.ipynb                        # strip files in place
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def strip(nb: dict) -> dict:
    """The notebook without outputs, execution counts and saved widget state (metadata otherwise kept)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in ("execution", "collapsed", "scrolled"):
            cell.get("metadata", {}).pop(key, None)
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def dumps(nb: dict) -> str:
    """Written as JupyterLab and nbformat write it (indent 1, non-ASCII kept, trailing newline)."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if not argv:
        text = sys.stdin.read()
        try:
            sys.stdout.write(dumps(strip(json.loads(text))))
        except json.JSONDecodeError:  # not a notebook (e.g. a merge in progress): commit it as it is
            sys.stdout.write(text)
        return 0
    for name in argv:
        path = Path(name)
        path.write_text(dumps(strip(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
