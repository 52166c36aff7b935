"""The course figure style and figure helpers."""
import io
import warnings

import matplotlib
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

from course_lib import plotting


def _luminance(hex_colour):
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in to_rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_palette_is_okabe_ito_without_black_and_yellow():
    from matplotlib.colors import to_hex
    okabe_ito = {to_hex(c) for c in matplotlib.color_sequences["okabe_ito"]}
    assert {c.lower() for c in plotting.COLORS} <= okabe_ito
    assert "#000000" not in plotting.COLORS and "#f0e442" not in (c.lower() for c in plotting.COLORS)


def test_every_series_differs_in_line_style_too():
    styles = [plotting.series_style(i) for i in range(len(plotting.COLORS))]
    assert len({str(s["linestyle"]) for s in styles}) == len(styles), "colour is never the only cue"
    assert plotting.series_style(0, marker=True)["marker"] == "o"


def test_first_four_colours_meet_wcag_non_text_contrast_on_white():
    # WCAG 2.1 success criterion 1.4.11: graphical objects need 3:1 against their background.
    # Orange and sky blue (about 2.2:1) come fifth and sixth, always with their own line style.
    for c in plotting.COLORS[:4]:
        assert 1.05 / (_luminance(c) + 0.05) >= 3.0, c


def test_use_course_style_sets_readable_sizes(monkeypatch):
    monkeypatch.delenv("COURSE_STRICT", raising=False)
    with matplotlib.rc_context():
        plotting.use_course_style()
        assert matplotlib.rcParams["font.size"] >= 11
        assert matplotlib.rcParams["figure.facecolor"] == "white"


def test_strict_mode_turns_warnings_into_errors(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT", "1")
    with matplotlib.rc_context(), warnings.catch_warnings():
        plotting.use_course_style()
        with pytest.raises(DeprecationWarning):
            warnings.warn("old", DeprecationWarning)


def test_new_figure_is_outside_pyplot_and_renders():
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    fig, ax = plotting.new_figure(figsize=(4, 3))
    ax.plot([0, 1], [1, 0])
    assert plt.get_fignums() == before, "no pyplot figure is created (nothing leaks or auto-displays)"
    png = plotting.figure_png(fig)
    assert Image.open(io.BytesIO(png)).size == (400, 300)


def test_show_needs_a_description():
    fig, _ = plotting.new_figure()
    with pytest.raises(ValueError, match="description is empty"):
        plotting.show(fig, "  ")


def test_show_displays_the_figure_then_its_description(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig, _ = plotting.new_figure()
    plotting.show(fig, "A line falling from 1 to 0.")
    assert type(shown[0]).__name__ == "Image" and "A line falling" in shown[1].data
