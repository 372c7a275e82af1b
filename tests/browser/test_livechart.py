"""In real Chromium: the livechart μ slider (Gradient estimators) redraws the cloud without the server.

The server process is paused (SIGSTOP) while the slider moves, so any update that needed a round trip
could not happen; after it resumes, letting go must write μ into the URL and rerun the page once.
"""

import os
import signal

from devtools import browser as harness

# In the component's frame: x of the first 10 estimates of the cloud as JSON (null before the first draw).
CLOUD_X = """() => {
  const p = document.querySelector('.js-plotly-plot');
  if (!p || !p._fullData) return null;
  const t = p._fullData.find(t => (t.name || '').endsWith('estimates g'));
  return t && t.x.length ? JSON.stringify(Array.from(t.x).slice(0, 10)) : null;
}"""
# On the page: the name of the error_vs_mu chart's marker of the current μ.
MU_MARK = """() => {
  for (const p of document.querySelectorAll('.js-plotly-plot')) {
    const t = (p._fullData || []).find(t => (t.name || '').startsWith('μ = '));
    if (t) return t.name;
  }
  return null;
}"""


def livechart_frame(page):
    handle = page.wait_for_selector("iframe[title*=livechart]", timeout=90_000)
    frame = handle.content_frame()
    frame.wait_for_function(f"() => ({CLOUD_X})() !== null", timeout=90_000)
    return frame


def test_mu_moves_in_the_browser_and_release_updates_url_and_page(page, server):
    page.goto(f"{server.url}/gradient_estimators?ge_mu=0.1&ge_method=gaussian&landscape=rosenbrock",
              timeout=60_000)
    harness.wait_idle(page)
    frame = livechart_frame(page)
    page.wait_for_function(f"() => ({MU_MARK})() === 'μ = 0.1'", timeout=90_000)
    assert frame.evaluate("() => document.querySelector('output').textContent") == "0.1"
    slider = frame.locator("[data-livechart-slider]")
    slider.focus()

    os.kill(server.proc.pid, signal.SIGSTOP)      # from here on, nothing can come from the server
    try:
        seen = [frame.evaluate(CLOUD_X)]
        for key in ["ArrowLeft"] * 5 + ["ArrowRight"] * 2:
            page.keyboard.press(key)
            frame.wait_for_function(f"(b) => {{ const x = ({CLOUD_X})(); return x !== null && x !== b; }}",
                                    arg=seen[-1], timeout=5_000)
            seen.append(frame.evaluate(CLOUD_X))
        moves = frame.evaluate("() => window.__livechart.moves")
        title = frame.evaluate("() => document.querySelector('.js-plotly-plot').layout.title.text")
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
    # Speed is bench/latency.py's business (house rule: no timed tests); here: one redraw per press.
    assert len(set(seen[:6])) == 6 and seen[7] == seen[3], "every key press shows its own cloud"
    assert len(moves) == 7, moves
    assert "μ = 0.0178" in title

    # Let go: the value reaches the server once; the URL and the rest of the page follow.
    page.wait_for_function("() => new URL(location.href).searchParams.get('ge_mu') === '0.0178'", timeout=90_000)
    page.wait_for_function(f"() => ({MU_MARK})() === 'μ = 0.0178'", timeout=90_000)
    harness.wait_idle(page)
    # The rerun sends the same frames: the component keeps its picture and its slider where the student left it.
    assert frame.evaluate(CLOUD_X) == seen[-1]
    assert frame.evaluate("() => document.querySelector('[data-livechart-slider]').value") == "41"
    assert frame.evaluate("() => window.__livechart.reacts") == 1
    assert harness.exceptions(page) == []
    assert page.js_errors == []
