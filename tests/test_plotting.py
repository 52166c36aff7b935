"""The course figure style and figure helpers."""
import base64
import io
import re
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


def test_show_displays_the_figure_with_its_description(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    fig, ax = plotting.new_figure(figsize=(4, 3))
    ax.plot([0, 1], [1, 0])
    plotting.show(fig, "A line falling from *1* to 0.")
    (bundle, raw), = shown
    assert raw is True
    page = bundle["text/html"]
    # the picture: a PNG of the figure, with the description (emphasis removed) as alt text
    src = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert Image.open(io.BytesIO(base64.b64decode(src))).size == (400, 300)
    assert 'alt="A line falling from 1 to 0."' in page
    # ... and the description written out right under it, emphasis rendered
    caption = re.search(r'<figcaption class="course-figure-description">(.*)</figcaption>', page).group(1)
    assert "Figure description." in caption and "<em>1</em>" in caption
    assert page.index("<img") < page.index("<figcaption")
    assert bundle["text/plain"] == "Figure: A line falling from *1* to 0."


def _tiny_png(width=3, height=2):
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, format="png")
    return buf.getvalue()


def test_figure_html_escapes_the_alt_text():
    page = plotting.figure_html(_tiny_png(), 'Ratio "A" < B & C')
    assert 'alt="Ratio &quot;A&quot; &lt; B &amp; C"' in page


def test_img_tag_carries_the_picture_size_and_refuses_what_is_not_a_png():
    # the size lets the page keep its place while a new picture is decoded
    tag = plotting.img_tag(_tiny_png(7, 5), "x")
    assert 'width="7" height="5"' in tag and "max-width:100%;height:auto" in tag
    with pytest.raises(ValueError, match="img_tag: png is not a PNG file"):
        plotting.img_tag(b"GIF89a" + bytes(40), "x")


def test_rgb_png_is_lossless_and_puts_see_through_pixels_on_white():
    import numpy as np

    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, size=(13, 17, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    decoded = Image.open(io.BytesIO(plotting.rgb_png(rgba)))
    assert decoded.mode == "RGB" and decoded.size == (17, 13)
    assert (np.asarray(decoded) == rgba[..., :3]).all(), "every pixel comes back exactly"
    rgba[0, 0] = (0, 0, 0, 0)        # fully transparent black: white on the page
    rgba[0, 1] = (0, 0, 0, 128)      # half-transparent black: mid grey
    pixels = np.asarray(Image.open(io.BytesIO(plotting.rgb_png(rgba)))).astype(int)
    assert tuple(pixels[0, 0]) == (255, 255, 255)
    assert all(abs(v - 127) <= 1 for v in pixels[0, 1])
    with pytest.raises(ValueError, match=r"rgb_png: expected a \(height, width, 4\) uint8 array, got \(2, 2, 3\)"):
        plotting.rgb_png(np.zeros((2, 2, 3), np.uint8))


def test_rgb_png_of_a_figure_matches_pillows_encoding():
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig, ax = plotting.new_figure(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    ours = np.asarray(Image.open(io.BytesIO(plotting.rgb_png(canvas.buffer_rgba()))))
    theirs = np.asarray(Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                         "raw", "RGBA", 0, 1).convert("RGB"))
    assert (ours == theirs).all()


def test_static_mode_follows_the_environment(monkeypatch):
    monkeypatch.delenv("COURSE_STATIC", raising=False)
    assert not plotting.static_mode()
    monkeypatch.setenv("COURSE_STATIC", "1")
    assert plotting.static_mode()
    monkeypatch.setenv("COURSE_STATIC", "0")
    assert not plotting.static_mode()


def _header_cells(page):
    head = page[page.index("<thead>"):page.index("</thead>")]
    return [re.findall(r"<th[^>]*>(.*?)</th>", row, re.S) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", head, re.S)]


def test_table_html_gives_every_empty_header_cell_a_screen_reader_label():
    import pandas as pd
    df = pd.DataFrame({"a": [1, 2], "b": [3, 4]}, index=pd.Index(["x", "y"], name="site"))
    plain = _header_cells(df._repr_html_())
    assert any(not c.strip() for row in plain for c in row), "pandas leaves header cells empty (the fault fixed here)"
    rows = _header_cells(plotting.table_html(df))
    text = [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in rows]
    assert text == [["row label", "a", "b"], ["site", "(no heading)", "(no heading)"]]
    assert "clip:rect(0,0,0,0)" in rows[0][0], "the label is hidden from sight, not from screen readers"
    page = plotting.table_html(df)
    assert re.match(r'<div class="course-table" role="region" aria-label="Table \d+: 2 rows; columns a, b" '
                    r'tabindex="0"', page), page[:200]
    labels = {re.search(r'aria-label="([^"]+)"', plotting.table_html(df)).group(1) for _ in range(3)}
    assert len(labels) == 3, "each table region has its own name"
    assert page.endswith("</div>")
    body = page.removesuffix("</div>")
    assert body[body.index("</thead>"):] == df._repr_html_()[df._repr_html_().index("</thead>"):], "body unchanged"


def test_use_course_style_registers_the_table_formatter():
    from IPython.core.interactiveshell import InteractiveShell
    import pandas as pd
    shell = InteractiveShell.instance()
    try:
        plotting.use_course_style()
        html_out = shell.display_formatter.formatters["text/html"](pd.DataFrame({"a": [1]}))
        assert "row label" in html_out
    finally:
        InteractiveShell.clear_instance()
