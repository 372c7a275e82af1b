"""livechart: a named figure with its own slider that redraws in the browser, no server round trip.

For the sliders students move most (mu on Gradient estimators, t on Smoothing). The component gets
the figure's Plotly JSON and one precomputed *frame* per value on the slider's scale (a Plotly update:
new arrays for a few traces and a few layout paths, built in zo_core.viz from the same arrays as the
figure). Moving its slider applies a frame in the browser (``Plotly.animate`` without a full redraw when
only x / y of scatter traces change, ``Plotly.relayout`` alone when no trace changes, else one
``Plotly.update``; layout values equal to those drawn are dropped); letting go sends the value back, so
the page reruns once: the rest of the page and the URL follow.

Frames contract: ``{"traces": [i, ...], "frames": [frame for each option]}``, a frame being
``{"data": {attr: [value for each trace]}, "layout": {"dotted.path": value}}`` (what
``Plotly.update(div, data, layout, traces)`` takes) or ``{"error": message}`` where the figure cannot
be drawn for that value (the component shows the message as text and keeps the last picture).
Keep frames small: every frame travels to the browser once per setting of the *other* parameters.

It is a Streamlit custom component (v1 protocol, written by hand in ``index.html``) served from
``.zolab/livechart/`` (``index.html``, copied at first use); its frame loads plotly.js from
:mod:`ui.plotlyjs`, the one copy the page's own charts (:mod:`ui.chart`) use too. The figure and frames travel as bytes
(the cached JSON), so a rerun re-serialises nothing.

Smoothing page, t slider (one call replaces the t slider and the objectives_panel chart)::

    t = livechart.slider_chart(
        "objectives_panel", frames=vizobj.panel_frames, over="t", label="Tilt t", key="sm_t",
        options=urlstate.symlog_options(100.0, 10), default=20.0, caption="...",
        landscape=settings.landscape, mu=mu, rho=rho, law=law, projector=settings.projector)

``zo_core.viz.objectives.panel_frames`` changes only layout paths (frame ``traces`` empty): the tilted panel
is a banded PNG of its 151² grid and its star an image, so a move is one cheap relayout (restyling any trace
replots every contour, ~125 ms); 83 t values are ~0.56 MB. ``zo_core.viz.estimators.cloud_frames`` restyles
scatter traces for mu (the landscape beside them is a picture too, since moving the cloud's axes redraws all). Checks: tests/core/test_viz_panel_frames.py, tests/core/test_viz_cloud_frames.py.
Texts (title, subplot titles) are set in place, not relayouted; an error frame is also shown when the figure
is first drawn at that value.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
from pathlib import Path
from typing import Callable, Sequence

import streamlit as st
import streamlit.components.v1 as components

from ui import budget, figures, monitor, plotlyjs, urlstate

HERE = Path(__file__).resolve().parent


_DIR: Path | None = None


def _component():
    global _DIR
    if _DIR is None:
        _DIR = plotlyjs.folder("livechart", [HERE / "index.html"])
    plotlyjs.serve()
    # Declared on every call: the registry belongs to the running Streamlit instance (AppTest makes several).
    return components.declare_component("livechart", path=str(_DIR))


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@st.cache_resource(max_entries=32, show_spinner="Precomputing the chart for every value on its slider…")
def _frames(builder: str, params: tuple, values: tuple) -> bytes:
    """The frames builder's output for ``values`` as compact JSON bytes (shared by every session); built
    in a heavy-work slot charged to the session (:mod:`ui.budget`), since it costs seconds."""
    with budget.heavy("precomputing the chart", session=monitor.session_id()):
        out = _resolve(builder)(list(values), **dict(params))
    return json.dumps(out, separators=(",", ":"), allow_nan=False).encode()


def _nearest(options: Sequence[float], v: float) -> int:
    return min(range(len(options)), key=lambda i: abs(options[i] - v))


def _parser(options: Sequence[float]):
    def parse(raw: str) -> float:
        v = float(raw)
        if not math.isfinite(v):
            raise ValueError("not a finite number")
        best = options[_nearest(options, v)]
        if abs(best - v) > 1e-12 + 0.05 * abs(v):
            raise ValueError(f"not one of the slider's values between {options[0]:g} and {options[-1]:g}")
        return best
    return parse


def slider_chart(name: str, *, frames: Callable, over: str, label: str, key: str, options: Sequence[float],
                 default: float, caption: str = "", help: str | None = None,
                 format_func: Callable[[float], str] = "{:g}".format, **params) -> float:
    """Draw figure ``name`` with a slider over its parameter ``over`` in the browser; return the chosen value.

    ``options`` is the slider's scale, ``frames(options, **params)`` its frames builder (a function of a
    zo_core.viz module); ``key`` is the URL key (a shared link sets the value, like ``urlstate`` widgets).
    Bad parameters (a ValueError from the builders) show the message and keep the last chart that worked.
    """
    options = [float(o) for o in options]
    ss = st.session_state
    urlstate._seed(key, options[_nearest(options, default)], _parser(options))
    live_key, seen_key, memo = f"{key}__live", f"{key}__seen", f"_last_good_{key}"
    live = ss.get(live_key)
    if isinstance(live, int) and live != ss.get(seen_key) and 0 <= live < len(options):
        ss[seen_key] = live           # the student let go of the slider at options[live]
        ss[key] = options[live]
    value = options[_nearest(options, float(ss[key]))]
    builder = f"{frames.__module__}:{frames.__name__}"
    drawn = value
    try:
        args = _args(name, builder, over, value, options, params)
        ss[memo] = (params, value)
    except (ValueError, budget.OverBudget) as err:
        if isinstance(err, budget.OverBudget):
            st.warning(str(err), icon=":material/hourglass_top:")
        else:
            st.error(f"These settings cannot be used: {err}", icon=":material/error:")
        if memo not in ss:
            return urlstate._publish(key, value, urlstate._fmt_number)
        st.caption("Showing the last settings that worked.")
        params, drawn = ss[memo]
        args = _args(name, builder, over, drawn, options, params)
    _component()(label=label, help=help, labels=[format_func(o) for o in options], key=live_key,
                 default=None, **args)
    if caption:
        st.caption(caption)
    figures.deck_button(name, dict(params, **{over: drawn}), caption, key)
    return urlstate._publish(key, value, urlstate._fmt_number)


def _args(name: str, builder: str, over: str, value: float, options: list[float], params: dict) -> dict:
    """The component's arguments: figure at ``value`` and all frames, as cached JSON bytes."""
    fixed = tuple(sorted(params.items()))
    at_value = tuple(sorted(dict(params, **{over: value}).items()))
    figures.figure(name, at_value)          # builds (with a spinner) on the first visit
    figure = figures.cached_json(name, at_value)
    frame_bytes = _frames(builder, fixed, tuple(options))
    version = hashlib.sha1(repr((name, builder, fixed, tuple(options))).encode()).hexdigest()[:16]
    return dict(figure=figure, frames=frame_bytes, version=version, index=options.index(value))
