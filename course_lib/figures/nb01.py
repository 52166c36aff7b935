"""Figures of notebook 01 (the skin barrier) that a learner looks at but need not read the code of.

Each function returns ``(fig, description)``; the notebook shows it with ``show(fig, description)``.
The descriptions are computed from the same data as the figure, so they cannot drift.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..explorers.barrier import MEASURED_STYLES
from ..models import barrier
from ..plotting import new_figure, series_style

__all__ = ["AUTHORS", "flg_odds_ratios", "tewl_by_skin_state", "measured_tewl", "tewl_model",
           "effects_by_age"]

#: source_id -> how the figures name a source
AUTHORS = {"vandenoord2009": "van den Oord 2009", "rodriguez2009": "Rodríguez 2009", "brown2008": "Brown 2008",
           "sandilands2007": "Sandilands 2007", "monterovilchez2021": "Montero-Vilchez 2021",
           "flohr2010": "Flohr 2010", "hoyer2022": "Hoyer 2022", "lee2020": "Lee 2020"}

_FLG_GROUPS = {"eczema": 0, "asthma": 1, "asthma with eczema": 1,
               "allergic rhinitis without eczema": 2, "allergic rhinitis with eczema": 2}


def flg_odds_ratios(flg: pd.DataFrame):
    """Forest-style plot of every published odds ratio in the FLG dataset (log scale)."""
    ors = flg[flg["quantity"] == "odds ratio"].reset_index(drop=True)
    labels = [f"{r.outcome}: {r.comparison}\n({r.population}; {AUTHORS[r.source_id]})" for r in ors.itertuples()]
    fig, ax = new_figure(figsize=(9.5, 6.4))
    for i, r in enumerate(ors.itertuples()):
        style = series_style(_FLG_GROUPS[r.outcome], marker=True)
        ax.plot([r.ci_low, r.ci_high], [i, i], color=style["color"], linestyle=style["linestyle"], linewidth=1.8)
        ax.plot([r.value], [i], marker=style["marker"], color=style["color"], markersize=7, linestyle="none")
    ax.axvline(1, color="black", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xticks([0.5, 1, 2, 5, 10, 30, 100, 1000], labels=["0.5", "1", "2", "5", "10", "30", "100", "1000"])
    ax.set_xticks([], minor=True)
    ax.set_yticks(range(len(ors)), labels, fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlabel("odds ratio in FLG null-variant carriers (95% CI, log scale)")
    ax.set_title("FLG null variants: odds of eczema, asthma, hay fever")
    handles = [ax.plot([], [], **series_style(g, marker=True), label=name)[0]
               for g, name in enumerate(("eczema", "asthma", "hay fever (allergic rhinitis)"))]
    ax.legend(handles=handles, loc="lower right", fontsize=8.5)
    eczema = ors[ors["outcome"] == "eczema"]
    crossing = eczema[eczema["ci_low"] <= 1]
    low, high = eczema.loc[eczema["value"].idxmin()], eczema.loc[eczema["value"].idxmax()]
    rows = "; ".join(f"{r.outcome}, {r.comparison} ({r.population}; {AUTHORS[r.source_id]}): {r.value:g} "
                     f"({r.ci_low:g} to {r.ci_high:g})" for r in ors.itertuples())
    description = (
        "Odds ratios with 95% confidence intervals on a log scale, one row per published estimate; circles "
        "with solid lines are eczema, squares with dashed lines asthma, triangles with dash-dot lines hay fever "
        "(a legend names them), and a dashed vertical line marks no effect (1). The "
        f"{len(eczema)} eczema estimates run from {low.value:g} ({AUTHORS[low.source_id]}, {low.comparison}) to "
        f"{high.value:g} ({AUTHORS[high.source_id]}, {high.comparison}); {len(crossing)} of their intervals "
        f"includes 1. Row by row: {rows}.")
    return fig, description


def _spread(r) -> str:
    if not np.isnan(r.sd):
        return f", SD {r.sd:g}"
    return f", 95% CI {r.ci_low:g} to {r.ci_high:g}" if not np.isnan(r.ci_low) else ""


_STATES = {"healthy": 0, "non-lesional": 1, "lesional": 2, "unselected (by genotype)": 3}
_STATE_NAMES = {"healthy": "healthy", "non-lesional": "non-lesional", "lesional": "lesional",
                "unselected (by genotype)": "unselected infants,\ngrouped by FLG genotype"}


def tewl_by_skin_state(measurements: pd.DataFrame, reference: tuple[float, float] = (2.3, 44.0)):
    """Dot plot of group TEWL from single studies (healthy, non-lesional, lesional), with the healthy-site range.

    ``reference`` is the lowest and highest pooled healthy-adult site mean (Kottner et al. 2013).
    """
    tewl = measurements[measurements["quantity"] == "TEWL"]
    shown = tewl[tewl["source_id"] != "kottner2013"].reset_index(drop=True)
    fig, ax = new_figure(figsize=(9.5, 4.8))
    ax.axvspan(*reference, facecolor="0.93", edgecolor="0.6", hatch="..", zorder=0,
               label=f"healthy adults, range of\nsite means ({reference[0]:g} to {reference[1]:g})")
    kinds = []
    for i, r in enumerate(shown.itertuples()):
        style = series_style(_STATES[r.skin_state], marker=True)
        if not np.isnan(r.sd):
            ax.plot([max(r.value - r.sd, 0), r.value + r.sd], [i, i], color=style["color"],
                    linestyle=style["linestyle"])
            kinds.append("bar: ± 1 SD")
        elif not np.isnan(r.ci_low):
            ax.plot([r.ci_low, r.ci_high], [i, i], color=style["color"], linestyle=style["linestyle"],
                    marker="|", markersize=12)
            kinds.append("bar: 95% CI")
        else:
            kinds.append("no bar reported")
        label = _STATE_NAMES[r.skin_state]
        ax.plot([r.value], [i], marker=style["marker"], color=style["color"], markersize=8, linestyle="none",
                label=label if label not in ax.get_legend_handles_labels()[1] else None)
    ax.set_yticks(range(len(shown)), [f"{r.group} ({r.statistic})\n{AUTHORS[r.source_id]}; {kind}"
                                      for r, kind in zip(shown.itertuples(), kinds)], fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 50)
    ax.set_xlabel("TEWL (g/m²/h); plain bars: ± 1 SD; bars with end ticks: 95% CI")
    ax.set_title("Water loss through healthy, non-lesional and lesional skin")
    ax.legend(title="skin state", loc="center right", fontsize=8.5)
    each = "; ".join(f"{r.group}, {r.skin_state} ({AUTHORS[r.source_id]}): {r.statistic} {r.value:g}{_spread(r)}"
                     for r in shown.itertuples())
    description = (
        f"Dot plot of mean or median TEWL for {len(shown)} groups from {shown['source_id'].nunique()} studies; "
        "circles are healthy skin, squares uninvolved (non-lesional) skin of people with eczema, triangles "
        "eczema lesions, and diamonds unselected infants grouped by FLG genotype, not by skin state (a legend "
        "names them). Plain bars show ± 1 SD (the spread between people); bars with end ticks show a 95% "
        "confidence interval (the uncertainty of the mean). A grey dotted band, in the legend, shows the range "
        f"of healthy adult site means ({reference[0]:g} to {reference[1]:g} g/m²/h). Within each study that "
        f"measured lesions, lesions lose the most water. The values: {each} (g/m²/h).")
    return fig, description


def measured_tewl(measurements: pd.DataFrame) -> dict[str, float]:
    """Mean TEWL of healthy, non-lesional and lesional skin in one study of adults (Montero-Vilchez 2021)."""
    rows = measurements.query("source_id == 'monterovilchez2021' and quantity == 'TEWL'")
    return {s: float(rows.loc[rows["skin_state"] == s, "value"].iloc[0])
            for s in ("healthy", "non-lesional", "lesional")}


def tewl_model(measured: dict[str, float], base: barrier.Params | None = None):
    """Left: model TEWL against inflammation per FLG genotype, with measured means. Right: the water profile."""
    base = base or barrier.Params()
    inflammation = np.linspace(0, 0.7, 29)
    fig, (left, right) = new_figure(1, 2, figsize=(10, 4.4))
    for g in (0, 1, 2):
        values = [barrier.steady_tewl(base.replace(flg_null_alleles=g, inflammation=x)) for x in inflammation]
        left.plot(inflammation, values, **series_style(g), label=f"model, {g} FLG null allele(s)")
    for name, value in measured.items():
        left.axhline(value, color="0.3", linewidth=1.3, linestyle=MEASURED_STYLES[name],
                     label=f"measured mean, {name} ({value:g})")
    left.set_xlim(0, 0.7)
    left.set_ylim(0, 40)
    left.set_xlabel("inflammation (fraction of integrity lost)")
    left.set_ylabel("TEWL (g/m²/h)")
    left.set_title("Less integrity, more water loss")
    left.legend(fontsize=8, loc="upper left", ncols=2)
    profiles = {}
    for i, beta in enumerate((0.0, 2.0)):
        sol = profiles[beta] = barrier.water_profile(base.replace(beta=beta), hours=2.0, nodes=50)
        right.plot(sol["x_um"], sol["c"][:, -1], **series_style(i + 3),
                   label=f"beta = {beta:g}: TEWL {sol['surface_tewl'][-1]:.1f} g/m²/h")
    right.set_xlabel(f"depth (µm; skin surface at {base.thickness_um:g})")
    right.set_ylabel("water (g/cm³)")
    right.set_ylim(0, 0.75)
    right.set_title("Water profile across the SC")
    right.legend(fontsize=8, loc="lower left")
    at = {g: [barrier.steady_tewl(base.replace(flg_null_alleles=g, inflammation=x)) for x in (0.0, 0.7)]
          for g in (0, 1, 2)}
    gap0, gap7 = at[2][0] - at[0][0], at[2][1] - at[0][1]
    flat = profiles[0.0]["c"][:, -1]
    styles = {"healthy": "dotted", "non-lesional": "long-dashed", "lesional": "dash-dot-dot"}
    lines = ", ".join(f"{styles[n]} for {n} ({v:g})" for n, v in measured.items())
    description = (
        "Left: model TEWL against inflammation for 0, 1 and 2 FLG null alleles (solid, dashed and dash-dot "
        f"coloured lines), with three grey horizontal lines at the means of one study (Montero-Vilchez 2021; "
        f"lesions on the forearm): {lines} g/m²/h. TEWL rises in a straight line as inflammation removes "
        f"integrity, from {at[0][0]:.1f}, {at[1][0]:.1f} and {at[2][0]:.1f} g/m²/h with no inflammation to "
        f"{at[0][1]:.1f}, {at[1][1]:.1f} and {at[2][1]:.1f} at inflammation 0.7. The lines draw together as "
        f"inflammation rises (two null alleles add {gap0:.1f} g/m²/h at 0 and {gap7:.1f} at 0.7), because a "
        "null allele removes a share of the integrity that is left. Right: the water concentration across the "
        f"{base.thickness_um:g} µm stratum corneum at steady state from the numerical solver; with constant "
        f"diffusivity (beta 0) it falls in a straight line from {flat.max():.2f} to {flat.min():.2f} g/cm³, "
        "with water-dependent diffusivity (beta 2) it stays high deep in the layer and drops steeply near the "
        "dry surface.")
    return fig, description


def effects_by_age(prevention: pd.DataFrame):
    """Every reported eczema risk ratio in the trials dataset, ordered by the age at which eczema was counted."""
    eczema = prevention[(prevention["outcome"] == "eczema") & prevention["reported_effect"].notna()].copy()
    eczema["age"] = eczema["timepoint_months"].astype("float").fillna(24.0)  # Cochrane: 1-3 years, drawn at 24
    eczema = eczema.sort_values("age").reset_index(drop=True)
    fig, ax = new_figure(figsize=(8.5, 4.2))
    for i, r in enumerate(eczema.itertuples()):
        pooled = r.arm == "pooled"
        style = series_style(1 if pooled else 0, marker=True)
        ax.plot([r.ci_low, r.ci_high], [i, i], color=style["color"], linestyle=style["linestyle"])
        ax.plot([r.reported_effect], [i], marker="D" if pooled else "o", color=style["color"], markersize=8,
                linestyle="none", label=("pooled (Cochrane)" if pooled else
                                         "single trial" if i == 0 else None))
    ax.axvline(1, color="black", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xticks([0.25, 0.5, 1, 2], labels=["0.25", "0.5", "1", "2"])
    ax.set_xticks([], minor=True)

    def when(r):
        return f"1-3 years (7 trials, {int(r.n)} infants)" if r.arm == "pooled" else f"{r.timepoint_months:g} months"

    ax.set_yticks(range(len(eczema)), [f"{r.trial}: {r.reported_effect_type} at {when(r)}"
                                       for r in eczema.itertuples()], fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlabel("reported risk ratio, emollient vs control (95% CI, log scale)")
    ax.set_title("Reported effects by age at assessment\n(not a test of timing)")
    ax.legend(loc="lower right", fontsize=8.5)
    points = "; ".join(f"{r.trial} at {when(r)}: {r.reported_effect:g} ({r.ci_low:g} to {r.ci_high:g})"
                       for r in eczema.itertuples())
    description = (
        "Reported risk ratios with 95% confidence intervals on a log scale, ordered by the age at which eczema "
        "was counted; circles with solid lines are single trials, a diamond with a dashed line is the Cochrane "
        f"pooled estimate (a legend names them), and a dashed vertical line marks no effect. In order: {points}. "
        "Later results sit closer to 1, but they also come from larger trials with other designs, so these "
        f"{len(eczema)} points do not test whether timing matters.")
    return fig, description
