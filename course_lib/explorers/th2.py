"""Notebook 02: type-2 inflammation as a switch. Trigger, phase plane, bifurcation, treatment.

Every explorer runs the ``th2`` model (illustrative parameter values) and redraws in place.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..models import th2
from ..plotting import COLORS, series_style
from ..widgets import Explorer

I_TOP = 1.6      # upper limit of every inflammation axis
DAYS = 120.0


def _state_word(i):
    return "inflamed" if i > 0.5 else "controlled"


def _time_axes(fig, title):
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 3])
    top.set_xlim(0, DAYS)
    top.set_ylim(0, 3.1)
    top.set_ylabel("load")
    top.set_title(title)
    bottom.set_ylim(0, I_TOP)
    bottom.set_xlabel("time (model days)")
    bottom.set_ylabel("level (scaled)")
    return top, bottom


def _state_lines(ax, df):
    names = (("inflammation", "type-2 inflammation"), ("barrier", "barrier integrity"),
             ("itch", "itch / scratching"))
    lines = {}
    for k, (col, label) in enumerate(names):
        lines[col], = ax.plot(df["day"], df[col], label=label, **series_style(k))
    ax.axhline(0.5, color="0.5", linewidth=0.8, linestyle=":",
               label="0.5: inflammation above this counts as inflamed")
    ax.legend(loc="upper right", fontsize=8.5, ncols=2)
    return lines


# ----------------------------------------------------------------- 1. trigger

def _trigger_compute(p):
    return th2.simulate(p, days=DAYS)


def _trigger_draw(fig, df):
    top, bottom = _time_axes(fig, "A trigger, then the same environment as before")
    load, = top.plot(df["day"], df["load"], color="0.2", drawstyle="steps-post")
    span = Rectangle((0, 0), 0, I_TOP, facecolor=COLORS[4], alpha=0.25, edgecolor="none")
    bottom.add_patch(span)
    lines = _state_lines(bottom, df)
    verdict = bottom.text(2, 1.45, "", fontsize=10, bbox=dict(facecolor="white", edgecolor="0.6", pad=2))
    return {"load": load, "span": span, "lines": lines, "verdict": verdict}


def _trigger_update(a, df, p):
    a["load"].set_data(df["day"], df["load"])
    on = p.trigger_days > 0 and p.trigger_load > 0
    a["span"].set_x(p.trigger_start)
    a["span"].set_width(min(p.trigger_days, DAYS - p.trigger_start) if on else 0)
    for col, line in a["lines"].items():
        line.set_data(df["day"], df[col])
    end = df.iloc[-1]
    before = float(np.interp(p.trigger_start, df["day"], df["inflammation"]))
    state, was = _state_word(end["inflammation"]), _state_word(before)
    stays = ("and it stays inflamed after the trigger has ended: the flare outlives its cause"
             if state == "inflamed" and was == "controlled" else
             f"and it ends {state}, as it started")
    a["verdict"].set_text(f"day {DAYS:.0f}: {state}")
    trig = (f"a trigger of load {p.trigger_load:g} for {p.trigger_days:g} days from day {p.trigger_start:g}"
            if on else "no trigger")
    return (f"Time courses over {DAYS:.0f} model days with {trig} on a background load of {p.p_env:g} (top panel). "
            f"Just before the trigger the skin is {was} (inflammation {before:.2f}), {stays}. At day {DAYS:.0f} inflammation is "
            f"{end['inflammation']:.2f}, barrier {end['barrier']:.2f} and itch {end['itch']:.2f}. "
            "Illustrative model values.")


def trigger_explorer(params: th2.Params | None = None) -> Explorer:
    """An allergen or irritant pulse of chosen size and length, from the controlled state."""
    params = params or th2.Params(**th2.CONTROLLED, trigger_load=1.5, trigger_days=3.0, trigger_start=10.0)
    return Explorer(params, _trigger_compute, _trigger_draw, _trigger_update,
                    controls=[("Trigger", ["trigger_load", "trigger_days"]),
                              ("Skin and environment", ["p_env", "delta_s", "k_b"])],
                    columns=2, figsize=(7.5, 4.4))


# ----------------------------------------------------------------- 2. phase plane

def _phase_compute(p):
    return dict(nc=th2.nullclines(p, n=300), ss=th2.steady_states(p),
                traj=th2.simulate(p, days=DAYS, points_per_day=2))


def _phase_draw(fig, r):
    ax = fig.subplots()
    ax.set_xlim(0, 1.5)
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("type-2 inflammation I (scaled)")
    ax.set_ylabel("barrier integrity B (fraction)")
    ax.set_title("Phase plane: where inflammation and barrier settle (itch at its steady value)", fontsize=11)
    b_nc, = ax.plot([], [], label="barrier nullcline (dB/dt = 0)", **series_style(1))
    i_nc, = ax.plot([], [], label="inflammation nullcline (dI/dt = 0)", **series_style(0))
    traj, = ax.plot([], [], color="0.25", linewidth=1.5, linestyle="-", label="trajectory (120 days)")
    start, = ax.plot([], [], marker="s", markersize=8, color="0.25", linestyle="none", label="start")
    stable, = ax.plot([], [], marker="o", markersize=11, color="black", linestyle="none",
                      label="stable steady state")
    saddle, = ax.plot([], [], marker="o", markersize=11, markerfacecolor="white", markeredgecolor="black",
                      markeredgewidth=2, linestyle="none", label="threshold (unstable)")
    ax.legend(loc="upper right", fontsize=8.5)
    return dict(b_nc=b_nc, i_nc=i_nc, traj=traj, start=start, stable=stable, saddle=saddle)


def _phase_update(a, r, p):
    nc, ss, traj = r["nc"], r["ss"], r["traj"]
    a["b_nc"].set_data(nc["inflammation"], nc["barrier_nullcline"])
    a["i_nc"].set_data(nc["inflammation"], nc["inflammation_nullcline"])
    a["traj"].set_data(traj["inflammation"], traj["barrier"])
    a["start"].set_data([p.i0], [p.b0])
    st, un = ss[ss["stable"]], ss[~ss["stable"]]
    a["stable"].set_data(st["inflammation"], st["barrier"])
    a["saddle"].set_data(un["inflammation"], un["barrier"])
    end = traj.iloc[-1]
    states = "; ".join(f"{k} at I = {i:.2f}, B = {b:.2f}"
                       for k, i, b in zip(ss["kind"], ss["inflammation"], ss["barrier"]))
    n_stable = int(ss["stable"].sum())
    return (f"Phase plane of inflammation (x) against barrier (y) at load {p.p_env:g}. The two nullclines cross "
            f"{'once' if len(ss) == 1 else f'{len(ss)} times'}: {states}. "
            f"{n_stable} stable state{'s' if n_stable != 1 else ''}. The trajectory starts at "
            f"I = {p.i0:.2f}, B = {p.b0:.2f} and ends {_state_word(end['inflammation'])} at "
            f"I = {end['inflammation']:.2f}, B = {end['barrier']:.2f}. Itch, the third variable, is not drawn: it is "
            "held at its steady value for each level of inflammation. Illustrative model values.")


def phase_plane_explorer(params: th2.Params | None = None) -> Explorer:
    """Nullclines, fixed points and a trajectory in the (inflammation, barrier) plane."""
    params = params or th2.Params(i0=0.3, b0=0.6)
    return Explorer(params, _phase_compute, _phase_draw, _phase_update,
                    controls=[("Start", ["i0", "b0"]), ("Skin and environment", ["p_env", "k_b", "delta_s"])],
                    columns=2, figsize=(7.5, 4.4))


# ----------------------------------------------------------------- 3. bifurcation / hysteresis

LOADS = np.linspace(0.0, 3.0, 301)
BRANCHES = ("controlled", "threshold", "inflamed")


def _branches(p):
    """The controlled, threshold and inflamed branches as ``{name: (loads, inflammation)}``, and the folds' window.

    The branches come from :func:`th2.equilibrium_curve`, which follows the curve of steady states
    along inflammation and includes the fold points exactly, so the threshold meets each stable
    branch at its fold (no gap from a load grid). The window is ``(lower fold, upper fold)`` or None.
    """
    curve = th2.equilibrium_curve(p, blockade=p.il4ra)
    out = {}
    for name in BRANCHES:
        part = curve[curve["branch"] == name]
        out[name] = (part["load"].to_numpy(), part["inflammation"].to_numpy())
    fold_loads = np.sort(curve.loc[curve["fold"], "load"].to_numpy())
    window = (float(fold_loads[0]), float(fold_loads[-1])) if fold_loads.size >= 2 else None
    return out, window


FINE = 0.002    # the load step of th2.bistable_window (its default resolution)
_FINE_LOADS = np.arange(0.0, 3.0 + FINE / 2, FINE)   # the same grid, so the edges come out identical


def _window_edges(p, coarse):
    """The bistable window as ``th2.bistable_window`` gives it, searched only near the edges of ``coarse``.

    ``coarse`` is the window between the folds from ``_branches``; each grid edge lies within one coarse
    step of it. Scanning only those few loads of the fine grid keeps a slider change fast (the full scan takes
    about 30 ms). Returns None if ``coarse`` is None.
    """
    if coarse is None:
        return None
    step = LOADS[1] - LOADS[0]
    near = ((_FINE_LOADS >= coarse[0] - step - FINE) & (_FINE_LOADS <= coarse[0] + FINE)) | \
           ((_FINE_LOADS >= coarse[1] - FINE) & (_FINE_LOADS <= coarse[1] + step + FINE))
    bif = th2.bifurcation(p, _FINE_LOADS[near], 0.0, p.il4ra)
    n_stable = bif[bif["stable"]].groupby("load").size()
    two = n_stable[n_stable >= 2]
    if two.empty:
        return coarse
    return float(two.index.min()), float(two.index.max())


def _bif_compute(p):
    branches, coarse = _branches(p)
    return dict(branches=branches, ss=th2.steady_states(p, blockade=p.il4ra), window=_window_edges(p, coarse))


def _bif_draw(fig, r):
    ax = fig.subplots()
    ax.set_xlim(0, LOADS[-1])
    ax.set_ylim(0, 1.5)
    ax.set_xlabel("environmental load (relative)")
    ax.set_ylabel("steady inflammation I (scaled)")
    ax.set_title("Steady states against environmental load")
    band = Rectangle((0, 0), 0, 1.5, facecolor=COLORS[4], alpha=0.2, edgecolor="none", label="bistable window")
    ax.add_patch(band)
    low, = ax.plot([], [], label="controlled state (stable)", **series_style(0))
    mid, = ax.plot([], [], color="0.3", linestyle=":", linewidth=2, label="threshold (unstable)")
    high, = ax.plot([], [], label="inflamed state (stable)", **series_style(1))
    here, = ax.plot([], [], marker="o", markersize=10, color="black", linestyle="none", label="states at this load")
    ax.legend(loc="center right", fontsize=9)
    return dict(band=band, low=low, mid=mid, high=high, here=here)


def _bif_update(a, r, p):
    br = r["branches"]
    a["low"].set_data(*br["controlled"])
    a["mid"].set_data(*br["threshold"])
    a["high"].set_data(*br["inflamed"])
    w = r["window"]
    a["band"].set_x(w[0] if w else 0)
    a["band"].set_width(w[1] - w[0] if w else 0)
    ss = r["ss"]
    a["here"].set_data(np.full(len(ss), p.p_env), ss["inflammation"])
    treat = f" with {p.il4ra:.0%} of IL-4Rα blocked" if p.il4ra > 0 else ""
    if w:
        win = (f"Two stable states coexist for loads from {w[0]:.2f} to {w[1]:.2f} (shaded): raising the load "
               f"past {w[1]:.2f} flips the skin to the inflamed state, and it only returns when the load falls "
               f"below {w[0]:.2f} (hysteresis).")
    else:
        win = "There is no bistable window: each load has a single stable state, so there is no hysteresis."
    here = ", ".join(f"{k} (I = {i:.2f})" for k, i in zip(ss["kind"], ss["inflammation"]))
    return (f"Bifurcation diagram of steady inflammation against environmental load{treat}. {win} "
            f"At load {p.p_env:g} the steady states are: {here}. Illustrative model values.")


def bifurcation_explorer(params: th2.Params | None = None) -> Explorer:
    """The bistable window and hysteresis loop; a marker for the current load."""
    params = params or th2.Params()
    return Explorer(params, _bif_compute, _bif_draw, _bif_update,
                    controls=[("Load", ["p_env"]), ("Risk factors and treatment",
                                                    ["delta_s", "k_b", "emollient", "il4ra"])],
                    columns=2, figsize=(7.5, 4.2))


# ----------------------------------------------------------------- 4. treatment stop/start

TREAT_DAYS = 120.0


def _treat_compute(p):
    return th2.simulate(p, days=TREAT_DAYS, points_per_day=4)


def _treat_draw(fig, df):
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 3])
    top.set_xlim(0, TREAT_DAYS)
    top.set_ylim(0, 1.1)
    top.set_title("Treat a flare, then stop (top: topical solid, IL-4Rα blockade dashed)", fontsize=11)
    topical, = top.plot(df["day"], df["topical"] > 0, drawstyle="steps-post", label="topical",
                        color="0.1", linestyle="-")
    block, = top.plot(df["day"], df["blockade"] > 0, drawstyle="steps-post", label="IL-4Rα blockade",
                      color="0.45", linestyle="--")
    top.set_yticks([0, 1], ["off", "on"])
    bottom.set_ylim(0, I_TOP)
    bottom.set_xlabel("time (model days)")
    bottom.set_ylabel("level (scaled)")
    lines = _state_lines(bottom, df)
    verdict = bottom.text(2, 1.45, "", fontsize=10, bbox=dict(facecolor="white", edgecolor="0.6", pad=2))
    return {"topical": topical, "block": block, "lines": lines, "verdict": verdict}


def _treat_update(a, df, p):
    a["topical"].set_data(df["day"], (df["topical"] > 0).astype(float))
    a["block"].set_data(df["day"], (df["blockade"] > 0).astype(float) * 0.9)
    for col, line in a["lines"].items():
        line.set_data(df["day"], df[col])
    end = df.iloc[-1]
    state = _state_word(end["inflammation"])
    a["verdict"].set_text(f"day {TREAT_DAYS:.0f}: {state}")
    parts = []
    if p.topical > 0 and (p.topical_days > 0 or p.topical_weekly > 0):
        after = (f", then on {p.topical_weekly} day(s) a week" if p.topical_weekly else ", then off")
        parts.append(f"a topical input (strength {p.topical:g}) on for {p.topical_days:g} days from day "
                     f"{p.topical_start:g}{after}")
    if p.il4ra > 0 and p.il4ra_days > 0:
        parts.append(f"IL-4Rα blockade of {p.il4ra:.0%} for {p.il4ra_days:g} days from day {p.il4ra_start:g}")
    treat = " and ".join(parts) if parts else "no treatment"
    low = float(df["inflammation"].to_numpy()[df["day"].to_numpy() <= 60].min())
    return (f"Time courses from the chronic inflamed state with {treat} (top panel: when each treatment is on). "
            f"Inflammation falls to {low:.2f} at its lowest in the first 60 days and is {end['inflammation']:.2f} "
            f"on day {TREAT_DAYS:.0f}: the skin ends {state}"
            + (" (a relapse after the treatment stopped)." if state == "inflamed" and low < 0.5 else ".")
            + " Illustrative model values; days are model days and strengths model numbers, not a treatment schedule.")


def treatment_explorer(params: th2.Params | None = None) -> Explorer:
    """Start from a chronic flare; a topical course (with optional weekly maintenance) and/or a blockade."""
    params = params or th2.Params(**th2.INFLAMED, topical=1.0, topical_start=10.0, topical_days=3.0)
    return Explorer(params, _treat_compute, _treat_draw, _treat_update,
                    controls=[("Topical anti-inflammatory", ["topical", "topical_days", "topical_weekly"]),
                              ("IL-4Rα blockade", ["il4ra", "il4ra_days"])],
                    columns=2, figsize=(7.5, 4.4))


EXPLORERS = {"th2_trigger": trigger_explorer, "th2_phase_plane": phase_plane_explorer,
             "th2_bifurcation": bifurcation_explorer, "th2_treatment": treatment_explorer}
