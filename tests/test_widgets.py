"""Controls generated from Params metadata, and the in-place explorer."""
import base64
import html
import re

import ipywidgets as W
import pytest

from course_lib import explorers
from course_lib.models import easi
from course_lib.plotting import FastRenderer, course_style, figure_png, new_figure
from course_lib.widgets import Explorer, control_for, controls_for


def test_controls_cannot_leave_the_model_range():
    for name, ctrl in controls_for(easi.Params()).items():
        f = easi.Params.__dataclass_fields__[name]
        m = f.metadata
        if isinstance(ctrl, W.Dropdown):
            assert [v for _, v in ctrl.options] == list(m["choices"])
        else:
            assert (ctrl.min, ctrl.max, ctrl.step) == (m["lower"], m["upper"], m["step"])
            assert ctrl.continuous_update is False
        assert f"({m['unit']})" in ctrl.description, "the label shows the unit"


def test_control_for_unknown_parameter_lists_the_known_ones():
    with pytest.raises(ValueError, match="easi.Params has no parameter 'trunk'; known: age_0_to_7"):
        control_for(easi.Params, "trunk")


def test_a_slider_clamps_out_of_range_values_before_the_model_sees_them():
    ctrl = control_for(easi.Params, "trunk_area")
    ctrl.value = 250
    assert ctrl.value == 100
    easi.Params(trunk_area=ctrl.value)  # accepted


def _png(explorer):
    return base64.b64decode(re.search(r'base64,([^"]+)"', explorer.image.value).group(1))


def test_explorer_updates_in_place_when_a_control_moves():
    ex = explorers.build("easi_scorer")
    fig, before = ex.fig, _png(ex)
    ex.controls["trunk_erythema"].value = 2.0
    ex.controls["trunk_area"].value = 40.0
    assert ex.fig is fig, "the same figure is reused"
    assert ex.params.trunk_area == 40.0 and ex.params.trunk_erythema == 2.0
    assert _png(ex) != before
    assert "The total is 1.8" in ex.description  # 2 x 3 x 0.3
    assert 'alt="Bar chart' in ex.image.value and html.escape(ex.description) in ex.caption.value
    assert ex.status.value == ""


def test_explorer_set_moves_the_controls_and_returns_the_time():
    ex = explorers.build("easi_scorer")
    ms = ex.set(trunk_area=55.0)
    assert ms > 0 and ex.controls["trunk_area"].value == 55.0


@pytest.mark.parametrize("name, values", [
    ("easi_scorer", dict(trunk_area=35.0, trunk_erythema=2.0, lower_limbs_area=60.0, lower_limbs_oedema=3.0)),
    ("march_explorer", dict(eczema_onset=0.4, eczema_remission=0.2)),
])
def test_fast_render_matches_a_full_render(name, values):
    ex = explorers.build(name)
    ex.set(**values)
    from PIL import Image
    import io
    import numpy as np
    fast = np.asarray(Image.open(io.BytesIO(ex.renderer.render())).convert("RGB"), dtype=int)
    for artist in ex.renderer.moving:
        artist.set_animated(False)
    with course_style():  # the style the explorer drew its background in (tick labels are made at draw time)
        full = np.asarray(Image.open(io.BytesIO(figure_png(ex.fig))).convert("RGB"), dtype=int)
    assert fast.shape == full.shape
    assert (abs(fast - full) > 40).mean() < 0.002, "blitted picture differs from a full draw"


def test_callback_errors_are_shown_not_swallowed():
    def update(artists, result, params):
        if params.trunk_area > 50:
            raise RuntimeError("model failed to converge")
        return "ok"

    ex = Explorer(easi.Params(), easi.simulate, lambda fig, df: fig.subplots().plot([0], [0]),
                  update, controls=["trunk_area"])
    ex.controls["trunk_area"].value = 80.0
    assert "could not be updated" in ex.status.value and "model failed to converge" in ex.status.value
    ex.controls["trunk_area"].value = 10.0
    assert ex.status.value == "" and ex.description == "ok"


def test_every_registered_explorer_builds():
    for name in explorers.REGISTRY:
        ex = explorers.build(name)
        assert ex.description and ex.image.value.startswith("<img")
    with pytest.raises(ValueError, match="unknown explorer 'x'; known: .*easi_scorer"):
        explorers.build("x")


def test_fast_renderer_redraws_after_invalidate():
    fig, ax = new_figure()
    line, = ax.plot([0, 1], [0, 1])
    r = FastRenderer(fig, {"line": line})
    first = r.render()
    ax.set_title("changed")
    assert r.render() == first  # cached background: title change not seen
    r.invalidate()
    assert r.render() != first


def test_static_mode_shows_a_still_picture_with_the_values_and_a_live_kernel_note(monkeypatch):
    from IPython.display import HTML

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    explorer = explorers.REGISTRY["easi_scorer"]()
    explorer.set(trunk_area=40, trunk_erythema=2.0)
    monkeypatch.setenv("COURSE_STATIC", "1")
    explorer._ipython_display_()
    (page,) = shown
    assert isinstance(page, HTML)
    text = page.data
    assert "need a live kernel" in text and "Binder" in text
    # the values, under the group headings the controls sit in
    assert re.search(r"Trunk: area \(% of region\) 40, erythema \(score 0-3\) 2\b", text), text[:900]
    src = re.search(r'src="data:image/png;base64,([^"]+)"', text).group(1)
    assert base64.b64decode(src) == _png(explorer), "the picture is the explorer's current one"
    assert f'alt="{html.escape(explorer.description, quote=True)}"' in text
    assert 'class="course-figure-description"' in text

    shown.clear()
    monkeypatch.setenv("COURSE_STATIC", "0")
    explorer._ipython_display_()
    assert shown == [explorer.widget], "a live notebook shows the widget"


def test_each_change_from_a_control_is_timed_and_the_factory_is_known():
    ex = explorers.build("easi_scorer")
    assert ex.made_by[0] == "course_lib.explorers.easi.easi_scorer"
    ex.set(trunk_area=20.0)  # a change from code is not a learner's change
    assert len(ex.change_ms) == 0
    ex.controls["trunk_area"].value = 30.0
    ex.controls["trunk_area"].value = 35.0
    assert len(ex.change_ms) == len(ex.change_cpu_ms) == 2 and min(ex.change_ms) > 0


def test_march_class_picture_letters_every_long_run():
    from course_lib.explorers import march as m
    from course_lib.models import march

    ex = explorers.build("march_explorer")
    for values in ({}, dict(eczema_onset=0.5, skin_sensitisation=1.5)):
        if values:
            ex.set(**values)
        runs = m._letter_runs(march.GROUP_OF_STATE[march.class_states(ex.params, m.CLASS_SIZE, m.CLASS_SEED)])
        assert runs, "the class has runs to letter"
        drawn = sorted((round(float(x), 6), int(y), g) for g, line in ex.artists["letters"].items()
                       for x, y in zip(line.get_xdata(), line.get_ydata()))
        assert drawn == sorted((round(x, 6), y, g) for x, y, g in runs)
        for g, line in ex.artists["letters"].items():
            assert line.get_markerfacecolor() == m.LETTER_COLORS[g]


def test_name_choices_relabels_drop_downs_without_redrawing():
    """Explorer.name_choices shows names for coded choices; values (what the model gets) are unchanged."""
    from course_lib.explorers import build

    explorer = build("coupled_loop")
    ctrl = explorer.controls["couplings"]
    assert [label for label, _ in ctrl.options] == ["off (separate models)", "on (coupled)"]
    assert [value for _, value in ctrl.options] == [0, 1]
    before = explorer.params
    explorer.name_choices({"couplings": {0: "separate", 1: "joined"}}, {"couplings": "links"})
    assert [label for label, _ in ctrl.options] == ["separate", "joined"] and ctrl.description == "links"
    assert explorer.params == before and ctrl.value == before.couplings
