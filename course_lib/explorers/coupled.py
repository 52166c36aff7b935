"""Notebook 05: the coupled model. Both explorers show results computed once, up front.

The coupled model takes 20-60 ms per patient to integrate, too slow for a slider, so:

* :func:`loop_explorer` precomputes a grid of environmental loads x (couplings on/off) x
  (calm start / flare start) in one vectorised run (about half a second), and the sliders
  pick which runs to show;
* :func:`trial_explorer` shows the virtual trial's per-strategy results (computed once by
  :func:`course_lib.cohort.run_trial`), and the drop-downs pick which strategies to compare.

All parameter values are illustrative (see :mod:`course_lib.models.coupled`).
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import cohort
from ..models import coupled
from ..models._contract import ModelParams, param
from ..plotting import COLORS, series_style
from ..widgets import Explorer

LOOP_LOADS = tuple(round(x, 2) for x in np.arange(0.3, 1.31, 0.05))
LOOP_DAYS = 200.0


@dataclasses.dataclass(frozen=True)
class LoopView(ModelParams):
    """What the loop explorer shows (every run is precomputed)."""

    model = "coupled.loop_explorer"
    p_env: float = param(0.5, LOOP_LOADS[0], LOOP_LOADS[-1], step=0.05, choices=LOOP_LOADS,
                         unit="relative load", label="environment",
                         meaning="allergen and irritant load of the environment (1 = typical; illustrative)")
    couplings: int = param(1, 0, 1, step=1, choices=(0, 1), unit="off or on", label="couplings",
                           meaning="off: the notebook 02 and 03 models run separately; on: coupled (defaults)")
    start: int = param(1, 0, 1, step=1, choices=(0, 1), unit="calm skin or a flare", label="start from",
                       meaning="calm skin, commensals dominant; or a flare, S. aureus dominant")


#: what each drop-down shows instead of a code: control -> {value: name}
LOOP_NAMES = {"couplings": {0: "off (separate models)", 1: "on (coupled)"},
              "start": {0: "calm skin", 1: "a flare"}}


@functools.lru_cache(maxsize=1)
def _loop_runs():
    """Every (load, couplings, start) run, in one vectorised call: arrays of shape (days, runs)."""
    loads, coup, start = np.meshgrid(np.array(LOOP_LOADS), [0, 1], [0, 1], indexing="ij")
    loads, coup, start = loads.ravel(), coup.ravel(), start.ravel()
    out = {}
    for c in (0, 1):
        p = coupled.Params() if c else coupled.uncoupled()
        rows = coup == c
        r = coupled.run_patients(p, p_env=loads[rows], start=start[rows], strategy=(), days=LOOP_DAYS,
                                 points_per_day=1)
        for k, (load, s) in enumerate(zip(loads[rows], start[rows])):
            out[(round(float(load), 2), c, int(s))] = {col: r[col][:, k] for col in
                                                        ("inflammation", "barrier", "s_aureus", "commensals")}
    out["day"] = r["day"]
    return out


def _loop_compute(v: LoopView):
    runs = _loop_runs()
    return runs["day"], runs[(round(v.p_env, 2), v.couplings, v.start)]


def _loop_draw(fig, result):
    day, run = result
    top, bottom = fig.subplots(2, 1, sharex=True)
    names = (("inflammation", "type-2 inflammation"), ("barrier", "barrier integrity"))
    lines = {}
    for k, (col, label) in enumerate(names):
        lines[col], = top.plot(day, run[col], label=label, **series_style(k))
    top.axhline(coupled.INFLAMED_LEVEL, color="0.5", linewidth=0.8, linestyle=":")
    top.set_ylim(0, 1.6)
    top.set_ylabel("level (scaled)")
    top.legend(loc="upper right", fontsize=9, ncols=2)
    for k, (col, label) in enumerate((("s_aureus", "S. aureus"), ("commensals", "commensals")), start=2):
        lines[col], = bottom.plot(day, np.log10(np.maximum(run[col], 1e-9)), label=label, **series_style(k))
    bottom.set_ylim(-9.2, 0.3)
    bottom.set_ylabel("log10 fraction of capacity")
    bottom.set_xlabel("time (days)")
    bottom.set_xlim(0, LOOP_DAYS)
    bottom.legend(loc="lower right", fontsize=9, ncols=2)
    title = top.set_title(" ")
    return {"lines": lines, "title": title}


def _loop_update(a, result, v: LoopView):
    day, run = result
    for col, line in a["lines"].items():
        y = run[col] if col in ("inflammation", "barrier") else np.log10(np.maximum(run[col], 1e-9))
        line.set_ydata(y)
    end_i, end_a = run["inflammation"][-1], run["s_aureus"][-1]
    state = "inflamed" if end_i > coupled.INFLAMED_LEVEL else "calm"
    microbes = "S. aureus dominant" if end_a > 0.5 else "commensals hold S. aureus down"
    how = "coupled" if v.couplings else "separate models (couplings off)"
    start = "a flare" if v.start else "calm skin"
    a["title"].set_text(f"{how}, load {v.p_env:.2f}, from {start}: ends {state}")
    return (f"Two panels over {LOOP_DAYS:.0f} days, {how}, environmental load {v.p_env:.2f}, starting from "
            f"{start}. Top: type-2 inflammation ends at {end_i:.2f} (dotted line: the inflamed level "
            f"{coupled.INFLAMED_LEVEL}) and barrier integrity at {run['barrier'][-1]:.2f}. Bottom, on a log "
            f"scale: S. aureus ends at {end_a:.2g} and commensals at {run['commensals'][-1]:.2g} of capacity "
            f"({microbes}). The skin ends {state}. Illustrative parameter values.")


def loop_explorer(view: LoopView | None = None) -> Explorer:
    """The same patient with the couplings off and on: does a flare resolve? Does calm skin flare?"""
    explorer = Explorer(view or LoopView(), _loop_compute, _loop_draw, _loop_update,
                        controls=["p_env", "couplings", "start"], columns=3, figsize=(8.0, 5.0))
    return explorer.name_choices(LOOP_NAMES, {"couplings": "couplings", "start": "start from"})


# --------------------------------------------------------------------------- the virtual trial

_MEASURES = (("remission", "in remission at week 16"), ("relapse", "relapsed after stopping"),
             ("flare_days", "flare days / 112"))


def _trial_view(names):
    choices = tuple(range(len(names)))
    listing = "; ".join(names)

    @dataclasses.dataclass(frozen=True)
    class TrialView(ModelParams):
        """Which strategies the trial explorer compares (results are precomputed)."""

        model = "coupled.trial_explorer"
        shown: int = param(min(1, len(names) - 1), 0, len(names) - 1, step=1, choices=choices, unit="coloured bars",
                           label="strategy shown", meaning=f"the strategy shown in colour, one of: {listing}")
        compared: int = param(0, 0, len(names) - 1, step=1, choices=choices, unit="grey bars",
                              label="compared with", meaning=f"the strategy shown in grey, one of: {listing}")

    return TrialView


def _trial_values(summary, name):
    row = summary.loc[name]
    vals, lows, highs = [], [], []
    for col, _ in _MEASURES:
        scale = coupled.TREAT_DAYS if col == "flare_days" else 1.0
        v, lo, hi = (row[col] / scale, row[f"{col}_low"] / scale, row[f"{col}_high"] / scale)
        vals.append(0.0 if np.isnan(v) else v)
        lows.append(0.0 if np.isnan(lo) else max(lo, 0.0))
        highs.append(0.0 if np.isnan(hi) else min(hi, 1.0))
    return np.array(vals), np.array(lows), np.array(highs)


def trial_explorer(summary=None) -> Explorer:
    """Compare two strategies of the virtual trial (``summary`` from :func:`cohort.summarise`).

    Without ``summary`` a small trial (40 patients, seed 0) is run once when the explorer is built.
    """
    if summary is None:
        summary = cohort.summarise(cohort.run_trial(cohort.virtual_patients(40, seed=0)))
    names = list(summary.index)
    view = _trial_view(names)()
    x = np.arange(len(_MEASURES))

    def compute(v):
        return names[v.shown], names[v.compared]

    def draw(fig, result):
        ax = fig.subplots()
        ghost = ax.bar(x - 0.2, np.zeros(len(x)), width=0.38, color="0.8", edgecolor="0.3", hatch="//")
        main = ax.bar(x + 0.2, np.zeros(len(x)), width=0.38, color=COLORS[0], edgecolor="black")
        ci_ghost = [ax.plot([xx - 0.2] * 2, [0, 0], color="0.2", linewidth=2, linestyle="-")[0] for xx in x]
        ci_main = [ax.plot([xx + 0.2] * 2, [0, 0], color="black", linewidth=2, linestyle="-")[0] for xx in x]
        ax.set_xticks(x, [label for _, label in _MEASURES])
        ax.set_ylim(0, 1.3)     # headroom: the legend sits above the tallest bar (at most 1)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_ylabel("share of patients (flare days: share of the 112 days)")
        ax.set_xlim(-0.6, len(x) - 0.4)
        ax.legend([main, ghost], ["strategy shown (coloured)", "compared with (grey, hatched)"], loc="upper center",
                  ncols=2, fontsize=9)  # static: the strategies' names are in the title
        title = ax.set_title(" ")
        return {"main": list(main), "ghost": list(ghost), "ci_main": ci_main, "ci_ghost": ci_ghost,
                "title": title}

    def update(a, result, v):
        shown, other = result
        parts = []
        for key, ci_key, name in (("main", "ci_main", shown), ("ghost", "ci_ghost", other)):
            vals, lows, highs = _trial_values(summary, name)
            for bar, line, val, lo, hi in zip(a[key], a[ci_key], vals, lows, highs):
                bar.set_height(val)
                line.set_ydata([lo, hi])
            parts.append(vals)
        a["title"].set_text(f"{shown} vs {other} ({int(summary.loc[shown, 'n'])} virtual patients)")
        s, o = parts
        return (f"Bar chart, virtual trial of {int(summary.loc[shown, 'n'])} virtual patients, each starting in "
                f"a flare. {shown} (coloured bars) against {other} (grey hatched bars), with 95% confidence "
                f"intervals. In remission at week 16: {s[0]:.0%} vs {o[0]:.0%}. Relapsed by week 32 after "
                f"stopping, among those in remission: {s[1]:.0%} vs {o[1]:.0%}. Flare days during the 16 weeks "
                f"of treatment: {s[2] * coupled.TREAT_DAYS:.0f} vs {o[2] * coupled.TREAT_DAYS:.0f} on average. "
                "Model results with illustrative parameters, not trial data.")

    explorer = Explorer(view, compute, draw, update, controls=["shown", "compared"], columns=2, figsize=(8.0, 4.2))
    labels = dict(enumerate(names))
    return explorer.name_choices({"shown": labels, "compared": labels},
                                 {"shown": "strategy shown (coloured bars)", "compared": "compared with (grey bars)"})


EXPLORERS = {"coupled_loop": loop_explorer, "coupled_trial": trial_explorer}
