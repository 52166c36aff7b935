"""Notebook hygiene and anatomy (course-style.md section 1). nbval runs them; this checks their shape."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def markdown(nb):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_there_is_a_start_here_notebook():
    assert (ROOT / "notebooks" / "00_start_here.ipynb") in NOTEBOOKS


def committed(path):
    """The notebook as git would commit it: the working copy through the clean filter that
    .gitattributes names (tools/strip_outputs.py). A learner's outputs in the working copy don't count."""
    import strip_outputs

    return strip_outputs.strip(load(path))


def test_git_strips_notebook_outputs():
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert re.search(r"^notebooks/\*\.ipynb filter=strip-outputs$", attributes, re.M)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "git config filter.strip-outputs.clean" in makefile and "tools/strip_outputs.py" in makefile


def test_the_filter_strips_a_run_notebook_and_keeps_the_rest(tmp_path):
    import subprocess
    import sys

    nb = load(NOTEBOOKS[0])
    run = json.loads(json.dumps(nb))
    run["metadata"]["widgets"] = {"state": {}}
    for i, cell in enumerate(run["cells"]):
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
            cell["execution_count"] = i
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "strip_outputs.py")], input=json.dumps(run),
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == nb
    assert out == NOTEBOOKS[0].read_text(encoding="utf-8"), "stripping the stored notebook changes no byte"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_without_outputs_or_widget_state(path):
    nb = committed(path)
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {i} has stored outputs (clear them before committing)"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"
    assert "widgets" not in nb.get("metadata", {}), "widget state is stored in the notebook metadata"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_anatomy(path):
    nb = load(path)
    md = markdown(nb)
    h1 = re.findall(r"^# \S", md, re.M)
    assert len(h1) == 1, f"one H1 title, found {len(h1)}"
    assert nb["cells"][0]["cell_type"] == "markdown" and "".join(nb["cells"][0]["source"]).startswith("# ")
    first = "".join(nb["cells"][0]["source"])
    assert re.search(r"not medical advice", first, re.I), "the not-medical-advice line belongs under the title"
    assert "CC BY 4.0" in first and "MIT" in first, "licence line under the title"
    assert len(re.findall(r"not medical advice", md, re.I)) == 1, "say it once per notebook"
    for part in (r"\*\*Questions\*\*", r"\*\*Objectives", r"\*\*Time\.?\*\*", r"\*\*Prerequisites"):
        assert re.search(part, md), f"front matter lacks {part}"
    assert re.search(r"\*\*Time\.?\*\*.*\d+\s*min", md), "a time estimate in minutes"
    assert re.search(r"^## Key points", md, re.M), "a Key points section"
    assert re.search(r"^## What next", md, re.M) or path.name.startswith("05"), "a What next section"
    assert re.search(r"^## References", md, re.M), "a References section"
    refs = md.split("## References", 1)[1]
    assert len(re.findall(r"\b10\.\d{4,9}/\S+", refs)) >= 3, "references with DOIs"
    sections = re.findall(r"^## (\d+)\. ", md, re.M)
    assert sections == [str(i) for i in range(1, len(sections) + 1)], "numbered sections 1, 2, 3, ..."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_is_clean(path):
    code = ["".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert code and "use_course_style()" in code[0], "the first code cell sets the course style"
    for src in code:
        assert not re.search(r"^\s*[!%]pip |^\s*!|urllib|requests\.get|import \*", src, re.M), \
            f"no installs, shell calls, downloads or star imports in notebooks:\n{src[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_has_a_text_description(path):
    code = "\n".join("".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "code")
    figures = len(re.findall(r"new_figure\(", code))  # figures drawn in the notebook; course_lib.figures draws others
    shown = len(re.findall(r"\bshow\(fig, ", code))
    assert figures <= shown, f"{figures} figures made but {shown} shown with a description"
    assert len(re.findall(r"\bshow\(", code)) == shown, "every show() gets a figure and its text description"
    assert "plt.show()" not in code and "import matplotlib.pyplot" not in code, "use course_lib.plotting, not pyplot"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solutions_are_collapsed(path):
    md = markdown(load(path))
    exercises = len(re.findall(r"^### Exercise", md, re.M))
    assert md.count("<details><summary>Worked solution</summary>") >= exercises
