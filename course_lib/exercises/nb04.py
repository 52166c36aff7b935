"""Exercises of notebook 04, The atopic march.

Every answer is computed from the course data (``march_prevalence_by_age``, ``march_leap``,
``march_trajectory_shares``) or from the model :mod:`course_lib.models.march`, never copied.
"""
from __future__ import annotations

from .. import data
from ..models import march
from ..quiz import Mistake, MultipleChoice, Numeric
from . import question


def healthnuts_food_allergy() -> tuple[float, float]:
    """HealthNuts challenge-confirmed food allergy (%) at 1 and at 4 years (Peters et al. 2017)."""
    prev = data.load("march_prevalence_by_age")
    rows = prev[(prev["source_id"] == "peters2017") & (prev["condition"] == "food_allergy_any")]
    at = rows.set_index("age_years")["prevalence_pct"]
    return float(at.loc[1.0]), float(at.loc[4.0])


def leap_counts(stratum: str = "SPT-negative") -> dict:
    """LEAP events and numbers analysed per arm of one stratum: {"avoidance": (events, n), "consumption": ...}."""
    leap = data.load("march_leap")
    rows = leap[leap["stratum"] == stratum].set_index("arm")
    return {arm: (int(rows.loc[arm, "events"]), int(rows.loc[arm, "n"])) for arm in ("avoidance", "consumption")}


def model_wheeze_risks(params: march.Params | None = None) -> tuple[float, float]:
    """The model's risk of wheeze at 6 years with and without eczema at 1 year (defaults unless given)."""
    return march.conditional_risk(params or march.Params(), "wheeze", 6.0, given="eczema", given_age=1.0)


def belgrave_share(group: str) -> float:
    shares = data.load("march_trajectory_shares")
    return float(shares.loc[(shares["study"] == "Belgrave 2014") & (shares["group"] == group), "share_pct"].item())


@question
def food_allergy_fall():
    one, four = healthnuts_food_allergy()
    fall = 1 - four / one
    return Numeric(
        prompt=f"HealthNuts: challenge-confirmed food allergy in {one:.1f}% of children at 1 year and {four:.1f}% "
               "at 4 years. By what proportion (0 to 1) did the prevalence fall?",
        answer=fall, tolerance=0.006, decimals=2,
        hints=(Mistake(one - four, f"{one - four:.1f} is the fall in percentage points. Divide it by the "
                                   f"starting value, {one:.1f}.", tolerance=0.05),
               Mistake((one - four) / 100, f"{(one - four) / 100:.3f} is the absolute fall. A relative fall divides "
                                           f"it by the starting value, {one / 100:.2f}.", tolerance=0.004),
               Mistake(four / one, f"That is the share that remains ({four:.1f} / {one:.1f}). The fall is 1 minus that.",
                       tolerance=0.006),
               Mistake(100 * fall, "Give a proportion between 0 and 1, not a percentage.", tolerance=0.6)),
        explanation=f"Relative fall = ({one:.1f} - {four:.1f}) / {one:.1f} = 1 - {four:.1f}/{one:.1f} = {fall:.2f}: "
                    "about two thirds.",
    )


@question
def leap_nnt():
    (e_avoid, n_avoid), (e_eat, n_eat) = leap_counts().values()
    r_avoid, r_eat = e_avoid / n_avoid, e_eat / n_eat
    rd = r_avoid - r_eat
    nnt = 1 / rd
    return Numeric(
        prompt=f"LEAP, SPT-negative stratum: {e_avoid} of {n_avoid} children who avoided peanut and {e_eat} of "
               f"{n_eat} who ate it had peanut allergy at 5 years. Number needed to treat (eat peanut early) for "
               "one fewer peanut allergy?",
        answer=nnt, tolerance=0.05, decimals=1, unit="infants",
        hints=(Mistake(rd, f"{rd:.3f} is the absolute risk difference. The NNT is its reciprocal, 1 / {rd:.3f}.",
                       tolerance=0.005),
               Mistake(1 / (100 * rd), f"You took the reciprocal of {100 * rd:.1f} percentage points. Use proportions: "
                                       f"1 / {rd:.3f}.", tolerance=0.005),
               Mistake(1 / (1 - r_eat / r_avoid), "That is 1 / (1 - risk ratio): the NNT uses the absolute difference "
                                                  "in risks, not the ratio.", tolerance=0.02),
               Mistake(1 / r_avoid, f"That is 1 / {r_avoid:.3f}, the avoidance risk alone. Subtract the consumption "
                                    "risk first.", tolerance=0.05),
               Mistake(float(-(-nnt // 1)), f"Close: {-(-nnt // 1):.0f} is the NNT rounded up to whole infants, as it "
                                            "is often reported. Here give it to one decimal place.", tolerance=0.04)),
        explanation=f"Risks: {e_avoid}/{n_avoid} = {r_avoid:.3f} (avoid) and {e_eat}/{n_eat} = {r_eat:.3f} (eat). "
                    f"Difference {rd:.3f}; NNT = 1/{rd:.3f} = {nnt:.1f} (in whole infants, rounded up: "
                    f"{-(-nnt // 1):.0f}).",
    )


@question
def model_odds_ratio():
    r_e, r_no = model_wheeze_risks()
    model_or = march.odds_ratio(r_e, r_no)
    return Numeric(
        prompt="Odds ratio of wheeze at 6 years, eczema vs no eczema at 1 year, in the model at its defaults?",
        answer=model_or, tolerance=0.006, decimals=2,
        hints=(Mistake(r_e / r_no, "That is the risk ratio (risk / risk). Use odds: p / (1 - p) for each group, "
                                   "then divide.", tolerance=0.006),
               Mistake(r_e - r_no, "That is a risk difference. An odds ratio divides odds.", tolerance=0.005),
               Mistake(r_e / (1 - r_e), "That is the odds with eczema only. Divide it by the odds without eczema.",
                       tolerance=0.005)),
        explanation=f"Odds with eczema {r_e:.3f}/{1 - r_e:.3f} = {r_e / (1 - r_e):.3f}, without "
                    f"{r_no:.3f}/{1 - r_no:.3f} = {r_no / (1 - r_no):.3f}; their ratio is {model_or:.2f}: "
                    f"{_against(model_or, *published_asthma_ors())} the published {published_asthma_ors()[0]:.2f}-"
                    f"{published_asthma_ors()[1]:.2f} (prospective cohorts, eczema then asthma).",
    )


def published_asthma_ors() -> tuple[float, float]:
    """The lowest and highest odds ratio of later asthma after early eczema in the prospective cohorts of
    data/march_risk_links.csv."""
    links = data.load("march_risk_links")
    rows = links[links["exposure"].str.startswith("eczema") & links["outcome"].str.contains("asthma")
                 & links["measure"].str.contains("OR") & (links["design"] == "prospective")]
    return float(rows["estimate"].min()), float(rows["estimate"].max())


def _against(x: float, low: float, high: float) -> str:
    return "below" if x < low else "above" if x > high else "within"


@question
def march_among_symptomatic():
    none, classic = belgrave_share("no disease"), belgrave_share("atopic march")
    share = 100 * classic / (100 - none)
    return Numeric(
        prompt=f"Belgrave et al. 2014: {none:.1f}% of children in the 'no disease' profile, {classic:.1f}% in the "
               "'atopic march' profile. What percentage of the children with some symptoms followed the "
               "atopic-march profile?",
        answer=share, tolerance=0.05, decimals=1, unit="%",
        hints=(Mistake(classic, f"{classic:.1f}% is the share of ALL children. Divide by the share with symptoms "
                                f"instead (100 - {none:.1f}).", tolerance=0.05),
               Mistake(100 * classic / none, f"Check the denominator: 100 - {none:.1f} = {100 - none:.1f}, "
                                             f"not {none:.1f}.", tolerance=0.05),
               Mistake(share / 100, "That is a proportion; the question asks for a percentage.", tolerance=0.005)),
        explanation=f"Children with symptoms: 100 - {none:.1f} = {100 - none:.1f}%. Atopic march among them: "
                    f"{classic:.1f} / {100 - none:.1f} = {share:.1f}%.",
    )


@question
def prevention_evidence():
    return MultipleChoice(
        prompt="Which statement is best supported by the trials discussed in this notebook?",
        options=(
            "Treating eczema early has been shown to prevent asthma in children.",
            "Daily emollients from birth prevent food allergy.",
            "Eating peanut early prevented peanut allergy in high-risk infants in a randomised trial; "
            "no trial has yet shown that treating eczema prevents asthma or rhinitis.",
            "Because eczema comes first, it must cause the later conditions.",
        ),
        answer=2,
        hints={0: "PACI measured egg allergy at 28 weeks, not asthma. The dupilumab cohort in children (Lin et al. "
                  "2024) is observational: an association, not a trial result.",
               1: "BEEP (15% with emollient vs 14% without) and PreventADALL (3.0% with emollient alone vs 2.3% "
                  "with no intervention) found no reduction.",
               3: "Coming first is not causing: shared genes or environment can produce the same order."},
        explanation="LEAP is randomised evidence for the oral route. For the airways there is no trial evidence in "
                    "children that treating skin prevents disease: PACI's result is on egg allergy at 28 weeks, "
                    "with lower weight and length; the dupilumab data are adverse-event reports from adult trials "
                    "and one observational cohort in children.",
    )
