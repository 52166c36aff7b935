"""A glossary link clicked in a notebook, in a real JupyterLab (headless Chromium): the glossary opens
rendered (Markdown Preview, set in tools/lab-overrides.json) and scrolls to the term's entry.
Notebooks link terms as ``[odds](glossary.md#odds)``; the entry carries ``<a id="odds"></a>`` (JupyterLab
renders it as ``data-jupyter-id="odds"`` and scrolls to it; the site turns it into a MyST target)."""
from __future__ import annotations

import json
import shutil
import sys
import urllib.parse
from pathlib import Path

import pytest

import browser_helpers as bh

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser

JS_VISIBLE_ENTRY = """
(anchor) => {
  // JupyterLab keeps a user's id as data-jupyter-id (so it cannot clash with its own ids) and scrolls to it
  const el = document.querySelector('.jp-RenderedMarkdown [id="' + anchor + '"], .jp-RenderedMarkdown [data-jupyter-id="' + anchor + '"]');
  if (!el) return null;
  const w = window.jupyterapp.shell.currentWidget;
  const r = el.getBoundingClientRect();
  return {title: w ? w.title.label : null, top: r.top, height: window.innerHeight,
          editor: !!(w && w.node.querySelector('.cm-editor'))};
}
"""


@pytest.fixture(scope="module")
def lab():
    work = bh.make_workdir("course-glossary-")
    root = bh.copy_notebooks(ROOT / "notebooks", work / "notebooks")
    # the overrides `make lab` copies into the environment; here they go to a data dir of the test's own
    overrides = json.loads((ROOT / "tools" / "lab-overrides.json").read_text(encoding="utf-8"))
    server = bh.LabServer(root, work / "server")
    server.start()
    settings = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    if not settings.exists() or json.loads(settings.read_text(encoding="utf-8")) != overrides:
        server.stop()
        pytest.fail("the environment's JupyterLab overrides differ from tools/lab-overrides.json "
                    "(make lab / make test copy them; re-run make)", pytrace=False)
    yield server
    server.stop()
    shutil.rmtree(work, ignore_errors=True)


def test_lab_overrides_open_markdown_rendered():
    overrides = json.loads((ROOT / "tools" / "lab-overrides.json").read_text(encoding="utf-8"))
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Markdown Preview"}


def test_a_glossary_link_opens_the_entry(browser, lab):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        name = "00_start_here.ipynb"
        page.goto(f"{lab.url}/lab/tree/{urllib.parse.quote(name)}?reset&token={lab.token}")
        link = page.locator('.jp-RenderedMarkdown a[href*="glossary.md"][href$="#risk-ratio"]').first
        link.wait_for(timeout=120_000)
        link.click()
        # wait until the entry is rendered and scrolled into the window (JupyterLab scrolls after rendering)
        page.wait_for_function(f"() => {{ const f = ({JS_VISIBLE_ENTRY})('risk-ratio'); "
                               "return f !== null && f.top >= 0 && f.top < f.height; }", timeout=60_000)
        facts = page.evaluate(JS_VISIBLE_ENTRY, "risk-ratio")
        assert facts["title"] == "glossary.md" and not facts["editor"], f"not opened as a rendered page: {facts}"
        assert 0 <= facts["top"] < facts["height"], f"the entry is not scrolled into view: {facts}"
    finally:
        page.close()
