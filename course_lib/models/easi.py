"""EASI, the Eczema Area and Severity Index, as a small static model.

The body is split into four regions. In each region a trained rater scores the
intensity of four signs (erythema, oedema/papulation, excoriation,
lichenification) from 0 to 3, with half points allowed between 1 and 3, and
converts the percentage of the region affected into an area score from 0 to 6.
The region score is (sum of the four intensities) x (area score) x (region
weight); EASI is the sum of the four region scores, from 0 to 72. Children aged
0-7 years use different weights for head/neck and lower limbs.

Sources: Hanifin JM et al. (2001) Exp Dermatol 10:11-18,
doi:10.1034/j.1600-0625.2001.100102.x; Hanifin JM et al. (2022) Dermatitis
33:187-192, doi:10.1097/DER.0000000000000895 (Figure 1, calculation; FAQ, half
points). Severity bands: data/severity_bands.csv.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from ._contract import ModelParams, check_outputs, param

REGIONS = ("head_neck", "upper_limbs", "trunk", "lower_limbs")
REGION_NAMES = {"head_neck": "Head and neck", "upper_limbs": "Upper limbs",
                "trunk": "Trunk", "lower_limbs": "Lower limbs"}
SIGNS = ("erythema", "oedema", "excoriation", "lichenification")
#: region weights (multipliers) for people aged 8 and over, and for children 0-7 years
WEIGHTS = {"8+": {"head_neck": 0.1, "upper_limbs": 0.2, "trunk": 0.3, "lower_limbs": 0.4},
           "0-7": {"head_neck": 0.2, "upper_limbs": 0.2, "trunk": 0.3, "lower_limbs": 0.3}}
#: lowest percentage of area scores 2..6 (score 1 is any involvement under 10 %)
AREA_LOWER_EDGES = (10, 30, 50, 70, 90)
SIGN_CHOICES = (0.0, 1.0, 1.5, 2.0, 2.5, 3.0)

OUTPUTS = {
    "area_score": ("score 0-6", 0, 6),
    "intensity_sum": ("score 0-12", 0, 12),
    "region_score": ("EASI points", 0, 28.8),
    "easi": ("EASI points", 0, 72),
}


def _fields():
    out = [("age_0_to_7", int, param(0, 0, 1, step=1, unit="0/1",
                                      label="child 0-7 years",
                                      meaning="1 if the patient is aged 0-7 years (changes the weights)"))]
    for r in REGIONS:
        out.append((f"{r}_area", float, param(0.0, 0.0, 100.0, step=1.0, unit="% of region",
                                              label="area",
                                              meaning=f"percentage of the {REGION_NAMES[r].lower()} affected")))
        for s in SIGNS:
            out.append((f"{r}_{s}", float, param(0.0, 0.0, 3.0, step=0.5, unit="score 0-3",
                                                 choices=SIGN_CHOICES,
                                                 label=s,
                                                 meaning=f"{s} intensity on the {REGION_NAMES[r].lower()} "
                                                         "(0 none ... 3 severe; no half point below 1)")))
    return out


Params = dataclasses.make_dataclass("Params", _fields(), bases=(ModelParams,), frozen=True,
                                    namespace={"model": "easi", "__module__": __name__,
                                               "__doc__": "Scores of one EASI assessment."})


def area_score(percent: float) -> int:
    """Convert the percentage of a region affected (0-100) into the EASI area score 0-6.

    0 % -> 0; under 10 % -> 1; 10-29 % -> 2; 30-49 % -> 3; 50-69 % -> 4;
    70-89 % -> 5; 90-100 % -> 6 (Hanifin 2022, Figure 1).
    """
    if not 0 <= percent <= 100:
        raise ValueError(f"easi.area_score: percent={percent!r} is outside [0, 100] (% of region)")
    if percent == 0:
        return 0
    return 1 + sum(percent >= edge for edge in AREA_LOWER_EDGES)


def simulate(params: Params) -> pd.DataFrame:
    """Score one assessment: one row per region, and the total in column ``easi``.

    Columns: region, weight, area_score, intensity_sum, region_score, easi
    (the total, repeated on every row so that the frame stays tidy).
    """
    weights = WEIGHTS["0-7" if params.age_0_to_7 else "8+"]
    rows = []
    for r in REGIONS:
        intensity = sum(getattr(params, f"{r}_{s}") for s in SIGNS)
        a = area_score(getattr(params, f"{r}_area"))
        rows.append(dict(region=r, weight=weights[r], area_score=a, intensity_sum=intensity,
                         region_score=intensity * a * weights[r]))
    df = pd.DataFrame(rows)
    df["easi"] = round(df["region_score"].sum(), 10)
    df.attrs["units"] = {"region": "", "weight": "fraction of body", **{k: v[0] for k, v in OUTPUTS.items()}}
    df.attrs["model"] = "easi"
    return df


def total(params: Params) -> float:
    """The EASI total (0-72) of one assessment."""
    return float(simulate(params)["easi"].iloc[0])


def validate(df: pd.DataFrame) -> None:
    check_outputs(df, OUTPUTS, "easi")
