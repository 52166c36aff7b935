"""Tests of course_lib.stats: effect sizes, NNT, meta-analysis and the forest plot.

Published reference values are checked to the number of decimals they were
published with (tolerance = half a unit in the last published decimal).
"""
import dataclasses
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from course_lib import stats
from course_lib.plotting import figure_png


def rounds_to(value, published, decimals):
    """True if ``value`` rounds to ``published`` at the published number of decimals."""
    return abs(value - published) <= 0.5 * 10 ** -decimals + 1e-12


Z95 = 1.959963984540054

# --------------------------------------------------------------------- data

# Colditz GA et al. (1994) Efficacy of BCG vaccine in the prevention of tuberculosis:
# meta-analysis of the published literature. JAMA 271:698-702,
# doi:10.1001/jama.1994.03510330076038. 13 trials, TB cases / no TB in vaccinated
# (tpos, tneg) and unvaccinated (cpos, cneg) groups, as tabulated in van Houwelingen HC,
# Arends LR, Stijnen T (2002) Stat Med 21:589-624, doi:10.1002/sim.1040, Table I (p. 594),
# and distributed as dat.bcg / dat.colditz1994 in the R packages metafor / metadat
# (github.com/wviechtb/metadat, data-raw/dat.colditz1994.txt).
BCG = [  # study, tpos, tneg, cpos, cneg
    ("Aronson 1948", 4, 119, 11, 128),
    ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal 1960", 3, 228, 11, 209),
    ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller 1973", 33, 5036, 47, 5761),
    ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere 1973", 8, 2537, 10, 619),
    ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232),
    ("Rosenthal 1961", 17, 1699, 65, 1600),
    ("Comstock 1974", 186, 50448, 141, 27197),
    ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock 1976", 27, 16886, 29, 17825),
]


@pytest.fixture(scope="module")
def bcg():
    return pd.DataFrame(
        [(s, tp, tp + tn, cp, cp + cn) for s, tp, tn, cp, cn in BCG],
        columns=["study", "events_treat", "n_treat", "events_ctrl", "n_ctrl"])


# ------------------------------------------------------- worked example: BCG
#
# Reference values: Stata `metan` (Harris RJ et al. (2008) metan: fixed- and
# random-effects meta-analysis. Stata J 8:3-28, doi:10.1177/1536867X0800800102) run
# on these 13 trials with inverse-variance fixed effect (`fixedi`) and
# DerSimonian-Laird random effects (`randomi`), as published with 4 decimals in the
# metafor test suite (Viechtbauer W (2010) J Stat Softw 36(3),
# doi:10.18637/jss.v036.i03), file tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
# in github.com/wviechtb/metafor ("compare results with: metan tpos tneg cpos cneg, ...").
# Log-scale values are the `log` runs; natural-scale ones the runs without `log`.


def test_bcg_risk_ratio_fixed_effect_matches_metan(bcg):
    p = stats.pool(bcg, measure="RR", method="fixed")
    assert rounds_to(math.log(p.fixed_estimate), -0.4303, 4)
    assert rounds_to(math.log(p.fixed_ci_low), -0.5097, 4)
    assert rounds_to(math.log(p.fixed_ci_high), -0.3509, 4)
    assert rounds_to(p.fixed_estimate, 0.6503, 4)
    assert rounds_to(p.fixed_ci_low, 0.6007, 4)
    assert rounds_to(p.fixed_ci_high, 0.7040, 4)
    assert rounds_to(p.q, 152.2330, 4)
    assert p.q_df == 12 and p.k == 13
    assert p.q_pvalue < 1e-4  # metafor prints "p-val < .0001"
    assert (p.estimate, p.ci_low, p.ci_high) == (p.fixed_estimate, p.fixed_ci_low, p.fixed_ci_high)


def test_bcg_risk_ratio_dersimonian_laird_matches_metan(bcg):
    p = stats.pool(bcg, measure="RR")  # method="random" is the default
    assert rounds_to(math.log(p.random_estimate), -0.7141, 4)
    assert rounds_to(math.log(p.random_ci_low), -1.0644, 4)
    assert rounds_to(math.log(p.random_ci_high), -0.3638, 4)
    assert rounds_to(math.log(p.random_estimate) / p.random_se, -3.9952, 4)  # z value
    assert rounds_to(p.random_estimate, 0.4896, 4)
    assert rounds_to(p.random_ci_low, 0.3449, 4)
    assert rounds_to(p.random_ci_high, 0.6950, 4)
    assert rounds_to(p.tau2, 0.3088, 4)
    assert rounds_to(p.i2, 92.1173, 4)
    assert (p.estimate, p.ci_low, p.ci_high) == (p.random_estimate, p.random_ci_low,
                                                 p.random_ci_high)


def test_bcg_odds_ratio_matches_metan(bcg):
    p = stats.pool(bcg, measure="OR")
    assert rounds_to(math.log(p.fixed_estimate), -0.4361, 4)
    assert rounds_to(math.log(p.fixed_ci_low), -0.5190, 4)
    assert rounds_to(math.log(p.fixed_ci_high), -0.3533, 4)
    assert rounds_to(p.q, 163.1649, 4)
    assert rounds_to(p.fixed_estimate, 0.6465, 4)
    assert rounds_to(p.fixed_ci_low, 0.5951, 4)
    assert rounds_to(p.fixed_ci_high, 0.7024, 4)
    assert rounds_to(math.log(p.random_estimate), -0.7474, 4)
    assert rounds_to(math.log(p.random_ci_low), -1.1242, 4)
    assert rounds_to(math.log(p.random_ci_high), -0.3706, 4)
    assert rounds_to(p.tau2, 0.3663, 4)
    assert rounds_to(p.i2, 92.6455, 4)
    assert rounds_to(p.random_estimate, 0.4736, 4)
    assert rounds_to(p.random_ci_low, 0.3249, 4)
    assert rounds_to(p.random_ci_high, 0.6903, 4)


def test_bcg_risk_difference_matches_metan(bcg):
    p = stats.pool(bcg, measure="RD")
    assert rounds_to(p.fixed_estimate, -0.0009, 4)
    assert rounds_to(p.fixed_ci_low, -0.0014, 4)
    assert rounds_to(p.fixed_ci_high, -0.0005, 4)
    assert rounds_to(p.q, 276.4737, 4)
    assert rounds_to(p.random_estimate, -0.0071, 4)
    assert rounds_to(p.random_ci_low, -0.0101, 4)
    assert rounds_to(p.random_ci_high, -0.0040, 4)
    assert rounds_to(p.tau2, 0.0000, 4)
    assert rounds_to(p.i2, 95.6596, 4)


def test_bcg_fixed_effect_odds_ratio_matches_van_houwelingen_2002(bcg):
    # van Houwelingen, Arends & Stijnen (2002) Stat Med 21:589-624, doi:10.1002/sim.1040,
    # p. 596 (text): fixed-effect OR 0.647, 95% CI 0.595 to 0.703. The upper limit is
    # not checked: the inverse-variance value is 0.7024 (0.702; metan above gives 0.7024
    # too, and metafor's test of this page notes ".703 in paper").
    p = stats.pool(bcg, measure="OR", method="fixed")
    assert rounds_to(p.fixed_estimate, 0.647, 3)
    assert rounds_to(p.fixed_ci_low, 0.595, 3)


def test_dersimonian_laird_matches_dersimonian_kacker_2007():
    # DerSimonian R, Kacker R (2007) Random-effects model for meta-analysis of clinical
    # trials: an update. Contemp Clin Trials 28:105-114, doi:10.1016/j.cct.2006.04.004,
    # CLASP example (6 trials, log odds ratios), Tables 3 and 4, column DL:
    # tau = 0.2323, mu = -0.3240, SE(mu) = 0.1540.
    clasp = pd.DataFrame({"study": list("ABCDEF"),
                          "events_treat": [5, 5, 12, 69, 9, 313],
                          "n_treat": [156, 303, 565, 1570, 103, 4659],
                          "events_ctrl": [8, 17, 9, 94, 11, 352],
                          "n_ctrl": [74, 303, 477, 1565, 105, 4650]})
    p = stats.pool(clasp, measure="OR")
    assert rounds_to(math.sqrt(p.tau2), 0.2323, 4)
    assert rounds_to(math.log(p.random_estimate), -0.3240, 4)
    assert rounds_to(p.random_se, 0.1540, 4)


# ------------------------------------------------------------ pool: behaviour

def test_pool_study_table(bcg):
    p = stats.pool(bcg)
    t = p.studies
    assert list(t.columns) == ["study", "estimate", "ci_low", "ci_high", "weight_fixed",
                               "weight_random", "corrected"]
    assert list(t["study"]) == [row[0] for row in BCG]
    assert t["weight_fixed"].sum() == pytest.approx(100)
    assert t["weight_random"].sum() == pytest.approx(100)
    assert (t["ci_low"] < t["estimate"]).all() and (t["estimate"] < t["ci_high"]).all()
    assert not t["corrected"].any()
    # each row is the study's own risk ratio
    first = stats.risk_ratio(4, 123, 11, 139)
    assert t.loc[0, ["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [first.estimate, first.ci_low, first.ci_high])
    # random effects spread the weight more evenly than the fixed effect
    assert t["weight_random"].max() < t["weight_fixed"].max()


@pytest.mark.parametrize("measure, make", [("RR", stats.risk_ratio), ("OR", stats.odds_ratio),
                                           ("RD", stats.risk_difference)])
def test_pool_list_of_effects_equals_table(bcg, measure, make):
    effects = [make(r.events_treat, r.n_treat, r.events_ctrl, r.n_ctrl, study=r.study)
               for r in bcg.itertuples()]
    from_list = stats.pool(effects)
    from_table = stats.pool(bcg, measure=measure)
    assert from_list.measure == measure
    pd.testing.assert_frame_equal(from_list.studies, from_table.studies)
    for name in ("fixed_estimate", "random_estimate", "random_ci_low", "tau2", "i2", "q"):
        assert getattr(from_list, name) == pytest.approx(getattr(from_table, name), rel=1e-12)


def test_pool_unlabelled_effects_get_numbered():
    p = stats.pool([stats.risk_ratio(19, 59, 28, 59), stats.risk_ratio(139, 598, 150, 612)])
    assert list(p.studies["study"]) == ["Study 1", "Study 2"]


def test_pool_identical_studies_has_no_heterogeneity():
    # Q = 0: I² would be 0/0, tau² is 0, random effects equal the fixed effect, no warning
    same = pd.DataFrame({"study": ["a", "b"], "events_treat": [10, 10], "n_treat": [50, 50],
                         "events_ctrl": [20, 20], "n_ctrl": [50, 50]})
    p = stats.pool(same)
    assert p.q == pytest.approx(0, abs=1e-12) and p.i2 == 0 and p.tau2 == 0
    assert p.random_estimate == pytest.approx(p.fixed_estimate)
    assert p.random_estimate == pytest.approx(0.5)
    assert p.q_pvalue == pytest.approx(1)


def test_pool_negative_dersimonian_laird_is_set_to_zero():
    # three similar trials: Q < df, so the raw DL moment estimate is negative
    similar = pd.DataFrame({"study": ["a", "b", "c"], "events_treat": [10, 12, 11],
                            "n_treat": [50, 50, 50], "events_ctrl": [20, 19, 21],
                            "n_ctrl": [50, 50, 50]})
    p = stats.pool(similar)
    assert p.q < p.q_df
    assert p.tau2 == 0 and p.i2 == 0
    assert p.random_estimate == pytest.approx(p.fixed_estimate)
    assert (p.random_ci_low, p.random_ci_high) == pytest.approx((p.fixed_ci_low, p.fixed_ci_high))
    assert p.studies["weight_random"].tolist() == pytest.approx(p.studies["weight_fixed"].tolist())


def test_pool_zero_cell_is_corrected_like_a_single_study():
    table = pd.DataFrame({"study": ["zero", "plain"], "events_treat": [0, 5],
                          "n_treat": [40, 40], "events_ctrl": [6, 9], "n_ctrl": [40, 40]})
    p = stats.pool(table)
    assert p.studies["corrected"].tolist() == [True, False]
    alone = stats.risk_ratio(0, 40, 6, 40)
    assert alone.corrected
    assert p.studies.loc[0, "estimate"] == pytest.approx(alone.estimate)
    assert p.studies.loc[0, "ci_high"] == pytest.approx(alone.ci_high)


def test_pool_text_summary(bcg):
    text = str(stats.pool(bcg))
    assert "Pooled RR from 13 studies" in text
    assert "Random effects (DerSimonian-Laird): 0.49 (95% CI 0.34 to 0.70)" in text
    assert "Fixed effect (inverse variance): 0.65 (95% CI 0.60 to 0.70)" in text
    assert "Q = 152.23 on 12 df (p < 0.001), I² = 92.1%, tau² = 0.309" in text


def test_pool_alpha_changes_every_interval(bcg):
    p90, p95 = stats.pool(bcg, alpha=0.10), stats.pool(bcg)
    assert p95.random_ci_low < p90.random_ci_low < p90.random_estimate < p90.random_ci_high
    assert (p95.studies["ci_low"] < p90.studies["ci_low"]).all()
    assert "90% CI" in str(p90)


# --------------------------------------------------------------- effect sizes
#
# Eczema trials (counts as in the course fact sheet):
# Horimukai K et al. (2014) J Allergy Clin Immunol 134:824, doi:10.1016/j.jaci.2014.07.060:
#   eczema in 19/59 infants given emollient vs 28/59 controls.
# Chalmers JR et al. (2020) BEEP, Lancet 395:962, doi:10.1016/S0140-6736(19)32984-8:
#   eczema at 2 years in 139/598 (emollient) vs 150/612 (standard care).

def test_horimukai_crude_risk_ratio():
    rr = stats.risk_ratio(19, 59, 28, 59)
    assert round(rr.estimate, 2) == 0.68
    assert rr.measure == "RR" and not rr.corrected
    assert str(rr) == "RR 0.68 (95% CI 0.43 to 1.07)"


def test_beep_crude_risk_ratio():
    assert round(stats.risk_ratio(139, 598, 150, 612).estimate, 2) == 0.95


def test_risk_ratio_is_the_log_scale_wald_interval():
    rr = stats.risk_ratio(19, 59, 28, 59)
    se = math.sqrt(1 / 19 - 1 / 59 + 1 / 28 - 1 / 59)
    assert rr.log_estimate == pytest.approx(math.log(19 / 28))
    assert rr.se == pytest.approx(se)
    assert rr.ci_low == pytest.approx(19 / 28 * math.exp(-Z95 * se))
    assert rr.ci_high == pytest.approx(19 / 28 * math.exp(Z95 * se))


def test_odds_ratio_is_the_log_scale_wald_interval():
    orr = stats.odds_ratio(19, 59, 28, 59)
    se = math.sqrt(1 / 19 + 1 / 40 + 1 / 28 + 1 / 31)
    assert orr.estimate == pytest.approx(19 * 31 / (40 * 28))
    assert orr.se == pytest.approx(se)
    assert (orr.ci_low, orr.ci_high) == pytest.approx(
        (orr.estimate * math.exp(-Z95 * se), orr.estimate * math.exp(Z95 * se)))
    assert str(orr).startswith("OR 0.53 (95% CI ")


def test_risk_difference_is_the_wald_interval():
    rd = stats.risk_difference(19, 59, 28, 59)
    p1, p2 = 19 / 59, 28 / 59
    se = math.sqrt(p1 * (1 - p1) / 59 + p2 * (1 - p2) / 59)
    assert rd.estimate == pytest.approx(p1 - p2)
    assert rd.se == pytest.approx(se)
    assert (rd.ci_low, rd.ci_high) == pytest.approx((p1 - p2 - Z95 * se, p1 - p2 + Z95 * se))
    assert rd.log_estimate is None
    assert str(rd) == "RD -0.153 (95% CI -0.327 to 0.022)"


def test_risk_difference_interval_is_cut_at_plus_minus_one():
    rd = stats.risk_difference(2, 2, 0, 2)  # zero cells: (2.5/3) - (0.5/3)
    assert rd.estimate == pytest.approx(2 / 3)
    assert rd.ci_high == 1.0 and -1 <= rd.ci_low < rd.estimate


def test_zero_cell_adds_one_half_to_every_cell():
    rr = stats.risk_ratio(0, 50, 5, 50)
    assert rr.corrected
    assert rr.estimate == pytest.approx((0.5 / 51) / (5.5 / 51))
    assert rr.se == pytest.approx(math.sqrt(1 / 0.5 - 1 / 51 + 1 / 5.5 - 1 / 51))
    assert str(rr).endswith("; 0.5 added to every cell because one cell was zero")
    assert stats.odds_ratio(0, 50, 5, 50).estimate == pytest.approx((0.5 * 45.5) / (50.5 * 5.5))
    assert stats.risk_difference(0, 50, 5, 50).corrected
    # a full arm (no non-events) is a zero cell too
    assert stats.risk_ratio(50, 50, 45, 50).corrected


def test_alpha_sets_the_confidence_level():
    rr90, rr95 = stats.risk_ratio(19, 59, 28, 59, 0.10), stats.risk_ratio(19, 59, 28, 59)
    assert rr95.ci_low < rr90.ci_low < rr90.ci_high < rr95.ci_high
    assert "90% CI" in str(rr90) and rr90.alpha == 0.10
    assert "99% CI" in str(stats.risk_ratio(19, 59, 28, 59, alpha=0.01))


def test_effect_is_frozen_and_keeps_its_label():
    rr = stats.risk_ratio(19, 59, 28, 59, study="Horimukai 2014")
    assert rr.study == "Horimukai 2014"
    with pytest.raises(dataclasses.FrozenInstanceError):
        rr.estimate = 1.0


def test_counts_may_be_numpy_or_whole_floats():
    a = stats.risk_ratio(np.int64(19), np.int64(59), 28.0, 59.0)
    assert a == stats.risk_ratio(19, 59, 28, 59)


# ---------------------------------------------------------- number needed to treat

def test_nnt_published_example_barrowman_2002():
    # Barrowman NJ (2002) Missing the point (estimate)? Confidence intervals for the number
    # needed to treat. CMAJ 166(13):1676, https://www.cmaj.ca/content/166/13/1676: absolute
    # risk reduction 16.6% (95% CI 0.9% to 32.2%), NNT 1/0.166 "approximately 6", 95% CI
    # "1/0.009 to 1/0.322 or approximately 3.1-111.1". As a risk difference of a bad outcome:
    nnt = stats.nnt_from_risk_difference(-0.166, -0.322, -0.009, outcome="bad")
    assert nnt.kind == "NNTB" and not nnt.crosses_zero
    assert round(nnt.nnt) == 6
    assert rounds_to(nnt.ci_low, 3.1, 1) and rounds_to(nnt.ci_high, 111.1, 1)
    assert str(nnt) == "NNTB 6.0 (95% CI 3.1 to 111.1)"
    # the same trial counted as a good outcome (+16.6% more people doing well)
    good = stats.nnt_from_risk_difference(0.166, 0.009, 0.322, outcome="good")
    assert (good.nnt, good.ci_low, good.ci_high, good.kind) == (nnt.nnt, nnt.ci_low,
                                                                 nnt.ci_high, nnt.kind)


def test_nnt_crossing_zero_published_example_newcombe_1999():
    # Newcombe RG (1999), rapid response to Altman (1998) BMJ 317:1309
    # (https://www.bmj.com/rapid-response/2011/10/27/confidence-intervals-number-needed-treat):
    # an ARR interval from -5% to +25% inverts to "NNTB of 4, through infinity to NNTH of 20".
    # Newcombe gives no point estimate; 10% is used here.
    nnt = stats.nnt_from_risk_difference(-0.10, -0.25, 0.05, outcome="bad")
    assert nnt.crosses_zero
    assert (nnt.low_kind, nnt.high_kind) == ("NNTH", "NNTB")
    assert nnt.ci_low == pytest.approx(20) and nnt.ci_high == pytest.approx(4)
    assert str(nnt) == "NNTB 10.0 (95% CI NNTH 20.0 to ∞ to NNTB 4.0)"


def test_nnt_from_counts_horimukai_crosses_zero():
    # eczema is a bad outcome: 19/59 vs 28/59 is a benefit, but the RD CI includes 0
    nnt = stats.number_needed_to_treat(19, 59, 28, 59, outcome="bad")
    rd = stats.risk_difference(19, 59, 28, 59)
    assert nnt.kind == "NNTB" and nnt.crosses_zero
    assert nnt.nnt == pytest.approx(59 / 9)
    assert nnt.ci_low == pytest.approx(1 / rd.ci_high)  # NNTH limit
    assert nnt.ci_high == pytest.approx(-1 / rd.ci_low)  # NNTB limit
    assert (nnt.rd, nnt.rd_ci_low, nnt.rd_ci_high) == (rd.estimate, rd.ci_low, rd.ci_high)
    assert str(nnt) == "NNTB 6.6 (95% CI NNTH 45.5 to ∞ to NNTB 3.1)"


def test_nnt_outcome_sets_the_direction():
    bad = stats.number_needed_to_treat(19, 59, 28, 59, outcome="bad")
    good = stats.number_needed_to_treat(19, 59, 28, 59)  # outcome="good" is the default
    assert (bad.kind, good.kind) == ("NNTB", "NNTH")
    assert good.nnt == pytest.approx(bad.nnt)
    # the interval is the mirror image: NNTH 3.1 to ∞ to NNTB 45.5
    assert (good.ci_low, good.ci_high) == pytest.approx((bad.ci_high, bad.ci_low))


def test_nnt_harm_without_crossing():
    nnt = stats.nnt_from_risk_difference(0.10, 0.05, 0.15, outcome="bad")
    assert nnt.kind == "NNTH" and not nnt.crosses_zero
    assert (nnt.ci_low, nnt.ci_high) == pytest.approx((1 / 0.15, 1 / 0.05))
    assert str(nnt) == "NNTH 10.0 (95% CI 6.7 to 20.0)"


def test_nnt_limit_at_zero_is_infinite():
    nnt = stats.nnt_from_risk_difference(0.10, 0.0, 0.20)
    assert not nnt.crosses_zero and nnt.ci_high == math.inf
    assert str(nnt) == "NNTB 10.0 (95% CI 5.0 to ∞)"
    none = stats.nnt_from_risk_difference(0.0, -0.1, 0.1)
    assert none.kind == "NNT" and none.nnt == math.inf
    assert str(none) == "NNT ∞ (95% CI NNTH 10.0 to ∞ to NNTB 10.0)"


def test_nnt_from_a_pooled_risk_difference(bcg):
    p = stats.pool(bcg, measure="RD")
    nnt = stats.nnt_from_risk_difference(p.estimate, p.ci_low, p.ci_high, outcome="bad")
    assert nnt.kind == "NNTB" and not nnt.crosses_zero
    assert nnt.nnt == pytest.approx(-1 / p.random_estimate)


# ------------------------------------------------------------------ bad input

COUNT_FUNCTIONS = ["risk_ratio", "odds_ratio", "risk_difference", "number_needed_to_treat"]
BAD_COUNTS = [  # (events_treat, n_treat, events_ctrl, n_ctrl), kwargs, message
    ((70, 59, 28, 59), {}, "events_treat=70 is outside [0, n_treat=59]"),
    ((19, 59, -1, 59), {}, "events_ctrl=-1 is outside [0, n_ctrl=59]"),
    ((19, 59, 60, 59), {}, "events_ctrl=60 is outside [0, n_ctrl=59]"),
    ((19.5, 59, 28, 59), {}, "events_treat=19.5 is not a whole number; counts must be "
                             "integers in [0, n_treat=59]"),
    ((19, 59.5, 28, 59), {}, "n_treat=59.5 is not a whole number; counts must be integers "
                             "in [1, ∞)"),
    (("19", 59, 28, 59), {}, "events_treat='19' is not a whole number"),
    ((True, 59, 28, 59), {}, "events_treat=True is not a whole number"),
    ((19, 59, math.nan, 59), {}, "events_ctrl=nan is not a whole number"),
    ((0, 0, 28, 59), {}, "n_treat=0 is outside [1, ∞): each group needs at least one participant"),
    ((19, 59, 0, -3), {}, "n_ctrl=-3 is outside [1, ∞)"),
    ((19, 59, 28, 59), {"alpha": 1.5}, "alpha=1.5 is outside (0, 1) (e.g. alpha=0.05 for a 95% CI)"),
    ((19, 59, 28, 59), {"alpha": 0}, "alpha=0 is outside (0, 1)"),
    ((19, 59, 28, 59), {"alpha": "5%"}, "alpha='5%' is outside (0, 1)"),
]


@pytest.mark.parametrize("name", COUNT_FUNCTIONS)
@pytest.mark.parametrize("counts, kwargs, message", BAD_COUNTS)
def test_bad_counts_name_function_parameter_value_and_range(name, counts, kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(f"{name}: {message}")):
        getattr(stats, name)(*counts, **kwargs)


@pytest.mark.parametrize("call, message", [
    (lambda: stats.number_needed_to_treat(19, 59, 28, 59, outcome="harmful"),
     "number_needed_to_treat: outcome='harmful' is not one of 'good', 'bad'"),
    (lambda: stats.nnt_from_risk_difference(1.5, 0.1, 0.2),
     "nnt_from_risk_difference: rd=1.5 is outside [-1, 1]"),
    (lambda: stats.nnt_from_risk_difference(0.1, -1.2, 0.2),
     "nnt_from_risk_difference: ci_low=-1.2 is outside [-1, 1]"),
    (lambda: stats.nnt_from_risk_difference(0.3, 0.1, 0.2),
     "nnt_from_risk_difference: rd=0.3 is outside [ci_low=0.1, ci_high=0.2]"),
    (lambda: stats.nnt_from_risk_difference(0.1, 0.0, 0.2, alpha=5),
     "nnt_from_risk_difference: alpha=5 is outside (0, 1)"),
    (lambda: stats.nnt_from_risk_difference(0.1, 0.0, 0.2, outcome="Good"),
     "nnt_from_risk_difference: outcome='Good' is not one of 'good', 'bad'"),
])
def test_bad_nnt_input(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


def _table(**changes):
    table = pd.DataFrame({"study": ["A", "B"], "events_treat": [19, 139], "n_treat": [59, 598],
                          "events_ctrl": [28, 150], "n_ctrl": [59, 612]})
    for column, values in changes.items():
        table[column] = values
    return table


@pytest.mark.parametrize("call, message", [
    (lambda: stats.pool(_table(), method="dl"), "pool: method='dl' is not one of 'fixed', 'random'"),
    (lambda: stats.pool(_table(), measure="HR"), "pool: measure='HR' is not one of 'RR', 'OR', 'RD'"),
    (lambda: stats.pool(_table(), alpha=2), "pool: alpha=2 is outside (0, 1)"),
    (lambda: stats.pool(_table().drop(columns="n_ctrl")),
     "pool: the table is missing column(s) n_ctrl (needs study, events_treat, n_treat, "
     "events_ctrl, n_ctrl)"),
    (lambda: stats.pool(_table(events_treat=[70, 139])),
     "pool: events_treat=70 is outside [0, n_treat=59] (study 'A')"),
    (lambda: stats.pool(_table(n_ctrl=[59, 0])),
     "pool: n_ctrl=0 is outside [1, ∞): each group needs at least one participant (study 'B')"),
    (lambda: stats.pool(_table().iloc[:1]), "pool: needs at least 2 studies to pool, got k=1"),
    (lambda: stats.pool([]), "pool: needs at least 2 studies to pool, got k=0"),
    (lambda: stats.pool({"A": 1}), "pool: effects_or_table must be a pandas DataFrame or a list "
                                   "of Effect objects, got dict"),
    (lambda: stats.pool([stats.risk_ratio(19, 59, 28, 59), 0.68]),
     "pool: item 1 is a float, not an Effect"),
    (lambda: stats.pool([stats.risk_ratio(19, 59, 28, 59), stats.odds_ratio(19, 59, 28, 59)]),
     "pool: all effects must use the same measure, got OR, RR"),
    (lambda: stats.pool([stats.risk_ratio(19, 59, 28, 59)] * 2, measure="OR"),
     "pool: measure='OR' does not match the effects' measure 'RR'"),
])
def test_bad_pool_input(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


@pytest.mark.parametrize("kwargs, message", [
    ({"null": 0}, "forest_plot: null=0 is outside (0, ∞)"),
    ({"null": "1"}, "forest_plot: null='1' is not a finite number"),
    ({"null": math.inf}, "forest_plot: null=inf is not a finite number"),
])
def test_bad_forest_plot_null(bcg, kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        stats.forest_plot(stats.pool(bcg), **kwargs)


def test_forest_plot_needs_a_pooled_result():
    with pytest.raises(ValueError, match="^" + re.escape("forest_plot: pooled must be the "
                                                         "result of pool(), got Effect")):
        stats.forest_plot(stats.risk_ratio(19, 59, 28, 59))


# ------------------------------------------------------------------ forest plot

def test_forest_plot_ratio(bcg):
    p = stats.pool(bcg)
    fig, description = stats.forest_plot(p, title="BCG vaccine and tuberculosis")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_title() == "BCG vaccine and tuberculosis"
    assert ax.get_xlabel() == "Risk ratio (log scale)"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [row[0] for row in BCG] + ["Fixed effect", "Random effects (DL)"]
    numbers = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert numbers[-1] == "0.49 (0.34 to 0.70)"
    # one marker per study, sized by weight; a dashed null line at 1
    squares = ax.collections[-1]
    assert len(squares.get_sizes()) == 13 and np.ptp(squares.get_sizes()) > 0
    assert any(line.get_linestyle() == "--" and line.get_xdata()[0] == 1 for line in ax.lines)
    assert description == (
        "Forest plot of 13 studies: each square is one study's risk ratio (bigger squares carry "
        "more weight) with a horizontal line for its 95% confidence interval, on a log scale "
        "with a dashed line of no effect at 1. The random-effects (DerSimonian-Laird) pooled "
        "risk ratio is 0.49 (95% CI 0.34 to 0.70), which does not cross the line of no effect "
        "(I² = 92%).")
    assert figure_png(fig).startswith(b"\x89PNG")


def test_forest_plot_risk_difference_and_crossing_null():
    p = stats.pool([stats.risk_difference(19, 59, 28, 59, study="Horimukai 2014"),
                    stats.risk_difference(139, 598, 150, 612, study="BEEP 2020")], method="fixed")
    fig, description = stats.forest_plot(p, xlabel="Risk of eczema, emollient - control")
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear"
    assert ax.get_xlabel() == "Risk of eczema, emollient - control"
    assert "Forest plot of 2 studies" in description
    assert "The fixed-effect pooled risk difference is" in description
    assert "which crosses the line of no effect" in description
    assert "dashed line of no effect at 0" in description
    assert figure_png(fig).startswith(b"\x89PNG")


# --------------------------------------------------------------- properties

@st.composite
def trials(draw):
    n_treat = draw(st.integers(1, 400))
    n_ctrl = draw(st.integers(1, 400))
    return (draw(st.integers(0, n_treat)), n_treat, draw(st.integers(0, n_ctrl)), n_ctrl)


@settings(max_examples=60, deadline=None, database=None)
@given(trials(), st.sampled_from([0.01, 0.05, 0.2]))
def test_interval_contains_estimate_and_rd_is_bounded(counts, alpha):
    for make in (stats.risk_ratio, stats.odds_ratio, stats.risk_difference):
        e = make(*counts, alpha=alpha)
        assert e.ci_low <= e.estimate <= e.ci_high
    rd = stats.risk_difference(*counts, alpha=alpha)
    assert -1 <= rd.ci_low <= rd.estimate <= rd.ci_high <= 1
    nnt = stats.number_needed_to_treat(*counts, alpha=alpha)
    assert nnt.nnt >= 1 and nnt.ci_low >= 1 and nnt.ci_high >= 1


@settings(max_examples=60, deadline=None, database=None)
@given(trials())
def test_swapping_arms_inverts_ratios(counts):
    a, n1, c, n2 = counts
    for make in (stats.risk_ratio, stats.odds_ratio):
        forward, swapped = make(a, n1, c, n2), make(c, n2, a, n1)
        assert swapped.estimate == pytest.approx(1 / forward.estimate, rel=1e-9)
        assert swapped.ci_low == pytest.approx(1 / forward.ci_high, rel=1e-9)
        assert swapped.ci_high == pytest.approx(1 / forward.ci_low, rel=1e-9)
    rd, rd_swapped = stats.risk_difference(a, n1, c, n2), stats.risk_difference(c, n2, a, n1)
    assert rd_swapped.estimate == pytest.approx(-rd.estimate, abs=1e-12)


# --- one proportion (Wilson interval) -------------------------------------

def test_proportion_ci_matches_statsmodels_wilson():
    from statsmodels.stats.proportion import proportion_confint
    for events, n in [(0, 10), (10, 10), (171, 449), (47, 443), (1, 2)]:
        p, lo, hi = stats.proportion_ci(events, n)
        ref = proportion_confint(events, n, alpha=0.05, method="wilson")
        assert p == events / n and lo == pytest.approx(ref[0], abs=1e-12) and hi == pytest.approx(ref[1], abs=1e-12)


def test_proportion_ci_is_vectorised_and_checks_input():
    import numpy as np
    p, lo, hi = stats.proportion_ci(np.array([36, 5]), np.array([263, 267]))
    assert p.shape == lo.shape == hi.shape == (2,) and np.all(lo <= p) and np.all(p <= hi)
    with pytest.raises(ValueError, match="events=5 and n=3 must be whole numbers"):
        stats.proportion_ci(5, 3)
    with pytest.raises(ValueError, match="events=2.5"):
        stats.proportion_ci(2.5, 10)
    with pytest.raises(ValueError, match="alpha"):
        stats.proportion_ci(1, 10, alpha=1.5)


def test_proportion_ci_needs_no_statsmodels_import():
    import subprocess
    import sys
    code = "import sys, course_lib.stats as s; s.proportion_ci(3, 10); print('statsmodels' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# ------------------------------------------------------------------ the same numbers as statsmodels

@pytest.mark.parametrize("counts", [(19, 59, 28, 59), (139, 598, 150, 612), (171, 449, 47, 443), (3, 10, 3, 10)])
def test_two_by_two_effects_equal_statsmodels(counts):
    """stats computes 2x2 effects itself (a lighter kernel); they must equal statsmodels' to rounding."""
    from statsmodels.stats.contingency_tables import Table2x2
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

    et, nt, ec, nc = counts  # no zero cells: those follow the module's own continuity rule, tested above
    table = Table2x2([[et, nt - et], [ec, nc - ec]])
    rr, or_ = stats.risk_ratio(*counts), stats.odds_ratio(*counts)
    assert rr.estimate == pytest.approx(table.riskratio, rel=1e-12)
    assert (rr.ci_low, rr.ci_high) == pytest.approx(table.riskratio_confint(), rel=1e-10)
    assert or_.estimate == pytest.approx(table.oddsratio, rel=1e-12)
    assert (or_.ci_low, or_.ci_high) == pytest.approx(table.oddsratio_confint(), rel=1e-10)
    rd = stats.risk_difference(*counts)
    assert (rd.ci_low, rd.ci_high) == pytest.approx(
        confint_proportions_2indep(et, nt, ec, nc, method="wald", compare="diff"), rel=1e-10)
    _, low, high = stats.proportion_ci(et, nt)
    assert (low, high) == pytest.approx(proportion_confint(et, nt, method="wilson"), rel=1e-10)


def test_random_effects_pool_equals_statsmodels():
    from statsmodels.stats.meta_analysis import combine_effects, effectsize_2proportions

    counts = [(19, 59, 28, 59), (139, 598, 150, 612), (188, 608, 178, 631), (30, 100, 45, 98)]
    effects = [stats.risk_ratio(*c, study=f"s{i}") for i, c in enumerate(counts)]
    ours = stats.pool(effects, method="random")
    import numpy as np
    a = np.array(counts, dtype=float)
    eff, var = effectsize_2proportions(a[:, 0], a[:, 1], a[:, 2], a[:, 3], statistic="risk-ratio")
    theirs = combine_effects(eff, var, method_re="dl").summary_frame()
    row = theirs.loc["random effect"]
    assert np.log([ours.random_estimate, ours.random_ci_low, ours.random_ci_high]) == pytest.approx(
        [row["eff"], row["ci_low"], row["ci_upp"]], rel=1e-10)
    fixed = theirs.loc["fixed effect"]
    assert np.log([ours.fixed_estimate, ours.fixed_ci_low, ours.fixed_ci_high]) == pytest.approx(
        [fixed["eff"], fixed["ci_low"], fixed["ci_upp"]], rel=1e-10)
