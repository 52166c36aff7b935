"""Exercises of notebook 03, the skin microbiome.

Answers are computed from ``data/s_aureus_carriage.csv``, ``data/bleach_bath_evidence.csv`` and
``models.microbiome``; the scenarios below are the ones the notebook shows.
"""
from __future__ import annotations

from .. import data
from ..models import microbiome
from ..quiz import Mistake, MultipleChoice, Numeric
from . import question

#: Exercise 2: a flare treated with twice-weekly baths of 0.5 log10 (the section 3 explorer's settings)
FLARE = microbiome.Params(**microbiome.DAMAGED, log_kill=0.5, baths_per_week=2)
#: Exercise 3: calm, slightly inflamed skin, four 1-log10 baths, then new S. aureus on day 21
CALM = microbiome.Params(**microbiome.HEALTHY, inflammation=0.03, n_baths=4, log_kill=1.0,
                         exposure=0.2, exposure_day=21.0)
#: Exercise 4: hostile skin (edges of the ranges of Lee et al. 2024) in a flare, eight 1-log10 baths
HOSTILE = microbiome.Params(kappa_a=27.0, gamma_ab=58.7, gamma_eb=55.8, a0=0.995, e0=1e-6, b0=0.06,
                            n_baths=8, log_kill=1.0)
#: the stronger barrier brake of the "dual-action" treatment (Lee et al. 2024 used 20)
BRAKE = 20.0
CONTROLLED = "S. aureus controlled"


def lesional_totte():
    """Totté 2016, lesional skin: the row with the pooled odds ratio and prevalence."""
    carriage = data.load("s_aureus_carriage")
    return carriage[(carriage["source_id"] == "totte2016") & (carriage["site"] == "lesional skin")].iloc[0]


def controls_percentage(prevalence_pct: float, odds_ratio: float) -> float:
    """Percentage of controls implied by a prevalence in cases and an odds ratio."""
    odds = prevalence_pct / (100 - prevalence_pct) / odds_ratio
    return 100 * odds / (1 + odds)


@question
def controls_pct():
    row = lesional_totte()
    p, orr = float(row["prevalence_pct"]), float(row["odds_ratio"])
    answer = controls_percentage(p, orr)
    odds_cases = p / (100 - p)
    return Numeric(
        prompt=f"Percentage of healthy controls carrying S. aureus implied by {p:g} % in eczema and an odds "
               f"ratio of {orr:g}?",
        answer=answer, tolerance=0.6, unit="%", decimals=0,
        hints=(Mistake(p / orr, "You divided the percentage by the odds ratio, treating it as a ratio of risks. "
                                f"Convert {p:g} % to odds first, divide the odds, then convert back.", tolerance=0.2),
               Mistake(100 * odds_cases / orr, "That is the controls' odds (times 100), not their probability: "
                                               "probability = odds / (1 + odds).", tolerance=0.2),
               Mistake(answer / 100, "Right calculation, but that is a proportion: give a percentage (0 to 100).",
                       tolerance=0.005),
               Mistake(p / 100 / orr, "Give a percentage (0 to 100), and convert to odds first.", tolerance=0.005)),
        explanation=f"Odds in eczema = {p / 100:.2f} / {1 - p / 100:.2f} = {odds_cases:.2f}. Odds in controls = "
                    f"{odds_cases:.2f} / {orr:g} = {odds_cases / orr:.3f}. Probability = {odds_cases / orr:.3f} / "
                    f"{1 + odds_cases / orr:.3f} = {answer / 100:.3f}, about {answer:.0f} %. The odds ratio (about "
                    f"{orr:.0f}) is far larger than the ratio of the two percentages ({p:g} / {answer:.0f}, about "
                    f"{p / answer:.0f}) because carriage is common.",
        solution=f"{odds_cases:.3f} / {orr:g} = {odds_cases / orr:.4f}; {odds_cases / orr:.4f} / "
                 f"{1 + odds_cases / orr:.4f} = {answer / 100:.3f}, so about {answer:.0f} %.",
    )


def bath_outcomes(max_baths: int = 8) -> dict[int, str]:
    """Where the flare settles after 0..max_baths twice-weekly 0.5-log10 baths (Exercise 2)."""
    return {n: microbiome.outcome(FLARE.replace(n_baths=n)) for n in range(max_baths + 1)}


def smallest_course() -> int:
    outcomes = bath_outcomes()
    return min(n for n, result in outcomes.items() if result == CONTROLLED)


@question
def kill_threshold():
    n = smallest_course()
    return Numeric(
        prompt="Smallest number of twice-weekly 0.5-log10 baths after which S. aureus ends up controlled?",
        answer=float(n), tolerance=0.0, unit="baths", unit_one="bath", decimals=0, calculation=False,
        hints=(Mistake(n - 1.0, f"After {n - 1} baths S. aureus is still low at week 12, but it is regrowing: the "
                                "barrier had not recovered enough, and the skin settles back into the flare. "
                                "Read where the skin settles, not the end of week 12."),
               Mistake(2.0, "Two baths of 0.5 log10 fail: S. aureus regrows between and after them."),
               Mistake(1.0, "One bath of 0.5 log10 removes about two thirds of S. aureus; it regrows within days.")),
        explanation=f"{n - 1} baths fail and {n} succeed: the course has to hold S. aureus below its switching "
                    "threshold long enough for the barrier to recover, and then the healthy state holds by itself.",
        solution=f"Step the number of baths up from 0 and read where the skin settles: after 0 to {n - 1} baths "
                 f"S. aureus ends dominant, after {n} (and more) controlled.",
    )


def sparing_runs():
    """Exercise 3: the calm skin with non-selective and with targeted baths."""
    return microbiome.simulate(CALM), microbiome.simulate(CALM.replace(targeted=1))


def before_arrival(run, column):
    """Value of ``column`` just before the new S. aureus arrives (day 21)."""
    return float(run[run["day"] < CALM.exposure_day][column].iloc[-1])


@question
def why_sparing():
    killed, spared = sparing_runs()
    co_spared, co_killed = before_arrival(spared, "commensals"), before_arrival(killed, "commensals")
    barrier = before_arrival(spared, "barrier")
    return MultipleChoice(
        prompt="In the model, why does the targeted course keep the new S. aureus out?",
        options=("The targeted kill is stronger against S. aureus than the non-selective one",
                 "Active commensals survive the course, kill the newcomers and keep the S. aureus switch off",
                 "The barrier is intact (1.0) at the end of the targeted course",
                 "Inflammation is switched off by the targeted course"),
        answer=1,
        hints={0: "Both courses kill S. aureus by the same log10 per bath; only the commensals are treated differently.",
               2: f"Look at the barrier line: it sits near {barrier:.2f} in both courses until the new S. aureus "
                  "arrives.",
               3: f"Inflammation is an input you set ({CALM.inflammation:g} per day here); no bath changes it."},
        explanation="With the commensals spared, their agr switch stays on: they kill S. aureus and raise the density "
                    "S. aureus needs to switch on its own toxins. After a non-selective course the commensals are "
                    f"about {co_spared / co_killed:,.0f} times fewer, and the newcomers meet no resistance.",
        solution=f"Compare the commensal line in both runs: just before day 21 it is at {co_spared:.2f} of capacity "
                 f"with sparing and {co_killed:.1e} without. The barrier is the same (about {barrier:.2f}) in both "
                 "until then.",
    )


def hostile_plans() -> dict:
    """The three plans of the hostile-skin figure, by label."""
    return {"8 baths only": HOSTILE,
            f"{BRAKE:g}-fold barrier brake only": HOSTILE.replace(n_baths=0, barrier_brake=BRAKE),
            f"8 baths + {BRAKE:g}-fold barrier brake": HOSTILE.replace(barrier_brake=BRAKE)}


def default_brake_threshold(factors=(2, 3, 4, 5, 10, 20)) -> int:
    """Smallest of ``factors`` for which a stronger brake alone clears the default flare (section 3 explorer)."""
    flare = microbiome.Params(**microbiome.DAMAGED)
    return min(f for f in factors if microbiome.outcome(flare.replace(barrier_brake=float(f))) == CONTROLLED)


@question
def hostile_habitat():
    plans = hostile_plans()
    names = list(plans)
    results = {name: microbiome.outcome(p) for name, p in plans.items()}
    baths_run = microbiome.simulate(HOSTILE)
    lowered = float(baths_run["s_aureus"].min()) < 0.2 * HOSTILE.a0
    truths = (lowered and results[names[0]] != CONTROLLED,
              results[names[1]] == CONTROLLED,
              results[names[2]] == CONTROLLED,
              microbiome.outcome(HOSTILE.replace(log_kill=2.0)) == CONTROLLED)
    threshold = default_brake_threshold()
    return MultipleChoice(
        prompt="On the hostile skin above, which statements hold in the model? (Choose all that apply.)",
        options=("Eight baths of 1 log10 lower S. aureus for a while, but it returns",
                 f"A {BRAKE:g}-fold stronger barrier brake alone clears S. aureus",
                 f"Baths plus a {BRAKE:g}-fold stronger barrier brake leave S. aureus controlled and the "
                 "barrier intact",
                 "Eight stronger baths (2 log10 each) alone would clear it"),
        answer=tuple(i for i, t in enumerate(truths) if t),
        hints={1: f"On the default skin of section 3 a brake of {threshold}-fold or more alone does clear the flare, but look "
                  f"at the '{names[1]}' line here: on hostile skin S. aureus grows faster and the barrier brakes it "
                  "far less, so S. aureus stays near capacity.",
               3: "Check it with the code route: set log_kill = 2.0 in the exercise cell and run it. Stronger baths "
                  "push S. aureus lower, but on this skin the healthy state is not stable without the stronger "
                  "brake, so S. aureus returns."},
        explanation="On this skin, killing moves S. aureus down for a while, and a stronger brake alone cannot start "
                    "the recovery; together the kill moves the skin and the brake keeps the healthy state stable.",
        solution="From the figure: baths only, dominant again after the course; brake only, dominant throughout; "
                 "both, controlled with the barrier back near 1. The exercise cell's code shows that 2-log10 "
                 "baths alone end dominant too.",
    )


@question
def bleach_evidence():
    ev = data.load("bleach_bath_evidence")
    bakaa = ev[ev["source_id"] == "bakaa2022"].set_index("outcome")
    rom, rr = bakaa.loc["EASI"], bakaa.loc["S. aureus colonisation"]
    easi_down = rom["interval_high"] < 1
    rr_unclear = rr["interval_low"] < 1 < rr["interval_high"]
    if not (easi_down and rr_unclear):  # pragma: no cover - only if the data change
        raise ValueError("exercises 03.bleach_evidence: the Bakaa 2022 rows no longer support option B")
    return MultipleChoice(
        prompt="Which statement do the two meta-analyses support?",
        options=("Bleach baths prevent flares in people colonised with S. aureus",
                 "Bleach baths probably lower EASI a little in moderate-to-severe eczema, but it is uncertain "
                 "whether they beat plain water and whether they lower S. aureus",
                 "Bleach baths clearly lower S. aureus colonisation",
                 "Bleach baths have no effect on any outcome"),
        answer=1,
        hints={0: "Look for a trial whose main outcome was flares, or that compared colonised with non-colonised "
                  "people: there is none. Bakaa 2022 found flare risk not clearly different.",
               2: f"The risk ratio for colonisation is {rr['estimate']:.2f} with an interval from "
                  f"{rr['interval_low']:.2f} to {rr['interval_high']:.2f}: it includes 1.",
               3: f"Bakaa 2022 found a modest EASI improvement at {rom['certainty']} certainty: "
                  f"{rom['estimate']:.2f} ({rom['interval_low']:.2f} to {rom['interval_high']:.2f})."},
        explanation=f"Bakaa 2022: EASI ratio of means {rom['estimate']:.2f} ({rom['interval_low']:.2f} to "
                    f"{rom['interval_high']:.2f}), {rom['certainty']} certainty; colonisation risk ratio "
                    f"{rr['estimate']:.2f} ({rr['interval_low']:.2f} to {rr['interval_high']:.2f}), {rr['certainty']} "
                    "certainty; flares not clearly different. Chopra 2017: no better than water at 4 weeks.",
        solution="Only B matches both: a small, probable fall in EASI (Bakaa), uncertainty about bleach versus water "
                 "(Chopra) and about S. aureus (Bakaa's interval includes 1), and nothing on flare prevention.",
    )
