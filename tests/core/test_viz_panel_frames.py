"""The t frames of objectives_panel: applied in the browser, they must give the figure the server draws."""

import json

import numpy as np
import pytest

from tests.core.test_viz_cloud_frames import apply, values
from zo_core import expressions, objectives
from zo_core.viz import objectives as figs

TS = [-10.0, 0.0, 0.5, 20.0]


def tilted(fig: dict) -> list[int]:
    """Indices of the tilted panel's contour, star and status text in a figure dict, found by name."""
    names = [t.get("name", "") for t in fig["data"]]
    contour = next(i for i, n in enumerate(names) if n.startswith("tilted"))
    return [contour, next(i for i, n in enumerate(names) if n.startswith("argmin tilted")), len(names) - 1]


@pytest.mark.parametrize("TS, params", [
    (TS, dict(landscape="sharp_flat", law="ball", mu=0.05, rho=0.126)),
    ([-1.0, 0.0, 0.3, 1.0], dict(landscape="saddle", law="gaussian", mu=0.2, rho=0.3, n=61, projector=True)),
])
def test_frames_turn_one_figure_into_the_figure_for_each_t(TS, params):
    frames = figs.panel_frames(TS, **params)
    n = params.get("n", 151)
    s = figs.frame_stride(n, len(TS))
    assert len(frames["frames"]) == len(TS)
    for i, t in enumerate(TS):
        assert "data" in frames["frames"][i], frames["frames"][i]
        start = figs.objectives_panel(t=TS[(i + 1) % len(TS)], **params).to_plotly_json()
        assert frames["traces"] == tilted(start)
        got = apply(start, frames, i)
        want = figs.objectives_panel(t=t, **params).to_plotly_json()
        c, star, text = tilted(want)
        assert frames["traces"] == [c, star, text]
        # The contour on every s-th node of the figure's own grid, to float32 precision.
        m = (n - 1) // s + 1
        assert got["data"][c]["z"]["shape"] == f"{m}, {m}"          # Plotly reads a 2-D z from this
        np.testing.assert_allclose(values(got["data"][c]["z"]).reshape(m, m),
                                   values(want["data"][c]["z"]).reshape(n, n)[::s, ::s], rtol=1e-6)
        for axis in "xy":
            np.testing.assert_allclose(values(got["data"][c][axis]), values(want["data"][c][axis])[::s], rtol=1e-6)
            assert values(got["data"][star][axis]) == pytest.approx(values(want["data"][star][axis]))
        for k in (c, star, text):
            assert got["data"][k]["name"] == want["data"][k]["name"]
            assert bool(got["data"][k].get("visible", True)) == bool(want["data"][k].get("visible", True))
        assert [a["text"] for a in got["layout"]["annotations"]] == [a["text"] for a in want["layout"]["annotations"]]
        # Nothing else in the figure depends on t.
        others = [k for k in range(len(want["data"])) if k not in (c, star, text)]
        assert json.dumps([got["data"][k] for k in others], default=str) == \
            json.dumps([want["data"][k] for k in others], default=str)


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
    # The figure at a t the grid cannot stand behind shows the status text, not the contour.
    t_bad = ts[statuses.index(next(s for s in statuses if s != "ok"))]
    fig = figs.objectives_panel(t=t_bad, **params).to_plotly_json()
    c, star, text = tilted(fig)
    assert fig["data"][c]["visible"] is False and fig["data"][text]["visible"] is True


def test_all_frames_of_the_page_scale_stay_near_one_megabyte():
    from ui import urlstate
    ts = urlstate.symlog_options(100.0, 10)
    frames = figs.panel_frames(ts, landscape="sharp_flat", law="ball")
    out = json.dumps(frames, separators=(",", ":"))
    assert len(out) < 1.5e6, len(out)
    s = figs.frame_stride(151, len(ts))
    assert s > 1
    # On the coarser grid the frame still holds the figure's own values, node for node.
    i = ts.index(20.0)
    want = figs.objectives_panel(t=20.0, landscape="sharp_flat", law="ball").to_plotly_json()
    c = tilted(want)[0]
    np.testing.assert_allclose(values(frames["frames"][i]["data"]["z"][0]),
                               values(want["data"][c]["z"]).reshape(151, 151)[::s, ::s].ravel(), rtol=1e-6)
