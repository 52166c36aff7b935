"""Bug classes from the learner walk-through (issue 13) that must not return, checked across the course:

* no unformatted ``{...}`` placeholder in text a learner sees: a string with ``{name}`` or ``{x:.1f}``
  that is neither an f-string nor formatted (``.format``) is a missing ``f`` (the FLG figure's
  description once printed ``{h_p:.1f}%`` literally). Docstrings are left out;
* every explorer control shows names, not codes: no "0 no, 1 yes" legends in a label, no label
  repeating its own unit ("strategy (strategy)"), no choice between bare numbers that stand for categories.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import ipywidgets as widgets
import pytest

from course_lib.explorers import REGISTRY, build

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.\[\]'\"]*(?:![rsa])?(?::[^{}]*)?\}")


def unformatted(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    ok = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ok.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("format", "format_map") and isinstance(node.func.value, ast.Constant):
            ok.add(id(node.func.value))
        if isinstance(node, ast.JoinedStr):
            ok.update(id(v) for v in node.values if isinstance(v, ast.Constant))
    return [(node.lineno, node.value[:80]) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in ok
            and PLACEHOLDER.search(node.value)]


def _sources():
    for path in sorted((ROOT / "course_lib").rglob("*.py")):
        yield pytest.param(path.read_text(encoding="utf-8"), id=str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        yield pytest.param(code, id=path.name)


@pytest.mark.parametrize("source", list(_sources()))
def test_no_unformatted_placeholder(source):
    assert not unformatted(source), f"a string with {{...}} that is never formatted (missing f?): {unformatted(source)}"


def test_the_placeholder_rule_catches_a_missing_f():
    assert unformatted('show(fig, "{h_p:.1f}% ({h_lo:.1f}-{h_hi:.1f}%")')
    assert not unformatted('h_p = 1\nshow(fig, f"{h_p:.1f}%")')
    assert not unformatted('"{x} and {y}".format(x=1, y=2)')
    assert not unformatted('def f():\n    """Returns ``{name: value}``."""')
    assert not unformatted('d = {"a": 1}\nprint("a set {1, 2}")')


def control_problems(control) -> list[str]:
    label = control.description or ""
    problems = []
    if re.search(r"\(\s*0\s*(=|:)?\s*\w+,\s*1\s*(=|:)?\s*\w+", label):
        problems.append(f"{label!r} explains numeric codes in its label; show the names as options instead")
    m = re.fullmatch(r"(.+?) \((.+)\)", label)
    if m and m.group(1).strip().lower() == m.group(2).strip().lower():
        problems.append(f"{label!r} repeats its name as its unit")
    if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)):
        labels = [o[0] if isinstance(o, tuple) else str(o) for o in control.options]
        numeric = all(re.fullmatch(r"-?\d+(\.\d+)?", str(x)) for x in labels)
        if numeric and re.search(r"\b(strategy|option|type|case|code)\b", label, re.I):
            problems.append(f"{label!r} offers bare numbers {labels[:4]} for categories")
    return problems


def test_the_control_rule_catches_codes():
    assert control_problems(widgets.Dropdown(options=[("0", 0), ("1", 1)], description="spare commensals (0 no, 1 yes)"))
    assert control_problems(widgets.Dropdown(options=[("0", 0), ("1", 1)], description="strategy (strategy)"))
    assert not control_problems(widgets.Dropdown(options=[("no", 0), ("yes", 1)], description="spare commensals"))
    assert not control_problems(widgets.Dropdown(options=[("0", 0), ("1", 1), ("2", 2)],
                                                 description="FLG null alleles (alleles)"))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_explorer_control_shows_names_not_codes(name):
    explorer = build(name)
    problems = [p for control in explorer.controls.values() for p in control_problems(control)]
    assert not problems, "; ".join(problems)
