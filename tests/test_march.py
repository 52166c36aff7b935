"""The atopic-march model (notebook 04), its datasets and its explorers.

Tolerances:
* exact-arithmetic identities (probabilities summing to 1, equal risks when a
  link is switched off, monotonicity) use 1e-9 to 1e-12: the matrix exponential
  of a 16 x 16 generator with rates below 10 per year is accurate to ~1e-14,
  and 72 steps of propagation add rounding of the same order;
* the individual simulation is checked against the cohort view within 4
  binomial standard errors sqrt(p (1 - p) / n) per age (a seeded run; for a
  correct simulation a 4-SE miss has probability about 6e-5 per comparison);
* published figures are matched to the rounding of the printed number.
"""
import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from course_lib import data, stats
from course_lib.models import march

LABEL_COLUMNS = ["eczema", "wheeze", "rhinitis", "sensitised"]
GROUP_COLUMNS = [f"p_{g}" for g in march.GROUPS]


def random_params():
    fields = {}
    for f in dataclasses.fields(march.Params):
        m = f.metadata
        fields[f.name] = st.floats(m["lower"], m["upper"], allow_nan=False)
    return st.builds(march.Params, **fields)


# ------------------------------------------------------------- conservation

@pytest.mark.parametrize("band", range(5))
@pytest.mark.parametrize("treated", [False, True])
def test_generator_rows_sum_to_zero_and_rates_are_non_negative(band, treated):
    Q = march.generator(march.Params(treat_strength=0.7), band, treated)
    np.testing.assert_allclose(Q.sum(axis=1), 0.0, atol=1e-12)
    off = Q - np.diag(np.diag(Q))
    assert (off >= 0).all()


@settings(max_examples=40, deadline=None)
@given(random_params())
def test_state_probabilities_sum_to_one_and_stay_in_0_1_at_every_age(p):
    df = march.simulate(p)
    np.testing.assert_allclose(df[GROUP_COLUMNS].sum(axis=1), 1.0, atol=1e-9)
    march.validate(df)  # in [0, 1]: simulate puts back only round-off (1e-12), so this can fail
    # the unclipped probabilities themselves: within round-off of [0, 1]
    full = march.state_probabilities(p)
    np.testing.assert_allclose(full.sum(axis=1), 1.0, atol=1e-9)
    assert full.min() >= -1e-12 and full.max() <= 1 + 1e-12


def test_a_probability_outside_0_1_is_not_hidden():
    # simulate must not clip a real error away: only round-off is put back
    bad = np.array([[0.5, -1e-6, 1.0 + 1e-15, -1e-15]])
    out = march._round_off(bad)
    assert out[0, 1] == -1e-6 and out[0, 2] == 1.0 and out[0, 3] == 0.0


def test_everyone_starts_healthy_and_ages_run_0_to_18():
    df = march.simulate(march.Params())
    assert df["age"].iloc[0] == 0 and df["age"].iloc[-1] == 18 and len(df) == 73
    assert df["p_none"].iloc[0] == 1.0
    assert df.columns[0] == "age" and set(df.attrs["units"]) == set(df.columns)


def test_labels_and_groups_are_consistent():
    # eczema prevalence = mainly eczema + the multimorbid children who have eczema
    p = march.Params()
    probs = march.state_probabilities(p)
    df = march.simulate(p)
    multi_with_e = probs[:, [s for s in march.MULTIMORBID_STATES if s & 1]].sum(axis=1)
    np.testing.assert_allclose(df["eczema"], df["p_mainly_eczema"] + multi_with_e, atol=1e-12)


# ------------------------------------------------------------- limits

@pytest.mark.parametrize("switch_off", [dict(skin_sensitisation=0.0), dict(sensitised_hr=1.0)])
@pytest.mark.parametrize("outcome,age", [("wheeze", 6.0), ("rhinitis", 8.0), ("wheeze", 14.0), ("rhinitis", 18.0)])
def test_with_the_eczema_effect_off_eczema_no_longer_changes_later_risks(switch_off, outcome, age):
    p = march.Params(**switch_off)
    with_e, without_e = march.conditional_risk(p, outcome, age, given="eczema", given_age=1.0)
    assert with_e == pytest.approx(without_e, abs=1e-9)


@pytest.mark.parametrize("outcome,age", [("wheeze", 6.0), ("rhinitis", 8.0)])
def test_with_the_default_link_eczema_raises_later_risk(outcome, age):
    # the test above would pass trivially if eczema never mattered: here it must
    with_e, without_e = march.conditional_risk(march.Params(), outcome, age, given_age=1.0)
    assert with_e > 1.2 * without_e


@pytest.mark.parametrize("outcome,age,expected", [("wheeze", 6.0, 1.51), ("rhinitis", 8.0, 1.60)])
def test_default_link_odds_ratio_regression(outcome, age, expected):
    # regression values of the illustrative defaults (notebook 04, exercise 3 teaches 1.51). They
    # sit below the published 1.80-3.07 on purpose: section 4 of the notebook discusses the gap.
    # Tolerance 0.02: the ORs are exact (matrix exponentials), so only a change of the model or
    # its defaults can move them; 0.02 is the rounding of the printed value.
    with_e, without_e = march.conditional_risk(march.Params(), outcome, age, given_age=1.0)
    assert march.odds_ratio(with_e, without_e) == pytest.approx(expected, abs=0.02)


def test_no_eczema_onset_means_no_eczema():
    df = march.simulate(march.Params(eczema_onset=0.0))
    assert df["eczema"].max() == 0 and df["p_mainly_eczema"].max() == 0


def test_stronger_link_raises_later_multimorbidity():
    low = march.simulate(march.Params(sensitised_hr=1.5))
    high = march.simulate(march.Params(sensitised_hr=6.0))
    assert (high["p_multimorbid"].iloc[20:] > low["p_multimorbid"].iloc[20:]).all()


# ------------------------------------------------------------- individual vs cohort

@pytest.mark.parametrize("n", [400, 4000, 40000])
def test_individual_simulation_converges_to_the_cohort_view(n):
    p = march.Params(treat_strength=0.4, treat_start=1.3)  # also checks the split step at 1.3 y
    cohort = march.simulate(p)
    states = march.class_states(p, n, seed=11)
    for age in (1.0, 4.0, 8.0, 14.0, 18.0):
        k = int(round(age / march.DT))
        for g, col in enumerate(GROUP_COLUMNS):
            expected = cohort[col].iloc[k]
            observed = (march.GROUP_OF_STATE[states[:, k]] == g).mean()
            se = math.sqrt(max(expected * (1 - expected), 1e-6) / n)
            assert abs(observed - expected) <= 4 * se, (age, col, observed, expected, n)


def test_class_error_shrinks_as_the_class_grows():
    p = march.Params()
    target = march.simulate(p)["eczema"].to_numpy()
    errors = []
    for n in (100, 10000):
        states = march.class_states(p, n, seed=3)
        errors.append(np.abs((states & 1).mean(axis=0) - target).max())
    assert errors[1] < errors[0] / 3  # ~1/sqrt(n): a tenfold shrink expected, threefold required


def test_class_simulation_is_seeded():
    p = march.Params()
    a = march.simulate_class(p, 25, seed=5)
    pd.testing.assert_frame_equal(a, march.simulate_class(p, 25, seed=5))
    assert not a["state"].equals(march.simulate_class(p, 25, seed=6)["state"])
    assert set(a.attrs["units"]) == set(a.columns)
    assert a["group"].between(0, 4).all() and len(a) == 25 * 73


def test_first_onsets_and_classic_order():
    # hand-made histories: E at 0.25 y, W at 0.5 y, R at 0.75 y -> classic; R before W -> not classic
    n = len(march.ages())
    classic = np.zeros(n, int)
    classic[1:], classic[2:], classic[3:] = 1, 1 | 2, 1 | 2 | 4
    other = np.zeros(n, int)
    other[1:], other[2:] = 1 | 4, 1 | 4 | 2
    states = np.vstack([classic, other, np.zeros(n, int)])
    onsets = march.first_onsets(states)
    np.testing.assert_allclose(onsets[0], [0.25, 0.5, 0.75])
    assert np.isnan(onsets[2]).all()
    assert march.follows_classic_march(states).tolist() == [True, False, False]


# ------------------------------------------------------------- intervention

STRENGTHS = (0.0, 0.2, 0.4, 0.6, 0.9)
STARTS = (10.0, 5.0, 2.0, 1.0, 0.25, 0.0)
LATER = LABEL_COLUMNS + ["p_multimorbid"]


@pytest.mark.parametrize("start", [0.0, 1.0, 3.5])
def test_a_stronger_intervention_never_raises_later_prevalence(start):
    frames = [march.simulate(march.Params(treat_start=start, treat_strength=s)) for s in STRENGTHS]
    for weaker, stronger in zip(frames, frames[1:]):
        assert (stronger[LATER].to_numpy() <= weaker[LATER].to_numpy() + 1e-12).all()
    assert frames[-1]["wheeze"].iloc[-1] < frames[0]["wheeze"].iloc[-1]  # and it does lower it


@pytest.mark.parametrize("strength", [0.3, 0.9])
def test_an_earlier_intervention_never_raises_later_prevalence(strength):
    frames = [march.simulate(march.Params(treat_start=a, treat_strength=strength)) for a in STARTS]
    for later, earlier in zip(frames, frames[1:]):
        assert (earlier[LATER].to_numpy() <= later[LATER].to_numpy() + 1e-12).all()
    ever = [march.ever_multimorbid(march.Params(treat_start=a, treat_strength=strength)) for a in STARTS[1:4]]
    assert ever == sorted(ever, reverse=True)


@settings(max_examples=25, deadline=None)
@given(random_params(), st.floats(0, 10), st.floats(0, 10))
def test_earlier_intervention_never_raises_prevalence_for_any_params(p, a1, a2):
    # the same intervention switched on earlier: never more of any later condition, at any age
    early, late = sorted((a1, a2))
    a = march.simulate(p.replace(treat_start=late))[LATER].to_numpy()
    b = march.simulate(p.replace(treat_start=early))[LATER].to_numpy()
    assert (b <= a + 1e-12).all()


@settings(max_examples=25, deadline=None)
@given(random_params(), st.floats(0, 0.9), st.floats(0, 0.9))
def test_stronger_intervention_never_raises_prevalence_for_any_params(p, s1, s2):
    weak, strong = sorted((s1, s2))
    a = march.simulate(p.replace(treat_strength=weak))[LATER].to_numpy()
    b = march.simulate(p.replace(treat_strength=strong))[LATER].to_numpy()
    assert (b <= a + 1e-12).all()


def test_intervention_before_it_starts_changes_nothing():
    base = march.simulate(march.Params())
    late = march.simulate(march.Params(treat_start=6.0, treat_strength=0.8))
    k = int(6.0 / march.DT)
    pd.testing.assert_frame_equal(base.iloc[:k + 1], late.iloc[:k + 1])
    assert late["eczema"].iloc[-1] < base["eczema"].iloc[-1]


# ------------------------------------------------------------- published qualitative behaviour

def test_multimorbidity_after_infant_eczema_stays_a_minority():
    # Haider 2022: 75.4 % of children with infant eczema never became multimorbid (24.6 % did)
    share = march.ever_multimorbid(march.Params())
    assert share < 0.5
    # our illustrative defaults were tuned towards 24.6 %; the cohorts ran to early adulthood
    # and our checks end at 18, so we ask only for the same neighbourhood (15-35 %)
    assert 0.15 < share < 0.35


def link_result(p):
    r_e, r_no = march.conditional_risk(p, "wheeze", 6.0, given_age=1.0)
    return march.odds_ratio(r_e, r_no), march.ever_multimorbid(p)


def test_at_default_eczema_settings_a_link_reaching_the_published_or_overshoots_multimorbidity_a_little():
    # notebook 04, section 4: sweep both link sliders over their ranges (grid 0.25 x 0.5) at the default
    # eczema settings. Every setting with OR >= 1.80 (the lowest published OR, Saunes 2012) gives at
    # least 30 % ever multimorbid (Haider 2022: 24.6 %); the lowest is 30.3 %. Exact computation, so
    # the bound 0.30 has the margin of the grid only.
    results = [link_result(march.Params(skin_sensitisation=float(s), sensitised_hr=float(h)))
               for s in np.arange(0.0, 2.01, 0.25) for h in np.arange(1.0, 8.01, 0.5)]
    reaching = [ever for odds, ever in results if odds >= 1.80]
    assert len(reaching) > 10
    assert 0.30 <= min(reaching) < 0.32


def test_with_shorter_episodes_a_causal_link_fits_both_the_or_and_the_multimorbid_share():
    # notebook 04, section 4: so the two targets cannot decide between a march and clustering
    p = march.Params(eczema_remission=0.5, skin_sensitisation=1.0, sensitised_hr=3.0)
    odds, ever = link_result(p)
    assert 1.80 <= odds <= 3.07  # the published range from early eczema to later asthma
    assert ever == pytest.approx(0.246, abs=0.02)  # Haider 2022; the model's checks end at 18
    assert (round(odds, 2), round(100 * ever, 1)) == (1.86, 26.0)  # the numbers the notebook quotes


def test_ever_multimorbid_is_checked_against_a_simulated_class():
    p = march.Params()
    states = march.class_states(p, 40000, seed=2)
    k0 = int(1.0 / march.DT)
    eczema_only = march.GROUP_OF_STATE[states[:, k0]] == 1
    checks = [int(round(a / march.DT)) for a in march.ASSESSMENT_AGES]
    hit = (march.GROUP_OF_STATE[states[eczema_only][:, checks]] == 4).any(axis=1).mean()
    expected = march.ever_multimorbid(p)
    se = math.sqrt(expected * (1 - expected) / eczema_only.sum())
    assert abs(hit - expected) <= 4 * se


def test_default_curves_have_the_published_shape():
    # eczema highest in infancy then falling; rhinitis rising through childhood (fact sheet, Topic A)
    df = march.simulate(march.Params()).set_index("age")
    assert df.loc[1.0, "eczema"] > df.loc[8.0, "eczema"] > df.loc[14.0, "eczema"]
    assert df.loc[2.0, "rhinitis"] < df.loc[6.5, "rhinitis"] < df.loc[13.5, "rhinitis"]
    assert df["p_multimorbid"].max() < 0.10
    # eczema near the 16-18 % seen at 1-4 years (DBH 17.6 %, HealthNuts 16.0 %)
    assert 0.14 < df.loc[1.5, "eczema"] < 0.20


# ------------------------------------------------------------- errors

@pytest.mark.parametrize("call,match", [
    (lambda: march.simulate_class(march.Params(), 0), r"march.simulate_class: n_children=0 is outside \[1, 200000\]"),
    (lambda: march.simulate_class(march.Params(), 2.5), "n_children=2.5"),
    (lambda: march.simulate_class(march.Params(), 10, seed=-1), "seed=-1 must be a whole number"),
    (lambda: march.ever_multimorbid(march.Params(), from_age=20), r"from_age=20 is outside \[0, 17.75\] \(years of age\)"),
    (lambda: march.ever_multimorbid(march.Params(), assessment_ages=(0.5,)), "assessment_ages=0.5 is outside"),
    (lambda: march.ever_multimorbid(march.Params(), assessment_ages=()), "assessment_ages=.. is empty"),
    (lambda: march.conditional_risk(march.Params(), "asthma", 6), "outcome='asthma' is not one of eczema"),
    (lambda: march.conditional_risk(march.Params(), "wheeze", 30), r"age=30 is outside \[1, 18\] \(years of age\)"),
    (lambda: march.conditional_risk(march.Params(), "wheeze", "six"), "age='six' is not a number"),
    (lambda: march.generator(march.Params(), 7), r"band=7 is outside \[0, 4\]"),
    (lambda: march.prevalence_at(march.simulate(march.Params()), 4, "asthma"), "column='asthma' is not an output"),
    (lambda: march.odds_ratio(1.2, 0.1), r"risk_exposed=1.2 is outside \(0, 1\)"),
    (lambda: march.first_onsets(np.zeros((3, 5), int)), r"shape \(3, 5\)"),
    (lambda: march.Params(eczema_remission=3.0), r"march.Params: eczema_remission=3.0 is outside \[0.05, 1.5\] \(per year"),
])
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_illustrative_hazards_say_so_where_they_are_stored():
    for f in dataclasses.fields(march.Params):
        if f.name not in ("treat_start",):
            assert "ILLUSTRATIVE" in f.metadata["meaning"], f.name
    assert "ILLUSTRATIVE" in march.__doc__


def test_default_run_is_fast():
    import time
    march.simulate(march.Params(eczema_onset=0.3))  # warm up
    t0 = time.perf_counter()
    for i in range(10):
        march.simulate(march.Params(eczema_onset=0.1 + 0.01 * i))
    assert (time.perf_counter() - t0) / 10 < 0.05


# ------------------------------------------------------------- datasets

def test_leap_risk_ratios_and_nnt_from_counts_match_the_published_figures():
    leap = data.load("march_leap").set_index(["stratum", "arm"])
    # every published percentage is reproduced by its counts (to the printed 0.1 point)
    np.testing.assert_allclose(100 * leap["events"] / leap["n"], leap["pct_reported"], atol=0.05)
    # published relative reductions: 86 % (SPT-negative) and 70 % (SPT-positive), i.e. RR 0.14 and 0.30
    for stratum, reduction, nnt_pct in [("SPT-negative", 0.86, 1 / (0.137 - 0.019)),
                                        ("SPT-positive 1-4 mm", 0.70, 1 / (0.353 - 0.106))]:
        eat, avoid = leap.loc[(stratum, "consumption")], leap.loc[(stratum, "avoidance")]
        rr = stats.risk_ratio(int(eat["events"]), int(eat["n"]), int(avoid["events"]), int(avoid["n"]))
        assert rr.estimate == pytest.approx(1 - reduction, abs=0.005)
        assert rr.ci_high < 1  # significant in both strata (P<0.001 and P=0.004)
        nnt = stats.number_needed_to_treat(int(eat["events"]), int(eat["n"]), int(avoid["events"]),
                                           int(avoid["n"]), outcome="bad")
        # NNT from the counts matches the NNT from the printed percentages (to 0.1)
        assert nnt.kind == "NNTB" and nnt.nnt == pytest.approx(nnt_pct, abs=0.1)
    assert stats.risk_ratio(5, 267, 36, 263).estimate == pytest.approx(0.137, abs=0.0005)
    assert stats.risk_ratio(5, 47, 18, 51).estimate == pytest.approx(0.301, abs=0.0005)


def test_leap_totals_match_the_abstract():
    leap = data.load("march_leap")
    n = leap.groupby("stratum")["n"].sum()
    assert n["SPT-negative"] == 530 and n["SPT-positive 1-4 mm"] == 98  # ITT 530 + 98 (Du Toit 2015)


def test_belgrave_classes_and_the_few_who_march():
    t = data.load("march_trajectory_shares")
    b = t[t["study"] == "Belgrave 2014"]
    assert b["share_pct"].sum() == pytest.approx(100.1, abs=0.01)  # as printed, rounding
    march_share = b.loc[b["classic_march"] == "yes", "share_pct"].item()
    symptomatic = 100 - b.loc[b["group"] == "no disease", "share_pct"].item()
    assert march_share == 3.1 and 100 * march_share / symptomatic == pytest.approx(6.4, abs=0.05)
    haider = t.loc[t["study"] == "Haider 2022", "share_pct"].item()
    assert 100 - haider == pytest.approx(24.6)


def test_prevalence_data_have_their_definitions_and_sensible_cis():
    df = data.load("march_prevalence_by_age")
    assert df["definition"].notna().all() and df["source_id"].notna().all()
    ci = df.dropna(subset=["ci_low_pct"])
    assert ((ci["ci_low_pct"] <= ci["prevalence_pct"]) & (ci["prevalence_pct"] <= ci["ci_high_pct"])).all()
    # HealthNuts food allergy falls from 11.0 % at 1 year to 3.8 % at 4 (Peters 2017)
    fa = df[(df["source_id"] == "peters2017") & (df["condition"] == "food_allergy_any")].set_index("age_years")
    assert fa.loc[1.0, "prevalence_pct"] == 11.0 and fa.loc[4.0, "prevalence_pct"] == 3.8


def test_risk_links_are_ordered_and_eczema_links_are_positive():
    df = data.load("march_risk_links")
    assert ((df["ci_low"] <= df["estimate"]) & (df["estimate"] <= df["ci_high"])).all()
    later = df[df["exposure"].str.startswith("eczema")]
    assert (later["ci_low"] > 1).all()  # every eczema -> later disease link in the table excludes 1


def test_prevalence_row_rule_is_enforced(tmp_path):
    src = data.DATA_DIR / "march_prevalence_by_age.csv"
    text = src.read_text()
    bad = tmp_path / "march_prevalence_by_age.csv"
    bad.write_text(text.replace("3.0,2.4,3.8,2848", "3.0,3.4,3.8,2848", 1))
    with pytest.raises(data.DataError, match="ci_low_pct <= prevalence_pct"):
        data.load("march_prevalence_by_age", bad)


# ------------------------------------------------------------- explorers

def test_explorers_redraw_in_place_and_describe_the_figure():
    from course_lib.explorers.march import EXPLORERS
    for name, factory in EXPLORERS.items():
        ex = factory()
        before_img, before_text = ex.image.value, ex.description
        before = [id(a) for a in _flat(ex.artists)]
        control = next(iter(ex.controls))
        f = next(f for f in dataclasses.fields(march.Params) if f.name == control)
        ex.set(**{control: f.metadata["upper"]})
        assert ex.image.value != before_img and ex.description != before_text, name
        assert "illustrative" in ex.description
        # in place: the same artist objects were moved, not new ones drawn, and they are still on the figure
        assert [id(a) for a in _flat(ex.artists)] == before, name
        assert all(a.figure is ex.fig for a in _flat(ex.artists)), name


def _flat(artists):
    """Every artist an explorer's draw returned (dicts, lists and bar containers opened up)."""
    from matplotlib.container import Container
    if isinstance(artists, dict):
        return [a for v in artists.values() for a in _flat(v)]
    if isinstance(artists, (list, tuple, Container)):
        return [a for v in artists for a in _flat(v)]
    return [artists]


def test_intervention_explorer_shows_a_smaller_share_with_the_intervention():
    from course_lib.explorers.march import intervention_explorer
    ex = intervention_explorer()
    heights = [b.get_height() for b in ex.artists["bars"]]
    assert heights[1] < heights[0]
    ex.set(treat_strength=0.0)
    heights = [b.get_height() for b in ex.artists["bars"]]
    assert heights[1] == pytest.approx(heights[0])


def test_wilson_interval_matches_a_reference_value():
    from course_lib.stats import proportion_ci
    from statsmodels.stats.proportion import proportion_confint
    _, lo, hi = proportion_ci(36, 263)
    ref = proportion_confint(36, 263, method="wilson")
    assert lo == pytest.approx(ref[0], abs=1e-9) and hi == pytest.approx(ref[1], abs=1e-9)


def test_leap_confidence_intervals_quoted_in_the_notebook():
    # notebook 04 quotes these intervals, computed with course_lib.stats from the counts
    leap = data.load("march_leap").set_index(["stratum", "arm"])
    quoted = {"SPT-negative": ("RR 0.14 (95% CI 0.05 to 0.34)", "NNTB 8.5 (95% CI 6.1 to 13.6)"),
              "SPT-positive 1-4 mm": ("RR 0.30 (95% CI 0.12 to 0.75)", "NNTB 4.1 (95% CI 2.5 to 11.3)")}
    for stratum, (rr_text, nnt_text) in quoted.items():
        eat, avoid = leap.loc[(stratum, "consumption")], leap.loc[(stratum, "avoidance")]
        counts = (int(eat["events"]), int(eat["n"]), int(avoid["events"]), int(avoid["n"]))
        assert str(stats.risk_ratio(*counts)) == rr_text
        assert str(stats.number_needed_to_treat(*counts, outcome="bad")) == nnt_text


def test_notebook_quizzes_accept_their_answers_and_every_hint_is_reachable():
    # notebook 04's questions live in course_lib.exercises.nb04 (issue 12); tests/test_exercises.py checks
    # each one in full; here: there are five and the model's reference answers pass
    from course_lib import exercises, quiz
    keys = exercises.keys("04")
    assert len(keys) == 5, keys
    for key in keys:
        q = exercises.get(key)
        assert q.check(q.letter_answer() if isinstance(q, quiz.MultipleChoice) else q.answer).correct, key


def test_model_ever_eczema_by_18_is_about_half():
    # notebook 04 names this gap: about half of the model's children ever have eczema by 18, against
    # 36.5 % with a recorded diagnosis in GPRD (Punekar & Sheikh 2009a). 20,000 children: the standard
    # error is 0.0035, so +-0.03 around one half is more than 8 standard errors.
    states = march.class_states(march.Params(), 20_000, seed=3)
    share = (march.first_onsets(states)[:, 0] >= 0).mean()
    assert abs(share - 0.51) < 0.03 and share > 0.365 + 0.1
