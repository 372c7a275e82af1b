"""A Plotly chart that updates in place: one ``div`` per key, redrawn by ``Plotly.react`` on every rerun.

Why not ``st.plotly_chart``: it derives its element id from the figure's spec, so every change of the
figure remounts the chart (the frontend replaces the plot ``div`` and Plotly draws from scratch,
``newPlot``), and forcing a stable id stops the updates altogether. This component (Streamlit's
components v2: no frame, the chart is in the page's own DOM) keeps its ``div`` across reruns and hands
each new figure to ``Plotly.react``, which redraws only what changed. Measured on Landscapes' arrows
slider in Chromium (``bench/latency.py``): see the bench's output and the issue notes.

The figure travels as its cached Plotly JSON bytes (:func:`ui.figures.cached_json`), so a rerun
serialises nothing; plotly.js is loaded once per browser tab from :mod:`ui.plotlyjs`, from the first run of
any page on (:func:`preload`), so a first visit does not wait for it after its figure. While it loads,
the chart keeps the figure's height, so nothing below it jumps. A figure the browser cannot draw
shows the reason as text, and the last picture stays.

The chart ``div`` carries the class ``zo-chart`` (and Plotly's own ``js-plotly-plot``): the theme's
layout rules and the browser tests find charts by it (:data:`SELECTOR`).
"""

from __future__ import annotations

import streamlit as st

from ui import plotlyjs

SELECTOR = ".zo-chart"
NAME = "zolab_chart"
PRELOAD_KEY = "zo_plotly_preload"     # hidden by ui.theme's CSS

_JS = r"""
const CONFIG = {displaylogo: false};
const SRC = "__SRC__";

function plotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__zoPlotly) {
    window.__zoPlotly = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = new URL(SRC, document.baseURI).href;
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => { window.__zoPlotly = null; s.remove(); reject(new Error("plotly.js did not load")); };
      document.head.appendChild(s);
    });
  }
  return window.__zoPlotly;
}

function say(state, message) {            // text, never HTML
  state.error.textContent = message;
  state.error.style.display = message ? "block" : "none";
}

async function pump(div, state) {          // draws the latest figure; figures that came meanwhile are skipped
  if (state.busy) return;
  state.busy = true;
  try {
    const P = await plotly();
    while (state.next) {
      const fig = state.next;
      state.next = null;
      // A trace equal to the one drawn at its place is handed back as the same object: Plotly.react
      // then skips recomputing it (a contour under a moving overlay: ~25 % of a move in Chromium).
      const data = fig.data || [], text = data.map((trace) => JSON.stringify(trace));
      const drawn = state.drawn;
      const traces = data.map((trace, i) => (drawn && drawn.text[i] === text[i] ? drawn.traces[i] : trace));
      try {
        await P.react(div, {data: traces, layout: fig.layout || {}, frames: fig.frames || [], config: CONFIG});
        state.drawn = {text: text, traces: traces};
        div.style.minHeight = "";
        say(state, "");
      } catch (err) {
        say(state, "This chart could not be drawn: " + err.message);
      }
    }
  } catch (err) {
    say(state, "The charts' library did not load (" + err.message + "); reload the page.");
  } finally {
    state.busy = false;
  }
}

export default function ({data, parentElement}) {
  if (!data) {                             // preload(): start fetching plotly.js, draw nothing
    plotly().catch(() => {});
    return;
  }
  let div = parentElement.querySelector(":scope > .zo-chart");
  if (!div) {
    const error = document.createElement("p");
    error.className = "zo-chart-error";
    error.setAttribute("role", "alert");
    error.style.cssText = "display:none;color:#7D353B;background:#FFECEC;padding:0.3rem 0.6rem;" +
                          "border-radius:0.4rem;margin:0 0 0.3rem 0;font-size:0.875rem;";
    div = document.createElement("div");
    div.className = "zo-chart";
    div.style.width = "100%";
    parentElement.append(error, div);
    const state = {busy: false, next: null, drawn: null, error: error};
    div.__zo = state;
    // The width follows the column (sidebar folded, window resized, a tab shown): Plotly redraws only
    // when it really changed, so the observer's first call and a move's redraw cost nothing here.
    new ResizeObserver(() => {
      const full = div._fullLayout, w = div.clientWidth;
      if (window.Plotly && full && !state.fixed && w && Math.abs(w - full.width) > 1) {
        window.Plotly.Plots.resize(div);
      }
    }).observe(div);
  }
  const state = div.__zo;
  let fig;
  try {
    fig = JSON.parse(new TextDecoder().decode(data));
  } catch (err) {
    say(state, "This chart could not be read: " + err.message);
    return;
  }
  if (!div._fullLayout) div.style.minHeight = ((fig.layout || {}).height || 450) + "px";
  state.fixed = Boolean((fig.layout || {}).width);       // a figure of its own width keeps it
  state.next = fig;
  pump(div, state);
}
""".replace("__SRC__", plotlyjs.URL)

_component = st.components.v2.component(NAME, js=_JS, isolate_styles=False)


def chart(figure_json: bytes, *, key: str) -> None:
    """Draw the figure (its Plotly JSON, UTF-8) under ``key``; a later run with the same key redraws it in place."""
    plotlyjs.serve()
    _component(data=figure_json, key=key, height="content")


def preload() -> None:
    """Start loading plotly.js in this browser tab now (the router calls it in the sidebar, before the
    page runs), so the download and its evaluation overlap the page's own computing on a first visit."""
    plotlyjs.serve()
    with st.sidebar:
        _component(key=PRELOAD_KEY, height="content")
