"""Notebook 00: score a patient on EASI and see the severity band."""
from __future__ import annotations

from .. import measures
from ..models import easi
from ..plotting import COLORS
from ..widgets import Explorer

HATCHES = ("", "//", "..", "xx")
SCHEME = "Leshem 2015"


def _draw(fig, df):
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    labels = [easi.REGION_NAMES[r] for r in df["region"]]
    bars = left.barh(labels, df["region_score"], color=COLORS[:4], hatch=HATCHES, edgecolor="black")
    left.invert_yaxis()
    left.set_xlim(0, 28.8)
    left.set_xlabel("region score (EASI points)")
    left.set_title("Contribution of each region")
    table = measures.bands("EASI", SCHEME)
    shades = ["#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373"]
    for (_, row), shade in zip(table.iterrows(), shades):
        right.axvspan(row["lower"], row["upper"] if row["upper"] > row["lower"] else row["lower"] + 0.4,
                      color=shade, zorder=0)
    right.set_xlim(0, 72)
    right.set_xticks([0, 7, 21, 50, 72])  # band edges of the scheme
    right.set_yticks([])
    right.set_xlabel("EASI total (0-72)")
    right.set_title(f"Total and band ({SCHEME})")
    marker, = right.plot([0], [0.5], marker="v", markersize=14, color=COLORS[3], linestyle="none")
    label = right.text(0, 0.72, "", ha="left", fontsize=11,
                       bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1))
    right.set_ylim(0, 1)
    return {"bars": bars, "marker": marker, "label": label}


def _update(artists, df, params):
    for bar, value in zip(artists["bars"], df["region_score"]):
        bar.set_width(value)
    total = float(df["easi"].iloc[0])
    name = measures.band(total, "EASI", SCHEME)
    artists["marker"].set_xdata([total])
    left_half = total < 36
    artists["label"].set_position((total + 1 if left_half else total - 1, 0.72))
    artists["label"].set_horizontalalignment("left" if left_half else "right")
    artists["label"].set_text(f"{total:.1f}: {name}")
    top = df.loc[df["region_score"].idxmax()]
    biggest = (f" The largest contribution is from the {easi.REGION_NAMES[top['region']].lower()} "
               f"({top['region_score']:.1f} points)." if total > 0 else "")
    return (f"Bar chart of the four EASI region scores and a scale from 0 to 72 with the six "
            f"{SCHEME} severity bands shaded. The total is {total:.1f}, in the '{name}' band.{biggest}")


def easi_scorer(params: easi.Params | None = None) -> Explorer:
    """An EASI score sheet: area and the four signs for each region, and the total's band."""
    params = params or easi.Params()
    groups = [(easi.REGION_NAMES[r], [f"{r}_{x}" for x in ("area",) + easi.SIGNS]) for r in easi.REGIONS]
    groups.append(("Patient", ["age_0_to_7"]))
    return Explorer(params, easi.simulate, _draw, _update, controls=groups, columns=2,
                    figsize=(9, 3.2))


EXPLORERS = {"easi_scorer": easi_scorer}
