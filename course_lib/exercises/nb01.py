"""Exercises of notebook 01, the skin barrier. Answers are computed from the data and from ``models.barrier``
and ``trials``, so they cannot drift from what the notebook shows."""
from __future__ import annotations

import numpy as np

from .. import data, stats, trials
from ..models import barrier
from ..quiz import Mistake, MultipleChoice, Numeric
from . import question

#: the inflamed, scratched skin of Exercise 2 (illustrative values)
LESION = dict(inflammation=0.5, scratch=0.3)
#: Exercise 5: one application a day (at 08:00), read at 20:00
WEAR = dict(applications_per_day=1, half_life_h=4.0)
READ_AT_H = 20.0
#: Exercise 6: a BEEP-sized trial and the true risk ratio asked about
N_PER_ARM = 600
TRUE_RR = 0.7


def carriers() -> dict[str, float]:
    """Carrier frequency (%) of any FLG loss-of-function variant, worldwide (Khatib et al. 2024)."""
    flg = data.load("flg_risk")
    rows = flg[(flg["quantity"] == "carrier frequency") & (flg["source_id"] == "khatib2024")]
    values = rows.set_index("population")["value"]
    return {"ad": float(values["people with AD (worldwide)"]),
            "general": float(values["general population (worldwide)"])}


def brown_one_allele():
    """Brown et al. 2008: OR for eczema with one null allele vs none (population sample)."""
    flg = data.load("flg_risk")
    return flg[(flg["source_id"] == "brown2008")].set_index("comparison").loc["one null allele vs none"]


def measured_lesional() -> float:
    """Mean TEWL of eczema lesions in Montero-Vilchez 2021 (g/m²/h)."""
    df = data.load("skin_barrier_measurements")
    rows = df.query("source_id == 'monterovilchez2021' and quantity == 'TEWL' and skin_state == 'lesional'")
    return float(rows["value"].iloc[0])


def beep_control_risk() -> float:
    """Eczema risk at 2 years in BEEP's control arm (events / n)."""
    df = data.load("emollient_prevention_trials")
    row = df[(df["trial"] == "BEEP 2020") & (df["outcome"] == "eczema") & (df["arm"] == "control")].iloc[0]
    return float(row["events"] / row["n"])


@question
def carrier_ratio():
    c = carriers()
    ratio = c["ad"] / c["general"]
    return Numeric(
        prompt=f"{c['ad']:g} % of people with atopic dermatitis and {c['general']:g} % of the general population "
               "carry an FLG loss-of-function variant. How many times more common is carrying one among people "
               "with atopic dermatitis?",
        answer=ratio, tolerance=0.05, decimals=1, unit="times",
        hints=(Mistake(c["ad"] - c["general"],
                       "That is the difference in percentage points. The question asks for a ratio: divide."),
               Mistake(c["general"] / c["ad"], "You divided the wrong way round: general population / AD.",
                       tolerance=0.01)),
        explanation=f"{c['ad']:g} / {c['general']:g} = {ratio:.1f}: carrying a variant is about three times as "
                    f"common among people with atopic dermatitis. Still, about {100 - c['ad']:.0f} % of them "
                    "carry none.",
    )


@question
def ci_reading():
    r = brown_one_allele()
    flg = data.load("flg_risk")
    selected = flg[(flg["source_id"] == "sandilands2007") & (flg["comparison"] == "one null allele vs none")].iloc[0]
    return MultipleChoice(
        prompt=f"In the population sample of Brown et al. (2008), one FLG null allele gave an odds ratio for "
               f"eczema of {r['value']:g} (95% CI {r['ci_low']:g} to {r['ci_high']:g}). Which reading is right?",
        options=(f"Carriers of one allele have {100 * (r['value'] - 1):.0f} % higher odds of eczema, for certain.",
                 "One null allele protects against eczema.",
                 "The data fit anything from somewhat lower to almost double odds: no clear excess risk was shown.",
                 "The study proves that one null allele has no effect at all."),
        answer=2,
        hints={0: f"{r['value']:g} is the best estimate, but the interval from {r['ci_low']:g} to "
                  f"{r['ci_high']:g} includes 1 (no difference).",
               1: f"The estimate is above 1; the interval only reaches down to {r['ci_low']:g}.",
               3: "'No clear effect' is not 'proof of no effect': the interval still allows almost double odds."},
        explanation="The 95% CI includes 1, so this study cannot tell a modest increase from none. In selected "
                    f"patients with moderate-to-severe eczema the same comparison gave OR {selected['value']:g} "
                    "(Sandilands et al. 2007).",
    )


@question
def lesion_tewl():
    p = barrier.Params(**LESION)
    tewl = barrier.steady_tewl(p)
    healthy = barrier.steady_tewl(barrier.Params())
    b = barrier.integrity(p)
    factor = b + p.rho * (1 - b)
    return Numeric(
        prompt=f"Steady TEWL of skin with no FLG null allele, inflammation {LESION['inflammation']:g} and scratch "
               f"damage {LESION['scratch']:g}, no emollient, every other parameter at its default?",
        answer=tewl, tolerance=0.3, decimals=1, unit="g/m²/h",
        hints=(Mistake(healthy, "That is healthy default skin: set inflammation and scratch in Params(...).",
                       tolerance=0.3),
               Mistake(barrier.steady_tewl(barrier.Params(inflammation=LESION["inflammation"])),
                       "That is inflammation alone: set scratch too.", tolerance=0.3),
               Mistake(barrier.steady_tewl(barrier.Params(scratch=LESION["scratch"])),
                       "That is scratch damage alone: set inflammation too.", tolerance=0.3),
               Mistake(measured_lesional(), "That is the measured lesional mean, not the model's value.",
                       tolerance=0.05),
               Mistake(b, "That is the barrier integrity b; now compute the TEWL with barrier.steady_tewl.",
                       tolerance=0.01)),
        explanation=f"Integrity b = 1 × (1 − {LESION['inflammation']:g}) × (1 − {LESION['scratch']:g}) = {b:.2f}. "
                    f"With rho = {p.rho:g} the diffusivity is multiplied by {b:.2f} + {p.rho:g} × {1 - b:.2f} = "
                    f"{factor:.2f}, so TEWL = {factor:.2f} × {healthy:.2f} = {tewl:.1f} g/m²/h, within 10 % of the "
                    f"measured lesional mean {measured_lesional():g}.",
    )


@question
def evidence_summary():
    trials_ = data.load("emollient_prevention_trials")
    pilot = trials_[trials_["trial"] == "Simpson 2014"]
    beep = trials_[(trials_["trial"] == "BEEP 2020") & (trials_["outcome"] == "eczema")]
    counts = {r.arm: (int(r.events), int(r.n)) for r in beep.itertuples()}
    beep_rr = stats.risk_ratio(*counts["emollient"], *counts["control"])
    cochrane = trials_[trials_["trial"] == "Cochrane 2021"].iloc[0]
    return MultipleChoice(
        prompt="Which summary of the evidence on emollients from birth to prevent eczema is best supported?",
        options=("Daily emollient from birth halves eczema in high-risk babies.",
                 "Since emollients do not prevent eczema, moisturisers are useless for people who have eczema.",
                 "The trials were too small to say anything.",
                 "Large trials and a Cochrane review found no prevention of eczema by age 1-3 and more skin "
                 "infections; whether emollients delay eczema while they are used is still open."),
        answer=3,
        hints={0: f"That was the result of a {int(pilot['n'].sum())}-baby pilot at "
                  f"{pilot['timepoint_months'].iloc[0]:g} months. What did the trials with over 1000 babies find?",
               1: "That mixes prevention with treatment: in existing eczema, moisturisers reduced flares "
                  "(van Zuuren et al. 2017).",
               2: f"BEEP analysed {int(beep['n'].sum())} babies at 2 years, and its interval "
                  f"({beep_rr.ci_low:.2f} to {beep_rr.ci_high:.2f}) rules out large effects."},
        explanation=f"BEEP, PreventADALL and the Cochrane review (RR {cochrane.reported_effect:.2f}, "
                    f"{cochrane.ci_low:.2f} to {cochrane.ci_high:.2f}) found no prevention, and "
                    "skin infections were more common with emollient. The pilots' benefits were measured while "
                    "emollient was in use, so delay remains possible. Treatment of existing eczema is a separate "
                    "question.",
    )


@question
def film_left():
    p = barrier.Params(**WEAR)
    left = float(barrier.film_remaining(np.array([READ_AT_H]), p)[0])
    hours = READ_AT_H - barrier.FIRST_APPLICATION_H
    n = hours / WEAR["half_life_h"]
    return Numeric(
        prompt=f"In the model, an emollient with a half-life of {WEAR['half_life_h']:g} hours is applied once, at "
               f"08:00. What fraction of the fresh layer is left at 20:00 the same day?",
        answer=left, tolerance=0.002, decimals=3, unit="",
        hints=(Mistake(0.5, f"{hours:g} hours is {n:g} half-lives, not one."),
               Mistake(100 * left, "Give a fraction between 0 and 1, not a percentage.", tolerance=0.1),
               Mistake(1 / n, f"Halving {n:g} times is (1/2) to the power {n:g}, not 1/{n:g}.", tolerance=0.01)),
        explanation=f"{hours:g} h / {WEAR['half_life_h']:g} h = {n:g} half-lives, so (1/2)^{n:g} = {left:.3f} "
                    "of the layer is left.",
    )


@question
def power_rr07():
    risk = beep_control_risk()
    power = 100 * trials.normal_power(risk, TRUE_RR, N_PER_ARM)
    at_08 = 100 * trials.normal_power(risk, 0.8, N_PER_ARM)
    return Numeric(
        prompt=f"A trial with {N_PER_ARM} infants per arm and a control risk of {risk:.3f} (BEEP's control group): "
               f"what is its power, in %, to detect a true risk ratio of {TRUE_RR:g}?",
        answer=power, tolerance=2.5, decimals=1, unit="%",
        hints=(Mistake(at_08, "That is the power for a true RR of 0.8; set true_rr to 0.7.", tolerance=2.5),
               Mistake(power / 100, "Give the power in %, not as a proportion.", tolerance=0.03),
               Mistake(5.0, "That is the false-positive rate when there is no effect (alpha).", tolerance=1.0)),
        explanation=f"The normal approximation gives {power:.1f} %; the simulator (2000 trials) agrees within a "
                    "few points. A trial this size would very likely have seen a 30 % reduction if there were one.",
    )
