"""Notebook 01: the skin barrier (water loss, allergen entry) and simulated prevention trials."""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import data, trials
from ..models import barrier
from ..plotting import COLORS
from ..widgets import Explorer

DAYS = 3.0
TEWL_MAX = 40.0
DOSE_LIMITS = (0.01, 5000.0)
#: line styles of the measured means (grey reference lines), distinct from each other and from the model's
#: lines: healthy dotted, non-lesional long dashes, lesional dash-dot-dot
MEASURED_STYLES = {"healthy": (0, (1, 2)), "non-lesional": (0, (8, 3)), "lesional": (0, (6, 2, 1, 2, 1, 2))}


@functools.lru_cache(maxsize=1)
def _measured_tewl():
    """Mean TEWL in one study of adults: healthy, AD non-lesional, AD lesional (Montero-Vilchez 2021).

    The lesions were on the volar forearm; the site for healthy and uninvolved skin is not stated in the
    parts of the paper we read (see the site column of the dataset).
    """
    df = data.load("skin_barrier_measurements")
    rows = df[(df["source_id"] == "monterovilchez2021") & (df["quantity"] == "TEWL")]
    names = {"healthy": "healthy", "non-lesional": "AD, non-lesional", "lesional": "AD, lesional"}
    return tuple((s, names[s], float(v)) for s, v in zip(rows["skin_state"], rows["value"]))


def _compute(p):
    return barrier.simulate(p, days=DAYS, step_h=0.25)


def _draw_barrier(fig, df):
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    days = df["time_h"].to_numpy() / 24.0
    for state, label, value in _measured_tewl():
        left.axhline(value, color="0.3", linestyle=MEASURED_STYLES[state], linewidth=1.3,
                     label=f"measured mean, {label} ({value:g})")
    without, = left.plot(days, df["tewl_without_emollient"], color=COLORS[1], linestyle="--",
                         linewidth=1.5, label="without emollient")
    with_, = left.plot(days, df["tewl"], color=COLORS[0], linestyle="-", label="with the emollient schedule")
    left.set_xlim(0, DAYS)
    left.set_ylim(0, TEWL_MAX)
    left.set_xlabel("time (days; first application at 08:00)")
    left.set_ylabel("TEWL (g/m²/h)")
    left.set_title("Water loss through the skin")
    right.plot(days[1:], days[1:], color="0.35", linestyle=":", linewidth=1.5, label="intact skin")
    dose, = right.plot(days[1:], df["allergen_dose"].to_numpy()[1:], color=COLORS[2], linestyle="-.",
                       label="this skin")
    right.set_yscale("log")
    right.set_xlim(0, DAYS)
    right.set_ylim(*DOSE_LIMITS)
    right.set_xlabel("time (days)")
    right.set_ylabel("allergen dose (intact-skin days)")
    right.set_title("Allergen that gets in (cumulative)")
    handles = left.get_legend_handles_labels()
    extra = right.get_legend_handles_labels()
    fig.legend(handles[0] + extra[0], handles[1] + extra[1], loc="outside lower center", ncols=3, fontsize=8,
               frameon=False)
    return {"with": with_, "without": without, "dose": dose}


def _update_barrier(artists, df, p):
    artists["with"].set_ydata(df["tewl"].to_numpy())
    artists["without"].set_ydata(df["tewl_without_emollient"].to_numpy())
    artists["dose"].set_ydata(df["allergen_dose"].to_numpy()[1:])
    b = float(df["integrity"].iloc[0])
    base = float(df["tewl_without_emollient"].iloc[0])
    influx = float(df["allergen_influx"].iloc[0])
    text = (f"Left: water loss over {DAYS:g} days for skin with {p.flg_null_alleles} FLG null allele(s), "
            f"inflammation {p.inflammation:.2f} and scratch damage {p.scratch:.2f} (barrier integrity "
            f"{b:.2f}), at {p.relative_humidity:g}% humidity. Without emollient the TEWL is {base:.1f} g/m²/h")
    if base > TEWL_MAX:
        text += " (above the top of the axis)"
    kinds = {"healthy": "dotted", "non-lesional": "long-dashed", "lesional": "dash-dot-dot"}
    measured = ", ".join(f"{kinds[state]} {label} {value:g}" for state, label, value in _measured_tewl())
    text += (f"; the grey horizontal lines are measured means from one study of adults (Montero-Vilchez 2021; "
             f"lesions on the forearm): {measured} g/m²/h.")
    if p.applications_per_day:
        low = float(df["tewl"].min())
        text += (f" With {p.applications_per_day} emollient application(s) a day the TEWL drops to {low:.1f} "
                 f"g/m²/h just after each one and drifts back as the layer wears off (half-life "
                 f"{p.half_life_h:g} h; illustrative).")
    else:
        text += " No emollient is applied."
    text += (f" Right: allergen enters at {influx:.1f} times the rate of intact skin, so after {DAYS:g} days the "
             f"dose equals {influx * DAYS:.1f} days through intact skin (log scale). In this model the emollient "
             "changes water loss only.")
    return text


def barrier_explorer(params: barrier.Params | None = None) -> Explorer:
    """Water loss and allergen dose over three days: genotype, inflammation, scratching, humidity, emollient."""
    params = params or barrier.Params()
    groups = [("Skin and air", ["flg_null_alleles", "inflammation", "scratch", "relative_humidity"]),
              ("Emollient (illustrative)", ["applications_per_day", "occlusion", "half_life_h"])]
    return Explorer(params, _compute, _draw_barrier, _update_barrier, controls=groups, columns=2,
                    figsize=(9.5, 3.8))


# ------------------------------------------------------- simulated trials

BINS = np.geomspace(0.2, 5.0, 37)
SHARE_MAX = 0.6


def _trial_compute(p):
    df = trials.simulate_trials(p)
    rr = np.clip(df["rr"].to_numpy(), BINS[0], BINS[-1] * 0.9999)
    sig = df["significant"].to_numpy(bool)
    k = len(df)
    return {"sig": np.histogram(rr[sig], BINS)[0] / k, "ns": np.histogram(rr[~sig], BINS)[0] / k,
            "summary": trials.summarise(df),
            "normal": trials.normal_power(p.control_risk, p.true_rr, int(p.n_per_arm))}


def _trial_draw(fig, result):
    ax = fig.subplots()
    ax.axvspan(BINS[0], 0.5, color="0.92", zorder=0)
    ax.text(0.205, SHARE_MAX * 0.93, "risk halved or better\n(RR ≤ 0.5)", fontsize=8, va="top")
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    # two step patches (one artist each, so a redraw stays fast): not significant, and significant on top
    ns = ax.stairs(result["ns"], BINS, fill=True, facecolor="white", edgecolor=COLORS[0], linewidth=1.2,
                   label="not significant")
    sig = ax.stairs(result["ns"] + result["sig"], BINS, baseline=result["ns"], fill=True, facecolor=COLORS[1],
                    edgecolor="black", hatch="//", linewidth=0.6, label="significant (95% CI excludes 1)")
    true_line = ax.axvline(1.0, color=COLORS[2], linestyle="-", linewidth=2.5, label="true risk ratio")
    ax.set_xscale("log")
    ax.set_xlim(BINS[0], BINS[-1])
    ticks = [0.2, 0.5, 1, 2, 5]
    ax.set_xticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.set_xticks([], minor=True)
    ax.set_ylim(0, SHARE_MAX)
    ax.set_xlabel("risk ratio found by the trial (emollient / control, log scale)")
    ax.set_ylabel("share of simulated trials")
    ax.set_title("What many identical trials would find")
    ax.legend(loc="upper right", fontsize=8)
    return {"ns": ns, "sig": sig, "true": true_line}


def _trial_update(artists, result, p):
    artists["ns"].set_data(result["ns"])
    artists["sig"].set_data(result["ns"] + result["sig"], baseline=result["ns"])
    artists["true"].set_xdata([p.true_rr, p.true_rr])
    s = result["summary"]
    what = "false-positive rate" if p.true_rr == 1 else "power"
    text = (f"Histogram of the risk ratios found by {s['trials']} simulated trials, each with {p.n_per_arm} "
            f"infants per arm, a control risk of {p.control_risk:g} and a true risk ratio of {p.true_rr:g} "
            f"(solid vertical line; dashed line at 1 = no effect). {100 * s['share_significant']:.1f}% of the "
            f"trials are significant (the {what}; the normal approximation gives {100 * result['normal']:.1f}%). "
            f"{100 * s['share_big']:.1f}% show the risk halved or better (RR ≤ 0.5, shaded).")
    median = s["median_rr_significant_benefit"]
    if not math.isnan(median) and p.true_rr < 1:
        shown = f"{median:.2f}"
        if float(shown) < round(p.true_rr, 2):
            verdict = f"stronger than the true {p.true_rr:g}"
        elif float(shown) > round(p.true_rr, 2):
            verdict = f"weaker than the true {p.true_rr:g}"
        else:
            verdict = f"equal to the true {p.true_rr:g} at this rounding"
        text += f" The trials that found a significant benefit report a median RR of {shown}, {verdict}."
    return text


def trial_simulator(params: trials.TrialParams | None = None) -> Explorer:
    """Many seeded trials of the same design: how often chance shows a big effect, and the power."""
    params = params or trials.TrialParams()
    return Explorer(params, _trial_compute, _trial_draw, _trial_update,
                    controls=["true_rr", "n_per_arm", "control_risk"], figsize=(8, 3.8))


EXPLORERS = {"barrier_explorer": barrier_explorer, "trial_simulator": trial_simulator}
