"""Numbers quoted in notebook 04 (The atopic march), recomputed from course_lib: each test names the section
it guards. The notebook itself holds no asserts (issue 12); issue-13 bugs of notebook 04 have a test here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_text import NotebookText

from course_lib import data, exercises, stats
from course_lib.exercises import nb04
from course_lib.models import march

ROOT = Path(__file__).resolve().parent.parent
NB = ROOT / "notebooks" / "04_atopic_march.ipynb"


_TEXT = NotebookText(NB.name)
markdown, code = _TEXT.markdown, _TEXT.code


@pytest.fixture(scope="module")
def prev():
    return data.load("march_prevalence_by_age")


def pct(prev, source, condition, age=None):
    rows = prev[(prev["source_id"] == source) & (prev["condition"] == condition)]
    if age is not None:
        rows = rows[rows["age_years"] == age]
    return float(rows["prevalence_pct"].iloc[0])


def test_section1_quoted_prevalences(prev):
    """Sections 1 and 6, Exercise 3: HealthNuts 11.0 -> 3.8 %, raw egg 8.9 %, GPRD eczema by 18 36.5 % (section 1 Think!)."""
    assert nb04.healthnuts_food_allergy() == (11.0, 3.8)
    assert pct(prev, "osborne2011", "raw_egg_allergy") == 8.9
    assert pct(prev, "punekar2009a", "eczema") == 36.5


def test_section1_cumulative_wording():
    """Section 1 (issue 13): cumulative prevalence is 'at least as high', not 'always higher'."""
    text = markdown()
    assert "always higher" not in text and "at least as high" in text


def test_section1_think_model_ever_eczema():
    """Section 1 Think! answer: about half of the model's children ever have eczema by 18; at most ~1 in 5 at once."""
    states = march.class_states(march.Params(), 10_000, seed=1)
    ever = (march.first_onsets(states)[:, 0] >= 0).mean()
    assert 0.45 < ever < 0.55
    assert march.simulate(march.Params())["eczema"].max() < 0.22


def test_section2_peanut_sensitisation_is_in_the_data(prev):
    """Section 2 (issue 13): 8.9 % peanut sensitisation and 3.0 % peanut allergy are rows of the data."""
    assert pct(prev, "osborne2011", "peanut_sensitisation") == 8.9
    assert pct(prev, "osborne2011", "peanut_allergy") == 3.0


def test_section2_leap_640_versus_628():
    """Section 2 (issue 13): 640 randomised, 628 analysed (530 + 98), 12 SPT-negative without an outcome (7 + 5)."""
    leap = data.load("march_leap")
    sizes = leap.groupby("stratum")["n"].sum()
    assert sizes["SPT-negative"] == 530 and sizes["SPT-positive 1-4 mm"] == 98 and sizes.sum() == 628
    text = markdown()
    assert "randomised 640 infants" in text and "530 + 98 = 628" in text and "(7 in the avoidance arm, 5 in" in text
    assert 640 - sizes.sum() == 7 + 5  # randomised (the paper) minus analysed (the data) = the two arms' missing


def test_section2_leap_relative_reductions_and_cis():
    """Section 2: 86 % and 70 % reductions; RR 0.14 (0.05-0.34), 0.30 (0.12-0.75); NNT 8.5 (6.1-13.6), 4.1 (2.5-11.3)."""
    neg, pos = nb04.leap_counts("SPT-negative"), nb04.leap_counts("SPT-positive 1-4 mm")
    for counts, rr_text, nnt_text in ((neg, (0.14, 0.05, 0.34), (8.5, 6.1, 13.6)),
                                      (pos, (0.30, 0.12, 0.75), (4.1, 2.5, 11.3))):
        (ea, na), (ee, ne) = counts["avoidance"], counts["consumption"]
        rr = stats.risk_ratio(ee, ne, ea, na)
        assert (round(rr.estimate, 2), round(rr.ci_low, 2), round(rr.ci_high, 2)) == rr_text
        nnt = stats.number_needed_to_treat(ee, ne, ea, na)
        assert (round(nnt.nnt, 1), round(nnt.ci_low, 1), round(nnt.ci_high, 1)) == nnt_text
    (ea, na), (ee, ne) = neg["avoidance"], neg["consumption"]
    assert round(1 - (ee / ne) / (ea / na), 2) == 0.86
    (ea, na), (ee, ne) = pos["avoidance"], pos["consumption"]
    assert round(1 - (ee / ne) / (ea / na), 2) == 0.70


def test_exercise1_nnt_rounded_up_is_explained_not_contradicted():
    """Section 2, Exercise 1 (issue 13): 9 (the NNT rounded up) gets its own hint; the solution does not call 9 the answer."""
    q = exercises.get("04.leap_nnt")
    assert q.shown(q.answer).startswith("8.5")
    fb = q.check(9)
    assert not fb.correct and "rounded up" in fb.hint
    assert "about 9 infants" not in markdown()


def test_section3_think_skin_route_off():
    """Section 3 Think! answer: skin route 0 -> wheeze 11.7 -> 10.0 %, rhinitis 17.2 -> 14.6 % at 11; class 4 -> 5 multimorbid."""
    k = int(11 / march.DT)
    on, off = march.simulate(march.Params()), march.simulate(march.Params(skin_sensitisation=0.0))
    assert round(100 * on["wheeze"].iloc[k], 1) == 11.7 and round(100 * off["wheeze"].iloc[k], 1) == 10.0
    assert round(100 * on["rhinitis"].iloc[k], 1) == 17.2 and round(100 * off["rhinitis"].iloc[k], 1) == 14.6
    assert abs(on["eczema"] - off["eczema"]).max() < 1e-9
    assert "wheeze from 11.7% to 10.0%, rhinitis from 17.2% to 14.6%" in markdown()
    from course_lib.explorers.march import CLASS_SEED, CLASS_SIZE
    counts = [int((march.GROUP_OF_STATE[march.class_states(p, CLASS_SIZE, CLASS_SEED)] == 4).any(axis=1).sum())
              for p in (march.Params(), march.Params(skin_sensitisation=0.0))]
    assert counts == [4, 5], "the Think! answer quotes the class moving the other way (4 -> 5)"


def test_section3_gaps_quoted():
    """Section 3: largest gap eczema at 6-7 years, model 12.5 % vs ISAAC 7.9 %; multimorbidity at 8.2 y 4.5 %."""
    cohort = march.simulate(march.Params())
    assert round(100 * march.prevalence_at(cohort, 6.5, "eczema"), 1) == 12.5
    assert round(100 * march.prevalence_at(cohort, 8.2, "p_multimorbid"), 1) == 4.5
    assert "12.5% in the model against 7.9%" in markdown() and "Multimorbidity at 8 years: 4.5%" in markdown()


def test_section3_gap_is_the_largest_and_data_quoted(prev):
    """Section 3: eczema at 6-7 years is the model's largest gap to the point prevalences; ISAAC 7.9 %,
    EuroPrevall multimorbidity 7.0 % and eczema 12.0 % are data rows."""
    cohort = march.simulate(march.Params())
    column = {"eczema": "eczema", "asthma_wheeze": "wheeze", "rhinitis": "rhinitis", "two_or_more": "p_multimorbid"}
    points = prev[(prev["measure"] == "point") & prev["condition"].isin(list(column))]
    gaps = {(r.source_id, r.age_years, r.condition): abs(100 * march.prevalence_at(cohort, r.age_years, column[r.condition])
                                                         - r.prevalence_pct) for r in points.itertuples()}
    assert max(gaps, key=gaps.get) == ("mallol2013", 6.5, "eczema")
    assert pct(prev, "mallol2013", "eczema", 6.5) == 7.9
    assert pct(prev, "sigurdardottir2021", "two_or_more") == 7.0 and pct(prev, "sigurdardottir2021", "eczema") == 12.0


def section(number: int) -> str:
    """The markdown of numbered section ``number`` (up to the next numbered section or Key points)."""
    text = markdown()
    start = re.search(rf"^## {number}\. ", text, re.M).start()
    end = re.compile(r"^## (\d+\. |Key points)", re.M).search(text, start + 1)
    return text[start:end.start()]


def test_core_keeps_the_contest_in_short_form():
    """Section 4 (core, follow-up to issue 12): the march-or-clustering evidence box stays in the core with both
    sides, and no core section hands the argument to a Going further section ("section 6 sets out both sides")."""
    four = section(4)
    assert "Evidence box: a march, or clustering?" in four
    assert "*For a march.*" in four and "*For clustering.*" in four and "*Where it stands.*" in four
    for n in range(1, 6):
        assert "Going further" not in section(n).splitlines()[0]
        assert not re.search(r"sets out both sides", section(n))
    assert all("Going further" in section(n).splitlines()[0] for n in range(6, 11))


def test_exercise2_model_odds_ratio_and_guide_numbers():
    """Section 3, Exercise 2 and its worked solution: OR 1.51 (risks 0.153, 0.107; odds 0.181, 0.120), RR 1.44, RD 0.047."""
    r_e, r_no = nb04.model_wheeze_risks()
    assert (round(r_e, 3), round(r_no, 3)) == (0.153, 0.107)
    assert (round(r_e / (1 - r_e), 3), round(r_no / (1 - r_no), 3)) == (0.181, 0.120)
    assert round(march.odds_ratio(r_e, r_no), 2) == 1.51 < 1.80
    assert round(r_e / r_no, 2) == 1.44 and round(r_e - r_no, 3) == 0.047
    q = exercises.get("04.model_odds_ratio")
    assert q.shown(q.answer).startswith("1.51")


def test_exercise2_defines_what_it_uses():
    """Section 3, Exercise 2 (issue 13): the task names no undefined variable such as `params`."""
    assert "conditional_risk(params" not in markdown() + code()


def test_key_point_matches_the_model():
    """Key points (issue 13): the default OR is below the published range, not an overshoot."""
    text = markdown()
    assert "overshoots a little" not in text
    assert "(1.51) is below the published 1.80–3.07" in text


def test_section4_belgrave_and_section7_exercise4():
    """Section 4 (3.1 % of all children) and section 7, Exercise 4 (6.4 % of children with symptoms)."""
    assert nb04.belgrave_share("atopic march") == 3.1 and nb04.belgrave_share("no disease") == 51.3
    q = exercises.get("04.march_among_symptomatic")
    assert q.shown(q.answer).startswith("6.4")


def test_section9_model_classic_order_and_multimorbidity():
    """Section 9 (going further): about 3 % follow the classic order; 26.7 % of eczema-alone children become multimorbid."""
    states = march.class_states(march.Params(), 10_000, seed=1)
    assert round(100 * march.follows_classic_march(states).mean()) == 3  # "about 3%": 2.7 % in the model
    assert round(100 * march.ever_multimorbid(march.Params()), 1) == 26.7
    assert "rare too (about 3%)" in markdown() and "multimorbidity (26.7%)" in markdown()


def _link_result(p):
    r_e, r_no = march.conditional_risk(p, "wheeze", 6.0, given_age=1.0)
    return march.odds_ratio(r_e, r_no), march.ever_multimorbid(p)


def test_section9_sweep_quoted_numbers():
    """Section 9 (going further; issue 13): 'at least 33.4 %' is what the sweep prints; shorter episodes give OR 1.86 and 26 %."""
    d = march.Params()
    sweep = [(s, h, *_link_result(d.replace(skin_sensitisation=s, sensitised_hr=h)))
             for s in (0.0, 0.5, 1.0, 1.5, 2.0) for h in range(1, 9)]
    lowest = min(r[3] for r in sweep if r[2] >= 1.80)
    assert round(100 * lowest, 1) == 33.4
    assert "at least 33.4%" in markdown() and "at least 30%" not in markdown()
    or_short, ever_short = _link_result(d.replace(eczema_remission=0.5, skin_sensitisation=1.0, sensitised_hr=3.0))
    assert round(or_short, 2) == 1.86 and round(100 * ever_short) == 26


def test_section10_think_intervention():
    """Section 10 (going further) Think! answer: with the skin route at 0 the intervention leaves wheeze/rhinitis unchanged and
    multimorbidity at 11 still falls, 3.6 -> 2.6 %; with the default route wheeze and rhinitis fall < 10 %."""
    k = int(11 / march.DT)
    base = march.Params(skin_sensitisation=0.0)
    u, t = march.simulate(base), march.simulate(base.replace(treat_strength=0.5, treat_start=0.5))
    for col in ("wheeze", "rhinitis"):
        assert abs(u[col] - t[col]).max() < 1e-9
    assert (round(100 * u["p_multimorbid"].iloc[k], 1), round(100 * t["p_multimorbid"].iloc[k], 1)) == (3.6, 2.6)
    assert "at 11 years from 3.6% to 2.6%" in markdown()
    u, t = march.simulate(march.Params()), march.simulate(march.Params(treat_strength=0.5, treat_start=0.5))
    assert t["eczema"].iloc[k] < 0.5 * u["eczema"].iloc[k]
    for col in ("wheeze", "rhinitis"):
        assert 0.0 < 1 - t[col].iloc[k] / u[col].iloc[k] < 0.10


def test_association_wording():
    """Issue 13: observational results are worded as associations ("raises their risk" is gone)."""
    text = markdown()
    assert not re.search(r"raises? their risk|eczema (raises|increases) the risk", text)
    assert "Lin et al. 2024" in text and "observational" in text


def test_references_tell_punekar_apart():
    """References (issue 13): Punekar & Sheikh 2009a and 2009b are labelled; no internal notes."""
    refs = markdown().split("## References", 1)[1]
    assert "Sheikh A (2009a)" in refs and "Sheikh A (2009b)" in refs
    assert not re.search(r"not checked|abstract seen|UNVERIFIED", refs, re.I)
