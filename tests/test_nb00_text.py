"""Numbers quoted in notebook 00's prose, Think! answers and worked solutions, recomputed from course_lib
(the notebook itself holds no asserts). Each test names the section it guards."""
import pytest

from course_lib import data, exercises, measures, stats
from course_lib.exercises import nb00
from course_lib.figures import nb00 as figures
from course_lib.models import easi


def test_section_6_evidence_box_and_band_edges():
    """Section 6 (Going further): EASI 6.5 and 22.0 change band with the scheme; the itch scale has no 'none' band."""
    assert measures.band(6.5, "EASI", "Leshem 2015") == "mild" and measures.band(6.5, "EASI", "Chopra 2017") == "moderate"
    assert measures.band(22.0, "EASI", "Leshem 2015") == "severe"
    assert measures.band(22.0, "EASI", "Chopra 2017") == "moderate"
    itch = measures.bands("Itch NRS", "Vakharia 2018")
    assert list(itch["band"]) == ["mild", "moderate", "severe"] and itch["lower"].iloc[0] == 0


def test_section_6_band_figure_description_matches_the_table():
    """Section 6 (Going further): the figure's description is computed; severe bands take < 50 % for POEM, Itch NRS, vIGA-AD."""
    shares = figures.band_shares(data.load("severity_bands"))
    severe = {k[0]: v.get("severe", 0) + v.get("very severe", 0) for k, v in shares.items()}
    assert severe["POEM"] < 50 and severe["Itch NRS"] < 50 and severe["vIGA-AD"] < 50
    assert severe["EASI"] > 50
    _, description = figures.severity_bands_figure(data.load("severity_bands"))
    assert "{" not in description and "Itch NRS, POEM and vIGA-AD" in description


def test_section_4_region_scores_and_total():
    """Section 4 (Exercise 1, region Think!) and section 6 (Exercise 3): 0.8 + 4.2 + 0.3 + 4.4 = 9.7, moderate under both schemes."""
    scores = nb00.region_scores()["region_score"].round(6).to_dict()
    assert scores == {"head_neck": 0.8, "upper_limbs": 4.2, "trunk": 0.3, "lower_limbs": 4.4}
    total = easi.total(nb00.patient())
    assert total == pytest.approx(9.7)
    assert measures.band(total, "EASI", "Leshem 2015") == measures.band(total, "EASI", "Chopra 2017") == "moderate"
    assert max(scores, key=scores.get) == "lower_limbs"
    assert "Total **9.7**: *moderate* under both" in _markdown(), "the prose quotes the total"


def test_section_6_children_think():
    """Section 6, children Think! after Exercise 3: with the children's weights head 1.6, lower limbs 3.3, total 9.4, still moderate."""
    child = easi.Params(**{**nb00.PATIENT, "age_0_to_7": 1})
    scores = easi.simulate(child).set_index("region")["region_score"]
    assert scores["head_neck"] == pytest.approx(1.6) and scores["lower_limbs"] == pytest.approx(3.3)
    total = easi.total(child)
    assert total == pytest.approx(9.4)
    assert measures.band(total, "EASI", "Leshem 2015") == measures.band(total, "EASI", "Chopra 2017") == "moderate"
    md = _markdown()
    assert "score doubles to 1.6 and the lower limbs fall to 3.3" in md and "to 9.4: still *moderate*" in md


def test_section_5_beep_numbers():
    """Section 5: BEEP control risk 0.245, odds 0.32, RR 0.95 (0.78 to 1.16)."""
    trials = data.load("emollient_prevention_trials").query("trial == 'BEEP 2020' and outcome == 'eczema'")
    counts = {r.arm: (r.events, r.n) for r in trials.itertuples()}
    assert counts == {"emollient": (139, 598), "control": (150, 612)}
    events, n = counts["control"]
    assert round(events / n, 3) == 0.245 and round(events / (n - events), 2) == 0.32
    rr = stats.risk_ratio(139, 598, 150, 612)
    assert (round(rr.estimate, 2), round(rr.ci_low, 2), round(rr.ci_high, 2)) == (0.95, 0.78, 1.16)
    assert "∞" in str(stats.number_needed_to_treat(139, 598, 150, 612, outcome="bad"))
    md = _markdown()
    assert "150 / 612 = 0.245" in md and "0.95, and its CI (0.78 to 1.16)" in md


def test_section_5_horimukai_exercise_and_section_7_think():
    """Section 5, Exercise 2, and the section 7 Think!: RR 0.68 (0.43 to 1.07) from 19/59 vs 28/59;
    118 babies against BEEP's 1,210 analysed, about ten times as many."""
    trials = data.load("emollient_prevention_trials").query("trial == 'Horimukai 2014' and outcome == 'eczema'")
    assert {r.arm: (r.events, r.n) for r in trials.itertuples()} == {"emollient": (19, 59), "control": (28, 59)}
    horimukai_n = int(trials["n"].sum())
    beep = data.load("emollient_prevention_trials").query("trial == 'BEEP 2020' and outcome == 'eczema'")
    beep_n = int(beep["n"].sum())
    rr = stats.risk_ratio(19, 59, 28, 59)
    assert str(rr) == "RR 0.68 (95% CI 0.43 to 1.07)"
    assert exercises.get("00.horimukai_rr").shown(rr.estimate) == "0.68"
    assert (horimukai_n, beep_n) == (118, 1210) and round(beep_n / horimukai_n) == 10
    assert "118 babies, BEEP's on 1,210, about ten times as many" in _markdown()
    _, description = figures.trial_rows([rr, stats.risk_ratio(139, 598, 150, 612)], ["H", "B"])
    assert "Both intervals cross the line at 1." in description


# --- Guards added in the learner review (each names the section and the kind of slip it prevents) ---

import json
import re
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "00_start_here.ipynb"
GUIDE = Path(__file__).resolve().parent.parent / "notebooks" / "instructor_guide.md"


def _cells():
    return [("".join(c["source"]), c["cell_type"]) for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]]


def _markdown():
    return "\n\n".join(s for s, kind in _cells() if kind == "markdown")


def test_section_5_definitions_and_beep_rd_nnt():
    """Section 5: odds 150 / (612 - 150); RD of BEEP -0.013 (-0.061 to 0.035) includes 0; NNT 79 with a CI
    through infinity; the worked illustration 'RD -0.05 means 5 fewer per 100, NNT 1 / 0.05 = 20'."""
    md = _markdown()
    assert "150 / (612 − 150) = 150 / 462 = 0.32" in md
    rd = stats.risk_difference(139, 598, 150, 612)
    assert (round(rd.estimate, 3), round(rd.ci_low, 3), round(rd.ci_high, 3)) == (-0.013, -0.061, 0.035)
    assert rd.ci_low < 0 < rd.ci_high
    nnt = stats.number_needed_to_treat(139, 598, 150, 612, outcome="bad")
    assert str(nnt).startswith("NNTB 79.0") and "∞" in str(nnt)
    assert round(1 / 0.05) == 20 and "(1 / 0.05 = 20)" in md
    assert "1 / |RD|" not in md, "school maths: say 'ignoring its sign' rather than |RD|"
    assert "NNT (subtract)" not in md and "NNT (1 divided by the RD)" in md, "key points: the NNT is not a subtraction"


def test_exercises_are_numbered_in_reading_order_in_notebook_and_guide():
    """Sections 4-6: Exercise 1, 2, 3 appear in that order (the risk ratio of section 5 is Exercise 2), and the
    guide lists them in the same order under the same keys."""
    cells = _cells()
    order = []
    for i, (s, kind) in enumerate(cells):
        m = re.search(r"^### Exercise (\d+)", s, re.M)
        if m and kind == "markdown":
            key = re.search(r'ask\("(00\.\w+)"', cells[i + 2][0]).group(1)
            order.append((int(m.group(1)), key))
    assert [n for n, _ in order] == list(range(1, len(order) + 1))
    section = GUIDE.read_text(encoding="utf-8").split("## Notebook 00", 1)[1].split("\n## Notebook 01", 1)[0]
    assert re.findall(r"^#### Exercise (\d+): .*\(`(00\.\w+)`\)", section, re.M) == [(str(n), k) for n, k in order]


def test_section_5_example_fractions_are_not_answers_or_distractors():
    """Section 5, Exercise 2: an example fraction in the task or the learner's cell must not be the answer
    nor one of the wrong answers the hints catch (it once suggested 19/59, the emollient risk alone)."""
    cells = _cells()
    i = next(j for j, (s, _) in enumerate(cells) if "### Exercise 2" in s)
    q = exercises.get("00.horimukai_rr")
    bad = [q.answer] + [m.value for m in q.hints]
    for text in (cells[i][0], cells[i + 1][0]):
        for a, b in re.findall(r"\b(\d+)\s*/\s*(\d+)\b", text):
            assert all(abs(int(a) / int(b) - v) > 0.005 for v in bad), f"example {a}/{b} gives a value the question checks"


def test_section_4_parameter_table_shows_meanings_in_full():
    """Section 4: the parameter table is shown without pandas' 50-character truncation of 'meaning'."""
    spec = easi.Params.spec().loc[["age_0_to_7", "trunk_area", "trunk_erythema"]]
    assert spec["meaning"].str.len().max() > 50, "the guard matters only while a meaning is long"
    cell = next(s for s, kind in _cells() if kind == "code" and "Params.spec()" in s)
    assert '"display.max_colwidth", None' in cell and "meaning" in cell


def test_section_1_think_does_not_ask_what_the_figure_description_prints():
    """Section 1: the concept map's printed description names the barrier-Th2 two-way link, so the Think! must
    not ask the learner to find it."""
    _, description = figures.concept_map()
    assert "two arrows in opposite directions" in description
    think = next(s for s, kind in _cells() if kind == "markdown" and "**Think!** The map" in s)
    assert not re.search(r"(?i)\bfind\b", think.split("<details>", 1)[0])
