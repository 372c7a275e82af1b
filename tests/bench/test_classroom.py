"""bench/classroom.py's websocket client against a real replica behind nginx: the chart that comes back
after a slider move holds the new arrow field (n x n anchors, one arrow each), and a short class of
two students times its moves with no error."""

import asyncio
import os

import numpy as np
import plotly.graph_objects as go
import pytest

from bench import _wsclient, classroom
from deploy import serve_class


def _require_nginx():
    if serve_class.nginx_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed — required in CI", pytrace=False)
        pytest.skip("nginx is not installed")


@pytest.mark.parametrize("n", [0, 1, 9])
def test_chart_arrows_reads_plotly_json(n):
    """Typed arrays (plotly's base64 bdata) and plain lists both count: 7 points per arrow."""
    x = np.arange(7.0 * n)
    fig = go.Figure([go.Scatter(x=np.arange(3.0), y=np.arange(3.0), name="f"),
                     go.Scatter(x=x, y=x, name="−∇f (descent)")])
    assert _wsclient.chart_arrows(fig.to_json()) == n
    assert _wsclient.chart_arrows('{"data": [{"name": "−∇f", "x": %s}]}' % list(range(7 * n))) == n
    assert _wsclient.chart_arrows(go.Figure(go.Scatter(x=x, name="f")).to_json()) == -1


async def _moves(url: str) -> list[tuple[int, _wsclient.Run]]:
    s = _wsclient.Session(url, "landscapes", "landscape=himmelblau&arrows=5")
    try:
        runs = [(5, await s.open(timeout=60))]
        assert "zolab_route" in s.cookies            # nginx's sticky route, sent with the websocket
        slider = s.widgets["Descent arrows per axis"]
        refs = []
        # 5 two runs later: the client still holds that chart, so the server sends a reference to it;
        # 5 three runs after that: forgotten, so it comes in full. Either way it must hold 25 arrows.
        for value in (6, 5, 11, 12, 5):
            sent = await s.rerun({slider: value})
            runs.append((value, await s.collect(sent, sent + 30)))
            refs.append(s.refs)
        assert refs == [0, 1, 1, 1, 1], refs
        return runs
    finally:
        await s.close()


def test_ws_students_against_one_replica(tmp_path):
    _require_nginx()
    run = tmp_path / "run"
    try:
        url = classroom.serve(1, run)
        runs = asyncio.run(_moves(url))
        for i, (value, r) in enumerate(runs):
            assert r.exceptions == [] and r.finished is not None
            # the first run draws the whole page; a move reruns the part that holds the slider, as a browser asks
            assert r.alone == (i > 0) and (i == 0 or r.elements < runs[0][1].elements / 2), (i, r.alone, r.elements)
            # the one chart of the run holds value**2 arrows: the slider move reached the script
            assert [a for _, a in r.charts] == [value * value], (value, r.charts)
            assert 0 < r.chart_at(value * value) <= r.finished
        cls = asyncio.run(classroom.one_class(url, run, 2, seconds=4, every_s=1.0, move_timeout_s=20,
                                              client="ws"))
    finally:
        serve_class.stop(run)
    assert cls.errors == []
    assert len(cls.latency_ms) >= 4, cls.latency_ms      # each student moves about every second for 4 s
    assert all(0 < c <= f for c, f in zip(cls.latency_ms, cls.finished_ms))
    assert cls.rss_start > 0 and cls.rss_end > 0
