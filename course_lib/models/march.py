"""The atopic march as a multi-state model of childhood, from birth to age 18.

Each child carries four yes/no labels at every age:

* **E**: eczema now (active atopic dermatitis);
* **W**: wheeze or asthma now;
* **R**: allergic rhinitis now;
* **S**: allergic sensitisation (IgE to an allergen), once acquired kept.

That gives 2 x 2 x 2 x 2 = 16 states of a continuous-time Markov chain. The
hazards (rates per year) depend on age in bands (0-1, 1-3, 3-5, 5-11 and
11-18 years) and are constant within a band, so the state probabilities are
propagated exactly with the matrix exponential of the generator,
``p(a + dt) = p(a) expm(Q dt)`` (``scipy.linalg.expm``).

The mechanism (the "dual-allergen exposure" idea, Lack 2008, J Allergy Clin
Immunol 121:1331-6, doi:10.1016/j.jaci.2008.04.032): while a child has
eczema, allergens meet immune cells through the inflamed skin, so the child
becomes sensitised at an extra rate (``skin_sensitisation``). Sensitised
children start wheeze and rhinitis at a higher hazard (``sensitised_hr``).
Setting either link to its null value (0 or 1) makes eczema irrelevant to later
wheeze and rhinitis: the chain then splits into independent parts.

For display the 16 states are grouped like the five latent states of the
published latent Markov model of four UK birth cohorts (Haider S et al. 2022,
Am J Respir Crit Care Med 206:950-960, doi:10.1164/rccm.202110-2418OC):
no disease, mainly eczema, mainly wheeze, mainly rhinitis, and multimorbidity
(two or more of E, W, R). Unlike Haider's model our states are observed labels,
not latent classes, and food allergy is not modelled (see the notebook's data
on food allergy and the LEAP trial).

ALL HAZARDS ARE ILLUSTRATIVE: hand-tuned by the course authors so that the
curves have the published shape (eczema highest in infancy and falling,
rhinitis rising through childhood, multimorbidity a minority), NOT estimated
from any dataset. The intervention (``treat_strength`` from ``treat_start``)
is a hypothetical "earlier, better eczema control"; no trial has shown that it
changes asthma or rhinitis.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd
from scipy.linalg import expm

from ._contract import ModelParams, check_outputs, param

#: ages where the (illustrative) baseline hazards change, in years
BAND_EDGES = (0.0, 1.0, 3.0, 5.0, 11.0, 18.0)
#: output grid step, years
DT = 0.25
MAX_AGE = 18.0

#: illustrative shape of the baseline hazards over the five age bands (per year)
#: eczema onset: relative to the first-year hazard ``eczema_onset``
ECZEMA_ONSET_SHAPE = np.array([1.0, 0.30, 0.20, 0.12, 0.10])
WHEEZE_ONSET = np.array([0.10, 0.05, 0.025, 0.012, 0.012])
WHEEZE_REMISSION = np.array([0.45, 0.40, 0.25, 0.15, 0.12])
RHINITIS_ONSET = np.array([0.004, 0.020, 0.020, 0.014, 0.006])
RHINITIS_REMISSION = np.array([0.05, 0.05, 0.05, 0.05, 0.05])
BACKGROUND_SENSITISATION = np.array([0.025, 0.025, 0.025, 0.025, 0.025])

#: the four labels, in the bit order of the state index (E = bit 0, W = bit 1, ...)
LABELS = ("eczema", "wheeze", "rhinitis", "sensitised")
#: the five display groups (Haider 2022 latent states)
GROUPS = ("none", "mainly_eczema", "mainly_wheeze", "mainly_rhinitis", "multimorbid")
GROUP_NAMES = {"none": "no disease", "mainly_eczema": "mainly eczema", "mainly_wheeze": "mainly wheeze",
               "mainly_rhinitis": "mainly rhinitis", "multimorbid": "multimorbidity"}

N_STATES = 16
_BITS = np.array([[(s >> k) & 1 for k in range(4)] for s in range(N_STATES)])  # (16, 4)


def _group_of(state: int) -> int:
    e, w, r, _ = _BITS[state]
    n = e + w + r
    if n == 0:
        return 0
    if n >= 2:
        return 4
    return 1 if e else (2 if w else 3)


#: display group (0..4) of each of the 16 states
GROUP_OF_STATE = np.array([_group_of(s) for s in range(N_STATES)])
MULTIMORBID_STATES = np.flatnonzero(GROUP_OF_STATE == 4)

OUTPUTS = {
    "p_none": ("probability", 0.0, 1.0),
    "p_mainly_eczema": ("probability", 0.0, 1.0),
    "p_mainly_wheeze": ("probability", 0.0, 1.0),
    "p_mainly_rhinitis": ("probability", 0.0, 1.0),
    "p_multimorbid": ("probability", 0.0, 1.0),
    "eczema": ("probability", 0.0, 1.0),
    "wheeze": ("probability", 0.0, 1.0),
    "rhinitis": ("probability", 0.0, 1.0),
    "sensitised": ("probability", 0.0, 1.0),
}

_ILL = "ILLUSTRATIVE value, not estimated from data"


@dataclasses.dataclass(frozen=True)
class Params(ModelParams):
    """Hazards of the atopic-march model (all illustrative) and the hypothetical intervention."""

    model = "march"

    eczema_onset: float = param(
        0.22, 0.0, 0.6, step=0.01, unit="per year", label="eczema onset, first year",
        meaning=f"hazard of eczema starting in the first year of life (later years scaled down); {_ILL}")
    eczema_remission: float = param(
        0.30, 0.05, 1.5, step=0.05, unit="per year", label="eczema remission",
        meaning=f"hazard of active eczema clearing (1/remission = mean duration of an episode); {_ILL}")
    skin_sensitisation: float = param(
        0.3, 0.0, 2.0, step=0.05, unit="per year", label="sensitisation through eczema skin",
        meaning=f"extra hazard of allergic sensitisation while eczema is active (0 = no skin route: eczema then "
                f"no longer changes later risks); {_ILL}")
    sensitised_hr: float = param(
        3.0, 1.0, 8.0, step=0.25, unit="x (hazard ratio)", label="risk raised by sensitisation",
        meaning=f"how many times faster sensitised children start wheeze and rhinitis than unsensitised "
                f"ones (a hazard ratio: the ratio of their rates per year; 1 = no effect); {_ILL}")
    treat_start: float = param(
        0.5, 0.0, 10.0, step=0.25, unit="years of age", label="intervention starts at age",
        meaning="age from which the hypothetical eczema intervention acts (until 18)")
    treat_strength: float = param(
        0.0, 0.0, 0.9, step=0.05, unit="fraction", label="intervention strength",
        meaning="hypothetical intervention: eczema remission x (1 + 2 x strength) and skin sensitisation "
                f"x (1 - strength); 0 = no intervention; {_ILL}")


def _band_hazards(p: Params, band: int, treated: bool) -> dict:
    remission = p.eczema_remission
    skin = p.skin_sensitisation
    if treated:
        remission = remission * (1 + 2 * p.treat_strength)
        skin = skin * (1 - p.treat_strength)
    return dict(e_on=p.eczema_onset * ECZEMA_ONSET_SHAPE[band], e_off=remission,
                w_on=WHEEZE_ONSET[band], w_off=WHEEZE_REMISSION[band],
                r_on=RHINITIS_ONSET[band], r_off=RHINITIS_REMISSION[band],
                s_bg=BACKGROUND_SENSITISATION[band], s_skin=skin, hr=p.sensitised_hr)


def generator(params: Params, band: int, treated: bool = False) -> np.ndarray:
    """The 16 x 16 generator Q (per year) of age band ``band`` (0-4); rows sum to 0.

    ``treated=True`` applies the intervention's changes.
    """
    if band not in range(len(BAND_EDGES) - 1):
        raise ValueError(f"march.generator: band={band!r} is outside [0, {len(BAND_EDGES) - 2}] "
                         "(index of the age band 0-1, 1-3, 3-5, 5-11, 11-18 years)")
    h = _band_hazards(params, band, treated)
    Q = np.zeros((N_STATES, N_STATES))
    for s in range(N_STATES):
        e, w, r, sens = _BITS[s]
        hr = h["hr"] if sens else 1.0
        moves = [(0, e, h["e_on"], h["e_off"]),
                 (1, w, h["w_on"] * hr, h["w_off"]),
                 (2, r, h["r_on"] * hr, h["r_off"])]
        for bit, on, up, down in moves:
            Q[s, s ^ (1 << bit)] += down if on else up
        if not sens:
            Q[s, s | 8] += h["s_bg"] + (h["s_skin"] if e else 0.0)
        Q[s, s] = -Q[s].sum()
    return Q


def _check_age(func: str, name: str, value, lower=0.0, upper=MAX_AGE) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"march.{func}: {name}={value!r} is not a number "
                         f"(expected [{lower:g}, {upper:g}] years of age)") from None
    if not np.isfinite(v) or not lower <= v <= upper:
        raise ValueError(f"march.{func}: {name}={value!r} is outside [{lower:g}, {upper:g}] (years of age)")
    return v


def ages() -> np.ndarray:
    """The output grid: 0 to 18 years in steps of 0.25."""
    return np.round(np.arange(0.0, MAX_AGE + DT / 2, DT), 10)


def transition_matrices(params: Params) -> np.ndarray:
    """One-step transition matrices P_k = P(state at age_{k+1} | state at age_k), shape (72, 16, 16).

    Exact for the piecewise-constant chain: a step that contains the start of
    the intervention is split there. The result is cached per ``Params`` (they
    are frozen) and read-only.
    """
    return _transition_matrices(params)


@functools.lru_cache(maxsize=16)
def _transition_matrices(params: Params) -> np.ndarray:
    grid = ages()
    cache = {}

    def step(band, treated, dt):
        key = (band, treated, round(dt, 12))
        if key not in cache:
            cache[key] = expm(generator(params, band, treated) * dt)
        return cache[key]

    start = params.treat_start if params.treat_strength > 0 else np.inf
    mats = np.empty((len(grid) - 1, N_STATES, N_STATES))
    for k in range(len(grid) - 1):
        a0, a1 = grid[k], grid[k + 1]
        band = int(np.searchsorted(BAND_EDGES, a0, side="right") - 1)  # band edges lie on the grid
        if start <= a0:
            mats[k] = step(band, True, DT)
        elif start < a1:
            mats[k] = step(band, False, start - a0) @ step(band, True, a1 - start)
        else:
            mats[k] = step(band, False, DT)
    mats.flags.writeable = False
    return mats


def state_probabilities(params: Params, start: np.ndarray | None = None,
                        mats: np.ndarray | None = None) -> np.ndarray:
    """Probabilities of the 16 states at every age of :func:`ages`, shape (73, 16).

    ``start``: distribution at birth (default: everyone in the no-label state).
    """
    mats = transition_matrices(params) if mats is None else mats
    p = np.zeros(N_STATES)
    if start is None:
        p[0] = 1.0
    else:
        p = np.asarray(start, dtype=float)
    out = np.empty((mats.shape[0] + 1, N_STATES))
    out[0] = p
    for k, P in enumerate(mats):
        p = p @ P
        out[k + 1] = p
    return out


def _summarise(probs: np.ndarray) -> dict:
    groups = np.zeros((probs.shape[0], 5))
    for g in range(5):
        groups[:, g] = probs[:, GROUP_OF_STATE == g].sum(axis=1)
    cols = {f"p_{name}": groups[:, g] for g, name in enumerate(GROUPS)}
    for k, label in enumerate(LABELS):
        cols[label] = probs[:, _BITS[:, k] == 1].sum(axis=1)
    return cols


#: floating-point round-off of the matrix products that is put back into [0, 1]
ROUND_OFF = 1e-12


def _round_off(probs: np.ndarray) -> np.ndarray:
    """Put values within ROUND_OFF of [0, 1] back into [0, 1]; leave anything further out.

    Exact probabilities cannot leave [0, 1]; products of matrix exponentials can by
    round-off (about 1e-16). A larger excursion would be a real error, so it is left
    for :func:`validate` and the property tests to catch, not clipped away.
    """
    inside = (probs >= -ROUND_OFF) & (probs <= 1 + ROUND_OFF)
    return np.where(inside, np.clip(probs, 0.0, 1.0), probs)


def simulate(params: Params) -> pd.DataFrame:
    """Cohort view: expected share of children in each state at each age, 0 to 18 years.

    Columns: age (years); p_none, p_mainly_eczema, p_mainly_wheeze,
    p_mainly_rhinitis, p_multimorbid (the five display groups, summing to 1);
    eczema, wheeze, rhinitis, sensitised (the share with each label, i.e. the
    prevalence of each condition).
    """
    probs = _round_off(state_probabilities(params))
    df = pd.DataFrame({"age": ages(), **_summarise(probs)})
    df.attrs["units"] = {"age": "years", **{k: v[0] for k, v in OUTPUTS.items()}}
    df.attrs["model"] = "march"
    return df


def simulate_class(params: Params, n_children: int = 30, seed: int = 0) -> pd.DataFrame:
    """Individual view: one seeded random life history per child, on the same age grid.

    Each child moves between the 16 states with the one-step transition
    matrices of :func:`transition_matrices`, so the class's shares converge to
    :func:`simulate` as the class grows. Returns one row per child and age:
    child, age, state (0-15), group (0-4, see ``GROUPS``), eczema, wheeze,
    rhinitis, sensitised (0/1).
    """
    if isinstance(n_children, bool) or not isinstance(n_children, (int, np.integer)) \
            or not 1 <= n_children <= 200_000:
        raise ValueError(f"march.simulate_class: n_children={n_children!r} is outside [1, 200000] "
                         "(whole number of children)")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"march.simulate_class: seed={seed!r} must be a whole number >= 0 (random seed)")
    states = class_states(params, n_children, seed)
    n_ages = states.shape[1]
    df = pd.DataFrame({"child": np.repeat(np.arange(n_children), n_ages),
                       "age": np.tile(ages(), n_children),
                       "state": states.ravel()})
    df["group"] = GROUP_OF_STATE[df["state"]]
    for k, label in enumerate(LABELS):
        df[label] = _BITS[df["state"], k]
    df.attrs["units"] = {"child": "index", "age": "years", "state": "index 0-15", "group": "index 0-4",
                         **{label: "0/1" for label in LABELS}}
    df.attrs["model"] = "march"
    return df


def class_states(params: Params, n_children: int, seed: int = 0,
                 mats: np.ndarray | None = None) -> np.ndarray:
    """State index (0-15) of each child at each age, shape (n_children, 73); seeded, vectorised."""
    mats = transition_matrices(params) if mats is None else mats
    rng = np.random.default_rng(seed)
    cum = np.cumsum(mats, axis=2)
    cum[:, :, -1] = 1.0  # guard against rounding
    out = np.zeros((n_children, mats.shape[0] + 1), dtype=np.int8)  # 16 states fit in int8: small memory
    s = np.zeros(n_children, dtype=np.intp)
    for k in range(mats.shape[0]):
        u = rng.random(n_children)
        # next state = first column whose cumulative probability exceeds u (inverse-CDF sampling)
        s = (u[:, None] > cum[k][s]).sum(axis=1)
        out[:, k + 1] = s
    return out


#: ages at which the class is "assessed" for :func:`ever_multimorbid`, like the follow-ups of
#: a birth cohort (illustrative choice; Belgrave 2014 assessed at 1, 3, 5, 8 and 11 years)
ASSESSMENT_AGES = (3.0, 5.0, 8.0, 11.0, 14.0, 18.0)


def ever_multimorbid(params: Params, from_age: float = 1.0,
                     assessment_ages: tuple = ASSESSMENT_AGES) -> float:
    """Share of children with eczema only at ``from_age`` who are multimorbid at a later assessment.

    Exact: the chain is run from the eczema-only states at ``from_age``; at each
    assessment age the probability of being in a multimorbid state is moved to
    an absorbing "has been multimorbid" account. Compare Haider 2022: 75.4 % of
    children with infant eczema never became multimorbid (four UK cohorts,
    followed to adolescence or early adulthood, assessed at a few ages).
    """
    a0 = _check_age("ever_multimorbid", "from_age", from_age, 0.0, MAX_AGE - DT)
    checks = []
    for a in assessment_ages:
        checks.append(_check_age("ever_multimorbid", "assessment_ages", a, a0 + DT, MAX_AGE))
    if not checks:
        raise ValueError("march.ever_multimorbid: assessment_ages=() is empty (give ages in years after from_age)")
    k0 = int(round(a0 / DT))
    check_steps = {int(round(a / DT)) for a in checks}
    mats = transition_matrices(params)
    probs = state_probabilities(params, mats=mats)
    p = probs[k0].copy()
    p[GROUP_OF_STATE != 1] = 0.0
    if p.sum() <= 0:
        return 0.0
    p /= p.sum()
    absorbed = 0.0
    for k in range(k0, max(check_steps)):
        p = p @ mats[k]
        if k + 1 in check_steps:
            absorbed += p[MULTIMORBID_STATES].sum()
            p[MULTIMORBID_STATES] = 0.0
    return float(absorbed)


def conditional_risk(params: Params, outcome: str, age: float, given: str = "eczema",
                     given_age: float = 1.0) -> tuple[float, float]:
    """Risk of ``outcome`` at ``age`` for children with and without ``given`` at ``given_age``.

    Returns ``(risk_if_given, risk_if_not)``, exact from the cohort chain. With
    ``skin_sensitisation = 0`` or ``sensitised_hr = 1`` eczema no longer changes
    later risks, so the two are equal.
    """
    for name, value in (("outcome", outcome), ("given", given)):
        if value not in LABELS:
            raise ValueError(f"march.conditional_risk: {name}={value!r} is not one of {', '.join(LABELS)}")
    a0 = _check_age("conditional_risk", "given_age", given_age, 0.0, MAX_AGE)
    a1 = _check_age("conditional_risk", "age", age, a0, MAX_AGE)
    k0, k1 = int(round(a0 / DT)), int(round(a1 / DT))
    mats = transition_matrices(params)
    p0 = state_probabilities(params, mats=mats)[k0]
    g, o = LABELS.index(given), LABELS.index(outcome)
    risks = []
    for flag in (1, 0):
        p = np.where(_BITS[:, g] == flag, p0, 0.0)
        if p.sum() <= 0:
            risks.append(float("nan"))
            continue
        p = p / p.sum()
        for k in range(k0, k1):
            p = p @ mats[k]
        risks.append(float(p[_BITS[:, o] == 1].sum()))
    return risks[0], risks[1]


def odds_ratio(risk_exposed: float, risk_unexposed: float) -> float:
    """Odds ratio from two risks (for comparing the model with published odds ratios)."""
    for name, r in (("risk_exposed", risk_exposed), ("risk_unexposed", risk_unexposed)):
        if not 0 < r < 1:
            raise ValueError(f"march.odds_ratio: {name}={r!r} is outside (0, 1) (probability)")
    return (risk_exposed / (1 - risk_exposed)) / (risk_unexposed / (1 - risk_unexposed))


def first_onsets(states: np.ndarray) -> np.ndarray:
    """Age (years) at which each child first has eczema, wheeze and rhinitis; NaN if never.

    ``states``: state indices from :func:`class_states`, shape (n_children, 73).
    Returns shape (n_children, 3), columns in the order eczema, wheeze, rhinitis.
    """
    states = np.asarray(states)
    if states.ndim != 2 or states.shape[1] != len(ages()):
        raise ValueError(f"march.first_onsets: states has shape {states.shape}; expected (n_children, {len(ages())}) "
                         "state indices from class_states")
    grid = ages()
    out = np.full((states.shape[0], 3), np.nan)
    for k in range(3):
        has = _BITS[states, k] == 1
        any_ = has.any(axis=1)
        out[any_, k] = grid[has.argmax(axis=1)[any_]]
    return out


def follows_classic_march(states: np.ndarray) -> np.ndarray:
    """True for each child whose first eczema came before first wheeze, which came before first rhinitis.

    This is the textbook "atopic march" order. Compare Belgrave 2014: 3.1 % of all
    children were in an "atopic march" profile.
    """
    t = first_onsets(states)
    with np.errstate(invalid="ignore"):
        return (t[:, 0] < t[:, 1]) & (t[:, 1] < t[:, 2])


def prevalence_at(df: pd.DataFrame, age: float, column: str) -> float:
    """The value of ``column`` of a :func:`simulate` frame at ``age`` (years), by linear interpolation."""
    a = _check_age("prevalence_at", "age", age)
    if column not in OUTPUTS:
        raise ValueError(f"march.prevalence_at: column={column!r} is not an output; known: {', '.join(OUTPUTS)}")
    return float(np.interp(a, df["age"], df[column]))


def validate(df: pd.DataFrame) -> None:
    check_outputs(df, OUTPUTS, "march")
