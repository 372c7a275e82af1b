"""In real Chromium: the livechart μ slider (Gradient estimators) redraws the cloud without the server.

The server process is paused (SIGSTOP) while the slider moves, so any update that needed a round trip
could not happen; after it resumes, letting go must write μ into the URL and rerun the page once.
"""

import json
import os
import signal

import numpy as np

from devtools import browser as harness
from zo_core.viz import estimators as figs

# In the page: x of the first 10 estimates of the cloud as JSON (null before the first draw).
CLOUD_X = """() => {
  const p = document.querySelector('.zo-live .js-plotly-plot');
  if (!p || !p._fullData) return null;
  const t = p._fullData.find(t => (t.name || '').endsWith('estimates g'));
  return t && t.x.length ? JSON.stringify(Array.from(t.x).slice(0, 10)) : null;
}"""


# The same and the right panel's pixels per unit along g1 over those along g2 (scaleanchor: 1), once every
# slider input so far has been drawn (null while one is drawing: the cloud's data changes before its axes).
CLOUD_SEEN = f"""() => {{
  const s = document.querySelector('[data-livechart-slider]'), lc = window.__livechart;
  if (!s || !lc) return null;
  if (window.__inputs === undefined) {{
    window.__inputs = 0;
    window.__drawn0 = lc.moves.length;
    s.addEventListener('input', () => {{ window.__inputs += 1; }});
  }}
  if (lc.moves.length - window.__drawn0 < window.__inputs) return null;
  const x = ({CLOUD_X})();
  if (x === null) return null;
  const L = document.querySelector('.zo-live .js-plotly-plot')._fullLayout, k = a => a._length / (a.range[1] - a.range[0]);
  return JSON.stringify([x, Number((k(L.xaxis2) / k(L.yaxis2)).toFixed(6))]);
}}"""


def trace_named(prefix: str) -> str:
    """JS, on the page: the name of the first trace of any chart whose name starts with ``prefix``."""
    return f"""() => {{
  for (const p of document.querySelectorAll('.js-plotly-plot')) {{
    const t = (p._fullData || []).find(t => (t.name || '').startsWith({json.dumps(prefix)}));
    if (t) return t.name;
  }}
  return null;
}}"""


MU_MARK = trace_named("μ = ")          # the error_vs_mu chart's marker of the current μ


# In the page: the livechart as the frames left it against a fresh Plotly.newPlot of its own data
# and layout (same size), as the pixel positions of every point and line of the scatter traces.
REDRAWN = """async () => {
  const gd = document.querySelector('.zo-live .js-plotly-plot');
  const div = document.createElement('div');
  document.body.appendChild(div);
  const size = {width: gd._fullLayout.width, height: gd._fullLayout.height};
  await Plotly.newPlot(div, structuredClone(gd.data), Object.assign(structuredClone(gd.layout), size));
  const drawn = el => Array.from(el.querySelectorAll('.scatterlayer .trace')).map(t =>
    Array.from(t.querySelectorAll('path.point, path.js-line'))
      .map(p => (p.getAttribute('transform') || p.getAttribute('d') || '').match(/-?[0-9.]+(e-?[0-9]+)?/g) || []));
  const out = [drawn(gd), drawn(div)];
  Plotly.purge(div);
  div.remove();
  return out.concat([[gd._fullLayout.xaxis2.range, gd._fullLayout.yaxis2.range]]);
}"""


def drawn_livechart(page, probe: str):
    """The page's main frame (the component draws in the page itself), once ``probe`` sees a drawn chart."""
    page.wait_for_selector(".zo-live", timeout=90_000)
    assert not page.query_selector("iframe[title*=livechart]"), "the livechart draws in the page, not a frame"
    page.wait_for_function(f"() => ({probe})() !== null", timeout=90_000)
    return page.main_frame


def press_while_paused(page, server, frame, probe: str, keys: list[str], *after: str) -> tuple[list, list]:
    """Press ``keys`` with the server process stopped (SIGSTOP), waiting after each until ``probe`` (JS in
    the page) changes; returns what ``probe`` saw before and after each press, and the ``after``
    expressions evaluated in the frame before the server resumes."""
    os.kill(server.proc.pid, signal.SIGSTOP)      # from here on, nothing can come from the server
    try:
        seen = [frame.evaluate(probe)]
        for key in keys:
            page.keyboard.press(key)
            frame.wait_for_function(f"(b) => {{ const x = ({probe})(); return x !== null && x !== b; }}",
                                    arg=seen[-1], timeout=5_000)
            seen.append(frame.evaluate(probe))
        return seen, [frame.evaluate(js) for js in after]
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)


def test_mu_moves_in_the_browser_and_release_updates_url_and_page(page, server):
    page.goto(f"{server.url}/gradient_estimators?ge_mu=0.1&ge_method=gaussian&landscape=rosenbrock",
              timeout=60_000)
    harness.wait_idle(page)
    frame = drawn_livechart(page, CLOUD_X)
    page.wait_for_function(f"() => ({MU_MARK})() === 'μ = 0.1'", timeout=90_000)
    assert frame.evaluate("() => document.querySelector('.zo-live output').textContent") == "0.1"
    frame.locator("[data-livechart-slider]").focus()
    seen, (moves, title, (drawn, fresh, window)) = press_while_paused(
        page, server, frame, CLOUD_SEEN, ["ArrowLeft"] * 5 + ["ArrowRight"] * 2,
        "() => window.__livechart.moves", "() => document.querySelector('.zo-live .js-plotly-plot').layout.title.text",
        REDRAWN)
    seen, scales = [json.dumps(json.loads(s)[0]) for s in seen], [json.loads(s)[1] for s in seen]
    # Speed is bench/latency.py's business (house rule: no timed tests); here: one redraw per press.
    assert len(set(seen[:6])) == 6 and seen[7] == seen[3], "every key press shows its own cloud"
    assert len(moves) == 7, moves
    assert "μ = 0.0178" in title
    # One of the moves gives the cloud a new window: every press keeps one scale on both axes of the
    # right panel, and the last drew what a fresh draw of the result draws.
    assert scales == [1.0] * 8, scales
    # The page's defaults are cloud_frames' own: the axes show the server's window, one of them widened to
    # the panel's shape (Plotly's scaleanchor), none shrunk.
    want = figs.cloud_frames([0.0178])["frames"][0]["layout"]
    (a, b), (c, d) = want["xaxis2.range"], want["yaxis2.range"]
    (a2, b2), (c2, d2) = window
    tol = 1e-5 * (b - a)
    assert a2 <= a + tol and b2 >= b - tol and c2 <= c + tol and d2 >= d - tol, (window, want)
    assert min(abs(a2 - a) + abs(b2 - b), abs(c2 - c) + abs(d2 - d)) <= 2 * tol, (window, want)
    assert [len(t) for t in drawn] == [len(t) for t in fresh] and sum(map(len, drawn)) > 300
    for t, (a_trace, b_trace) in enumerate(zip(drawn, fresh)):
        for a, b in zip(a_trace, b_trace):
            assert len(a) == len(b) and np.allclose(np.array(a, float), np.array(b, float), atol=0.05), t

    # Let go: the value reaches the server once; the URL and the rest of the page follow.
    page.wait_for_function("() => new URL(location.href).searchParams.get('ge_mu') === '0.0178'", timeout=90_000)
    page.wait_for_function(f"() => ({MU_MARK})() === 'μ = 0.0178'", timeout=90_000)
    harness.wait_idle(page)
    # The rerun sends the same frames: the component keeps its picture and its slider where the student left it.
    assert json.dumps(json.loads(frame.evaluate(CLOUD_SEEN))[0]) == seen[-1]
    assert frame.evaluate("() => document.querySelector('[data-livechart-slider]').value") == "41"
    assert frame.evaluate("() => window.__livechart.reacts") == 1
    assert harness.exceptions(page) == []
    assert page.js_errors == []


# In the page: the tilted panel (its title as drawn, a digest of its picture, the star's place)
# and how many contour traces are drawn (moving t must leave the other three panels alone).
PANEL = """() => {
  const p = document.querySelector('.zo-live .js-plotly-plot');
  if (!p || !p._fullLayout || !p.layout.images) return null;
  const title = p.querySelector('.annotation[data-index="3"] .annotation-text');
  const src = p.layout.images[0].source;
  const shown = Array.from(p.querySelectorAll('image')).some(im => im.href && im.href.baseVal === src);
  return JSON.stringify([title && title.textContent, src.length, src.slice(-64), p.layout.images[1].x,
                         shown,
                         p.querySelectorAll('.contourlayer g.contour').length]);
}"""
SLICE = trace_named("tilted, t = ")    # the slice chart's tilted curve (it follows t when the slider is let go)


def test_t_moves_the_tilted_panel_in_the_browser_and_release_updates_url_and_slice(page, server):
    page.goto(f"{server.url}/smoothing?sm_t=20&sm_law=ball&landscape=sharp_flat", timeout=60_000)
    harness.wait_idle(page)
    frame = drawn_livechart(page, PANEL)
    page.wait_for_function(f"() => ({SLICE})() === 'tilted, t = 20'", timeout=90_000)
    assert frame.evaluate("() => document.querySelector('.zo-live output').textContent") == "20"
    frame.locator("[data-livechart-slider]").focus()
    seen, (subtitle, moves) = press_while_paused(     # 20 -> 15.8 -> 12.6 -> 10
        page, server, frame, PANEL, ["ArrowLeft"] * 3,
        "() => document.querySelector('.zo-live .js-plotly-plot').layout.annotations[3].text", "() => window.__livechart.moves")
    panels = [json.loads(s) for s in seen]
    assert [p[0] for p in panels] == [f"tilted (t = {t}, ball 0.126)" for t in ("20", "15.8", "12.6", "10")]
    assert len({(p[1], p[2]) for p in panels}) == 4, "each t draws its own picture"
    assert all(p[4] for p in panels), "the SVG shows the picture the layout holds"
    assert [p[5] for p in panels] == [3] * 4, "the other three panels stay drawn"
    assert subtitle == "tilted (t = 10, ball 0.126)"
    assert len(moves) == 3, moves

    # Let go: the value reaches the server once; the URL and the slice chart follow.
    page.wait_for_function("() => new URL(location.href).searchParams.get('sm_t') === '10'", timeout=90_000)
    page.wait_for_function(f"() => ({SLICE})() === 'tilted, t = 10'", timeout=90_000)
    harness.wait_idle(page)
    assert frame.evaluate(PANEL) == seen[-1]
    assert frame.evaluate("() => window.__livechart.reacts") == 1
    assert harness.exceptions(page) == []
    assert page.js_errors == []
