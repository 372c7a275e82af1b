"""The mu frames of estimator_cloud: applied in the browser, they must give the figure the server draws."""

import base64

import numpy as np
import pytest

from zo_core.viz import estimators as figs

MUS = [1e-6, 1e-3, 0.1, 1.0]


def values(v) -> np.ndarray:
    """A trace array as Plotly JSON holds it: a list, or a typed array {dtype, bdata (base64)}."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).astype(float)
    return np.asarray(v, float)


def apply(fig: dict, frames: dict, i: int) -> dict:
    """What Plotly.update(div, frame.data, frame.layout, traces) does, on a figure dict."""
    frame = frames["frames"][i]
    for attr, values in frame["data"].items():
        for trace, value in zip(frames["traces"], values):
            fig["data"][trace][attr] = value
    for path, value in frame["layout"].items():
        node, *rest = path.split(".")
        target = fig["layout"]
        if node.endswith("]"):
            name, idx = node[:-1].split("[")
            target = target[name][int(idx)]
        else:
            target = target.setdefault(node, {})
        for part in rest[:-1]:
            target = target.setdefault(part, {})
        target[rest[-1]] = value
    return fig


@pytest.mark.parametrize("params", [
    dict(landscape="rosenbrock", method="gaussian", scheme="central", n=60),
    dict(landscape="sharp_flat", method="coordinate", scheme="forward", n=20, precision="float32", x=-1.0),
])
def test_frames_turn_one_figure_into_the_figure_for_each_mu(params):
    frames = figs.cloud_frames(MUS, **params)
    assert len(frames["frames"]) == len(MUS)
    for i, mu in enumerate(MUS):
        start = figs.estimator_cloud(mu=MUS[(i + 1) % len(MUS)], **params).to_plotly_json()
        got = apply(start, frames, i)
        want = figs.estimator_cloud(mu=mu, **params).to_plotly_json()
        for t in frames["traces"]:
            for axis in "xy":
                np.testing.assert_allclose(values(got["data"][t][axis]), values(want["data"][t][axis]),
                                           rtol=1e-5, atol=0)
            for flag in ("showlegend", "visible"):
                assert bool(got["data"][t].get(flag, True)) == bool(want["data"][t].get(flag, True))
        for axis in ("xaxis2", "yaxis2"):
            np.testing.assert_allclose(got["layout"][axis]["range"], want["layout"][axis]["range"], rtol=1e-5)
        assert got["layout"]["title"]["text"] == want["layout"]["title"]["text"]


def test_compact_keeps_six_digits_and_drops_non_finite():
    a = np.array([1.23456789e-9, -98765.4321, 0.0, np.inf, np.nan])
    out = figs.compact(a)
    np.testing.assert_allclose(out[:3], [1.23457e-9, -98765.4, 0.0], rtol=1e-12)
    assert out[3:] == [None, None]


def test_a_value_that_cannot_be_drawn_gives_an_error_frame_with_the_builders_message():
    params = dict(landscape="log(x) + y^2", x=0.5, y=0.5, n=300)
    frames = figs.cloud_frames([0.01, 1.0], **params)["frames"]
    assert "data" in frames[0]
    with pytest.raises(ValueError) as err:
        figs.estimator_cloud(mu=1.0, **params)
    assert frames[1] == {"error": str(err.value)}
