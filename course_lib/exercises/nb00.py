"""Exercises of notebook 00, Start here. Answers are computed from ``models.easi`` and the band table."""
from __future__ import annotations

from .. import measures
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
    values = [PATIENT.get(f"upper_limbs_{s}", 0.0) for s in easi.SIGNS]
    signs = sum(values)
    percent = PATIENT["upper_limbs_area"]
    area = easi.area_score(percent)
    weight = easi.WEIGHTS["8+"]["upper_limbs"]
    lower = easi.WEIGHTS["8+"]["lower_limbs"]
    edges = (0,) + easi.AREA_LOWER_EDGES + (101,)
    low, high = next((lo, hi - 1) for lo, hi in zip(edges[1:], edges[2:]) if lo <= percent < hi)
    return Numeric(
        prompt="Upper limbs region score of the described patient (EASI points)?",
        answer=score, tolerance=0.05, decimals=1, unit="EASI points",
        hints=(Mistake(signs * percent * weight,
                       f"You multiplied by the percentage ({percent:g}). Convert it to the area score first: "
                       f"{low}-{high} % gives {area}."),
               Mistake(signs * area, f"You left out the region weight: upper limbs count {weight:g}."),
               Mistake(signs * area * lower, f"{lower:g} is the weight of the lower limbs; upper limbs count {weight:g}.")),
        explanation=f"Signs: {' + '.join(f'{v:g}' for v in values)} = {signs:g}. Area: {percent:g} % gives an area "
                    f"score of {area}. Weight: {weight:g}. So {signs:g} × {area} × {weight:g} = {score:.1f}.",
    )


def _band_edges(scheme: str) -> dict[str, tuple[float, float]]:
    """{band: (lower, upper)} of an EASI banding scheme, from data/severity_bands.csv."""
    table = measures.bands("EASI", scheme)
    return {b: (float(lo), float(hi)) for b, lo, hi in zip(table["band"], table["lower"], table["upper"])}


@question
def total_band():
    total = easi.total(patient())
    les, cho = _band_edges("Leshem 2015"), _band_edges("Chopra 2017")
    return MultipleChoice(
        prompt="What is the patient's EASI total, and which band does it fall in under each scheme?",
        options=(f"Under {cho['moderate'][0]:.1f}: mild under both schemes",
                 f"Between {cho['moderate'][0]:.1f} and {les['mild'][1]:.1f}: mild under Leshem 2015, moderate "
                 "under Chopra 2017",
                 f"Between {les['moderate'][0]:.1f} and {les['moderate'][1]:.1f}: moderate under both schemes",
                 f"{les['severe'][0]:.1f} or more: severe under both schemes"),
        answer=sum(total >= edge for edge in (cho["moderate"][0], les["moderate"][0], les["severe"][0])),
        hints={0: f"Mild ends at {les['mild'][1]:.1f} (Leshem) and {cho['mild'][1]:.1f} (Chopra); did you add all "
                  "four regions?",
               1: f"Add up all four region scores again: the total is above {les['mild'][1]:g}.",
               3: f"Severe starts at {les['severe'][0]:.1f} (Leshem) or {cho['severe'][0]:.1f} (Chopra); add the "
                  "four region scores again."},
        explanation=f"The total is {total:.1f}: it lies in {les['moderate'][0]:.1f}-{les['moderate'][1]:.1f} "
                    f"(Leshem moderate) and in {cho['moderate'][0]:.1f}-{cho['moderate'][1]:.1f} (Chopra moderate).",
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
