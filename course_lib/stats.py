"""Effect sizes, numbers needed to treat and meta-analysis for two-arm trials.

Every function here takes the four numbers a trial report gives for a yes/no
outcome: events and participants in the treated group, and events and
participants in the control group. This module checks the input, picks the
standard method, and returns small, readable result objects. The arithmetic is
statsmodels' (``Table2x2``, ``confint_proportions_2indep``,
``effectsize_2proportions``, ``combine_effects``), written out here with numpy
and the standard library, formula for formula, so that a learner's kernel does
not import statsmodels and scipy.stats for a risk ratio (about 60 MB of kernel
memory in a notebook that uses no other part of scipy).

* :func:`risk_ratio`, :func:`odds_ratio`, :func:`risk_difference` -> :class:`Effect`
* :func:`number_needed_to_treat`, :func:`nnt_from_risk_difference` -> :class:`NNT`
* :func:`pool` (fixed effect and DerSimonian-Laird random effects) -> :class:`Pooled`
* :func:`forest_plot` -> ``(figure, text description)``

Zero cells. A ratio cannot be computed when a cell of the 2x2 table is zero, so,
as in Stata ``metan`` and by default in R ``metafor``, 0.5 is added to all four
cells of a table that has a zero cell (and only of such a table). The result
says so in its ``corrected`` field. The same rule is used for all three
measures, so a study gives the same numbers whether it is analysed alone or
pooled.

References: DerSimonian R, Laird N (1986) Control Clin Trials 7:177-188,
doi:10.1016/0197-2456(86)90046-2; Altman DG (1998) BMJ 317:1309,
doi:10.1136/bmj.317.7168.1309 (NNT confidence intervals); Higgins JPT,
Thompson SG (2002) Stat Med 21:1539, doi:10.1002/sim.1186 (I squared).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from statistics import NormalDist

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .plotting import course_style, new_figure, series_style

__all__ = ["Effect", "NNT", "Pooled", "proportion_ci", "risk_ratio", "odds_ratio", "risk_difference",
           "number_needed_to_treat", "nnt_from_risk_difference", "pool", "forest_plot"]

MEASURES = ("RR", "OR", "RD")
MEASURE_NAMES = {"RR": "risk ratio", "OR": "odds ratio", "RD": "risk difference"}
METHODS = ("fixed", "random")
OUTCOMES = ("good", "bad")
TABLE_COLUMNS = ("study", "events_treat", "n_treat", "events_ctrl", "n_ctrl")
_STD_NORMAL = NormalDist()


# ----------------------------------------------------------------- results

@dataclass(frozen=True)
class Effect:
    """One treatment effect with its confidence interval.

    Attributes
    ----------
    measure : str
        ``"RR"`` (risk ratio), ``"OR"`` (odds ratio) or ``"RD"`` (risk
        difference, treated minus control).
    estimate, ci_low, ci_high : float
        The effect and its confidence interval, on the natural scale.
    alpha : float
        The CI covers ``1 - alpha`` (0.05 gives a 95% CI).
    se : float
        Standard error on the scale the CI is built on: of the log ratio for
        RR and OR, of the difference itself for RD.
    log_estimate : float or None
        ``log(estimate)`` for RR and OR; None for RD.
    corrected : bool
        True if 0.5 was added to every cell because one cell was zero.
    study : str or None
        Optional label, used by :func:`pool` and :func:`forest_plot`.
    """

    measure: str
    estimate: float
    ci_low: float
    ci_high: float
    alpha: float
    se: float
    log_estimate: float | None = None
    corrected: bool = False
    study: str | None = None

    def __str__(self) -> str:
        text = (f"{self.measure} {_num(self.measure, self.estimate)} ({_level(self.alpha)} CI "
                f"{_num(self.measure, self.ci_low)} to {_num(self.measure, self.ci_high)})")
        if self.corrected:
            text += "; 0.5 added to every cell because one cell was zero"
        return text


@dataclass(frozen=True)
class NNT:
    """A number needed to treat, with its confidence interval in Altman's form.

    Attributes
    ----------
    nnt : float
        ``1 / |benefit|``, always positive; ``inf`` when the risks are equal.
    kind : str
        ``"NNTB"`` (treat this many for one more person to benefit),
        ``"NNTH"`` (treat this many for one more person to be harmed), or
        ``"NNT"`` when the risks are exactly equal.
    ci_low, ci_high : float
        The two confidence limits in the order they are printed. If the
        interval for the risk difference excludes 0, ``ci_low <= nnt <=
        ci_high`` and both limits are of the same ``kind``. If it includes 0
        (``crosses_zero``), ``ci_low`` is an NNTH and ``ci_high`` an NNTB: the
        interval runs from NNTH ``ci_low`` up to infinity and back down to NNTB
        ``ci_high``. A limit is ``inf`` when a risk-difference limit is exactly 0.
    low_kind, high_kind : str
        ``"NNTB"`` or ``"NNTH"``: what each limit counts.
    crosses_zero : bool
        True if the risk-difference CI includes 0 (no clear benefit or harm).
    outcome : str
        ``"good"`` if an event is desirable (e.g. clear skin), ``"bad"`` if it
        is harmful (e.g. eczema diagnosed).
    rd, rd_ci_low, rd_ci_high : float
        The risk difference (treated minus control) and its CI.
    alpha : float
        The CI covers ``1 - alpha``.
    """

    nnt: float
    kind: str
    ci_low: float
    ci_high: float
    low_kind: str
    high_kind: str
    crosses_zero: bool
    outcome: str
    rd: float
    rd_ci_low: float
    rd_ci_high: float
    alpha: float

    def __str__(self) -> str:
        level = _level(self.alpha)
        if self.crosses_zero:
            interval = (f"{level} CI {self.low_kind} {_nnt_num(self.ci_low)} to ∞ to "
                        f"{self.high_kind} {_nnt_num(self.ci_high)}")
        else:
            interval = f"{level} CI {_nnt_num(self.ci_low)} to {_nnt_num(self.ci_high)}"
        return f"{self.kind} {_nnt_num(self.nnt)} ({interval})"


@dataclass(frozen=True, eq=False)
class Pooled:
    """The result of a meta-analysis by :func:`pool`.

    Ratios (RR, OR) are pooled on the log scale and reported back on the
    natural scale; risk differences are pooled as they are.

    Attributes
    ----------
    measure : str
        ``"RR"``, ``"OR"`` or ``"RD"``.
    method : str
        ``"fixed"`` or ``"random"``: the model behind :attr:`estimate`,
        :attr:`ci_low` and :attr:`ci_high` (both models are always computed).
    k : int
        Number of studies.
    alpha : float
        Every CI covers ``1 - alpha``.
    studies : pandas.DataFrame
        One row per study: ``study, estimate, ci_low, ci_high, weight_fixed,
        weight_random, corrected``. Weights are percentages that add up to 100.
    fixed_estimate, fixed_ci_low, fixed_ci_high : float
        Fixed-effect (inverse-variance) pooled estimate and CI.
    random_estimate, random_ci_low, random_ci_high : float
        Random-effects (DerSimonian-Laird) pooled estimate and CI.
    fixed_se, random_se : float
        Standard errors of the pooled estimates on the analysis scale (log
        scale for RR and OR).
    tau2 : float
        Between-study variance (DerSimonian-Laird), on the analysis scale.
    i2 : float
        I squared, as a percentage: the share of the variation between studies
        that is beyond chance.
    q, q_df, q_pvalue : float, int, float
        Cochran's Q test of homogeneity: statistic, degrees of freedom (k - 1)
        and p-value.
    """

    measure: str
    method: str
    k: int
    alpha: float
    studies: pd.DataFrame
    fixed_estimate: float
    fixed_ci_low: float
    fixed_ci_high: float
    fixed_se: float
    random_estimate: float
    random_ci_low: float
    random_ci_high: float
    random_se: float
    tau2: float
    i2: float
    q: float
    q_df: int
    q_pvalue: float

    @property
    def estimate(self) -> float:
        """The pooled estimate of the chosen ``method``."""
        return self.random_estimate if self.method == "random" else self.fixed_estimate

    @property
    def ci_low(self) -> float:
        """Lower CI limit of the chosen ``method``."""
        return self.random_ci_low if self.method == "random" else self.fixed_ci_low

    @property
    def ci_high(self) -> float:
        """Upper CI limit of the chosen ``method``."""
        return self.random_ci_high if self.method == "random" else self.fixed_ci_high

    def __str__(self) -> str:
        m, level = self.measure, _level(self.alpha)

        def line(name, est, lo, hi):
            return f"{name}: {_num(m, est)} ({level} CI {_num(m, lo)} to {_num(m, hi)})"

        p = "p < 0.001" if self.q_pvalue < 0.001 else f"p = {self.q_pvalue:.3f}"
        return "\n".join([
            f"Pooled {m} from {self.k} studies",
            line("Random effects (DerSimonian-Laird)", self.random_estimate,
                 self.random_ci_low, self.random_ci_high),
            line("Fixed effect (inverse variance)", self.fixed_estimate,
                 self.fixed_ci_low, self.fixed_ci_high),
            f"Heterogeneity: Q = {self.q:.2f} on {self.q_df} df ({p}), "
            f"I² = {self.i2:.1f}%, tau² = {self.tau2:.3g}",
        ])


# ------------------------------------------------------------ one proportion

def proportion_ci(events, n, alpha=0.05):
    """A proportion ``events / n`` with its Wilson score confidence interval.

    Parameters
    ----------
    events, n : int or array of int
        Participants with the event, and all participants (``0 <= events <= n``, ``n >= 1``).
    alpha : float, optional
        1 - confidence level (0.05 gives a 95% CI).

    Returns
    -------
    (p, low, high) : floats, or arrays when arrays are given.
        The Wilson (1927) interval, J Am Stat Assoc 22:209, doi:10.1080/01621459.1927.10502953:
        it stays inside [0, 1] and behaves well for small n or p near 0 or 1. It is
        the interval ``statsmodels.stats.proportion.proportion_confint(method="wilson")``
        gives (the tests check that), written out here so that no heavy import is needed.

    Examples
    --------
    >>> p, low, high = proportion_ci(171, 449)
    >>> print(f"{p:.3f} ({low:.3f} to {high:.3f})")
    0.381 (0.337 to 0.427)
    """
    _check_alpha("proportion_ci", alpha)
    scalar = np.ndim(events) == 0 and np.ndim(n) == 0
    e, m = np.asarray(events, dtype=float), np.asarray(n, dtype=float)
    bad = ~np.isfinite(e) | ~np.isfinite(m) | (m < 1) | (e < 0) | (e > m) | (e != np.round(e)) | (m != np.round(m))
    if np.any(bad):
        i = int(np.flatnonzero(np.broadcast_to(bad, np.broadcast(e, m).shape))[0])
        ev, nv = np.broadcast_to(e, bad.shape).flat[i], np.broadcast_to(m, bad.shape).flat[i]
        raise ValueError(f"proportion_ci: events={ev:g} and n={nv:g} must be whole numbers "
                         f"with 0 <= events <= n and n >= 1")
    z = _z(alpha)
    p = e / m
    centre = (p + z ** 2 / (2 * m)) / (1 + z ** 2 / m)
    half = z * np.sqrt(p * (1 - p) / m + z ** 2 / (4 * m ** 2)) / (1 + z ** 2 / m)
    low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    if scalar:
        return float(p), float(low), float(high)
    return p, low, high


# ------------------------------------------------------------ effect sizes

def risk_ratio(events_treat, n_treat, events_ctrl, n_ctrl, alpha=0.05, *, study=None) -> Effect:
    """Risk ratio (treated risk / control risk) with a confidence interval.

    Parameters
    ----------
    events_treat, n_treat : int
        Participants with the event, and all participants, in the treated group.
    events_ctrl, n_ctrl : int
        The same for the control group.
    alpha : float, optional
        1 - confidence level (0.05 gives a 95% CI).
    study : str, optional
        A label kept with the result (for :func:`pool`).

    Returns
    -------
    Effect
        ``measure="RR"``. The CI is the Wald interval on the log scale
        (log RR +/- z * SE, SE = sqrt(1/a - 1/n1 + 1/c - 1/n2), Katz et al. 1978),
        as ``statsmodels.stats.contingency_tables.Table2x2`` computes it. If a cell
        is zero, 0.5 is first added to all four cells (``corrected=True``).

    Examples
    --------
    >>> print(risk_ratio(19, 59, 28, 59))
    RR 0.68 (95% CI 0.43 to 1.07)
    """
    return _ratio_effect("risk_ratio", "RR", "riskratio", events_treat, n_treat, events_ctrl, n_ctrl,
                         alpha, study)


def odds_ratio(events_treat, n_treat, events_ctrl, n_ctrl, alpha=0.05, *, study=None) -> Effect:
    """Odds ratio (treated odds / control odds) with a confidence interval.

    Parameters
    ----------
    events_treat, n_treat, events_ctrl, n_ctrl, alpha, study
        As for :func:`risk_ratio`.

    Returns
    -------
    Effect
        ``measure="OR"``. The CI is the Wald interval on the log scale
        (log OR +/- z * SE, SE = sqrt(1/a + 1/b + 1/c + 1/d), Woolf 1955),
        as ``statsmodels.stats.contingency_tables.Table2x2`` computes it. If a cell
        is zero, 0.5 is first added to all four cells (``corrected=True``).
    """
    return _ratio_effect("odds_ratio", "OR", "oddsratio", events_treat, n_treat, events_ctrl, n_ctrl,
                         alpha, study)


def _ratio_effect(func, measure, sm_name, events_treat, n_treat, events_ctrl, n_ctrl, alpha, study) -> Effect:
    """RR or OR and the log-scale Wald CI, as statsmodels' Table2x2 (``sm_name`` is its attribute prefix)."""
    table, corrected = _table(func, events_treat, n_treat, events_ctrl, n_ctrl, alpha)
    (a, b), (c, d) = table
    if sm_name == "riskratio":
        log_estimate = math.log(a / (a + b)) - math.log(c / (c + d))
        se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    else:
        log_estimate = math.log(a) + math.log(d) - math.log(b) - math.log(c)
        se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = _z(alpha)
    return Effect(measure, math.exp(log_estimate), math.exp(log_estimate - z * se),
                  math.exp(log_estimate + z * se), alpha, se=se, log_estimate=log_estimate,
                  corrected=corrected, study=study)


def risk_difference(events_treat, n_treat, events_ctrl, n_ctrl, alpha=0.05, *, study=None) -> Effect:
    """Risk difference (treated risk - control risk) with a confidence interval.

    Parameters
    ----------
    events_treat, n_treat, events_ctrl, n_ctrl, alpha, study
        As for :func:`risk_ratio`.

    Returns
    -------
    Effect
        ``measure="RD"``, between -1 and 1. The CI is the Wald interval
        (RD +/- z * sqrt(p1(1-p1)/n1 + p2(1-p2)/n2)), as
        ``statsmodels.stats.proportion.confint_proportions_2indep(...,
        compare="diff", method="wald")`` computes it. This is the interval Altman (1998)
        inverts for the NNT and the one pooled by :func:`pool`; with small
        groups or risks near 0 or 1 it is too narrow, and it is cut at -1 and 1.
        If a cell is zero, 0.5 is first added to all four cells
        (``corrected=True``), as when pooling.
    """
    table, corrected = _table("risk_difference", events_treat, n_treat, events_ctrl, n_ctrl, alpha)
    (a, b), (c, d) = table
    rd, var = _effect_sizes(np.array([a]), np.array([b]), np.array([c]), np.array([d]), "RD")
    rd, var = float(rd[0]), float(var[0])
    z = _z(alpha)
    lo, hi = max(rd - z * math.sqrt(var), -1.0), min(rd + z * math.sqrt(var), 1.0)  # RD lies in [-1, 1]
    return Effect("RD", float(rd), lo, hi, alpha, se=math.sqrt(var),
                  corrected=corrected, study=study)


# --------------------------------------------------------- number needed to treat

def number_needed_to_treat(events_treat, n_treat, events_ctrl, n_ctrl, alpha=0.05,
                           outcome="good") -> NNT:
    """Number needed to treat, from trial counts.

    NNT = 1 / |RD|, with the confidence interval found by inverting the Wald
    CI of the risk difference (Altman 1998, BMJ 317:1309,
    doi:10.1136/bmj.317.7168.1309). See :func:`nnt_from_risk_difference`.

    Parameters
    ----------
    events_treat, n_treat, events_ctrl, n_ctrl, alpha
        As for :func:`risk_difference` (including its zero-cell rule).
    outcome : {"good", "bad"}, optional
        ``"good"``: an event is desirable (e.g. responders, clear skin), so
        more events with treatment is a benefit. ``"bad"``: an event is harmful
        (e.g. eczema cases), so fewer events with treatment is a benefit.

    Returns
    -------
    NNT

    Examples
    --------
    >>> print(number_needed_to_treat(19, 59, 28, 59, outcome="bad"))
    NNTB 6.6 (95% CI NNTH 45.5 to ∞ to NNTB 3.1)
    """
    _check_choice("number_needed_to_treat", "outcome", outcome, OUTCOMES)
    rd = _risk_difference_for("number_needed_to_treat", events_treat, n_treat,
                              events_ctrl, n_ctrl, alpha)
    return nnt_from_risk_difference(rd.estimate, rd.ci_low, rd.ci_high, alpha=alpha,
                                    outcome=outcome)


def nnt_from_risk_difference(rd, ci_low, ci_high, *, alpha=0.05, outcome="good") -> NNT:
    """Number needed to treat from a risk difference and its CI.

    Useful for a published risk difference or a pooled one
    (``pool(..., measure="RD")``).

    Parameters
    ----------
    rd : float
        Risk difference, treated minus control, in [-1, 1].
    ci_low, ci_high : float
        Its confidence interval, ``ci_low <= rd <= ci_high``.
    alpha : float, optional
        1 - confidence level of that interval (only used in the printed text).
    outcome : {"good", "bad"}, optional
        Whether an event is desirable (``"good"``) or harmful (``"bad"``).

    Returns
    -------
    NNT
        The benefit is ``rd`` if ``outcome="good"`` and ``-rd`` if
        ``outcome="bad"``. NNT = 1/|benefit|: an NNTB if the benefit is
        positive, an NNTH if negative. If the benefit CI (L, U) excludes 0,
        the NNT CI is (1/U, 1/L) (for harm, of the absolute values). If it
        includes 0, the CI is reported in Altman's two-part form "NNTH 1/|L|
        to ∞ to NNTB 1/U".

    Examples
    --------
    >>> print(nnt_from_risk_difference(-0.166, -0.322, -0.009, outcome="bad"))
    NNTB 6.0 (95% CI 3.1 to 111.1)
    """
    func = "nnt_from_risk_difference"
    _check_choice(func, "outcome", outcome, OUTCOMES)
    _check_alpha(func, alpha)
    for name, value in (("rd", rd), ("ci_low", ci_low), ("ci_high", ci_high)):
        if isinstance(value, bool) or not isinstance(value, Real) or not -1 <= value <= 1:
            raise ValueError(f"{func}: {name}={_show(value)} is outside [-1, 1] "
                             "(a risk difference is a difference of two proportions)")
    if not ci_low <= rd <= ci_high:
        raise ValueError(f"{func}: rd={_show(rd)} is outside [ci_low={_show(ci_low)}, "
                         f"ci_high={_show(ci_high)}]; the estimate must lie inside its CI")
    rd, ci_low, ci_high = float(rd), float(ci_low), float(ci_high)
    # benefit > 0 means the treatment helps, whatever the outcome
    if outcome == "good":
        benefit, low, high = rd, ci_low, ci_high
    else:
        benefit, low, high = -rd, -ci_high, -ci_low
    kind = "NNTB" if benefit > 0 else "NNTH" if benefit < 0 else "NNT"
    crosses_zero = low < 0 < high
    if crosses_zero:
        # Altman's two-part interval: NNTH 1/|low| ... infinity ... NNTB 1/high
        ci = (_inverse(low), _inverse(high), "NNTH", "NNTB")
    elif low >= 0:  # all benefit: the largest benefit gives the smallest NNT
        ci = (_inverse(high), _inverse(low), "NNTB", "NNTB")
    else:  # all harm
        ci = (_inverse(low), _inverse(high), "NNTH", "NNTH")
    return NNT(nnt=_inverse(benefit), kind=kind, ci_low=ci[0], ci_high=ci[1],
               low_kind=ci[2], high_kind=ci[3], crosses_zero=crosses_zero,
               outcome=outcome, rd=rd, rd_ci_low=ci_low, rd_ci_high=ci_high, alpha=alpha)


# ----------------------------------------------------------- meta-analysis

def pool(effects_or_table, method="random", *, measure=None, alpha=0.05) -> Pooled:
    """Meta-analysis: fixed-effect and DerSimonian-Laird random-effects pooling.

    Parameters
    ----------
    effects_or_table : pandas.DataFrame or list of Effect
        Either a table with columns ``study, events_treat, n_treat,
        events_ctrl, n_ctrl`` (one row per study), or a list of results of
        :func:`risk_ratio`, :func:`odds_ratio` or :func:`risk_difference`
        (labelled with their ``study`` argument).
    method : {"random", "fixed"}, optional
        Which model gives :attr:`Pooled.estimate`; both are always computed.
    measure : {"RR", "OR", "RD"}, optional
        For a table: the measure to pool (default ``"RR"``). For a list of
        effects it is read from the effects (and, if given, must match).
    alpha : float, optional
        1 - confidence level of every CI.

    Returns
    -------
    Pooled

    Notes
    -----
    Study effects (log RR, log OR or RD) and their variances are those of
    ``statsmodels.stats.meta_analysis.effectsize_2proportions`` (with the
    zero-cell rule of this module), combined as ``combine_effects(...,
    method_re="chi2")`` does: inverse-variance weights for the fixed effect, and
    the DerSimonian-Laird moment estimate of tau² for random effects. CIs are
    normal (z) intervals. A negative DerSimonian-Laird estimate is set to 0
    (so the random-effects result equals the fixed-effect one), and I² =
    max(0, (Q - df) / Q).
    """
    func = "pool"
    _check_choice(func, "method", method, METHODS)
    _check_alpha(func, alpha)
    if measure is not None:
        _check_choice(func, "measure", measure, MEASURES)
    if isinstance(effects_or_table, pd.DataFrame):
        measure = measure or "RR"
        labels, eff, var, corrected = _effects_from_table(effects_or_table, measure)
    elif isinstance(effects_or_table, (list, tuple)):
        measure, labels, eff, var, corrected = _effects_from_list(effects_or_table, measure)
    else:
        raise ValueError(f"{func}: effects_or_table must be a pandas DataFrame or a list of "
                         f"Effect objects, got {type(effects_or_table).__name__}")
    k = len(labels)
    if k < 2:
        raise ValueError(f"{func}: needs at least 2 studies to pool, got k={k}")

    res = _combine_effects(np.asarray(eff, dtype=float), np.asarray(var, dtype=float))
    z = _z(alpha)
    ci_fixed = (res["mean_fe"] - z * res["sd_fe"], res["mean_fe"] + z * res["sd_fe"])
    ci_random = (res["mean_re"] - z * res["sd_re"], res["mean_re"] + z * res["sd_re"])
    study_low, study_high = eff - z * np.sqrt(var), eff + z * np.sqrt(var)
    if res["tau2"] >= 0:
        tau2, random_mean, random_se = float(res["tau2"]), res["mean_re"], res["sd_re"]
        weight_random = res["weights_re"]
    else:  # truncate the DL estimate at 0: random effects = fixed effect
        tau2, random_mean, random_se = 0.0, res["mean_fe"], res["sd_fe"]
        ci_random, weight_random = ci_fixed, res["weights_fe"]
    q, df = max(float(res["q"]), 0.0), k - 1
    back = np.exp if measure in ("RR", "OR") else (lambda x: x)  # back to the natural scale
    studies = pd.DataFrame({
        "study": labels,
        "estimate": back(np.asarray(eff, dtype=float)),
        "ci_low": back(np.asarray(study_low, dtype=float)),
        "ci_high": back(np.asarray(study_high, dtype=float)),
        "weight_fixed": 100 * np.asarray(res["weights_fe"], dtype=float),
        "weight_random": 100 * np.asarray(weight_random, dtype=float),
        "corrected": corrected,
    })
    return Pooled(
        measure=measure, method=method, k=k, alpha=alpha, studies=studies,
        fixed_estimate=float(back(res["mean_fe"])),
        fixed_ci_low=float(back(ci_fixed[0])), fixed_ci_high=float(back(ci_fixed[1])),
        fixed_se=float(res["sd_fe"]),
        random_estimate=float(back(random_mean)),
        random_ci_low=float(back(ci_random[0])), random_ci_high=float(back(ci_random[1])),
        random_se=float(random_se),
        tau2=tau2, i2=100 * max(0.0, (q - df) / q) if q > 0 else 0.0,
        q=q, q_df=df, q_pvalue=_chi2_sf(float(res["q"]), df),
    )


# ------------------------------------------------------------- forest plot

def forest_plot(pooled, *, title=None, xlabel=None, null=None):
    """Forest plot of a meta-analysis, with a text description.

    Parameters
    ----------
    pooled : Pooled
        The result of :func:`pool`.
    title : str, optional
        Figure title.
    xlabel : str, optional
        x-axis label (default: the measure, e.g. "Risk ratio (log scale)").
    null : float, optional
        Position of the line of no effect (default 1 for RR and OR, 0 for RD).

    Returns
    -------
    fig : matplotlib.figure.Figure
        One row per study: a square (area proportional to the study's weight in
        the chosen model) and a horizontal line for its CI. Below, a hatched
        open diamond for the fixed-effect and a filled diamond for the
        random-effects estimate (width = CI). Labels on the left, numbers on
        the right, a dashed vertical line of no effect, and a log x axis for
        ratios. Shapes, fills and labels carry the meaning, not colour.
    description : str
        One or two plain-English sentences describing the figure, for
        :func:`course_lib.plotting.show`.
    """
    func = "forest_plot"
    if not isinstance(pooled, Pooled):
        raise ValueError(f"{func}: pooled must be the result of pool(), "
                         f"got {type(pooled).__name__}")
    ratio = pooled.measure in ("RR", "OR")
    if null is None:
        null = 1.0 if ratio else 0.0
    if isinstance(null, bool) or not isinstance(null, Real) or not math.isfinite(null):
        raise ValueError(f"{func}: null={_show(null)} is not a finite number")
    if ratio and null <= 0:
        raise ValueError(f"{func}: null={_show(null)} is outside (0, ∞); a ratio's line of "
                         "no effect must be positive (usually 1)")
    m, level = pooled.measure, _level(pooled.alpha)
    name = MEASURE_NAMES[m]
    table = pooled.studies
    k = pooled.k
    weights = table["weight_random" if pooled.method == "random" else "weight_fixed"]
    rows = np.arange(k)
    y_fixed, y_random = k + 0.6, k + 1.6
    labels = list(table["study"]) + ["Fixed effect", "Random effects (DL)"]
    numbers = [f"{_num(m, e)} ({_num(m, lo)} to {_num(m, hi)})"
               for e, lo, hi in zip(table["estimate"], table["ci_low"], table["ci_high"])]
    numbers += [f"{_num(m, e)} ({_num(m, lo)} to {_num(m, hi)})" for e, lo, hi in
                ((pooled.fixed_estimate, pooled.fixed_ci_low, pooled.fixed_ci_high),
                 (pooled.random_estimate, pooled.random_ci_low, pooled.random_ci_high))]
    study_style = series_style(0)
    fixed_style, random_style = series_style(1), series_style(2)

    fig, ax = new_figure(figsize=(7.0, 2.2 + 0.32 * (k + 2)))
    with course_style():
        ax.hlines(rows, table["ci_low"], table["ci_high"], color=study_style["color"],
                  linewidth=1.5)
        ax.scatter(table["estimate"], rows, s=20 + 4 * weights, marker="s",
                   color=study_style["color"], zorder=3)
        for y, est, lo, hi, style, hatch, face in (
                (y_fixed, pooled.fixed_estimate, pooled.fixed_ci_low, pooled.fixed_ci_high,
                 fixed_style, "///", "white"),
                (y_random, pooled.random_estimate, pooled.random_ci_low, pooled.random_ci_high,
                 random_style, None, random_style["color"])):
            ax.fill([lo, est, hi, est], [y, y - 0.35, y, y + 0.35], facecolor=face,
                    edgecolor=style["color"], hatch=hatch, linewidth=1.5, linestyle="-", zorder=3)
        ax.axvline(null, color="black", linestyle="--", linewidth=1)
        if ratio:
            ax.set_xscale("log")
        _nice_x_ticks(ax, ratio, table, pooled, null)
        ax.set_yticks(list(rows) + [y_fixed, y_random], labels=labels)
        ax.set_ylim(y_random + 0.8, -0.8)  # first study at the top
        ax.grid(False, axis="y")
        right = ax.twinx()  # the numbers, as labels on the right-hand side
        right.set_ylim(ax.get_ylim())
        right.set_yticks(list(rows) + [y_fixed, y_random], labels=numbers)
        right.tick_params(axis="y", length=0)
        right.grid(False)
        ax.set_xlabel(xlabel or (f"{name.capitalize()} (log scale)" if ratio else name.capitalize()))
        if title:
            ax.set_title(title)
        handles = [
            Line2D([], [], marker="s", linestyle="-", color=study_style["color"],
                   label=f"Study: {name} and {level} CI (square area ∝ weight)"),
            Patch(facecolor="white", edgecolor=fixed_style["color"], hatch="///",
                  label="Fixed effect (open, hatched diamond)"),
            Patch(facecolor=random_style["color"], edgecolor=random_style["color"],
                  label="Random effects, DerSimonian-Laird (filled diamond)"),
            Line2D([], [], color="black", linestyle="--", label=f"No effect ({m} = {null:g})"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8,
                   frameon=False)

    chosen = "random-effects (DerSimonian-Laird)" if pooled.method == "random" else "fixed-effect"
    crosses = pooled.ci_low <= null <= pooled.ci_high
    description = (
        f"Forest plot of {k} studies: each square is one study's {name} (bigger squares carry "
        f"more weight) with a horizontal line for its {level} confidence interval, "
        f"{'on a log scale ' if ratio else ''}with a dashed line of no effect at {null:g}. "
        f"The {chosen} pooled {name} is {_num(m, pooled.estimate)} ({level} CI "
        f"{_num(m, pooled.ci_low)} to {_num(m, pooled.ci_high)}), which "
        f"{'crosses' if crosses else 'does not cross'} the line of no effect "
        f"(I² = {pooled.i2:.0f}%)."
    )
    return fig, description


# ------------------------------------------------------------------ helpers

def _show(value) -> str:
    """A value as it appears in an error message."""
    return repr(value) if isinstance(value, str) else str(value)


def _level(alpha: float) -> str:
    """'95%' for alpha=0.05."""
    return f"{100 * (1 - alpha):.6g}%"


def _num(measure: str, x: float) -> str:
    """Ratios with 2 decimals; risk differences with 3 (2 significant digits if tiny)."""
    if measure != "RD":
        return f"{x:.2f}"
    return f"{x:.2g}" if 0 < abs(x) < 0.01 else f"{x:.3f}"


def _nnt_num(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:.1f}"


def _inverse(x: float) -> float:
    """1/|x|, infinite at 0."""
    return math.inf if x == 0 else 1 / abs(x)


def _check_choice(func: str, name: str, value, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{func}: {name}={_show(value)} is not one of {allowed}")


def _check_alpha(func: str, alpha) -> None:
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
        raise ValueError(f"{func}: alpha={_show(alpha)} is outside (0, 1) "
                         "(e.g. alpha=0.05 for a 95% CI)")


def _whole(func: str, name: str, value, valid: str, where: str) -> int:
    """``value`` as an int, or a ValueError naming the valid range."""
    if (isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value)
            or not float(value).is_integer()):
        raise ValueError(f"{func}: {name}={_show(value)} is not a whole number; "
                         f"counts must be integers in {valid}{where}")
    return int(value)


def _check_counts(func, events_treat, n_treat, events_ctrl, n_ctrl, where="") -> tuple:
    """Validated counts as ints: (events_treat, n_treat, events_ctrl, n_ctrl)."""
    out = {}
    for arm, events, n in (("treat", events_treat, n_treat), ("ctrl", events_ctrl, n_ctrl)):
        n = _whole(func, f"n_{arm}", n, "[1, ∞)", where)
        if n < 1:
            raise ValueError(f"{func}: n_{arm}={n} is outside [1, ∞): each group needs at "
                             f"least one participant{where}")
        valid = f"[0, n_{arm}={n}]"
        events = _whole(func, f"events_{arm}", events, valid, where)
        if not 0 <= events <= n:
            raise ValueError(f"{func}: events_{arm}={events} is outside {valid}{where}")
        out[arm] = (events, n)
    return out["treat"][0], out["treat"][1], out["ctrl"][0], out["ctrl"][1]


def _table(func, events_treat, n_treat, events_ctrl, n_ctrl, alpha, where=""):
    """The 2x2 table [[events, non-events] treated, [...] control], zero-corrected.

    Returns the table (floats) and whether 0.5 was added to every cell.
    """
    _check_alpha(func, alpha)
    a, n1, c, n2 = _check_counts(func, events_treat, n_treat, events_ctrl, n_ctrl, where)
    table = np.array([[a, n1 - a], [c, n2 - c]], dtype=float)
    corrected = bool((table == 0).any())
    if corrected:
        table += 0.5
    return table, corrected


def _risk_difference_for(func, events_treat, n_treat, events_ctrl, n_ctrl, alpha) -> Effect:
    """:func:`risk_difference`, with error messages naming ``func``."""
    _table(func, events_treat, n_treat, events_ctrl, n_ctrl, alpha)  # validate as func
    return risk_difference(events_treat, n_treat, events_ctrl, n_ctrl, alpha)


def _effects_from_table(table: pd.DataFrame, measure: str):
    """Study labels, effects, variances and zero-cell flags from a table of counts."""
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"pool: the table is missing column(s) {', '.join(missing)} "
                         f"(needs {', '.join(TABLE_COLUMNS)})")
    labels, cells, corrected = [], [], []
    for row in table.itertuples(index=False):
        label = str(row.study)
        t, was_corrected = _table("pool", row.events_treat, row.n_treat, row.events_ctrl,
                                  row.n_ctrl, 0.05, where=f" (study {label!r})")
        labels.append(label)
        cells.append(t.ravel())
        corrected.append(was_corrected)
    if not cells:
        return labels, np.array([]), np.array([]), corrected
    a, b, c, d = np.array(cells).T
    eff, var = _effect_sizes(a, b, c, d, measure)      # zero cells are already corrected
    return labels, eff, var, corrected


def _effects_from_list(effects, measure):
    """Measure, labels, effects, variances and zero-cell flags from Effect objects."""
    for i, e in enumerate(effects):
        if not isinstance(e, Effect):
            raise ValueError(f"pool: item {i} is a {type(e).__name__}, not an Effect (make "
                             "one with risk_ratio(), odds_ratio() or risk_difference())")
    found = sorted({e.measure for e in effects})
    if len(found) > 1:
        raise ValueError(f"pool: all effects must use the same measure, got {', '.join(found)}")
    if found and measure is not None and found[0] != measure:
        raise ValueError(f"pool: measure={measure!r} does not match the effects' "
                         f"measure {found[0]!r}")
    measure = found[0] if found else (measure or "RR")
    labels = [e.study if e.study is not None else f"Study {i + 1}" for i, e in enumerate(effects)]
    eff = np.array([e.estimate if measure == "RD" else e.log_estimate for e in effects], dtype=float)
    var = np.array([e.se for e in effects], dtype=float) ** 2
    if not (np.isfinite(eff).all() and np.isfinite(var).all() and (var > 0).all()):
        raise ValueError("pool: every effect needs a finite estimate and a standard error > 0")
    return measure, labels, eff, var, [e.corrected for e in effects]


def _z(alpha: float) -> float:
    """The two-sided standard normal critical value (``scipy.stats.norm.isf(alpha / 2)``)."""
    return _STD_NORMAL.inv_cdf(1 - alpha / 2)


def _effect_sizes(a, b, c, d, measure: str):
    """Each study's effect (log RR, log OR or RD) and its variance from the (corrected) cells.

    The formulas of ``statsmodels.stats.meta_analysis.effectsize_2proportions``
    with ``zero_correction=None``.
    """
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    if measure == "RD":
        return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    if measure == "RR":
        return np.log(p1) - np.log(p2), (1 - p1) / p1 / n1 + (1 - p2) / p2 / n2
    return (np.log(p1) - np.log(1 - p1) - np.log(p2) + np.log(1 - p2),
            1 / (p1 * (1 - p1) * n1) + 1 / (p2 * (1 - p2) * n2))


def _combine_effects(eff, var) -> dict:
    """Fixed-effect and DerSimonian-Laird pooling, as ``combine_effects(eff, var, method_re="chi2")``.

    The DerSimonian-Laird tau² is returned untruncated (it may be negative); :func:`pool` truncates it.
    """
    weights_fe = 1 / var
    w_total_fe = weights_fe.sum()
    weights_rel_fe = weights_fe / w_total_fe
    mean_fe = (weights_rel_fe * eff).sum()
    q = (weights_fe * eff ** 2).sum() - (weights_fe * eff).sum() ** 2 / w_total_fe
    c = w_total_fe - (weights_fe ** 2).sum() / w_total_fe
    tau2 = (q - (len(eff) - 1)) / c
    with np.errstate(divide="ignore", invalid="ignore"):      # a negative tau² can make these nan (unused then)
        weights_re = 1 / (var + tau2)
        weights_rel_re = weights_re / weights_re.sum()
        sd_re = float(np.sqrt(1 / weights_re.sum()))
    return dict(mean_fe=mean_fe, sd_fe=math.sqrt(1 / w_total_fe), weights_fe=weights_rel_fe, q=q, tau2=tau2,
                mean_re=(weights_rel_re * eff).sum(), sd_re=sd_re, weights_re=weights_rel_re)


def _chi2_sf(x: float, df: int) -> float:
    """P(X > x) for a chi-squared variable with a whole number ``df`` >= 1 of degrees of freedom.

    The closed forms for whole-number degrees of freedom (Abramowitz & Stegun 1964,
    26.4.4 and 26.4.5), which ``scipy.stats.chi2.sf`` agrees with to rounding.
    """
    if x <= 0:
        return 1.0
    if df % 2 == 0:
        term = total = 1.0
        for i in range(1, df // 2):
            term *= x / 2 / i
            total += term
        return min(1.0, math.exp(-x / 2) * total)
    total = math.erfc(math.sqrt(x / 2))
    term = math.sqrt(2 * x / math.pi) * math.exp(-x / 2)
    for i in range(1, (df - 1) // 2 + 1):
        total += term
        term *= x / (2 * i + 1)
    return min(1.0, total)


def _nice_x_ticks(ax, ratio, table, pooled, null) -> None:
    """Readable x limits and ticks covering every CI and the null line."""
    low = min(table["ci_low"].min(), pooled.fixed_ci_low, pooled.random_ci_low, null)
    high = max(table["ci_high"].max(), pooled.fixed_ci_high, pooled.random_ci_high, null)
    if not ratio:
        pad = 0.05 * (high - low or 1)
        ax.set_xlim(low - pad, high + pad)
        return
    low, high = low / 1.25, high * 1.25
    ax.set_xlim(low, high)
    candidates = [m * 10.0 ** e for e in range(-4, 5) for m in (1, 2, 5)]
    ticks = [t for t in candidates if low <= t <= high]
    if len(ticks) > 8:
        ticks = [t for t in ticks if round(math.log10(t), 9).is_integer()]  # powers of 10
    if len(ticks) >= 2:
        ax.set_xticks(ticks, labels=[f"{t:g}" for t in ticks])
        ax.set_xticks([], minor=True)
