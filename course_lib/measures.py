"""Severity instruments: which band a score falls in, by a named scheme.

Published bands are given to one decimal (EASI "mild 1.1-7.0, moderate
7.1-21.0"), so a score between two printed bands (7.05) belongs to the lower
band: a score is in the highest band whose lower bound it reaches.
"""
from __future__ import annotations

from . import data

__all__ = ["bands", "band"]


def bands(instrument: str, scheme: str):
    """The bands of one instrument under one scheme, lowest first (a DataFrame)."""
    table = data.load("severity_bands")
    known = sorted(set(zip(table["instrument"], table["scheme"])))
    sel = table[(table["instrument"] == instrument) & (table["scheme"] == scheme)]
    if sel.empty:
        listed = "; ".join(f"{i} / {s}" for i, s in known)
        raise ValueError(f"measures.bands: no bands for instrument={instrument!r}, scheme={scheme!r}; "
                         f"known: {listed}")
    return sel.sort_values("lower").reset_index(drop=True)


def band(score: float, instrument: str = "EASI", scheme: str = "Leshem 2015") -> str:
    """The severity band of ``score`` on ``instrument`` under ``scheme``."""
    table = bands(instrument, scheme)
    lo, hi = float(table["scale_min"].iloc[0]), float(table["scale_max"].iloc[0])
    if not lo <= score <= hi:
        raise ValueError(f"measures.band: score={score!r} is outside [{lo:g}, {hi:g}] ({instrument} points)")
    reached = table[table["lower"] <= score]
    return str(reached["band"].iloc[-1])
