"""The skin microbiome: *S. aureus*, commensal staphylococci and the barrier.

One patch of skin holds three state variables:

* ``a``: *Staphylococcus aureus* (fraction of the skin's carrying capacity, 0-1);
* ``e``: commensal staphylococci such as *S. epidermidis* (fraction of capacity, 0-1);
* ``b``: barrier integrity (1 intact, 0 fully broken).

The equations (time in days) are our own implementation, written from the
equations printed in the paper on the *S. aureus*-*S. epidermidis*-barrier model of Lee, Mannan,
Miyano, Irvine & Tanaka (2024), JID Innovations 4:100269,
doi:10.1016/j.xjidi.2024.100269. Their code is under a no-derivatives licence;
none of it is used here. In scaled form::

    s_E = e^n / (e^n + e_th^n)                                  commensal quorum-sensing (agr) switch
    s_A = a^n / (a^n + [a_th (1 + gamma_ae s_E e)]^n)            S. aureus agr switch, raised by commensals
    da/dt = kappa_a/(1 + R gamma_ab b) (1 - a) a - (delta_0 + delta_ae s_E e/(s_E e + e_pth)) a + nu
    de/dt = kappa_e/(1 + R gamma_eb b) (1 - e) e - (delta_0 + delta_ea s_A a/(s_A a + a_pth)) e + nu
    db/dt = kappa_b (1 - b) - (delta_ba s_A a + delta_be s_E e + inflammation) b

Growth of both populations is slowed by an intact barrier (the ``1 + gamma b``
terms). Commensals with their agr switch on kill *S. aureus* (their
antimicrobial peptides, Nakatsuji et al. 2017) and *S. aureus* with its switch
on kills commensals and damages the barrier (toxins and proteases).
``inflammation`` is an input: extra barrier damage per day from type-2
inflammation (notebook 02), which makes the skin a better habitat for
*S. aureus* through the barrier terms.

Treatments:

* **baths** (antiseptic, e.g. dilute bleach, as tested in trials): at each bath
  both populations are multiplied by ``10**-log_kill`` (an instantaneous kill
  pulse: the exposure lasts minutes, the dynamics days); with ``targeted = 1``
  the kill spares commensals (an *S. aureus*-targeted therapy);
* **a stronger barrier brake** (``barrier_brake``; not a change of ``b``): from the
  first bath on, the barrier's brake on bacterial
  growth (``gamma_ab``, ``gamma_eb``) is multiplied by ``R = barrier_brake``
  (the "dual-action" treatment of Lee et al. 2024: a less friendly habitat
  at the same barrier integrity).

What we simplified (and say so in notebook 03): smooth switches (Hill
exponent ``n = 10``) instead of on/off steps; populations scaled to their
carrying capacity; a small constant reseeding ``nu = 1e-6`` per day so that a
population can come back from near zero; no immune cells, antimicrobial
peptides of the host or skin pH as variables; one patch of skin, two species,
no space.

Parameter values: ranges are the sampling ranges of Lee et al. 2024, scaled;
the defaults are the log-midpoints of those ranges, except ``gamma_eb``. They
are **illustrative**: chosen to show the model's behaviour, not measured in any
patient. ``gamma_eb`` (the barrier's brake on commensals) is 400, not the
log-midpoint 558: at 558 commensal growth on intact skin (15/559 = 0.027 per
day) is below shedding (0.0289 per day), so the only healthy state at the
defaults would be nearly bacteria-free. At 400 (15/401 = 0.037 per day)
commensals hold about 23 % of capacity on intact skin, agr on, as healthy skin
carries commensal staphylococci. The damaged state and the bath thresholds do
not change (tests/test_microbiome.py).

Kill pulses make the equations non-smooth, so :func:`simulate` integrates
piecewise between events (LSODA, through ``scipy.integrate.odeint``, whose
stepping loop runs in compiled code: about 7 times faster on a 12-week interval
here than ``solve_ivp(method="LSODA")``, which steps in Python) and applies each kill as a
jump. The populations are integrated as logarithms, which keeps them positive
and accurate over the many orders of magnitude a kill spans.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from scipy.integrate import odeint

from ._contract import ModelParams, check_argument, check_outputs, param

__all__ = ["Params", "simulate", "OUTPUTS", "rhs", "jacobian", "steady_state", "bath_days",
           "time_average", "settle", "outcome", "validate", "HILL", "RESEEDING", "DAMAGED", "HEALTHY",
           "agr_active", "log_rates"]

#: steepness of the smooth agr switches (Lee et al. 2024 use on/off steps)
HILL = 10
#: reseeding from the surroundings, fraction of capacity per day (illustrative)
RESEEDING = 1e-6
#: solver overshoot beyond [0, 1] that is put back (ten times the relative tolerance)
ROUND_OFF = 1e-5
#: days a run is continued, untreated, to see where it settles (:func:`outcome`)
SETTLE_DAYS = 365.0
#: a population is "cleared"/"dominant" when below/above these fractions (for :func:`outcome`)
_DOMINANT = 0.5

OUTPUTS = {
    "s_aureus": ("fraction of carrying capacity", 0.0, 1.0),
    "commensals": ("fraction of carrying capacity", 0.0, 1.0),
    "barrier": ("integrity (0 broken, 1 intact)", 0.0, 1.0),
    "sa_share": ("fraction of staphylococci", 0.0, 1.0),
}

_ILL = "Illustrative value (log-midpoint of the range sampled by Lee et al. 2024)."


@dataclasses.dataclass(frozen=True)
class Params(ModelParams):
    """Parameters of the skin-microbiome model (time in days; populations as fractions of capacity)."""

    model = "microbiome"

    # --- bacteria and barrier (Lee et al. 2024 ranges, scaled) ----------------
    kappa_a: float = param(15.0, 9.0, 27.0, step=1.0, unit="/day", label="S. aureus growth",
                           meaning=f"maximum growth rate of S. aureus on fully broken skin. {_ILL}")
    kappa_e: float = param(15.0, 9.0, 27.0, step=1.0, unit="/day", label="commensal growth",
                           meaning=f"maximum growth rate of commensals on fully broken skin. {_ILL}")
    gamma_ab: float = param(587.0, 58.7, 5870.0, step=1.0, unit="per unit barrier",
                            label="barrier brake on S. aureus",
                            meaning=f"how strongly an intact barrier slows S. aureus growth. {_ILL}")
    gamma_eb: float = param(400.0, 55.8, 5580.0, step=1.0, unit="per unit barrier",
                            label="barrier brake on commensals",
                            meaning="how strongly an intact barrier slows commensal growth. Illustrative value "
                                    "inside the range sampled by Lee et al. 2024 (log-midpoint 558), lowered so "
                                    "that commensals can live on intact skin (see the module docstring).")
    delta_0: float = param(0.0289, 0.00289, 0.289, step=0.001, unit="/day", label="shedding",
                           meaning=f"baseline loss of both populations (e.g. shedding of skin cells). {_ILL}")
    delta_ae: float = param(47.8, 4.78, 478.0, step=0.1, unit="/day", label="commensals kill S. aureus",
                            meaning=f"maximum killing of S. aureus by commensals with agr on. {_ILL}")
    delta_ea: float = param(47.8, 4.78, 478.0, step=0.1, unit="/day", label="S. aureus kills commensals",
                            meaning=f"maximum killing of commensals by S. aureus with agr on. {_ILL}")
    a_th: float = param(0.1, 0.01, 1.0, step=0.01, unit="fraction of capacity", label="S. aureus agr threshold",
                        meaning=f"S. aureus density at which its agr switch is half on. {_ILL}")
    e_th: float = param(0.1, 0.01, 1.0, step=0.01, unit="fraction of capacity", label="commensal agr threshold",
                        meaning=f"commensal density at which their agr switch is half on. {_ILL}")
    a_pth: float = param(0.1, 0.01, 1.0, step=0.01, unit="fraction of capacity", label="S. aureus half-kill",
                         meaning=f"active S. aureus density giving half-maximal killing of commensals. {_ILL}")
    e_pth: float = param(0.1, 0.01, 1.0, step=0.01, unit="fraction of capacity", label="commensal half-kill",
                         meaning=f"active commensal density giving half-maximal killing of S. aureus. {_ILL}")
    gamma_ae: float = param(14.4, 1.44, 144.0, step=0.1, unit="per unit commensals",
                            label="commensals raise S. aureus agr threshold",
                            meaning=f"how much active commensals raise the S. aureus agr threshold. {_ILL}")
    kappa_b: float = param(0.0711, 0.00711, 0.711, step=0.001, unit="/day", label="barrier recovery",
                           meaning=f"rate at which a damaged barrier recovers. {_ILL}")
    delta_ba: float = param(1.11, 0.111, 11.1, step=0.01, unit="/day", label="S. aureus damage",
                            meaning=f"barrier damage by S. aureus with agr on (toxins, proteases). {_ILL}")
    delta_be: float = param(0.0, 0.0, 1.11, step=0.01, unit="/day", label="commensal damage",
                            meaning="barrier damage by commensals with agr on (0: harmless commensals). "
                                    "Illustrative value.")
    inflammation: float = param(0.0, 0.0, 0.05, step=0.005, unit="/day", label="inflammation",
                                meaning="input: extra barrier damage per day from type-2 inflammation. "
                                        "Illustrative value.")

    # --- where the patch of skin starts --------------------------------------
    a0: float = param(0.925, 1e-6, 1.0, step=0.001, unit="fraction of capacity", label="S. aureus at start",
                      meaning="S. aureus on the patch at day 0 (default: a flare, S. aureus dominant)")
    e0: float = param(1e-6, 1e-6, 1.0, step=0.001, unit="fraction of capacity", label="commensals at start",
                      meaning="commensals on the patch at day 0")
    b0: float = param(0.065, 0.0, 1.0, step=0.005, unit="integrity 0-1", label="barrier at start",
                      meaning="barrier integrity at day 0 (1 intact)")

    # --- treatment ------------------------------------------------------------
    start_day: float = param(7.0, 0.0, 28.0, step=1.0, unit="day", label="treatment starts",
                             meaning="day of the first bath; a stronger barrier brake (if set) is on from this day")
    n_baths: int = param(0, 0, 24, step=1, unit="baths", label="number of baths",
                         meaning="number of antiseptic baths in the course (0: no baths)")
    baths_per_week: int = param(2, 1, 7, step=1, unit="per week", label="baths per week",
                                meaning="how often the baths are taken, evenly spaced")
    log_kill: float = param(1.0, 0.0, 3.0, step=0.1, unit="log10 per bath", label="kill per bath",
                            meaning="bacteria killed by one bath: 1 means 90 %, 2 means 99 % "
                                    "(illustrative; not a measured value)")
    targeted: int = param(0, 0, 1, step=1, choices=(0, 1), unit="0 no, 1 yes",
                          label="spare commensals",
                          meaning="1: the kill hits S. aureus only (targeted); 0: it hits both (non-selective)")
    barrier_brake: float = param(1.0, 1.0, 50.0, step=1.0, unit="-fold", label="stronger barrier brake",
                                  meaning="factor multiplying the barrier's brake on bacterial growth "
                                          "(gamma_ab and gamma_eb) from the start of treatment (1: none; Lee et al. "
                                          "2024 used 20); it does not change barrier integrity b. Illustrative.")

    # --- a new encounter with S. aureus ---------------------------------------
    exposure: float = param(0.0, 0.0, 0.5, step=0.01, unit="fraction of capacity", label="S. aureus arrives",
                            meaning="S. aureus added to the patch on the exposure day (0: none)")
    exposure_day: float = param(28.0, 0.0, 84.0, step=1.0, unit="day", label="exposure day",
                                meaning="day on which the new S. aureus arrives")


# --------------------------------------------------------------------------- equations

def _rates(p: Params, brake: float):
    n = HILL
    g_ab, g_eb = brake * p.gamma_ab, brake * p.gamma_eb
    kappa_a, kappa_e, d0, d_ae, d_ea = p.kappa_a, p.kappa_e, p.delta_0, p.delta_ae, p.delta_ea
    a_th, e_th, a_pth, e_pth, g_ae = p.a_th, p.e_th, p.a_pth, p.e_pth, p.gamma_ae
    k_b, d_ba, d_be, d_x, nu = p.kappa_b, p.delta_ba, p.delta_be, p.inflammation, RESEEDING
    exp = math.exp

    def f(t, y):
        # y = (ln a, ln e, b); plain floats are faster than numpy for three states
        la, le, b = y[0], y[1], y[2]
        a, e = exp(la), exp(le)
        s_e = 1.0 / (1.0 + (e_th / e) ** n)
        ke = s_e * e
        s_a = 1.0 / (1.0 + (a_th * (1.0 + g_ae * ke) / a) ** n)
        ka = s_a * a
        return [kappa_a / (1.0 + g_ab * b) * (1.0 - a) - d0 - d_ae * ke / (ke + e_pth) + nu / a,
                kappa_e / (1.0 + g_eb * b) * (1.0 - e) - d0 - d_ea * ka / (ka + a_pth) + nu / e,
                k_b * (1.0 - b) - (d_ba * ka + d_be * ke + d_x) * b]

    return f


def agr_active(p, a, e):
    """Active (agr switched on) S. aureus and commensals, ``(s_A a, s_E e)``, vectorised.

    ``a``, ``e``: numbers or arrays (fractions of capacity, > 0). ``p``: a ``Params`` or any
    object with the same attribute names (values may be arrays). The same switches as in
    :func:`simulate`; the coupled model of notebook 05 uses ``s_A a`` for the toxins' effects.
    """
    a, e = np.asarray(a, dtype=float), np.asarray(e, dtype=float)
    with np.errstate(over="ignore", divide="ignore"):
        s_e = 1.0 / (1.0 + (p.e_th / e) ** HILL)
        ke = s_e * e
        s_a = 1.0 / (1.0 + (p.a_th * (1.0 + p.gamma_ae * ke) / a) ** HILL)
    return s_a * a, ke


def log_rates(p, la, le, b, brake=1.0, growth_a=1.0, habitat=None, active=None):
    """The equations of :func:`simulate`, vectorised: ``(d ln a/dt, d ln e/dt, db/dt)``.

    ``la``, ``le``: logarithms of the populations; ``b``: barrier integrity (numbers or arrays
    of one shape). ``p``: a ``Params`` or any object with the same attribute names (values may
    be arrays, one per virtual patient). Two optional inputs, used by the coupled model of
    notebook 05 and neutral at their defaults: ``growth_a`` multiplies the growth rate of
    S. aureus (``kappa_a``), and ``habitat`` is the barrier integrity that brakes bacterial
    growth (default: ``b`` itself). ``active``: the result of :func:`agr_active` for these
    populations, if the caller has it already. tests/test_coupled.py checks it against :func:`rhs`.
    """
    la, le, b = (np.asarray(x, dtype=float) for x in (la, le, b))
    a, e = np.exp(la), np.exp(le)
    ka, ke = agr_active(p, a, e) if active is None else active
    # a trial step of a solver can go far out (e.g. ln e = -800); the result is then inf or 0, which
    # the solver rejects, so numpy's warnings about it are silenced
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return _log_rates(p, la, le, b, a, e, ka, ke, brake, growth_a, habitat)


def _log_rates(p, la, le, b, a, e, ka, ke, brake, growth_a, habitat):
    hb = b if habitat is None else habitat
    dla = (p.kappa_a * growth_a / (1.0 + brake * p.gamma_ab * hb) * (1.0 - a) - p.delta_0
           - p.delta_ae * ke / (ke + p.e_pth) + RESEEDING * np.exp(-la))
    dle = (p.kappa_e / (1.0 + brake * p.gamma_eb * hb) * (1.0 - e) - p.delta_0
           - p.delta_ea * ka / (ka + p.a_pth) + RESEEDING * np.exp(-le))
    db = p.kappa_b * (1.0 - b) - (p.delta_ba * ka + p.delta_be * ke + p.inflammation) * b
    return dla, dle, db


def rhs(params: Params, state, brake: float | None = None) -> np.ndarray:
    """Time derivatives (da/dt, de/dt, db/dt) at ``state = (a, e, b)``, with no bath.

    ``brake`` is the factor on the barrier's brake (default 1, none).
    """
    return _rhs(params, _check_state(state, "rhs"), brake)


def _rhs(params, state, brake):
    a, e, b = state
    dla, dle, db = _rates(params, 1.0 if brake is None else float(brake))(0.0, [math.log(a), math.log(e), b])
    return np.array([dla * a, dle * e, db])


def jacobian(params: Params, state, brake: float | None = None) -> np.ndarray:
    """The 3x3 Jacobian of :func:`rhs` at ``state`` (central differences, relative step 1e-6)."""
    x = np.array(_check_state(state, "jacobian"), dtype=float)
    jac = np.empty((3, 3))
    for j in range(3):
        h = 1e-6 * max(abs(x[j]), 1e-6)
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (_rhs(params, up, brake) - _rhs(params, down, brake)) / (2 * h)
    return jac


def _check_state(state, func):
    try:
        a, e, b = (float(v) for v in state)
    except (TypeError, ValueError):
        raise ValueError(f"microbiome.{func}: state={state!r} is not three numbers (a, e, b)") from None
    for name, v, lo in (("a", a, 0.0), ("e", e, 0.0), ("b", b, 0.0)):
        if not (math.isfinite(v) and lo <= v <= 1.0) or (name != "b" and v <= 0):
            raise ValueError(f"microbiome.{func}: {name}={v!r} is outside "
                             f"{'[0, 1]' if name == 'b' else '(0, 1]'} "
                             f"({'integrity 0-1' if name == 'b' else 'fraction of carrying capacity'})")
    return a, e, b


# --------------------------------------------------------------------------- simulation

def bath_days(params: Params, days: float | None = None) -> np.ndarray:
    """Days on which baths are taken (within the first ``days`` days if given)."""
    times = params.start_day + np.arange(params.n_baths) * (7.0 / params.baths_per_week)
    return times if days is None else times[times < days]


def _check_arg(name, value, lo, hi, unit, meaning):
    return check_argument("microbiome.simulate", name, value, lo, hi, f"{unit}; {meaning}")


def simulate(params: Params, days: float = 84.0, points_per_day: int = 4) -> pd.DataFrame:
    """Follow the patch of skin for ``days`` days (default 12 weeks).

    Returns one row per output time: ``day``, ``s_aureus``, ``commensals``,
    ``barrier`` and ``sa_share`` (S. aureus / all staphylococci). Output
    times are ``points_per_day`` per day plus each bath and exposure day
    twice: just before and just after the event, so a kill shows as a
    vertical drop.
    """
    days = _check_arg("days", days, 1, 3650, "day", "length of the simulation")
    points_per_day = int(_check_arg("points_per_day", points_per_day, 1, 48, "per day",
                                    "output points per day"))
    p = params
    baths = bath_days(p, days)
    kill_a = p.log_kill * math.log(10.0)
    kill_e = 0.0 if p.targeted else kill_a
    exposed = p.exposure > 0 and p.exposure_day < days
    events = set(baths.tolist()) | ({p.exposure_day} if exposed else set()) \
        | ({p.start_day} if p.barrier_brake != 1 and p.start_day < days else set())
    edges = sorted(events | {0.0}) + [days]
    bath_set = set(baths.tolist())
    y = [math.log(p.a0), math.log(p.e0), p.b0]
    before, after = _rates(p, 1.0), (_rates(p, p.barrier_brake) if p.barrier_brake != 1 else None)
    grid = np.linspace(0.0, days, int(round(days * points_per_day)) + 1)
    ts, ys = [], []
    for t0, t1 in zip(edges[:-1], edges[1:]):
        # events at t0: kill first, then the new S. aureus
        if t0 in bath_set:
            y = [y[0] - kill_a, y[1] - kill_e, y[2]]
        if exposed and t0 == p.exposure_day:
            y = [math.log(min(1.0, math.exp(y[0]) + p.exposure)), y[1], y[2]]
        f = after if (after is not None and t0 >= p.start_day) else before
        inner = grid[(grid > t0 + 1e-6) & (grid < t1 - 1e-6)]
        t_eval = np.concatenate([[t0], inner, [t1]])
        if t1 - t0 < 1e-6:  # events closer than a tenth of a second: nothing happens between them
            ts.append(np.array([t0, t1]))
            ys.append(np.array([y, y]).T)
            continue
        sol, info = odeint(f, y, t_eval, tfirst=True, rtol=1e-6, atol=1e-8, full_output=True)
        if info["message"] != "Integration successful.":  # pragma: no cover - not seen on valid Params
            raise RuntimeError(f"microbiome.simulate: the solver failed ({info['message']})")
        ts.append(t_eval)
        ys.append(sol.T)
        y = list(sol[-1])
    t = np.concatenate(ts)
    yy = np.concatenate(ys, axis=1)
    a, e, b = (_round_off(x) for x in (np.exp(yy[0]), np.exp(yy[1]), yy[2]))
    df = pd.DataFrame({"day": t, "s_aureus": a, "commensals": e, "barrier": b, "sa_share": a / (a + e)})
    df.attrs["units"] = {"day": "day", **{k: v[0] for k, v in OUTPUTS.items()}}
    df.attrs["model"] = "microbiome"
    return df


def _round_off(x: np.ndarray) -> np.ndarray:
    """Put values within ROUND_OFF of [0, 1] back into [0, 1]; leave anything further out.

    The exact solution cannot leave [0, 1] (at b = 1, db/dt <= 0; at a = 1,
    da/dt < 0), but the solver's relative tolerance (1e-6) lets it overshoot
    by about that much. Larger excursions would be a real error, so they are
    left for :func:`validate` (and the property tests) to catch.
    """
    inside = (x >= -ROUND_OFF) & (x <= 1 + ROUND_OFF)
    return np.where(inside, np.clip(x, 0.0, 1.0), x)


def validate(df: pd.DataFrame) -> None:
    check_outputs(df, OUTPUTS, "microbiome")


# --------------------------------------------------------------------------- analysis

def time_average(df: pd.DataFrame, column: str = "s_aureus", start: float | None = None,
                 end: float | None = None) -> float:
    """Time average of ``column`` between days ``start`` and ``end`` (trapezoid rule).

    Jumps at baths are exact, because :func:`simulate` reports each event twice.
    """
    if column not in df.columns:
        raise ValueError(f"microbiome.time_average: column={column!r} is not one of {list(df.columns)}")
    start = df["day"].iloc[0] if start is None else start
    end = df["day"].iloc[-1] if end is None else end
    if not df["day"].iloc[0] <= start < end <= df["day"].iloc[-1]:
        raise ValueError(f"microbiome.time_average: need {df['day'].iloc[0]:g} <= start < end <= "
                         f"{df['day'].iloc[-1]:g} (day); got start={start!r}, end={end!r}")
    part = df[(df["day"] >= start) & (df["day"] <= end)]
    return float(np.trapezoid(part[column], part["day"]) / (part["day"].iloc[-1] - part["day"].iloc[0]))


def steady_state(params: Params, start=None, days: float = 3000.0) -> dict:
    """The steady state reached from ``start = (a, e, b)`` with no treatment.

    Integrates for ``days`` days (default about 8 years, long enough for the
    slow healthy state), then checks it: returns ``a``, ``e``, ``b``, the
    largest real part of the Jacobian's eigenvalues (``max_eig``, per day),
    ``stable`` (``max_eig < 0``) and ``residual`` (largest |derivative|).
    """
    start = (params.a0, params.e0, params.b0) if start is None else _check_state(start, "steady_state")
    quiet = params.replace(n_baths=0, exposure=0.0, barrier_brake=1.0,
                           a0=max(start[0], 1e-6), e0=max(start[1], 1e-6), b0=start[2])
    end = simulate(quiet, days=days, points_per_day=1).iloc[-1]
    state = (float(end["s_aureus"]), float(end["commensals"]), float(end["barrier"]))
    eig = np.linalg.eigvals(jacobian(params, state))
    return dict(a=state[0], e=state[1], b=state[2], max_eig=float(eig.real.max()),
                stable=bool(eig.real.max() < 0), residual=float(np.abs(rhs(params, state)).max()))


def settle(params: Params, df: pd.DataFrame, days: float = SETTLE_DAYS) -> tuple[float, float, float]:
    """Where the patch goes after a run ``df`` of ``params`` if nothing more happens.

    Continues from the last row of ``df`` for ``days`` more days with no baths
    and no new S. aureus (a stronger barrier brake stays on if it was on), and returns
    the final ``(a, e, b)``. A run can end half-way back to a flare (S. aureus
    regrowing but still below half of capacity); this tells where it is heading.
    """
    last = df.iloc[-1]
    brake = params.barrier_brake if last["day"] > params.start_day else 1.0
    y0 = [math.log(max(float(last["s_aureus"]), 1e-300)), math.log(max(float(last["commensals"]), 1e-300)),
          float(last["barrier"])]
    sol = odeint(_rates(params, brake), y0, [0.0, float(days)], tfirst=True, rtol=1e-6, atol=1e-8)
    return math.exp(sol[-1, 0]), math.exp(sol[-1, 1]), float(sol[-1, 2])


def outcome(params: Params, df: pd.DataFrame | None = None) -> str:
    """``"S. aureus dominant"`` or ``"S. aureus controlled"``: where the patch settles after the run.

    ``df`` is a run of ``params`` (default: ``simulate(params)``, 12 weeks);
    the patch is followed for :data:`SETTLE_DAYS` more days with no further
    treatment (see :func:`settle`), and S. aureus is dominant if it then holds
    at least half of the capacity. The two states are far apart (about 0.93
    vs under 0.01 at default values), so the cut-off of 0.5 is not delicate.
    """
    df = simulate(params) if df is None else df
    return "S. aureus dominant" if settle(params, df)[0] >= _DOMINANT else "S. aureus controlled"


#: start of a flare: the damaged state at default parameters (S. aureus dominant, barrier broken)
DAMAGED = dict(a0=0.925, e0=1e-6, b0=0.065)
#: calm skin with an active commensal community, when inflammation = 0.03 /day
HEALTHY = dict(a0=1e-6, e0=0.456, b0=0.703)
