"""Figures of notebook 05, Synthesis, that style rather than teach.

Each function draws on axes the notebook made with ``plotting.new_figure`` and returns the
figure's text description, so the notebook reads::

    fig, ax = new_figure(figsize=(8, 3.0))
    description = nb05_figures.flg_carriers(ax, freq)
    show(fig, description)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import data, stats
from ..models import coupled
from ..plotting import COLORS, series_style

__all__ = ["bistable_windows", "flg_carriers", "flg_label", "loop_rescues", "solo_and_model", "trial_remission",
           "six_patients"]


def flg_label(source_id: str, resource: str = "flg_risk") -> str:
    """A learner's label for a data source: "Palmer et al. 2006" (never the internal key "palmer2006")."""
    for s in data.resource(resource)["sources"]:
        if s["id"] == source_id:
            first = s["authors"].split(",")[0].split()[0]
            return f"{first} et al. {s['year']}"
    raise KeyError(f"figures.nb05.flg_label: no source {source_id!r} in {resource!r}")


def bistable_windows(ax, on: dict, off: dict) -> str:
    """Section 2: the window of two stable states with the couplings off and on (from ``coupled.thresholds``)."""
    for k, (name, t) in enumerate((("couplings off", off), ("couplings on", on))):
        style = series_style(k)
        ax.plot([t["remission"], t["flare"]], [k, k], color=style["color"], linestyle=style["linestyle"],
                linewidth=6, solid_capstyle="butt", label=f"{name}: two stable states")
        ax.plot([t["remission"]], [k], marker="<", markersize=12, color=style["color"])
        ax.plot([t["flare"]], [k], marker=">", markersize=12, color=style["color"])
        ax.text(t["remission"], k + 0.22, f"flare persists from {t['remission']:.2f}", ha="left", fontsize=9)
        ax.text(t["flare"], k - 0.32, f"calm skin flares from {t['flare']:.2f}", ha="right", fontsize=9)
    ax.set(xlim=(0.2, 1.3), ylim=(-0.7, 1.6), xlabel="environmental load (relative)", yticks=[0, 1],
           yticklabels=["off", "on"], ylabel="couplings", title="The window of two stable states widens downwards")
    return (f"Two horizontal bars show the range of environmental load with two stable states. Couplings off: "
            f"{off['remission']:.2f} to {off['flare']:.2f}. Couplings on: {on['remission']:.2f} to "
            f"{on['flare']:.2f}. The lower end (where a flare persists) falls by "
            f"{off['remission'] - on['remission']:.2f}; the upper end (where calm skin flares by itself) moves by "
            f"{abs(on['flare'] - off['flare']):.2f}. Illustrative model values.")


def flg_carriers(ax, freq: pd.DataFrame) -> str:
    """Section 3: how common FLG null variants are (the ``carrier frequency`` rows of ``flg_risk``).

    Where the source gives counts but no interval (Hoyer et al. 2022: 166 of 1836 infants), the
    interval drawn is a Wilson 95 % interval computed from the counts (:func:`stats.proportion_ci`).
    """
    freq = freq.reset_index(drop=True)
    labels, parts = [], []
    for k, row in freq.iterrows():
        style = series_style(k, marker=True)
        lo, hi = row["ci_low"], row["ci_high"]
        value, computed = row["value"], False
        if pd.isna(lo) and row["source_id"] == "hoyer2022":
            value, lo, hi = (100 * v for v in stats.proportion_ci(166, int(row["n_people"])))
            computed = True
        has_ci = pd.notna(lo)
        ax.errorbar(value, k, xerr=[[value - lo], [hi - value]] if has_ci else None, fmt=style["marker"],
                    color=style["color"], capsize=4, markersize=7)
        who = flg_label(row["source_id"])
        labels.append(f"{row['population']}\n({who})")
        if computed:
            parts.append(f"{row['population']}, {who}: {value:.1f}% ({lo:.1f}-{hi:.1f}%, our Wilson interval "
                         f"from 166 of {int(row['n_people'])})")
        elif has_ci:
            parts.append(f"{row['population']}, {who}: {value:.1f}% ({lo:.1f}-{hi:.1f}%)")
        else:
            parts.append(f"{row['population']}, {who}: about {value:g}% (no interval given)")
    ax.set_yticks(range(len(freq)), labels, fontsize=8)
    ax.set(xlabel="carriers of an FLG null variant (%)", xlim=(0, 25), title="How common are FLG null variants?")
    ax.invert_yaxis()
    return ("Dot plot of the share of people carrying an FLG null variant, with 95% confidence intervals where "
            "there is one. " + "; ".join(parts) + ". The virtual patients use the atopic-dermatitis figure.")


def six_patients(ax, chosen: pd.DataFrame, triggered: dict, trigger=(1.5, 10.0, 10.0)) -> str:
    """Section 3 (going further): the same trigger in six virtual patients (``run_patients`` output)."""
    load, start, length = trigger
    ax.axvspan(start, start + length, color=COLORS[4], alpha=0.2, label=f"trigger (load {load:g})")
    for k, (pid, row) in enumerate(chosen.iterrows()):
        ax.plot(triggered["day"], triggered["inflammation"][:, k], **series_style(k, marker=True),
                markevery=(4 * k, 40), markersize=5,
                label=f"patient {pid}: load {row['p_env']:.2f}, FLG {'carrier' if row['flg_null_alleles'] else 'none'}")
    ax.axhline(coupled.INFLAMED_LEVEL, color="0.5", linewidth=0.8, linestyle=":")
    ax.set(xlabel="time (days)", ylabel="type-2 inflammation (scaled)", ylim=(0, 1.6),
           title="Same trigger, six virtual patients")
    ax.legend(fontsize=8, ncols=2, loc="upper right")
    course = six_patient_courses(triggered, start)
    ends = triggered["inflammation"][-1]
    return (f"Inflammation over {triggered['day'][-1]:.0f} days for six virtual patients who start with calm skin "
            f"and meet the same {length:g}-day trigger (shaded, days {start:g} to {start + length:g}). "
            + "; ".join(f"patient {p} (load {chosen.loc[p, 'p_env']:.2f}) ends at {e:.2f}, {c}"
                        for p, e, c in zip(chosen.index, ends, course))
            + ". Illustrative model values.")


def six_patient_courses(triggered: dict, trigger_start: float = 10.0) -> list[str]:
    """Each patient's course: flaring before the trigger, stays inflamed, or recovers."""
    before = triggered["inflammation"][int(np.searchsorted(triggered["day"], trigger_start)) - 1]
    ends = triggered["inflammation"][-1]
    return ["flaring before the trigger" if b > 0.15 else
            ("stays inflamed" if e > coupled.INFLAMED_LEVEL else "recovers") for b, e in zip(before, ends)]


def trial_remission(ax, summary: pd.DataFrame, n_patients: int) -> str:
    """Section 4: remission at week 16 per strategy, with Wilson intervals; counts and relapse at the right."""
    for k, (name, row) in enumerate(summary.iterrows()):
        ax.errorbar(row["remission"], k, xerr=[[max(row["remission"] - row["remission_low"], 0.0)],
                                               [max(row["remission_high"] - row["remission"], 0.0)]],
                    fmt="o", color=COLORS[0], capsize=3)
        relapse = "" if np.isnan(row["relapse"]) else \
            f"  relapse {row['relapse']:.0%} ({row['relapse_low']:.0%}-{row['relapse_high']:.0%})"
        ax.text(1.03, k, f"{int(row['in_remission'])}/{int(row['n'])}{relapse}", va="center", fontsize=8)
    ax.set_yticks(np.arange(len(summary)), summary.index, fontsize=9)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1.6), xticks=np.linspace(0, 1, 6), xlabel="share in remission at week 16 (95% CI)",
           title=f"Virtual trial: {n_patients} virtual patients, each strategy")
    return ("Dot plot with 95% confidence intervals of the share of virtual patients in remission at week 16, one "
            "row per strategy; the right column gives the count and, among those in remission, the share who "
            "relapsed by week 32 after stopping, with its 95% confidence interval. "
            + "; ".join(f"{name}: {row['remission']:.0%}" for name, row in summary.iterrows())
            + ". Model results with illustrative parameters, not trial data.")


def solo_and_model(ax, solo: pd.DataFrame, summary: pd.DataFrame) -> str:
    """Section 4: SOLO's IGA 0/1 at week 16 (both arms) beside the model's no-treatment and IL-4Rα arms."""
    arms = []
    for _, row in solo.iterrows():
        label = "SOLO: dupilumab" if "dupilumab" in row["arm"] else "SOLO: placebo"
        clear = int(row["n"] - row["events"])
        arms.append((label, *stats.proportion_ci(clear, int(row["n"]))))
    for name, label in (("no treatment", "model: no treatment"), ("IL-4Rα blockade", "model: IL-4Rα blockade")):
        r = summary.loc[name]
        arms.append((label, r["remission"], r["remission_low"], r["remission_high"]))
    for k, (label, p, lo, hi) in enumerate(arms):
        style = series_style(0 if label.startswith("SOLO") else 1, marker=True)
        ax.errorbar(p, k, xerr=[[max(p - lo, 0.0)], [max(hi - p, 0.0)]], fmt=style["marker"], color=style["color"],
                    capsize=4)  # max(..., 0): the Wilson bounds at 0 % or 100 % differ from it only by round-off
        right = hi < 0.75
        ax.text(hi + 0.02 if right else lo - 0.02, k, f"{p:.0%} ({lo:.0%}-{hi:.0%})", va="center", fontsize=9,
                ha="left" if right else "right")
    ax.set_yticks(range(len(arms)), [a[0] for a in arms])
    ax.invert_yaxis()
    ax.set(xlim=(0, 1.05), xlabel="share of patients (95% CI)", title="SOLO at week 16 and the model's arms")
    shares = {a[0]: a[1] for a in arms}
    return ("Dot plot with 95% confidence intervals. Real trial, share clear or almost clear (IGA 0/1) at week 16 "
            f"in SOLO 1 and 2 pooled: placebo {shares['SOLO: placebo']:.1%}, dupilumab "
            f"{shares['SOLO: dupilumab']:.1%}. Model, share in remission at week 16: no treatment "
            f"{shares['model: no treatment']:.0%}, IL-4Rα blockade {shares['model: IL-4Rα blockade']:.0%}. The "
            "model's outcome is not IGA and its parameters are illustrative.")


def loop_rescues(ax1, ax2, who: pd.DataFrame, rescued: pd.Series, n_failed: int, remission_load: float) -> str:
    """Section 5 (going further): who the emollient helps (left) and which cut loop rescues the failures (right)."""
    for k, (ok, label) in enumerate(((True, "emollient alone: remission"), (False, "emollient alone: still inflamed"))):
        part = who[who["remission"] == ok]
        style = series_style(k, marker=True)
        ax1.scatter(part["p_env"], part["resilience"], marker=style["marker"], color=style["color"],
                    facecolors="none" if ok else style["color"], label=label, s=30)
    ax1.axvline(remission_load, color="0.4", linestyle=":", linewidth=1)
    ax1.text(remission_load, 1.01, f"{remission_load:.2f}", color="0.3", fontsize=8, va="bottom", ha="center",
             transform=ax1.get_xaxis_transform())
    ax1.set(xlabel="environmental load", ylabel="microbiome resilience (× default)", yscale="log",
            title="Who does the emollient help?")
    ax1.set_yticks([0.25, 0.5, 1, 2, 4], ["0.25", "0.5", "1", "2", "4"])
    ax1.minorticks_off()
    ax1.legend(fontsize=8, loc="upper right")
    ax2.barh(range(len(rescued)), rescued.to_numpy(), color=[COLORS[k] for k in range(len(rescued))],
             hatch=["", "//", ".."][:len(rescued)], edgecolor="black")
    ax2.set_yticks(range(len(rescued)), rescued.index, fontsize=9)
    ax2.set(xlim=(0, n_failed * 1.1), xlabel=f"patients rescued (of {n_failed} emollient failures)",
            title="Cut one loop, then rerun")
    return (f"Left: each virtual patient by environmental load and microbiome resilience; open circles reached "
            f"remission on the emollient alone ({int(who['remission'].sum())} patients), filled squares did not "
            f"({n_failed}). The dotted line is the load ({remission_load:.2f}) below which a flare resolves by "
            f"itself. Right: of the {n_failed} emollient failures, cutting the S. aureus loop lets the emollient "
            f"work for {rescued['S. aureus loop']}, cutting the itch-scratch loop for {rescued['itch-scratch loop']}, "
            f"and halving type-2 self-amplification for {rescued['type-2 self-amplification']}. "
            "Illustrative model values.")
