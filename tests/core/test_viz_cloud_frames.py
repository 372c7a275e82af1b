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
    return np.asarray(v, float).ravel()


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


def assert_same(got, want, where="figure"):
    """got == want throughout (typed arrays decoded, numbers to the 6 digits frames carry)."""
    if any(isinstance(v, dict) and "bdata" in v or isinstance(v, np.ndarray) for v in (got, want)):
        np.testing.assert_allclose(values(got), values(want), rtol=1e-5, atol=0, err_msg=where)
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), (where, set(got) ^ set(want))
        for k in want:
            assert_same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, (list, tuple)) and want and all(isinstance(v, (int, float)) for v in want):
        np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=1e-5, err_msg=where)
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for k, (a, b) in enumerate(zip(got, want)):
            assert_same(a, b, f"{where}[{k}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-5), where
    else:
        assert got == want, where


def flags_as_drawn(fig: dict) -> dict:
    """showlegend / visible are absent where a builder leaves Plotly's default (True): write them out."""
    for trace in fig["data"]:
        for flag in ("showlegend", "visible"):
            trace[flag] = bool(trace.get(flag, True))
    return fig


# 1.78e-09 wraps the title onto three lines (margins change); mu = 1 frames the cloud in a wider window.
@pytest.mark.parametrize("params,mus", [
    (dict(landscape="rosenbrock", method="gaussian", scheme="central", n=60), MUS),
    (dict(landscape="rosenbrock", method="gaussian", scheme="one-point", n=40), [1.78e-9, 1e-3, 1.0]),
    (dict(landscape="sharp_flat", method="coordinate", scheme="forward", n=20, precision="float32", x=-1.0), MUS),
])
def test_frames_turn_one_figure_into_the_figure_for_each_mu(params, mus):
    frames = figs.cloud_frames(mus, **params)
    assert len(frames["frames"]) == len(mus)
    for i, mu in enumerate(mus):
        start = figs.estimator_cloud(mu=mus[(i + 1) % len(mus)], **params).to_plotly_json()
        got = flags_as_drawn(apply(start, frames, i))
        want = flags_as_drawn(figs.estimator_cloud(mu=mu, **params).to_plotly_json())
        assert_same(got, want)          # every trace and every layout value, not only what frames name


def test_cloud_window_contains_the_cloud_and_is_shared_by_nearby_clouds():
    rng = np.random.default_rng(3)
    for _ in range(200):
        lo = rng.normal(size=2) * 10.0 ** rng.uniform(-6, 6)
        side = 10.0 ** rng.uniform(-6, 6)
        hi = lo + rng.uniform(0.1, 1.0, size=2) * side
        span = float((hi - lo).max())
        xr, yr = figs.frame_window(lo, hi, span)
        for (a, b), l, h in zip((xr, yr), lo, hi):
            assert a < l and h < b, "the box stays inside the window"
            assert 1.2 * span * (1 - 1e-9) <= b - a <= 1.2 * span * 10 ** (1 / figs.WINDOW_STEPS) * (1 + 1e-9)
        # a cloud that moves by 1e-4 of its size keeps its window unless it crosses a step
        shifted = figs.frame_window(lo + 1e-4 * span, hi + 1e-4 * span, span)
        assert sum(r != s for r, s in zip((xr, yr), shifted)) <= 2


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
