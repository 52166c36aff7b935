"""The instructor guide (notebooks/instructor_guide.md) checked against the notebooks and tools/teaching_time.py.

Fast and kernel-free: the notebooks are parsed, never run.

How a quiz's reference answer is found without running its notebook:

* MultipleChoice: ``answer=`` is a literal (``1`` or ``(0, 2)``), read with ``ast.literal_eval``
  and turned into letters (0 -> A). The guide's entry must give exactly those letters.
* Numeric: ``answer=`` is resolved from the notebook's source to an interval. A literal, or
  arithmetic on literals (``round(1 - 3.8 / 11.0, 3)``), is exact. A value computed in the
  notebook is taken from the notebook's own asserts about it: ``x == 3``, ``abs(x - v) < t``,
  ``round(x, k) == v``, ``f"{x:.1f}" == "3.6"``, ``a < x < b`` and tuple equalities. The
  guide's number must lie within the quiz's own tolerance of that interval. An answer that
  cannot be resolved fails the test with a message saying how to pin it.

The guide's number must be that value as written: equal to it once rounded to the digits the
guide shows, and never further off than the quiz's own tolerance (so the quiz would accept it).

The same resolver finds the values of the quizzes' ``Mistake(...)`` hints, so the guide's list
of common wrong answers can be checked to include each of them, by the same rule. The few that
cannot be resolved are listed in :data:`UNCHECKED_MISTAKES`.
"""
from __future__ import annotations

import ast
import json
import math
import operator
import re
from pathlib import Path

import pytest
import teaching_time as tt  # tools/ (on sys.path through conftest.py)

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "notebooks" / "instructor_guide.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
IDS = [p.name[:2] for p in NOTEBOOKS]

# Quiz mistakes computed in the notebook from the model, which no assert pins: the guide's numbers
# for them cannot be checked without running the notebook. Any other unresolved mistake fails.
UNCHECKED_MISTAKES = {
    "04-or_question": {"round(risk_e / risk_no_e, 2)", "round(risk_e - risk_no_e, 3)"},
    "05-solo_question": {"dupi['events'] / dupi['n']"},
}


# ----------------------------------------------------------------------------- reading the guide

def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def without_code(text: str) -> str:
    """The text with fenced code blocks and inline code blanked out (same line count)."""
    text = re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "``", text)


def headings(text: str) -> list[tuple[int, str]]:
    fenced = re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S | re.M)
    return [(len(m.group(1)), m.group(2).strip()) for m in re.finditer(r"^(#{1,6}) (.+)$", fenced, re.M)]


def block(text: str, heading_re: str, level: int) -> str | None:
    """The text under the first heading of ``level`` matching ``heading_re``, up to the next heading
    of the same or a higher level."""
    pattern = re.compile(rf"^{'#' * level} {heading_re}.*$", re.M)
    match = pattern.search(text)
    if not match:
        return None
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, match.end())
    return text[match.start():end.start() if end else len(text)]


def notebook_section(number: str) -> str:
    section = block(guide(), rf"Notebook {number}\b", 2)
    assert section, f"the guide has no '## Notebook {number}: ...' section"
    return section


def entries(section: str) -> dict[str, str]:
    """H4 entries of a notebook section: heading -> text."""
    found = {}
    for match in re.finditer(r"^#### (.+)$", section, re.M):
        found[match.group(1)] = block(section[match.start():], re.escape(match.group(1)), 4)
    return found


def entry_for(section: str, name: str) -> str:
    hits = [text for heading, text in entries(section).items() if f"(`{name}`)" in heading]
    assert len(hits) == 1, f"expected one '#### ... (`{name}`)' entry, found {len(hits)}"
    return hits[0]


def stated_answer(entry: str) -> str:
    match = re.search(r"^\*\*Answer:\*\* \*\*([^*]+)\*\*", entry, re.M)
    assert match, "the entry has no line starting '**Answer:** **...**'"
    return match.group(1).strip()


def wrong_answers_part(entry: str) -> str:
    assert "Common wrong answers:" in entry, "the entry lists no common wrong answers"
    return entry.split("Common wrong answers:", 1)[1]


_NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?")


def numbers(text: str) -> list[str]:
    """The numbers in ``text`` as written (a minus sign − read as -)."""
    return [n.replace("−", "-") for n in _NUMBER.findall(text)]


def agrees(written: str, lo: float, hi: float, tolerance: float) -> bool:
    """Whether the number ``written`` (e.g. "3.64") states a value in [lo, hi]: off by at most half a
    unit of its last digit (rounding), and by no more than ``tolerance`` (the quiz's)."""
    decimals = len(written.partition(".")[2])
    slack = min(0.5 * 10 ** -decimals, tolerance) + 1e-9
    return lo - slack <= float(written) <= hi + slack


# ----------------------------------------------------------------------------- reading the notebooks

load = tt.load      # a notebook's JSON


def markdown(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def code_trees(nb: dict) -> list[ast.Module]:
    return [ast.parse("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]


def quiz_calls(nb: dict) -> list[tuple[str, str, dict]]:
    """(variable, kind, {keyword: node}) for every ``name = Numeric(...)/MultipleChoice(...)``."""
    found = []
    for tree in code_trees(nb):
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name)
                    and node.value.func.id in ("Numeric", "MultipleChoice")):
                keywords = {k.arg: k.value for k in node.value.keywords}
                for target in node.targets:
                    found.append((target.id, node.value.func.id, keywords))
    return found


# An interval [lo, hi]; exact values have lo == hi.
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _combine(op, a, b):
    values = [op(x, y) for x in a for y in b]
    return (min(values), max(values))


def _assert_conjuncts(test: ast.expr):
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        for value in test.values:
            yield from _assert_conjuncts(value)
    else:
        yield test


def _const(node) -> float | None:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _is_literal(node) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _pin(pins: dict, node: ast.expr, lo: float, hi: float) -> None:
    key = ast.unparse(node)
    old = pins.get(key, (-math.inf, math.inf))
    pins[key] = (max(old[0], lo), min(old[1], hi))


def _pins_from_equality(pins: dict, left: ast.expr, right: ast.expr) -> None:
    if isinstance(left, ast.Tuple) and isinstance(right, ast.Tuple) and len(left.elts) == len(right.elts):
        for a, b in zip(left.elts, right.elts):
            _pins_from_equality(pins, a, b)
        return
    if isinstance(left, ast.JoinedStr) and len(left.values) == 1 and isinstance(left.values[0], ast.FormattedValue):
        spec = left.values[0].format_spec
        digits = re.fullmatch(r"\.(\d+)f", ast.literal_eval(spec.values[0]) if spec else "")
        if digits and isinstance(right, ast.Constant) and isinstance(right.value, str):
            half = 0.5 * 10 ** -int(digits.group(1))
            _pin(pins, left.values[0].value, float(right.value) - half, float(right.value) + half)
        return
    value = _const(right)
    if value is None:
        return
    if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "round" \
            and len(left.args) == 2 and _const(left.args[1]) is not None:
        half = 0.5 * 10 ** -_const(left.args[1])
        _pin(pins, left.args[0], value - half, value + half)
    elif _const(left) is None:
        _pin(pins, left, value, value)


def pins(nb: dict) -> dict[str, tuple[float, float]]:
    """What the notebook's asserts say about computed values: {expression source: (lo, hi)}."""
    found: dict[str, tuple[float, float]] = {}
    for tree in code_trees(nb):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assert):
                continue
            for test in _assert_conjuncts(node.test):
                if not isinstance(test, ast.Compare):
                    continue
                parts = [test.left, *test.comparators]
                if all(isinstance(op, ast.Eq) for op in test.ops):
                    constant = next((p for p in parts if _is_literal(p)), None)
                    if constant is not None:
                        for p in parts:
                            if p is not constant:
                                _pins_from_equality(found, p, constant)
                elif (len(test.ops) == 1 and isinstance(test.ops[0], (ast.Lt, ast.LtE))
                      and isinstance(test.left, ast.Call) and getattr(test.left.func, "id", None) == "abs"
                      and isinstance(test.left.args[0], ast.BinOp) and isinstance(test.left.args[0].op, ast.Sub)
                      and _const(test.left.args[0].right) is not None and _const(test.comparators[0]) is not None):
                    centre, width = _const(test.left.args[0].right), _const(test.comparators[0])
                    _pin(found, test.left.args[0].left, centre - width, centre + width)
                elif (len(test.ops) == 2 and all(isinstance(op, (ast.Lt, ast.LtE)) for op in test.ops)
                      and _const(parts[0]) is not None and _const(parts[2]) is not None):
                    _pin(found, parts[1], _const(parts[0]), _const(parts[2]))
    return found


class Unresolved(Exception):
    pass


def resolve(node: ast.expr, pinned: dict) -> tuple[float, float]:
    """The interval a numeric expression from a notebook must lie in (see the module docstring)."""
    key = ast.unparse(node)
    if key in pinned:
        return pinned[key]
    value = _const(node)
    if value is not None:
        return (value, value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        lo, hi = resolve(node.operand, pinned)
        return (-hi, -lo)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _combine(_OPS[type(node.op)], resolve(node.left, pinned), resolve(node.right, pinned))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "float" and len(node.args) == 1:
            return resolve(node.args[0], pinned)
        if node.func.id == "round" and len(node.args) == 2 and _const(node.args[1]) is not None:
            k = int(_const(node.args[1]))
            lo, hi = resolve(node.args[0], pinned)
            return (round(lo, k), round(hi, k))
    raise Unresolved(key)


def resolve_answer(name: str, keywords: dict, pinned: dict) -> tuple[float, float]:
    """A Numeric quiz's answer: what the notebook asserts about ``name.answer``, else its ``answer=``."""
    return pinned.get(f"{name}.answer") or resolve(keywords["answer"], pinned)


# ----------------------------------------------------------------------------- the cases

def quiz_cases():
    cases = []
    for path in NOTEBOOKS:
        for name, kind, _ in quiz_calls(load(path)):
            cases.append(pytest.param(path, name, kind, id=f"{path.name[:2]}-{name}"))
    return cases


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_section_per_notebook_that_links_it(path):
    section = notebook_section(path.name[:2])
    assert f"]({path.name})" in section, f"the section should link [{path.name}]({path.name})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_exercise_has_an_answer_entry(path):
    in_notebook = re.findall(r"^### Exercise (\d+)", markdown(load(path)), re.M)
    in_guide = [m for heading in entries(notebook_section(path.name[:2]))
                for m in re.findall(r"^Exercise (\d+)\b", heading)]
    assert in_notebook, "the notebook has no exercises?"
    assert sorted(in_guide, key=int) == sorted(in_notebook, key=int), \
        f"exercises in the notebook {in_notebook}, answer entries in the guide {in_guide}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_objectives_are_the_notebooks_own(path):
    md = markdown(load(path))
    objectives = md.split("**Objectives.**", 1)[1].split("**Time", 1)[0]
    lines = re.findall(r"^\d+\. .+$", objectives, re.M)
    assert lines
    section = notebook_section(path.name[:2])
    for line in lines:
        assert line in section, f"objective not copied verbatim into the guide: {line}"


@pytest.mark.parametrize("path, name, kind", quiz_cases())
def test_every_quiz_answer_agrees_with_the_notebook(path, name, kind):
    nb = load(path)
    keywords = next(k for n, _, k in quiz_calls(nb) if n == name)
    entry = entry_for(notebook_section(path.name[:2]), name)
    stated = stated_answer(entry)
    if kind == "MultipleChoice":
        answer = ast.literal_eval(keywords["answer"])
        expected = {chr(ord("A") + i) for i in (answer if isinstance(answer, tuple) else (answer,))}
        given = set(re.findall(r"\b[A-Z]\b", stated))
        assert given == expected, f"{name}: guide says {stated!r}, the notebook's answer is {sorted(expected)}"
    else:
        try:
            lo, hi = resolve_answer(name, keywords, pins(nb))
        except Unresolved as missing:
            pytest.fail(f"{name}: cannot find the value of {missing} in {path.name} without running it; "
                        "pin it with an assert such as `assert abs(x - 1.5) < 0.01`")
        written = numbers(stated)
        assert written, f"{name}: no number in the guide's answer {stated!r}"
        assert agrees(written[0], lo, hi, _const(keywords["tolerance"])), \
            f"{name}: guide says {written[0]}, the notebook's answer is in [{lo}, {hi}]"


@pytest.mark.parametrize("path, name, kind", quiz_cases())
def test_common_wrong_answers_include_the_quiz_hints(path, name, kind):
    nb = load(path)
    keywords = next(k for n, _, k in quiz_calls(nb) if n == name)
    wrong = wrong_answers_part(entry_for(notebook_section(path.name[:2]), name))
    bold = re.findall(r"\*\*([^*]+)\*\*", wrong)
    if kind == "MultipleChoice":
        answer = ast.literal_eval(keywords["answer"])
        correct = set(answer if isinstance(answer, tuple) else (answer,))
        letters = {b.strip() for b in bold}
        for i in range(len(keywords["options"].elts)):
            if i not in correct:
                assert chr(ord("A") + i) in letters, f"{name}: wrong option {chr(ord('A') + i)} is not discussed"
        return
    pinned = pins(nb)
    given = [n for b in bold for n in numbers(b)]
    question_tolerance = _const(keywords["tolerance"])
    hints = keywords.get("hints")
    assert hints is None or isinstance(hints, (ast.Tuple, ast.List)), f"{name}: cannot read hints={ast.unparse(hints)}"
    unresolved = set()
    for mistake in (hints.elts if hints is not None else []):
        try:
            lo, hi = resolve(mistake.args[0], pinned)
        except Unresolved:
            unresolved.add(ast.unparse(mistake.args[0]))
            continue
        extra = {k.arg: k.value for k in mistake.keywords}
        tolerance = _const(extra["tolerance"]) if "tolerance" in extra else question_tolerance
        assert any(agrees(x, lo, hi, tolerance) for x in given), \
            f"{name}: the quiz's mistake {ast.unparse(mistake.args[0])} (about {lo:.4g}) is not among the " \
            f"guide's common wrong answers {given}"
    assert unresolved == UNCHECKED_MISTAKES.get(f"{path.name[:2]}-{name}", set()), (
        f"{name}: mistakes whose value cannot be found without running {path.name}: {sorted(unresolved)}; "
        "pin each with an assert in the notebook (or update UNCHECKED_MISTAKES)")


def test_the_resolver_is_not_vacuous():
    """Numeric answers that need the notebook's asserts do get resolved, and to the right values."""
    nb = {p.name[:2]: load(p) for p in NOTEBOOKS}
    resolved = {}
    for number, book in nb.items():
        for name, kind, keywords in quiz_calls(book):
            if kind == "Numeric" and _const(keywords["answer"]) is None:
                resolved[f"{number}-{name}"] = resolve_answer(name, keywords, pins(book))
    assert resolved["02-count_question"] == (1.0, 1.0)
    assert resolved["05-persist_question"] == (0.35, 0.35)
    assert resolved["04-fall_question"] == (0.655, 0.655)
    lo, hi = resolved["04-or_question"]
    assert (lo, hi) == (1.3, 1.8)       # the notebook only asserts a range for the model's odds ratio
    with pytest.raises(Unresolved):
        resolve(ast.parse("risk_e / risk_no_e", mode="eval").body, pins(nb["04"]))


# ----------------------------------------------------------------------------- times and plans

def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|(?:\s*:?-+:?\s*\|)+", line.strip()):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_times_table_equals_the_tool():
    timings = tt.by_number()
    part = block(guide(), r"How long each notebook takes", 2)
    rows = table_rows(part)
    assert rows[0] == ["notebook", "teaching min", "exercise min", "total min"]
    body = {r[0]: tuple(int(v) for v in r[1:]) for r in rows[1:]}
    expected = {t.notebook: (t.counts.teaching_min, t.counts.exercise_min, t.counts.total_min)
                for t in timings.values()}
    expected["all six"] = tuple(sum(v[k] for v in expected.values()) for k in range(3))
    assert body == expected
    hours, minutes = divmod(expected["all six"][2], 60)
    assert f"about {hours} h {minutes} min" in part


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_section_states_the_measured_time(path):
    t = tt.measure(path).counts
    stated = re.search(r"\*\*Time \(measured\):\*\* teaching (\d+) min \+ exercises (\d+) min = \*\*(\d+) min\*\*",
                       notebook_section(path.name[:2]))
    assert stated, "no '**Time (measured):** teaching N min + exercises N min = **N min**' line"
    assert tuple(int(v) for v in stated.groups()) == (t.teaching_min, t.exercise_min, t.total_min)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_front_matter_states_the_measured_time(path):
    t = tt.measure(path).counts
    stated = re.search(r"\*\*Time\.\*\* Reading (\d+) min \+ exercises (\d+) min = about \*\*(\d+) min\*\*",
                       markdown(load(path)))
    assert stated, "front matter: '**Time.** Reading N min + exercises N min = about **N min**'"
    assert tuple(int(v) for v in stated.groups()) == (t.teaching_min, t.exercise_min, t.total_min), \
        "the front matter's time differs from tools/teaching_time.py; update one of them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_section_headings_state_the_measured_times(path):
    assert tt.printed_heading_times(load(path)) == tt.heading_times(tt.measure(path)), (
        "the '*(N min; M min so far)*' after the numbered headings differ from tools/teaching_time.py "
        "(heading_times); rewrite them with python tools/teaching_time.py --write")


def test_heading_times_by_hand():
    """Sections of 12, 7 and 4 raw minutes: 23 in all, rounded to 25; the running totals are scaled to 25."""
    timing = tt.Timing("x.ipynb", tuple(tt.Section(n, f"s{n}", tt.Counts(code_cells=m))
                                        for n, m in ((1, 12), (2, 7), (3, 4))))
    assert timing.counts.total_min == 25
    # so far: round(25 * 12/23) = 13, round(25 * 19/23) = round(20.65) = 21, 25
    assert tt.heading_times(timing) == {1: (13, 13), 2: (8, 21), 3: (4, 25)}


def test_stamp_headings_rewrites_only_the_times():
    text = "## 1. A *(5 min; 5 min so far)*\nbody *(5 min; 5 min so far)*\n## 2. B *(3 min; 8 min in all)*\n## Key points *(1 min; 8 min in all)*"
    out = tt.stamp_headings(text, {1: (10, 10), 2: (20, 30)}, 30)
    assert out == ("## 1. A *(10 min; 10 min so far)*\nbody *(5 min; 5 min so far)*\n## 2. B *(20 min; 30 min in all)*"
                   "\n## Key points *(30 min in all)*")


def _minutes(clock: str) -> int:
    h, m = clock.split(":")
    return 60 * int(h) + int(m)


def _sections(cell: str) -> tuple[str, list[int]] | None:
    if cell in ("—", "-", ""):
        return None
    match = re.fullmatch(r"(\d\d) (§.+)", cell)
    assert match, f"cannot read notebook sections {cell!r} (write e.g. '01 §1–3' or '03 §1, §6')"
    numbers = []
    for lo, hi in re.findall(r"§(\d+)(?:[–-](\d+))?", match.group(2)):
        numbers += list(range(int(lo), int(hi or lo) + 1))
    return match.group(1), numbers


@pytest.mark.parametrize("heading, total", [("Half-day workshop", 210), ("Full-day workshop", 390)])
def test_workshop_plan_adds_up_and_fits_the_measured_times(heading, total):
    timings = tt.by_number()
    part = block(guide(), re.escape(heading), 3)
    assert part, f"no '### {heading}' section"
    rows = table_rows(part)
    assert rows[0] == ["Time", "Minutes", "Block", "Notebook sections", "Activity"]
    clock, minutes, breaks = None, 0, 0
    for row in rows[1:]:
        start, end = row[0].split("–")
        assert clock is None or _minutes(start) == clock, f"{row[0]} does not start when the last block ended"
        clock = _minutes(end)
        assert _minutes(end) - _minutes(start) == int(row[1]), f"{row[0]} is not {row[1]} minutes"
        minutes += int(row[1])
        breaks += row[2] in ("Break", "Lunch")
        sections = _sections(row[3])
        if sections:
            number, numbers = sections
            assert int(row[1]) == timings[number].section_minutes(numbers), \
                f"{row[3]}: the plan gives {row[1]} min, the tool measures {timings[number].section_minutes(numbers)}"
    stated = re.search(r"\*\*Total: (\d+) min \((\d+) h (\d+) min\)\*\*", part)
    assert stated and int(stated.group(1)) == minutes == total
    assert 60 * int(stated.group(2)) + int(stated.group(3)) == total
    assert breaks >= 1, "a plan needs breaks"


# ----------------------------------------------------------------------------- form

def test_one_title_and_headings_do_not_skip_levels():
    found = headings(guide())
    assert found[0][0] == 1 and [level for level, _ in found].count(1) == 1
    for (before, _), (level, title) in zip(found, found[1:]):
        assert level <= before + 1, f"heading '{title}' (level {level}) skips a level after level {before}"


def test_hub_sizing_markers_exist_once_each_in_order():
    text = guide()
    start, end = "<!-- hub-sizing:start -->", "<!-- hub-sizing:end -->"
    lines = text.splitlines()
    assert lines.count(start) == 1 and lines.count(end) == 1
    assert text.count(start) == 1 and text.count(end) == 1
    assert lines.index(start) < lines.index(end)
    room = block(text, "Room sizing", 2)
    assert room and start in room and end in room and "](workshop_hub.md)" in room


def test_internal_links_point_to_files_that_exist():
    links = re.findall(r"\]\(([^)\s]+)\)", without_code(guide()))
    internal = [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:|#", link)]
    assert internal, "the guide links no notebook?"
    missing = [link for link in internal if not (GUIDE.parent / link.split("#")[0]).exists()]
    assert not missing, f"relative links to files that do not exist: {missing}"


def test_no_raw_html_but_details_and_comments():
    # The hub-sizing block is written by benchmarks/run.py (--hub --write), not by hand: not checked here.
    text = re.sub(r"<!-- hub-sizing:start -->.*?<!-- hub-sizing:end -->", "", guide(), flags=re.S)
    tags = re.findall(r"</?([A-Za-z][A-Za-z0-9-]*)[^>]*>", re.sub(r"<!--.*?-->", "", without_code(text), flags=re.S))
    assert set(tags) <= {"details", "summary"}, f"raw HTML in the guide: {sorted(set(tags))}"


def test_references_are_ones_the_notebooks_cite():
    cited = "\n".join(markdown(load(p)) for p in NOTEBOOKS)
    references = block(guide(), "References", 2).splitlines()[1:]
    items = [line for line in references if line.startswith("- ")]
    assert len(items) >= 20
    for item in items:
        locator = re.search(r"doi:(\S+?)\.?$|(https?://\S+)$|PMID (\d+)", item)
        assert locator, f"reference without DOI, URL or PMID: {item[:80]}"
        assert next(g for g in locator.groups() if g) in cited, f"not cited in any notebook: {item[:80]}"


def test_no_dosing_or_usage_guidance_words():
    text = guide().lower()
    for phrase in ("mg/kg", "twice daily", "once daily", "apply twice", "apply once", "times a day", "dose of"):
        assert phrase not in text, f"the guide must not read like treatment guidance: {phrase!r}"


# ----------------------------------------------------------------------------- the tool itself

def test_round_to_five():
    assert [tt.round_to(x) for x in (0, 2.4, 2.5, 7.49, 7.5, 112.5)] == [0, 0, 5, 5, 10, 115]


def test_the_rule_on_a_small_notebook(tmp_path):
    def md(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(text):
        return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": text}

    prose = " ".join(["word"] * 150)
    cells = [
        md("# Title\n\n" + prose),                                                           # 151 words
        code("from course_lib.explorers.x import slider_app\nfrom course_lib.quiz import Numeric\n"),
        md("## 1. First *(5 min)*\n\n**Think!** Why? | --- |"),                              # 6 words
        code("fig, ax = new_figure()\nshow(fig, 'a figure')"),
        code("app = slider_app()\napp"),
        md("## 2. Second\n\n### Exercise 1: one\n\n" + " ".join(["more"] * 40)),             # 45 words
        code("q = Numeric(prompt='p', answer=1.0, tolerance=0.1, explanation='e')\n"
             "m = MultipleChoice(prompt='p', options=('a', 'b'), answer=0, explanation='e')"),
        md("<details><summary>Worked solution</summary>\n\n" + " ".join(["sol"] * 200) + "\n</details>\n\n"
           "## Key points\n\n- one point\n\n## References\n\n" + " ".join(["ref"] * 500)),  # 4 words; 203 in the solution
    ]
    path = tmp_path / "09_test.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    t = tt.measure(path)
    c = t.counts
    assert (c.words, c.solution_words, c.code_cells, c.figures, c.explorers, c.thinks, c.exercises,
            c.numeric, c.multiple_choice) == (151 + 6 + 45 + 4, 203, 2, 1, 1, 1, 1, 1, 1)
    # teaching: 206 / 100 + 2 code cells + 2 for the figure + 5 for the explorer + 2 for Think! = 13.06
    assert math.isclose(c.teaching_raw, 13.06) and c.teaching_min == 15
    # exercises: 5 + 3 + 203 / 100 = 10.03
    assert math.isclose(c.exercise_raw, 10.03) and c.exercise_min == 10 and c.total_min == 25
    assert [s.number for s in t.sections] == [1, 2]
    assert t.section_counts([1]).words == 157 and t.section_counts([2]).solution_words == 203
    with pytest.raises(KeyError):
        t.section_minutes([3])


def test_readme_syllabus_times_equal_the_tool():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        row = re.search(rf"^\| {path.name[:2]} \| \[[^\]]+\]\(notebooks/{re.escape(path.name)}\) \| .+? \| (\d+) min \|",
                        readme, re.M)
        assert row, f"README syllabus has no row for {path.name}"
        measured = tt.measure(path).counts.total_min
        assert int(row.group(1)) == measured, (
            f"README gives {row.group(1)} min for {path.name}; tools/teaching_time.py measures {measured}")


def test_write_times_puts_the_measured_times_back(tmp_path):
    import shutil

    src = NOTEBOOKS[1]
    nb_path, readme = tmp_path / src.name, tmp_path / "README.md"
    shutil.copy(src, nb_path)
    shutil.copy(ROOT / "README.md", readme)
    stale = nb_path.read_text(encoding="utf-8")
    total = tt.measure(src).counts.total_min
    stale = stale.replace(f"about **{total} min**", "about **7 min**")
    stale = re.sub(r"## 1\. (.*?) \*\(\d+ min; \d+ min so far\)\*", r"## 1. \1 *(1 min; 1 min so far)*", stale, count=1)
    nb_path.write_text(stale, encoding="utf-8")
    readme.write_text(re.sub(rf"(notebooks/{src.name}\) \| .+? \| )\d+ min", r"\g<1>3 min",
                             readme.read_text(encoding="utf-8")), encoding="utf-8")
    changed = tt.write_times(nb_path, readme)
    assert len(changed) == 3, changed
    assert nb_path.read_text(encoding="utf-8") == src.read_text(encoding="utf-8"), "restored byte for byte"
    assert readme.read_text(encoding="utf-8") == (ROOT / "README.md").read_text(encoding="utf-8")
    assert tt.write_times(nb_path, readme) == [], "a second run changes nothing"
