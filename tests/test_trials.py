"""The seeded trial simulator of notebook 01 (course_lib.trials).

Monte Carlo tolerances are set from the Monte Carlo standard error (SE) of a
share p estimated from k trials, sqrt(p (1 - p) / k), plus the known error of
the approximation being compared; each test states its numbers.
"""
import math
import time

import pytest

from course_lib import stats, trials

BEEP_N = 600          # about the BEEP arms analysed at 2 years (598 and 612)
BEEP_CONTROL = 0.245  # 150/612


def run(**kw):
    return trials.simulate_trials(trials.TrialParams(**kw))


def test_false_positive_rate_at_no_effect_is_close_to_alpha():
    # 20000 trials: SE = sqrt(0.05 x 0.95 / 20000) = 0.0015. The Wald test on log RR is close to
    # exact at this size (its own size error is well under 0.002), so 0.006 is about 4 SE.
    df = run(true_rr=1.0, n_per_arm=BEEP_N, control_risk=0.25, n_trials=20000, seed=11)
    s = trials.summarise(df)
    assert abs(s["share_significant"] - 0.05) < 0.006
    # the two kinds of false positive (apparent benefit, apparent harm) are about equally common
    assert s["share_significant_benefit"] == pytest.approx(s["share_significant"] / 2, abs=0.005)


@pytest.mark.parametrize("alpha", [0.01, 0.2])
def test_false_positive_rate_follows_alpha(alpha):
    # SE at 20000 trials: 0.0007 (alpha 0.01) and 0.0028 (alpha 0.2); tolerance about 4 SE
    p = trials.TrialParams(true_rr=1.0, n_per_arm=1200, n_trials=20000, seed=5)
    share = trials.simulate_trials(p, alpha=alpha)["significant"].mean()
    assert abs(share - alpha) < 4 * math.sqrt(alpha * (1 - alpha) / 20000) + 0.002


@pytest.mark.parametrize("rr", [0.7, 0.8, 0.9])
def test_power_at_the_beep_size_matches_the_normal_approximation(rr):
    # 20000 trials: SE <= 0.0035; the normal approximation itself is off by < 0.01 at n = 600,
    # so 0.02 allows both
    p = trials.TrialParams(true_rr=rr, n_per_arm=BEEP_N, control_risk=BEEP_CONTROL, n_trials=20000, seed=2)
    simulated = trials.summarise(trials.simulate_trials(p))["share_significant"]
    assert simulated == pytest.approx(trials.normal_power(BEEP_CONTROL, rr, BEEP_N), abs=0.02)


def test_normal_power_by_hand():
    # p0 = 0.25, p1 = 0.2, n = 600: se = sqrt(0.8/(600*0.2) + 0.75/(600*0.25)) = 0.10801;
    # |log 0.8| / se = 2.0660; power = Phi(2.0660 - 1.95996) + Phi(-4.0260) = 0.5423
    assert trials.normal_power(0.25, 0.8, 600) == pytest.approx(0.5423, abs=5e-4)
    assert trials.normal_power(0.25, 1.0, 600) == pytest.approx(0.05, abs=1e-12)
    assert trials.normal_power(0.25, 0.8, 1200) > trials.normal_power(0.25, 0.8, 600)


def test_each_trial_is_analysed_like_stats_risk_ratio():
    # small arms and a low risk give zero cells, which both correct by adding 0.5 to every cell
    df = run(true_rr=0.6, n_per_arm=30, control_risk=0.05, n_trials=300, seed=4)
    assert ((df["events_treat"] == 0) | (df["events_ctrl"] == 0)).any()
    for row in df.head(80).itertuples():
        e = stats.risk_ratio(row.events_treat, row.n_per_arm, row.events_ctrl, row.n_per_arm)
        assert (row.rr, row.ci_low, row.ci_high) == pytest.approx((e.estimate, e.ci_low, e.ci_high), rel=1e-9)
        assert row.significant == (e.ci_high < 1 or e.ci_low > 1)


def test_seeded_and_reproducible():
    a, b = run(seed=7), run(seed=7)
    assert a.equals(b)
    assert not a.equals(run(seed=8))
    assert set(a.attrs["units"]) == set(a.columns)


def test_small_pilots_often_show_big_effects_that_large_trials_do_not():
    # the lesson of the notebook: with no true effect a pilot of 60 per arm shows RR <= 0.5 in about
    # 2 % of trials (here 20000 trials, SE 0.001), a BEEP-sized trial essentially never
    pilot = trials.summarise(run(true_rr=1.0, n_per_arm=60, n_trials=20000, seed=3))
    large = trials.summarise(run(true_rr=1.0, n_per_arm=BEEP_N, n_trials=20000, seed=3))
    assert 0.01 < pilot["share_big"] < 0.04
    assert large["share_big"] < 0.001


def test_significant_small_trials_exaggerate_a_modest_true_effect():
    # winner's curse: true RR 0.8, pilot size; trials reaching significance report a much lower RR
    s = trials.summarise(run(true_rr=0.8, n_per_arm=60, n_trials=5000, seed=9))
    assert s["median_rr_significant_benefit"] < 0.6 < 0.8


def test_fast_enough_for_a_slider():
    run()
    t0 = time.perf_counter()
    for seed in range(10):
        run(seed=seed, n_per_arm=1200)
    assert (time.perf_counter() - t0) / 10 < 0.05


def test_reported_effect_recovers_the_standard_error():
    e = trials.reported_effect(0.50, 0.28, 0.90, study="Simpson 2014")
    assert e.se == pytest.approx((math.log(0.90) - math.log(0.28)) / (2 * 1.959964), rel=1e-6)
    assert e.log_estimate == pytest.approx(math.log(0.5))
    with pytest.raises(ValueError, match="need 0 < ci_low <= estimate <= ci_high"):
        trials.reported_effect(0.5, 0.6, 0.9, study="x")


@pytest.mark.parametrize("call,match", [
    (lambda: trials.TrialParams(true_rr=2.0), r"trials.Params: true_rr=2.0 is outside \[0.4, 1.5\]"),
    (lambda: trials.TrialParams(n_per_arm=61), "n_per_arm=61 is not one of the allowed values"),
    (lambda: trials.simulate_trials(alpha=1.5), r"trials: alpha=1.5 is outside \(0, 1\)"),
    (lambda: trials.normal_power(0.25, 0.8, 1), "n_per_arm=1 must be a whole number >= 2"),
    (lambda: trials.summarise(run(n_trials=100), big_effect=2), r"big_effect=2 is outside \(0, 1\)"),
])
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_the_parameter_bounds_keep_every_risk_below_one():
    f = trials.TrialParams.__dataclass_fields__
    assert f["control_risk"].metadata["upper"] * f["true_rr"].metadata["upper"] < 1
