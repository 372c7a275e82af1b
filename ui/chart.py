"""A Plotly chart that updates in place: one ``div`` per key, redrawn by ``Plotly.react`` on every rerun.

Why not ``st.plotly_chart``: it derives its element id from the figure's spec, so every change of the
figure remounts the chart (the frontend replaces the plot ``div`` and Plotly draws from scratch,
``newPlot``), and forcing a stable id stops the updates altogether. This component (Streamlit's
components v2: no frame, the chart is in the page's own DOM) keeps its ``div`` across reruns and hands
each new figure to ``Plotly.react``, which redraws only what changed. Measured on Landscapes' arrows
slider in Chromium (``bench/latency.py``): see the bench's output and the issue notes.

A move that changes several charts draws those on screen first, one per frame, so each shows as soon
as it is drawn; charts off screen wait until the rerun's figures have all come and the tab is idle, or
until they scroll into view. A figure equal to the one drawn is not drawn again.

The figure travels as its cached Plotly JSON bytes (:func:`ui.figures.cached_json`), so a rerun
serialises nothing. plotly.js comes from :mod:`ui.plotlyjs`, once per browser tab: its 2-D bundle,
downloaded from the first delta of any page on (:func:`ui.preload.start`) and evaluated when the first chart
comes, so a first visit does not wait for the download after its figure; the full bundle only once a
figure with another trace type (3-D) comes. While it loads, the chart keeps the figure's height, so
nothing below it jumps. A figure the browser cannot draw
shows the reason as text, and the last picture stays.

The chart ``div`` carries the class ``zo-chart`` (and Plotly's own ``js-plotly-plot``): the theme's
layout rules and the browser tests find charts by it (:data:`SELECTOR`).
"""

from __future__ import annotations

import streamlit as st

from ui import lead, plotlyjs

SELECTOR = ".zo-chart"
NAME = "zolab_chart"
_JS = r"""
const CONFIG = {displaylogo: false};
__LOADER__

function say(state, message) {            // text, never HTML
  state.error.textContent = message;
  state.error.style.display = message ? "block" : "none";
}

// One queue for every chart of the tab. A move that changes several charts draws the ones on screen
// first, one per frame (the browser paints each as soon as it is drawn instead of after all of them),
// and those off screen once the rerun's figures have all come and the tab is idle, or as soon as they
// scroll into view: a move waits for none of them.
const Q = window.__zoCharts ||
  (window.__zoCharts = {waiting: new Set(), running: false, wake: null, unpainted: false, wanted: 0});
const nextPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
const QUIET_MS = 150;                       // no new figure for this long: the rerun has most likely ended
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function quiet() {                   // the rerun's figures have come and the tab is idle
  for (let left = QUIET_MS; left > 0; left = Q.wanted + QUIET_MS - performance.now()) await sleep(left);
  await new Promise((resolve) => (window.requestIdleCallback ? requestIdleCallback(resolve, {timeout: 1000})
                                                               : setTimeout(resolve, 50)));
}

function want(state) {
  Q.waiting.add(state);
  Q.wanted = performance.now();
  if (Q.wake && state.visible) Q.wake();
  run();
}

function pick() {                          // the first waiting chart on screen, else the first off screen
  let best = null;
  for (const state of Q.waiting) {
    if (!state.div.isConnected || !state.next) { Q.waiting.delete(state); continue; }
    const before = best && (state.div.compareDocumentPosition(best.div) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (!best || (state.visible && !best.visible) || (state.visible === best.visible && before)) best = state;
  }
  return best;
}

async function run() {
  if (Q.running) return;
  Q.running = true;
  try {
    let rested = false;
    for (let state = pick(); state; state = pick()) {
      if (!state.visible && !rested) {     // wait for quiet (or for a chart on screen to want drawing)
        rested = await Promise.race([quiet().then(() => true),
                                     new Promise((resolve) => { Q.wake = () => resolve(false); })]);
        Q.wake = null;
        continue;                          // pick again: a new figure may come first now
      }
      if (Q.unpainted) await nextPaint();   // the chart drawn last is on screen before the next one starts
      await draw(state);
      Q.unpainted = true;
      requestAnimationFrame(() => { Q.unpainted = false; });
      rested = false;
    }
  } finally {
    Q.running = false;
  }
}

async function draw(state) {               // the latest figure of one chart (those that came meanwhile are skipped)
  const fig = state.next;
  if (!fig) return;
  state.next = null;
  Q.waiting.delete(state);
  let P;
  try {
    P = await plotly(bundle(fig));
  } catch (err) {
    state.text = null;                     // the same figure may try again
    say(state, "The charts' library did not load (" + err.message + "); reload the page.");
    return;
  }
  if (state.lib && state.lib !== P) {      // drawn by the other bundle: start afresh
    state.lib.purge(state.div);
    state.drawn = null;
  }
  // A trace equal to the one drawn at its place is handed back as the same object: Plotly.react
  // then skips recomputing it (a contour under a moving overlay: ~25 % of a move in Chromium).
  const data = fig.data || [], text = data.map((trace) => JSON.stringify(trace));
  const drawn = state.drawn;
  const traces = data.map((trace, i) => (drawn && drawn.text[i] === text[i] ? drawn.traces[i] : trace));
  try {
    await P.react(state.div, {data: traces, layout: fig.layout || {}, frames: fig.frames || [], config: CONFIG});
    state.lib = P;
    state.drawn = {text: text, traces: traces};
    state.div.style.minHeight = "";
    say(state, "");
  } catch (err) {
    say(state, "This chart could not be drawn: " + err.message);
  }
}

export default function ({data, parentElement}) {
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
    const state = {div: div, next: null, drawn: null, text: null, error: error, visible: true, lib: null};
    div.__zo = state;
    // Until the observer first answers, a new chart counts as on screen (a first visit draws at once).
    new IntersectionObserver((entries) => {
      state.visible = entries[entries.length - 1].isIntersecting;
      if (state.visible && Q.waiting.has(state)) want(state);
    }, {rootMargin: "200px"}).observe(div);
    // The width follows the column (sidebar folded, window resized, a tab shown): Plotly redraws only
    // when it really changed, so the observer's first call and a move's redraw cost nothing here.
    new ResizeObserver(() => {
      const full = div._fullLayout, w = div.clientWidth;
      if (state.lib && full && !state.fixed && w && Math.abs(w - full.width) > 1) {
        state.lib.Plots.resize(div);
      }
    }).observe(div);
  }
  const state = div.__zo;
  const text = new TextDecoder().decode(data);
  if (text === state.text) return;         // the figure on screen (or on its way there)
  let fig;
  try {
    fig = JSON.parse(text);
    state.text = text;
  } catch (err) {
    say(state, "This chart could not be read: " + err.message);
    return;
  }
  if (!div._fullLayout) div.style.minHeight = ((fig.layout || {}).height || 450) + "px";
  state.fixed = Boolean((fig.layout || {}).width);       // a figure of its own width keeps it
  state.next = fig;
  want(state);
}
""".replace("__LOADER__", plotlyjs.LOADER_JS)

_component = st.components.v2.component(NAME, js=_JS, isolate_styles=False)

def chart(figure_json: bytes, *, key: str) -> None:
    """Draw the figure (its Plotly JSON, UTF-8) under ``key``; a later run with the same key redraws it in place."""
    plotlyjs.serve()
    with lead.first(key, figure_json):     # in a part's lone rerun, the first changed chart goes out first
        _component(data=figure_json, key=key, height="content")
