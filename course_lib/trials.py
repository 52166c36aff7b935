"""Simulated two-arm trials: how often chance alone makes a treatment look good.

A trial randomises ``n_per_arm`` people to a treatment and ``n_per_arm`` to
control. In the control arm each person gets the outcome (e.g. eczema by age
2) with probability ``control_risk``; in the treated arm with probability
``control_risk x true_rr``. :func:`simulate_trials` runs many such trials
with a seeded random generator and analyses each one as a trial report would:
the risk ratio (RR) with its 95 % confidence interval on the log scale, the
same method as :func:`course_lib.stats.risk_ratio` (0.5 added to every cell of
a table with a zero cell), and "significant" when the interval excludes 1.

* :func:`simulate_trials` -> DataFrame, one row per simulated trial;
* :func:`summarise` -> share significant (the power, or the false-positive
  rate when ``true_rr = 1``), share of trials showing RR <= 0.5, etc.;
* :func:`normal_power` -> the power from the normal approximation to the log
  RR (what a sample-size calculation gives), to compare with the simulation.

Everything is vectorised numpy: 2000 trials take about a millisecond.
"""
from __future__ import annotations

import dataclasses
import math

from statistics import NormalDist

import numpy as np
import pandas as pd

from .models._contract import ModelParams, param

__all__ = ["TrialParams", "simulate_trials", "summarise", "normal_power", "analyse", "reported_effect"]

NAME = "trials"
# The standard normal distribution from the standard library (only scalar ppf/cdf are needed):
# scipy.stats would add about 20 MB to every kernel that imports this module.
_STD_NORMAL = NormalDist()


def _fields():
    return [
        ("true_rr", float, param(1.0, 0.4, 1.5, step=0.05, unit="risk ratio", label="true effect (RR)",
                                 meaning="true risk ratio of the outcome, treated / control (1 = no effect)")),
        ("n_per_arm", int, param(60, 20, 2000, step=10, unit="people per arm",
                                 choices=(30, 60, 120, 300, 600, 1200), label="trial size",
                                 meaning="participants randomised to each arm (60 about the pilots, "
                                         "600 about BEEP)")),
        ("control_risk", float, param(0.25, 0.05, 0.6, step=0.05, unit="proportion", label="control risk",
                                      meaning="risk of the outcome without treatment (BEEP control: "
                                              "150/612 = 0.245)")),
        ("n_trials", int, param(2000, 100, 20000, step=100, unit="trials",
                                meaning="number of simulated trials")),
        ("seed", int, param(1, 0, 10_000, step=1, unit="seed", meaning="seed of the random generator")),
    ]


TrialParams = dataclasses.make_dataclass(
    "TrialParams", _fields(), bases=(ModelParams,), frozen=True,
    namespace={"model": NAME, "__module__": __name__,
               "__doc__": "Settings of a batch of simulated two-arm trials."})


def _check_alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"{NAME}: alpha={alpha!r} is outside (0, 1) (e.g. 0.05 for a 95% CI)")
    return float(alpha)


def analyse(events_treat, n_treat, events_ctrl, n_ctrl, alpha: float = 0.05) -> pd.DataFrame:
    """Risk ratio, its CI and significance for arrays of trials (the stats.risk_ratio method).

    Returns columns rr, ci_low, ci_high, significant.
    """
    alpha = _check_alpha(alpha)
    a = np.asarray(events_treat, dtype=float)
    c = np.asarray(events_ctrl, dtype=float)
    n1 = np.broadcast_to(np.asarray(n_treat, dtype=float), a.shape)
    n2 = np.broadcast_to(np.asarray(n_ctrl, dtype=float), c.shape)
    zero = (a == 0) | (a == n1) | (c == 0) | (c == n2)
    add = np.where(zero, 0.5, 0.0)
    a1, c1 = a + add, c + add
    m1, m2 = n1 + 2 * add, n2 + 2 * add
    log_rr = np.log(a1 / m1) - np.log(c1 / m2)
    se = np.sqrt(1 / a1 - 1 / m1 + 1 / c1 - 1 / m2)
    z = _STD_NORMAL.inv_cdf(1 - alpha / 2)
    low, high = np.exp(log_rr - z * se), np.exp(log_rr + z * se)
    return pd.DataFrame({"rr": np.exp(log_rr), "ci_low": low, "ci_high": high,
                         "significant": (high < 1) | (low > 1)})


def simulate_trials(params: TrialParams | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Run ``params.n_trials`` seeded trials; one row per trial.

    Columns: trial, events_treat, events_ctrl, n_per_arm, rr, ci_low,
    ci_high, significant (CI excludes 1). Units in ``df.attrs["units"]``.
    """
    p = params or TrialParams()
    alpha = _check_alpha(alpha)
    risk_treat = p.control_risk * p.true_rr  # below 1: the bounds give at most 0.6 x 1.5 = 0.9
    rng = np.random.default_rng(p.seed)
    n = int(p.n_per_arm)
    a = rng.binomial(n, risk_treat, size=p.n_trials)
    c = rng.binomial(n, p.control_risk, size=p.n_trials)
    out = analyse(a, n, c, n, alpha)
    out.insert(0, "trial", np.arange(1, p.n_trials + 1))
    out.insert(1, "events_treat", a)
    out.insert(2, "events_ctrl", c)
    out.insert(3, "n_per_arm", n)
    out.attrs["units"] = {"trial": "", "events_treat": "people", "events_ctrl": "people",
                          "n_per_arm": "people", "rr": "risk ratio", "ci_low": "risk ratio",
                          "ci_high": "risk ratio", "significant": "True/False"}
    out.attrs["alpha"] = alpha
    return out


def summarise(trials: pd.DataFrame, big_effect: float = 0.5) -> dict:
    """Shares of the simulated trials: significant, significant benefit, RR <= ``big_effect``.

    ``share_significant`` is the power (or, with true_rr = 1, the
    false-positive rate); ``share_big`` the share that shows a risk ratio of
    ``big_effect`` or lower (0.5 = "halved the risk", as in the Simpson pilot);
    ``share_big_and_significant`` both together; ``median_rr_significant_benefit``
    the median risk ratio of the trials that found a significant benefit (NaN if
    none did: the "winner's curse" makes it lower than the true RR). ``mc_se`` is
    the Monte Carlo standard error of ``share_significant``.
    """
    if isinstance(big_effect, bool) or not isinstance(big_effect, (int, float)) or not 0 < big_effect < 1:
        raise ValueError(f"{NAME}.summarise: big_effect={big_effect!r} is outside (0, 1) (risk ratio)")
    sig = trials["significant"].to_numpy(bool)
    rr = trials["rr"].to_numpy(float)
    k = len(trials)
    share = sig.mean()
    return {"trials": k, "share_significant": float(share),
            "share_significant_benefit": float((sig & (rr < 1)).mean()),
            "share_big": float((rr <= big_effect).mean()),
            "share_big_and_significant": float((sig & (rr <= big_effect)).mean()),
            "median_rr": float(np.median(rr)),
            "median_rr_significant_benefit": (float(np.median(rr[sig & (rr < 1)]))
                                              if (sig & (rr < 1)).any() else math.nan),
            "mc_se": math.sqrt(share * (1 - share) / k)}


def normal_power(control_risk: float, true_rr: float, n_per_arm: int, alpha: float = 0.05) -> float:
    """Power of the two-sided test of log RR = 0, by the normal approximation.

    se = sqrt((1 - p1) / (n p1) + (1 - p0) / (n p0)); power = Phi(|log RR| / se - z) +
    Phi(-|log RR| / se - z), with z the 1 - alpha/2 normal quantile. At true_rr = 1 it is alpha.
    """
    alpha = _check_alpha(alpha)
    for name, value, lo, hi in (("control_risk", control_risk, 0.0, 1.0), ("true_rr", true_rr, 0.0, math.inf)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo < value < hi:
            raise ValueError(f"{NAME}.normal_power: {name}={value!r} is outside ({lo:g}, {hi:g})")
    if isinstance(n_per_arm, bool) or not isinstance(n_per_arm, (int, np.integer)) or n_per_arm < 2:
        raise ValueError(f"{NAME}.normal_power: n_per_arm={n_per_arm!r} must be a whole number >= 2 (people)")
    p0, p1 = control_risk, control_risk * true_rr
    if p1 >= 1:
        raise ValueError(f"{NAME}.normal_power: control_risk x true_rr = {p1:g} must be below 1")
    se = math.sqrt((1 - p1) / (n_per_arm * p1) + (1 - p0) / (n_per_arm * p0))
    z = _STD_NORMAL.inv_cdf(1 - alpha / 2)
    d = abs(math.log(true_rr)) / se
    return float(_STD_NORMAL.cdf(d - z) + _STD_NORMAL.cdf(-d - z))


def reported_effect(estimate: float, ci_low: float, ci_high: float, *, study: str,
                    measure: str = "RR", alpha: float = 0.05):
    """A :class:`course_lib.stats.Effect` from a published ratio and its CI (no arm counts).

    The standard error of the log ratio is recovered from the CI:
    se = (log ci_high - log ci_low) / (2 z). Use it to pool trials whose
    arm counts are not available (generic inverse-variance pooling, as
    Cochrane reviews do for adjusted effects).
    """
    from .stats import Effect

    alpha = _check_alpha(alpha)
    if measure not in ("RR", "OR"):
        raise ValueError(f"{NAME}.reported_effect: measure={measure!r} is not one of 'RR', 'OR'")
    values = (estimate, ci_low, ci_high)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
               for v in values) or not ci_low <= estimate <= ci_high or ci_low == ci_high:
        raise ValueError(f"{NAME}.reported_effect: need 0 < ci_low <= estimate <= ci_high with ci_low < "
                         f"ci_high, got {estimate!r} ({ci_low!r} to {ci_high!r}) for {study!r}")
    z = _STD_NORMAL.inv_cdf(1 - alpha / 2)
    se = (math.log(ci_high) - math.log(ci_low)) / (2 * z)
    return Effect(measure=measure, estimate=float(estimate), ci_low=float(ci_low), ci_high=float(ci_high),
                  alpha=alpha, se=se, log_estimate=math.log(estimate), study=study)


def trial_effects(table: pd.DataFrame, outcome: str = "eczema", exclude: tuple = ()) -> list:
    """One risk ratio per trial of ``data.load("emollient_prevention_trials")`` for ``outcome``.

    A trial whose emollient and control arms both have verified counts gets
    its crude RR from the counts (:func:`course_lib.stats.risk_ratio`); a trial
    without verified counts gets the RR its authors report, with its CI
    (:func:`reported_effect`), and its label says "(reported RR)". Arms
    without verified counts are therefore never pooled as counts. The pooled
    meta-analysis row (arm "pooled") and the trials in ``exclude`` are left out.
    """
    from .stats import risk_ratio

    needed = {"trial", "outcome", "arm", "events", "n", "counts_verified", "reported_effect", "ci_low", "ci_high"}
    missing = needed - set(table.columns)
    if missing:
        raise ValueError(f"{NAME}.trial_effects: the table lacks column(s) {', '.join(sorted(missing))}")
    rows = table[(table["outcome"] == outcome) & table["arm"].isin(["emollient", "control"])
                 & ~table["trial"].isin(list(exclude))]
    if rows.empty:
        raise ValueError(f"{NAME}.trial_effects: no emollient/control arms for outcome={outcome!r}")
    effects = []
    for trial, arms in rows.groupby("trial", sort=False):
        by_arm = {r.arm: r for r in arms.itertuples(index=False)}
        if set(by_arm) != {"emollient", "control"}:
            raise ValueError(f"{NAME}.trial_effects: trial {trial!r} needs one emollient and one control arm")
        t, c = by_arm["emollient"], by_arm["control"]
        if bool(t.counts_verified) and bool(c.counts_verified):
            effects.append(risk_ratio(int(t.events), int(t.n), int(c.events), int(c.n),
                                      study=f"{trial} (counts)"))
        elif not pd.isna(t.reported_effect):
            effects.append(reported_effect(float(t.reported_effect), float(t.ci_low), float(t.ci_high),
                                           study=f"{trial} (reported RR)"))
        else:
            raise ValueError(f"{NAME}.trial_effects: trial {trial!r} has neither verified counts nor a "
                             "reported effect")
    return effects
