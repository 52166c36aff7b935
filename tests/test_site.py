"""The static site (`make site`): built from the notebooks, checked in headless Chromium.

The module builds the site once (``tools/build_site.py``: every notebook executed
with ``COURSE_STATIC=1``, then Sphinx + MyST-NB) into ``test-output/site/html``,
serves it on 127.0.0.1 and, for every page:

* it loads with no console error, no page error, no failed or 4xx/5xx request,
  and no request to any other host (they are blocked and reported);
* math is typeset by the site's own MathJax;
* every figure has its text description next to it: each ``img`` in the page
  body has alt text, and each figure a notebook shows is a
  ``figure.course-figure`` with a non-empty ``figcaption.course-figure-description``;
* worked solutions are collapsed ``<details>``; notebook pages carry the note
  that the sliders need a live kernel, with the notebook's Binder link;
* every internal link resolves: the file exists and, for ``#anchor`` links,
  the target page has that id;
* an axe-core accessibility audit finds nothing in our content (tests/a11y.py);
* on a phone-sized screen (390 CSS px) no page is wider than the screen.

Reports go to ``test-output/site/`` (``a11y/<page>.json``, screenshots).
"""
from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import urllib.parse
from pathlib import Path

import pytest

import a11y
from conftest import browser_unavailable

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output" / "site"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MD_PAGES = sorted((ROOT / "notebooks").glob("*.md"))
PAGES = (["index.html"] + [f"{p.stem}.html" for p in NOTEBOOKS] + [f"{p.stem}.html" for p in MD_PAGES]
         + ["search.html", "genindex.html"])
NOTEBOOK_PAGES = {f"{p.stem}.html" for p in NOTEBOOKS}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    build_site = a11y._load_build_site()
    if not a11y.npm_assets_available():
        browser_unavailable("npm is not installed and book/node_modules is missing (the site's pinned "
                            "MathJax and axe-core come from npm; Debian: apt-get install npm)")
    out = OUTPUT / "html"
    try:
        build_site.build(out, jobs=2, work=tmp_path_factory.mktemp("site-src"))
    except build_site.SiteError as exc:
        pytest.fail(f"the site did not build: {exc}", pytrace=False)
    return out


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


# ------------------------------------------------------------------------------ build (no browser)

def test_the_site_has_a_page_per_notebook_and_markdown_page(site):
    missing = [p for p in PAGES if not (site / p).is_file()]
    assert not missing, f"pages missing from the site: {missing}"


def test_notebook_pages_show_still_explorers_and_written_quizzes_not_widgets(site):
    import teaching_time  # tools/: counts each notebook's explorers and questions from its source

    for name in sorted(NOTEBOOK_PAGES):
        page = (site / name).read_text(encoding="utf-8")
        counts = teaching_time.measure(ROOT / "notebooks" / name.replace(".html", ".ipynb")).counts
        assert "application/vnd.jupyter.widget" not in page, f"{name}: a widget output reached the page"
        stills = page.count('class="course-explorer-static"')
        assert stills == counts.explorers, (
            f"{name}: {counts.explorers} explorers in the notebook, {stills} still pictures on the page")
        assert page.count("<strong>Question.</strong>") == counts.quizzes, (
            f"{name}: {counts.quizzes} questions in the notebook, not as many written out on the page")


def test_the_home_page_lists_every_notebook_with_its_binder_link(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    for nb in NOTEBOOKS:
        assert f'href="{nb.stem}.html"' in page, f"the home page does not link {nb.stem}.html"
        assert f"urlpath=lab/tree/notebooks/{nb.name}" in page, f"no Binder link for {nb.name}"


# ------------------------------------------------------------------------------ in the browser

JS_PAGE_FACTS = r"""
() => {
  const body = document.querySelector('article') || document.body;
  const imgs = [...body.querySelectorAll('img')].map(i => ({
      alt: (i.getAttribute('alt') || '').trim(), src: (i.getAttribute('src') || '').slice(0, 40),
      courseFigure: i.classList.contains('course-figure-img'),
      inOutput: !!i.closest('.cell_output'),
      caption: (i.closest('figure.course-figure')?.querySelector('figcaption.course-figure-description')
                ?.textContent || '').trim(),
      loaded: i.complete && i.naturalWidth > 0}));
  const details = [...body.querySelectorAll('details')].map(d => ({
      open: d.open, summary: (d.querySelector('summary')?.textContent || '').trim()}));
  const note = document.querySelector('.admonition.course-live-note');
  // code that builds a quiz question holds its answer: it must sit in a closed <details>
  const openAnswers = [...body.querySelectorAll('.cell_input pre')]
      .filter(p => /\b(MultipleChoice|Numeric)\(/.test(p.textContent))
      .filter(p => !(p.closest('details') && !p.closest('details').open)).length;
  return {
    imgs, details, openAnswers,
    note: note ? note.textContent : null,
    noteLinks: note ? [...note.querySelectorAll('a')].map(a => a.href) : [],
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    math: document.querySelectorAll('.math').length,
    typeset: document.querySelectorAll('mjx-container').length,
    rawTex: [...document.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container')
                                                               && !m.closest('mjx-container')).length,
  };
}
"""

JS_MATHJAX_DONE = """
async () => {
  if (!window.MathJax || !MathJax.startup) return !document.querySelector('.math');
  await MathJax.startup.promise;
  return true;
}
"""

JS_INSIDE_ARTICLE = """
(targets) => targets.map(t => {
  const sel = Array.isArray(t) ? t[t.length - 1] : t;
  const el = document.querySelector(sel);
  return !!(el && el.closest('article') && !el.closest('.headerlink'));
})
"""


def _ids(path: Path, cache: dict) -> set[str]:
    if path not in cache:
        text = path.read_text(encoding="utf-8", errors="replace")
        cache[path] = set(re.findall(r'\bid="([^"]+)"', text))
    return cache[path]


def _broken_links(site: Path, page: str, links: list[str]) -> list[str]:
    broken, cache = [], {}
    for href in links:
        parts = urllib.parse.urlsplit(href)
        if parts.scheme in ("http", "https", "mailto") or href.startswith("javascript:"):
            continue
        if parts.scheme:
            broken.append(f"{href} (scheme {parts.scheme!r})")
            continue
        target = (site / page).parent / urllib.parse.unquote(parts.path) if parts.path else site / page
        if target.is_dir():
            target = target / "index.html"
        if not target.resolve().is_relative_to(site.resolve()) or not target.is_file():
            broken.append(f"{href} (no file {target.relative_to(site) if target.is_relative_to(site) else target})")
            continue
        if parts.fragment and target.suffix == ".html" and urllib.parse.unquote(parts.fragment) not in _ids(target, cache):
            broken.append(f"{href} (no id {parts.fragment!r} in {target.name})")
    return broken


@pytest.mark.parametrize("page_name", PAGES)
def test_page_in_chromium(page_name, site, server, browser):
    out = OUTPUT / "pages"
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    console, failed, foreign = [], [], []
    try:
        page = context.new_page()
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})")
                if not r.url.startswith("data:") else None)
        page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)

        def only_local(route):
            if route.request.url.startswith(server) or route.request.url.startswith("data:"):
                route.continue_()
            else:
                foreign.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.goto(server + page_name, wait_until="networkidle")
        assert page.evaluate(JS_MATHJAX_DONE), f"{page_name}: MathJax did not load"
        facts = page.evaluate(JS_PAGE_FACTS)
        page.screenshot(path=out / f"{page_name}.png")

        assert not foreign, f"{page_name} asked other hosts (a page must load from the site alone): {foreign}"
        assert not failed, f"{page_name}: failed requests: {failed}"
        assert not console, f"{page_name}: console errors: {console}"
        assert facts["rawTex"] == 0, f"{page_name}: {facts['rawTex']} math elements were not typeset"

        # every figure has its text description next to it
        for img in facts["imgs"]:
            assert img["alt"], f"{page_name}: an image without alt text ({img['src']}...)"
            assert img["loaded"], f"{page_name}: an image did not load ({img['src']}...)"
            if img["inOutput"]:
                assert img["courseFigure"], (f"{page_name}: a notebook output shows an image that is not a course "
                                             "figure (use plotting.show(fig, description))")
            if img["courseFigure"]:
                assert img["caption"].startswith("Figure description.") and len(img["caption"]) > 40, (
                    f"{page_name}: a figure without its description next to it: {img['caption'][:80]!r}")

        # solutions collapsed; the live-kernel note with the notebook's Binder link
        assert not [d for d in facts["details"] if d["open"]], f"{page_name}: a <details> block is open"
        assert facts["openAnswers"] == 0, f"{page_name}: {facts['openAnswers']} quiz cells show their answer code"
        if page_name in NOTEBOOK_PAGES:
            assert any(img["courseFigure"] for img in facts["imgs"]), f"{page_name}: no figure"
            assert any(d["summary"] == "Worked solution" for d in facts["details"]), (
                f"{page_name}: no collapsed worked solution")
            assert facts["note"] and "live kernel" in facts["note"], f"{page_name}: no live-kernel note"
            binder = f"urlpath=lab/tree/notebooks/{page_name.replace('.html', '.ipynb')}"
            assert any("mybinder.org" in link and binder in link for link in facts["noteLinks"]), (
                f"{page_name}: the live-kernel note has no Binder link to this notebook")

        broken = _broken_links(site, page_name, facts["links"])
        assert not broken, f"{page_name}: internal links that do not resolve:\n  " + "\n  ".join(broken)

        # accessibility: nothing of ours; the theme's own known problems are recorded
        violations = a11y.run_axe(page)
        targets = [n["target"] for v in violations for n in v["nodes"]]
        inside = dict(zip(map(json.dumps, targets), page.evaluate(JS_INSIDE_ARTICLE, targets))) if targets else {}
        report = a11y.sort_violations(violations, lambda node: inside[json.dumps(node["target"])])
        a11y.write_report(OUTPUT / "a11y" / f"{page_name}.json", report)
        assert not report["ours"], (f"{page_name}: accessibility violations in our content:\n"
                                    + a11y.describe(report["ours"]))
        assert not report["unknown"], (f"{page_name}: accessibility violations in the theme not yet sorted "
                                       "(fix, or list in tests/a11y.py KNOWN_THEIRS and ACCESSIBILITY.md):\n"
                                       + a11y.describe(report["unknown"]))
    finally:
        context.close()


def test_every_known_third_party_violation_is_documented_in_accessibility_md():
    doc = (ROOT / "ACCESSIBILITY.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| ") and "`" in line]
    for rule, _where, owner, _why in a11y.KNOWN_THEIRS:
        name = owner.split(" (")[0]
        assert any(f"`{rule}`" in row and name in row for row in rows), (
            f"ACCESSIBILITY.md has no table row for {owner}: {rule} (tests/a11y.py KNOWN_THEIRS)")
    assert len(rows) == len(a11y.KNOWN_THEIRS), "ACCESSIBILITY.md lists a problem that tests/a11y.py does not know"


# ------------------------------------------------------------------------------ the build script's parts

def test_outside_links_go_to_the_repository_and_page_links_stay():
    bs = a11y._load_build_site()
    repo = bs.repository_url()
    text = ("[hub](workshop_hub.md) [nb](02_th2_inflammation.ipynb#x) [lock](../requirements/course.lock) "
            "[readme](../README.md#syllabus) [web](https://example.org/a) [top](#top) ![pic](fig.png)")
    out = bs.outside_links(text)
    assert "[hub](workshop_hub.md)" in out and "[nb](02_th2_inflammation.ipynb#x)" in out
    assert f"[lock]({repo}/blob/main/requirements/course.lock)" in out
    assert f"[readme]({repo}/blob/main/README.md#syllabus)" in out
    assert "[web](https://example.org/a)" in out and "[top](#top)" in out and "![pic](fig.png)" in out


def test_the_glossary_is_a_reference_page_of_its_own():
    bs = a11y._load_build_site()
    home = bs.home_page()
    assert "](glossary.md)" in home and ":caption: Reference" in home
    instructors = home.split(":caption: Instructors", 1)[1]
    assert "glossary.md" not in instructors


def test_check_outputs_names_the_notebook_cell_and_problem():
    import nbformat
    bs = a11y._load_build_site()
    cell = nbformat.v4.new_code_cell("x", execution_count=3, outputs=[
        nbformat.v4.new_output("stream", name="stderr", text="DeprecationWarning: old"),
        nbformat.v4.new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "m"}})])
    problems = bs.check_outputs("01_x.ipynb", nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("t"), cell]))
    assert len(problems) == 2
    assert problems[0].startswith("01_x.ipynb, cell 1 (execution count 3): printed to stderr: 'DeprecationWarning")
    assert "displays a widget" in problems[1]


def test_syllabus_and_binder_links_come_from_the_readme():
    bs = a11y._load_build_site()
    readme = ("Repository: https://github.com/o/r (x)\n\n| # | Notebook | Topic | Time | Run it |\n|---|---|---|---|---|\n"
              "| 00 | [Start](notebooks/00_a.ipynb) | Map | 45 min | [b](x) |\n"
              "| 01 | [Skin](notebooks/01_b.ipynb) | Barrier | 60 min core, 95 in all | [b](x) |\n")
    assert bs.syllabus(readme) == [dict(number="00", title="Start", notebook="00_a.ipynb", topic="Map", time="45 min"),
                                   dict(number="01", title="Skin", notebook="01_b.ipynb", topic="Barrier",
                                        time="60 min core, 95 in all")]
    assert bs.binder_url("00_a.ipynb", readme) == "https://mybinder.org/v2/gh/o/r/HEAD?urlpath=lab/tree/notebooks/00_a.ipynb"
    with pytest.raises(bs.RepositoryError, match="name the repository once"):
        bs.repository_url("no repository line")
    with pytest.raises(bs.SiteError, match="no syllabus rows"):
        bs.syllabus("Repository: https://github.com/o/r\n")


def test_mend_html_lets_the_fold_be_named_by_its_visible_words():
    bs = a11y._load_build_site()
    page = '<details class="hide above-input"><summary aria-label="Toggle hidden content"><p>Show code cell source</p>'
    assert bs.mend_html(page) == '<details class="hide above-input"><summary><p>Show code cell source</p>'


@pytest.mark.parametrize("page_name", PAGES)
def test_page_fits_a_phone(page_name, site, server, browser):
    """Readers without a kernel are often on a phone: no page may be wider than the screen.

    With mobile emulation Chromium widens the layout viewport to fit content that does not
    wrap (a long DOI, inline code, a wide table outside a scroll box), which makes the whole
    page pan sideways; so the layout width must stay the screen's 390 CSS px.
    """
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
                   else route.abort())
        page.goto(server + page_name, wait_until="networkidle")
        (OUTPUT / "phone").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=OUTPUT / "phone" / f"{page_name}.png")
        width = page.evaluate("() => window.innerWidth")
        assert width == 390, (f"{page_name} is {width} CSS px wide on a 390 px phone: something in it does not "
                              "wrap or scroll in its own box, such as a long DOI, URL or inline code (book/course.css "
                              "makes article text wrap) or a wide table outside a scroll box")
    finally:
        context.close()
