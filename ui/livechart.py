"""livechart: a named figure with its own slider that redraws in the browser, no server round trip.

For the sliders students move most (mu on Gradient estimators, t on Smoothing). The component gets
the figure's Plotly JSON and one precomputed *frame* per value on the slider's scale (a Plotly update:
new arrays for a few traces and a few layout paths, built in zo_core.viz from the same arrays as the
figure). Moving its slider applies a frame in the browser (``Plotly.animate`` without a full redraw when
only x / y of scatter traces change, ``Plotly.relayout`` alone when no trace changes, else one
``Plotly.update``; layout values equal to those drawn are dropped); letting go sends the value back (a
trigger), so the page reruns once: the rest of the page and the URL follow.

Frames contract: ``{"traces": [i, ...], "frames": [frame for each option]}``, a frame being
``{"data": {attr: [value for each trace]}, "layout": {"dotted.path": value}}`` (what
``Plotly.update(div, data, layout, traces)`` takes) or ``{"error": message}`` where the figure cannot
be drawn for that value (the component shows the message as text and keeps the last picture).
Keep frames small: every frame travels to the browser once per setting of the *other* parameters.

It is a Streamlit components v2 component, like :mod:`ui.chart`: no frame, the chart is in the page's
own DOM and is drawn by the page's plotly.js (:data:`ui.plotlyjs.LOADER_JS`, loaded once per tab), so
a first visit neither opens a frame nor evaluates plotly.js a second time. The figure and frames
travel as bytes (the cached JSON after a one-line header), so a rerun re-serialises nothing, and the
browser reads them only when the header's version changed.

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

In the browser, ``window.__livechart`` is the newest component's record (read by the browser test and
``bench/latency.py``): ``moves`` (ms from each slider input to its redrawn chart), ``reacts`` (full draws),
``sent`` (indices sent on release), ``bytes`` (figure and frames sizes).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import math
from typing import Callable, Sequence

import streamlit as st

from ui import budget, figures, monitor, plotlyjs, urlstate

NAME = "zolab_livechart"
SLIDER = "[data-livechart-slider]"        # the component's range input (tests, bench)
_CSS = """
.zo-live-bar { display: flex; align-items: center; gap: 0.8rem; padding: 0.2rem 0.3rem 0.4rem 0.3rem; }
.zo-live-bar label { font-size: 0.875rem; white-space: nowrap; }
.zo-live-bar input { flex: 1; max-width: 28rem; accent-color: var(--st-primary-color, #FF4B4B); }
.zo-live-bar output { font-size: 0.9rem; font-variant-numeric: tabular-nums; min-width: 4.5rem; }
.zo-live-chart { width: 100%; }
.zo-live-error { color: #7D353B; background: #FFECEC; font-size: 0.875rem; padding: 0.3rem 0.6rem;
                 border-radius: 0.4rem; margin: 0 0.3rem 0.3rem 0.3rem; display: none; }
"""
_JS = r"""
__LOADER__
const CONFIG = {displaylogo: false, responsive: true};
const QUIET_MS = 1000;        // after a user move, ignore the server's (older) index for this long
const KEY_SETTLE_MS = 350;    // arrow keys: send the value once the key presses stop
const decoder = new TextDecoder();
let made = 0;                 // components made in this tab: unique element ids

function sameValue(a, b) {
  // Equal, or equal numbers to the 6 digits frames carry (a frame's ranges against the figure's own).
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, k) => sameValue(v, b[k]));
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) <= 1e-5 * Math.max(Math.abs(a), Math.abs(b));
  return a === b;
}

function say(s, message) {                // above the chart, as text (never HTML); "" hides it
  s.error.style.display = message ? "block" : "none";
  s.error.textContent = message;
}

function flag(s, frame) {                  // a value that cannot be drawn says why
  say(s, frame.error ? "This value cannot be used: " + frame.error : "");
}

function failed(s) {                       // a draw that threw: the last picture stays, later moves still draw
  return (err) => say(s, "This chart could not be drawn: " + ((err && err.message) || err));
}

function traceValue(s, t, attr) {
  // What trace t shows for a plain attribute (its default where the figure leaves it out).
  const full = (s.chart._fullData || []).find((ft) => ft.index === t);
  return full ? full[attr] : (s.chart.data[t] || {})[attr];
}

function inPlace(s, rest) {
  // Plain texts (the figure title, a subplot title: annotations[i].text) are set in place, in the SVG
  // and in gd.layout so that a later redraw (a resize) keeps them: a relayout of either redraws the
  // whole layout (120-160 ms for four contour panels, measured), a text node costs nothing. Values
  // equal to the current ones are dropped. What remains goes to Plotly.relayout (e.g. images: ~15 ms).
  const chart = s.chart;
  for (const [path, v] of Object.entries(rest)) {
    const m = /^annotations\[(\d+)\]\.text$/.exec(path);
    const layout = m ? (chart.layout.annotations || [])[Number(m[1])] : (path === "title.text" ? chart.layout.title : null);
    if (!layout) continue;
    if (layout.text === v) { delete rest[path]; continue; }
    const node = m ? chart.querySelector(`.annotation[data-index="${m[1]}"] .annotation-text`)
                   : chart.querySelector(".infolayer .gtitle");
    if (!node) continue;
    // Plotly writes a wrapped text as one <tspan class="line"> per line: keep that shape.
    const lines = String(v).split("<br>"), spans = node.querySelectorAll("tspan.line");
    if (lines.some((l) => l.includes("<"))) continue;                  // other markup: let Plotly render it
    if (spans.length > 1 ? spans.length !== lines.length : lines.length > 1) continue;
    if (spans.length > 1) lines.forEach((l, j) => { spans[j].textContent = l; });
    else node.textContent = lines[0];
    layout.text = v;
    delete rest[path];
  }
}

function show(s, i) {
  // Chain the updates: a frame is applied after the previous one finished drawing.
  const frame = s.frames.frames[i];
  flag(s, frame);
  if (frame.error) return s.queue;       // keep the last picture
  // Texts (a title) are set in place first (inPlace); then, when only the traces' x / y change and
  // every changed trace is a scatter trace, Plotly.animate redraws just those traces (duration 0:
  // ~6 ms less than a 1 ms transition, which waits for an animation frame; measured in Chromium). A
  // frame that also moves an axis range, or changes another trace attribute (visible, showlegend),
  // goes through one Plotly.update: a range change on a scaleanchor-ed axis makes Plotly recompute
  // the whole figure anyway (and a range transition in Plotly.animate, tried in a bare page, left
  // every other frame with the axes as sent, not widened to the panel's shape).
  const traces = s.frames.traces, P = s.P;
  s.queue = s.queue.then(() => {
    const rest = Object.assign({}, frame.layout);
    inPlace(s, rest);
    if (!traces.length) {    // layout only (images, texts): no Plotly.animate, which drops contour traces
      return Object.keys(rest).length ? P.relayout(s.chart, rest) : null;
    }
    // All of the frame's other layout paths go together: given x2's range alone, Plotly would shrink
    // y2's to keep the scale ratio (scaleanchor), where the figure itself widens x2's.
    const moved = Object.entries(rest).some(([path, v]) => !sameValue(s.applied[path], v));
    const other = Object.keys(frame.data).filter((a) => a !== "x" && a !== "y"
      && !frame.data[a].every((v, j) => sameValue(traceValue(s, traces[j], a), v)));
    Object.assign(s.applied, rest);
    if (!s.animatable || other.length || moved) return P.update(s.chart, frame.data, rest, traces);
    const data = traces.map((_, j) => ({x: frame.data.x[j], y: frame.data.y[j]}));
    return P.animate(s.chart, {data: data, traces: traces},
                     {transition: {duration: 0}, frame: {duration: 0, redraw: false}});
  }).then(() => { s.shown = i; }, failed(s));
  return s.queue;
}

function make(parentElement) {
  const id = "zo-live-" + (++made);
  const root = document.createElement("div");
  root.className = "zo-live";
  root.innerHTML = `<div class="zo-live-bar"><label for="${id}"></label>` +
    `<input id="${id}" type="range" min="0" max="0" step="1" value="0" data-livechart-slider>` +
    `<output for="${id}"></output></div><div class="zo-live-error" role="alert"></div>` +
    `<div class="zo-live-chart"></div>`;
  parentElement.append(root);
  const s = {root: root, label: root.querySelector("label"), slider: root.querySelector("input"),
             output: root.querySelector("output"), error: root.querySelector(".zo-live-error"),
             chart: root.querySelector(".zo-live-chart"), version: null, shown: -1, frames: null,
             animatable: false, labels: [], userAt: -1e9, timer: null, byKey: false, queue: Promise.resolve(),
             applied: {}, P: null, send: null,
             record: {moves: [], renders: 0, reacts: 0, sent: [], bytes: null}};
  window.__livechart = s.record;
  const slider = s.slider;
  slider.addEventListener("keydown", () => { s.byKey = true; });
  slider.addEventListener("pointerdown", () => { s.byKey = false; });
  slider.addEventListener("input", (ev) => {
    const i = Number(slider.value), t0 = ev.timeStamp;     // same clock as performance.now()
    s.userAt = performance.now();
    s.output.textContent = s.labels[i];
    if (!s.frames || !s.P) return;
    show(s, i).then(() => { s.record.moves.push(performance.now() - t0); });
  });
  slider.addEventListener("change", () => {
    // A pointer drag ends with one change event (release); arrow keys fire one per press.
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = null;
      const i = Number(slider.value);
      s.record.sent.push(i);
      s.send("release", i);
    }, s.byKey ? KEY_SETTLE_MS : 0);
  });
  root.__zo = s;
  return s;
}

async function draw(s, fig, frames, index) {
  // New figure and frames (other settings changed, or the first render): draw from scratch.
  try {
    s.P = await plotly(bundle(fig));
  } catch (err) {
    s.version = null;                     // the same payload may try again
    say(s, "The charts' library did not load (" + err.message + "); reload the page.");
    return;
  }
  s.record.reacts += 1;
  await s.P.react(s.chart, fig.data, fig.layout, CONFIG);
  s.chart.style.minHeight = "";
  s.shown = index;
  // The layout paths as drawn: the frame of the figure's own value reproduces the figure.
  s.applied = Object.assign({}, (frames.frames[index] || {}).layout || {});
  // Plotly.animate redraws only scatter traces without a full redraw.
  s.animatable = frames.traces.every((t) => (s.chart._fullData[t] || {}).type === "scatter");
}

export default function ({data, parentElement, setTriggerValue}) {
  const root = parentElement.querySelector(":scope > .zo-live");
  const s = root ? root.__zo : make(parentElement);
  s.send = setTriggerValue;
  s.record.renders += 1;
  // The payload: a one-line JSON header, then the figure's JSON (header.figure bytes), then the frames' JSON.
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const nl = bytes.indexOf(10);
  const a = JSON.parse(decoder.decode(bytes.subarray(0, nl)));
  s.label.textContent = a.label;
  s.slider.title = a.help || "";
  const quiet = performance.now() - s.userAt > QUIET_MS && !s.timer;
  if (a.version !== s.version) {
    s.version = a.version;
    s.record.bytes = {figure: a.figure, frames: bytes.length - nl - 1 - a.figure};   // bench/latency.py prints them
    const fig = JSON.parse(decoder.decode(bytes.subarray(nl + 1, nl + 1 + a.figure)));
    const frames = JSON.parse(decoder.decode(bytes.subarray(nl + 1 + a.figure)));
    s.frames = null;                      // no move applies old frames to the new figure
    s.labels = a.labels;
    s.slider.max = String(a.labels.length - 1);
    s.slider.value = String(a.index);
    s.output.textContent = a.labels[a.index];
    flag(s, frames.frames[a.index]);
    if (!s.chart._fullLayout) s.chart.style.minHeight = ((fig.layout || {}).height || 450) + "px";
    s.queue = s.queue.then(() => draw(s, fig, frames, a.index)).then(() => { s.frames = frames; }, failed(s));
  } else if (quiet && s.frames && a.index !== Number(s.slider.value)) {
    // The server moved the value (not the user): follow it.
    s.slider.value = String(a.index);
    s.output.textContent = a.labels[a.index];
    show(s, a.index);
  }
}
""".replace("__LOADER__", plotlyjs.LOADER_JS)

_component = st.components.v2.component(NAME, js=_JS, css=_CSS, isolate_styles=False)


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


def released(key: str, live_key: str, options: Sequence[float]) -> None:
    """The component's ``release`` trigger (before the rerun it causes): the student let go of the slider
    at ``options[index]``, which becomes ``key``'s value."""
    index = (st.session_state.get(live_key) or {}).get("release")
    if isinstance(index, int) and 0 <= index < len(options):
        st.session_state[key] = options[index]


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
    memo = f"_last_good_{key}"
    value = options[_nearest(options, float(ss[key]))]
    builder = f"{frames.__module__}:{frames.__name__}"
    drawn = value
    try:
        payload = _payload(name, builder, over, value, options, params, label, help, format_func)
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
        payload = _payload(name, builder, over, drawn, options, params, label, help, format_func)
    plotlyjs.serve()
    _component(data=payload, key=f"{key}_live", height="content",
               on_release_change=functools.partial(released, key, f"{key}_live", options))
    if caption:
        st.caption(caption)
    figures.deck_button(name, dict(params, **{over: drawn}), caption, key)
    return urlstate._publish(key, value, urlstate._fmt_number)


def _payload(name: str, builder: str, over: str, value: float, options: list[float], params: dict, label: str,
             help: str | None, format_func: Callable[[float], str]) -> bytes:
    """What the component gets: a one-line JSON header (label, the slider's labels, the index of ``value``,
    a version naming the figure and frames, the figure's byte length), then the figure's cached JSON at
    ``value`` and every frame's, as they are cached (no re-serialising)."""
    fixed = tuple(sorted(params.items()))
    at_value = tuple(sorted(dict(params, **{over: value}).items()))
    figures.figure(name, at_value)          # builds (with a spinner) on the first visit
    figure = figures.cached_json(name, at_value)
    frame_bytes = _frames(builder, fixed, tuple(options))
    version = hashlib.sha1(repr((name, builder, fixed, tuple(options))).encode()).hexdigest()[:16]
    header = dict(label=label, help=help, labels=[format_func(o) for o in options], version=version,
                  index=options.index(value), figure=len(figure))
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + figure + frame_bytes
