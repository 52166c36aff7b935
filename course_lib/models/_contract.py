"""The contract every course model follows.

A model module (``course_lib/models/<name>.py``) defines

* ``Params``: a frozen dataclass built with :func:`param` fields and the
  :class:`ModelParams` base. Construction validates every value, so an
  out-of-range number can never reach the equations;
* ``simulate(params, ...) -> pandas.DataFrame``: a pure function. The first
  column is the independent variable (time for dynamic models), one column per
  output, and ``df.attrs["units"]`` maps every column to its unit;
* ``OUTPUTS``: ``{column: (unit, lower, upper)}``, the bounds every output must
  respect for any valid ``Params`` (the property tests check them).

Models do no plotting, no widgets and no I/O.
"""
from __future__ import annotations

import dataclasses
import math
from numbers import Real
from typing import Any, ClassVar

import pandas as pd

__all__ = ["param", "ModelParams", "check_argument", "check_outputs"]


def param(default, lower, upper, *, unit: str, meaning: str, step=None,
          label: str | None = None, choices: tuple | None = None):
    """A validated model parameter for a ``Params`` dataclass.

    ``lower`` and ``upper`` are inclusive. ``step`` is the slider step (and,
    for whole-number parameters, an ``int``). ``choices`` restricts the value
    to a fixed set (shown as a drop-down); ``label`` is the short text on the
    slider (defaults to the field name).
    """
    if not lower <= default <= upper:
        raise ValueError(f"param default {default!r} is outside [{lower}, {upper}]")
    if choices is not None and default not in choices:
        raise ValueError(f"param default {default!r} is not one of {choices}")
    if step is None:
        step = 1 if isinstance(default, int) and isinstance(lower, int) else (upper - lower) / 100
    meta = dict(lower=lower, upper=upper, step=step, unit=unit, meaning=meaning,
                label=label, choices=tuple(choices) if choices is not None else None)
    return dataclasses.field(default=default, metadata=meta)


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


class ModelParams:
    """Base for the frozen ``Params`` dataclass of every model.

    Subclasses set ``model = "<module name>"`` and declare fields with
    :func:`param`.
    """

    model: ClassVar[str] = "model"

    def __post_init__(self):
        for f in dataclasses.fields(self):
            self._check(f, getattr(self, f.name))

    @classmethod
    def _check(cls, f: dataclasses.Field, value: Any) -> None:
        m = f.metadata
        where = f"{cls.model}.Params: {f.name}={value!r}"
        unit = f"{m['unit']}; {m['meaning']}"
        if isinstance(value, bool) or not isinstance(value, Real):
            raise ValueError(f"{where} is not a number (expected a value in "
                             f"[{_fmt(m['lower'])}, {_fmt(m['upper'])}] {m['unit']}; {m['meaning']})")
        if isinstance(f.default, int) and not float(value).is_integer():
            raise ValueError(f"{where} must be a whole number in "
                             f"[{m['lower']}, {m['upper']}] ({unit})")
        if not math.isfinite(value) or not m["lower"] <= value <= m["upper"]:
            raise ValueError(f"{where} is outside [{_fmt(m['lower'])}, {_fmt(m['upper'])}] ({unit})")
        if m["choices"] is not None and value not in m["choices"]:
            allowed = ", ".join(_fmt(c) for c in m["choices"])
            raise ValueError(f"{where} is not one of the allowed values {{{allowed}}} ({unit})")

    @classmethod
    def spec(cls) -> pd.DataFrame:
        """One row per parameter: default, bounds, step, unit and meaning."""
        rows = [dict(parameter=f.name, default=f.default, lower=f.metadata["lower"],
                     upper=f.metadata["upper"], step=f.metadata["step"],
                     unit=f.metadata["unit"], meaning=f.metadata["meaning"])
                for f in dataclasses.fields(cls)]
        return pd.DataFrame(rows).set_index("parameter")

    def table(self) -> pd.DataFrame:
        """The current values with their units, for showing in a notebook."""
        rows = [dict(parameter=f.name, value=getattr(self, f.name), unit=f.metadata["unit"],
                     meaning=f.metadata["meaning"]) for f in dataclasses.fields(self)]
        return pd.DataFrame(rows).set_index("parameter")

    def replace(self, **changes):
        """A copy with some values changed (validated like the original)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"{self.model}.Params has no parameter {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(names))}")
        return dataclasses.replace(self, **changes)


def check_argument(where: str, name: str, value, lower: float, upper: float, unit: str) -> float:
    """Check a number passed to a model function (``days``, ``age``, ...) and return it as float.

    ``where`` names the function (``"th2.simulate"``); the error names it, the
    argument, the value, the range and the unit, like a ``Params`` error.
    """
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
            or not lower <= value <= upper:
        raise ValueError(f"{where}: {name}={value!r} is outside [{lower:g}, {upper:g}] ({unit})")
    return float(value)


def check_outputs(df: pd.DataFrame, outputs: dict[str, tuple[str, float, float]],
                  model: str) -> None:
    """Raise ``AssertionError`` if an output column is missing, non-finite or out of bounds."""
    for col, (unit, lo, hi) in outputs.items():
        if col not in df.columns:
            raise AssertionError(f"{model}: output column {col!r} missing")
        s = df[col].astype(float)
        if not s.map(math.isfinite).all():
            raise AssertionError(f"{model}: {col} has non-finite values")
        if (s < lo).any() or (s > hi).any():
            raise AssertionError(f"{model}: {col} leaves [{lo}, {hi}] {unit}: "
                                 f"min {s.min():g}, max {s.max():g}")
        if df.attrs.get("units", {}).get(col) != unit:
            raise AssertionError(f"{model}: attrs['units'][{col!r}] should be {unit!r}")
