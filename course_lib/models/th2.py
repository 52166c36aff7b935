"""Type-2 (Th2) inflammation, the itch-scratch loop and the skin barrier: a bistable switch.

Three variables, time in days, all scaled (dimensionless, illustrative):

* ``I`` type-2 inflammation (IL-4/IL-13 activity; 1 is about the inflamed level),
* ``B`` barrier integrity (0 = no barrier, 1 = intact),
* ``S`` itch and scratching intensity (0 = none, 1 = maximal).

Equations::

    P_in  = P / (1 + gamma_b * B)                              allergen/irritant getting in
    dI/dt = k_in * P_in^2 / (K_P^2 + P_in^2)                   triggered by what gets in
          + k_amp * (1 - u) * I^2 / (K_I^2 + I^2)              type-2 self-amplification
          - delta_I * (1 + c) * I                              clearance (raised by a topical)
    dB/dt = [k_b / (1 + gamma_i * (1 - u) * I) + e] * (1 - B)  repair, suppressed by IL-4/IL-13
          - (delta_b + delta_s * S) * B                        wear, and damage by scratching
    dS/dt = (I^2 / (K_S^2 + I^2) - S) / tau_s                  itch follows inflammation

``P`` is the environmental load (allergens, irritants), ``c`` a topical
anti-inflammatory (e.g. a topical corticosteroid) that raises clearance while it
is applied, ``u`` the fraction of IL-4 receptor alpha blocked (the target of
dupilumab), which removes both type-2 self-amplification and the type-2
suppression of barrier repair, and ``e`` an emollient's extra barrier repair.
Two positive loops (inflammation -> itch -> scratching -> weaker barrier -> more
allergen in -> more inflammation; and type-2 self-amplification) make the
system bistable: a controlled state and a chronic inflamed state coexist over a
window of environmental load.

Inspired by (and simplified from): Domínguez-Hüttinger E, Christodoulides P,
Miyauchi K, et al. (2017) Mathematical modeling of atopic dermatitis reveals
"double-switch" mechanisms underlying 4 common disease phenotypes. J Allergy Clin
Immunol 2017 (barrier, allergen
penetration, a type-2 switch and the two switches giving four phenotypes; their
treatment term divides immune terms by 1 + beta*C); and Miyano T, Irvine AD,
Tanaka RJ (2021) A mathematical model to identify optimal combinations of drug
targets for dupilumab poor responders in atopic dermatitis, medRxiv preprint,
doi:10.1101/2021.02.08.21251317, the IL-4/IL-13 blockade logic (multiplying type-2 signalling
by 1 - fraction blocked). We replaced their on/off (hybrid) switches by smooth
Hill functions, folded dendritic cells and pathogen load into ``P_in`` and the
production term, represent barrier damage by scratching as one term, and added
the explicit itch variable ``S`` (no published ODE model of the itch-scratch
cycle was found). There are no Th1/Th17/Th22 arms, no Th2 memory and no EASI
calibration. **Every parameter value is illustrative**: chosen to show the
behaviour clearly, not fitted to patients. The prototype and its measured
behaviours are documented in the course's science notes (models.md, Notebook 2).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy.integrate import odeint, solve_ivp

from ._contract import ModelParams, check_argument, check_outputs, param

#: fixed (not slider) constants, all illustrative
K_P = 0.4       # half-saturation of the trigger term (relative load)
K_I = 0.6       # half-saturation of type-2 self-amplification
DELTA_I = 1.0   # clearance rate of inflammation (1/day)
K_S = 0.5       # inflammation giving half-maximal itch
#: upper bound of I for any valid Params: (max k_in + max k_amp) / DELTA_I, and the largest i0
I_MAX = 3.0

OUTPUTS = {
    "load": ("relative load", 0.0, 3.0),
    "topical": ("fold extra clearance", 0.0, 5.0),
    "blockade": ("fraction blocked", 0.0, 0.95),
    "inflammation": ("relative level", 0.0, I_MAX),
    "barrier": ("fraction intact", 0.0, 1.0),
    "itch": ("fraction of maximum", 0.0, 1.0),
}

_ILL = " (illustrative)"


def _fields():
    return [
        # --- the skin and its environment
        ("p_env", float, param(1.0, 0.0, 3.0, step=0.05, unit="relative load", label="environment",
                               meaning="allergen and irritant load of the environment (1 = typical)" + _ILL)),
        ("k_b", float, param(0.2, 0.05, 0.4, step=0.01, unit="1/day", label="barrier repair",
                             meaning="barrier production rate; lower with FLG loss-of-function" + _ILL)),
        ("delta_s", float, param(0.3, 0.0, 0.6, step=0.02, unit="1/day", label="scratch damage",
                                 meaning="barrier damage by maximal scratching (strength of the itch-scratch loop)"
                                 + _ILL)),
        ("gamma_b", float, param(4.0, 1.0, 10.0, step=0.25, unit="1/fraction", label="barrier shielding",
                                 meaning="how strongly an intact barrier keeps allergens out" + _ILL)),
        ("k_in", float, param(0.3, 0.05, 1.0, step=0.05, unit="1/day", label="trigger strength",
                              meaning="maximal type-2 activation by what gets through the barrier" + _ILL)),
        ("k_amp", float, param(1.0, 0.5, 2.0, step=0.05, unit="1/day", label="type-2 self-amplification",
                               meaning="maximal rate of type-2 self-amplification (Th2 cells, ILC2s)" + _ILL)),
        ("gamma_i", float, param(3.0, 0.0, 10.0, step=0.25, unit="1/relative", label="IL-4/IL-13 on barrier",
                                 meaning="suppression of barrier repair by type-2 cytokines" + _ILL)),
        ("delta_b", float, param(0.02, 0.005, 0.1, step=0.005, unit="1/day", label="barrier wear",
                                 meaning="baseline barrier loss rate" + _ILL)),
        ("tau_s", float, param(0.1, 0.05, 1.0, step=0.05, unit="day", label="itch time scale",
                               meaning="time for itch to follow inflammation" + _ILL)),
        ("emollient", float, param(0.0, 0.0, 0.3, step=0.02, unit="1/day", label="emollient",
                                   meaning="extra barrier repair from an emollient, applied throughout" + _ILL)),
        # --- where the skin starts
        ("i0", float, param(0.1, 0.0, 2.0, step=0.05, unit="relative level", label="start inflammation",
                            meaning="type-2 inflammation on day 0 (about 1 in the chronic inflamed state)")),
        ("b0", float, param(0.8, 0.0, 1.0, step=0.02, unit="fraction intact", label="start barrier",
                            meaning="barrier integrity on day 0")),
        # --- a trigger: a pulse of allergen or irritant
        ("trigger_load", float, param(0.0, 0.0, 3.0, step=0.1, unit="relative load", label="trigger load",
                                      meaning="environmental load during the trigger (0 = no trigger)")),
        ("trigger_start", float, param(10.0, 0.0, 200.0, step=1.0, unit="day", label="trigger starts",
                                       meaning="day the trigger starts")),
        ("trigger_days", float, param(0.0, 0.0, 60.0, step=1.0, unit="days", label="trigger length",
                                      meaning="how long the trigger lasts (0 = no trigger)")),
        # --- treatment 1: a topical anti-inflammatory (raises clearance while applied)
        ("topical", float, param(0.0, 0.0, 5.0, step=0.25, unit="fold extra clearance", label="topical strength",
                                 meaning="extra clearance of inflammation while the topical is applied" + _ILL)),
        ("topical_start", float, param(10.0, 0.0, 200.0, step=1.0, unit="day", label="topical starts",
                                       meaning="day the topical course starts")),
        ("topical_days", float, param(0.0, 0.0, 400.0, step=1.0, unit="days", label="topical course",
                                      meaning="length of the daily topical course")),
        ("topical_weekly", int, param(0, 0, 7, step=1, unit="days per week", label="then, days per week",
                                      meaning="after the course: topical on this many days of each week "
                                              "(proactive maintenance; 0 = stop)")),
        # --- treatment 2: IL-4 receptor alpha blockade (dupilumab's target)
        ("il4ra", float, param(0.0, 0.0, 0.95, step=0.05, unit="fraction blocked", label="IL-4Rα blocked",
                               meaning="fraction of IL-4Rα signalling blocked while treated" + _ILL)),
        ("il4ra_start", float, param(10.0, 0.0, 200.0, step=1.0, unit="day", label="blockade starts",
                                     meaning="day the blockade starts")),
        ("il4ra_days", float, param(0.0, 0.0, 400.0, step=1.0, unit="days", label="blockade length",
                                    meaning="how long the blockade lasts")),
    ]


Params = dataclasses.make_dataclass(
    "Params", _fields(), bases=(ModelParams,), frozen=True,
    namespace={"model": "th2", "__module__": __name__,
               "__doc__": "Parameters of the type-2 inflammation / barrier / itch model (illustrative values)."})

#: the initial conditions of the two stable states at default parameters (rounded; see steady_states)
CONTROLLED = {"i0": 0.1, "b0": 0.82}
INFLAMED = {"i0": 0.9, "b0": 0.18}

DAYS_RANGE = (1.0, 3000.0)


# ----------------------------------------------------------------- equations

def _hill2(x, k):
    x2 = x * x
    return x2 / (k * k + x2)


def rhs(t, y, p, load, c, u):
    """Right-hand side of the ODEs for state ``y = (I, B, S)`` at fixed load and treatments.

    Written with plain floats (no small numpy arrays): the solver calls it thousands of times.
    """
    i, b, s = (float(v) for v in y)
    p_in = load / (1.0 + p.gamma_b * b)
    p2, i2 = p_in * p_in, i * i
    di = (p.k_in * p2 / (K_P * K_P + p2) + p.k_amp * (1.0 - u) * i2 / (K_I * K_I + i2)
          - DELTA_I * (1.0 + c) * i)
    repair = p.k_b / (1.0 + p.gamma_i * (1.0 - u) * i) + p.emollient
    db = repair * (1.0 - b) - (p.delta_b + p.delta_s * s) * b
    ds = (i2 / (K_S * K_S + i2) - s) / p.tau_s
    return [di, db, ds]


def rates(p, i, b, s, load, c=0.0, u=0.0):
    """The right-hand side of :func:`rhs`, vectorised: ``(dI/dt, dB/dt, dS/dt)`` as numpy arrays.

    ``i``, ``b``, ``s``, ``load``, ``c`` (topical) and ``u`` (blockade) are numbers or arrays of
    one shape. ``p`` is a ``Params`` or any object with the same attribute names whose values may
    be arrays (one value per virtual patient). Used by the coupled model of notebook 05, which
    integrates a whole cohort at once; tests/test_coupled.py checks it against :func:`rhs`.
    """
    i, b, s = (np.asarray(x, dtype=float) for x in (i, b, s))
    p_in = load / (1.0 + p.gamma_b * b)
    p2, i2 = p_in * p_in, i * i
    di = (p.k_in * p2 / (K_P * K_P + p2) + p.k_amp * (1.0 - u) * i2 / (K_I * K_I + i2)
          - DELTA_I * (1.0 + c) * i)
    repair = p.k_b / (1.0 + p.gamma_i * (1.0 - u) * i) + p.emollient
    db = repair * (1.0 - b) - (p.delta_b + p.delta_s * s) * b
    ds = (i2 / (K_S * K_S + i2) - s) / p.tau_s
    return di, db, ds


def initial_itch(i):
    """The itch that :func:`simulate` starts from for starting inflammation ``i`` (its steady value)."""
    return _quasi_steady_itch(i)


def _jac(t, y, p, load, c, u):
    """Analytic Jacobian of :func:`rhs` (used by the solver and by :func:`jacobian`)."""
    i, b, s = (float(v) for v in y)
    den = 1.0 + p.gamma_b * b
    p_in = load / den
    dhp = 2 * p_in * K_P ** 2 / (K_P ** 2 + p_in ** 2) ** 2   # d hill(P_in)/d P_in
    dpin_db = -load * p.gamma_b / den ** 2
    dhi = 2 * i * K_I ** 2 / (K_I ** 2 + i ** 2) ** 2
    dhs = 2 * i * K_S ** 2 / (K_S ** 2 + i ** 2) ** 2
    g = p.gamma_i * (1.0 - u)
    repair = p.k_b / (1.0 + g * i) + p.emollient
    return np.array([
        [p.k_amp * (1 - u) * dhi - DELTA_I * (1 + c), p.k_in * dhp * dpin_db, 0.0],
        [-p.k_b * g / (1 + g * i) ** 2 * (1 - b), -repair - (p.delta_b + p.delta_s * s), -p.delta_s * b],
        [dhs / p.tau_s, 0.0, -1.0 / p.tau_s],
    ])


def _fast(p):
    """The same right-hand side and Jacobian as :func:`rhs` and :func:`_jac`, as closures over the
    parameter values (about 2.5 times faster per call; the solver calls them thousands of times).
    tests/test_th2.py checks that they agree with ``rhs`` and ``_jac``."""
    k_in, k_amp, gb, kb, gi = p.k_in, p.k_amp, p.gamma_b, p.k_b, p.gamma_i
    em, db, dsc, ts = p.emollient, p.delta_b, p.delta_s, p.tau_s
    kp2, ki2, ks2 = K_P * K_P, K_I * K_I, K_S * K_S

    def f(t, y, load, c, u):
        i, b, s = y.tolist()
        p_in = load / (1.0 + gb * b)
        p2, i2 = p_in * p_in, i * i
        return [k_in * p2 / (kp2 + p2) + k_amp * (1.0 - u) * i2 / (ki2 + i2) - DELTA_I * (1.0 + c) * i,
                (kb / (1.0 + gi * (1.0 - u) * i) + em) * (1.0 - b) - (db + dsc * s) * b,
                (i2 / (ks2 + i2) - s) / ts]

    def jac(t, y, load, c, u):
        i, b, s = y.tolist()
        den = 1.0 + gb * b
        p_in = load / den
        dhp = 2 * p_in * kp2 / (kp2 + p_in * p_in) ** 2
        g = gi * (1.0 - u)
        return [[k_amp * (1 - u) * 2 * i * ki2 / (ki2 + i * i) ** 2 - DELTA_I * (1 + c),
                 k_in * dhp * (-load * gb / (den * den)), 0.0],
                [-kb * g / (1 + g * i) ** 2 * (1 - b), -(kb / (1.0 + g * i) + em) - (db + dsc * s), -dsc * b],
                [2 * i * ks2 / (ks2 + i * i) ** 2 / ts, 0.0, -1.0 / ts]]

    return f, jac


# ----------------------------------------------------------------- schedules

def _check_number(func, name, value, lo, hi, unit):
    return check_argument(f"th2.{func}", name, value, lo, hi, unit)


def schedule(p: Params, days: float):
    """The piecewise-constant inputs: a list of ``(t0, t1, load, topical, blockade)`` segments."""
    cuts = {0.0, float(days)}
    if p.trigger_days > 0 and p.trigger_load > 0:
        cuts |= {p.trigger_start, p.trigger_start + p.trigger_days}
    if p.topical > 0:
        end = p.topical_start + p.topical_days
        cuts |= {p.topical_start, end}
        if 0 < p.topical_weekly < 7:
            k = 0
            while end + 7 * k < days:
                cuts |= {end + 7 * k, end + 7 * k + p.topical_weekly}
                k += 1
    if p.il4ra > 0 and p.il4ra_days > 0:
        cuts |= {p.il4ra_start, p.il4ra_start + p.il4ra_days}
    # round the switch times to 1e-9 day so a switch a hair's breadth from an output time
    # (2 - 2e-16) cannot leave the solver a zero-length step
    ts = sorted({round(t, 9) for t in cuts if 0.0 <= t <= days})
    segs = []
    for t0, t1 in zip(ts[:-1], ts[1:]):
        if t1 - t0 < 1e-9:
            continue
        mid = 0.5 * (t0 + t1)
        segs.append((t0, t1, load_at(p, mid), topical_at(p, mid), blockade_at(p, mid)))
    return segs


def load_at(p: Params, t: float) -> float:
    """Environmental load on day ``t`` (the trigger replaces the baseline while it lasts)."""
    if p.trigger_days > 0 and p.trigger_load > 0 and p.trigger_start <= t < p.trigger_start + p.trigger_days:
        return p.trigger_load
    return p.p_env


def topical_at(p: Params, t: float) -> float:
    """Topical strength on day ``t``: the daily course, then ``topical_weekly`` days of each week."""
    if p.topical <= 0 or t < p.topical_start:
        return 0.0
    end = p.topical_start + p.topical_days
    if t < end:
        return p.topical
    if p.topical_weekly >= 7 or (p.topical_weekly > 0 and (t - end) % 7 < p.topical_weekly):
        return p.topical
    return 0.0


def inputs_at(p: Params, t) -> np.ndarray:
    """Load, topical strength and blockade in force at each time in ``t`` (rows of a 3 x len(t) array)."""
    t = np.asarray(t, dtype=float)
    load = np.full(t.shape, p.p_env)
    if p.trigger_days > 0 and p.trigger_load > 0:
        load[(t >= p.trigger_start) & (t < p.trigger_start + p.trigger_days)] = p.trigger_load
    topical = np.zeros(t.shape)
    if p.topical > 0:
        end = p.topical_start + p.topical_days
        on = (t >= p.topical_start) & (t < end)
        if p.topical_weekly >= 7:
            on |= t >= end
        elif p.topical_weekly > 0:
            on |= (t >= end) & (np.mod(t - end, 7.0) < p.topical_weekly)
        topical[on] = p.topical
    blockade = np.where((p.il4ra > 0) & (t >= p.il4ra_start) & (t < p.il4ra_start + p.il4ra_days), p.il4ra, 0.0)
    return np.vstack([load, topical, blockade])


def blockade_at(p: Params, t: float) -> float:
    """Fraction of IL-4Rα blocked on day ``t``."""
    if p.il4ra > 0 and p.il4ra_start <= t < p.il4ra_start + p.il4ra_days:
        return p.il4ra
    return 0.0


# ----------------------------------------------------------------- simulation

def _quasi_steady_itch(i):
    return _hill2(i, K_S)


def simulate(params: Params, days: float = 120.0, points_per_day: int = 4) -> pd.DataFrame:
    """Simulate ``days`` days; one row every ``1/points_per_day`` day.

    Itch starts at the value that matches the starting inflammation. Columns:
    day, load, topical, blockade (the inputs in force), inflammation, barrier, itch.
    """
    _check_number("simulate", "days", days, *DAYS_RANGE, "days")
    if isinstance(points_per_day, bool) or not isinstance(points_per_day, int) or not 1 <= points_per_day <= 24:
        raise ValueError(f"th2.simulate: points_per_day={points_per_day!r} is outside [1, 24] "
                         "(whole number of output rows per day)")
    p = params
    n = int(round(days * points_per_day))
    t_out = np.linspace(0.0, days, n + 1)
    y = np.array([p.i0, p.b0, _quasi_steady_itch(p.i0)], dtype=float)
    out = np.empty((3, t_out.size))
    out[:, 0] = y
    f, jac = _fast(p)
    for t0, t1, load, c, u in schedule(p, days):
        # LSODA (odeint: the same Fortran solver as solve_ivp(method="LSODA"), without its per-step
        # Python overhead), restarted at every switch of load or treatment
        mask = (t_out > t0) & (t_out <= t1)
        times = np.concatenate(([t0], t_out[mask]))
        if times[-1] < t1:
            times = np.append(times, t1)       # always get the state at the segment's end
        sol, info = odeint(f, y, times, args=(load, c, u), Dfun=jac, tfirst=True,
                           rtol=1e-6, atol=1e-8, full_output=True)
        if info["message"] != "Integration successful.":  # pragma: no cover - smooth system
            raise RuntimeError(f"th2.simulate: the solver failed between day {t0:g} and {t1:g}: "
                               f"{info['message']}")
        if mask.any():
            out[:, mask] = sol[1:1 + mask.sum()].T
        y = sol[-1].copy()
    inputs = inputs_at(p, t_out)
    out = _remove_roundoff(out)
    df = pd.DataFrame({"day": t_out, "load": inputs[0], "topical": inputs[1], "blockade": inputs[2],
                       "inflammation": out[0], "barrier": out[1], "itch": out[2]})
    df.attrs["units"] = {"day": "day", **{k: v[0] for k, v in OUTPUTS.items()}}
    df.attrs["model"] = "th2"
    return df


#: solver round-off tolerated outside [0, 1] / [0, I_MAX]; anything larger is a real error and is kept
ROUNDOFF = 1e-7


def _remove_roundoff(out):
    lo = np.array([[0.0], [0.0], [0.0]])
    hi = np.array([[I_MAX], [1.0], [1.0]])
    small = ((out < lo) & (out > lo - ROUNDOFF)) | ((out > hi) & (out < hi + ROUNDOFF))
    return np.where(small, np.clip(out, lo, hi), out)


def validate(df: pd.DataFrame) -> None:
    check_outputs(df, OUTPUTS, "th2")


# ----------------------------------------------------------------- analysis

def barrier_at_rest(p: Params, i, u: float = 0.0):
    """Barrier at steady state for a given inflammation ``i`` (itch at its steady value)."""
    i = np.asarray(i, dtype=float)
    repair = p.k_b / (1.0 + p.gamma_i * (1.0 - u) * i) + p.emollient
    return repair / (repair + p.delta_b + p.delta_s * _hill2(i, K_S))


def _net_rate(p: Params, i, load, c=0.0, u=0.0):
    """dI/dt on the slow manifold (B and S at their steady values for this I)."""
    b = barrier_at_rest(p, i, u)
    p_in = load / (1.0 + p.gamma_b * b)
    return p.k_in * _hill2(p_in, K_P) + p.k_amp * (1.0 - u) * _hill2(i, K_I) - DELTA_I * (1.0 + c) * i


def equilibria_on_grid(p: Params, loads, topical: float = 0.0, blockade: float = 0.0, n_grid: int = 1200):
    """Every equilibrium inflammation for each load in ``loads``, found all at once.

    At a fixed point itch and barrier are functions of I (see :func:`barrier_at_rest`), so the
    fixed points are the roots in I of one equation. They are bracketed by sign changes on a
    grid of ``n_grid`` values and refined by 45 bisection steps, vectorised over all loads.
    Returns ``(index, inflammation)``: the index into ``loads`` of each root, and the root.
    """
    return _roots(p, loads, topical, blockade, n_grid)


def _roots(p, loads, c=0.0, u=0.0, n_grid=1200, chunk=100):
    """All roots in I of the 1-D equilibrium equation, for each load (vectorised bracketing + bisection).

    Loads are processed ``chunk`` at a time so that the grid stays small in memory (about 1 MB).
    """
    loads = np.atleast_1d(np.asarray(loads, dtype=float))
    # equilibria satisfy I <= (k_in + k_amp)/(delta_I (1 + c)); the grid covers [0, that bound]
    grid = np.linspace(0.0, (p.k_in + p.k_amp) / (DELTA_I * (1 + c)) + 1e-6, n_grid)
    rows, cols = [], []
    for start in range(0, loads.size, chunk):
        f = _net_rate(p, grid[None, :], loads[start:start + chunk, None], c, u)
        row, col = np.nonzero(np.sign(f[:, :-1]) * np.sign(f[:, 1:]) <= 0)
        keep = ~((f[row, col] == 0) & (col > 0))  # a root exactly on a grid point is counted once
        rows.append(row[keep] + start)
        cols.append(col[keep])
    row, col = np.concatenate(rows), np.concatenate(cols)
    a, b = grid[col].copy(), grid[col + 1].copy()
    la = loads[row]
    fa = _net_rate(p, a, la, c, u)
    for _ in range(45):
        m = 0.5 * (a + b)
        fm = _net_rate(p, m, la, c, u)
        left = np.sign(fm) == np.sign(fa)
        a = np.where(left, m, a)
        fa = np.where(left, fm, fa)
        b = np.where(left, b, m)
    return row, 0.5 * (a + b)


def jacobian(params: Params, state, load=None, topical: float = 0.0, blockade: float = 0.0) -> np.ndarray:
    """The 3x3 Jacobian of (I, B, S) at ``state`` (analytic)."""
    load = params.p_env if load is None else load
    return _jac(0.0, np.asarray(state, dtype=float), params, load, topical, blockade)


def residual(params: Params, state, load=None, topical: float = 0.0, blockade: float = 0.0) -> float:
    """Largest absolute time derivative at ``state``: 0 at a fixed point."""
    load = params.p_env if load is None else load
    return float(np.max(np.abs(rhs(0.0, np.asarray(state, dtype=float), params, load, topical, blockade))))


def steady_states(params: Params, load=None, topical: float = 0.0, blockade: float = 0.0) -> pd.DataFrame:
    """Every fixed point at one environmental load, with its stability from the Jacobian.

    Columns: inflammation, barrier, itch, stable (all eigenvalues have negative
    real part), max_eigenvalue (largest real part, 1/day), kind
    ("controlled", "inflamed" or "threshold" for the saddle between them),
    residual (largest |derivative| there). Sorted by inflammation.
    """
    load = params.p_env if load is None else load
    _check_number("steady_states", "load", load, 0.0, 3.0, "relative load")
    _check_number("steady_states", "topical", topical, 0.0, 5.0, "fold extra clearance")
    _check_number("steady_states", "blockade", blockade, 0.0, 0.95, "fraction blocked")
    _, i = _roots(params, [load], topical, blockade)
    rows = []
    for x in np.sort(i):
        state = np.array([x, float(barrier_at_rest(params, x, blockade)), _hill2(x, K_S)])
        ev = np.linalg.eigvals(jacobian(params, state, load, topical, blockade)).real.max()
        rows.append(dict(inflammation=state[0], barrier=state[1], itch=state[2], stable=bool(ev < 0),
                         max_eigenvalue=float(ev),
                         residual=residual(params, state, load, topical, blockade)))
    df = pd.DataFrame(rows, columns=["inflammation", "barrier", "itch", "stable", "max_eigenvalue", "residual"])
    df["kind"] = _kinds(df)
    df.attrs["units"] = {"inflammation": OUTPUTS["inflammation"][0], "barrier": "fraction intact",
                         "itch": "fraction of maximum", "stable": "", "max_eigenvalue": "1/day",
                         "residual": "per day", "kind": ""}
    return df


def _kinds(df):
    kinds = []
    stable = list(df["stable"])
    for k, s in enumerate(stable):
        if not s:
            kinds.append("threshold")
        elif len(stable) == 1:
            kinds.append("controlled" if df["inflammation"].iloc[k] < 0.5 else "inflamed")
        else:
            kinds.append("controlled" if k == 0 else "inflamed")
    return kinds


def bifurcation(params: Params, loads=None, topical: float = 0.0, blockade: float = 0.0) -> pd.DataFrame:
    """Steady states against environmental load (one row per fixed point per load).

    Columns: load, inflammation, barrier, itch, stable. Stability is from the
    eigenvalues of the Jacobian at each point.
    """
    loads = np.linspace(0.0, 3.0, 301) if loads is None else np.asarray(loads, dtype=float)
    if loads.ndim != 1 or loads.size == 0 or not np.all(np.isfinite(loads)) \
            or loads.min() < 0 or loads.max() > 3:
        raise ValueError("th2.bifurcation: loads must be a 1-D array of values in [0, 3] (relative load)")
    _check_number("bifurcation", "topical", topical, 0.0, 5.0, "fold extra clearance")
    _check_number("bifurcation", "blockade", blockade, 0.0, 0.95, "fraction blocked")
    row, i = _roots(params, loads, topical, blockade)
    load = loads[row]
    b = barrier_at_rest(params, i, blockade)
    s = _hill2(i, K_S)
    # stability on the slow manifold: fast S is always stable, so use the sign of d(net rate)/dI;
    # the tests check this against the full 3x3 Jacobian
    h = 1e-6
    slope = (_net_rate(params, i + h, load, topical, blockade)
             - _net_rate(params, i - h, load, topical, blockade)) / (2 * h)
    df = pd.DataFrame({"load": load, "inflammation": i, "barrier": b, "itch": s, "stable": slope < 0})
    df = df.sort_values(["load", "inflammation"], ignore_index=True)
    df.attrs["units"] = {"load": "relative load", "inflammation": OUTPUTS["inflammation"][0],
                         "barrier": "fraction intact", "itch": "fraction of maximum", "stable": ""}
    return df


def _load_for(p: Params, i, c=0.0, u=0.0):
    """The environmental load at which inflammation ``i`` is a steady state (NaN where no load >= 0 gives it).

    At a steady state barrier and itch are functions of I, and dI/dt = 0 can be solved for the load
    in closed form: the trigger term must supply what clearance takes away beyond self-amplification.
    """
    i = np.asarray(i, dtype=float)
    need = DELTA_I * (1.0 + c) * i - p.k_amp * (1.0 - u) * _hill2(i, K_I)
    r = need / p.k_in
    with np.errstate(divide="ignore", invalid="ignore"):
        p_in = K_P * np.sqrt(r / (1.0 - r))
        load = p_in * (1.0 + p.gamma_b * barrier_at_rest(p, i, u))
    return np.where((r >= 0) & (r < 1), load, np.nan)


def equilibrium_curve(params: Params, topical: float = 0.0, blockade: float = 0.0, n: int = 3001,
                      max_load: float = 3.0) -> pd.DataFrame:
    """Every steady state for every load, as one continuous curve followed along inflammation.

    Instead of solving for I at each load (which loses the two close roots next to a fold, where
    the threshold and a stable branch meet), the curve is followed along I: for each I there is
    exactly one load that makes it a steady state (:func:`_load_for`). Where the load rises with I
    the state is stable, where it falls it is the threshold; the folds, where the load turns back,
    are located to ~1e-10 in I and included, so neighbouring branches share their end point.

    Returns columns load, inflammation, barrier, itch, stable, branch ("controlled", "threshold",
    "inflamed") and fold (True at a fold point, which belongs to both branches it joins: it is
    repeated, once as the end of one branch and once as the start of the next). Loads above
    ``max_load`` are left out.
    """
    from scipy.optimize import brentq

    _check_number("equilibrium_curve", "topical", topical, 0.0, 5.0, "fold extra clearance")
    _check_number("equilibrium_curve", "blockade", blockade, 0.0, 0.95, "fraction blocked")
    p, c, u = params, topical, blockade
    top = (p.k_in + p.k_amp) / (DELTA_I * (1 + c))
    # near I = 0 the load grows like the square root of I: add a geometric grid there
    i = np.unique(np.concatenate((np.linspace(0.0, top, n), np.geomspace(1e-9, 0.05, 200))))
    n = i.size
    h = 1e-7

    def slope(x):
        return float((_load_for(p, x + h, c, u) - _load_for(p, x - h, c, u)) / (2 * h))

    load = _load_for(p, i, c, u)
    d = np.gradient(load, i)
    # a fold: the slope of load against I changes sign between neighbouring grid points
    ok = np.isfinite(d[:-1]) & np.isfinite(d[1:])
    ok[1:] &= np.isfinite(load[:-2])
    ok[:-1] &= np.isfinite(load[2:])
    folds = []
    for k in np.flatnonzero(ok & (np.sign(d[:-1]) != np.sign(d[1:]))):
        a, b = i[max(k - 1, 0)], i[min(k + 2, n - 1)]
        try:
            folds.append(brentq(slope, i[k], i[k + 1], xtol=1e-12))
        except ValueError:  # the sign change of the coarse gradient lies just outside [i_k, i_k+1]
            folds.append(brentq(slope, a, b, xtol=1e-12))
    fold_points = set(folds)
    # with no fold the curve is one stable branch: below I = 0.5 it is the controlled state, above it the
    # inflamed one (the same rule as the trigger explorer's outcome), so it is split there, without a fold
    edges = [0.0, *folds, top] if folds or top <= 0.5 else [0.0, 0.5, top]
    pieces = []
    for a, b in zip(edges[:-1], edges[1:]):
        x = np.concatenate(([a], i[(i > a) & (i < b)], [b]))
        lx = _load_for(p, x, c, u)
        ok = np.isfinite(lx)
        # a gap (no load >= 0 gives these I) splits a piece in two
        for run in np.split(np.arange(x.size), np.flatnonzero(np.diff(ok.astype(int)) != 0) + 1):
            if ok[run[0]] and run.size >= 2:
                pieces.append((x[run], lx[run], run[0] == 0 and a in fold_points,
                               run[-1] == x.size - 1 and b in fold_points))
    rows = []
    seen_threshold = False
    for x, lx, fold_start, fold_end in pieces:
        rising = bool(lx[-1] > lx[0])
        if not rising:
            kind, seen_threshold = "threshold", True
        elif seen_threshold:
            kind = "inflamed"
        else:
            kind = "controlled" if (folds or x[len(x) // 2] < 0.5) else "inflamed"  # no folds: split at 0.5
        # end a branch exactly at max_load (not at the last grid point below it)
        over = np.flatnonzero(np.diff(np.sign(lx - max_load)) != 0)
        if over.size:
            k = over[0]
            xc = brentq(lambda v: float(_load_for(p, v, c, u)) - max_load, x[k], x[k + 1], xtol=1e-12)
            x, lx = np.insert(x, k + 1, xc), np.insert(lx, k + 1, max_load)
        fold = np.zeros(x.size, dtype=bool)
        fold[0], fold[-1] = fold_start, fold_end
        rows.append(pd.DataFrame({"load": lx, "inflammation": x, "stable": rising, "branch": kind, "fold": fold}))
    df = pd.concat(rows, ignore_index=True)
    df = df[np.isfinite(df["load"]) & (df["load"] <= max_load)].reset_index(drop=True)
    df.insert(2, "barrier", barrier_at_rest(p, df["inflammation"].to_numpy(), u))
    df.insert(3, "itch", _hill2(df["inflammation"].to_numpy(), K_S))
    df.attrs["units"] = {"load": "relative load", "inflammation": OUTPUTS["inflammation"][0],
                         "barrier": "fraction intact", "itch": "fraction of maximum", "stable": "",
                         "branch": "", "fold": ""}
    return df


def folds(params: Params, topical: float = 0.0, blockade: float = 0.0) -> list[float]:
    """The loads of the fold points (where a stable state meets the threshold), lowest first; [] if none."""
    curve = equilibrium_curve(params, topical, blockade)
    return sorted({round(float(x), 12) for x in curve.loc[curve["fold"], "load"]})


def bistable_window(params: Params, topical: float = 0.0, blockade: float = 0.0, resolution: float = 0.002):
    """The range of environmental load with two stable states: ``(low, high)``, or None if there is none.

    Below ``low`` only the controlled state exists (a flare resolves by itself);
    above ``high`` only the inflamed state exists.
    """
    loads = np.arange(0.0, 3.0 + resolution / 2, resolution)
    bif = bifurcation(params, loads, topical, blockade)
    n_stable = bif[bif["stable"]].groupby("load").size()
    two = n_stable[n_stable >= 2]
    if two.empty:
        return None
    return float(two.index.min()), float(two.index.max())


def nullclines(params: Params, load=None, topical: float = 0.0, blockade: float = 0.0, n: int = 400):
    """Nullclines in the (inflammation, barrier) plane, itch at its steady value for each I.

    Returns a DataFrame with columns inflammation, barrier_nullcline (where dB/dt = 0)
    and inflammation_nullcline (the barrier value where dI/dt = 0, NaN where no barrier
    value in [0, 1] gives dI/dt = 0).
    """
    load = params.p_env if load is None else load
    p = params
    i = np.linspace(0.0, 1.5, n)
    b_null = barrier_at_rest(p, i, blockade)
    need = DELTA_I * (1 + topical) * i - p.k_amp * (1 - blockade) * _hill2(i, K_I)   # what the trigger must supply
    r = need / p.k_in
    with np.errstate(divide="ignore", invalid="ignore"):
        x = K_P * np.sqrt(r / (1 - r))           # P_in that gives hill(P_in) = r
        b = (load / x - 1.0) / p.gamma_b
    ok = (r > 0) & (r < 1) & (b >= 0) & (b <= 1) & np.isfinite(b)
    df = pd.DataFrame({"inflammation": i, "barrier_nullcline": b_null,
                       "inflammation_nullcline": np.where(ok, b, np.nan)})
    df.attrs["units"] = {"inflammation": OUTPUTS["inflammation"][0], "barrier_nullcline": "fraction intact",
                         "inflammation_nullcline": "fraction intact"}
    return df


def ramp(params: Params, low: float = 0.2, high: float = 1.6, days: float = 2000.0, points: int = 401) -> pd.DataFrame:
    """Raise the environmental load slowly from ``low`` to ``high`` and back (a triangle over ``days``).

    Returns day, load, inflammation, barrier, itch and phase ("up" or "down").
    Treatments and triggers in ``params`` are ignored.
    """
    _check_number("ramp", "low", low, 0.0, 3.0, "relative load")
    _check_number("ramp", "high", high, 0.0, 3.0, "relative load")
    _check_number("ramp", "days", days, 10.0, 20000.0, "days")
    if not low < high:
        raise ValueError(f"th2.ramp: low={low!r} must be below high={high!r} (relative load)")
    half = days / 2

    def load(t):
        return low + (high - low) * (t / half if t <= half else (days - t) / half)

    p = params
    ss = steady_states(p, load=low)
    y0 = ss.iloc[0][["inflammation", "barrier", "itch"]].to_numpy(dtype=float)
    t = np.linspace(0.0, days, points)
    sol = solve_ivp(lambda tt, y: rhs(tt, y, p, load(tt), 0.0, 0.0), (0.0, days), y0, method="LSODA",
                    t_eval=t, rtol=1e-7, atol=1e-9, max_step=days / 400)
    df = pd.DataFrame({"day": t, "load": [load(x) for x in t], "inflammation": sol.y[0],
                       "barrier": sol.y[1], "itch": sol.y[2],
                       "phase": np.where(t <= half, "up", "down")})
    df.attrs["units"] = {"day": "day", "load": "relative load", "inflammation": OUTPUTS["inflammation"][0],
                         "barrier": "fraction intact", "itch": "fraction of maximum", "phase": ""}
    return df


def final_state(params: Params, days: float = 120.0) -> str:
    """Where the skin is at the end of a simulation: "controlled" (inflammation below 0.5) or "inflamed"."""
    end = simulate(params, days=days, points_per_day=1).iloc[-1]
    return "inflamed" if end["inflammation"] > 0.5 else "controlled"
