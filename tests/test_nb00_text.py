"""Numbers quoted in notebook 00's prose, Think! answers and worked solutions, recomputed from course_lib
(the notebook itself holds no asserts). Each test names the section it guards."""
import pytest

from course_lib import data, exercises, measures, stats
from course_lib.exercises import nb00
from course_lib.figures import nb00 as figures
from course_lib.models import easi


def test_section_3_evidence_box_and_band_edges():
    """Section 3: EASI 6.5 and 22.0 change band with the scheme; the itch scale has no 'none' band."""
    assert measures.band(6.5, "EASI", "Leshem 2015") == "mild" and measures.band(6.5, "EASI", "Chopra 2017") == "moderate"
    assert measures.band(22.0, "EASI", "Leshem 2015") == "severe"
    assert measures.band(22.0, "EASI", "Chopra 2017") == "moderate"
    itch = measures.bands("Itch NRS", "Vakharia 2018")
    assert list(itch["band"]) == ["mild", "moderate", "severe"] and itch["lower"].iloc[0] == 0


def test_section_3_band_figure_description_matches_the_table():
    """Section 3: the figure's description is computed; severe bands take < 50 % for POEM, Itch NRS, vIGA-AD."""
    shares = figures.band_shares(data.load("severity_bands"))
    severe = {k[0]: v.get("severe", 0) + v.get("very severe", 0) for k, v in shares.items()}
    assert severe["POEM"] < 50 and severe["Itch NRS"] < 50 and severe["vIGA-AD"] < 50
    assert severe["EASI"] > 50
    _, description = figures.severity_bands_figure(data.load("severity_bands"))
    assert "{" not in description and "Itch NRS, POEM and vIGA-AD" in description


def test_section_4_region_scores_and_total():
    """Section 4, Exercises 1-2 and the region Think!: 0.8 + 4.2 + 0.3 + 4.4 = 9.7, moderate under both schemes."""
    scores = nb00.region_scores()["region_score"].round(6).to_dict()
    assert scores == {"head_neck": 0.8, "upper_limbs": 4.2, "trunk": 0.3, "lower_limbs": 4.4}
    total = easi.total(nb00.patient())
    assert total == pytest.approx(9.7)
    assert measures.band(total, "EASI", "Leshem 2015") == measures.band(total, "EASI", "Chopra 2017") == "moderate"
    assert max(scores, key=scores.get) == "lower_limbs"


def test_section_4_children_think():
    """Section 4, children Think!: with the children's weights head 1.6, lower limbs 3.3, total 9.4, still moderate."""
    child = easi.Params(**{**nb00.PATIENT, "age_0_to_7": 1})
    scores = easi.simulate(child).set_index("region")["region_score"]
    assert scores["head_neck"] == pytest.approx(1.6) and scores["lower_limbs"] == pytest.approx(3.3)
    total = easi.total(child)
    assert total == pytest.approx(9.4)
    assert measures.band(total, "EASI", "Leshem 2015") == measures.band(total, "EASI", "Chopra 2017") == "moderate"


def test_section_5_beep_numbers():
    """Section 5: BEEP control risk 0.245, odds 0.32, RR 0.95 (0.78 to 1.16)."""
    trials = data.load("emollient_prevention_trials").query("trial == 'BEEP 2020' and outcome == 'eczema'")
    counts = {r.arm: (r.events, r.n) for r in trials.itertuples()}
    assert counts == {"emollient": (139, 598), "control": (150, 612)}
    assert round(150 / 612, 3) == 0.245 and round(150 / (612 - 150), 2) == 0.32
    rr = stats.risk_ratio(139, 598, 150, 612)
    assert (round(rr.estimate, 2), round(rr.ci_low, 2), round(rr.ci_high, 2)) == (0.95, 0.78, 1.16)
    assert "∞" in str(stats.number_needed_to_treat(139, 598, 150, 612, outcome="bad"))


def test_section_5_horimukai_exercise_and_think():
    """Section 5, Exercise 3 and its Think!: RR 0.68 (0.43 to 1.07) from 19/59 vs 28/59; 118 babies, BEEP ~10x."""
    trials = data.load("emollient_prevention_trials").query("trial == 'Horimukai 2014' and outcome == 'eczema'")
    assert {r.arm: (r.events, r.n) for r in trials.itertuples()} == {"emollient": (19, 59), "control": (28, 59)}
    rr = stats.risk_ratio(19, 59, 28, 59)
    assert str(rr) == "RR 0.68 (95% CI 0.43 to 1.07)"
    assert exercises.get("00.horimukai_rr").shown(rr.estimate) == "0.68"
    assert round((598 + 612) / 118) == 10
    _, description = figures.trial_rows([rr, stats.risk_ratio(139, 598, 150, 612)], ["H", "B"])
    assert "Both intervals cross the line at 1." in description
