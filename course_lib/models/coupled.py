"""The synthesis: notebooks 01-04 coupled into one model of a patient's skin.

This module holds no equations of its own for the skin. It **composes** the
course's models:

* notebook 02 (:mod:`.th2`): type-2 inflammation ``I``, barrier ``B`` and itch
  ``S`` (:func:`th2.rates`);
* notebook 03 (:mod:`.microbiome`): *S. aureus* ``a``, commensals ``e`` and
  the microbiome model's own barrier ``b_m`` (:func:`microbiome.log_rates`);
* notebook 01 (:mod:`.barrier`): the read-outs of water loss (TEWL) and
  allergen entry from the barrier integrity ``B``
  (:func:`barrier.tewl_at_integrity`, :func:`barrier.influx_at_integrity`);
* notebook 04 (:mod:`.march`): the childhood multi-state chain, whose
  sensitisation-through-the-skin hazard is scaled by the allergen dose that
  entered through the barrier in the first year (:func:`march_params`).

Five couplings join them. Each is a parameter whose value 0 leaves the
models separate, exactly (tests/test_coupled.py checks this):

* ``shared_barrier`` (w): the bacteria grow on the notebook-02 barrier ``B``
  instead of their own ``b_m`` (they see ``(1 - w) b_m + w B``). Published
  idea (a poor barrier favours S. aureus; Lee et al. 2024); sharing one
  variable is our simplification.
* ``sa_inflammation`` (k_SA): ``dI/dt += k_SA s_A a``, S. aureus toxins drive
  type-2 inflammation. Published mechanism (delta-toxin degranulates mast
  cells, Nakamura et al. 2013; such toxin evidence is mostly from mice, cells
  and explants); strength ILLUSTRATIVE.
* ``sa_barrier`` (delta'): ``dB/dt -= delta' s_A a B``, S. aureus toxins and
  proteases damage the barrier. Published mechanism (mostly mouse, cell and
  explant work); strength ILLUSTRATIVE.
* ``th2_defence`` (chi): ``kappa_A -> kappa_A (1 + chi I)``, S. aureus grows
  faster in inflamed skin. Published idea (Th2/Th17 cytokines favour
  colonisation, review by Kim et al. 2019, Allergy Asthma Immunol Res
  11:593; type-2 cytokines make keratinocytes easier for alpha-toxin to kill,
  Brauweiler et al. 2014); faster growth is our ASSUMED form; strength
  ILLUSTRATIVE.
* ``march_link`` (lambda): the skin-sensitisation hazard of notebook 04 times
  ``(dose / reference dose) ** lambda``. A teaching ASSUMPTION: no published
  estimate.

The form of the couplings follows the course's science notes (models.md,
"Notebook 5"). Every coupling strength is illustrative, and so are the
sub-models' own values (see their modules).

**Virtual patients** differ in three ways (see :mod:`course_lib.cohort`):
the environmental load ``p_env``, the filaggrin (FLG) genotype (barrier repair
``k_b`` of notebook 02 times the integrity that notebook 01 gives the genotype,
``barrier.FLG_INTEGRITY``: an illustrative mapping), and the microbiome's
resilience (the killing of S. aureus by active commensals, ``delta_ae`` of
notebook 03, times ``resilience``; illustrative).

**Treatments** are those of the sub-models: an emollient (notebook 02's extra
barrier repair), a topical anti-inflammatory (notebook 02's extra clearance:
daily for 4 weeks then 2 days a week = "proactive"; or switched on by the
inflammation itself = "reactive"), IL-4Rα blockade (notebook 02) and
antiseptic baths (notebook 03's kill pulses). All are given for
``TREAT_DAYS`` (16 weeks, the length of the SOLO trials) and then stopped.

Numerics: a whole cohort is integrated at once. The state vector holds six
numbers per patient side by side, so the Jacobian is banded (width 5 on each
side) and LSODA (``scipy.integrate.odeint``) builds it by finite differences
in 11 calls of the vectorised right-hand side, whatever the size of the cohort.
"""
from __future__ import annotations

import dataclasses
import math
import types

import numpy as np
import pandas as pd
from scipy.integrate import odeint

from . import barrier, march, microbiome, th2
from ._contract import ModelParams, check_argument, check_outputs, param

__all__ = ["Params", "simulate", "OUTPUTS", "STRATEGIES", "TREAT_DAYS", "FOLLOW_DAYS", "COUPLINGS",
           "run_patients", "thresholds", "allergen_dose", "march_params", "early_life", "uncoupled",
           "validate"]

#: days of treatment in the virtual trial (16 weeks, like the SOLO trials), then everything stops
TREAT_DAYS = 112.0
#: days of follow-up after stopping
FOLLOW_DAYS = 112.0
#: topical anti-inflammatory strength while applied (notebook 02's fold extra clearance; illustrative)
TOPICAL = 2.0
#: proactive topical: daily for this many days, then ``PROACTIVE_WEEKLY`` days of each week
PROACTIVE_DAILY_DAYS = 28.0
PROACTIVE_WEEKLY = 2
#: reactive topical: applied (smoothly) when inflammation is above this level
REACTIVE_LEVEL = 0.5
#: emollient: notebook 02's extra barrier repair, per day (illustrative)
EMOLLIENT = 0.1
#: IL-4Rα blockade while treated, fraction blocked (illustrative)
BLOCKADE = 0.8
#: antiseptic baths: notebook 03's kill pulses, 2 a week, 1 log10 each, commensals hit too (illustrative)
BATHS = dict(n_baths=24, baths_per_week=2, log_kill=1.0, targeted=0, start_day=0.0)

#: the treatments a strategy can combine
COMPONENTS = ("emollient", "reactive", "proactive", "il4ra", "baths")
#: the strategies of the virtual trial: name -> the treatments it combines
STRATEGIES = {
    "no treatment": (),
    "emollient only": ("emollient",),
    "reactive topical": ("reactive",),
    "proactive topical": ("proactive",),
    "IL-4Rα blockade": ("il4ra",),
    "bleach baths": ("baths",),
    "emollient + reactive": ("emollient", "reactive"),
    "emollient + proactive": ("emollient", "proactive"),
    "emollient + baths": ("emollient", "baths"),
    "IL-4Rα + emollient": ("il4ra", "emollient"),
    "proactive + baths": ("proactive", "baths"),
}
STRATEGY_NAMES = tuple(STRATEGIES)

#: the coupling parameters (all 0 = the separate models)
COUPLINGS = ("shared_barrier", "sa_inflammation", "sa_barrier", "th2_defence", "march_link")

#: where a patient starts: calm skin (notebook 02 controlled state, notebook 03 commensal-dominated
#: state) or a flare (notebook 02 inflamed state, notebook 03 S. aureus-dominated damaged state)
STARTS = {
    0: dict(i=th2.CONTROLLED["i0"], b=th2.CONTROLLED["b0"], **{"a": microbiome.HEALTHY["a0"],
            "e": microbiome.HEALTHY["e0"], "bm": microbiome.HEALTHY["b0"]}),
    1: dict(i=th2.INFLAMED["i0"], b=th2.INFLAMED["b0"], **{"a": microbiome.DAMAGED["a0"],
            "e": microbiome.DAMAGED["e0"], "bm": microbiome.DAMAGED["b0"]}),
}

#: a patient is "inflamed" above this inflammation and "in remission" below REMISSION_LEVEL
INFLAMED_LEVEL = 0.5
REMISSION_LEVEL = 0.3

MODEL = "coupled"
N_STATE = 6            # I, B, S, ln a, ln e, b_m per patient
DAYS_RANGE = (1.0, 730.0)

OUTPUTS = {
    "inflammation": ("relative level", 0.0, th2.I_MAX),
    "barrier": ("fraction intact", 0.0, 1.0),
    "itch": ("fraction of maximum", 0.0, 1.0),
    "s_aureus": ("fraction of carrying capacity", 0.0, 1.0),
    "commensals": ("fraction of carrying capacity", 0.0, 1.0),
    "tewl": ("g/m²/h", 0.0, 100.0),
    "allergen_dose": ("intact-skin days", 0.0, 3.0 * 1000.0 * DAYS_RANGE[1]),
}

_ILL = " (ILLUSTRATIVE strength)"


@dataclasses.dataclass(frozen=True)
class Params(ModelParams):
    """One virtual patient, the couplings between the course's models, and a strategy."""

    model = MODEL

    # --- couplings (0 = separate models) ----------------------------------------
    shared_barrier: float = param(1.0, 0.0, 1.0, step=0.05, unit="fraction", label="bacteria see the shared barrier",
                                  meaning="w: the bacteria's habitat is (1 - w) x their own barrier + w x the "
                                          "notebook-02 barrier (0 = separate models)")
    sa_inflammation: float = param(0.05, 0.0, 0.3, step=0.01, unit="1/day", label="S. aureus → inflammation",
                                   meaning="k_SA: type-2 inflammation driven by active S. aureus (toxins)" + _ILL)
    sa_barrier: float = param(0.1, 0.0, 1.0, step=0.05, unit="1/day", label="S. aureus → barrier damage",
                              meaning="delta': barrier damage by active S. aureus (toxins, proteases)" + _ILL)
    th2_defence: float = param(1.0, 0.0, 5.0, step=0.25, unit="per unit inflammation",
                               label="inflammation → S. aureus growth",
                               meaning="chi: S. aureus growth x (1 + chi I), type-2 inflammation favouring "
                                       "S. aureus (an assumed form)" + _ILL)
    march_link: float = param(1.0, 0.0, 3.0, step=0.1, unit="exponent", label="allergen dose → march",
                              meaning="lambda: sensitisation through the skin (notebook 04) x (dose / reference "
                                      "dose)^lambda; a teaching ASSUMPTION with no published estimate")
    # --- the patient -------------------------------------------------------------
    p_env: float = param(0.8, 0.0, 3.0, step=0.05, unit="relative load", label="environment",
                         meaning="allergen and irritant load of the environment (1 = typical; illustrative)")
    flg_null_alleles: int = param(0, 0, 2, step=1, choices=(0, 1, 2), unit="alleles", label="FLG null alleles",
                                  meaning="filaggrin loss-of-function alleles: barrier repair x the notebook-01 "
                                          "integrity of the genotype (illustrative mapping)")
    resilience: float = param(1.0, 0.25, 4.0, step=0.05, unit="× default", label="microbiome resilience",
                              meaning="killing of S. aureus by active commensals, x the notebook-03 default "
                                      "(illustrative)")
    start: int = param(1, 0, 1, step=1, choices=(0, 1), unit="0 calm, 1 flare", label="start",
                       meaning="0: calm skin, commensals dominant; 1: a flare, S. aureus dominant")
    # --- the strategy --------------------------------------------------------------
    strategy: int = param(0, 0, len(STRATEGIES) - 1, step=1, choices=tuple(range(len(STRATEGIES))),
                          unit="index", label="strategy",
                          meaning="treatment for 16 weeks, then stopped: "
                                  + "; ".join(f"{k} {name}" for k, name in enumerate(STRATEGIES)))


def uncoupled(params: Params | None = None) -> Params:
    """``params`` with every coupling set to 0: the separate models of notebooks 01-04."""
    params = Params() if params is None else params
    return params.replace(**{name: 0.0 for name in COUPLINGS})


# --------------------------------------------------------------------------- sub-model parameters

def _namespace(params_obj):
    """A mutable copy of a sub-model's Params (so per-patient arrays can replace single values)."""
    return types.SimpleNamespace(**{f.name: getattr(params_obj, f.name) for f in dataclasses.fields(params_obj)})


def _sub_params(p_env, flg, resilience, th2_params=None, microbiome_params=None):
    """Notebook-02 and notebook-03 parameters for patients (arrays allowed for the three patient values)."""
    tp = _namespace(th2.Params() if th2_params is None else th2_params)
    mp = _namespace(microbiome.Params() if microbiome_params is None else microbiome_params)
    flg = np.asarray(flg)
    integrity = np.vectorize(lambda g: barrier.FLG_INTEGRITY[int(g)], otypes=[float])(flg)
    tp.k_b = tp.k_b * (integrity if integrity.ndim else float(integrity))
    tp.p_env = p_env
    mp.delta_ae = mp.delta_ae * resilience
    return tp, mp


# --------------------------------------------------------------------------- the treatments

def _components(strategy) -> tuple:
    if isinstance(strategy, str):
        if strategy not in STRATEGIES:
            raise ValueError(f"{MODEL}: strategy={strategy!r} is not one of {', '.join(STRATEGIES)}")
        return STRATEGIES[strategy]
    comps = tuple(strategy)
    bad = [c for c in comps if c not in COMPONENTS]
    if bad:
        raise ValueError(f"{MODEL}: treatment {bad[0]!r} is not one of {', '.join(COMPONENTS)}")
    return comps


def _schedule(components, days):
    """Switch days and the treatments in force, for one strategy, up to ``days``.

    Returns ``(cuts, baths, inputs)``: the days on which something switches, the bath days,
    and ``inputs(t) -> (emollient, topical, blockade, reactive)``. The proactive topical and
    the blockade follow notebook 02's schedule (:func:`th2.topical_at`, :func:`th2.blockade_at`),
    the baths notebook 03's (:func:`microbiome.bath_days`). Every treatment stops at ``TREAT_DAYS``.
    """
    on = set(components)
    tp = th2.Params(topical=TOPICAL if "proactive" in on else 0.0, topical_start=0.0,
                    topical_days=PROACTIVE_DAILY_DAYS, topical_weekly=PROACTIVE_WEEKLY,
                    il4ra=BLOCKADE if "il4ra" in on else 0.0, il4ra_start=0.0, il4ra_days=TREAT_DAYS)
    cuts = {0.0, float(days)}
    for t0, t1, *_ in th2.schedule(tp, min(days, TREAT_DAYS)):
        cuts |= {t0, t1}
    if TREAT_DAYS < days:
        cuts.add(TREAT_DAYS)
    baths = microbiome.bath_days(microbiome.Params(**BATHS), min(days, TREAT_DAYS)) if "baths" in on \
        else np.array([])
    cuts |= set(baths.tolist())

    def inputs(t):
        treated = t < TREAT_DAYS
        return (EMOLLIENT if treated and "emollient" in on else 0.0,
                th2.topical_at(tp, t) if treated else 0.0,
                th2.blockade_at(tp, t) if treated else 0.0,
                treated and "reactive" in on)

    return {t for t in cuts if 0.0 <= t <= days}, set(baths.tolist()), inputs


# --------------------------------------------------------------------------- the coupled equations

def _rhs_factory(tp, mp, k):
    """The coupled right-hand side for ``n`` patients side by side (state length 6 n).

    The couplings ``k`` are numbers or arrays of one value per patient."""
    w, k_sa, d_sa, chi = k["shared_barrier"], k["sa_inflammation"], k["sa_barrier"], k["th2_defence"]
    shared = bool(np.any(np.asarray(w) != 0))
    toxins = bool(np.any(np.asarray(k_sa) != 0) or np.any(np.asarray(d_sa) != 0))
    base_emollient = tp.emollient

    def f(y, t, em, c, u, reactive, load):
        # one contiguous row per variable (numpy is faster on contiguous rows than on strided columns)
        i, b, s, la, le, bm = y.reshape(-1, N_STATE).T.copy()
        if reactive.any():  # the topical goes on as inflammation rises past REACTIVE_LEVEL (smooth switch)
            i8 = i ** 8
            c = c + reactive * TOPICAL * i8 / (i8 + REACTIVE_LEVEL ** 8)
        tp.emollient = base_emollient + em
        di, db, ds = th2.rates(tp, i, b, s, load, c, u)                    # notebook 02
        habitat = (1.0 - w) * bm + w * b if shared else bm
        active = microbiome.agr_active(mp, np.exp(la), np.exp(le))        # (s_A a, s_E e)
        dla, dle, dbm = microbiome.log_rates(mp, la, le, bm, growth_a=1.0 + chi * i,
                                             habitat=habitat, active=active)  # notebook 03
        if toxins:
            di = di + k_sa * active[0]                                     # toxins -> inflammation
            db = db - d_sa * active[0] * b                                 # toxins -> barrier damage
        return np.stack((di, db, ds, dla, dle, dbm), axis=1).ravel()

    return f


def _check_days(func, days):
    return check_argument(f"{MODEL}.{func}", "days", days, *DAYS_RANGE, "days of follow-up")


def _patient_array(func, name, value, n, lo, hi, unit):
    arr = np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
    if not np.all(np.isfinite(arr)) or arr.min() < lo or arr.max() > hi:
        bad = float(arr[~(np.isfinite(arr) & (arr >= lo) & (arr <= hi))][0])
        raise ValueError(f"{MODEL}.{func}: {name}={bad!r} is outside [{lo:g}, {hi:g}] ({unit})")
    return arr


def run_patients(params: Params, p_env=None, flg=None, resilience=None, start=None,
                 strategy=None, days: float = TREAT_DAYS + FOLLOW_DAYS, points_per_day: int = 1,
                 th2_params=None, microbiome_params=None, trigger=None, couplings=None,
                 th2_values=None) -> dict:
    """Integrate many patients at once (vectorised); returns arrays, not a DataFrame.

    ``p_env``, ``flg``, ``resilience`` and ``start`` are arrays of one length (one value per
    patient) or single values; any left as None are taken from ``params``. ``strategy`` is a
    name from ``STRATEGIES`` or a tuple of ``COMPONENTS`` (default: ``params.strategy``), or a
    list of those, one per patient (all are integrated together, in one solver run).
    ``trigger = (load, start_day, length_days)``: a pulse of allergen or irritant that replaces
    every patient's environmental load while it lasts (as in notebook 02).
    ``couplings``: ``{name: value or one value per patient}`` replacing ``params``' couplings, and
    ``th2_values``: ``{name: one value per patient}`` replacing notebook 02's parameters, so that
    variants of the model can be integrated together, in one solver run (the cost is per solver
    step, not per patient).
    Returns ``{"day": (T,), "inflammation", "barrier", "itch", "s_aureus", "commensals",
    "microbiome_barrier": (T, n)}``.
    """
    days = _check_days("run_patients", days)
    if isinstance(points_per_day, bool) or not isinstance(points_per_day, (int, np.integer)) \
            or not 1 <= points_per_day <= 24:
        raise ValueError(f"{MODEL}.run_patients: points_per_day={points_per_day!r} is outside [1, 24] "
                         "(whole number of output rows per day)")
    values = [params.p_env if p_env is None else p_env, params.flg_null_alleles if flg is None else flg,
              params.resilience if resilience is None else resilience, params.start if start is None else start]
    n = max(np.size(v) for v in values)
    load = _patient_array("run_patients", "p_env", values[0], n, 0.0, 3.0, "relative load")
    flg = _patient_array("run_patients", "flg", values[1], n, 0, 2, "FLG null alleles")
    if not np.all(flg == np.round(flg)):
        raise ValueError(f"{MODEL}.run_patients: flg must hold whole numbers 0, 1 or 2 (FLG null alleles)")
    res = _patient_array("run_patients", "resilience", values[2], n, 0.25, 4.0, "× default")
    start = _patient_array("run_patients", "start", values[3], n, 0, 1, "0 calm, 1 flare").astype(int)
    strategy = STRATEGY_NAMES[params.strategy] if strategy is None else strategy
    if isinstance(strategy, (str, tuple)):
        strategy = [strategy] * n
    strategy = list(strategy)
    if len(strategy) != n:
        raise ValueError(f"{MODEL}.run_patients: {len(strategy)} strategies for {n} patients "
                         "(give one strategy, or one per patient)")

    tp, mp = _sub_params(load, flg, res, th2_params, microbiome_params)
    k = {name: getattr(params, name) for name in COUPLINGS}
    bounds = {f.name: f.metadata for f in dataclasses.fields(Params)}
    for name, value in (couplings or {}).items():
        if name not in COUPLINGS:
            raise ValueError(f"{MODEL}.run_patients: {name!r} is not one of the couplings {', '.join(COUPLINGS)}")
        m = bounds[name]
        k[name] = _patient_array("run_patients", name, value, n, m["lower"], m["upper"], m["unit"])
    th2_fields = {f.name: f.metadata for f in dataclasses.fields(th2.Params)}
    for name, value in (th2_values or {}).items():
        if name not in th2_fields or name in ("p_env", "k_b", "emollient"):
            raise ValueError(f"{MODEL}.run_patients: th2 value {name!r} cannot be set per patient")
        m = th2_fields[name]
        setattr(tp, name, _patient_array("run_patients", name, value, n, m["lower"], m["upper"], m["unit"]))
    f = _rhs_factory(tp, mp, k)
    y = np.empty((n, N_STATE))
    for code, st in STARTS.items():
        rows = start == code
        y[rows] = [st["i"], st["b"], float(th2.initial_itch(st["i"])), math.log(st["a"]), math.log(st["e"]),
                   st["bm"]]
    y = y.ravel()
    # one schedule per distinct strategy; patients on different strategies are integrated together
    groups = {}
    for j, s in enumerate(strategy):
        groups.setdefault(s, []).append(j)
    plans = [(_schedule(_components(s), days), np.array(rows)) for s, rows in groups.items()]
    cuts = set().union(*(plan[0] for plan, _ in plans))
    if trigger is not None:
        try:
            t_load, t_start, t_len = (float(v) for v in trigger)
        except (TypeError, ValueError):
            raise ValueError(f"{MODEL}.run_patients: trigger={trigger!r} is not (load, start_day, length_days)") from None
        for name, v, lo, hi, unit in (("trigger load", t_load, 0.0, 3.0, "relative load"),
                                      ("trigger start", t_start, 0.0, days, "day"),
                                      ("trigger length", t_len, 0.0, days, "days")):
            if not (math.isfinite(v) and lo <= v <= hi):
                raise ValueError(f"{MODEL}.run_patients: {name}={v!r} is outside [{lo:g}, {hi:g}] ({unit})")
        cuts |= {t_start, min(days, t_start + t_len)}
    cuts = sorted(cuts)
    kill = BATHS["log_kill"] * math.log(10.0)
    t_out = np.linspace(0.0, days, int(round(days * points_per_day)) + 1)
    out = np.empty((t_out.size, n * N_STATE))
    out[0] = y
    h_last = 0.0  # 0: let LSODA choose the first step
    em, c, u, reactive = (np.zeros(n) for _ in range(4))
    for t0, t1 in zip(cuts[:-1], cuts[1:]):
        mid = 0.5 * (t0 + t1)
        Y = y.reshape(n, N_STATE).copy()
        for (_, baths, inputs), rows in plans:
            em[rows], c[rows], u[rows], reactive[rows] = inputs(mid)
            if t0 in baths:  # an antiseptic bath: both populations drop by the kill (notebook 03)
                Y[rows, 3] -= kill
                Y[rows, 4] -= kill
        y = Y.ravel()
        mask = (t_out > t0) & (t_out <= t1)
        times = np.concatenate(([t0], t_out[mask]))
        if times[-1] < t1:
            times = np.append(times, t1)
        # restart with the last step size that worked (LSODA would otherwise creep up from a tiny step)
        load_now = load if trigger is None or not t_start <= mid < t_start + t_len else np.full(n, t_load)
        sol, info = odeint(f, y, times, args=(em.copy(), c.copy(), u.copy(), reactive.copy(), load_now),
                           ml=N_STATE - 1, mu=N_STATE - 1, rtol=1e-6, atol=1e-8, full_output=True,
                           mxstep=20000, h0=min(h_last, 0.5 * (t1 - t0)))
        if info["message"] != "Integration successful.":  # pragma: no cover - not seen on valid input
            raise RuntimeError(f"{MODEL}: the solver failed between day {t0:g} and {t1:g}: {info['message']}")
        if mask.any():
            out[mask] = sol[1:1 + mask.sum()]
        y = sol[-1].copy()
        h_last = float(info["hu"][-1]) if info["hu"][-1] > 0 else 0.0
    Y = out.reshape(t_out.size, n, N_STATE)
    clip = np.clip  # solver round-off of order 1e-8 around [0, 1]
    return {"day": t_out,
            "inflammation": clip(Y[:, :, 0], 0.0, th2.I_MAX), "barrier": clip(Y[:, :, 1], 0.0, 1.0),
            "itch": clip(Y[:, :, 2], 0.0, 1.0), "s_aureus": clip(np.exp(Y[:, :, 3]), 0.0, 1.0),
            "commensals": clip(np.exp(Y[:, :, 4]), 0.0, 1.0), "microbiome_barrier": clip(Y[:, :, 5], 0.0, 1.0),
            "load": load}


def allergen_dose(day, barrier_integrity, load):
    """Cumulative allergen entry through the barrier (intact-skin days), by the trapezoid rule.

    Entry rate = environmental load x notebook 01's relative influx ``b + k_ratio (1 - b)``.
    ``barrier_integrity``: shape (T,) or (T, n); ``load``: a number or (n,).
    """
    rate = np.asarray(load) * barrier.influx_at_integrity(barrier_integrity)
    day = np.asarray(day, dtype=float)
    dt = np.diff(day)
    steps = 0.5 * (rate[1:] + rate[:-1]) * (dt if rate.ndim == 1 else dt[:, None])
    return np.concatenate([np.zeros_like(rate[:1]), np.cumsum(steps, axis=0)])


def simulate(params: Params, days: float = TREAT_DAYS + FOLLOW_DAYS, points_per_day: int = 4) -> pd.DataFrame:
    """One patient for ``days`` days under the strategy ``params.strategy`` (treated for 16 weeks).

    Columns: day, inflammation, barrier, itch (notebook 02), s_aureus, commensals (notebook 03),
    tewl (notebook 01 read-out of the barrier), allergen_dose (cumulative entry, notebook 01).
    """
    r = run_patients(params, days=days, points_per_day=points_per_day)
    b = r["barrier"][:, 0]
    df = pd.DataFrame({"day": r["day"], "inflammation": r["inflammation"][:, 0], "barrier": b,
                       "itch": r["itch"][:, 0], "s_aureus": r["s_aureus"][:, 0],
                       "commensals": r["commensals"][:, 0], "tewl": barrier.tewl_at_integrity(b),
                       "allergen_dose": allergen_dose(r["day"], b, params.p_env)})
    df.attrs["units"] = {"day": "day", **{k: v[0] for k, v in OUTPUTS.items()}}
    df.attrs["model"] = MODEL
    return df


def validate(df: pd.DataFrame) -> None:
    check_outputs(df, OUTPUTS, MODEL)


# --------------------------------------------------------------------------- analysis

def thresholds(params, loads=None, days: float = 730.0):
    """The two thresholds of environmental load, from long untreated runs (vectorised over loads).

    ``remission``: the lowest load at which a flare (S. aureus-dominated, inflamed start) is
    still inflamed after ``days`` days; below it, a flare resolves by itself.
    ``flare``: the lowest load at which calm skin becomes inflamed by itself.
    With ``loads`` given, both are read on that grid. By default they are found to 0.01 between
    0.2 and 1.6: first on a grid of step 0.05, then on a grid of step 0.01 inside the step where
    the outcome changes (the same result as the fine grid throughout, because at a higher load
    the skin is never less inflamed, and five times faster).
    ``params``: one ``Params`` (returns a dict) or a list of them (returns a list of dicts; all
    are integrated together, which is faster than one call each).
    """
    many = isinstance(params, (list, tuple))
    plist = [q.replace(strategy=0) for q in (params if many else [params])]
    # the same question asked again in one session (an exercise and a figure of notebook 05 ask it
    # twice) is answered from memory; the key holds everything the runs depend on
    key = (tuple(plist), None if loads is None else tuple(np.asarray(loads, dtype=float).ravel().tolist()),
           float(days), repr(sorted(STARTS.items())), INFLAMED_LEVEL)
    if key not in _THRESHOLDS_CACHE:
        _THRESHOLDS_CACHE[key] = _thresholds(plist, loads, days)
    results = [dict(r) for r in _THRESHOLDS_CACHE[key]]
    return results if many else results[0]


_THRESHOLDS_CACHE: dict = {}


def _thresholds(plist, loads, days):
    """:func:`thresholds` for a list of Params with the strategy set to 0: a list of dicts."""

    def inflamed(grids):
        """``grids``: per Params, (remission grid, flare grid) -> the same shapes of bools."""
        sizes, cols = [], {name: [] for name in ("p_env", "start", "flg", "resilience", *COUPLINGS)}
        for q, (a, b) in zip(plist, grids):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            m = a.size + b.size
            sizes.append((a.size, b.size))
            cols["p_env"].append(np.concatenate([a, b]))
            cols["start"].append(np.repeat([1, 0], [a.size, b.size]))
            for name, value in (("flg", q.flg_null_alleles), ("resilience", q.resilience),
                                *((c, getattr(q, c)) for c in COUPLINGS)):
                cols[name].append(np.full(m, float(value)))
        if sum(x + y for x, y in sizes) == 0:
            return [(np.array([], bool), np.array([], bool)) for _ in plist]
        arr = {name: np.concatenate(v) for name, v in cols.items()}
        r = run_patients(plist[0], p_env=arr["p_env"], start=arr["start"], flg=arr["flg"],
                         resilience=arr["resilience"], strategy=(), days=days, points_per_day=1,
                         couplings={c: arr[c] for c in COUPLINGS})
        ends, out, at = r["inflammation"][-1] > INFLAMED_LEVEL, [], 0
        for x, y in sizes:
            out.append((ends[at:at + x], ends[at + x:at + x + y]))
            at += x + y
        return out

    def lowest(grid, ends):
        return float(grid[ends].min()) if ends.any() else float("nan")

    if loads is not None:
        grid = np.asarray(loads, dtype=float)
        res = [{"remission": lowest(grid, rem), "flare": lowest(grid, fl)}
               for rem, fl in inflamed([(grid, grid)] * len(plist))]
        return res
    coarse = np.round(np.arange(0.2, 1.6 + 1e-9, 0.05), 10)
    first = inflamed([(coarse, coarse)] * len(plist))
    fines = []
    for rem_fl in first:
        ends = dict(zip(("remission", "flare"), rem_fl))
        fine = {}
        for key, e in ends.items():
            if not e.any() or e[0]:   # inflamed on the whole grid, or never: nothing to refine
                fine[key] = np.array([])
                continue
            top = coarse[e].min()
            fine[key] = np.round(np.arange(top - 0.04, top - 1e-9, 0.01), 10)
        fines.append(fine)
    second = inflamed([(f["remission"], f["flare"]) for f in fines])
    results = []
    for rem_fl, fine, rem_fl2 in zip(first, fines, second):
        out = {}
        for key, e, f in (("remission", rem_fl[0], rem_fl2[0]), ("flare", rem_fl[1], rem_fl2[1])):
            if not e.any():
                out[key] = float("nan")
            elif e[0]:
                out[key] = float(coarse[0])
            else:
                f = np.asarray(f, dtype=bool)
                out[key] = float(fine[key][f].min()) if f.any() else float(coarse[e].min())
        results.append(out)
    return results


#: the infant of :func:`early_life`: calm skin at birth, a typical environment
INFANT_DAYS = 365.0


def early_life(params: Params, emollient: bool = False) -> float:
    """Mean allergen entry rate in the first year (intact-skin days per day), for an infant.

    The infant has ``params``' FLG genotype, environment and microbiome, starts with calm
    skin and, with ``emollient=True``, gets the emollient all year (the barrier-protection idea
    of the prevention trials). Notebook 02's barrier sets the entry rate (notebook 01).
    """
    p = params.replace(start=0, strategy=0)
    # a trial's emollient stops at TREAT_DAYS; the infant's is given all year (notebook 02's emollient)
    tp = th2.Params(emollient=EMOLLIENT) if emollient else None
    r = run_patients(p, strategy=(), days=INFANT_DAYS, points_per_day=1, th2_params=tp)
    dose = allergen_dose(r["day"], r["barrier"][:, 0], p.p_env)[-1]
    return float(dose / INFANT_DAYS)


def march_params(params: Params, dose_rate: float, reference_rate: float,
                 base: march.Params | None = None) -> march.Params:
    """Notebook 04's parameters for a child whose first-year allergen entry was ``dose_rate``.

    Sensitisation through eczema skin is multiplied by ``(dose_rate / reference_rate) **
    march_link`` (capped at the model's upper bound, 2 per year). With ``march_link = 0`` the
    march model is unchanged. A teaching assumption: no study has estimated this link.
    """
    base = march.Params() if base is None else base
    for name, v in (("dose_rate", dose_rate), ("reference_rate", reference_rate)):
        if not (isinstance(v, (int, float, np.floating)) and math.isfinite(v) and v > 0):
            raise ValueError(f"{MODEL}.march_params: {name}={v!r} must be a positive number "
                             "(intact-skin days per day)")
    factor = (dose_rate / reference_rate) ** params.march_link
    return base.replace(skin_sensitisation=float(min(2.0, base.skin_sensitisation * factor)))
