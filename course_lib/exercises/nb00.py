"""Exercises of notebook 00, Start here. Answers are computed from ``models.easi`` and the band table."""
from __future__ import annotations

from ..models import easi
from ..quiz import Mistake, MultipleChoice, Numeric
from . import question

#: The illustrative patient described in section 4 (a made-up adult, not a real case).
PATIENT = dict(
    head_neck_area=20.0, head_neck_erythema=2.0, head_neck_oedema=1.0, head_neck_excoriation=1.0,
    upper_limbs_area=35.0, upper_limbs_erythema=2.0, upper_limbs_oedema=2.0, upper_limbs_excoriation=2.0,
    upper_limbs_lichenification=1.0,
    trunk_area=5.0, trunk_erythema=1.0,
    lower_limbs_area=15.0, lower_limbs_erythema=2.0, lower_limbs_oedema=1.5, lower_limbs_excoriation=1.0,
    lower_limbs_lichenification=1.0,
)


def patient() -> easi.Params:
    """The described patient as model parameters."""
    return easi.Params(**PATIENT)


def region_scores():
    """The patient's EASI region scores (a DataFrame indexed by region)."""
    return easi.simulate(patient()).set_index("region")


@question
def warm_up():
    return MultipleChoice(
        prompt="Which layer of the skin does this course call 'the barrier'?",
        options=("The dermis, where blood vessels and nerves are", "The stratum corneum, the outermost layer",
                 "Subcutaneous fat"),
        answer=1,
        hints={0: "The dermis lies deeper; think of the layer in contact with the air.",
               2: "Fat lies under the skin; think of the layer in contact with the air."},
        explanation="The stratum corneum, the outermost layer of dead, flattened cells and lipids, "
                    "limits water loss and keeps allergens out.",
    )


@question
def upper_limbs():
    score = float(region_scores().loc["upper_limbs", "region_score"])
    signs = sum(PATIENT[f"upper_limbs_{s}"] for s in easi.SIGNS if f"upper_limbs_{s}" in PATIENT)
    area = easi.area_score(PATIENT["upper_limbs_area"])
    weight = easi.WEIGHTS["8+"]["upper_limbs"]
    return Numeric(
        prompt="Upper limbs region score of the described patient (EASI points)?",
        answer=score, tolerance=0.05, decimals=1, unit="EASI points",
        hints=(Mistake(signs * PATIENT["upper_limbs_area"] * weight,
                       "You multiplied by the percentage (35). Convert it to the area score first: 30-49 % gives 3."),
               Mistake(signs * area, "You left out the region weight: upper limbs count 0.2."),
               Mistake(signs * area * easi.WEIGHTS["8+"]["lower_limbs"],
                       "0.4 is the weight of the lower limbs; upper limbs count 0.2.")),
        explanation=f"Signs: 2 + 2 + 2 + 1 = {signs:g}. Area: 35 % gives an area score of {area}. "
                    f"Weight: {weight:g}. So {signs:g} × {area} × {weight:g} = {score:.1f}.",
    )


@question
def total_band():
    total = easi.total(patient())
    return MultipleChoice(
        prompt="What is the patient's EASI total, and which band does it fall in under each scheme?",
        options=("Under 6.0: mild under both schemes",
                 "Between 6.0 and 7.0: mild under Leshem 2015, moderate under Chopra 2017",
                 "Between 7.1 and 21.0: moderate under both schemes",
                 "21.1 or more: severe under both schemes"),
        answer=2,
        hints={0: "Mild ends at 7.0 (Leshem) and 5.9 (Chopra); did you add all four regions?",
               1: "Add up all four region scores again: the total is above 7.",
               3: "Severe starts at 21.1 (Leshem) or 23.0 (Chopra); add the four region scores again."},
        explanation=f"The total is {total:.1f}: it lies in 7.1-21.0 (Leshem moderate) and in 6.0-22.9 "
                    "(Chopra moderate).",
    )


@question
def horimukai_rr():
    from .. import data, stats

    rows = data.load("emollient_prevention_trials").query("trial == 'Horimukai 2014' and outcome == 'eczema'")
    counts = {arm: (int(r.events), int(r.n)) for arm, r in zip(rows["arm"], rows.itertuples())}
    (et, nt), (ec, nc) = counts["emollient"], counts["control"]
    rr = stats.risk_ratio(et, nt, ec, nc).estimate
    odds = stats.odds_ratio(et, nt, ec, nc).estimate
    rd = stats.risk_difference(et, nt, ec, nc).estimate
    return Numeric(
        prompt=(f"In Horimukai 2014, {et} of {nt} emollient babies and {ec} of {nc} control babies had eczema by "
                "week 32. What is the risk ratio, emollient vs control?"),
        answer=rr, tolerance=0.005, decimals=2,
        hints=(Mistake(1 / rr, "That is control vs emollient: put the emollient risk on top."),
               Mistake(odds, "That is the odds ratio: divide risks (events / everyone), not odds (events / non-events)."),
               Mistake(rd, "That is the risk difference (a subtraction); the risk ratio divides one risk by the other."),
               Mistake(et / nt, "That is the risk in the emollient group alone; divide it by the control group's risk.")),
        explanation=(f"Risk with emollient {et}/{nt} = {et / nt:.3f}; risk in controls {ec}/{nc} = {ec / nc:.3f}; "
                     f"risk ratio = {et / nt:.3f} / {ec / nc:.3f} = {rr:.2f} (both groups have {nt} babies, so it is "
                     f"simply {et}/{ec})."),
    )
