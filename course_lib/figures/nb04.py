"""Figures of notebook 04, The atopic march: each function returns ``(fig, description)`` for ``plotting.show``.

The descriptions are built from the data the figure draws, so they stay true to it.
"""
from __future__ import annotations

import numpy as np

from .. import data
from ..plotting import new_figure, series_style
from ..stats import proportion_ci

#: the letter written by each point of the right panel of :func:`prevalence_by_age`
SOURCE_TAGS = {"peters2017": "H", "vonkobyletzki2012": "D", "mallol2013": "I", "sigurdardottir2021": "E"}
#: short author-year names of the sources in ``march_risk_links``
AUTHORS = {"vanderhulst2007": "van der Hulst 2007", "vonkobyletzki2012": "von Kobyletzki 2012",
           "saunes2012": "Saunes 2012", "knudgaard2021": "Knudgaard 2021", "martin2015": "Martin 2015",
           "tsakok2016": "Tsakok 2016", "rodriguez2009": "Rodríguez 2009", "illi2004": "Illi 2004",
           "tran2018": "Tran 2018"}
#: horizontal offsets (years) so that three conditions measured at the same age do not hide each other
OFFSETS = (-0.3, 0.0, 0.3)


def prevalence_by_age():
    """Food allergy by age (left) and point prevalence of eczema, asthma/wheeze and rhinitis (right)."""
    prev = data.load("march_prevalence_by_age")
    fig, (ax_fa, ax_resp) = new_figure(1, 2, figsize=(10, 4.4))
    food = [("peters2017", "food_allergy_any", "HealthNuts: challenge-confirmed"),
            ("venkataraman2018", "food_allergy_reported", "Isle of Wight: reaction history"),
            ("venkataraman2018", "food_allergy_plus_spt", "Isle of Wight: history + skin test")]
    for i, (source, condition, label) in enumerate(food):
        rows = prev[(prev["source_id"] == source) & (prev["condition"] == condition)]
        ax_fa.plot(rows["age_years"], rows["prevalence_pct"], label=label, **series_style(i, marker=True))
    ax_fa.set_xlabel("age (years)")
    ax_fa.set_ylabel("food allergy now (%)")
    ax_fa.set_title("Food allergy: highest in infancy")
    ax_fa.set_xlim(0, 19)
    ax_fa.set_ylim(0, 12)
    ax_fa.legend(fontsize=9)

    conditions = [("eczema", "eczema"), ("asthma_wheeze", "asthma/wheeze"), ("rhinitis", "rhinitis")]
    point = prev[(prev["measure"] == "point") & prev["condition"].isin([c for c, _ in conditions])]
    unknown = set(point["source_id"]) - set(SOURCE_TAGS)
    if unknown:
        raise ValueError(f"figures.nb04.prevalence_by_age: no letter for source(s) {sorted(unknown)}")
    for i, (condition, label) in enumerate(conditions):
        rows = point[point["condition"] == condition]
        x = rows["age_years"].to_numpy(float) + OFFSETS[i]
        y = rows["prevalence_pct"].to_numpy(float)
        lo = rows["ci_low_pct"].to_numpy(float, na_value=np.nan)
        hi = rows["ci_high_pct"].to_numpy(float, na_value=np.nan)
        err = np.vstack([np.where(np.isnan(lo), 0, y - lo), np.where(np.isnan(hi), 0, hi - y)])
        style = series_style(i, marker=True)
        ax_resp.errorbar(x, y, yerr=err, fmt=style["marker"], color=style["color"], capsize=3, markersize=7,
                         label=label)
        for xi, value, source in zip(x, y, rows["source_id"]):
            ax_resp.annotate(SOURCE_TAGS[source], (xi, value), xytext=(5, 3), textcoords="offset points",
                             fontsize=8.5, color="0.2", bbox=dict(boxstyle="square,pad=0.05", fc="white", ec="none"))
        isaac = rows["source_id"].to_numpy() == "mallol2013"
        ax_resp.plot(x[isaac], y[isaac], color=style["color"], linestyle=style["linestyle"], linewidth=1)
    ax_resp.set_xlabel("age (years)")
    ax_resp.set_ylabel("condition now (%)")
    ax_resp.set_title("Eczema, asthma, rhinitis (point prevalence)\nH HealthNuts, D DBH, I ISAAC, E EuroPrevall",
                      fontsize=10)
    ax_resp.set_xlim(0, 15)
    ax_resp.set_ylim(0, 20)
    ax_resp.legend(fontsize=9)

    def pct(source, condition, age=None):
        rows = prev[(prev["source_id"] == source) & (prev["condition"] == condition)]
        if age is not None:
            rows = rows[rows["age_years"] == age]
        return rows["prevalence_pct"]

    fa = pct("peters2017", "food_allergy_any")
    reported, plus_spt = pct("venkataraman2018", "food_allergy_reported"), pct("venkataraman2018", "food_allergy_plus_spt")
    ecz_young = point[(point["condition"] == "eczema") & (point["age_years"] <= 4)]["prevalence_pct"]
    ecz_old = point[(point["condition"] == "eczema") & (point["age_years"] >= 6)]["prevalence_pct"]
    description = (
        f"Left: food allergy by age. HealthNuts (Melbourne, challenge-confirmed) falls from {fa.iloc[0]:.1f}% at 1 "
        f"year to {fa.iloc[-1]:.1f}% at 4; in the Isle of Wight cohort, reported food allergy stays between "
        f"{reported.min():.1f}% and {reported.max():.1f}% from 1 to 18 years, and allergy confirmed by a skin test "
        f"between {plus_spt.min():.1f}% and {plus_spt.max():.1f}%. Right: point prevalence of eczema, asthma/wheeze "
        f"and rhinitis from {point['source_id'].nunique()} sources, each point marked by a letter: H HealthNuts "
        "(Melbourne, 4 years, with 95% confidence intervals, the only source whose abstract gives them), D the "
        "Swedish DBH cohort (1-2 years), I ISAAC (6-7 and 13-14 years) and E EuroPrevall (about 8 years); points "
        "of the three conditions at the same age are drawn slightly apart so that none hides another. Eczema is "
        f"{ecz_young.min():.0f}-{ecz_young.max():.0f}% at 1-4 years and {ecz_old.min():.0f}-{ecz_old.max():.0f}% at "
        f"6-14 years; rhinitis rises from about 8% at 4-7 years to {pct('mallol2013', 'rhinitis', 13.5).item():.1f}% "
        "at 13-14 years (ISAAC, thin lines join its two ages).")
    return fig, description


def _outcome_group(outcome: str) -> str:
    if any(word in outcome for word in ("food", "peanut", "egg")):
        return "food"
    if "asthma" in outcome or "wheeze" in outcome:
        return "asthma/wheeze"
    return "rhinitis" if "rhinitis" in outcome else "eczema"


def risk_links_forest():
    """Forest plot of the published links in ``march_risk_links`` (log scale, 95% CIs)."""
    links = data.load("march_risk_links")
    names = ["food", "asthma/wheeze", "rhinitis", "eczema"]
    fig, ax = new_figure(figsize=(10, 8.2))
    for row, (_, r) in enumerate(links.iterrows()):
        i = names.index(_outcome_group(r["outcome"]))
        style = series_style(i, marker=True)
        ax.errorbar(r["estimate"], row, xerr=[[r["estimate"] - r["ci_low"]], [r["ci_high"] - r["estimate"]]],
                    fmt=style["marker"], color=style["color"], capsize=3, markersize=7,
                    label=names[i] if names[i] not in ax.get_legend_handles_labels()[1] else None)
    labels = [f"{e} → {o}\n{m}, {AUTHORS[s]}" for e, o, m, s in
              zip(links["exposure"], links["outcome"], links["measure"], links["source_id"])]
    ax.set_yticks(range(len(links)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(0.1, 25)
    ax.set_xticks([0.1, 0.25, 0.5, 1, 2, 5, 10, 20], ["0.1", "0.25", "0.5", "1", "2", "5", "10", "20"])
    ax.axvline(1, color="0.2", linestyle="--", linewidth=1)
    ax.set_xlabel("odds ratio or risk ratio (log scale), 95% CI")
    ax.set_title("Published links: eczema (or FLG) and allergic disease", fontsize=11)
    ax.legend(title="outcome", fontsize=9, loc="upper left")

    def est(source, outcome_part):
        r = links[(links["source_id"] == source) & links["outcome"].str.contains(outcome_part, regex=False)].iloc[0]
        return r

    later_asthma = links[links["design"].eq("prospective") & links["outcome"].str.contains("asthma")
                         & links["exposure"].str.startswith("eczema")]["estimate"]
    illi, no_sens, sens = est("illi2004", "wheeze"), links.iloc[-2], links.iloc[-1]
    description = (
        "Published odds ratios and risk ratios with 95% confidence intervals on a log scale, one row per link; "
        "the dashed line at 1 means no association; each label gives the exposure, the outcome, the measure and "
        "the source. The links between eczema in the first year and food allergy at 12 months (measured at the "
        f"same visit) are the strongest (OR {est('martin2015', 'any').estimate:.1f} for any food, "
        f"{est('martin2015', 'peanut').estimate:.1f} for peanut). In prospective cohorts, early eczema is linked to "
        f"later asthma with ORs between {later_asthma.min():.2f} and {later_asthma.max():.2f}, and to new rhinitis "
        f"with an adjusted OR of {est('vonkobyletzki2012', 'rhinitis').estimate:.2f}; the mostly cross-sectional "
        f"rhinitis meta-analysis gives OR {est('knudgaard2021', 'rhinitis').estimate:.2f}. Eczema without early "
        f"wheeze or sensitisation shows no clear link to school wheeze (OR {illi.estimate:.2f}, CI "
        f"{illi.ci_low:.2f} to {illi.ci_high:.2f}), and in CHILD eczema without sensitisation showed no clear "
        f"association with asthma at 3 years (RR {no_sens.estimate:.2f}, CI {no_sens.ci_low:.2f} to "
        f"{no_sens.ci_high:.2f}) while eczema with sensitisation did (RR {sens.estimate:.2f}).")
    return fig, description


def leap_bars():
    """LEAP: peanut allergy at 60 months by arm and skin-test stratum, with Wilson 95% CIs."""
    leap = data.load("march_leap")
    fig, ax = new_figure(figsize=(7, 4))
    strata = list(leap["stratum"].unique())
    parts = []
    for j, arm in enumerate(["avoidance", "consumption"]):
        rows = leap[leap["arm"] == arm].set_index("stratum").loc[strata]
        risk = rows["events"] / rows["n"]
        _, lo, hi = proportion_ci(rows["events"], rows["n"])
        x = [k + (j - 0.5) * 0.36 for k in range(len(strata))]
        ax.bar(x, 100 * risk, width=0.34, color="white" if j == 0 else series_style(0)["color"],
               edgecolor="black", hatch="//" if j == 0 else "", label=f"{arm} of peanut")
        ax.errorbar(x, 100 * risk, yerr=[100 * (risk - lo), 100 * (hi - risk)], fmt="none", color="black",
                    capsize=4)
        parts.append(100 * risk)
    sizes = {s: int(leap.loc[leap["stratum"] == s, "n"].sum()) for s in strata}
    ax.set_xticks(range(len(strata)), [f"{s}\n(n = {sizes[s]})" for s in strata])
    ax.set_ylabel("peanut allergy at 5 years (%)")
    ax.set_ylim(0, 50)
    ax.set_title("LEAP: eating peanut early, by skin-test stratum")
    ax.legend()
    avoid, eat = parts
    description = (
        "Bar chart of peanut allergy at 60 months with 95% Wilson confidence intervals. "
        + "; ".join(f"{s} stratum ({sizes[s]} children analysed): {avoid.iloc[k]:.1f}% with avoidance (hatched) vs "
                    f"{eat.iloc[k]:.1f}% with consumption (filled)" for k, s in enumerate(strata))
        + ". In both strata eating peanut gave much less peanut allergy; the intervals of the two arms do not "
          "overlap.")
    return fig, description


def belgrave_profiles():
    """The eight latent profiles of Belgrave et al. 2014 as horizontal bars (the atopic-march profile filled)."""
    shares = data.load("march_trajectory_shares")
    belgrave = shares[shares["study"] == "Belgrave 2014"].sort_values("share_pct")
    fig, ax = new_figure(figsize=(8, 4))
    is_march = (belgrave["classic_march"] == "yes").to_list()
    ax.barh(belgrave["group"], belgrave["share_pct"], color=[series_style(1)["color"] if m else "white" for m in is_march],
            edgecolor="black", hatch=["" if m else "//" for m in is_march])
    for y, v in enumerate(belgrave["share_pct"]):
        ax.text(v + 0.8, y, f"{v:.1f}%", va="center", fontsize=9)
    ax.set_xlim(0, 60)
    ax.set_xlabel("share of all 9801 children (%)")
    ax.set_title("Belgrave 2014: eight profiles, ages 1-11")
    ordered = belgrave.sort_values("share_pct", ascending=False)
    description = (
        "Horizontal bars of the eight latent profiles in the ALSPAC and MAAS cohorts (9801 children): "
        + ", ".join(f"{g} {v:.1f}%" + (" (the filled bar)" if m == "yes" else "")
                    for g, v, m in zip(ordered["group"], ordered["share_pct"], ordered["classic_march"]))
        + ". Shares are from the abstract; no confidence intervals are given there.")
    return fig, description
