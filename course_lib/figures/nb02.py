"""Figures of notebook 02 (Th2 inflammation) that a learner looks at but need not read the code of.

Each function returns ``(fig, description)``; the notebook shows it with ``show(fig, description)``.
The descriptions are computed from the same model runs and data as the figures, so they cannot drift.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..models import th2
from ..plotting import COLORS, new_figure, series_style

__all__ = ["loop_diagram", "hysteresis_ramp", "iga_rates", "risk_difference_plot", "not_clear_outcomes"]

#: the loop diagram's boxes and their centres
LOOP_NODES = {"weak barrier": (2.0, 4.8), "allergens and\nirritants get in": (7.6, 4.8),
              "type-2 inflammation\n(IL-4, IL-13)": (7.6, 1.2), "itch": (4.6, 0.45),
              "scratching": (2.0, 1.6)}
#: arrows: start, end, label, where the label goes (x, y, horizontal alignment)
LOOP_ARROWS = [((3.2, 4.8), (6.1, 4.8), "more gets in", (4.65, 5.05, "center")),
               ((7.6, 4.3), (7.6, 1.9), "alarmins\n(TSLP, IL-33,\nIL-25)", (7.8, 3.1, "left")),
               ((6.3, 0.85), (5.1, 0.55), "", None),
               ((4.1, 0.6), (2.9, 1.25), "", None),
               ((2.0, 2.1), (2.0, 4.2), "route 1: scratching\ndamages the barrier", (1.85, 3.15, "right")),
               ((6.4, 1.75), (3.2, 4.3), "route 2: lower filaggrin,\nslower repair", (4.95, 3.2, "left"))]


def loop_diagram():
    """The itch-scratch-barrier loop: five boxes, two routes back to the barrier, and self-amplification."""
    fig, ax = new_figure(figsize=(8.4, 4.4))
    ax.set_xlim(-0.6, 10.4)
    ax.set_ylim(-0.2, 5.6)
    ax.axis("off")
    for k, (label, (x, y)) in enumerate(LOOP_NODES.items()):
        style = series_style(k)
        ax.text(x, y, label, ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="round,pad=0.45", facecolor="white", edgecolor=style["color"],
                          linestyle=style["linestyle"], linewidth=2))
    for (x0, y0), (x1, y1), text, where in LOOP_ARROWS:
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", lw=1.6, color="0.2"))
        if text:
            tx, ty, ha = where
            ax.text(tx, ty, text, ha=ha, va="center", fontsize=8.5, color="0.1")
    # type-2 self-amplification: a curved arrow from the inflammation box back to itself
    ax.annotate("", xy=(9.05, 0.85), xytext=(9.05, 1.6),
                arrowprops=dict(arrowstyle="->", lw=1.6, color="0.2", connectionstyle="arc3,rad=-1.4"))
    ax.text(9.75, 1.22, "self-\namplification", ha="left", va="center", fontsize=8.5, color="0.1")
    ax.set_title("The itch-scratch-barrier loop (a structure assembled from separate findings)")
    description = (
        "Loop diagram with five boxes. A weak barrier lets more allergens and irritants in; what gets in drives "
        "type-2 inflammation (IL-4, IL-13) through the alarmins TSLP, IL-33 and IL-25; inflammation causes itch; "
        "itch causes scratching. Two routes lead back to the barrier: route 1, scratching damages it; route 2, "
        "type-2 cytokines lower filaggrin and slow barrier repair (the diagonal arrow). A curved arrow on the "
        "inflammation box stands for type-2 self-amplification. Each route back closes a positive feedback loop. "
        "The arrows are assembled from separate findings, and not all of them are measured: see the evidence box "
        "below.")
    return fig, description


def hysteresis_ramp(p: th2.Params):
    """A slow ramp of the load up and down, with the bistable window shaded. Returns (fig, description)."""
    ramp = th2.ramp(p, low=0.2, high=1.6, days=2000)
    window = th2.bistable_window(p)
    up, down = ramp[ramp["phase"] == "up"], ramp[ramp["phase"] == "down"]
    jump_up = up.loc[up["inflammation"] > 0.5, "load"].iloc[0]
    jump_down = down.loc[down["inflammation"] < 0.5, "load"].iloc[0]
    fig, ax = new_figure(figsize=(7.5, 3.8))
    ax.axvspan(*window, facecolor=COLORS[4], alpha=0.2, hatch="..", edgecolor="0.6",
               label=f"bistable window {window[0]:.2f}-{window[1]:.2f}")
    ax.plot(up["load"], up["inflammation"], label="load slowly rising", **series_style(0))
    ax.plot(down["load"], down["inflammation"], label="load slowly falling", **series_style(1))
    ax.set_xlabel("environmental load (relative)")
    ax.set_ylabel("type-2 inflammation I (scaled)")
    ax.set_ylim(0, 1.1)
    ax.set_title("A slow ramp up and down: the hysteresis loop")
    ax.legend(loc="upper left")
    description = (
        f"Inflammation while the load rises slowly from 0.2 to 1.6 and falls back over 2000 model days (solid line "
        f"going up, dashed line coming down). Going up, inflammation stays low until a load of about {jump_up:.2f}, "
        f"then jumps to the inflamed branch. Coming down, it stays high until about {jump_down:.2f}. Between "
        f"{window[0]:.2f} and {window[1]:.2f} (the dotted shaded band, the bistable window) the state depends on "
        "the path taken. Both jumps come a little outside the window, because the ramp moves on while the state is "
        "still catching up with a fold. Illustrative model values.")
    return fig, description


def iga_rates(rates: dict, arms: tuple[str, str]):
    """Bars with 95% CIs: the proportion of each arm reaching IGA 0/1 (``rates[arm] = (p, low, high)``)."""
    fig, ax = new_figure(figsize=(5.2, 3.6))
    names = {arms[0]: "placebo", arms[1]: "dupilumab\nevery 2 weeks"}
    for k, arm in enumerate(arms):
        r, lo, hi = rates[arm]
        ax.bar(k, 100 * r, color="white", edgecolor=series_style(k)["color"], hatch=["", "//"][k], linewidth=2)
        ax.errorbar(k, 100 * r, yerr=[[100 * (r - lo)], [100 * (hi - r)]], color="black", capsize=6)
        ax.text(k, 100 * hi + 2, f"{100 * r:.1f}%", ha="center")
    ax.set_xticks([0, 1], [names[a] for a in arms])
    ax.set_ylim(0, 60)
    ax.set_ylabel("IGA 0/1 at week 16 (% of arm)")
    ax.set_title("IGA 0/1, pooled post hoc set (95% CI)")
    pla, dup = rates[arms[0]], rates[arms[1]]
    description = (
        f"Two bars with 95% confidence intervals: {100 * pla[0]:.1f}% of the placebo arm (plain bar; 95% CI "
        f"{100 * pla[1]:.1f} to {100 * pla[2]:.1f}) and {100 * dup[0]:.1f}% of the dupilumab arm (hatched bar; "
        f"{100 * dup[1]:.1f} to {100 * dup[2]:.1f}) were clear or almost clear at week 16. Pooled post hoc "
        "analysis set of SOLO 1 and 2 (Silverberg et al. 2019), not the trials' primary analyses.")
    return fig, description


def risk_difference_plot(rd):
    """The risk difference (a ``stats.Effect``) with its 95% CI, against the line of no difference."""
    fig, ax = new_figure(figsize=(5.2, 1.9))
    ax.errorbar([100 * rd.estimate], [0], xerr=[[100 * (rd.estimate - rd.ci_low)], [100 * (rd.ci_high - rd.estimate)]],
                marker="D", markersize=9, color="black", capsize=6)
    ax.axvline(0, color="0.4", linestyle="--")
    ax.text(0.8, 0.3, "no difference", fontsize=9, color="0.3")
    ax.set_xlim(-5, 40)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_xlabel("risk difference, dupilumab minus placebo (percentage points)")
    ax.set_title("Difference in IGA 0/1 (95% CI)")
    description = (
        f"A diamond at {100 * rd.estimate:.1f} percentage points with its 95% confidence interval "
        f"({100 * rd.ci_low:.1f} to {100 * rd.ci_high:.1f}), far from the dashed line of no difference at 0. "
        "Pooled post hoc analysis set of SOLO 1 and 2 (Silverberg et al. 2019).")
    return fig, description


def not_clear_outcomes(missed: pd.DataFrame):
    """Patients NOT clear or almost clear at week 16: two panels, one per unit (% change; % of patients)."""
    change = missed[missed["unit"] == "% change"].reset_index(drop=True)
    share = missed[missed["unit"] == "% of patients"].reset_index(drop=True)
    fig, (left, right) = new_figure(1, 2, figsize=(9, 3.4), width_ratios=[3, 2])
    for ax, part in ((left, change), (right, share)):
        y = np.arange(len(part))
        ax.barh(y - 0.2, part["placebo_value"], height=0.4, color="white", edgecolor=series_style(0)["color"],
                linewidth=2, label="placebo (396 with IGA > 1)")
        ax.barh(y + 0.2, part["dupilumab_value"], height=0.4, color="white", edgecolor=series_style(1)["color"],
                hatch="//", linewidth=2, label="dupilumab every 2 weeks (278 with IGA > 1)")
        ax.set_yticks(y, list(part["outcome"]))
        ax.axvline(0, color="0.3")
        ax.invert_yaxis()
    left.set_xlim(-60, 0)
    left.set_xlabel("mean % change from baseline\n(more negative = better)")
    left.set_title("Scores: % change", fontsize=11)
    right.set_xlim(0, 70)
    right.set_xlabel("% of patients improving\nby 4 points or more")
    right.set_title("Responders: % of patients", fontsize=11)
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    fig.suptitle("Among patients NOT clear or almost clear at week 16", fontsize=12)
    changes = "; ".join(f"{r.outcome} {r.dupilumab_value:g}% vs {r.placebo_value:g}%" for r in change.itertuples())
    shares = "; ".join(f"{r.outcome} {r.dupilumab_value:.1f}% vs {r.placebo_value:.1f}%" for r in share.itertuples())
    description = (
        f"Two panels of paired horizontal bars, dupilumab (hatched) vs placebo (plain), among patients who did not "
        f"reach IGA 0/1; the legend is below. Left panel, mean percent change from baseline (more negative is "
        f"better): {changes}. Right panel, percent of patients improving by at least 4 points: {shares}. Every "
        "comparison had P < 0.001; the abstract gives no confidence intervals, so none are drawn.")
    return fig, description
