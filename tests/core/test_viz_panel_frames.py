"""The t frames of objectives_panel: applied in the browser, they must give the figure the server draws."""

import base64
import copy
import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.core.test_viz_cloud_frames import apply
from ui import urlstate
from zo_core import expressions, objectives
from zo_core.viz import objectives as figs

TS = [-10.0, 0.0, 0.5, 20.0]


def png_pixels(uri: str) -> np.ndarray:
    """A PNG data URI decoded by Pillow (RGB, or indexed as zo_core writes it) as (h, w, 3), row 0 = smallest y."""
    data = base64.b64decode(uri.split(",", 1)[1])
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))[::-1]


def luminance(rgb) -> float:
    return float(np.asarray(rgb, float) @ [0.2126, 0.7152, 0.0722])


@pytest.mark.parametrize("TS, params", [
    (TS, dict(landscape="sharp_flat", law="ball", mu=0.05, rho=0.126)),
    ([-1.0, 0.0, 0.3, 1.0], dict(landscape="saddle", law="gaussian", mu=0.2, rho=0.3, n=61, projector=True)),
])
def test_frames_turn_one_figure_into_the_figure_for_each_t(TS, params):
    frames = figs.panel_frames(TS, **params)
    assert frames["traces"] == []          # layout only: restyling a trace would replot every contour
    L = expressions.resolve(params["landscape"])
    n = params.get("n", 151)
    radius = params["mu"] if params["law"] == "gaussian" else params["rho"]
    for i, t in enumerate(TS):
        assert "layout" in frames["frames"][i], frames["frames"][i]
        start = figs.objectives_panel(t=TS[(i + 1) % len(TS)], **params).to_plotly_json()
        got = apply(copy.deepcopy(start), frames, i)
        want = figs.objectives_panel(t=t, **params).to_plotly_json()
        assert json.dumps(got, sort_keys=True, default=str) == json.dumps(want, sort_keys=True, default=str)
        # The picture and the star against the grid computed here, independently of the figure.
        G = objectives.grid(L.f, *L.bounds, n=n, kind="tilted", law=params["law"], radius=radius, t=t)
        assert G.status == "ok"
        k, j = np.unravel_index(np.nanargmin(G.Z), G.Z.shape)
        picture, star = got["layout"]["images"]
        assert (star["x"], star["y"]) == pytest.approx((G.xs[j], G.ys[k])) and star["visible"]
        px = png_pixels(picture["source"])
        assert px.shape[:2] == (figs.UPSAMPLE * n, figs.UPSAMPLE * n)
        hi = np.unravel_index(np.nanargmax(G.Z), G.Z.shape)
        scale = px.shape[0] / n
        at = lambda ij: px[int((ij[0] + 0.5) * scale), int((ij[1] + 0.5) * scale)]   # noqa: E731
        assert luminance(at((k, j))) < luminance(at(hi)), "viridis: the minimum dark, the maximum bright"
        assert got["layout"]["annotations"][3]["text"].startswith(f"tilted (t = {t:g},")
    pictures = {f["layout"]["images[0].source"] for f in frames["frames"]}
    assert len(pictures) == len(TS), "every t has its own picture"


def test_error_frames_exactly_where_the_grid_says_so():
    params = dict(landscape="sharp_flat", law="gaussian", mu=0.5, rho=0.126, n=61)
    ts = [-100.0, -1.0, 0.0, 0.01, 1.0, 5.0, 20.0, 100.0]
    frames = figs.panel_frames(ts, **params)["frames"]
    L = expressions.resolve("sharp_flat")
    statuses = [objectives.grid(L.f, *L.bounds, n=61, kind="tilted", law="gaussian", radius=0.5, t=t).status
                for t in ts]
    assert {"ok"} < set(statuses), statuses        # the case covers both kinds
    for t, status, frame in zip(ts, statuses, frames):
        assert ("error" in frame) == (status != "ok"), (t, status, frame.keys())
    # The figure at a t the grid cannot stand behind says so instead of drawing; a frame redraws it.
    bad, good = statuses.index(next(s for s in statuses if s != "ok")), statuses.index("ok")
    fig = figs.objectives_panel(t=ts[bad], **params).to_plotly_json()
    assert [im["visible"] for im in fig["layout"]["images"]] == [False, False]
    assert fig["layout"]["annotations"][4]["text"] == figs.STATUS_TEXT[statuses[bad]]
    fixed = apply(fig, {"traces": [], "frames": frames}, good)
    want = figs.objectives_panel(t=ts[good], **params).to_plotly_json()
    assert json.dumps(fixed, sort_keys=True, default=str) == json.dumps(want, sort_keys=True, default=str)


def test_all_frames_of_the_page_scale_stay_under_one_megabyte():
    ts = urlstate.symlog_options(100.0, 10)
    out = json.dumps(figs.panel_frames(ts, landscape="sharp_flat", law="ball"), separators=(",", ":"))
    assert len(out) < 1e6, len(out)


def test_banded_picture_colours_against_plotlys_own_colour_scale():
    """Each band is Plotly's colour at the band's centre (plotly.colors.sample_colorscale), contour edges that
    colour darkened, gaps of f white; bands are levels at multiples of a round step."""
    import plotly.colors
    from zo_core.viz import SEQUENTIAL
    from zo_core.viz.pictures import banded_image

    Z = np.tile(np.linspace(0.0, 3.999, 40), (6, 1))        # 4 bands of width 1 along x
    Z[0, 0] = np.nan
    uri, lo, hi = banded_image(Z, bands=4, lines=True)
    px = png_pixels(uri)
    assert px.shape == (6, 40, 3) and (lo, hi) == (0.0, 3.999)
    want = [np.round(plotly.colors.unlabel_rgb(c)) for c in
            plotly.colors.sample_colorscale(SEQUENTIAL, [(k + 0.5) / 4 for k in range(4)], colortype="rgb")]
    level = np.floor(Z / 1.0)
    for j in range(40):
        k = int(np.floor(Z[3, j]))
        edge = (j > 0 and level[3, j - 1] < k) or (j < 39 and level[3, j + 1] < k)
        expected = np.round(np.asarray(want[k]) * (0.6 if edge else 1.0))
        assert np.abs(px[3, j].astype(float) - expected).max() <= 1, (j, px[3, j], expected)
    assert (px[0, 0] == 255).all()
