"""The skin-microbiome model (notebook 03): bistability, kill pulses, commensal protection, a stronger barrier brake.

Reference behaviour: our re-implementation of Lee et al. (2024) JID Innov 4:100269,
doi:10.1016/j.xjidi.2024.100269, at the log-midpoints of their parameter ranges, as
checked in ../shared/science/models.md ("Notebook 3", behaviours 1-5).

Tolerances. Outcomes are read long after treatment (300 days), when the patch of
skin has settled into one of two states that are far apart (S. aureus about 0.93
vs under 1e-6 of capacity; barrier about 0.06 vs 0.7-1), so a threshold of 0.5
cannot be crossed by solver error (relative tolerance 1e-6). Steady-state values
are compared with the values in models.md to 0.005 (they were printed to two or
three digits), or with closed forms to the size of the reseeding term (stated where used).
The healthy state at the defaults has commensals on intact skin because gamma_eb
defaults to 400, not the log-midpoint 558 (see the model's docstring). Stability needs the largest eigenvalue below -1e-3 per day: the
finite-difference Jacobian is accurate to about 1e-6 per day, so a real sign
change could not hide inside that margin.
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from course_lib import data, explorers
from course_lib.models import microbiome as m

SETTLE = 300.0  # days: long enough for every outcome below to settle
DAMAGED = m.Params(**m.DAMAGED)
CALM = m.Params(**m.HEALTHY, inflammation=0.03)  # active commensals, some inflammation
#: a site whose SA-free state is unstable (models.md behaviour 4): fast S. aureus, weak barrier brake
HOSTILE = m.Params(kappa_a=27.0, gamma_ab=58.7, gamma_eb=55.8, a0=0.995, e0=1e-6, b0=0.06)


def end(params, days=SETTLE):
    return m.simulate(params, days=days).iloc[-1]


def dominant(params, days=SETTLE):
    return bool(end(params, days)["s_aureus"] > 0.5)


# --- bounds ---------------------------------------------------------------

treatments = st.fixed_dictionaries(dict(
    n_baths=st.integers(0, 24), baths_per_week=st.integers(1, 7), log_kill=st.floats(0, 3),
    targeted=st.sampled_from((0, 1)), barrier_brake=st.floats(1, 50), inflammation=st.floats(0, 0.05),
    exposure=st.floats(0, 0.5), exposure_day=st.floats(0, 84), start_day=st.floats(0, 28),
    a0=st.floats(1e-6, 1), e0=st.floats(1e-6, 1), b0=st.floats(0, 1)))


@settings(max_examples=60, deadline=None)
@given(treatments)
def test_populations_and_barrier_stay_in_bounds_under_any_treatment(changes):
    df = m.simulate(m.Params(**changes))
    m.validate(df)  # 0 <= a, e, b, share <= 1, finite, units
    assert df["day"].is_monotonic_increasing and df["day"].iloc[-1] == 84


def test_without_damage_the_barrier_heals_as_the_closed_form_says():
    # with S. aureus scarce (agr off) and no inflammation, db/dt = kappa_b (1 - b), so
    # b(t) = 1 - (1 - b0) exp(-kappa_b t). Tolerance 1e-4: the agr-off damage term is ~1e-9 per day.
    p = m.Params(a0=1e-6, e0=1e-6, b0=0.8, kappa_b=0.05)
    df = m.simulate(p, days=SETTLE)
    expected = 1 - (1 - 0.8) * np.exp(-0.05 * df["day"])
    assert np.abs(df["barrier"] - expected).max() < 1e-4
    assert df["barrier"].iloc[-1] > 0.999


def test_kill_is_a_multiplicative_jump_of_the_stated_size():
    p = DAMAGED.replace(n_baths=1, start_day=7.0, log_kill=2.0)
    df = m.simulate(p)
    at = df[df["day"] == 7.0]
    assert len(at) == 2, "a bath is reported just before and just after"
    before, after = at.iloc[0], at.iloc[1]
    assert after["s_aureus"] / before["s_aureus"] == pytest.approx(1e-2, rel=1e-9)
    assert after["commensals"] / before["commensals"] == pytest.approx(1e-2, rel=1e-9)
    assert after["barrier"] == before["barrier"]
    spared = m.simulate(p.replace(targeted=1))
    at = spared[spared["day"] == 7.0]
    assert at.iloc[1]["commensals"] == at.iloc[0]["commensals"]


# --- two stable states; the start decides -------------------------------------

def test_damaged_state_at_defaults_is_stable():
    s = m.steady_state(m.Params(), start=(0.9, 1e-3, 0.1))
    assert s["a"] == pytest.approx(0.925, abs=0.005) and s["b"] == pytest.approx(0.065, abs=0.005)
    assert s["e"] < 1e-6
    assert s["residual"] < 1e-6 and s["max_eig"] < -1e-3


def test_healthy_state_at_defaults_is_stable_with_commensals_on_intact_skin():
    # issue 5: a healthy state (commensals, intact barrier) is stable at the defaults. With S. aureus
    # scarce and b = 1, de/dt = 0 gives e = 1 - delta_0 (1 + gamma_eb) / kappa_e (closed form).
    p = m.Params()
    # tolerance 3e-4: the reseeding term nu = 1e-6 shifts e by about nu / (growth * e) = 1.2e-4
    expected_e = 1 - p.delta_0 * (1 + p.gamma_eb) / p.kappa_e  # 0.2274 at gamma_eb = 400
    for start in [(1e-3, 1e-3, 1.0), (1e-3, 0.3, 0.8), (0.05, 0.5, 1.0)]:
        s = m.steady_state(p, start=start)
        assert s["b"] > 0.999 and s["a"] < 1e-6
        assert s["e"] == pytest.approx(expected_e, abs=3e-4)
        assert s["e"] > 2 * p.e_th, "commensals well above their agr threshold: their switch is on"
        assert s["residual"] < 1e-6 and s["max_eig"] < -1e-3


def test_at_the_published_log_midpoint_of_gamma_eb_commensals_cannot_live_on_intact_skin():
    # why gamma_eb defaults to 400, not 558 (module docstring): at 558 commensal growth on
    # intact skin, kappa_e / (1 + gamma_eb), is below shedding, so the healthy state is bare
    p = m.Params(gamma_eb=558.0)
    assert p.kappa_e / (1 + p.gamma_eb) < p.delta_0 < m.Params().kappa_e / (1 + m.Params().gamma_eb)
    s = m.steady_state(p, start=(1e-3, 0.3, 1.0))
    assert s["e"] < 1e-3 and s["a"] < 1e-3 and s["b"] > 0.999


def test_commensal_state_with_inflammation_is_stable():
    # with S. aureus scarce, b = kappa_b / (kappa_b + inflammation) and e follows from de/dt = 0
    s = m.steady_state(CALM)
    b = CALM.kappa_b / (CALM.kappa_b + 0.03)
    e = 1 - CALM.delta_0 * (1 + CALM.gamma_eb * b) / CALM.kappa_e
    assert s["b"] == pytest.approx(b, abs=1e-4) and s["e"] == pytest.approx(e, abs=3e-4)  # reseeding, as above
    assert (s["b"], s["e"]) == (pytest.approx(m.HEALTHY["b0"], abs=0.001), pytest.approx(m.HEALTHY["e0"], abs=0.001))
    assert s["a"] < 1e-6 and s["max_eig"] < -1e-3


def test_without_damage_terms_a_damaged_barrier_heals_to_intact():
    # models.md behaviour 5: with delta_ba = delta_be = inflammation = 0, b -> 1 even from the
    # damaged state. delta_ba = 0 is outside the slider range, so the same equations
    # (log_rates, checked against rhs in tests/test_coupled.py) are integrated here directly.
    from types import SimpleNamespace
    from scipy.integrate import solve_ivp
    import dataclasses
    p = SimpleNamespace(**{**dataclasses.asdict(m.Params()), "delta_ba": 0.0, "delta_be": 0.0, "inflammation": 0.0})
    y0 = [math.log(m.DAMAGED["a0"]), math.log(m.DAMAGED["e0"]), m.DAMAGED["b0"]]
    sol = solve_ivp(lambda t, y: m.log_rates(p, *y), (0, 365), y0, method="LSODA", rtol=1e-8, atol=1e-10)
    b = sol.y[2]
    # closed form b = 1 - (1 - b0) exp(-kappa_b t): at 365 days 1 - 0.935 exp(-26) ~ 1 - 5e-12
    assert b[-1] == pytest.approx(1.0, abs=1e-6)
    assert np.all(np.diff(b) >= -1e-9), "with no damage the barrier only heals"


@pytest.mark.parametrize("a0,b0,expected", [(1e-3, 1.0, False), (0.05, 1.0, False), (0.01, 0.05, False),
                                            (0.2, 1.0, True), (0.9, 0.065, True), (0.05, 0.05, True)])
def test_the_start_decides_which_state_is_reached(a0, b0, expected):
    p = m.Params(a0=a0, e0=1e-6, b0=b0)
    assert dominant(p) is expected
    if not expected:  # ... and the end is the healthy state: commensals on intact skin (they regrow
        s = m.steady_state(p)  # from 1e-6 slowly, at about 0.0085 per day, hence the long run)
        assert s["e"] > 0.2 and s["b"] > 0.999 and s["a"] < 1e-6


# --- kill pulses --------------------------------------------------------------

def test_baths_lower_the_time_averaged_load_but_it_regrows_between_baths():
    untreated = m.simulate(DAMAGED)
    for n in (2, 4):  # one course that fails, one that succeeds
        p = DAMAGED.replace(n_baths=n, log_kill=0.5)
        df = m.simulate(p)
        assert m.time_average(df, start=7) < 0.9 * m.time_average(untreated, start=7)
        days = m.bath_days(p)
        for t0, t1 in zip(days[:-1], days[1:]):
            just_after = df[df["day"] == t0]["s_aureus"].iloc[-1]
            just_before_next = df[df["day"] == t1]["s_aureus"].iloc[0]
            assert just_before_next > 1.05 * just_after, "S. aureus regrows between baths"


@pytest.mark.parametrize("log_kill,fails_with,succeeds_with", [(0.5, 3, 4), (1.0, 1, 2), (2.0, 0, 1)])
def test_too_few_or_too_weak_baths_fail_and_enough_succeed(log_kill, fails_with, succeeds_with):
    p = DAMAGED.replace(log_kill=log_kill)
    for n in range(0, fails_with + 1):
        assert dominant(p.replace(n_baths=n)), f"{n} baths of {log_kill} log should fail"
    for n in range(succeeds_with, 9):
        assert not dominant(p.replace(n_baths=n)), f"{n} baths of {log_kill} log should succeed"


def test_kill_strength_threshold_for_two_baths():
    strengths = np.round(np.arange(0.1, 1.51, 0.1), 1)
    works = [not dominant(DAMAGED.replace(n_baths=2, log_kill=float(s))) for s in strengths]
    first = works.index(True)
    assert all(works[first:]) and not any(works[:first]), "one threshold, not a patchwork"
    assert 0.5 < strengths[first] <= 1.0  # models.md: 0.5 fails, 1 succeeds


# --- commensals protect ---------------------------------------------------------

def course(targeted, exposure=0.05):
    return CALM.replace(n_baths=4, log_kill=1.0, targeted=targeted, exposure=exposure, exposure_day=21.0)


@pytest.mark.parametrize("exposure", [0.05, 0.2])
def test_sparing_commensals_keeps_new_s_aureus_out(exposure):
    spared, killed = end(course(1, exposure)), end(course(0, exposure))
    assert spared["s_aureus"] < 1e-3 and spared["commensals"] > 0.2 and spared["barrier"] > 0.69
    assert killed["s_aureus"] > 0.9 and killed["barrier"] < 0.1


def test_an_intact_commensal_community_clears_large_inocula():
    for dose in (0.05, 0.2, 0.4):
        assert not dominant(CALM.replace(exposure=dose, exposure_day=7.0))
    # without commensals, the same skin lets a small inoculum take over
    bare = CALM.replace(e0=1e-6)
    assert dominant(bare.replace(exposure=0.05, exposure_day=7.0))


# --- a stronger barrier brake -------------------------------------------------------------

def test_hostile_site_ends_damaged_even_from_near_healthy():
    assert dominant(HOSTILE.replace(a0=1e-3, e0=1e-3, b0=1.0))


@pytest.mark.parametrize("log_kill", [1.0, 2.0])
def test_kill_plus_barrier_brake_succeeds_where_kill_alone_fails(log_kill):
    kill = HOSTILE.replace(n_baths=8, log_kill=log_kill)
    assert dominant(kill)
    assert dominant(HOSTILE.replace(barrier_brake=20.0)), "a stronger brake alone does not clear it either"
    both = end(kill.replace(barrier_brake=20.0))
    assert both["s_aureus"] < 1e-3 and both["barrier"] > 0.999


def test_inflammation_makes_a_working_course_fail_and_barrier_brake_rescues_it():
    # notebook 03, section 5 Think!: four baths of 0.5 log10 work at no inflammation
    course = DAMAGED.replace(n_baths=4, log_kill=0.5)
    assert not dominant(course)
    assert dominant(course.replace(inflammation=0.05))
    assert not dominant(course.replace(inflammation=0.05, barrier_brake=5.0))


# --- errors ---------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,match", [
    (dict(days=-1), r"microbiome.simulate: days=-1 is outside \[1, 3650\] \(day; length of the simulation\)"),
    (dict(days=math.nan), r"days=nan is outside"),
    (dict(days="84"), r"days='84' is outside"),
    (dict(points_per_day=0), r"points_per_day=0 is outside \[1, 48\] \(per day"),
])
def test_bad_simulate_arguments_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        m.simulate(m.Params(), **kwargs)


def test_bad_params_name_model_parameter_value_range_and_unit():
    with pytest.raises(ValueError, match=r"microbiome.Params: log_kill=4 is outside \[0, 3\] \(log10 per bath"):
        m.Params(log_kill=4)
    with pytest.raises(ValueError, match=r"targeted=2 is outside \[0, 1\]"):
        m.Params(targeted=2)
    with pytest.raises(ValueError, match=r"n_baths=2.5 must be a whole number"):
        m.Params(n_baths=2.5)


def test_bad_state_and_columns_raise_clear_errors():
    with pytest.raises(ValueError, match=r"microbiome.rhs: b=1.5 is outside \[0, 1\] \(integrity 0-1\)"):
        m.rhs(m.Params(), (0.1, 0.1, 1.5))
    with pytest.raises(ValueError, match=r"microbiome.rhs: state=3 is not three numbers"):
        m.rhs(m.Params(), 3)
    with pytest.raises(ValueError, match=r"column='easi' is not one of"):
        m.time_average(m.simulate(m.Params()), "easi")
    with pytest.raises(ValueError, match=r"need 0 <= start < end <= 84"):
        m.time_average(m.simulate(m.Params()), start=50, end=20)


def test_outcome_looks_past_the_end_of_the_run():
    # three baths of 0.5 log: at week 12 S. aureus is below half of capacity but regrowing
    p = DAMAGED.replace(n_baths=3, log_kill=0.5)
    df = m.simulate(p)
    assert df["s_aureus"].iloc[-1] < 0.5
    assert m.outcome(p, df) == "S. aureus dominant" == m.outcome(p)
    assert m.settle(p, df)[0] == pytest.approx(end(p, 84 + m.SETTLE_DAYS)["s_aureus"], rel=1e-3)


# --- explorers ----------------------------------------------------------------------

def test_bath_course_explorer_reports_the_outcome():
    ex = explorers.build("bath_course")
    assert "settles with no further treatment: S. aureus dominant" in ex.description  # 2 baths of 0.5 log
    ex.set(n_baths=4)
    assert "settles with no further treatment: S. aureus controlled" in ex.description
    assert "4 baths (2 per week, 0.5 log10 kill each, non-selective" in ex.description


def test_reinvasion_explorer_shows_commensal_protection():
    ex = explorers.build("reinvasion")
    assert "S. aureus dominant" in ex.description
    ex.set(targeted=1)
    assert "S. aureus controlled" in ex.description and "commensals spared" in ex.description


# --- data -------------------------------------------------------------------------

def test_carriage_odds_ratios_match_the_published_abstracts():
    df = data.load("s_aureus_carriage").set_index(["source_id", "site"])
    assert df.loc[("totte2016", "lesional skin"), ["odds_ratio", "or_ci_low", "or_ci_high"]].tolist() == \
        [19.74, 10.88, 35.81]
    assert df.loc[("totte2016", "nose"), "prevalence_pct"] == 62


def test_carriage_odds_ratios_sit_in_the_middle_of_their_intervals():
    # a ratio's 95% CI is symmetric on the log scale: OR ~ sqrt(low * high). A transcription
    # error of one digit breaks this; rounding to 2 decimals moves it by under 1 %.
    df = data.load("s_aureus_carriage").dropna(subset=["odds_ratio"])
    for _, r in df.iterrows():
        assert r["odds_ratio"] == pytest.approx(math.sqrt(r["or_ci_low"] * r["or_ci_high"]), rel=0.01), r["site"]


def test_exercise_1_back_calculation_from_the_data():
    # notebook 03, exercise 1: 70 % carriage in eczema and OR 19.74 imply about 10.6 % in controls
    r = data.load("s_aureus_carriage").set_index(["source_id", "site"]).loc[("totte2016", "lesional skin")]
    odds = (r["prevalence_pct"] / 100) / (1 - r["prevalence_pct"] / 100) / r["odds_ratio"]
    assert 100 * odds / (1 + odds) == pytest.approx(10.6, abs=0.05)


def test_bleach_evidence_holds_both_meta_analyses_and_the_trial():
    df = data.load("bleach_bath_evidence")
    assert {"chopra2017", "bakaa2022", "huang2009"} <= set(df["source_id"])
    rom = df[(df["source_id"] == "bakaa2022") & (df["outcome"] == "EASI")].iloc[0]
    assert (rom["estimate"], rom["interval_low"], rom["interval_high"]) == (0.78, 0.59, 0.99)
    sa = df[(df["source_id"] == "bakaa2022") & (df["outcome"] == "S. aureus colonisation")].iloc[0]
    assert sa["interval_low"] < 1 < sa["interval_high"], "the colonisation CI crosses 1"
    chopra = df[df["source_id"] == "chopra2017"]
    assert chopra["estimate"].isna().all(), "Chopra 2017 reported no pooled effect size"
    assert set(chopra["p_value"]) == {0.16, 0.36}


# --- the notebook's quizzes ---------------------------------------------------------

def check_quiz(name, q):
    """The reference answer passes, and every hint is reachable from the mistake it names."""
    from course_lib.quiz import Numeric
    assert q.check(q.answer).correct, name
    if isinstance(q, Numeric):
        for m in q.hints:
            fb = q.check(m.value)
            assert not fb.correct and fb.hint == m.text, (name, m.value, fb.hint)
    else:
        for i, text in q.hints.items():
            fb = q.check((i,) if q.multiple else i)
            assert not fb.correct and fb.hint == text, (name, i)


def test_notebook_quizzes_accept_their_answers_and_every_hint_is_reachable():
    # notebook 03's questions live in course_lib.exercises.nb03 (answers computed from this model)
    from course_lib import exercises
    keys = exercises.keys("03")
    assert len(keys) == 5, keys
    for key in keys:
        check_quiz(key, exercises.get(key))
    # exercise 1: the proportion 0.106 gets the "percentage" hint, not the one for 0.7 / 19.74
    fb = exercises.get("03.controls_pct").check(0.106)
    assert "proportion" in fb.hint


def test_explorer_outcome_is_the_models_outcome():
    # the explorer reads the outcome from one settle() call; it must agree with microbiome.outcome
    ex = explorers.build("bath_course")
    for n in (2, 4):
        ex.set(n_baths=n)
        p = m.Params(**m.DAMAGED, n_baths=n, log_kill=0.5)
        assert f"settles with no further treatment: {m.outcome(p)} (a year later" in ex.description
