"""A student without a browser (bench.classroom): :class:`ui.visitor.Visitor`, recording each chart it
receives as the number of descent arrows in it, so a move's new chart is told from the old one.

Timings cover the server (proxy hop, script rerun, serialising the deltas) and the wire, not a browser's
render; see :mod:`ui.visitor` for what the session does as the frontend does.
"""

from __future__ import annotations

import base64
import json

import numpy as np

from ui.visitor import Dropped, Run, Visitor

__all__ = ["ARROW_POINTS", "Dropped", "Run", "Session", "chart_arrows"]

ARROW_POINTS = 7        # one descent arrow in zo_core.viz._arrow_trace: p, tip, gap, left, tip, right, gap


def _n_values(x) -> int:
    """Length of a plotly array: a JSON list, or plotly's typed array {"dtype", "bdata": base64}."""
    if isinstance(x, dict) and "bdata" in x:
        return len(base64.b64decode(x["bdata"])) // np.dtype(x["dtype"]).itemsize
    return len(x or [])


def chart_arrows(spec: str | bytes, trace_prefix: str = "−∇f") -> int:
    """Number of arrows in the plotly figure JSON's descent-field trace; -1 when it has none."""
    for trace in json.loads(spec).get("data", []):
        if str(trace.get("name", "")).startswith(trace_prefix):
            return _n_values(trace.get("x")) // ARROW_POINTS
    return -1


class Session(Visitor):
    """One student's session: each chart it receives is recorded as its arrow count (Run.chart_at(n * n))."""

    chart_value = staticmethod(chart_arrows)
