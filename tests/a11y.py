"""Accessibility audit in the browser: axe-core, injected by Playwright.

axe-core comes from the npm registry, pinned and integrity-checked in
``book/package-lock.json`` (``tools/build_site.py`` installs it). An audit runs
the WCAG 2.0/2.1 A and AA rules and axe's best practices, then sorts each
violating element into

* **ours**: inside our content (the notebook's cells and outputs in JupyterLab,
  the article body on the site, minus what the site generator adds), which
  fails the test; or
* **theirs**: JupyterLab's, ipywidgets' or the site theme's own markup (even
  inside our content, such as a slider's handle). Each known one is listed
  below with the reason, and in ACCESSIBILITY.md; an unknown one fails too, so
  a new problem is seen and sorted by a person.

Kept free of pytest so it can be run from a script.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The rule sets run (axe tags).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Known violations that are not ours: (rule id, regex on the element's CSS selector or markup, owner, why).
# The owner and reason are repeated in ACCESSIBILITY.md. Keep each entry narrow.
KNOWN_THEIRS: list[tuple[str, str, str, str]] = [
    # --- sphinx-book-theme / pydata-sphinx-theme (the site's theme) ---
    ("label-content-name-mismatch", r"search-button", "pydata-sphinx-theme",
     "the search button's visible text (a keyboard shortcut hint) is not part of its aria-label 'Search'"),
    ("region", r"sidebar-primary-item", "pydata-sphinx-theme",
     "the theme's left sidebar puts the site title outside any landmark"),
    # --- ipywidgets 8.1.9 (inside our explorers, but its own markup) ---
    ("aria-input-field-name", r"noUi-handle", "ipywidgets 8.1.9",
     "a slider's handle (role=slider) is not tied to the slider's visible label, so a screen reader "
     "announces 'slider' and its value without the name; the label is next to it on screen and in the "
     "figure description"),
    # --- JupyterLab 4.6.6 (the interface around the notebook) ---
    ("aria-allowed-attr", r"^jp-button|jp-DebuggerBugButton", "JupyterLab",
     "toolbar buttons (jp-button web components) carry aria-pressed, which their role does not allow"),
    ("aria-input-field-name", r"cm-content", "JupyterLab (CodeMirror)",
     "the code cell editors (contenteditable textboxes) have no accessible name"),
    ("aria-required-children", r"jp-WindowedPanel-viewport", "JupyterLab",
     "the notebook's cell list has role=feed but its children are not role=article"),
    ("button-name", r"jp-collapseHeadingButton", "JupyterLab",
     "the button that folds a markdown heading's section has no text or label"),
    ("region", r"jp-skiplink-wrapper", "JupyterLab", "the skip-link wrapper sits outside any landmark"),
]


def _load_build_site():
    """tools/build_site.py as the module ``build_site`` (importable by name: its worker pool needs that)."""
    tools = str(ROOT / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import build_site

    return build_site


def npm_assets_available() -> bool:
    """True if the pinned npm packages are installed or npm can install them."""
    import shutil

    return (ROOT / "book" / "node_modules" / ".package-lock.json").exists() or shutil.which("npm") is not None


def axe_source() -> str:
    """axe.min.js from the pinned npm package (installed on first use)."""
    modules = _load_build_site().npm_assets()
    return (modules / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def run_axe(page, context: dict | str | None = None) -> list[dict]:
    """Run axe on the page (or on ``context``, an axe include/exclude spec); return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate("([ctx, opts]) => axe.run(ctx || document, opts)", [context, options])
    return result["violations"]


def _selector(node: dict) -> str:
    return " ".join(str(t) for t in node["target"])


def sort_violations(violations: list[dict], is_ours) -> dict[str, list[dict]]:
    """Split every violating element into ours / known theirs / unknown theirs.

    ``is_ours(node)`` decides from an axe node (its ``target`` selector and
    ``html``) whether the element is part of our content.
    """
    sorted_ = {"ours": [], "known": [], "unknown": []}
    for v in violations:
        for node in v["nodes"]:
            item = {"rule": v["id"], "impact": v["impact"], "help": v["help"], "selector": _selector(node),
                    "html": node["html"][:300], "summary": node.get("failureSummary", "")[:400]}
            where = item["selector"] + "\n" + node["html"]  # axe's selector may be short: match the markup too
            known = next((k for k in KNOWN_THEIRS if k[0] == v["id"] and re.search(k[1], where)), None)
            if known:  # a third party's, even inside our content (e.g. a widget library's internals)
                item["owner"], item["why"] = known[2], known[3]
                sorted_["known"].append(item)
            elif is_ours(node):
                sorted_["ours"].append(item)
            else:
                sorted_["unknown"].append(item)
    return sorted_


def describe(items: list[dict]) -> str:
    return "\n".join(f"  [{i['impact']}] {i['rule']}: {i['help']}\n      at {i['selector']}\n      {i['html'][:160]}"
                     for i in items)


def write_report(path: Path, sorted_: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted_, indent=1), encoding="utf-8")
