"""Notebook 04: the atopic march as a multi-state model, against published prevalence by age.

* :func:`march_explorer`: eczema onset and persistence, and the strength of the
  eczema -> later-disease link; the cohort's prevalence curves over the
  published data points (95% CIs where the source gives them), and the life
  histories of a seeded class of 30 children.
* :func:`intervention_explorer`: a hypothetical intervention that shortens and
  softens eczema from a chosen age; prevalence with and without it, and the
  share of children with infant eczema who become multimorbid.

All model hazards are illustrative (see :mod:`course_lib.models.march`).
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.font_manager import FontProperties
from matplotlib.legend_handler import HandlerTuple
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.textpath import TextPath

from .. import data
from ..models import march
from ..plotting import COLORS, MARKERS, series_style
from ..widgets import Explorer

CLASS_SIZE = 30
CLASS_SEED = 4
#: model output -> (label, data condition) for the comparison with published point prevalence
CURVES = (("eczema", "eczema", "eczema"),
          ("wheeze", "wheeze/asthma", "asthma_wheeze"),
          ("rhinitis", "rhinitis", "rhinitis"),
          ("p_multimorbid", "2 or more", "two_or_more"))
#: colours of the five display groups in the class picture (no disease = light grey)
GROUP_COLORS = ("#eeeeee", COLORS[0], COLORS[1], COLORS[2], COLORS[3])
#: letters written on the class picture so that the states do not rely on colour alone
GROUP_LETTERS = ("", "E", "W", "R", "M")
#: white letters on the darker colours, black on the pink
LETTER_COLORS = ("black", "white", "white", "white", "black")
#: a letter is written on every run of one state at least this long (years), up to MAX_LETTERS
MIN_RUN_YEARS = 1.5
MAX_LETTERS = 90
#: font size of those letters (points, bold)
LETTER_SIZE = 7.0


def point_prevalence_data():
    """Published POINT prevalence rows that the model's curves can be compared with."""
    df = data.load("march_prevalence_by_age")
    keep = df["condition"].isin([c[2] for c in CURVES]) & (df["measure"] == "point")
    return df[keep].reset_index(drop=True)


def _draw_data(ax, obs):
    handles = []
    for i, (_, label, cond) in enumerate(CURVES):
        rows = obs[obs["condition"] == cond]
        y = rows["prevalence_pct"].to_numpy(float)
        lo = rows["ci_low_pct"].to_numpy(float, na_value=np.nan)
        hi = rows["ci_high_pct"].to_numpy(float, na_value=np.nan)
        err = np.vstack([np.where(np.isnan(lo), 0, y - lo), np.where(np.isnan(hi), 0, hi - y)])
        style = series_style(i)
        handles.append(ax.errorbar(rows["age_years"], y, yerr=err, fmt=MARKERS[i], color=style["color"],
                                   markersize=7, markerfacecolor="white", markeredgewidth=1.8, capsize=3,
                                   linestyle="none", zorder=3))
    return handles


def _draw(fig, result):
    df, states = result
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    lines = {}
    for i, (col, label, _) in enumerate(CURVES):
        lines[col], = left.plot(df["age"], 100 * df[col], **series_style(i))
    markers = _draw_data(left, point_prevalence_data())
    left.legend([(lines[c[0]], m) for c, m in zip(CURVES, markers)], [c[1] for c in CURVES],
                handler_map={tuple: HandlerTuple(ndivide=None)}, loc="upper right", fontsize=8.5, ncol=2,
                title="line = model, marker = data", title_fontsize=8.5)
    left.set_xlim(0, 18)
    left.set_ylim(0, 30)
    left.set_xlabel("age (years)")
    left.set_ylabel("children with the condition now (%)")
    left.set_title("Model (lines, illustrative) vs published data (open markers)", fontsize=10.5)
    cmap = ListedColormap(GROUP_COLORS)
    image = right.imshow(march.GROUP_OF_STATE[states], aspect="auto", interpolation="nearest", cmap=cmap,
                         norm=BoundaryNorm(np.arange(-0.5, 5.5), 5), extent=(0, 18, CLASS_SIZE + 0.5, 0.5))
    right.set_xlabel("age (years)")
    right.set_ylabel("child")
    right.set_title(f"A class of {CLASS_SIZE} simulated children", fontsize=10.5)
    right.grid(False)
    right.legend(handles=[Patch(facecolor=c, edgecolor="black",
                                label=f"{letter} {march.GROUP_NAMES[g]}" if letter else march.GROUP_NAMES[g])
                          for c, g, letter in zip(GROUP_COLORS, march.GROUPS, GROUP_LETTERS)],
                 loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3, fontsize=8, frameon=False)
    # One marker line per letter (a glyph as the marker): four artists to redraw, not 90 texts.
    letters = {g: right.plot([], [], linestyle="none", marker=_letter_marker(GROUP_LETTERS[g]),
                             markersize=_letter_size(GROUP_LETTERS[g]), markerfacecolor=LETTER_COLORS[g],
                             markeredgewidth=0, zorder=3)[0]
               for g in range(1, len(GROUP_LETTERS))}
    artists = {"lines": lines, "image": image, "letters": letters}
    _place_letters(letters, states)
    return artists


def _letter_runs(groups: np.ndarray) -> list[tuple[float, int, int]]:
    """(age at the middle, child row, group) of each run of one disease state lasting MIN_RUN_YEARS or more."""
    width = 18.0 / groups.shape[1]  # the image spans ages 0-18 in groups.shape[1] columns
    runs = []
    for child, row in enumerate(groups):
        cuts = np.flatnonzero(np.diff(row)) + 1
        for start, end in zip(np.r_[0, cuts], np.r_[cuts, len(row)]):
            if row[start] and (end - start) * width >= MIN_RUN_YEARS:
                runs.append(((start + end) / 2 * width, child + 1, int(row[start])))
    return runs[:MAX_LETTERS]


def _letter_path(letter: str) -> Path:
    """The glyph of ``letter`` in bold at LETTER_SIZE points, centred on (0, 0), in points."""
    path = TextPath((0, 0), letter, size=LETTER_SIZE, prop=FontProperties(weight="bold"))
    (x0, y0), (x1, y1) = path.get_extents().get_points()
    return Path(path.vertices - [(x0 + x1) / 2, (y0 + y1) / 2], path.codes)


def _letter_marker(letter: str) -> MarkerStyle:
    return MarkerStyle(_letter_path(letter))


def _letter_size(letter: str) -> float:
    """Marker size that draws the glyph at LETTER_SIZE points (a marker path is scaled to fit its size)."""
    return 2 * float(np.abs(_letter_path(letter).vertices).max())


def _place_letters(letters, states):
    runs = _letter_runs(march.GROUP_OF_STATE[states])
    for g, line in letters.items():
        line.set_data([x for x, _, k in runs if k == g], [y for _, y, k in runs if k == g])


def _compute(params):
    return march.simulate(params), march.class_states(params, CLASS_SIZE, CLASS_SEED)


def _update(artists, result, params):
    df, states = result
    for col, line in artists["lines"].items():
        line.set_ydata(100 * df[col])
    artists["image"].set_data(march.GROUP_OF_STATE[states])
    _place_letters(artists["letters"], states)
    at = {a: df.iloc[int(round(a / march.DT))] for a in (1, 4, 8, 14)}
    groups = march.GROUP_OF_STATE[states]
    ever_e = int((march.first_onsets(states)[:, 0] >= 0).sum())
    ever_m = int((groups == 4).any(axis=1).sum())
    classic = int(march.follows_classic_march(states).sum())
    return ("Left: the model's prevalence (illustrative hazards) of eczema, wheeze/asthma, rhinitis and of two or "
            f"more conditions from birth to 18, over published point prevalences. Eczema {100 * at[1]['eczema']:.0f}% at "
            f"1 year, {100 * at[4]['eczema']:.0f}% at 4 and {100 * at[14]['eczema']:.0f}% at 14 (data: 16-18% at 1-4 years, "
            f"7-12% at 6-14). Wheeze {100 * at[4]['wheeze']:.0f}% at 4 and {100 * at[14]['wheeze']:.0f}% at 14 (data 8-14%). "
            f"Rhinitis {100 * at[4]['rhinitis']:.0f}% at 4 and {100 * at[14]['rhinitis']:.0f}% at 14 (data 8% at 4, 13-15% "
            f"at 8-14). Two or more: {100 * at[8]['p_multimorbid']:.0f}% at 8 (data 7%). Right: {CLASS_SIZE} simulated "
            f"children, one row each, coloured and lettered by state (E mainly eczema, W mainly wheeze, R mainly "
            f"rhinitis, M multimorbidity, blank no disease): {ever_e} ever had eczema, {ever_m} were ever multimorbid, "
            f"{classic} followed eczema, then wheeze, then rhinitis.")


def march_explorer(params: march.Params | None = None) -> Explorer:
    """Eczema onset/persistence and the eczema -> later-disease link; cohort curves vs data, and a class."""
    params = params or march.Params()
    groups = [("Eczema", ["eczema_onset", "eczema_remission"]),
              ("Eczema → later disease (skin route)", ["skin_sensitisation", "sensitised_hr"])]
    return Explorer(params, _compute, _draw, _update, controls=groups, columns=2, figsize=(9.2, 4.1))


# ------------------------------------------------------------------ intervention

SHOWN = (("eczema", "eczema"), ("wheeze", "wheeze/asthma"), ("rhinitis", "rhinitis"),
         ("p_multimorbid", "multimorbidity"))


def _compute_intervention(params):
    untreated = params.replace(treat_strength=0.0)
    return dict(treated=march.simulate(params), untreated=march.simulate(untreated),
                ever_treated=march.ever_multimorbid(params), ever_untreated=march.ever_multimorbid(untreated))


def _draw_intervention(fig, result):
    left, right = fig.subplots(1, 2, width_ratios=[3, 1.2])
    lines = {}
    for i, (col, label) in enumerate(SHOWN):
        style = series_style(i)
        lines[("untreated", col)], = left.plot(result["untreated"]["age"], 100 * result["untreated"][col],
                                               color=style["color"], linestyle="-", linewidth=0.9,
                                               marker=MARKERS[i], markersize=4, markevery=6)
        lines[("treated", col)], = left.plot(result["treated"]["age"], 100 * result["treated"][col],
                                             label=label, **style)
    start = left.axvline(0, color="0.3", linewidth=1.2, label="intervention starts")
    left.plot([], [], color="0.3", linestyle="-", linewidth=0.9, marker="o", markersize=4,
              label="thin: no intervention")
    left.set_xlim(0, 18)
    left.set_ylim(0, 25)
    left.set_xlabel("age (years)")
    left.set_ylabel("children with the condition now (%)")
    left.set_title("With (thick) and without (thin, markers) the hypothetical intervention", fontsize=10.5)
    left.legend(loc="upper right", fontsize=8.5, ncol=2)
    bars = right.bar([0, 1], [100 * result["ever_untreated"], 100 * result["ever_treated"]],
                     color=["white", COLORS[3]], edgecolor="black", hatch=["//", ""])
    right.set_xticks([0, 1], ["without", "with"])
    right.set_ylim(0, 50)
    right.set_ylabel("% multimorbid at a later check-up")
    right.set_title("Children with eczema\nalone at age 1", fontsize=10.5)
    right.axhline(100 - 75.4, color="0.2", linestyle="--", linewidth=1.2)
    right.text(1.45, 100 - 75.4 + 1.5, "Haider 2022:\n24.6%", fontsize=8, ha="right")
    labels = [right.text(i, 0, "", ha="center", va="bottom", fontsize=9) for i in range(2)]
    return {"lines": lines, "start": start, "bars": bars, "labels": labels}


def _update_intervention(artists, result, params):
    for (which, col), line in artists["lines"].items():
        line.set_ydata(100 * result[which][col])
    artists["start"].set_xdata([params.treat_start, params.treat_start])
    values = (100 * result["ever_untreated"], 100 * result["ever_treated"])
    for bar, label, v in zip(artists["bars"], artists["labels"], values):
        bar.set_height(v)
        label.set_position((bar.get_x() + bar.get_width() / 2, v + 1))
        label.set_text(f"{v:.0f}%")
    k11, k18 = int(round(11 / march.DT)), int(round(18 / march.DT))
    t, u = result["treated"], result["untreated"]
    parts = [f"{label} {100 * u[col].iloc[k11]:.1f}% without and {100 * t[col].iloc[k11]:.1f}% with"
             for col, label in SHOWN]
    return (f"Prevalence by age with a hypothetical eczema intervention of strength {params.treat_strength:g} "
            f"from age {params.treat_start:g} (thick lines) and without it (thin lines with markers); illustrative model. At age 11: "
            + "; ".join(parts) + f". Rhinitis at 18: {100 * u['rhinitis'].iloc[k18]:.1f}% without, "
            f"{100 * t['rhinitis'].iloc[k18]:.1f}% with. Of children with eczema alone at age 1, {values[0]:.0f}% without "
            f"and {values[1]:.0f}% with the intervention are multimorbid at a later check-up (Haider 2022 "
            "observed 24.6% in four UK cohorts, without any such intervention). The two bars are not the same "
            "children: an intervention that starts before age 1 changes who has eczema at 1.")


def intervention_explorer(params: march.Params | None = None) -> Explorer:
    """A hypothetical intervention that shortens and softens eczema: its timing and strength."""
    params = params or march.Params(treat_strength=0.5, treat_start=0.5)
    groups = [("Intervention (hypothetical)", ["treat_start", "treat_strength"]),
              ("Eczema → later disease", ["skin_sensitisation"])]
    return Explorer(params, _compute_intervention, _draw_intervention, _update_intervention,
                    controls=groups, columns=2, figsize=(9.2, 4.0))


EXPLORERS = {"march_explorer": march_explorer, "march_intervention": intervention_explorer}
