"""Notebook 03: S. aureus, commensals and the barrier under antiseptic baths.

Two explorers on the same figure (populations over 12 weeks on a log scale;
barrier integrity and the S. aureus share below):

* :func:`bath_course`: a flare (S. aureus dominant, barrier broken) treated with
  a course of baths; controls for bath frequency, number and strength, targeted
  vs non-selective kill, a stronger barrier brake on bacterial growth and inflammation;
* :func:`reinvasion`: calm skin with an active commensal community is bathed,
  then meets new S. aureus; does the community keep it out?
"""
from __future__ import annotations

import numpy as np

from ..models import microbiome
from ..plotting import series_style
from ..widgets import Explorer

#: the "spare commensals" drop-down shows names, not the model's codes 0 and 1
TARGETED_NAMES = {"targeted": {0: "no (kills both)", 1: "yes (S. aureus only)"}}
TARGETED_LABEL = {"targeted": "spare commensals"}

DAYS = 84.0
WEEK = 7.0
LOG_FLOOR = 1e-9  # lowest population shown on the log axis (smaller values sit on the floor)


def _draw(fig, df, arrivals=False):
    """The two panels. ``arrivals``: the explorer can add new S. aureus, so the legend shows its star."""
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    weeks = df["day"] / WEEK
    sa, = top.plot(weeks, df["s_aureus"], label="S. aureus", **series_style(1))
    co, = top.plot(weeks, df["commensals"], label="commensal staphylococci", **series_style(0))
    baths, = top.plot([], [], linestyle="none", marker="v", markersize=7, color="0.25",
                      label="bath (kill pulse)")
    arrival, = top.plot([], [], linestyle="none", marker="*", markersize=13, color=series_style(3)["color"],
                        label="new S. aureus arrives")
    top.set_yscale("log")
    top.set_ylim(LOG_FLOOR, 5.0)
    top.set_yticks([1e-8, 1e-6, 1e-4, 1e-2, 1], labels=["10⁻⁸", "10⁻⁶", "10⁻⁴", "10⁻²", "1"])
    top.set_ylabel("population\n(fraction of capacity)")
    top.set_title("Bacteria on one patch of skin (model; illustrative parameters)")
    bar, = bottom.plot(weeks, df["barrier"], label="barrier integrity (1 = intact)", **series_style(2))
    share, = bottom.plot(weeks, df["sa_share"], label="S. aureus share of staphylococci", **series_style(3))
    bottom.set_ylim(-0.03, 1.05)
    bottom.set_xlim(0, DAYS / WEEK)
    bottom.set_xticks(range(0, 13, 2))
    bottom.set_xlabel("time (weeks)")
    bottom.set_ylabel("fraction (0-1)")
    handles = [sa, co, baths] + ([arrival] if arrivals else []) + [bar, share]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return {"sa": sa, "co": co, "baths": baths, "arrival": arrival, "barrier": bar, "share": share}


def _pct(x: float) -> str:
    if x >= 0.01:
        return f"{100 * x:.0f} %"
    return f"{100 * x:.2g} %" if x >= 1e-4 else "less than 0.01 %"


def _lowest(x: float) -> str:
    return f"falls to {_pct(x)} at its lowest" if x >= 1e-4 else "at its lowest is below 0.01 %"


def _update(artists, df, params):
    weeks = df["day"].to_numpy() / WEEK
    artists["sa"].set_data(weeks, np.maximum(df["s_aureus"], LOG_FLOOR))
    artists["co"].set_data(weeks, np.maximum(df["commensals"], LOG_FLOOR))
    artists["barrier"].set_data(weeks, df["barrier"])
    artists["share"].set_data(weeks, df["sa_share"])
    days = microbiome.bath_days(params, DAYS)
    artists["baths"].set_data(days / WEEK, np.full(len(days), 2.5))
    exposed = params.exposure > 0 and params.exposure_day < DAYS
    artists["arrival"].set_data([params.exposure_day / WEEK] if exposed else [],
                                [2.5] if exposed else [])
    later = microbiome.settle(params, df)  # a year on, untreated: what microbiome.outcome reads
    result = "S. aureus dominant" if later[0] >= microbiome._DOMINANT else "S. aureus controlled"
    end = df.iloc[-1]
    kind = "targeted (commensals spared)" if params.targeted else "non-selective (both killed)"
    if len(days):
        course = (f"{len(days)} bath{'s' if len(days) != 1 else ''} ({params.baths_per_week} per week, "
                  f"{params.log_kill:g} log10 kill each, {kind}) starting from {_when(params.start_day)}")
    else:
        course = "no baths"
    extras = []
    if params.barrier_brake > 1:
        extras.append(f"a {params.barrier_brake:g}-fold stronger barrier brake on growth")
    if params.inflammation > 0:
        extras.append(f"inflammation {params.inflammation:g} per day")
    if exposed:
        extras.append(f"new S. aureus ({_pct(params.exposure)} of capacity) arriving on day "
                      f"{params.exposure_day:g}")
    extra = f", with {', '.join(extras)}" if extras else ""
    lowest = float(df["s_aureus"].min())
    start = min(params.start_day, DAYS - 1.0)
    mean = microbiome.time_average(df, "s_aureus", start=start)
    return (f"Two panels over 12 weeks, with {course}{extra}. Top, on a log scale: S. aureus starts at "
            f"{_pct(df['s_aureus'].iloc[0])} of capacity, {_lowest(lowest)} and ends at "
            f"{_pct(end['s_aureus'])} (time-averaged from {_when(start)} on: {_pct(mean)}); commensals end at "
            f"{_pct(end['commensals'])}. Bottom: the barrier ends at {end['barrier']:.2f} (1 = intact) and "
            f"S. aureus makes up {_pct(end['sa_share'])} of the staphylococci. "
            f"Where the skin settles with no further treatment: {result} (a year later: S. aureus "
            f"{_pct(later[0])}, commensals {_pct(later[1])}, barrier {later[2]:.2f}).{_why(result, end, later)} "
            "Model with illustrative parameters.")


def _when(day: float) -> str:
    """'week 1' for a whole number of weeks after the start (day 7), else 'day 10'."""
    return f"week {day / WEEK:g}" if day > 0 and day % WEEK == 0 else f"day {day:g}"


def _why(result: str, end, later) -> str:
    """Why a controlled skin can still be mostly S. aureus: a sentence, or nothing."""
    if result != "S. aureus controlled" or end["sa_share"] < 0.5:
        return ""
    return (" Controlled means S. aureus stays below half of capacity with its toxins switched off, held "
            "there by the recovered barrier; its share of the staphylococci is still high because the flare "
            "nearly wiped out the commensals, and in the model they take more than a year to regrow.")


def _explorer(params, groups, arrivals=False):
    def draw(fig, df):
        return _draw(fig, df, arrivals)
    explorer = Explorer(params, microbiome.simulate, draw, _update, controls=groups, columns=len(groups),
                        figsize=(8.0, 5.0))
    return explorer.name_choices(TARGETED_NAMES, TARGETED_LABEL)


def bath_course(params: microbiome.Params | None = None) -> Explorer:
    """A flare treated with a course of antiseptic baths (kill pulses)."""
    params = params or microbiome.Params(**microbiome.DAMAGED, n_baths=2, log_kill=0.5)
    groups = [("Baths", ["n_baths", "baths_per_week", "log_kill", "targeted"]),
              ("The skin", ["barrier_brake", "inflammation"])]
    return _explorer(params, groups, arrivals=params.exposure > 0)


def reinvasion(params: microbiome.Params | None = None) -> Explorer:
    """Calm skin with active commensals is bathed, then meets new S. aureus."""
    params = params or microbiome.Params(**microbiome.HEALTHY, inflammation=0.03, n_baths=4, log_kill=1.0,
                                         exposure=0.2, exposure_day=21.0)
    groups = [("Baths", ["n_baths", "log_kill", "targeted"]),
              ("New S. aureus and the skin", ["exposure", "exposure_day", "inflammation"])]
    return _explorer(params, groups, arrivals=True)


EXPLORERS = {"bath_course": bath_course, "reinvasion": reinvasion}
