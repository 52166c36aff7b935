"""Widgets generated from model metadata, and the explorer that redraws in place.

* :func:`control_for` / :func:`controls_for` build one labelled, keyboard-operable
  control per ``Params`` field from its metadata (bounds, step, unit, choices),
  so no control can reach a value the model rejects.
* :class:`Explorer` owns one figure. A change of a control recomputes the model,
  updates the figure's artists in place (``set_ydata`` and friends, never a new
  figure) and refreshes the picture once, through
  :class:`course_lib.plotting.FastRenderer`. The picture carries its text
  description as ``alt`` text and directly underneath.

Backend choice: the figure is rendered to PNG by the kernel
(:class:`course_lib.plotting.FastRenderer`, which redraws only the moving
artists over a cached background and encodes with
:func:`course_lib.plotting.rgb_png`) and shown as an ``<img>`` with ``alt``
text in an ``HTML`` widget (no ipympl). It works the same in JupyterLab,
Notebook, VS Code, Binder and on a hub with no front-end extension beyond
ipywidgets, and never leaves a blank canvas in a static copy. Speed is
measured by ``make benchmark`` (kernel side) and ``make benchmark
ARGS="--browser"`` (keydown to pixels in JupyterLab); see benchmarks/README.md.
An ipywidgets ``Image`` (binary PNG, no base64) was tried and not kept: the
base64 and HTML steps cost the browser about 3 ms of 40-100, an ``Image``
has no ``alt`` text, and in a trial in this JupyterLab (4.6, ipywidgets 8.1)
its view did not render ("Error setting state", not investigated further).
"""
from __future__ import annotations

import collections
import dataclasses
import html
import sys
import time
import traceback
from typing import Any, Callable, Iterable

import ipywidgets as W
from matplotlib.figure import Figure

from .plotting import FastRenderer, course_style, figure_html, img_tag, static_mode

__all__ = ["control_for", "controls_for", "Explorer"]


def _decimals(step: float) -> int:
    text = f"{step:.10f}".rstrip("0")
    return max(0, len(text.split(".")[1])) if "." in text else 0


def control_for(params_cls, name: str, value=None) -> W.ValueWidget:
    """A labelled control for field ``name`` of a ``Params`` class.

    Range, step and unit come from the field's metadata; the value starts at
    ``value`` (default: the field's default). Controls trigger on release
    (``continuous_update=False``) and move with the arrow keys.
    """
    fields = {f.name: f for f in dataclasses.fields(params_cls)}
    if name not in fields:
        raise ValueError(f"{params_cls.model}.Params has no parameter {name!r}; "
                         f"known: {', '.join(fields)}")
    f = fields[name]
    m = f.metadata
    value = f.default if value is None else value
    label = f"{m['label'] or name} ({m['unit']})"
    common = dict(description=label, description_allow_html=False, tooltip=m["meaning"],
                  style={"description_width": "initial"}, layout=W.Layout(width="98%", max_width="40em"))
    if m["choices"] is not None:
        options = [(f"{c:g}" if isinstance(c, float) else str(c), c) for c in m["choices"]]
        ctrl = W.Dropdown(options=options, value=value, **common)
    elif isinstance(f.default, int):
        ctrl = W.IntSlider(min=m["lower"], max=m["upper"], step=int(m["step"]), value=int(value),
                           continuous_update=False, **common)
    else:
        ctrl = W.FloatSlider(min=m["lower"], max=m["upper"], step=m["step"], value=float(value),
                             readout_format=f".{_decimals(m['step'])}f",
                             continuous_update=False, **common)
    ctrl.add_class("course-control")
    return ctrl


def controls_for(params, names: Iterable[str] | None = None) -> dict[str, W.ValueWidget]:
    """Controls for the named fields of a ``Params`` instance (all fields by default)."""
    cls = type(params)
    names = list(names) if names is not None else [f.name for f in dataclasses.fields(cls)]
    return {n: control_for(cls, n, getattr(params, n)) for n in names}


class Explorer:
    """An interactive figure driven by a model's ``Params``.

    Parameters
    ----------
    params : a model's ``Params`` instance, the starting values.
    compute : ``params -> result`` (usually the model's ``simulate``).
    draw : ``(fig, result) -> artists``: make axes and artists once.
    update : ``(artists, result, params) -> str``: move the artists to the new
        result (``set_ydata``, ``set_width``, ...) and return the figure's text
        description for these values. Only the artists returned by ``draw``
        are redrawn; axes, limits and titles stay as ``draw`` made them.
    controls : names of the parameters to expose (default: all), or groups
        ``[(heading, [names...]), ...]`` shown as labelled boxes.
    columns : lay the controls (or the groups) out in this many columns.
    figsize : figure size in inches.

    Use ``explorer.set(name=value)`` to change values from code (tests,
    benchmarks, exercises); ``explorer.widget`` is what the notebook displays.
    """

    def __init__(self, params, compute: Callable[[Any], Any],
                 draw: Callable[[Figure, Any], Any],
                 update: Callable[[Any, Any, Any], str], *,
                 controls: Iterable[str] | None = None, columns: int = 1, figsize=None):
        self.params = params
        self._compute, self._update = compute, update
        #: who made this explorer: "module.function" of the callers, innermost first (for the browser
        #: benchmark's table, which names an explorer by the first of these in the registry)
        self.made_by = tuple(f"{f.f_globals.get('__name__')}.{f.f_code.co_name}"
                             for f in _callers(sys._getframe(1), 4))
        #: milliseconds the kernel spent on each control change (model, redraw, picture), newest last
        self.change_ms: collections.deque[float] = collections.deque(maxlen=500)
        #: the same, in CPU time of the kernel process (what the change costs when the machine is busy)
        self.change_cpu_ms: collections.deque[float] = collections.deque(maxlen=500)
        with course_style():
            self.fig = Figure(figsize=figsize, layout="constrained")
            result = compute(params)
            self.artists = draw(self.fig, result)
        groups = None
        if controls is not None:
            controls = list(controls)
            if controls and isinstance(controls[0], tuple):
                groups = controls
                controls = [n for _, names in groups for n in names]
        self.controls = controls_for(params, controls)
        self._groups = groups or [(None, list(self.controls))]
        self.image = W.HTML()
        self.image.add_class("course-figure")
        self.caption = W.HTML()
        self.caption.add_class("course-figure-description")
        self.status = W.HTML()
        self.status.add_class("course-explorer-status")
        if groups is not None:
            items = []
            for heading, names in groups:
                group = W.VBox([W.HTML(f"<b>{html.escape(heading)}</b>")] + [self.controls[n] for n in names],
                               layout=W.Layout(border="1px solid #999", padding="2px 6px", margin="2px"))
                group.add_class("course-control-group")
                items.append(group)
        else:
            items = list(self.controls.values())
        box = (W.GridBox(items, layout=W.Layout(grid_template_columns=f"repeat({columns}, minmax(0, 1fr))"))
               if columns > 1 else W.VBox(items))
        self.widget = W.VBox([box, self.image, self.caption, self.status])
        self.widget.add_class("course-explorer")
        self._syncing = False
        for name, ctrl in self.controls.items():
            ctrl.observe(self._on_change, names="value")
        self.last_ms = None
        self.renderer = FastRenderer(self.fig, self.artists)
        self._redraw(result)
        # Lay the figure out once; the cached background keeps that layout.
        self.fig.set_layout_engine("none")

    # --- the update path ---------------------------------------------------
    def _redraw(self, result) -> None:
        with course_style():
            description = self._update(self.artists, result, self.params)
            png = self.renderer.render()
        self.description = description
        self._png = png
        self.image.value = img_tag(png, description)
        self.caption.value = f"<p><b>Figure description.</b> {html.escape(description)}</p>"

    def refresh(self) -> float:
        """Recompute and redraw; returns the time taken in milliseconds."""
        t0 = time.perf_counter()
        self._redraw(self._compute(self.params))
        self.last_ms = (time.perf_counter() - t0) * 1e3
        return self.last_ms

    def set(self, **values) -> float:
        """Change parameters from code, move the controls to match, redraw once."""
        self.params = self.params.replace(**values)
        self._syncing = True
        try:
            for name, value in values.items():
                if name in self.controls:
                    self.controls[name].value = value
        finally:
            self._syncing = False
        return self.refresh()

    def name_choices(self, names: dict, descriptions: dict | None = None) -> "Explorer":
        """Show names, not codes, on drop-downs: ``names`` maps control -> {value: name}.

        The controls keep their values (the model still receives the codes) and nothing is
        redrawn; ``descriptions`` maps control -> a new label. Returns the explorer.
        """
        self._syncing = True
        try:
            for control, labels in names.items():
                ctrl = self.controls[control]
                value = ctrl.value
                ctrl.options = [(labels[v], v) for _, v in ctrl.options]
                ctrl.value = value
                if descriptions and control in descriptions:
                    ctrl.description = descriptions[control]
        finally:
            self._syncing = False
        return self

    def _on_change(self, change) -> None:
        if self._syncing:
            return
        t0, cpu0 = time.perf_counter(), time.process_time()
        name = next(n for n, c in self.controls.items() if c is change["owner"])
        try:
            self.params = self.params.replace(**{name: change["new"]})
            self.refresh()
            self.status.value = ""
        except Exception as exc:  # shown to the learner, never swallowed
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            self.status.value = (f'<p role="alert"><b>⚠ The figure could not be updated.</b> '
                                 f"{html.escape(last)}</p>")
        self.change_ms.append((time.perf_counter() - t0) * 1e3)
        self.change_cpu_ms.append((time.process_time() - cpu0) * 1e3)

    def static_html(self) -> str:
        """The explorer as a still picture, for the static site (no controls).

        Says that the controls need a live kernel and lists the values the
        picture was drawn with, then the figure and its description.
        """
        def listed(names):
            return ", ".join(f"{html.escape(self.controls[n].description)} {html.escape(_shown_value(self.controls[n]))}"
                             for n in names)

        values = "; ".join(f"{html.escape(heading)}: {listed(names)}" if heading else listed(names)
                           for heading, names in self._groups)
        return (f'<div class="course-explorer-static">'
                f'<p class="course-live-note"><b>Interactive figure.</b> In this read-only copy the '
                f"controls are not shown: they need a live kernel (open the notebook on Binder, on a hub "
                f"or on your computer with <code>make lab</code>). Drawn with: {values}.</p>"
                f"{figure_html(self._png, self.description)}</div>")

    def _ipython_display_(self):
        from IPython.display import HTML, display
        display(HTML(self.static_html()) if static_mode() else self.widget)


def _callers(frame, depth: int):
    """``frame`` and up to ``depth - 1`` of its callers."""
    while frame is not None and depth > 0:
        yield frame
        frame, depth = frame.f_back, depth - 1


def _shown_value(ctrl) -> str:
    """A control's value as the learner would read it on the control."""
    if isinstance(ctrl, W.Dropdown):
        return str(ctrl.label)
    if isinstance(ctrl, W.FloatSlider):
        return format(ctrl.value, ctrl.readout_format)
    return str(ctrl.value)
