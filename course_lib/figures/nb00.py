"""Figures of notebook 00 that the learner looks at but need not read the code of."""
from __future__ import annotations

from .. import measures
from ..plotting import new_figure, series_style

#: Fill and hatch of each severity band (the legend names them; nothing depends on colour alone).
BAND_SHADES = {"clear": "#ffffff", "almost clear": "#f0f0f0", "clear/almost clear": "#f0f0f0", "mild": "#d9d9d9",
               "moderate": "#a6a6a6", "severe": "#6e6e6e", "very severe": "#3d3d3d"}
BAND_HATCHES = {"mild": "..", "moderate": "//", "severe": "xx", "very severe": "**"}
#: Instruments scored in whole points: each point takes one slot of the bar.
WHOLE_POINTS = ("POEM", "Itch NRS", "vIGA-AD")


def concept_map():
    """The course map: four mechanisms, the synthesis, and the links the course studies.

    Returns ``(fig, description)``.
    """
    fig, ax = new_figure(figsize=(8, 4.2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    ax.axis("off")
    boxes = {
        "Skin barrier\n(filaggrin, water loss)": (2.0, 4.6),
        "Th2 inflammation\n(IL-4, IL-13, itch)": (8.0, 4.6),
        "Microbiome\n(S. aureus vs commensals)": (5.0, 2.6),
        "Atopic march\n(food allergy, rhinitis, asthma)": (2.0, 0.7),
        "Synthesis:\none coupled model": (8.0, 0.7),
    }
    for i, (label, (x, y)) in enumerate(boxes.items()):
        style = series_style(i)
        ax.text(x, y, label, ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="round,pad=0.5", facecolor="white", edgecolor=style["color"],
                          linestyle=style["linestyle"], linewidth=2))
    arrows = [((3.6, 4.8), (6.3, 4.8), "allergens enter"), ((6.3, 4.3), (3.6, 4.3), "cytokines weaken"),
              ((2.6, 4.0), (4.0, 3.0), "damaged skin\nsuits S. aureus"), ((6.0, 3.0), (7.4, 4.0), "toxins inflame"),
              ((2.0, 3.9), (2.0, 1.4), "sensitisation?")]
    for (x0, y0), (x1, y1), text in arrows:
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", lw=1.5, color="0.2"))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.18, text, ha="center", fontsize=8.5, color="0.1")
    ax.set_title("Four mechanisms beneath the skin, and the links this course studies")
    description = (
        "Concept map with five boxes. Skin barrier and Th2 inflammation are joined by two arrows in opposite "
        "directions: allergens entering through the barrier, and cytokines weakening it. The barrier points to "
        "the microbiome (damaged skin suits S. aureus), the microbiome points to inflammation (toxins inflame), "
        "and the barrier points down to the atopic march with a question mark (sensitisation through the skin "
        "is debated). A fifth box, synthesis, stands for the coupled model of notebook 05.")
    return fig, description


def _scale_top(table, instrument: str) -> float:
    return table["scale_max"].iloc[0] + (1 if instrument in WHOLE_POINTS else 0)


def band_shares(bands) -> dict[tuple[str, str], dict[str, float]]:
    """For each (instrument, scheme): the percentage of its scale each band takes."""
    shares = {}
    for instrument, scheme in dict.fromkeys(zip(bands["instrument"], bands["scheme"])):
        table = measures.bands(instrument, scheme)
        top = _scale_top(table, instrument)
        ends = list(table["lower"].iloc[1:]) + [top]
        shares[(instrument, scheme)] = {b["band"]: 100 * (end - b["lower"]) / top
                                        for (_, b), end in zip(table.iterrows(), ends)}
    return shares


def severity_bands_figure(bands):
    """One bar per instrument and banding scheme, each scaled to its own maximum, with a legend of the bands.

    Returns ``(fig, description)``; the description is computed from the band table.
    """
    schemes = list(dict.fromkeys(zip(bands["instrument"], bands["scheme"])))
    fig, ax = new_figure(figsize=(8, 4.6))
    drawn = {}
    for row, (instrument, scheme) in enumerate(schemes):
        table = measures.bands(instrument, scheme)
        top = _scale_top(table, instrument)
        ends = list(table["lower"].iloc[1:]) + [top]
        for (_, b), end in zip(table.iterrows(), ends):
            start = 100 * b["lower"] / top
            width = max(100 * (end - b["lower"]) / top, 0.8)
            bar = ax.barh(row, width, left=start, color=BAND_SHADES[b["band"]],
                          hatch=BAND_HATCHES.get(b["band"], ""), edgecolor="black", linewidth=0.6)
            drawn.setdefault(b["band"], bar)
    labels = [f"{i} ({s}, 0-{measures.bands(i, s)['scale_max'].iloc[0]:g})" for i, s in schemes]
    ax.set_yticks(range(len(schemes)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("score as % of the instrument's maximum")
    ax.set_title("Severity bands of seven instrument/scheme pairs")
    order = [b for b in BAND_SHADES if b in drawn]
    ax.legend([drawn[b] for b in order], order, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=4, fontsize=8, frameon=False)
    shares = band_shares(bands)
    severe = {k: v.get("severe", 0) + v.get("very severe", 0) for k, v in shares.items()}
    most = max(severe, key=severe.get)
    least = min(severe, key=severe.get)
    under_half = sorted({i for (i, _), share in severe.items() if share < 50})
    leshem = measures.bands("EASI", "Leshem 2015")
    moderate_top = float(leshem.loc[leshem["band"] == "moderate", "upper"].iloc[0])
    description = (
        "Horizontal bars, one per instrument and banding scheme, each scaled to its own maximum. A legend below "
        "names the bands: clear (white), almost clear (light grey), mild (dots), moderate (stripes), severe "
        "(crosses) and very severe (stars); scores in whole points take one slot per point. How much of the "
        f"scale the severe bands take differs a lot: from {severe[least]:.0f} % for {least[0]} ({least[1]}) to "
        f"{severe[most]:.0f} % for {most[0]} ({most[1]}). For EASI under Leshem 2015, moderate ends at "
        f"{moderate_top:g} of 72 points, so severe and very severe take the remaining "
        f"{severe[('EASI', 'Leshem 2015')]:.0f} %; for {', '.join(under_half[:-1])} and {under_half[-1]} the "
        "severe bands take less than half of the scale.")
    return fig, description


def trial_rows(effects, labels):
    """A two-row forest plot without pooling: each trial's risk ratio (square) and 95 % CI (line),
    a dashed line at 1 (no difference), log scale. Returns ``(fig, description)``."""
    fig, ax = new_figure(figsize=(7, 2.4))
    for row, (effect, label) in enumerate(zip(effects, labels)):
        style = series_style(row)
        ax.plot([effect.ci_low, effect.ci_high], [row, row], color=style["color"], linestyle=style["linestyle"], lw=2)
        ax.plot([effect.estimate], [row], marker="s", markersize=9, color=style["color"], linestyle="none")
        ax.text(1.02, row, f"RR {effect.estimate:.2f} ({effect.ci_low:.2f} to {effect.ci_high:.2f})",
                transform=ax.get_yaxis_transform(), va="center", fontsize=9)
    ax.axvline(1, color="0.3", linestyle="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlim(0.3, 2)
    ax.set_xticks([0.3, 0.5, 0.7, 1, 1.5, 2], ["0.3", "0.5", "0.7", "1", "1.5", "2"])
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel("risk ratio of eczema, emollient vs control (log scale; left of 1 = fewer cases)")
    ax.set_title("Two emollient trials as rows of a forest plot (not pooled)")
    parts = [f"{label}: RR {e.estimate:.2f}, 95 % CI {e.ci_low:.2f} to {e.ci_high:.2f}"
             for e, label in zip(effects, labels)]
    description = ("A small forest plot with one row per trial: a square at the trial's risk ratio and a line for "
                   "its 95 % confidence interval, on a log scale, with a dashed line at 1 (no difference). "
                   + "; ".join(parts) + ". Both intervals cross the line at 1.")
    if not all(e.ci_low < 1 < e.ci_high for e in effects):
        description = description.replace(" Both intervals cross the line at 1.", "")
    return fig, description
