"""Build the course's static web site: every notebook executed, rendered to HTML.

    python tools/build_site.py [--out _site] [--jobs 2]      (what `make site` runs)

Why this stack. The field's standard for a course site made of notebooks is
Jupyter Book. Jupyter Book 2 (mystmd) downloads its HTML theme from
api.mystmd.org / GitHub at build time, which our machines and CI cannot reach
(measured 2026-11-25: ENOTFOUND). The ``jupyter-book`` 1.x package pins
myst-parser 3, which needs markdown-it-py < 4 and so conflicts with the
learner's lock. We therefore use Jupyter Book 1's own engine directly:
Sphinx + MyST-NB + sphinx-book-theme (``requirements/site.lock``), which
resolves against the learner's lock and builds offline. Plain nbconvert would
give pages without navigation, search or a table of contents.

Steps:
1. ``npm ci`` in ``book/`` (pinned MathJax and axe-core, integrity-checked)
   when ``book/node_modules`` is missing or older than the lock.
2. Execute each notebook with nbclient in a fresh kernel, in parallel, with
   ``COURSE_STATIC=1`` (explorers show a still picture and the values it was
   drawn with; quizzes show the question with the answer in a collapsed block)
   and ``COURSE_STRICT=1`` (a warning in notebook code is an error). A cell
   error, a warning on stderr or a widget output stops the build, naming the
   notebook and the cell.
3. Stage the executed notebooks, the markdown pages in ``notebooks/``, a home
   page made from the README's syllabus, ``book/conf.py`` and the local
   MathJax; add under each notebook's title a note that the sliders need a
   live kernel (with its Binder link).
4. ``sphinx-build -W`` (a broken cross-reference or any warning fails).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/ (when loaded by path)
from repository import RepositoryError, binder_url, repository_url  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
GLOSSARY = "glossary.md"  # the learners' reference page, linked from every notebook

#: The text of the note added under each notebook's title.
LIVE_NOTE = ("**A read-only copy.** This page shows the notebook already run, so every figure and "
             "answer is here to read. The sliders and the quizzes need a live kernel: "
             "[open this notebook on Binder]({binder}) (a free service; it can take a minute to start), "
             "on a workshop hub, or on your computer with `make lab` (see the [course home](index.md)).")

#: Parts of MathJax 3's es5 build that the pages use (tex-chtml and what it loads lazily).
MATHJAX_PARTS = ("tex-chtml.js", "a11y", "adaptors", "input/tex", "output/chtml", "sre", "ui")


class SiteError(RuntimeError):
    """The site could not be built; the message names the notebook, cell or step."""


# ----------------------------------------------------------------------------- the repository

def syllabus(readme: str | None = None) -> list[dict]:
    """The README's syllabus rows: number, title, notebook file, topic, time."""
    text = README.read_text(encoding="utf-8") if readme is None else readme
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\| (\d\d) \| \[([^\]]+)\]\(notebooks/([\w.-]+\.ipynb)\) \| (.+?) \| (\d+ min[^|]*?) \|", line)
        if m:
            rows.append(dict(number=m[1], title=m[2], notebook=m[3], topic=m[4], time=m[5]))
    if not rows:
        raise SiteError("README.md has no syllabus rows ('| 00 | [Title](notebooks/00_x.ipynb) | topic | 45 min |')")
    return rows


def home_page(readme: str | None = None) -> str:
    """The site's home page (``index.md``): what the course is, the syllabus, the other pages."""
    rows = syllabus(readme)
    pages = sorted(p.name for p in NOTEBOOKS.glob("*.md") if p.name != GLOSSARY)
    lines = [
        "# Beneath the Skin",
        "",
        "An open, interactive course on the **systemic biology of eczema** (atopic dermatitis): the skin "
        "barrier, type-2 (Th2) inflammation, the skin microbiome and the atopic march, each with cited data, "
        "a small model and exercises, and a synthesis that couples them. This is education, not medical advice.",
        "",
        "## Read it, or run it",
        "",
        "These pages are the notebooks **already run**: every figure carries its text description, and every "
        "exercise its worked solution (collapsed until you open it). The sliders and quizzes need a **live "
        "kernel**: open a notebook on Binder from the table below, on a workshop hub, or on your computer "
        f"(`make lab`; see the [repository]({repository_url(readme)})).",
        "",
        "## Syllabus",
        "",
        "Times are for a learner working alone: the core path, and all sections with the Going further ones. "
        f"Every technical term is explained in the [glossary]({GLOSSARY}).",
        "",
        "| # | Notebook | Topic | Time | Live |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['number']} | [{r['title']}]({r['notebook']}) | {r['topic']} | {r['time']} | "
                     f"[open on Binder]({binder_url(r['notebook'], readme)}) |")
    if pages:
        lines += ["", "## For instructors", ""]
        for name in pages:
            title = _md_title(NOTEBOOKS / name)
            lines.append(f"- [{title}]({name})")
    lines += ["", "```{toctree}", ":hidden:", ":caption: Notebooks", ""]
    lines += [r["notebook"] for r in rows]
    lines += ["```", ""]
    if (NOTEBOOKS / GLOSSARY).exists():
        lines += ["```{toctree}", ":hidden:", ":caption: Reference", "", GLOSSARY, "```", ""]
    if pages:
        lines += ["```{toctree}", ":hidden:", ":caption: Instructors", ""] + pages + ["```", ""]
    return "\n".join(lines)


def _md_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise SiteError(f"{path.relative_to(ROOT)}: no '# Title' line")


# ----------------------------------------------------------------------------- executing

def execute(path: Path, timeout: int = 120) -> tuple[str, dict, float]:
    """Run one notebook top to bottom in a fresh kernel; return (name, notebook, seconds)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            store_widget_state=False, extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        raise SiteError(f"{path.name}: a cell failed while building the site:\n{exc}") from None
    problems = check_outputs(path.name, nb)
    if problems:
        raise SiteError("\n".join(problems))
    return path.name, nb, time.perf_counter() - t0


def check_outputs(name: str, nb) -> list[str]:
    """What a reader must never see in the site: warnings, errors, or dead widgets."""
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            where = f"{name}, cell {i} (execution count {cell.get('execution_count')})"
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"{where}: printed to stderr: {out.get('text', '')[:300]!r}")
            if out.get("output_type") == "error":
                problems.append(f"{where}: raised {out.get('ename')}: {out.get('evalue')}")
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {}):
                problems.append(f"{where}: displays a widget, which a static page cannot run; "
                                "display an Explorer or a question (they have a static form) instead")
    return problems


def _execute_all(paths: list[Path], jobs: int) -> dict[str, object]:
    env_before = {k: os.environ.get(k) for k in ("COURSE_STATIC", "COURSE_STRICT", "OPENBLAS_NUM_THREADS")}
    os.environ.update(COURSE_STATIC="1", COURSE_STRICT="1", OPENBLAS_NUM_THREADS="1")
    try:
        results = {}
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
            for name, nb, seconds in pool.map(execute, paths):
                print(f"  executed {name} in {seconds:.1f} s", file=sys.stderr)
                results[name] = nb
        return results
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def add_live_note(nb, notebook: str) -> None:
    """Put the read-only note right under the notebook's title cell."""
    import nbformat

    note = nbformat.v4.new_markdown_cell(":::{note}\n:class: course-live-note\n"
                                         + LIVE_NOTE.format(binder=binder_url(notebook)) + "\n:::")
    nb.cells.insert(1, note)


def outside_links(text: str) -> str:
    """Point relative markdown links to files outside ``notebooks/`` at the repository on GitHub.

    Pages link to each other (``02_th2_inflammation.ipynb``, ``workshop_hub.md``),
    which Sphinx resolves; a link such as ``../README.md`` or
    ``../requirements/course.lock`` has no page in the site, so it goes to the
    file in the repository instead.
    """
    base = repository_url() + "/blob/main/"

    def fix(m: re.Match) -> str:
        label, target = m.group(1), m.group(2)
        parts = urllib.parse.urlsplit(target)
        if parts.scheme or target.startswith("#") or not parts.path:
            return m.group(0)
        resolved = (NOTEBOOKS / parts.path).resolve()
        if resolved.parent == NOTEBOOKS.resolve() and resolved.suffix in (".ipynb", ".md"):
            return m.group(0)
        rel = resolved.relative_to(ROOT.resolve()).as_posix()
        return f"[{label}]({base}{rel}{'#' + parts.fragment if parts.fragment else ''})"

    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", fix, text)


def mend_html(page: str) -> str:
    """Mend what the audit finds in the generator's markup on our pages.

    MyST-NB's fold for hidden code (``<summary aria-label="Toggle hidden
    content">`` around the visible words "Show code cell source") gives the
    control a name that does not contain its visible text (axe
    ``label-content-name-mismatch``: speech-input users say what they see).
    Without the ``aria-label`` the visible words are the name.
    """
    return page.replace('<summary aria-label="Toggle hidden content">', "<summary>")


# ----------------------------------------------------------------------------- assets and sphinx

def npm_assets() -> Path:
    """``book/node_modules`` from the pinned, integrity-checked npm lock (installed when stale).

    A file lock keeps two test workers from running ``npm ci`` at once.
    """
    import fcntl

    modules, lock = BOOK / "node_modules", BOOK / "package-lock.json"
    stamp = modules / ".package-lock.json"
    with open(BOOK / ".npm-install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
            npm = shutil.which("npm")
            if npm is None:
                raise SiteError("npm is needed once to fetch the pinned MathJax and axe-core "
                                "(book/package-lock.json); install Node.js and npm (Debian: apt-get install npm)")
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=BOOK,
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SiteError(f"npm ci in book/ failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return modules


def glossary_targets(text: str) -> str:
    """The glossary's HTML anchors (``<a id="odds"></a>``, which JupyterLab scrolls to) as MyST targets
    (``(odds)=``), so that the site resolves ``glossary.md#odds`` links and checks them."""
    return re.sub(r'^<a id="([a-z0-9-]+)"></a>', r"(\1)=\n", text, flags=re.M)


def stage(src: Path, executed: dict, modules: Path) -> None:
    import nbformat

    if src.exists():
        shutil.rmtree(src)
    (src / "_static").mkdir(parents=True)
    for name in ("conf.py", "favicon.svg"):
        shutil.copy2(BOOK / name, src / name)
    shutil.copy2(BOOK / "course.css", src / "_static" / "course.css")
    mathjax = modules / "mathjax" / "es5"
    for part in MATHJAX_PARTS:
        origin, target = mathjax / part, src / "_static" / "mathjax" / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if origin.is_dir() else shutil.copy2)(origin, target)
    (src / "index.md").write_text(home_page(), encoding="utf-8")
    for page in NOTEBOOKS.glob("*.md"):
        text = outside_links(page.read_text(encoding="utf-8"))
        if page.name == GLOSSARY:
            text = glossary_targets(text)
        (src / page.name).write_text(text, encoding="utf-8")
    for name, nb in executed.items():
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = outside_links(cell.source)
        add_live_note(nb, name)
        nbformat.write(nb, src / name)


def build(out: Path, jobs: int = 2, work: Path | None = None) -> Path:
    """Build the site into ``out``; returns the path of its ``index.html``."""
    t0 = time.perf_counter()
    work = work or ROOT / "build" / "site-src"
    modules = npm_assets()
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    print(f"Executing {len(paths)} notebooks ({jobs} at a time)...", file=sys.stderr)
    executed = _execute_all(paths, jobs)
    stage(work, executed, modules)
    # Sphinx writes into <work>/out/html; MyST-NB puts its jupyter_execute/ beside that
    # folder, so the build leaves nothing behind outside <work> but the site itself.
    html_dir = work.parent / f"{work.name}-out" / "html"
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-j", "1",
           "-d", str(html_dir.parent / "doctrees"), str(work), str(html_dir)]
    env = dict(os.environ, COURSE_REPOSITORY_URL=repository_url())
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SiteError(f"sphinx-build failed ({done.returncode}):\n{done.stderr[-4000:]}")
    for page in html_dir.glob("*.html"):
        page.write_text(mend_html(page.read_text(encoding="utf-8")), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(html_dir, out)
    shutil.rmtree(html_dir.parent)
    print(f"Site built in {time.perf_counter() - t0:.0f} s: {out / 'index.html'}", file=sys.stderr)
    return out / "index.html"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="output folder (default: _site)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default: 2)")
    args = parser.parse_args(argv)
    try:
        index = build(args.out.resolve(), jobs=args.jobs)
    except (SiteError, RepositoryError) as exc:
        print(f"make site: {exc}", file=sys.stderr)
        return 1
    print(f"Open {index} in a browser, or serve it: python -m http.server -d {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
