"""Figures of notebook 03 (the skin microbiome) that the learner looks at but need not read.

Each function returns ``(fig, description)``; the notebook shows it with ``show(fig, description)``.
The descriptions are computed from the data or the model runs, so they stay true to the figure.
"""
from __future__ import annotations

import numpy as np

from ..models import microbiome
from ..plotting import new_figure, series_style

#: the three meta-analyses of S. aureus carriage, as the forest plot labels them
CARRIAGE_NAMES = {"totte2016": "Totté 2016, all ages", "sangaphunchai2023": "Sangaphunchai 2023, children",
                  "hamidifar2023": "Hamidifar 2023, children"}


def carriage_forest(carriage):
    """Forest plot of the pooled odds ratios of S. aureus carriage (eczema vs controls)."""
    rows = carriage.dropna(subset=["odds_ratio"]).reset_index(drop=True)
    fig, ax = new_figure(figsize=(8.5, 4.0))
    for i, source in enumerate(CARRIAGE_NAMES):
        part = rows[rows["source_id"] == source]
        style = series_style(i, marker=True)
        ax.errorbar(part["odds_ratio"], part.index,
                    xerr=[part["odds_ratio"] - part["or_ci_low"], part["or_ci_high"] - part["odds_ratio"]],
                    linestyle="none", marker=style["marker"], color=style["color"], markersize=7,
                    capsize=3, label=CARRIAGE_NAMES[source])
    ax.axvline(1, color="black", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xticks([1, 2, 5, 10, 20, 50], labels=["1", "2", "5", "10", "20", "50"])
    ax.set_yticks(rows.index, labels=[f"{CARRIAGE_NAMES[r['source_id']].split(',')[0]}: {r['site']}"
                                      for _, r in rows.iterrows()])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(False, axis="y")
    for i, r in rows.iterrows():
        ax.text(55, i, f"{r['odds_ratio']:.2f} ({r['or_ci_low']:.2f}-{r['or_ci_high']:.2f})", va="center",
                fontsize=9)
    ax.set_xlim(0.8, 300)
    ax.set_xlabel("odds ratio of carrying S. aureus, eczema vs controls (log scale, 95% CI)")
    ax.set_title("S. aureus carriage: higher in eczema at every site")
    fig.legend(loc="outside lower center", fontsize=8, ncols=3, frameon=False)
    lesional = rows[(rows["source_id"] == "totte2016") & (rows["site"] == "lesional skin")].iloc[0]
    nose_children = rows[(rows["source_id"] != "totte2016") & rows["site"].str.contains("nas|nose", case=False)]
    description = (
        f"Forest plot of {len(rows)} pooled odds ratios with 95% confidence intervals on a log scale, "
        "with a dashed line at 1 (no difference); markers and colours tell the three meta-analyses apart "
        "(legend below). Every interval lies to the right of 1. "
        f"The largest is for lesional skin in Totté 2016 (odds ratio {lesional['odds_ratio']:.2f}, "
        f"{lesional['or_ci_low']:.2f} to {lesional['or_ci_high']:.2f}); the smallest are for the nose in children "
        f"({nose_children['odds_ratio'].min():.2f} to {nose_children['odds_ratio'].max():.2f}). Children's odds "
        "ratios are possibly lower than the all-ages ones, but their intervals overlap.")
    return fig, description


def two_states(starts=(0.001, 0.01, 0.05, 0.1, 0.2, 0.5), days=84):
    """Same skin, different starting S. aureus: runs of the untreated model on a log scale.

    Returns ``(fig, description, endings)``; ``endings`` maps each start to the last row of its run.
    """
    fig, ax = new_figure(figsize=(8, 3.6))
    endings = {}
    for i, a0 in enumerate(starts):
        run = microbiome.simulate(microbiome.Params(a0=a0, e0=1e-6, b0=1.0), days=days)
        endings[a0] = run.iloc[-1]
        ax.plot(run["day"] / 7, run["s_aureus"], label=f"start {a0:g}", markevery=40,
                **series_style(i, marker=True))
        if run["s_aureus"].iloc[-1] < 0.5:  # label the separate low lines at their ends; the high ones meet
            ax.annotate(f"{a0:g}", (days / 7, run["s_aureus"].iloc[-1]), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=8, color=series_style(i)["color"], annotation_clip=False)
    took_over = [a0 for a0 in starts if endings[a0]["s_aureus"] > 0.5]
    low = [a0 for a0 in starts if a0 not in took_over]
    ax.set_yscale("log")
    ax.set_ylim(1e-5, 2)
    ax.set_xlim(0, days / 7)
    ax.set_xticks(range(0, int(days / 7) + 1, 2))
    ax.set_xlabel("time (weeks)")
    ax.set_ylabel("S. aureus (fraction of capacity)")
    ax.set_title("Same skin, different starting S. aureus: two outcomes")
    ax.legend(title="S. aureus at day 0", fontsize=8, ncols=2, loc="lower right")
    if took_over:
        ax.annotate(", ".join(f"{a:g}" for a in took_over), (days / 7, endings[took_over[0]]["s_aureus"]),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8, color="0.25",
                    annotation_clip=False)
    top = max(took_over) if took_over else None
    description = (
        f"{len(starts)} lines of S. aureus over {days / 7:g} weeks on a log scale, all starting on intact skin, "
        "each with its own colour, line style and marker, and labelled at its right-hand end with its start. "
        f"Starts of {', '.join(f'{a:g}' for a in low)} of capacity shrink"
        + (f" (the {max(low):g} line only to {endings[max(low)]['s_aureus']:.3f} by the end, but still falling)"
           if low else "")
        + (f"; starts of {', '.join(f'{a:g}' for a in took_over)} rise to about "
           f"{endings[top]['s_aureus']:.2f} of capacity, and there the barrier ends at "
           f"{endings[top]['barrier']:.2f}" if took_over else "")
        + ". Model with illustrative parameters.")
    return fig, description, endings


def hostile_skin(plans: dict):
    """Two panels (S. aureus, barrier) for named runs of the model on hostile skin.

    ``plans`` maps a label to ``microbiome.Params``. Returns ``(fig, description, results)`` where
    ``results`` maps each label to ``microbiome.outcome``.
    """
    runs = {name: microbiome.simulate(p) for name, p in plans.items()}
    fig, (top, bottom) = new_figure(2, 1, figsize=(8, 4.6), sharex=True)
    for i, (name, run) in enumerate(runs.items()):
        top.plot(run["day"] / 7, np.maximum(run["s_aureus"], 1e-9), label=name, **series_style(i))
        bottom.plot(run["day"] / 7, run["barrier"], **series_style(i))
    top.set_yscale("log")
    top.set_ylim(1e-9, 2)
    top.set_ylabel("S. aureus\n(fraction)")
    top.set_title("Hostile skin: killing alone fails, killing plus a stronger barrier brake works (model)")
    top.legend(fontsize=8, loc="lower left")
    bottom.set_ylim(0, 1.05)
    bottom.set_xlim(0, 12)
    bottom.set_ylabel("barrier (0-1)")
    bottom.set_xlabel("time (weeks)")
    results = {name: microbiome.outcome(plans[name], run) for name, run in runs.items()}
    parts = []
    for name, run in runs.items():
        end = run.iloc[-1]
        parts.append(f"{name}: S. aureus ends at {end['s_aureus']:.2g} of capacity and the barrier at "
                     f"{end['barrier']:.2f} ({results[name]} when the model is run on)")
    description = ("Two panels over 12 weeks for a hostile patch of skin starting in a flare; top, S. aureus on a "
                   "log scale, bottom, the barrier; each plan has its own colour and line style (legend). "
                   + "; ".join(parts) + ". Model with illustrative parameters.")
    return fig, description, results


def bleach_forest(evidence):
    """Forest-style plot of the meta-analyses of bleach baths (Bakaa 2022, Chopra 2017)."""
    shown = evidence[evidence["source_id"].isin(["bakaa2022", "chopra2017"])]
    shown = shown[shown["outcome"].isin(["EASI", "S. aureus colonisation", "body surface area affected"])]
    shown = shown.reset_index(drop=True)
    fig, ax = new_figure(figsize=(9, 3.0))
    labels = []
    for i, r in shown.iterrows():
        labels.append(f"{r['study']}: {r['outcome']}")
        if r["measure"] in ("ratio of means", "risk ratio"):
            style = series_style(0 if r["measure"] == "ratio of means" else 1, marker=True)
            ax.errorbar([r["estimate"]], [i],
                        xerr=[[r["estimate"] - r["interval_low"]], [r["interval_high"] - r["estimate"]]],
                        marker=style["marker"], color=style["color"], linestyle="none", capsize=3, markersize=7)
            ax.text(1.6, i, f"{r['measure']} {r['estimate']:.2f} ({r['interval_low']:.2f}-{r['interval_high']:.2f}); "
                            f"{r['certainty']} certainty", va="center", fontsize=8.5)
        else:
            ax.text(1.6, i, f"no pooled effect size; P = {r['p_value']:.2f}, I² = {r['i2_pct']:.0f} %", va="center",
                    fontsize=8.5)
    ax.axvline(1, color="black", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(0.4, 12)
    ax.set_xticks([0.5, 0.75, 1, 1.5], labels=["0.5", "0.75", "1", "1.5"])
    ax.axvspan(1.55, 12, color="white", zorder=0.5)  # the right part holds the text, not the scale
    ax.spines["bottom"].set_bounds(0.4, 1.55)
    ax.minorticks_off()
    ax.set_yticks(range(len(shown)), labels=labels)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.grid(False, axis="y")
    ax.set_xlabel("bleach vs comparison (ratio, log scale; below 1: lower with bleach)")
    ax.set_title("Two meta-analyses of bleach baths")
    rom = shown[(shown["study"] == "Bakaa 2022") & (shown["outcome"] == "EASI")].iloc[0]
    rr = shown[(shown["study"] == "Bakaa 2022") & (shown["outcome"] == "S. aureus colonisation")].iloc[0]
    chopra = shown[shown["study"] == "Chopra 2017"]
    ps = " and ".join(f"{r['outcome']} (P = {r['p_value']:.2f})" for _, r in chopra.iterrows())
    description = (
        f"Forest-style plot of {len(shown)} results from two meta-analyses, with a dashed line at 1 (no difference). "
        f"Bakaa 2022: EASI ratio of means {rom['estimate']:.2f} (95% credible interval {rom['interval_low']:.2f} "
        f"to {rom['interval_high']:.2f}, {rom['certainty']} certainty), just below 1, drawn as a circle; "
        f"S. aureus colonisation risk ratio {rr['estimate']:.2f} ({rr['interval_low']:.2f} to "
        f"{rr['interval_high']:.2f}, {rr['certainty']} certainty), crossing 1, drawn with a second marker and colour. "
        f"Chopra 2017 gave no pooled effect size, only text: no significant difference from water baths for {ps}.")
    return fig, description
