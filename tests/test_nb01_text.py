"""Numbers quoted in notebook 01 (the skin barrier), recomputed from course_lib and the data.

Each test names the notebook section it guards. The notebook itself holds no asserts (issue 12); the
issue-13 corrections of notebook 01 are guarded here so that they cannot return.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from notebook_text import NotebookText

from course_lib import data, exercises, stats, trials
from course_lib.explorers import barrier as explorer
from course_lib.exercises import nb01 as ex01
from course_lib.figures import nb01 as figures
from course_lib.models import barrier

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_skin_barrier.ipynb"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.\[\]'\"]*(?:[:!][^{}]*)?\}")


_TEXT = NotebookText(NOTEBOOK.name)
cells, markdown, prose, section = _TEXT.cells, _TEXT.markdown, _TEXT.prose, _TEXT.section


def key_points() -> str:
    text = prose()
    return text[text.index("## Key points"):text.index("## What next")]


def flg():
    return data.load("flg_risk")


def tewl_rows():
    df = data.load("skin_barrier_measurements")
    return df[df["quantity"] == "TEWL"]


def measured():
    return figures.measured_tewl(data.load("skin_barrier_measurements"))


def odds_ratio(source, outcome, comparison="carriers vs non-carriers", population=None):
    df = flg()
    rows = df[(df["quantity"] == "odds ratio") & (df["source_id"] == source) & (df["outcome"] == outcome)
              & (df["comparison"] == comparison)]
    if population:
        rows = rows[rows["population"] == population]
    r = rows.iloc[0]
    return r["value"], r["ci_low"], r["ci_high"]


# ------------------------------------------------------------------ section 1

def test_section_1_flg_odds_ratios_quoted():
    """Section 1, 'Three things to notice', and the Key points: the odds ratios quoted."""
    assert odds_ratio("vandenoord2009", "eczema", population="case-control studies")[0] == 4.78
    assert odds_ratio("vandenoord2009", "eczema", population="family studies")[0] == 1.99
    assert odds_ratio("brown2008", "eczema", "one null allele vs none") == (1.2, 0.7, 1.9)
    assert odds_ratio("brown2008", "eczema", "two null alleles vs none")[0] == 26.9
    assert odds_ratio("rodriguez2009", "asthma") == (1.48, 1.32, 1.66)
    assert odds_ratio("rodriguez2009", "asthma with eczema") == (3.29, 2.84, 3.82)
    text = section(1)
    for quoted in ("4.78", "1.99", "1.2 (0.7 to 1.9)", "26.9 (3.3 to 217.1)", "1.48 (1.32 to 1.66)", "3.29"):
        assert quoted in text, quoted


def test_section_1_asthma_without_eczema_is_explained():
    """Issue 13: key points and section 1 say how the overall asthma OR relates to 'without eczema'."""
    assert "without eczema" in section(1) and "1.48" in section(1)
    kp = key_points()
    assert "3.29" in kp and "without eczema" in kp
    assert "only together with eczema" not in kp


def test_exercise_1_carrier_ratio_and_81_percent():
    """Section 1, Exercise 1 (and section 6's Think answer): 19.1 / 5.8 = 3.3; about 81 % carry none."""
    c = ex01.carriers()
    assert (c["ad"], c["general"]) == (19.1, 5.8)
    assert round(c["ad"] / c["general"], 1) == 3.3
    assert round(100 - c["ad"]) == 81
    assert "about three times" in key_points()


# ------------------------------------------------------------------ section 2

def test_section_2_kottner_values_and_citation():
    """Section 2: 2.3 and 44 g/m²/h across 50 skin areas in 167 studies, cited as Kottner et al. 2013 (issue 13)."""
    k = tewl_rows().query("source_id == 'kottner2013'").set_index("site")["value"]
    assert k.min() == 2.3 and k.max() == 44.0
    assert all("50 skin areas" in site for site in k.index)
    text = section(2)
    assert "2.3 g/m²/h" in text and "44 in the armpit" in text and "50 skin areas in 167 studies" in text
    assert "Kottner et al. 2013" in text
    refs = markdown().split("## References", 1)[1]
    kottner = next(line for line in refs.splitlines() if line.startswith("- Kottner"))
    assert "2013" in kottner and "10.1007/s00403-012-1313-6" in kottner and "bjd.17025" not in kottner
    pkg = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    source = next(s for r in pkg["resources"] for s in r.get("sources", []) if s.get("id") == "kottner2013")
    assert source["doi"] == "10.1007/s00403-012-1313-6" and "2018" not in source["title"]
    assert "86" not in source["locator"] and "212" not in source["locator"]


def test_section_2_montero_vilchez_ratios():
    """Section 2 evidence box and Key points: lesions about 2.5 times healthy, non-lesional about 13 % more."""
    m = measured()
    assert (m["healthy"], m["non-lesional"], m["lesional"]) == (11.6, 13.15, 28.68)
    assert round(m["lesional"] / m["healthy"], 1) == 2.5
    assert round(100 * (m["non-lesional"] / m["healthy"] - 1)) == 13
    assert "28.68 vs 11.6" in section(2) and "13 %" in section(2)


def test_section_6_think_babies_and_adults():
    """Section 6 Think answer: Montero-Vilchez healthy mean 11.6, Flohr infants' median 11.24."""
    flohr = tewl_rows().query("source_id == 'flohr2010' and skin_state == 'healthy'").iloc[0]
    assert flohr["value"] == 11.24 and flohr["statistic"] == "median"
    assert "11.24" in section(6)


# ------------------------------------------------------------------ section 3 (model)

def test_section_3_integrity_rule_stated_before_exercise_2():
    """Issue 13: Exercise 2 (the old Exercise 3) needs the integrity rule; section 3 states it, with the genotype factors of the model."""
    text = section(3)
    rule = text.index(r"b = g \times (1 - \text{inflammation}) \times (1 - \text{scratch})")
    assert rule < text.index("### Exercise 2")
    assert barrier.FLG_INTEGRITY == {0: 1.0, 1: 0.9125, 2: 0.825}
    assert "$g$ = 1, 0.9125 or 0.825" in text
    p = barrier.Params(flg_null_alleles=1, inflammation=0.5, scratch=0.3)
    assert barrier.integrity(p) == pytest.approx(0.9125 * 0.5 * 0.7)


def test_section_3_calibration():
    """Section 3: healthy default near 11.6 g/m²/h; one allele about 17 % more (Hoyer 9.68 vs 8.24)."""
    healthy = barrier.steady_tewl(barrier.Params())
    assert abs(healthy - measured()["healthy"]) / measured()["healthy"] < 0.05
    carrier = barrier.steady_tewl(barrier.Params(flg_null_alleles=1))
    assert carrier / healthy == pytest.approx(9.68 / 8.24, rel=0.01)
    assert round(100 * (9.68 / 8.24 - 1)) == 17   # the data (Hoyer), which the prose quotes; the model gives 18
    assert "17 % more water loss (9.68 vs" in prose()


def test_section_3_model_figure_lines_converge_and_description_says_so():
    """Issue 13: the null-allele lines converge with inflammation; the description no longer says they 'lift the whole line'."""
    gaps = [barrier.steady_tewl(barrier.Params(flg_null_alleles=2, inflammation=x))
            - barrier.steady_tewl(barrier.Params(inflammation=x)) for x in (0.0, 0.35, 0.7)]
    assert gaps[0] > gaps[1] > gaps[2] > 0
    fig, description = figures.tewl_model(measured())
    assert "lifts the whole line" not in description and "draw together" in description
    assert "draw together" in section(3)


def test_section_3_exercise_2_value():
    """Section 3, Exercise 2: 25.9 g/m²/h, within 10 % of the measured lesional mean 28.68."""
    q = exercises.get("01.lesion_tewl")
    assert q.shown(q.answer) == "25.9 g/m²/h"
    assert abs(q.answer - measured()["lesional"]) / measured()["lesional"] < 0.10


def test_section_7_think_thickness():
    """Section 7 Think: twice the thickness halves TEWL; palm (173 µm, Egawa) is in the model's range, about 1.0."""
    rows = data.load("skin_barrier_measurements").query("source_id == 'egawa2007'").set_index("site")["value"]
    assert (rows["cheek"], rows["volar forearm"], rows["palm"]) == (16.8, 22.6, 173.0)
    spec = barrier.Params.spec()
    assert spec.loc["thickness_um", "lower"] <= 16.8 and spec.loc["thickness_um", "upper"] >= 173.0
    base = barrier.steady_tewl(barrier.Params())
    assert barrier.steady_tewl(barrier.Params(thickness_um=30.0)) == pytest.approx(base / 2, rel=1e-9)
    assert (round(base, 2), round(base / 2, 2)) == (11.25, 5.62)
    assert round(barrier.steady_tewl(barrier.Params(thickness_um=173.0)), 1) == 1.0
    assert round(barrier.steady_tewl(barrier.Params(thickness_um=22.6)), 1) == 7.5
    text = section(7)
    for quoted in ("16.8 µm", "22.6 µm", "173 µm", "8 to 200 µm", "11.25", "5.62", "about 1.0", "7.5"):
        assert quoted in text, quoted


def test_section_7_think_emollient_share_and_allergen():
    """Section 7 Think: a fresh layer halves healthy TEWL and cuts Exercise 2's skin by about 73 %; allergen unchanged."""
    healthy, lesion = barrier.Params(), barrier.Params(**ex01.LESION)
    h0, h1 = barrier.steady_tewl(healthy), barrier.steady_tewl(healthy, film=1.0)
    l0, l1 = barrier.steady_tewl(lesion), barrier.steady_tewl(lesion, film=1.0)
    assert (round(h0, 1), round(h1, 1)) == (11.2, 5.6) and round(1 - h1 / h0, 2) == 0.5
    assert (round(l0, 1), round(l1, 1)) == (25.9, 7.0) and round(100 * (1 - l1 / l0)) == 73
    with_film = barrier.simulate(barrier.Params(**ex01.LESION, applications_per_day=2), days=1.0)
    without = barrier.simulate(lesion, days=1.0)
    assert np.allclose(with_film["allergen_dose"], without["allergen_dose"])
    assert "73 %" in section(7)


def test_section_7_exercise_5():
    """Section 7, Exercise 5: 12 hours at a 4-hour half-life leaves 0.125."""
    q = exercises.get("01.film_left")
    assert q.shown(q.answer) == "0.125"


def test_measured_reference_lines_have_distinct_dash_patterns():
    """Issue 13: healthy and lesional reference lines had near-identical dash patterns."""
    styles = list(explorer.MEASURED_STYLES.values())
    assert len({str(s) for s in styles}) == 3
    dashes = [s[1] for s in styles]
    assert all(len(a) != len(b) or max(a) != max(b) for i, a in enumerate(dashes) for b in dashes[i + 1:])


# ------------------------------------------------------------------ sections 4-5 (trials)

def _arm(trial, outcome, arm):
    df = data.load("emollient_prevention_trials")
    return df[(df["trial"] == trial) & (df["outcome"] == outcome) & (df["arm"] == arm)].iloc[0]


def test_section_4_trial_numbers():
    """Section 4 and its evidence box: BEEP, PreventADALL food allergy, Cochrane, STOP-AD, Horimukai."""
    beep_e, beep_c = _arm("BEEP 2020", "eczema", "emollient"), _arm("BEEP 2020", "eczema", "control")
    assert (beep_e["reported_effect"], beep_e["ci_low"], beep_e["ci_high"]) == (0.95, 0.78, 1.16)
    fa_e, fa_c = _arm("BEEP 5 years", "food allergy", "emollient"), _arm("BEEP 5 years", "food allergy", "control")
    assert (round(100 * fa_e["events"] / fa_e["n"]), round(100 * fa_c["events"] / fa_c["n"])) == (15, 14)
    pa_s = _arm("PreventADALL 2022", "food allergy", "skin")
    pa_n = _arm("PreventADALL 2022", "food allergy", "no intervention")
    assert (round(100 * pa_s["events"] / pa_s["n"], 1), round(100 * pa_n["events"] / pa_n["n"], 1)) == (3.0, 2.3)
    cochrane = _arm("Cochrane 2021", "eczema", "pooled")
    assert (cochrane["reported_effect"], cochrane["ci_low"], cochrane["ci_high"], cochrane["n"]) == (1.03, 0.81, 1.31, 3075)
    stop = _arm("STOP-AD 2023", "eczema", "emollient")
    assert (stop["reported_effect"], stop["ci_low"], stop["ci_high"]) == (0.707, 0.516, 0.965)
    text = section(4)
    for quoted in ("0.95, 0.78 to 1.16", "15 % vs 14 %", "3.0 % vs 2.3 %", "RR 1.03 (0.81 to 1.31)",
                   "RR 0.707, 0.516 to 0.965", "19 of 59 vs 28 of 59"):
        assert quoted in text, quoted


def test_section_4_horimukai_timepoint_agrees_with_data():
    """Issue 13: Horimukai 'by week 32' in the prose; the data's months are 32 weeks rounded (7), and the prose says so."""
    row = _arm("Horimukai 2014", "eczema", "emollient")
    assert "week 32" in row["outcome_definition"]
    assert row["timepoint_months"] == round(32 * 7 / (365.25 / 12))
    assert "week 32 (about 7 months)" in section(4)
    assert "8 months" not in prose()


def test_largest_trial_is_named_consistently():
    """Issue 13: 'BEEP, by far the largest trial' and 'PreventADALL, the largest trial' no longer both appear."""
    text = prose()
    assert "by far the largest" not in text
    for m in re.finditer(r"largest trial", text):
        window = text[max(0, m.start() - 120): m.end() + 40]
        assert "PreventADALL" in window, window
    assert "2397" in section(4) and "1394" in section(4)


def test_section_4_cochrane_current_version_and_food_allergy_wording():
    """Issue 13: the Cochrane review's current version (2022, pub3) is cited with its food-allergy wording."""
    assert "may increase the chance of food allergy" in section(4) and "Kelleher et al. 2022" in section(4)
    refs = markdown().split("## References", 1)[1]
    assert "CD013534.pub3" in refs and "10.1002/14651858.CD013534.pub3" in refs


def test_section_4_zhong_subgroups():
    """Section 4 evidence box and section 8: Zhong's results are tied to their subgroups; the printed interval is lopsided."""
    assert "6 studies where emollient was still in use" in section(4) and "RR 0.59, 0.43 to 0.81" in section(4)
    s8 = section(8)
    assert "high-risk subgroup (8 studies)" in s8 and "0.62 to 1.11" in s8
    assert (round(0.75 / 0.62, 2), round(1.11 / 0.75, 2)) == (1.21, 1.48)
    assert "0.75 / 0.62 = 1.21" in s8 and "1.11 / 0.75 = 1.48" in s8


def test_section_4_think_delay_ages():
    """Section 4 Think answer: the pilots were counted at 6 months and week 32 (during use), BEEP at 24 and 60 months."""
    assert _arm("Simpson 2014", "eczema", "emollient")["timepoint_months"] == 6
    assert _arm("Horimukai 2014", "eczema", "emollient")["timepoint_months"] == 7
    assert _arm("BEEP 2020", "eczema", "emollient")["timepoint_months"] == 24
    assert _arm("BEEP 5 years", "eczema", "emollient")["timepoint_months"] == 60
    assert "6 and 7 months" in section(4)


# ------------------------------------------------------------------ section 8 (pooling)

def test_section_8_quick_pool():
    """Section 8: the quick random-effects pool of four trials is 0.75 (0.58 to 0.97), I² 52 %; BEEP has most fixed weight."""
    prevention = data.load("emollient_prevention_trials")
    effects = trials.trial_effects(prevention, outcome="eczema", exclude=("BEEP 5 years",))
    pooled = stats.pool(effects)
    assert round(pooled.i2) == 52
    assert (round(pooled.estimate, 2), round(pooled.ci_low, 2), round(pooled.ci_high, 2)) == (0.75, 0.58, 0.97)
    w = pooled.studies.set_index("study")
    beep = next(s for s in w.index if s.startswith("BEEP"))
    assert w["weight_fixed"].idxmax() == beep and w.loc[beep, "weight_random"] < w.loc[beep, "weight_fixed"]
    assert "RR 0.75 (0.58 to 0.97)" in section(8) and "I² = 52 %" in section(8)


# ------------------------------------------------------------------ section 9 (simulated trials)

def test_section_9_chance_and_power():
    """Section 9: about 1 pilot in 50 shows RR <= 0.5 by chance; none at 600 per arm; BEEP power 53 % for RR 0.8."""
    pilot = trials.summarise(trials.simulate_trials(trials.TrialParams(true_rr=1.0, n_per_arm=60, n_trials=2000, seed=1)))
    large = trials.summarise(trials.simulate_trials(trials.TrialParams(true_rr=1.0, n_per_arm=600, n_trials=2000, seed=1)))
    assert 0.01 < pilot["share_big"] < 0.03 and large["share_big"] == 0.0
    assert round(100 * trials.normal_power(150 / 612, 0.8, 600)) == 53
    assert "1 pilot in 50" in section(9) and "53 %" in section(9)


def test_section_9_think_winners_curse():
    """Section 9 Think answer: with true RR 0.8 and 60 per arm, about 8 % significant, median significant RR about 0.43."""
    s = trials.summarise(trials.simulate_trials(trials.TrialParams(true_rr=0.8, n_per_arm=60, n_trials=2000, seed=1)))
    assert round(100 * s["share_significant"]) == 8
    assert round(s["median_rr_significant_benefit"], 2) == 0.43
    assert "about 8 %" in section(9) and "about 0.43" in section(9)


def test_exercise_6_power():
    """Section 9, Exercise 6: power 87.4 % for RR 0.7 at 600 per arm and BEEP's control risk 0.245."""
    q = exercises.get("01.power_rr07")
    assert q.shown(q.answer) == "87.4 %"
    assert round(ex01.beep_control_risk(), 3) == 0.245


def _simulator_text(p: trials.TrialParams, median: float) -> str:
    summary = {"trials": 2000, "share_significant": 0.9, "share_big": 0.4,
               "median_rr_significant_benefit": median}
    result = {"ns": np.zeros(3), "sig": np.zeros(3), "summary": summary, "normal": 0.9}
    artists = {"ns": mock.Mock(), "sig": mock.Mock(), "true": mock.Mock()}
    return explorer._trial_update(artists, result, p)


def test_trial_simulator_description_compares_median_with_truth():
    """Issue 13: 'median RR 0.50, stronger than the truth' when the truth is 0.50; control risk 0.245 shown as 0.24."""
    p = trials.TrialParams(true_rr=0.5, n_per_arm=600, control_risk=0.245)
    text = _simulator_text(p, 0.501)
    assert "stronger" not in text and "equal to the true 0.5" in text
    assert "control risk of 0.245" in text
    assert "stronger than the true 0.5" in _simulator_text(p, 0.41)
    assert "weaker than the true 0.5" in _simulator_text(p, 0.62)


# ------------------------------------------------------------------ whole notebook

def test_figure_descriptions_have_no_unformatted_placeholders():
    """Issue 13: no unformatted {...} in any figure description (every figure function of notebook 01)."""
    prevention = data.load("emollient_prevention_trials")
    for fig, description in (figures.flg_odds_ratios(flg()),
                             figures.tewl_by_skin_state(data.load("skin_barrier_measurements")),
                             figures.tewl_model(measured()),
                             figures.effects_by_age(prevention)):
        assert description.strip() and not PLACEHOLDER.search(description), description
    p = barrier.Params(applications_per_day=1)
    df = barrier.simulate(p, days=explorer.DAYS)
    artists = {"with": mock.Mock(), "without": mock.Mock(), "dose": mock.Mock()}
    assert not PLACEHOLDER.search(explorer._update_barrier(artists, df, p))


def test_no_internal_notes_in_references():
    """Issue 13: learner-facing references carry no internal notes."""
    refs = markdown().split("## References", 1)[1]
    for note in ("not checked", "abstract seen", "attributed)", "cannot raise TEWL", "journal version"):
        assert note not in refs, note


def test_time_line_states_core_and_full():
    """Issue 12 item 6: the front matter states the core path and the full time."""
    front = "".join(cells()[1]["source"])
    assert re.search(r"Core path: reading \d+ min \+ exercises \d+ min = about \*\*\d+ min\*\*", front)
    assert "Going further" in front
    assert len(re.findall(r"^## \d+\. Going further: ", prose(), re.M)) == 4


def test_no_figure_code_cell_is_long():
    """Issue 12 item 2: figure plumbing lives in course_lib/figures/nb01.py; no visible code cell over 12 lines."""
    for c in cells():
        if c["cell_type"] == "code":
            assert len("".join(c["source"]).splitlines()) <= 12, "".join(c["source"])[:200]


def test_no_assert_in_notebook_and_math_sanity():
    """Issue 12: the notebook's checks live here, not in asserts."""
    code = "\n".join("".join(c["source"]) for c in cells() if c["cell_type"] == "code")
    assert not re.search(r"^\s*assert\b", code, re.M)


# ------------------------------------------------- learner walk-through (review after issues 12 and 13)

def _before(marker: str) -> str:
    text = prose()
    return text[:text.index(marker)]


def test_section_5_no_summary_that_is_exercise_3s_answer():
    """Sections 4-5: nothing before Exercise 3 restates its right option (D) as a summary."""
    before = _before("### Exercise 3")
    assert "In short:" not in before
    assert "delay is still open" not in before
    assert exercises.get("01.evidence_summary").answer == 3   # option D


def test_exercise_4_reading_not_given_before_it():
    """Sections 1 and 6: the reading of Brown's one-allele interval (Exercise 4, option C) comes after the exercise."""
    before = _before("### Exercise 4")
    assert "did not clearly raise the odds" not in before
    assert "no clear excess" not in before
    after = prose()[prose().index("### Exercise 4"):]
    assert "**Think!** Most people with eczema carry no" in after


def test_section_3_right_panel_beta_explained_in_the_core():
    """Section 3: the model figure's right panel compares beta 0 and 2; the core section says what beta is."""
    fig, description = figures.tewl_model(measured())
    assert "beta" in description
    text = section(3)
    assert "`beta` = 0" in text and "`beta` = 2" in text and "Blank et al. 1984" in text
    assert barrier.Params().beta == 2.0


def test_section_2_retracted_paper_is_cited():
    """Section 2 evidence box: the retracted 2015 TEWL paper is named and listed in the References as retracted."""
    assert "(Kelleher et al. 2015)" in section(2)
    refs = markdown().split("\n## References", 1)[1]
    assert re.search(r"Kelleher M, Dunn-Galvin A.*2015.*Retracted", refs)
