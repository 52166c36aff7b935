"""The th2 model (notebook 02): bistability, triggers, hysteresis, treatments; and the SOLO data.

Reference behaviour: the prototype in the course's science notes (models.md, "Notebook 2"),
a smooth analogue of the "double switch" of Domínguez-Hüttinger et al. (2017, J Allergy Clin
Immunol). All parameter values are illustrative, so the
tests check qualitative behaviour, plus the prototype's numbers within stated tolerances.

Tolerances used below:
* fixed points: residual (largest |dX/dt|) < 1e-9 per day. Roots are bisected to ~1e-13 in I, and
  the derivatives are O(1), so a true fixed point gives ~1e-12; 1e-9 leaves room for round-off only.
* window edges: +-0.01 in load. bistable_window scans the load in steps of 0.002, and the
  prototype's edges were printed to two decimals (half a unit in the last place is 0.005).
* final states are classified by inflammation above or below 0.5, halfway between the stable states
  (0.11 and 0.89 at default), after long runs (200 days, more than 20 times the slowest time scale).
"""
import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from course_lib import data, stats
from course_lib.models import th2

P = th2.Params()
FLARE = dict(th2.INFLAMED)          # start in the chronic inflamed state
CALM = dict(th2.CONTROLLED)         # start in the controlled state


def window(p=P, **kw):
    return th2.bistable_window(p.replace(**kw) if kw else p)


# ----------------------------------------------------------------- two stable states

def test_default_has_two_stable_states_and_a_threshold_between():
    ss = th2.steady_states(P)
    assert list(ss["kind"]) == ["controlled", "threshold", "inflamed"]
    assert list(ss["stable"]) == [True, False, True]
    # prototype values (models.md): (I, B) = (0.107, 0.820), saddle (0.229, 0.622), (0.892, 0.180)
    np.testing.assert_allclose(ss["inflammation"], [0.107, 0.229, 0.892], atol=0.002)
    np.testing.assert_allclose(ss["barrier"], [0.820, 0.622, 0.180], atol=0.002)


def test_low_and_high_starts_end_in_different_states():
    low = th2.simulate(P.replace(i0=0.05, b0=0.9), days=200).iloc[-1]
    high = th2.simulate(P.replace(i0=1.0, b0=0.3), days=200).iloc[-1]
    ss = th2.steady_states(P).set_index("kind")
    assert low["inflammation"] == pytest.approx(ss.loc["controlled", "inflammation"], abs=1e-3)
    assert high["inflammation"] == pytest.approx(ss.loc["inflamed", "inflammation"], abs=1e-3)
    assert high["barrier"] < 0.3 < 0.7 < low["barrier"]


def test_fixed_points_have_zero_residual_and_jacobian_stability():
    for kw in ({}, dict(p_env=0.7), dict(p_env=1.0, delta_s=0.5), dict(k_b=0.1, p_env=0.6)):
        p = P.replace(**kw)
        ss = th2.steady_states(p)
        assert len(ss) in (1, 3)
        for _, row in ss.iterrows():
            state = row[["inflammation", "barrier", "itch"]].to_numpy(dtype=float)
            assert th2.residual(p, state) < 1e-9
            eig = np.linalg.eigvals(th2.jacobian(p, state))
            assert row["stable"] == bool(np.all(eig.real < 0))


def test_bifurcation_points_are_fixed_points_with_the_stability_the_jacobian_gives():
    bif = th2.bifurcation(P, np.linspace(0.1, 2.0, 39))
    assert len(bif) > 39  # some loads have three fixed points
    for _, row in bif.iterrows():
        state = row[["inflammation", "barrier", "itch"]].to_numpy(dtype=float)
        assert th2.residual(P, state, load=row["load"]) < 1e-9
        eig = np.linalg.eigvals(th2.jacobian(P, state, load=row["load"]))
        assert row["stable"] == bool(np.all(eig.real < 0)), row


def test_analytic_jacobian_matches_finite_differences():
    y = np.array([0.4, 0.5, 0.3])
    J = th2.jacobian(P, y)
    h = 1e-6
    num = np.column_stack([(np.array(th2.rhs(0, y + h * e, P, P.p_env, 0, 0)) - np.array(th2.rhs(0, y - h * e, P, P.p_env, 0, 0)))
                           / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(J, num, rtol=1e-6, atol=1e-8)


def _numeric_jacobian(p, state, load, c, u, h=1e-6):
    """Central differences of th2.rhs: independent of th2.jacobian / th2._jac."""
    def f(y):
        return np.array(th2.rhs(0.0, y, p, load, c, u))
    return np.column_stack([(f(state + h * e) - f(state - h * e)) / (2 * h) for e in np.eye(3)])


def test_jacobian_matches_finite_differences_at_random_states_loads_and_treatments():
    # tolerance: central differences with h = 1e-6 have truncation error ~h^2 (times the third derivative,
    # O(1) here) ~ 1e-12 and round-off ~eps/h ~ 1e-10 on O(1) entries; rtol 1e-6 / atol 1e-7 leaves room
    # for both and still catches any wrong term
    rng = np.random.default_rng(7)
    for _ in range(50):
        p = P.replace(k_b=float(rng.uniform(0.05, 0.4)), delta_s=float(rng.uniform(0, 0.6)),
                      emollient=float(rng.uniform(0, 0.3)), tau_s=float(rng.uniform(0.05, 1)))
        state = rng.uniform([0, 0, 0], [2, 1, 1])
        load, c, u = float(rng.uniform(0, 3)), float(rng.uniform(0, 5)), float(rng.uniform(0, 0.95))
        np.testing.assert_allclose(th2.jacobian(p, state, load=load, topical=c, blockade=u),
                                   _numeric_jacobian(p, state, load, c, u), rtol=1e-6, atol=1e-7)


def test_stability_from_finite_differences_agrees_with_steady_states():
    for kw, treat in (({}, {}), (dict(p_env=0.7), {}), ({}, dict(topical=0.5)), ({}, dict(blockade=0.3)),
                      (dict(k_b=0.1, p_env=0.6), dict(blockade=0.05))):
        p = P.replace(**kw)
        for _, row in th2.steady_states(p, **treat).iterrows():
            state = row[["inflammation", "barrier", "itch"]].to_numpy(dtype=float)
            eig = np.linalg.eigvals(_numeric_jacobian(p, state, p.p_env, treat.get("topical", 0.0),
                                                      treat.get("blockade", 0.0)))
            assert row["stable"] == bool(np.all(eig.real < 0)), (kw, treat, row["kind"])


@pytest.mark.parametrize("treatment", [dict(topical=0.5, topical_start=0.0, topical_days=400.0),
                                       dict(il4ra=0.3, il4ra_start=0.0, il4ra_days=400.0)])
def test_a_treated_steady_state_attracts_nearby_starts_in_simulation(treatment):
    """Perturb-and-simulate, independent of any Jacobian: under continuous treatment the single steady state
    is reached again from pushes of +-0.05 in inflammation and barrier (tolerance 1e-3 after 200 days, far
    longer than the slowest time scale, about 1/(k_B + delta_B) = 5 days)."""
    treat = dict(topical=treatment.get("topical", 0.0), blockade=treatment.get("il4ra", 0.0))
    (_, target), = th2.steady_states(P, **treat).iterrows()
    for di, db in ((0.05, 0.05), (0.05, -0.05), (-0.05, 0.05), (-0.05, -0.05)):
        start = dict(i0=max(float(target["inflammation"]) + di, 0.0), b0=float(target["barrier"]) + db)
        end = th2.simulate(P.replace(**start, **treatment), days=200).iloc[-1]
        assert end["inflammation"] == pytest.approx(target["inflammation"], abs=1e-3)
        assert end["barrier"] == pytest.approx(target["barrier"], abs=1e-3)


def test_stable_states_attract_and_the_threshold_repels():
    ss = th2.steady_states(P).set_index("kind")
    saddle = ss.loc["threshold"]
    for nudge, expected in ((-0.02, "controlled"), (+0.02, "inflamed")):
        p = P.replace(i0=float(saddle["inflammation"] + nudge), b0=float(saddle["barrier"]))
        assert th2.final_state(p, days=200) == expected


def test_nullclines_cross_at_the_fixed_points():
    nc = th2.nullclines(P, n=3001)
    ss = th2.steady_states(P)
    gap = nc["barrier_nullcline"] - nc["inflammation_nullcline"]
    crossings = nc["inflammation"][np.sign(gap).diff().fillna(0).ne(0)].to_numpy()
    assert len(crossings) == 3
    np.testing.assert_allclose(np.sort(crossings), ss["inflammation"], atol=0.002)  # grid step 0.0005


# ----------------------------------------------------------------- trigger threshold

@pytest.mark.parametrize("load,days,flips", [(1.5, 3, False), (1.5, 4, False), (1.5, 5, True), (1.5, 7, True),
                                             (2.0, 1, False), (2.0, 2, False), (2.0, 3, True), (3.0, 1, False)])
def test_a_trigger_must_be_large_and_long_enough_to_start_a_lasting_flare(load, days, flips):
    p = P.replace(**CALM, trigger_load=load, trigger_start=10.0, trigger_days=float(days))
    df = th2.simulate(p, days=200)
    during = df[(df["day"] >= 10) & (df["day"] < 10 + days)]
    assert during["load"].eq(load).all()                           # the trigger is in force
    assert df["load"].iloc[-1] == P.p_env                         # and over at the end
    assert th2.final_state(p, days=200) == ("inflamed" if flips else "controlled")


def test_the_flare_outlives_its_trigger():
    p = P.replace(**CALM, trigger_load=2.0, trigger_start=10.0, trigger_days=5.0)
    df = th2.simulate(p, days=150)
    after = df[df["day"] >= 50]
    assert (after["inflammation"] > 0.8).all() and (after["barrier"] < 0.25).all()


# ----------------------------------------------------------------- window and hysteresis

def test_bistable_window_is_bounded_and_matches_the_prototype():
    low, high = window()
    assert 0 < low < P.p_env < high < 3
    assert low == pytest.approx(0.58, abs=0.01) and high == pytest.approx(1.06, abs=0.01)
    below = th2.steady_states(P, load=low - 0.05)
    above = th2.steady_states(P, load=high + 0.05)
    assert list(below["kind"]) == ["controlled"] and list(above["kind"]) == ["inflamed"]


def test_slow_ramp_up_then_down_shows_hysteresis():
    r = th2.ramp(P, low=0.2, high=1.6, days=2000)
    up, down = r[r["phase"] == "up"], r[r["phase"] == "down"]
    jump_up = up.loc[up["inflammation"] > 0.5, "load"].iloc[0]
    jump_down = down.loc[down["inflammation"] < 0.5, "load"].iloc[0]
    low, high = window()
    # prototype: up near 1.1, down near 0.55; a slow ramp jumps just past each window edge
    assert jump_down < low + 0.02 and jump_up > high - 0.02
    assert jump_up - jump_down > 0.4
    assert up["inflammation"].iloc[0] < 0.2 and down["inflammation"].iloc[-1] < 0.2   # back where it started
    at_one_up = up.iloc[(up["load"] - 1.0).abs().argmin()]
    at_one_down = down.iloc[(down["load"] - 1.0).abs().argmin()]
    assert at_one_up["inflammation"] < 0.2 < 0.8 < at_one_down["inflammation"]   # same load, two states


@pytest.mark.parametrize("change,expected", [
    (dict(delta_s=0.0), (1.10, 1.27)),   # no scratch damage: window moves up (prototype ~1.10-1.27)
    (dict(delta_s=0.6), (0.46, 0.97)),   # stronger itch-scratch loop: moves down
    (dict(k_b=0.1), (0.45, 0.91)),       # FLG-like lower barrier production: moves down
    (dict(emollient=0.1), (0.79, 1.17)),  # emollient: moves up
])
def test_window_shifts_match_the_prototype(change, expected):
    low, high = window(**change)
    assert low == pytest.approx(expected[0], abs=0.01) and high == pytest.approx(expected[1], abs=0.01)


def test_weaker_itch_scratch_loop_or_stronger_barrier_raises_the_thresholds():
    """Published direction: barrier defects (FLG) and scratching lower the load needed for chronic disease."""
    d_s = [window(delta_s=x) for x in (0.0, 0.15, 0.3, 0.45, 0.6)]
    k_b = [window(k_b=x) for x in (0.1, 0.15, 0.2, 0.25, 0.3)]
    for seq, direction in ((d_s, -1), (k_b, +1)):
        lows = np.array([w[0] for w in seq])
        highs = np.array([w[1] for w in seq])
        assert np.all(direction * np.diff(lows) > 0) and np.all(direction * np.diff(highs) > 0)
    # with FLG-like k_b = 0.1, load 1 is above the window: only the inflamed state remains
    assert list(th2.steady_states(P.replace(k_b=0.1))["kind"]) == ["inflamed"]


# ----------------------------------------------------------------- treatments

def test_strong_enough_blockade_or_continuous_topical_leaves_only_the_controlled_state():
    assert len(th2.steady_states(P)) == 3
    for kw in (dict(blockade=0.3), dict(blockade=0.9), dict(topical=0.5), dict(topical=2.0)):
        ss = th2.steady_states(P, **kw)
        assert list(ss["kind"]) == ["controlled"], kw
        assert ss["inflammation"].iloc[0] < 0.15
    # and weak ones do not: a small blockade or topical keeps the inflamed state
    assert "inflamed" in set(th2.steady_states(P, blockade=0.05)["kind"])
    assert "inflamed" in set(th2.steady_states(P, topical=0.05)["kind"])


def test_continuous_treatment_brings_a_flare_down_in_simulation_too():
    for kw in (dict(il4ra=0.3, il4ra_start=0.0, il4ra_days=400.0), dict(topical=0.5, topical_start=0.0,
                                                                         topical_days=400.0)):
        assert th2.final_state(P.replace(**FLARE, **kw), days=200) == "controlled"


@pytest.mark.parametrize("strength,short,enough", [(1.0, 3, 5), (2.0, 2, 3), (5.0, 1, 2)])
def test_a_topical_course_stopped_too_early_relapses(strength, short, enough):
    def course(days):
        return P.replace(**FLARE, topical=strength, topical_start=0.0, topical_days=float(days))
    assert th2.final_state(course(short), days=200) == "inflamed"
    assert th2.final_state(course(enough), days=200) == "controlled"
    # during the short course the inflammation did fall: the relapse comes after it stops
    df = th2.simulate(course(short), days=200)
    assert df.loc[df["day"] == short, "inflammation"].iloc[0] < 0.5 * FLARE["i0"]


@pytest.mark.parametrize("fraction,short,enough", [(0.3, 14, 28), (0.6, 3, 7), (0.9, 3, 7)])
def test_a_blockade_stopped_too_early_relapses(fraction, short, enough):
    def course(days):
        return P.replace(**FLARE, il4ra=fraction, il4ra_start=0.0, il4ra_days=float(days))
    assert th2.final_state(course(short), days=200) == "inflamed"
    assert th2.final_state(course(enough), days=200) == "controlled"


def test_proactive_weekly_topical_keeps_control():
    """Get control, then keep control: one day a week of topical after the course (models.md behaviour 9)."""
    # from a flare: a 3-day course alone relapses; the same course followed by 1 day a week does not
    course = P.replace(**FLARE, topical=1.0, topical_start=10.0, topical_days=3.0)
    assert th2.final_state(course, days=400) == "inflamed"
    assert th2.final_state(course.replace(topical_weekly=1), days=400) == "controlled"
    # from control, under a trigger that flips untreated skin (load 2 for 3 days)
    base = P.replace(**CALM)
    # topical c = 1 on one day a week (the course length 0 means maintenance from day 0)
    weekly = base.replace(topical=1.0, topical_start=0.0, topical_days=0.0, topical_weekly=1)
    assert topical_days_in_first_weeks(weekly) == 4
    single = P.replace(**CALM, topical=1.0, topical_start=0.0, topical_days=0.0, topical_weekly=1,
                       trigger_load=2.0, trigger_start=10.0, trigger_days=3.0)
    assert th2.final_state(single, days=60) == "controlled"
    assert th2.final_state(single.replace(topical=0.0), days=60) == "inflamed"
    assert th2.final_state(P.replace(**CALM, emollient=0.1, trigger_load=2.0, trigger_start=10.0,
                                     trigger_days=3.0), days=60) == "controlled"


def _pulsed(p, pulses=6, period=30.0):
    """Repeated triggers (load 2 for 3 days every 30 days; models.md behaviour 9) by chaining runs.

    Params hold one trigger, so each 30-day period is one run that starts where the last one ended; returns
    the inflammation at the end of each period. Itch restarts at its quasi-steady value; after 27 days
    without a trigger it is there anyway (tau_s = 0.1 day). A weekly topical restarts its week with each
    period, so it falls on days 0, 7, 14, 21 and 28 of every period (one day a week, with one 2-day gap at
    each restart).
    """
    ends = []
    state = dict(i0=p.i0, b0=p.b0)
    for _ in range(pulses):
        q = p.replace(**state, trigger_load=2.0, trigger_start=0.0, trigger_days=3.0)
        end = th2.simulate(q, days=period).iloc[-1]
        state = dict(i0=float(end["inflammation"]), b0=float(end["barrier"]))
        ends.append(state["i0"])
    return ends


def test_keep_control_under_repeated_triggers():
    """models.md behaviour 9: with 3-day load-2 pulses every 30 days, untreated skin ends inflamed; one day a
    week of topical (c = 1) or an emollient e >= 0.1 keeps remission (classified at 0.5, module docstring)."""
    untreated = _pulsed(P.replace(**CALM))
    assert untreated[-1] > 0.8
    weekly = _pulsed(P.replace(**CALM, topical=1.0, topical_start=0.0, topical_days=0.0, topical_weekly=1))
    assert max(weekly) < 0.5, weekly              # controlled at the end of every period, not just the last
    for e in (0.1, 0.2):
        assert max(_pulsed(P.replace(**CALM, emollient=e))) < 0.5
    assert _pulsed(P.replace(**CALM, emollient=0.02))[-1] > 0.8   # and a too-small emollient does not


def topical_days_in_first_weeks(p, weeks=4):
    df = th2.simulate(p, days=7 * weeks, points_per_day=1)
    return int((df["topical"].iloc[:-1] > 0).sum())


def test_schedule_inputs_are_reported_in_the_output():
    p = P.replace(topical=2.0, topical_start=5.0, topical_days=10.0, il4ra=0.5, il4ra_start=20.0,
                  il4ra_days=30.0)
    df = th2.simulate(p, days=60, points_per_day=2).set_index("day")
    assert df.loc[10.0, "topical"] == 2.0 and df.loc[30.0, "topical"] == 0.0
    assert df.loc[30.0, "blockade"] == 0.5 and df.loc[55.0, "blockade"] == 0.0


# ----------------------------------------------------------------- invariants and limits

def test_itch_follows_inflammation_within_five_time_constants():
    p = P.replace(i0=0.9, b0=0.18, tau_s=0.5)
    df = th2.simulate(p, days=10, points_per_day=24)
    i = df["inflammation"].to_numpy()
    qs = i ** 2 / (th2.K_S ** 2 + i ** 2)
    late = df["day"] >= 5 * p.tau_s
    assert np.max(np.abs(df["itch"].to_numpy()[late] - qs[late])) < 0.02


def test_output_bounds_are_what_the_equations_guarantee():
    # I can never exceed (k_in + k_amp) / delta_I with the largest slider values, or its start
    fields = {f.name: f for f in dataclasses.fields(th2.Params)}
    assert th2.I_MAX == (fields["k_in"].metadata["upper"] + fields["k_amp"].metadata["upper"]) / th2.DELTA_I
    assert fields["i0"].metadata["upper"] <= th2.I_MAX
    worst = th2.Params(p_env=3.0, k_in=1.0, k_amp=2.0, i0=2.0, b0=0.0, gamma_b=1.0, k_b=0.05, delta_s=0.6,
                       delta_b=0.1, gamma_i=10.0)
    df = th2.simulate(worst, days=200)
    th2.validate(df)
    assert df["inflammation"].max() > 2.5  # close to the bound: the bound is not loose by much


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 3), st.floats(0, 2), st.floats(0, 1), st.floats(0.05, 1.0))
def test_barrier_and_itch_stay_in_zero_one_and_inflammation_non_negative(load, i0, b0, tau):
    df = th2.simulate(P.replace(p_env=load, i0=i0, b0=b0, tau_s=tau), days=60)
    th2.validate(df)


def test_without_allergen_or_inflammation_the_skin_is_at_rest():
    df = th2.simulate(P.replace(p_env=0.0, i0=0.0, b0=1.0), days=150)
    assert df["inflammation"].abs().max() == 0
    assert df["barrier"].iloc[-1] == pytest.approx(P.k_b / (P.k_b + P.delta_b), abs=1e-6)


# ----------------------------------------------------------------- bad input

@pytest.mark.parametrize("days", [0, -5, 5000, float("nan"), "10", True])
def test_simulate_rejects_impossible_days(days):
    with pytest.raises(ValueError, match=r"th2\.simulate: days=.* is outside \[1, 3000\] \(days\)"):
        th2.simulate(P, days=days)


def test_other_arguments_are_checked():
    with pytest.raises(ValueError, match=r"points_per_day=0 is outside \[1, 24\]"):
        th2.simulate(P, points_per_day=0)
    with pytest.raises(ValueError, match=r"th2\.steady_states: load=4 is outside \[0, 3\] \(relative load\)"):
        th2.steady_states(P, load=4)
    with pytest.raises(ValueError, match=r"blockade=1 is outside \[0, 0.95\] \(fraction blocked\)"):
        th2.steady_states(P, blockade=1)
    with pytest.raises(ValueError, match=r"th2\.bifurcation: loads must be"):
        th2.bifurcation(P, [0.5, 4.0])
    with pytest.raises(ValueError, match=r"th2\.ramp: low=1.0 must be below high=0.5"):
        th2.ramp(P, low=1.0, high=0.5)


def test_params_error_names_model_parameter_range_and_unit():
    with pytest.raises(ValueError, match=r"th2\.Params: il4ra=1.3 is outside \[0, 0.95\] \(fraction blocked"):
        th2.Params(il4ra=1.3)


# ----------------------------------------------------------------- the SOLO data and NNT

def test_solo_counts_load_and_give_the_published_proportions():
    df = data.load("dupilumab_solo_week16").set_index("arm")
    dup, pla = df.loc["dupilumab 300 mg every 2 weeks"], df.loc["placebo"]
    assert (dup["events"], dup["n"], pla["events"], pla["n"]) == (278, 449, 396, 443)
    # the paper's abstract: IGA > 1 in 278 of 449 and 396 of 443, so IGA <= 1 in 38.1 % and 10.6 %
    assert round(100 * (dup["n"] - dup["events"]) / dup["n"], 1) == 38.1
    assert round(100 * (pla["n"] - pla["events"]) / pla["n"], 1) == 10.6


def test_solo_by_trial_counts_reproduce_the_published_percentages_and_registered_totals():
    df = data.load("dupilumab_solo_by_trial")
    assert len(df) == 12 and set(df["verification"]) == {
        "arm counts consistent with the published percentages and registered totals; primary table not seen"}
    # every count gives its printed percentage to the printed rounding (whole per cent)
    assert ((100 * df["events"] / df["n"]).round().astype(int) == df["published_pct"]).all()
    sizes = df[df["outcome"] == "iga_0_or_1"].groupby("trial")["n"].sum()
    assert sizes.to_dict() == {"SOLO 1": 671, "SOLO 2": 708}                     # registered totals
    q2w_or_placebo = df[(df["outcome"] == "iga_0_or_1") & (df["arm"] != "dupilumab 300 mg weekly")]
    assert q2w_or_placebo["n"].sum() == 917                                      # sponsor's count
    # the same arm has the same n for both outcomes
    assert (df.pivot_table(index=["trial", "arm"], columns="outcome", values="n").nunique(axis=1) == 1).all()


def test_solo_by_trial_row_rules_catch_a_count_that_does_not_give_its_percentage(tmp_path):
    src = data.DATA_DIR / "dupilumab_solo_by_trial.csv"
    old = "SOLO 1,dupilumab 300 mg every 2 weeks,iga_0_or_1,85,224,38"
    text = src.read_text()
    assert old in text
    bad = tmp_path / src.name
    bad.write_text(text.replace(old, old.replace(",85,224,", ",95,224,")))   # 42.4 %, not 38 %
    with pytest.raises(data.DataError, match="published_pct"):
        data.load("dupilumab_solo_by_trial", bad)


def test_nnt_matches_a_hand_calculation_from_the_counts():
    # by hand: p1 = 171/449 = 0.38085, p0 = 47/443 = 0.10609, RD = 0.27475, NNT = 1/RD = 3.64
    # SE = sqrt(p1(1-p1)/449 + p0(1-p0)/443) = 0.02719; 95 % CI of RD = 0.27475 +- 1.95996 * SE
    p1, p0 = 171 / 449, 47 / 443
    rd = p1 - p0
    se = np.sqrt(p1 * (1 - p1) / 449 + p0 * (1 - p0) / 443)
    assert rd == pytest.approx(0.27475, abs=5e-6) and se == pytest.approx(0.02719, abs=5e-6)
    nnt = stats.number_needed_to_treat(171, 449, 47, 443)
    assert nnt.kind == "NNTB" and not nnt.crosses_zero
    assert nnt.nnt == pytest.approx(1 / rd, rel=1e-12)
    assert nnt.ci_low == pytest.approx(1 / (rd + 1.959964 * se), rel=1e-5)
    assert nnt.ci_high == pytest.approx(1 / (rd - 1.959964 * se), rel=1e-5)
    assert f"{nnt.nnt:.1f}" == "3.6" and (round(nnt.ci_low, 1), round(nnt.ci_high, 1)) == (3.0, 4.5)
    # the same trial, counted by its failures (IGA > 1, a bad outcome), gives the same NNT
    bad = stats.number_needed_to_treat(278, 449, 396, 443, outcome="bad")
    assert bad.nnt == pytest.approx(nnt.nnt) and bad.kind == "NNTB"


def test_what_iga_misses_table():
    df = data.load("dupilumab_solo_iga_above_1").set_index("outcome")
    # all ten values, as in the abstract of the pooled post hoc analysis (fact sheet 02, VERIFIED)
    expected = {"EASI": (-48.9, -11.3), "pruritus NRS": (-35.2, -9.1), "affected body surface area": (-23.1, -4.5),
                "POEM": (57.4, 21.0), "DLQI": (59.3, 24.4)}
    assert {o: (r["dupilumab_value"], r["placebo_value"]) for o, r in df.iterrows()} == expected
    # every outcome favours dupilumab: larger falls in scores, more responders
    change = df[df["unit"] == "% change"]
    responders = df[df["unit"] == "% of patients"]
    assert (change["dupilumab_value"] < change["placebo_value"]).all()
    assert (responders["dupilumab_value"] > responders["placebo_value"]).all()
    assert isinstance(df, pd.DataFrame) and len(df) == 5


# ----------------------------------------------------------------- explorers

def test_bifurcation_explorer_branches_match_the_model():
    from course_lib.explorers import th2 as ex

    for kw in ({}, dict(k_b=0.1), dict(il4ra=0.5), dict(emollient=0.1)):
        p = P.replace(**kw)
        branches, win = ex._branches(p)
        bif = th2.bifurcation(p, ex.LOADS, blockade=p.il4ra)
        # every fixed point the model finds on a load grid lies on the drawn branch of its kind
        for _, row in bif.iterrows():
            names = ("controlled", "inflamed") if row["stable"] else ("threshold",)
            gaps = []
            for name in names:
                load, i = branches[name]
                if load.size and load.min() <= row["load"] <= load.max():
                    order = np.argsort(load)          # each branch is monotone in load
                    gaps.append(abs(np.interp(row["load"], load[order], i[order]) - row["inflammation"]))
            assert min(gaps) < 1e-3, row
        exact = th2.bistable_window(p, blockade=p.il4ra)
        assert ex._bif_compute(p)["window"] == exact   # what the explorer draws and describes: the model's window
        assert (win is None) == (exact is None)
        if win:  # the folds, exact; bistable_window scans a grid of step 0.002
            assert abs(win[0] - exact[0]) <= 0.0021 and abs(win[1] - exact[1]) <= 0.0021


@pytest.mark.parametrize("kw", [{}, dict(k_b=0.1), dict(delta_s=0.0), dict(emollient=0.1), dict(il4ra=0.2)])
def test_bifurcation_branches_meet_at_the_folds(kw):
    """Issue 13 (notebook 02, section 4): the threshold branch must meet each stable branch at its fold,
    not stop short of it (the old load grid lost the two close roots next to a fold)."""
    from course_lib.explorers import th2 as ex

    p = P.replace(**kw)
    branches, _ = ex._branches(p)
    (cl, ci), (tl, ti), (hl, hi) = (branches[n] for n in ex.BRANCHES)
    # upper fold: the controlled branch ends where the threshold starts; lower fold: threshold ends, inflamed starts
    assert (cl[-1], ci[-1]) == (tl[0], ti[0])
    assert (tl[-1], ti[-1]) == (hl[0], hi[0])
    for load, i in ((tl[0], ti[0]), (tl[-1], ti[-1])):
        state = np.array([i, th2.barrier_at_rest(p, i, p.il4ra), th2.initial_itch(i)])
        assert th2.residual(p, state, load=load, blockade=p.il4ra) < 1e-9
        # a fold: the steady state's slowest direction neither grows nor decays
        eig = np.linalg.eigvals(th2.jacobian(p, state, load=load, blockade=p.il4ra)).real
        assert abs(eig.max()) < 1e-5
    # drawn finely enough: a straight segment between neighbouring points spans at most 0.05 in load
    # (where the branch is nearly flat) and 0.001 in inflammation
    for load, i in branches.values():
        assert np.max(np.abs(np.diff(load))) < 0.05 and np.max(np.abs(np.diff(i))) < 1e-3


def test_explorer_descriptions_follow_the_model():
    from course_lib.explorers import th2 as ex

    trig = ex.trigger_explorer()
    assert "ends controlled" in trig.description
    trig.set(trigger_days=6.0)
    assert "stays inflamed after the trigger" in trig.description
    bif = ex.bifurcation_explorer()
    low, high = th2.bistable_window(P)
    assert f"Two stable states coexist for loads from {low:.2f} to {high:.2f}" in bif.description
    assert "from 0.58 to 1.06" in bif.description   # the window the notebook prints
    bif.set(il4ra=0.5)
    assert "There is no bistable window" in bif.description
    treat = ex.treatment_explorer()
    assert "a relapse after the treatment stopped" in treat.description
    treat.set(topical_days=5.0)
    assert "the skin ends controlled" in treat.description


def test_proportion_ci_is_the_wilson_interval():
    from course_lib.stats import proportion_ci

    p, lo, hi = proportion_ci(171, 449)
    # Wilson by hand: centre (x + z^2/2)/(n + z^2), half-width z sqrt(p(1-p)n + z^2/4)/(n + z^2)
    z = 1.959964
    centre = (171 + z ** 2 / 2) / (449 + z ** 2)
    half = z * np.sqrt(p * (1 - p) * 449 + z ** 2 / 4) / (449 + z ** 2)
    assert (lo, hi) == pytest.approx((centre - half, centre + half), abs=1e-6)
    with pytest.raises(ValueError, match="events=5 and n=3"):
        proportion_ci(5, 3)


def test_fast_closures_agree_with_the_documented_equations():
    rng = np.random.default_rng(2)
    for _ in range(20):
        p = P.replace(k_in=float(rng.uniform(0.05, 1)), gamma_i=float(rng.uniform(0, 10)),
                      emollient=float(rng.uniform(0, 0.3)), tau_s=float(rng.uniform(0.05, 1)))
        y = rng.uniform([0, 0, 0], [2, 1, 1])
        load, c, u = rng.uniform(0, 3), rng.uniform(0, 5), rng.uniform(0, 0.95)
        f, jac = th2._fast(p)
        np.testing.assert_allclose(f(0, y, load, c, u), th2.rhs(0, y, p, load, c, u), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(jac(0, y, load, c, u), th2._jac(0, y, p, load, c, u), rtol=1e-12, atol=1e-14)


def test_vectorised_inputs_match_the_schedule_used_by_the_solver():
    p = P.replace(trigger_load=2.0, trigger_start=3.0, trigger_days=4.5, topical=1.5, topical_start=2.0,
                  topical_days=5.0, topical_weekly=2, il4ra=0.4, il4ra_start=6.0, il4ra_days=20.0)
    t = np.linspace(0, 60, 1201)
    vec = th2.inputs_at(p, t)
    scalar = np.array([[th2.load_at(p, x), th2.topical_at(p, x), th2.blockade_at(p, x)] for x in t]).T
    np.testing.assert_array_equal(vec, scalar)
    for t0, t1, load, c, u in th2.schedule(p, 60):
        inside = (t >= t0) & (t < t1)
        assert (vec[0, inside] == load).all() and (vec[1, inside] == c).all() and (vec[2, inside] == u).all()


def test_a_switch_a_hair_before_an_output_time_does_not_break_the_solver():
    # found by the hypothesis property test: il4ra_start = 2 - 2e-16 left odeint a zero-length step
    import warnings

    p = th2.Params(il4ra=0.5, il4ra_start=1.9999999999999998, il4ra_days=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = th2.simulate(p)
    assert np.isfinite(df[["inflammation", "barrier", "itch"]].to_numpy()).all()


def test_a_curve_without_folds_is_split_where_the_state_counts_as_inflamed():
    """With 30 % of IL-4Rα blocked the model has one stable state per load (no fold), rising past I = 0.5 at
    high loads: that part is labelled inflamed, not controlled, and no fold is marked (review finding)."""
    curve = th2.equilibrium_curve(th2.Params(), blockade=0.3)
    assert not curve["fold"].any() and "threshold" not in set(curve["branch"])
    assert curve.loc[curve["branch"] == "controlled", "inflammation"].max() <= 0.5 + 1e-12
    assert curve.loc[curve["branch"] == "inflamed", "inflammation"].min() >= 0.5 - 1e-12
    assert curve["inflammation"].max() > 0.5
    assert bool(curve["stable"].all())
