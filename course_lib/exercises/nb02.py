"""Exercises of notebook 02, Th2 inflammation. Answers are computed from ``models.th2``, the SOLO data and ``stats``."""
from __future__ import annotations

from .. import data, stats
from ..models import th2
from ..quiz import Mistake, MultipleChoice, Numeric
from . import question

#: the notebook's trigger settings (section 3): the skin starts controlled, the trigger starts on day 10
TRIGGER_START = 10.0
#: the treatment explorer's default (section 4): topical strength 1 from day 10
TOPICAL = dict(topical=1.0, topical_start=10.0)
Q2W, PLACEBO = "dupilumab 300 mg every 2 weeks", "placebo"


def trigger_params(load: float, days: float) -> th2.Params:
    """Controlled skin, a trigger of ``load`` for ``days`` days from day 10 (as in the notebook's exercise)."""
    return th2.Params(**th2.CONTROLLED, trigger_load=load, trigger_start=TRIGGER_START, trigger_days=float(days))


def shortest_trigger_days(load: float, longest: int = 30) -> int:
    """Shortest whole number of days of a trigger at ``load`` after which the skin ends inflamed."""
    return next(d for d in range(1, longest + 1) if th2.final_state(trigger_params(load, d)) == "inflamed")


def topical_params(days: float, weekly: int = 0) -> th2.Params:
    """A flare (the inflamed state) treated with the topical input for ``days`` model days from day 10."""
    return th2.Params(**th2.INFLAMED, **TOPICAL, topical_days=float(days), topical_weekly=weekly)


def state_when_topical_stops(days: float):
    """Inflammation and barrier on the model day a ``days``-day topical input stops (a row of th2.simulate)."""
    run = th2.simulate(topical_params(days), days=120)
    return run.loc[run["day"] == TOPICAL["topical_start"] + days].iloc[0]


def shortest_topical_days(longest: int = 30) -> int:
    """Shortest whole number of model days of the topical input (strength 1) after which the skin ends controlled."""
    return next(d for d in range(1, longest + 1) if th2.final_state(topical_params(d)) == "controlled")


def solo_counts() -> dict:
    """IGA 0/1 counts of the pooled post hoc set: ``{arm: (clear, analysed)}`` (the file stores IGA > 1)."""
    solo = data.load("dupilumab_solo_week16").set_index("arm")
    return {arm: (int(solo.loc[arm, "n"] - solo.loc[arm, "events"]), int(solo.loc[arm, "n"])) for arm in (Q2W, PLACEBO)}


@question
def steady_count():
    n = len(th2.steady_states(th2.Params(p_env=0.5)))
    return Numeric(
        prompt="How many steady states (stable or not) does the model have at environmental load 0.5, "
               "other settings at their defaults?",
        answer=float(n), tolerance=0.0, decimals=0, calculation=False,
        hints=(Mistake(3.0, "Three is the count at load 1. Set the load to 0.5 first, then count the crossings "
                            "of the two nullclines."),
               Mistake(2.0, "Count every crossing of the two nullclines, the open circle (threshold) too. In this "
                            "model the crossings come in odd numbers: 1 or 3.")),
        explanation="At load 0.5 only the controlled state is left: the load is below the range where two stable "
                    "states coexist, so any flare fades by itself.",
        solution="`len(th2.steady_states(th2.Params(p_env=0.5)))` gives the number of steady states.",
    )


@question
def shortest_trigger():
    shortest = shortest_trigger_days(2.0)
    at_15 = shortest_trigger_days(1.5)
    return Numeric(
        prompt="Trigger load 2, from the controlled state: what is the shortest trigger (a whole number of days) "
               "after which the skin stays inflamed?",
        answer=float(shortest), tolerance=0.0, decimals=0, unit="days", unit_one="day", calculation=False,
        hints=(Mistake(float(at_15), f"{at_15} days is the answer for load 1.5. Set trigger_load=2.0: a higher "
                                     "load crosses the threshold sooner."),
               Mistake(float(shortest - 1), f"After a {shortest - 1}-day trigger inflammation rises but falls back: "
                                            "lengthen it by one day.")),
        explanation=f"Inflammation has to be pushed past the threshold before the trigger ends. At load 2 that "
                    f"takes {shortest} days; at load 1.5 it takes {at_15}. Size and length of a trigger trade off.",
        solution=f"Try 1, 2, 3 ... days with `th2.final_state`; the first length that ends inflamed is {shortest}.",
    )


@question
def relapse():
    stop = state_when_topical_stops(3)
    ok = state_when_topical_stops(shortest_topical_days())
    return MultipleChoice(
        prompt=f"In the model, a 3-day topical input brings inflammation down to "
               f"{stop['inflammation']:.2f}, yet the flare comes back after the input stops. Why?",
        options=("The topical damages the barrier",
                 "When the input stops the barrier is still weak, so the state is still on the inflamed side of "
                 "the threshold",
                 "The environmental load rises after the input stops",
                 "The model has Th2 memory that switches on permanently"),
        answer=1,
        hints={0: "The topical only raises the clearance of inflammation in this model; it does not act on the "
                  "barrier.",
               2: "The treatment explorer has no load control: the environmental load stays at 1 all the time. "
                  "Only the treatment switches on and off (top panel).",
               3: "This model has no memory variable: the relapse comes from the barrier and the loops."},
        explanation=f"On the day the input stops the barrier is only {stop['barrier']:.2f}. Whether the skin "
                    "returns to the controlled state depends on inflammation and barrier together: with this weak "
                    "a barrier, enough allergen gets in to restart the loop. A "
                    f"{shortest_topical_days()}-day input stops at inflammation {ok['inflammation']:.2f} and "
                    f"barrier {ok['barrier']:.2f}, a barrier still far below the controlled state's, and the skin "
                    "ends controlled: the two together, not either alone, put the state on the controlled side.",
    )


@question
def flg_window():
    default = th2.bistable_window(th2.Params())
    flg = th2.bistable_window(th2.Params(k_b=0.1))
    return MultipleChoice(
        prompt="At environmental load 1, what does FLG-like barrier repair (k_b = 0.1 instead of 0.2) do in the "
               "model?",
        options=("Nothing: load 1 stays inside the bistable window",
                 "It moves the window to lower loads, so at load 1 only the inflamed state is left",
                 "It moves the window to higher loads, so at load 1 only the controlled state is left",
                 "It removes bistability altogether"),
        answer=1,
        hints={0: "Compare the windows printed above: the FLG-like window ends below 1.",
               2: "A weaker barrier lets more in: thresholds fall, not rise.",
               3: "There is still a window (two stable states), just at lower loads."},
        explanation=f"The window moves from about {default[0]:.2f}-{default[1]:.2f} to about "
                    f"{flg[0]:.2f}-{flg[1]:.2f}, so load 1 lies above it: only the inflamed state exists, and even "
                    "controlled skin flares without a trigger.",
    )


@question
def nnt():
    (dc, dn), (pc, pn) = solo_counts()[Q2W], solo_counts()[PLACEBO]
    result = stats.number_needed_to_treat(dc, dn, pc, pn)
    return Numeric(
        prompt=f"From the counts of the pooled post hoc analysis set (IGA 0/1 in {dc} of {dn} on dupilumab, "
               f"{pc} of {pn} on placebo), what is the NNT?",
        answer=float(result.nnt), tolerance=0.05, decimals=2, unit="patients",
        hints=(Mistake(1 / (100 * dc / dn - 100 * pc / pn),
                       "That is 1 divided by the difference in percentages; use proportions (0 to 1), not "
                       "percentages."),
               Mistake(dn / dc - pn / pc,
                       "Invert the difference of the two risks, not the difference of the inverted risks."),
               Mistake(1 / (round(dc / dn, 2) - round(pc / pn, 2)),
                       f"Close, but you rounded the risks to 2 decimals ({dc / dn:.2f} and {pc / pn:.2f}) before "
                       "subtracting. Keep at least 3 decimals until the end, then round the NNT."),
               Mistake(1 / ((dn - dc) / dn - (pn - pc) / pn),
                       "Negative: you used the patients who were NOT clear (IGA > 1, the table's `events`). Use "
                       "those who reached IGA 0/1.")),
        explanation=f"Risks: {dc}/{dn} = {dc / dn:.3f} and {pc}/{pn} = {pc / pn:.3f}. Risk difference "
                    f"{dc / dn - pc / pn:.3f}. NNT = 1/{dc / dn - pc / pn:.3f} = {result.nnt:.2f}.",
    )
