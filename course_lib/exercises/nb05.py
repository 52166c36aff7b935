"""Exercises of notebook 05, Synthesis. Answers are computed from ``models.coupled``, ``cohort`` and the
SOLO counts in ``data`` (``dupilumab_solo_week16``)."""
from __future__ import annotations

import functools

from .. import cohort, data
from ..models import coupled
from ..quiz import Mistake, MultipleChoice, Numeric
from . import question

#: the cohort of section 3 (the notebook builds the same one: 60 virtual patients, seed 0)
N_PATIENTS = 60
SEED = 0


@functools.cache
def thresholds() -> tuple[dict, dict]:
    """(couplings on, couplings off): each ``{"remission": load, "flare": load}`` from ``coupled.thresholds``."""
    on, off = coupled.thresholds([coupled.Params(), coupled.uncoupled()])
    return on, off


@functools.cache
def solo_dupilumab() -> dict:
    """SOLO 1 + 2 pooled, dupilumab every 2 weeks: ``n``, ``events`` (IGA > 1 at week 16), ``clear`` (IGA 0/1)."""
    solo = data.load("dupilumab_solo_week16")
    row = solo[solo["arm"].str.contains("dupilumab")].iloc[0]
    n, events = int(row["n"]), int(row["events"])
    return dict(n=n, events=events, clear=n - events)


@functools.cache
def loop_rescues() -> tuple[int, dict]:
    """(number of emollient failures, {loop: how many of them cutting that loop rescues}) for section 5's cohort."""
    holds = cohort.which_loop_holds(cohort.virtual_patients(N_PATIENTS, seed=SEED))
    failed = holds[~holds["remission"]]
    return len(failed), {name: int(failed[name].sum()) for name in cohort.LOOPS}


@question
def persist_threshold():
    on, off = thresholds()
    return Numeric(
        prompt="Couplings on (the default coupled.Params()): the lowest environmental load at which a flare "
               "persists?",
        answer=on["remission"], tolerance=0.01, decimals=2, unit="relative load", calculation=False,
        hints=(Mistake(off["remission"], "That is the threshold with the couplings OFF (coupled.uncoupled(), "
                                         "notebook 02's model alone). Use coupled.Params()."),
               Mistake(on["flare"], "That is where calm skin flares by itself (the 'flare' entry); the question "
                                    "asks where a flare persists (the 'remission' entry).")),
        explanation=f"With the couplings on, a flare persists down to a load of {on['remission']:.2f}, against "
                    f"{off['remission']:.2f} for notebook 02's model alone: *S. aureus* keeps feeding the flare.",
        solution="`coupled.thresholds(coupled.Params())['remission']`",
    )


@question
def threshold_moves():
    on, off = thresholds()
    return MultipleChoice(
        prompt="Switching the couplings on mainly changes...",
        options=("the load at which calm skin flares by itself",
                 "the load below which a flare resolves by itself",
                 "both thresholds by about the same amount",
                 "neither: the couplings only change how fast things happen"),
        answer=1,
        hints={0: "Look at the right-hand ends of the two bars: they are at the same load.",
               2: f"Compare how far each end of the bar moves: one by {off['remission'] - on['remission']:.2f}, "
                  f"the other by {abs(on['flare'] - off['flare']):.2f}.",
               3: "The long-run state at load 0.5 differs (resolves against persists), so it is not only speed."},
        explanation=f"The lower threshold falls from {off['remission']:.2f} to {on['remission']:.2f}: once "
                    "*S. aureus* dominates, it keeps a flare going. From calm skin the commensals keep "
                    f"*S. aureus*'s toxins off, so the upper threshold stays at {on['flare']:.2f}.",
    )


@question
def solo_response():
    s = solo_dupilumab()
    p = s["clear"] / s["n"]
    return Numeric(
        prompt="SOLO 1 + 2 pooled, dupilumab every 2 weeks: proportion of patients clear or almost clear "
               "(IGA 0/1) at week 16?",
        answer=p, tolerance=0.0015, decimals=3,
        hints=(Mistake(s["events"] / s["n"], "That is the share NOT clear or almost clear (IGA > 1). "
                                             "Subtract the events from n first."),
               Mistake(100 * p, "That is a percentage; give a proportion between 0 and 1.", tolerance=0.2),
               Mistake(1.0, "That is the model's IL-4Rα arm (remission in the model), not the real trial: "
                            "use the SOLO counts.", tolerance=0.001)),
        explanation=f"IGA 0/1 = n - (IGA > 1) = {s['n']} - {s['events']} = {s['clear']}; "
                    f"{s['clear']} / {s['n']} = {p:.3f}. Most patients on the drug did not reach the strict end "
                    "point, though many improved (notebook 02).",
        solution=f"`stats.proportion_ci({s['clear']}, {s['n']})` gives the proportion {p:.3f} and its interval.",
    )


@question
def which_loop():
    n_failed, rescued = loop_rescues()
    return MultipleChoice(
        prompt="In the model, which single change lets EVERY virtual patient whom the emollient failed reach "
               "remission on the emollient?",
        options=("cutting the S. aureus loop", "cutting the itch-scratch loop",
                 "halving type-2 self-amplification", "a carrier of an FLG null variant becoming a non-carrier"),
        answer=2,
        hints={0: f"It rescues {rescued['S. aureus loop']} of {n_failed}: some, not all.",
               1: f"It rescues {rescued['itch-scratch loop']} of {n_failed}: some, not all.",
               3: "Only about one patient in five carries an FLG variant, and most failures do not."},
        explanation="Only the immune switch itself holds every failure. The S. aureus and itch-scratch loops "
                    "strengthen it in some patients, which is why cutting them helps some.",
    )
