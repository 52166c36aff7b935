"""The barrier model (notebook 01): Fick's law, the emollient layer, allergen entry; its datasets.

Tolerances are stated next to each test. Physics identities that hold exactly
(thickness scaling, constant-D Fick) use 1e-9 relative (floating-point
rounding); the numerical diffusion solver uses 1 % (models.md, "Notebook 1",
test 1: 50 nodes, second-order scheme, observed error ~1e-4). Comparisons
with measured group means: 5 % where the model was calibrated to that mean
(D_wet was set so that healthy default skin gives the healthy mean; the
calibration is rounded, 11.25 vs 11.6 is 3 %), and where mild inflammation
is compared with non-lesional skin (13.50 vs 13.15, 2.7 %; 5 % still fails a
model with no inflammation effect, which gives 11.25, 14 % off); 10 % for the
illustrative lesion (the notebook teaches "within 10 %").
"""
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from course_lib import data, stats, trials
from course_lib.models import barrier

P = barrier.Params()


def tewl(**changes):
    return barrier.steady_tewl(P.replace(**changes))


def measured(state):
    df = data.load("skin_barrier_measurements")
    row = df[(df["source_id"] == "monterovilchez2021") & (df["skin_state"] == state)]
    return float(row["value"].iloc[0])


# --- published / measured behaviour ------------------------------------------

def test_healthy_default_lands_on_the_measured_healthy_mean():
    healthy, lesional = measured("healthy"), measured("lesional")
    value = tewl()
    assert value == pytest.approx(healthy, rel=0.05)   # calibrated (see module docstring)
    assert abs(value - healthy) < abs(value - lesional), "closer to healthy than to lesional skin"


def test_inflamed_scratched_skin_lands_in_the_lesional_range_and_mild_inflammation_near_non_lesional():
    lesional, non_lesional, healthy = measured("lesional"), measured("non-lesional"), measured("healthy")
    damaged = tewl(inflammation=0.5, scratch=0.3)
    assert damaged == pytest.approx(lesional, rel=0.10)   # the notebook says "within 10 %"
    assert abs(damaged - lesional) < abs(damaged - healthy)
    mild = tewl(inflammation=0.1)
    assert mild == pytest.approx(non_lesional, rel=0.05)
    assert abs(mild - non_lesional) < abs(mild - healthy), "mild inflammation is closer to non-lesional skin"
    assert tewl() != pytest.approx(non_lesional, rel=0.05), "the check above would fail without inflammation"


def test_one_flg_allele_raises_tewl_as_in_carrier_infants():
    # Hoyer 2022: 9.68 vs 8.24 g/m2/h at 6 months (ratio 1.175); calibrated, so 1 % (rounding of b)
    df = data.load("skin_barrier_measurements")
    rows = df[df["source_id"] == "hoyer2022"].set_index("group")["value"]
    ratio = rows["infants aged 6 months with FLG mutation"] / rows["infants aged 6 months without FLG mutation"]
    assert tewl(flg_null_alleles=1) / tewl() == pytest.approx(ratio, rel=0.01)


def test_tewl_is_ordered_by_genotype():
    for extra in ({}, {"inflammation": 0.4}, {"relative_humidity": 80.0, "beta": 0.0}):
        values = [tewl(flg_null_alleles=g, **extra) for g in (0, 1, 2)]
        assert values[0] < values[1] < values[2], extra


@settings(max_examples=40, deadline=None)
@given(st.sampled_from((0, 1, 2)), st.floats(0.0, 0.75), st.floats(0.0, 0.75), st.floats(1.5, 10.0),
       st.floats(0.0, 4.0))
def test_tewl_rises_strictly_as_integrity_falls(g, inflammation, scratch, rho, beta):
    p = P.replace(flg_null_alleles=g, inflammation=inflammation, scratch=scratch, rho=rho, beta=beta)
    worse_inflammation = p.replace(inflammation=inflammation + 0.05)
    worse_scratch = p.replace(scratch=scratch + 0.05)
    assert barrier.integrity(worse_inflammation) < barrier.integrity(p)
    assert barrier.steady_tewl(worse_inflammation) > barrier.steady_tewl(p)
    assert barrier.steady_tewl(worse_scratch) > barrier.steady_tewl(p)
    assert barrier.allergen_influx(worse_scratch) > barrier.allergen_influx(p)


def test_allergen_dose_rises_as_integrity_falls_and_is_one_per_day_for_intact_skin():
    intact = barrier.simulate(P, days=2.0)
    assert intact["allergen_dose"].iloc[-1] == pytest.approx(2.0, rel=1e-12)
    doses = [barrier.simulate(P.replace(inflammation=x), days=2.0)["allergen_dose"].iloc[-1]
             for x in (0.0, 0.2, 0.4, 0.6, 0.8)]
    assert all(np.diff(doses) > 0)
    # two-path form b + k (1 - b): b = 0.2 gives 0.2 + 100 * 0.8 = 80.2
    assert barrier.allergen_influx(P.replace(inflammation=0.8)) == pytest.approx(80.2, rel=1e-12)


# --- physics identities --------------------------------------------------------

@pytest.mark.parametrize("beta", [0.0, 2.0, 4.0])
def test_tewl_halves_when_the_layer_is_twice_as_thick(beta):
    thin, thick = tewl(thickness_um=10.0, beta=beta), tewl(thickness_um=20.0, beta=beta)
    assert thick == pytest.approx(thin / 2, rel=1e-9)


def test_constant_diffusivity_gives_the_textbook_fick_flux():
    # J = D dC / h with D = d_wet, dC = C_in (1 - 0.45 RH/100); by hand for the defaults
    p = P.replace(beta=0.0)
    d = 17e-10
    dc = 0.7 * (1 - 0.45 * 0.5)
    j = d * dc / 15e-4
    assert barrier.steady_tewl(p) == pytest.approx(j * 3.6e7, rel=1e-9)
    assert j * 3.6e7 == pytest.approx(22.13, abs=0.01)  # 1.7e-9 x 0.5425 / 1.5e-3 x 3.6e7


@pytest.mark.parametrize("beta,film", [(0.0, 0.0), (2.0, 0.0), (4.0, 0.0), (2.0, 1.0), (0.0, 0.6)])
def test_numerical_diffusion_reaches_the_analytic_steady_flux(beta, film):
    # 50 nodes; 3 h is about 9 diffusion times h^2/D, so the transient has died away
    p = P.replace(beta=beta)
    sol = barrier.water_profile(p, hours=3.0, nodes=50, film=film, start="occluded")
    expected = barrier.steady_tewl(p, film=film)
    assert sol["surface_tewl"][-1] == pytest.approx(expected, rel=0.01)
    assert sol["base_tewl"][-1] == pytest.approx(expected, rel=0.01)  # steady: in = out


def test_the_diffusion_solver_conserves_water():
    # d(water)/dt = inflow at the base - outflow at the surface; both sides integrated over
    # 0.5-3 h with the trapezoid rule on 121 output times; tolerance 0.1 % of the outflow
    for film in (0.0, 1.0):
        sol = barrier.water_profile(P, hours=3.0, film=film, start="occluded")
        t = sol["t_s"]
        i = np.searchsorted(t, 1800.0)
        net = (sol["base_tewl"] - sol["surface_tewl"])[i:] / barrier.TEWL_PER_FLUX
        outflow = np.trapezoid(sol["surface_tewl"][i:] / barrier.TEWL_PER_FLUX, t[i:])
        change = sol["water"][-1] - sol["water"][i]
        assert abs(np.trapezoid(net, t[i:]) - change) < 1e-3 * outflow


def test_after_occlusion_the_water_loss_falls_monotonically_to_the_steady_value():
    # Argatov 2022: the post-occlusion transient; 1e-9 g/m2/h allows solver round-off
    sol = barrier.water_profile(P, hours=3.0, start="occluded")
    s = sol["surface_tewl"]
    assert s[0] > 10 * s[-1]
    assert np.all(np.diff(s) <= 1e-9)
    assert s[-1] == pytest.approx(barrier.steady_tewl(P), rel=0.01)


# --- the emollient layer -----------------------------------------------------------

def test_a_fresh_layer_cuts_healthy_tewl_by_the_stated_fraction():
    for f in (0.1, 0.5, 0.9):
        p = P.replace(occlusion=f)
        assert barrier.steady_tewl(p, film=1.0) == pytest.approx((1 - f) * barrier.steady_tewl(p), rel=1e-9)


@pytest.mark.parametrize("beta", [0.0, 2.0, 4.0])
def test_any_occlusive_film_lowers_the_flux(beta):
    # Weil-Princen: true for any positive D(c), so also with water-dependent diffusivity
    p = P.replace(beta=beta, inflammation=0.4)
    values = [barrier.steady_tewl(p, film=f) for f in (0.0, 0.01, 0.3, 1.0)]
    assert all(np.diff(values) < 0)


def test_the_same_layer_helps_leaky_skin_more():
    # a film in series with a lower skin resistance removes a larger share of the flux
    healthy, leaky = P.replace(occlusion=0.5), P.replace(occlusion=0.5, inflammation=0.5, scratch=0.3)
    cut = [1 - barrier.steady_tewl(x, 1.0) / barrier.steady_tewl(x) for x in (healthy, leaky)]
    assert cut[0] == pytest.approx(0.5, rel=1e-9) and cut[1] > cut[0]


def test_emollient_lowers_tewl_and_wears_off_to_baseline():
    p = P.replace(applications_per_day=1, half_life_h=1.0, inflammation=0.3)
    df = barrier.simulate(p, days=2.0, step_h=0.25)
    base = df["tewl_without_emollient"].to_numpy()
    assert np.all(df["tewl"].to_numpy() <= base + 1e-12)
    at = df.set_index("time_h")["tewl"]
    assert at[8.0] < 0.6 * base[0]  # just after the 08:00 application (occlusion 0.5 on healthy skin)
    # 23.75 h later (= 23.75 half-lives) the film left is 2^-23.75 ~ 1e-7: back to baseline within 1e-5
    assert at[31.75] == pytest.approx(base[0], rel=1e-5)
    # between applications the loss climbs back monotonically
    between = df[(df["time_h"] >= 8.0) & (df["time_h"] < 32.0)]["tewl"].to_numpy()
    assert np.all(np.diff(between) >= 0)


def test_no_emollient_means_no_layer_and_flat_tewl():
    df = barrier.simulate(P.replace(inflammation=0.2))
    assert (df["film"] == 0).all() and df["tewl"].nunique() == 1


def test_applications_are_spread_over_the_day():
    p = P.replace(applications_per_day=2, half_life_h=2.0)
    film = barrier.film_remaining(np.array([7.9, 8.0, 10.0, 20.0, 22.0, 32.0]), p)
    np.testing.assert_allclose(film, [0.0, 1.0, 0.5, 1.0, 0.5, 1.0], rtol=1e-12)


def test_humidity_matters_less_when_diffusivity_rises_with_water_content():
    # Blank et al. 1984: TEWL changes little between dry and humid air; constant D exaggerates it
    def dry_over_humid(beta):
        return tewl(relative_humidity=10.0, beta=beta) / tewl(relative_humidity=80.0, beta=beta)
    assert 1 < dry_over_humid(2.0) < dry_over_humid(0.0)


# --- contract details, errors, speed -------------------------------------------

def test_columns_units_and_bounds():
    df = barrier.simulate(P.replace(applications_per_day=3))
    assert list(df.columns)[0] == "time_h" and df.attrs["units"]["tewl"] == "g/m²/h"
    barrier.validate(df)
    worst = barrier.Params(flg_null_alleles=2, inflammation=0.8, scratch=0.8, relative_humidity=10.0,
                           thickness_um=8.0, d_wet=30.0, beta=0.0, rho=10.0, k_ratio=1000.0)
    barrier.validate(barrier.simulate(worst, days=60.0, step_h=6.0))


@pytest.mark.parametrize("kwargs,match", [
    ({"days": 0}, r"barrier.simulate: days=0 is outside \[0.25, 60\] \(days\)"),
    ({"days": 61}, r"days=61 is outside"),
    ({"days": "3"}, r"days='3' is outside"),
    ({"days": math.nan}, r"days=nan is outside"),
    ({"step_h": 0.0}, r"barrier.simulate: step_h=0.0 is outside \[0.05, 6\] \(hours\)"),
])
def test_bad_simulate_arguments_raise_a_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        barrier.simulate(P, **kwargs)


def test_other_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"barrier.steady_tewl: film=2 is outside \[0, 1\]"):
        barrier.steady_tewl(P, film=2)
    with pytest.raises(ValueError, match=r"nodes=5 is outside \[10, 400\]"):
        barrier.water_profile(P, nodes=5)
    with pytest.raises(ValueError, match="start='wet' is not one of"):
        barrier.water_profile(P, start="wet")
    with pytest.raises(ValueError, match=r"barrier.Params: flg_null_alleles=3 is outside \[0, 2\] \(alleles"):
        barrier.Params(flg_null_alleles=3)
    with pytest.raises(ValueError, match=r"inflammation=0.9 is outside \[0, 0.8\] \(fraction"):
        P.replace(inflammation=0.9)


def test_a_default_call_is_fast():
    barrier.simulate(P)
    t0 = time.perf_counter()
    for _ in range(10):
        barrier.simulate(P.replace(applications_per_day=2))
    assert (time.perf_counter() - t0) / 10 < 0.05


# --- the datasets of notebook 01 ----------------------------------------------------

def test_trial_counts_reproduce_the_published_percentages():
    df = data.load("emollient_prevention_trials").set_index(["trial", "outcome", "arm"])

    def pct(trial, outcome, arm):
        row = df.loc[(trial, outcome, arm)]
        return round(100 * row["events"] / row["n"])

    # BEEP 2020: 23 % vs 25 %; BEEP 5 years: 31 % vs 28 %, food allergy 15 % vs 14 %
    assert (pct("BEEP 2020", "eczema", "emollient"), pct("BEEP 2020", "eczema", "control")) == (23, 25)
    assert (pct("BEEP 5 years", "eczema", "emollient"), pct("BEEP 5 years", "eczema", "control")) == (31, 28)
    assert (pct("BEEP 5 years", "food allergy", "emollient"),
            pct("BEEP 5 years", "food allergy", "control")) == (15, 14)
    # PreventADALL food allergy at 36 months: 2.3 %, 3.0 %, 0.9 %, 1.2 % (one decimal)
    shares = [round(100 * df.loc[("PreventADALL 2022", "food allergy", a), "events"]
                    / df.loc[("PreventADALL 2022", "food allergy", a), "n"], 1)
              for a in ("no intervention", "skin", "food", "skin and food")]
    assert shares == [2.3, 3.0, 0.9, 1.2]


def test_crude_risk_ratios_match_the_published_ones_within_rounding():
    df = data.load("emollient_prevention_trials")
    effects = {e.study: e for e in trials.trial_effects(df)}
    assert round(effects["Horimukai 2014 (counts)"].estimate, 2) == 0.68
    # crude vs adjusted RR: adjustment for stratification factors moves them by < 0.02 here
    assert effects["BEEP 2020 (counts)"].estimate == pytest.approx(0.95, abs=0.02)
    assert effects["BEEP 5 years (counts)"].estimate == pytest.approx(1.10, abs=0.02)
    assert effects["Simpson 2014 (reported RR)"].estimate == 0.50


def test_arms_without_verified_counts_are_never_pooled_as_counts():
    df = data.load("emollient_prevention_trials")
    unverified = set(df.loc[~df["counts_verified"].astype(bool) & (df["arm"] != "pooled"), "trial"])
    assert unverified == {"Simpson 2014", "STOP-AD 2023"}
    for e in trials.trial_effects(df):
        assert e.study.endswith("(reported RR)") == (e.study.split(" (")[0] in unverified)


def test_the_pooled_numbers_taught_in_the_notebook():
    df = data.load("emollient_prevention_trials")
    pooled = stats.pool(trials.trial_effects(df, exclude=("BEEP 5 years",)))
    assert (round(pooled.estimate, 2), round(pooled.ci_low, 2), round(pooled.ci_high, 2)) == (0.75, 0.58, 0.97)
    assert round(pooled.i2) == 52
    counts_only = stats.pool([e for e in trials.trial_effects(df, exclude=("BEEP 5 years",))
                              if e.study.endswith("(counts)")])
    assert counts_only.ci_low < 1 < counts_only.ci_high
    cochrane = df[df["arm"] == "pooled"].iloc[0]
    assert (cochrane["reported_effect"], cochrane["ci_low"], cochrane["ci_high"], cochrane["n"]) == \
        (1.03, 0.81, 1.31, 3075)


def test_tewl_ratios_quoted_in_the_notebook():
    assert measured("lesional") / measured("healthy") == pytest.approx(2.47, abs=0.005)
    assert measured("non-lesional") / measured("healthy") == pytest.approx(1.13, abs=0.005)


def test_flg_numbers_quoted_in_the_notebook():
    flg = data.load("flg_risk")
    carriers = flg[flg["quantity"] == "carrier frequency"].set_index("population")["value"]
    assert carriers["people with AD (worldwide)"] / carriers["general population (worldwide)"] == \
        pytest.approx(3.3, abs=0.05)
    assert carriers["Scandinavian infants (general population)"] == round(100 * 166 / 1836, 1)
    ors = flg[flg["source_id"] == "rodriguez2009"].set_index("outcome")["value"]
    assert ors["asthma with eczema"] > ors["eczema"] > ors["asthma"] > 1


def test_row_rules_catch_impossible_trial_counts(tmp_path):
    src = data.DATA_DIR / "emollient_prevention_trials.csv"
    bad = tmp_path / src.name
    text = src.read_text()
    old = "eczema at 2 years (UK Working Party criteria),24,emollient,139,598"
    assert old in text
    bad.write_text(text.replace(old, old.replace("139,598", "639,598")))
    with pytest.raises(data.DataError, match=r"row 5 \(line 6\).*events == None or events <= n"):
        data.load("emollient_prevention_trials", bad)


def test_a_verified_arm_must_have_counts(tmp_path):
    src = data.DATA_DIR / "emollient_prevention_trials.csv"
    bad = tmp_path / src.name
    old = "24,control,150,612,analysed,true"
    text = src.read_text()
    assert old in text
    bad.write_text(text.replace(old, "24,control,,612,analysed,true"))
    with pytest.raises(data.DataError, match="counts_verified == False or events != None"):
        data.load("emollient_prevention_trials", bad)


def _is_the_retracted_paper(source):
    text = " ".join(str(v) for v in source.values()).lower()
    journal = str(source.get("journal", "")).lower()
    return ("predates and predicts" in text or "dunn-galvin" in text or "retracted" in text
            or ("kelleher" in str(source.get("authors", "")).lower() and str(source.get("year")) == "2015"
                and ("allergy clin immunol" in journal or "jaci" in journal or "10.1016/j.jaci" in text)))


def test_no_retracted_source_is_used():
    # Kelleher 2015 JACI (TEWL at 2 days and 2 months predicts AD at 1 year) is retracted (fact sheet 01):
    # no dataset of notebook 01 cites it, by title, co-author, a RETRACTED mark, or Kelleher + 2015 + JACI
    for name in ("emollient_prevention_trials", "skin_barrier_measurements", "flg_risk"):
        for s in data.resource(name)["sources"]:
            assert not _is_the_retracted_paper(s), s


@pytest.mark.parametrize("source", [
    {"title": "Skin barrier dysfunction measured by TEWL at 2 days and 2 months predates and predicts AD at 1 year",
     "authors": "Kelleher M, et al.", "year": 2015},
    {"title": "Skin barrier dysfunction at 2 days (RETRACTED)", "authors": "X", "year": 2015},
    {"title": "Some other title", "authors": "Kelleher MM, Dunn-Galvin A, et al.", "year": 2015},
    {"title": "TEWL at day 2", "authors": "Kelleher M", "year": 2015, "journal": "J Allergy Clin Immunol"},
])
def test_the_retraction_check_catches_the_paper_however_it_is_cited(source):
    assert _is_the_retracted_paper(source)
    # and the 2021 Cochrane review by a Kelleher, which the course does cite, is not caught
    assert not _is_the_retracted_paper({"title": "Skin care interventions in infants", "authors": "Kelleher MM",
                                        "year": 2021, "journal": "Cochrane Database Syst Rev"})


def test_a_vanishingly_thin_layer_changes_nothing():
    # regression: a film resistance near zero once divided a rounding error by a tiny number
    p = P.replace(occlusion=1e-150, applications_per_day=1)
    assert barrier.steady_tewl(p, film=1.0) == pytest.approx(barrier.steady_tewl(p), rel=1e-9)
    barrier.validate(barrier.simulate(p, days=1.0))
