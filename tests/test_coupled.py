"""The coupled model of notebook 05, its virtual cohort and trial, and the functions it adds to
the other models (th2.rates, microbiome.agr_active / log_rates, barrier.tewl_at_integrity /
influx_at_integrity).

Tolerances. The coupled model and the sub-models are integrated by LSODA with rtol 1e-6 and
atol 1e-8, but with different step sequences (the coupled model solves six variables per
patient at once and builds a banded Jacobian by differences; th2 uses its analytic Jacobian).
Two such runs of O(1) quantities differ by a few times 1e-6 (measured: at most 1e-5 over
200 days), so "equal to solver tolerance" is checked at 1e-4 absolute. The smallest coupling
step a learner can set (0.01 /day of S. aureus -> inflammation) moves inflammation by far
more than that, which the tests also check, so the comparison can fail.
"""
import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from course_lib import cohort
from course_lib.explorers import coupled as coupled_explorers
from course_lib.models import barrier, coupled, march, microbiome, th2

SOLVER_TOL = 1e-4


# --------------------------------------------------------------------------- the added functions

def test_th2_rates_is_the_same_right_hand_side():
    p = th2.Params(emollient=0.1)
    rng = np.random.default_rng(1)
    for _ in range(20):
        y = rng.uniform([0, 0, 0], [2, 1, 1])
        load, c, u = rng.uniform(0, 3), rng.uniform(0, 5), rng.uniform(0, 0.95)
        assert np.allclose(th2.rates(p, *y, load, c, u), th2.rhs(0.0, y, p, load, c, u), rtol=1e-12, atol=1e-14)


def test_microbiome_log_rates_is_the_same_right_hand_side():
    p = microbiome.Params(inflammation=0.02, delta_be=0.1)
    rng = np.random.default_rng(2)
    for _ in range(20):
        a, e, b = rng.uniform(1e-4, 1, 3)
        dla, dle, db = microbiome.log_rates(p, math.log(a), math.log(e), b, repair=3.0)
        assert np.allclose([dla * a, dle * e, db], microbiome.rhs(p, (a, e, b), repair=3.0), rtol=1e-10, atol=1e-14)
    # the two extra inputs are neutral at their defaults
    base = microbiome.log_rates(p, -1.0, -2.0, 0.3)
    assert np.allclose(base, microbiome.log_rates(p, -1.0, -2.0, 0.3, growth_a=1.0, habitat=0.3))


@pytest.mark.parametrize("flg,infl,scratch", [(0, 0.0, 0.0), (1, 0.3, 0.1), (2, 0.6, 0.5)])
def test_barrier_read_outs_match_the_notebook_01_model(flg, infl, scratch):
    p = barrier.Params(flg_null_alleles=flg, inflammation=infl, scratch=scratch)
    assert barrier.tewl_at_integrity(barrier.integrity(p), p) == pytest.approx(barrier.steady_tewl(p), rel=1e-12)
    assert barrier.influx_at_integrity(barrier.integrity(p), p) == pytest.approx(barrier.allergen_influx(p))


def test_barrier_read_outs_reject_impossible_integrity():
    with pytest.raises(ValueError, match=r"barrier.tewl_at_integrity: b=.* is outside \[0, 1\]"):
        barrier.tewl_at_integrity(1.2)
    with pytest.raises(ValueError, match=r"barrier.influx_at_integrity: b=.* is outside \[0, 1\]"):
        barrier.influx_at_integrity([0.5, -0.1])


# --------------------------------------------------------------------------- couplings off = separate models

def _microbiome_on(df, days):
    """The microbiome frame on the coupled model's output days (events are reported twice there)."""
    return df.drop_duplicates("day", keep="last").set_index("day").reindex(days)


@pytest.mark.parametrize("start,load,flg", [(1, 0.8, 0), (0, 1.2, 0), (1, 0.5, 1), (0, 0.7, 1)])
def test_with_couplings_off_each_model_runs_exactly_as_alone(start, load, flg):
    p = coupled.uncoupled(coupled.Params(start=start, p_env=load, flg_null_alleles=flg))
    df = coupled.simulate(p, days=200.0)
    th2_start = th2.INFLAMED if start else th2.CONTROLLED
    k_b = th2.Params().k_b * barrier.FLG_INTEGRITY[flg]
    alone = th2.simulate(th2.Params(p_env=load, k_b=k_b, **th2_start), days=200.0)
    for col in ("inflammation", "barrier", "itch"):
        assert np.abs(df[col].to_numpy() - alone[col].to_numpy()).max() < SOLVER_TOL, col
    mb = _microbiome_on(microbiome.simulate(microbiome.Params(**(microbiome.DAMAGED if start else
                                                                 microbiome.HEALTHY)), days=200.0),
                        df["day"].to_numpy())
    for col in ("s_aureus", "commensals"):
        assert np.abs(df[col].to_numpy() - mb[col].to_numpy()).max() < SOLVER_TOL, col


def test_the_equality_check_can_fail():
    """The smallest coupling a slider can set breaks the equality by much more than the tolerance."""
    p = coupled.uncoupled(coupled.Params(start=1, p_env=0.6))
    a = coupled.simulate(p, days=120.0)
    b = coupled.simulate(p.replace(sa_inflammation=0.01), days=120.0)
    assert np.abs(a["inflammation"] - b["inflammation"]).max() > 100 * SOLVER_TOL


def test_with_couplings_off_the_thresholds_are_notebook_02s_bistable_window():
    # th2.bistable_window: (0.582, 1.064). thresholds() reads long runs on a grid of step 0.01,
    # so each threshold is the first grid load at or above the window's edge
    low, high = th2.bistable_window(th2.Params())
    t = coupled.thresholds(coupled.uncoupled())
    assert low <= t["remission"] <= low + 0.01 + 1e-9
    assert high <= t["flare"] <= high + 0.01 + 1e-9


def test_with_couplings_off_the_flare_microbiome_stays_s_aureus_dominated_as_in_notebook_03():
    p = coupled.uncoupled(coupled.Params(start=1))
    df = coupled.simulate(p, days=365.0, points_per_day=1)
    assert microbiome.outcome(microbiome.Params(**microbiome.DAMAGED)) == "S. aureus dominant"
    assert df["s_aureus"].iloc[-1] > 0.9 and df["commensals"].iloc[-1] < 1e-3


def test_with_march_link_off_the_march_model_is_unchanged():
    p = coupled.Params(march_link=0.0)
    assert coupled.march_params(p, 50.0, 10.0) == march.Params()
    # with the link on, a larger dose means more sensitisation through the skin, up to the cap
    q = coupled.Params(march_link=1.0)
    assert coupled.march_params(q, 20.0, 10.0).skin_sensitisation == pytest.approx(0.6)
    assert coupled.march_params(q, 1000.0, 10.0).skin_sensitisation == 2.0


def test_tewl_is_read_out_through_the_notebook_01_model():
    df = coupled.simulate(coupled.Params(), days=30.0)
    assert np.allclose(df["tewl"], barrier.tewl_at_integrity(df["barrier"].to_numpy()))
    # an inflamed, broken barrier loses more water than the calm one (notebook 01: TEWL falls with integrity)
    calm = coupled.simulate(coupled.Params(start=0, p_env=0.5), days=30.0)
    assert df["tewl"].iloc[-1] > calm["tewl"].iloc[-1]


# --------------------------------------------------------------------------- the loop is stronger than its parts

def test_couplings_lower_the_remission_threshold_much_more_than_the_flare_threshold():
    """[models.md, Notebook 5] With couplings on the S. aureus-colonised inflamed state persists to a
    much lower load (here 0.35 vs 0.59), while the flare threshold from calm skin hardly moves
    (1.07 both). Margins: at least 0.15 lower, and the flare threshold moves less than a fifth as much."""
    on, off = coupled.thresholds(coupled.Params()), coupled.thresholds(coupled.uncoupled())
    drop_remission = off["remission"] - on["remission"]
    shift_flare = abs(off["flare"] - on["flare"])
    assert drop_remission >= 0.15
    assert shift_flare <= drop_remission / 5


def test_the_two_stage_threshold_search_matches_the_fine_grid():
    fine = np.round(np.arange(0.2, 1.6 + 1e-9, 0.01), 10)
    p = coupled.Params(p_env=0.3, flg_null_alleles=1, resilience=0.5)
    assert coupled.thresholds(p) == coupled.thresholds(p, loads=fine)


def test_each_published_coupling_alone_lowers_the_remission_threshold_or_leaves_it():
    off = coupled.thresholds(coupled.uncoupled())["remission"]
    for name in ("sa_inflammation", "sa_barrier"):
        p = coupled.uncoupled().replace(shared_barrier=1.0, th2_defence=1.0, **{name: 0.1})
        assert coupled.thresholds(p)["remission"] < off, name


def test_a_trigger_flips_skin_inside_the_window_but_not_below_it():
    """Notebook 02's hysteresis, in the coupled model: the same 10-day trigger (load 1.5) leaves skin
    inflamed at a load inside the window of two stable states (0.35-1.07) and not below it."""
    r = coupled.run_patients(coupled.Params(), p_env=[0.3, 0.8], start=0, strategy=(), days=120.0,
                             trigger=(1.5, 10.0, 10.0))
    assert r["inflammation"][9].max() < 0.2            # calm before the trigger
    assert r["inflammation"][-1, 0] < 0.1 and r["inflammation"][-1, 1] > coupled.INFLAMED_LEVEL
    plain = coupled.run_patients(coupled.Params(), p_env=[0.3, 0.8], start=0, strategy=(), days=120.0)
    assert plain["inflammation"][-1].max() < 0.2       # without it, both stay calm


# --------------------------------------------------------------------------- virtual cohort and trial

def test_cohort_is_reproducible_with_a_seed_and_changes_with_it():
    a, b = cohort.virtual_patients(50, seed=3), cohort.virtual_patients(50, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(cohort.virtual_patients(50, seed=4))
    t1 = cohort.run_trial(a, ["emollient only", "bleach baths"])
    t2 = cohort.run_trial(b, ["emollient only", "bleach baths"])
    pd.testing.assert_frame_equal(t1, t2)


def test_cohort_genotype_share_matches_the_published_carrier_frequency():
    # 19.1 % of people with AD carry an FLG null variant (Khatib 2024). With 20 000 patients the
    # binomial standard error is 0.28 %, so 4 SE = 1.1 percentage points
    pts = cohort.virtual_patients(20000, seed=0)
    assert abs(pts["flg_null_alleles"].mean() - 0.191) < 0.011
    assert set(pts["flg_null_alleles"]) == {0, 1}


def test_outcome_shares_converge_as_the_cohort_grows():
    """The Wilson CI narrows about as 1/sqrt(n), and each smaller cohort's CI holds the large one's share."""
    shares = {}
    for n in (100, 400, 1600):
        s = cohort.summarise(cohort.run_trial(cohort.virtual_patients(n, seed=0), ["emollient only"]))
        shares[n] = s.loc["emollient only"]
    big = shares[1600]["remission"]
    widths = [shares[n]["remission_high"] - shares[n]["remission_low"] for n in (100, 400, 1600)]
    assert widths[0] > widths[1] > widths[2]
    assert widths[0] / widths[2] == pytest.approx(4.0, rel=0.35)   # sqrt(1600 / 100) = 4
    for n in (100, 400):
        assert shares[n]["remission_low"] <= big <= shares[n]["remission_high"]


@pytest.fixture(scope="module")
def trial():
    return cohort.run_trial(cohort.virtual_patients(60, seed=0))


def test_one_more_treatment_never_does_worse_on_remission(trial):
    """Patient by patient: adding a treatment to a strategy never loses a remission.

    Every treatment in the model pushes the same way (more clearance, more barrier repair,
    less type-2 signalling, fewer S. aureus), and the model is monotone in each, so this holds
    for remission. It need NOT hold for relapse after stopping (a stronger strategy brings
    harder patients into remission, who then relapse), so relapse is not tested this way."""
    piv = trial.pivot(index="patient", columns="strategy", values="remission")
    pairs = 0
    for s, comps in coupled.STRATEGIES.items():
        for s2, comps2 in coupled.STRATEGIES.items():
            if set(comps) < set(comps2):
                pairs += 1
                assert not (piv[s] & ~piv[s2]).any(), f"{s2} loses a remission that {s} had"
    assert pairs >= 15


def test_trial_summary_counts_and_intervals(trial):
    s = cohort.summarise(trial)
    assert list(s.index) == list(coupled.STRATEGIES)
    assert (s["n"] == 60).all()
    # 1e-12: the Wilson bounds at a share of exactly 0 or 1 land on it up to floating-point round-off
    assert ((s["remission_low"] <= s["remission"] + 1e-12) & (s["remission"] <= s["remission_high"] + 1e-12)).all()
    # the published qualitative pattern in the model: untreated flares rarely resolve at these loads,
    # anti-inflammatory strategies beat barrier-only ones on remission
    assert s.loc["no treatment", "remission"] < 0.1
    assert s.loc["IL-4Rα blockade", "remission"] > s.loc["emollient only", "remission"]
    assert s.loc["proactive topical", "remission"] > s.loc["emollient only", "remission"]
    assert (trial["flare_days"] <= coupled.TREAT_DAYS).all()


def test_creams_alone_fail_where_the_immune_loop_holds():
    pts = cohort.virtual_patients(60, seed=0)
    loops = cohort.which_loop_holds(pts)
    failed = loops[~loops["remission"]]
    assert len(failed) > len(loops) / 2
    # weakening type-2 self-amplification lets every failed patient remit on the emollient; cutting
    # the S. aureus loop rescues some but not all
    assert failed["type-2 self-amplification"].all()
    assert 0 < failed["S. aureus loop"].sum() < len(failed)


# --------------------------------------------------------------------------- early life and the march

def test_early_barrier_protection_lowers_sensitising_dose_and_later_multimorbidity():
    ref = coupled.early_life(coupled.Params())
    for flg in (0, 1):
        p = coupled.Params(flg_null_alleles=flg, p_env=0.9)
        plain, protected = coupled.early_life(p), coupled.early_life(p, emollient=True)
        assert protected < plain
        mm = [march.prevalence_at(march.simulate(coupled.march_params(p, d, ref)), 11.0, "p_multimorbid")
              for d in (plain, protected)]
        assert mm[1] < mm[0]
        # with the link off, the dose changes nothing downstream
        q = p.replace(march_link=0.0)
        assert coupled.march_params(q, plain, ref) == coupled.march_params(q, protected, ref)


# --------------------------------------------------------------------------- bad input

def test_bad_input_raises_clear_errors():
    p = coupled.Params()
    with pytest.raises(ValueError, match=r"coupled.run_patients: days=0.5 is outside \[1, 730\]"):
        coupled.simulate(p, days=0.5)
    with pytest.raises(ValueError, match=r"coupled.run_patients: p_env=5.0 is outside \[0, 3\] \(relative load\)"):
        coupled.run_patients(p, p_env=[0.5, 5.0])
    with pytest.raises(ValueError, match="strategy='creams' is not one of"):
        coupled.run_patients(p, strategy="creams")
    with pytest.raises(ValueError, match="treatment 'steroid' is not one of"):
        coupled.run_patients(p, strategy=("steroid",))
    with pytest.raises(ValueError, match="whole numbers 0, 1 or 2"):
        coupled.run_patients(p, flg=[0.5])
    with pytest.raises(ValueError, match="2 strategies for 3 patients"):
        coupled.run_patients(p, p_env=[0.5, 0.6, 0.7], strategy=["emollient only"] * 2)
    with pytest.raises(ValueError, match=r"trigger load=5.0 is outside \[0, 3\] \(relative load\)"):
        coupled.run_patients(p, trigger=(5.0, 10.0, 5.0))
    with pytest.raises(ValueError, match="is not \\(load, start_day, length_days\\)"):
        coupled.run_patients(p, trigger=(1.0, 2.0))
    with pytest.raises(ValueError, match=r"coupled.Params: sa_inflammation=2 is outside \[0, 0.3\]"):
        coupled.Params(sa_inflammation=2)
    with pytest.raises(ValueError, match="dose_rate=-1.0 must be a positive number"):
        coupled.march_params(p, -1.0, 1.0)
    with pytest.raises(ValueError, match=r"cohort.virtual_patients: n=0 is outside \[1, 20000\]"):
        cohort.virtual_patients(0)
    with pytest.raises(ValueError, match="strategy='magic' is not one of"):
        cohort.run_trial(cohort.virtual_patients(2), ["magic"])


def test_every_strategy_field_names_its_treatments():
    f = next(f for f in dataclasses.fields(coupled.Params) if f.name == "strategy")
    for k, name in enumerate(coupled.STRATEGIES):
        assert f"{k} {name}" in f.metadata["meaning"]


# --------------------------------------------------------------------------- explorers

def test_trial_explorer_shows_each_strategy_from_precomputed_results():
    summary = cohort.summarise(cohort.run_trial(cohort.virtual_patients(20, seed=0),
                                                ["no treatment", "emollient only", "IL-4Rα blockade"]))
    ex = coupled_explorers.trial_explorer(summary)
    for k in range(len(summary)):
        ms = ex.set(shown=k)
        assert ms < 200
        assert summary.index[k] in ex.description


def test_loop_explorer_shows_the_couplings_keeping_a_flare_going():
    ex = coupled_explorers.loop_explorer()
    ex.set(p_env=0.5, couplings=1, start=1)
    assert "ends inflamed" in ex.description and "S. aureus dominant" in ex.description
    ex.set(couplings=0)
    assert "ends calm" in ex.description and "separate models" in ex.description
    with pytest.raises(ValueError, match="is not one of the allowed values"):
        ex.set(p_env=0.52)    # only precomputed loads can be shown
