"""Virtual patients and a virtual trial, run on the coupled model of notebook 05.

A *virtual patient* is one set of the coupled model's patient values:

* **FLG genotype**: a filaggrin loss-of-function carrier with probability
  ``FLG_CARRIER_SHARE`` = 19.1 % (people with atopic dermatitis worldwide:
  Khatib et al. 2024, Exp Dermatol, doi:10.1111/exd.15130, abstract; the
  course's ``data/flg_risk.csv``). Carriers are given one null allele. The
  only verified share with two (8 of 190 children with eczema, 4.2 %; Brown
  et al. 2008, J Allergy Clin Immunol 121:940-6, in ``data/flg_risk.csv``) is
  one small sample of English 7-9-year-olds, too narrow to generalise;
* **environmental load**: log-normal, median ``LOAD_MEDIAN``, spread
  ``LOAD_SPREAD`` (ILLUSTRATIVE);
* **microbiome resilience**: log-normal around 1, spread ``RESILIENCE_SPREAD``
  (ILLUSTRATIVE).

Everything is seeded (``numpy.random.default_rng(seed)``) and vectorised: one
strategy runs the whole cohort in one call of :func:`coupled.run_patients`.

The trial: every patient starts in a flare, is treated for 16 weeks
(``coupled.TREAT_DAYS``) and followed for 16 more weeks with no treatment.
Outcomes per patient: **remission** at week 16 (inflammation below
``coupled.REMISSION_LEVEL``), **flare days** during treatment (days with
inflammation above ``coupled.INFLAMED_LEVEL``), and, for those in remission
at week 16, **relapse** (inflamed again at the end of follow-up). These are
model quantities, not IGA or EASI: the model has no skin score.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .models import coupled
from .stats import proportion_ci

__all__ = ["virtual_patients", "run_trial", "summarise", "FLG_CARRIER_SHARE", "LOAD_MEDIAN",
           "LOAD_SPREAD", "RESILIENCE_SPREAD", "which_loop_holds"]

#: share of people with atopic dermatitis carrying any FLG loss-of-function variant
#: (Khatib 2024 meta-analysis, 19.1 %, 95 % CI 17.3-21.0; VERIFIED in the barrier fact sheet)
FLG_CARRIER_SHARE = 0.191
#: environmental load of the virtual patients: median and log-normal spread (ILLUSTRATIVE)
LOAD_MEDIAN = 0.75
LOAD_SPREAD = 0.35
#: microbiome resilience: log-normal spread around 1 (ILLUSTRATIVE)
RESILIENCE_SPREAD = 0.5


def _whole(func, name, value, lo, hi, what):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"cohort.{func}: {name}={value!r} is outside [{lo}, {hi}] ({what})")
    return int(value)


def virtual_patients(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """``n`` seeded virtual patients: columns patient, flg_null_alleles, p_env, resilience."""
    n = _whole("virtual_patients", "n", n, 1, 20000, "whole number of patients")
    seed = _whole("virtual_patients", "seed", seed, 0, 2 ** 32 - 1, "random seed")
    rng = np.random.default_rng(seed)
    flg = (rng.random(n) < FLG_CARRIER_SHARE).astype(int)
    load = np.clip(LOAD_MEDIAN * np.exp(LOAD_SPREAD * rng.standard_normal(n)), 0.0, 3.0)
    res = np.clip(np.exp(RESILIENCE_SPREAD * rng.standard_normal(n)), 0.25, 4.0)
    df = pd.DataFrame({"patient": np.arange(n), "flg_null_alleles": flg, "p_env": load, "resilience": res})
    df.attrs["units"] = {"patient": "index", "flg_null_alleles": "alleles", "p_env": "relative load",
                         "resilience": "× default"}
    return df


def run_trial(patients: pd.DataFrame, strategies=None, params: coupled.Params | None = None) -> pd.DataFrame:
    """Run each strategy on every patient. One row per patient and strategy.

    Columns: strategy, patient, remission (week 16, bool), flare_days (during treatment),
    relapse (bool; NaN if not in remission at week 16), inflammation_w16, inflammation_end.
    """
    params = coupled.Params() if params is None else params
    strategies = list(coupled.STRATEGIES) if strategies is None else list(strategies)
    for s in strategies:
        if s not in coupled.STRATEGIES:
            raise ValueError(f"cohort.run_trial: strategy={s!r} is not one of {', '.join(coupled.STRATEGIES)}")
    w16 = int(round(coupled.TREAT_DAYS))
    m = len(patients)
    # two solver runs: strategies that switch only when treatment starts and stops, and those with
    # baths or a weekly topical (each switch restarts the solver, which would slow the first group
    # down; the cost is per solver step, not per patient, so the second group is run together:
    # measured 1.4 s together against 1.75 s in three runs for 60 patients)
    plain = coupled._schedule((), coupled.TREAT_DAYS + coupled.FOLLOW_DAYS)[0] | {coupled.TREAT_DAYS}
    groups = {}
    for s in strategies:
        cuts, _, _ = coupled._schedule(coupled.STRATEGIES[s], coupled.TREAT_DAYS + coupled.FOLLOW_DAYS)
        groups.setdefault(cuts <= plain, []).append(s)
    parts = {}
    for names in groups.values():
        rep = lambda col: np.tile(patients[col].to_numpy(), len(names))  # noqa: E731
        r = coupled.run_patients(params, p_env=rep("p_env"), flg=rep("flg_null_alleles"),
                                 resilience=rep("resilience"), start=1, strategy=list(np.repeat(names, m)),
                                 points_per_day=1)
        for k, s in enumerate(names):
            cols = slice(k * m, (k + 1) * m)
            parts[s] = (r["inflammation"][:, cols], r["s_aureus"][:, cols])
    frames = []
    for s in strategies:
        infl, sa = parts[s]
        remission = infl[w16] < coupled.REMISSION_LEVEL
        frames.append(pd.DataFrame({
            "strategy": s, "patient": patients["patient"].to_numpy(), "remission": remission,
            "flare_days": (infl[1:w16 + 1] > coupled.INFLAMED_LEVEL).sum(axis=0),
            "relapse": np.where(remission, infl[-1] > coupled.INFLAMED_LEVEL, np.nan),
            "inflammation_w16": infl[w16], "inflammation_end": infl[-1], "s_aureus_w16": sa[w16]}))
    return pd.concat(frames, ignore_index=True)


def summarise(trial: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: shares in remission and relapsing (Wilson 95 % CIs), mean flare days (95 % CI).

    The flare-day interval is the normal approximation, cut at 0 (days cannot be negative).
    """
    out = []
    for s, g in trial.groupby("strategy", sort=False):
        n = len(g)
        k = int(g["remission"].sum())
        p, lo, hi = proportion_ci(k, n)
        relapsed = int(np.nansum(g["relapse"]))
        rp, rlo, rhi = proportion_ci(relapsed, k) if k else (math.nan, math.nan, math.nan)
        fd = g["flare_days"].to_numpy(dtype=float)
        half = 1.96 * fd.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
        out.append(dict(strategy=s, n=n, in_remission=k, remission=p, remission_low=lo, remission_high=hi,
                        flare_days=fd.mean(), flare_days_low=max(fd.mean() - half, 0.0), flare_days_high=fd.mean() + half,
                        relapsed=relapsed, relapse=rp, relapse_low=rlo, relapse_high=rhi))
    return pd.DataFrame(out).set_index("strategy")


#: the loops that can hold a patient in the inflamed state, and what switching each off means
LOOPS = {
    "S. aureus loop": "S. aureus toxins feeding inflammation and barrier damage switched off (k_SA = delta' = 0)",
    "itch-scratch loop": "scratching no longer damages the barrier (delta_s = 0)",
    "type-2 self-amplification": "type-2 self-amplification halved (k_amp x 0.5)",
}


def which_loop_holds(patients: pd.DataFrame, params: coupled.Params | None = None,
                     strategy: str = "emollient only", trial: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each patient, whether the strategy reaches remission with each loop switched off in turn.

    A "what if" experiment inside the model (not a treatment): a loop "holds" a patient if the
    strategy fails with every loop intact and succeeds once that loop alone is cut.
    Columns: patient, remission (all loops intact), and one bool column per entry of ``LOOPS``.
    ``trial``: the result of :func:`run_trial` on the same patients and ``params``, if there is
    one; its remissions for ``strategy`` are then reused instead of run again.
    """
    from .models import th2

    params = coupled.Params() if params is None else params
    m = len(patients)
    w16 = int(round(coupled.TREAT_DAYS))
    base = th2.Params()
    # the model as it is, and the three cuts, for every patient: one solver run (the cost is per
    # solver step, not per patient). Each variant is a block of m patients.
    variants = [("remission", {}, {})] if trial is None else []
    variants += [("S. aureus loop", dict(sa_inflammation=0.0, sa_barrier=0.0), {}),
                 ("itch-scratch loop", {}, dict(delta_s=0.0)),
                 ("type-2 self-amplification", {}, dict(k_amp=0.5 * base.k_amp))]
    v = len(variants)
    rep = lambda col: np.tile(patients[col].to_numpy(), v)  # noqa: E731
    couplings = {c: np.concatenate([np.full(m, float(cuts.get(c, getattr(params, c)))) for _, cuts, _ in variants])
                 for c in coupled.COUPLINGS}
    th2_values = {name: np.concatenate([np.full(m, float(values.get(name, getattr(base, name))))
                                        for _, _, values in variants]) for name in ("delta_s", "k_amp")}
    r = coupled.run_patients(params, p_env=rep("p_env"), flg=rep("flg_null_alleles"), resilience=rep("resilience"),
                             start=1, strategy=strategy, points_per_day=1, couplings=couplings,
                             th2_values=th2_values)
    remits = r["inflammation"][w16] < coupled.REMISSION_LEVEL
    out = pd.DataFrame({"patient": patients["patient"].to_numpy()})
    if trial is not None:
        done = trial[trial["strategy"] == strategy].set_index("patient")["remission"]
        if len(done) != m or not done.index.equals(pd.Index(patients["patient"])):
            raise ValueError(f"cohort.which_loop_holds: trial has no {strategy!r} row for every patient")
        out["remission"] = done.to_numpy(dtype=bool)
    for k, (name, _, _) in enumerate(variants):
        out[name] = remits[k * m:(k + 1) * m]
    return out[["patient", "remission", *LOOPS]]
