"""The instructor guide (notebooks/instructor_guide.md) checked against the notebooks, the question
definitions in course_lib.exercises and tools/teaching_time.py.

Kernel-free: questions are built from course_lib (their answers are computed from the models and
data there), notebooks are parsed, never run.

* Each question ``"NN.name"`` has one guide entry ``#### ... (`NN.name`)`` whose ``**Answer:** **...**``
  line states the question's answer: the letters of a multiple-choice question (``B`` or ``A, C``), or
  the number as the guide writes it, equal to the computed answer once rounded to the digits shown and
  never further off than the quiz's own tolerance.
* The entry's "Common wrong answers" include every wrong option of a multiple-choice question (in
  bold) and the value of every ``Mistake`` hint of a numeric one, by the same rule.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import teaching_time as tt  # tools/ (on sys.path through conftest.py)

from course_lib import exercises, quiz

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "notebooks" / "instructor_guide.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
IDS = [p.name[:2] for p in NOTEBOOKS]



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


# ----------------------------------------------------------------------------- the cases

KEYS = [pytest.param(key, id=key) for key in exercises.keys()]


def question_entry(key: str) -> str:
    return entry_for(notebook_section(key[:2]), key)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_section_per_notebook_that_links_it(path):
    section = notebook_section(path.name[:2])
    assert f"]({path.name})" in section, f"the section should link [{path.name}]({path.name})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_question_has_an_answer_entry(path):
    number = path.name[:2]
    keys = exercises.keys(number)
    assert keys, "the notebook has no questions?"
    in_guide = [m for heading in entries(notebook_section(number)) for m in re.findall(r"\(`(\d\d\.\w+)`\)", heading)]
    assert sorted(in_guide) == sorted(keys), f"questions {keys}, answer entries in the guide {in_guide}"
    exercises_in_notebook = re.findall(r"^### Exercise (\d+)", markdown(load(path)), re.M)
    exercises_in_guide = [m for heading in entries(notebook_section(number))
                          for m in re.findall(r"^Exercise (\d+)\b", heading)]
    assert sorted(exercises_in_guide, key=int) == sorted(exercises_in_notebook, key=int)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_objectives_are_the_notebooks_own(path):
    md = markdown(load(path))
    objectives = md.split("**Objectives.**", 1)[1].split("**Time", 1)[0]
    unlinked = lambda text: re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # glossary links may differ
    lines = re.findall(r"^\d+\. .+$", unlinked(objectives), re.M)
    assert lines
    section = unlinked(notebook_section(path.name[:2]))
    for line in lines:
        assert line in section, f"objective not copied verbatim into the guide: {line}"


def _agrees_with(q, written: str, value: float, tolerance: float | None = None) -> bool:
    tolerance = q.tolerance * (abs(value) if q.relative else 1) if tolerance is None else tolerance
    return agrees(written, value, value, tolerance)


@pytest.mark.parametrize("key", KEYS)
def test_every_answer_agrees_with_the_question(key):
    q = exercises.get(key)
    stated = stated_answer(question_entry(key))
    if isinstance(q, quiz.MultipleChoice):
        given = set(re.findall(r"\b[A-Z]\b", stated))
        assert given == set(q.letter_answer().split(", ")), \
            f"{key}: guide says {stated!r}, the question's answer is {q.letter_answer()}"
    else:
        written = numbers(stated)
        assert written, f"{key}: no number in the guide's answer {stated!r}"
        assert _agrees_with(q, written[0], q.answer), \
            f"{key}: guide says {written[0]}, the question's answer is {q.shown(q.answer)}"


@pytest.mark.parametrize("key", KEYS)
def test_common_wrong_answers_include_the_quiz_hints(key):
    q = exercises.get(key)
    wrong = wrong_answers_part(question_entry(key))
    bold = re.findall(r"\*\*([^*]+)\*\*", wrong)
    if isinstance(q, quiz.MultipleChoice):
        letters = {b.strip() for b in bold}
        for i in range(len(q.options)):
            if i not in q.correct_indices:
                assert quiz.LETTERS[i] in letters, f"{key}: wrong option {quiz.LETTERS[i]} is not discussed"
        return
    given = [n for b in bold for n in numbers(b)]
    for mistake in q.hints:
        assert any(_agrees_with(q, x, mistake.value, mistake.tolerance) for x in given), \
            f"{key}: the quiz's mistake {mistake.value:.4g} is not among the guide's common wrong answers {given}"


def test_the_rule_reads_the_digits_the_guide_shows():
    assert agrees("4.2", 4.2, 4.2, 0.05) and agrees("0.68", 0.6786, 0.6786, 0.005)
    assert not agrees("0.69", 0.6786, 0.6786, 0.005) and not agrees("4", 4.2, 4.2, 0.05)


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
    assert rows[0] == ["notebook", "teaching min", "exercise min", "total min", "core min", "alone: core",
                       "alone: all"]
    body = {r[0]: tuple(int(v) for v in r[1:]) for r in rows[1:]}
    expected = {t.notebook: (t.counts.teaching_min, t.counts.exercise_min, t.counts.total_min, t.core.total_min,
                             *t.alone) for t in timings.values()}
    expected["all six"] = tuple(sum(v[k] for v in expected.values()) for k in range(6))
    assert body == expected
    hours, minutes = divmod(expected["all six"][2], 60)
    assert f"about {hours} h {minutes} min in a workshop" in part
    hours, minutes = divmod(expected["all six"][3], 60)
    assert f"its core paths take about {hours} h {minutes} min" in part


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_section_states_the_measured_time(path):
    t = tt.measure(path).counts
    stated = re.search(r"\*\*Time \(measured\):\*\* teaching (\d+) min \+ exercises (\d+) min = \*\*(\d+) min\*\*",
                       notebook_section(path.name[:2]))
    assert stated, "no '**Time (measured):** teaching N min + exercises N min = **N min**' line"
    assert tuple(int(v) for v in stated.groups()) == (t.teaching_min, t.exercise_min, t.total_min)
    timing = tt.measure(path)
    core = (f"of which the core path is **{timing.core.total_min} min**; working alone, about "
            f"{timing.alone[0]} min core and {timing.alone[1]} min in all")
    assert core in notebook_section(path.name[:2]), f"the guide should say: {core}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_front_matter_states_the_measured_time(path):
    timing = tt.measure(path)
    lines = re.findall(r"^\*\*Time\.\*\* .*$", markdown(load(path)), re.M)
    assert lines == [tt.front_matter(timing)], \
        "the front matter's time differs from tools/teaching_time.py; run python tools/teaching_time.py --write"
    core = timing.core
    assert f"reading {core.teaching_min} min + exercises {core.exercise_min} min = about **{core.total_min} min**" \
        in lines[0].lower()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_core_path_fits_one_sitting(path):
    """course-style.md: a core path of at most 60 minutes for a learner working alone; Going further comes last."""
    timing = tt.measure(path)
    assert timing.alone[0] <= 60, f"core path {timing.alone[0]} min working alone (limit 60)"
    flags = [s.going_further for s in timing.sections]
    assert flags == sorted(flags), "Going further sections come after every core section"


def test_core_and_self_paced_minutes_by_hand():
    timing = tt.Timing("x.ipynb", (tt.Section(1, "a", tt.Counts(code_cells=30)),
                                   tt.Section(2, "Going further: b", tt.Counts(code_cells=20))))
    assert timing.core.total_min == 30 and timing.counts.total_min == 50
    assert timing.alone == (35, 60)          # 30 x 1.2 = 36 -> 35; 50 x 1.2 = 60
    assert "Going further sections add about 20 min (25 min alone)" in tt.front_matter(timing)
    assert tt.readme_time(timing) == "35 min core, 60 in all"


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
        code("from course_lib.explorers.x import slider_app\nfrom course_lib.exercises import ask\n"),
        md("## 1. First *(5 min)*\n\n**Think!** Why? | --- |"),                              # 6 words
        code("fig, ax = new_figure()\nshow(fig, 'a figure')"),
        code("app = slider_app()\napp"),
        md("## 2. Second\n\n### Exercise 1: one\n\n" + " ".join(["more"] * 40)),             # 45 words
        code("ask('00.upper_limbs', my_answer)\nask('00.warm_up', my_answer)"),  # one numeric, one choice question
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
        row = re.search(rf"^\| {path.name[:2]} \| \[[^\]]+\]\(notebooks/{re.escape(path.name)}\) \| .+? \| (\d+ min[^|]*?) \|",
                        readme, re.M)
        assert row, f"README syllabus has no row for {path.name}"
        measured = tt.readme_time(tt.measure(path))
        assert row.group(1) == measured, (
            f"README gives {row.group(1)} for {path.name}; tools/teaching_time.py measures {measured}")


def test_write_times_puts_the_measured_times_back(tmp_path):
    import shutil

    src = NOTEBOOKS[1]
    nb_path, readme = tmp_path / src.name, tmp_path / "README.md"
    shutil.copy(src, nb_path)
    shutil.copy(ROOT / "README.md", readme)
    stale = nb_path.read_text(encoding="utf-8")
    total = tt.measure(src).core.total_min
    assert f"about **{total} min**" in stale
    stale = stale.replace(f"about **{total} min**", "about **7 min**")
    stale = re.sub(r"## 1\. (.*?) \*\(\d+ min; \d+ min so far\)\*", r"## 1. \1 *(1 min; 1 min so far)*", stale, count=1)
    nb_path.write_text(stale, encoding="utf-8")
    readme.write_text(re.sub(rf"(notebooks/{src.name}\) \| .+? \| )\d+ min[^|]*? \|", r"\g<1>3 min |",
                             readme.read_text(encoding="utf-8")), encoding="utf-8")
    changed = tt.write_times(nb_path, readme)
    assert len(changed) == 3, changed
    assert nb_path.read_text(encoding="utf-8") == src.read_text(encoding="utf-8"), "restored byte for byte"
    assert readme.read_text(encoding="utf-8") == (ROOT / "README.md").read_text(encoding="utf-8")
    assert tt.write_times(nb_path, readme) == [], "a second run changes nothing"
