"""In real Chromium: the Smoothing page renders, the t slider changes the tilted panel, the race animates."""

import json


from devtools.browser import exceptions, wait_idle

# The tilted curve of the slice (the first Plotly chart on the page): its name and first 50 values
# (_fullData: Plotly's decoded arrays; .data keeps the typed-array payload).
TILTED = """(() => {
  const plots = document.querySelectorAll('.js-plotly-plot');
  if (!plots.length || !plots[0]._fullData) return null;
  const t = plots[0]._fullData.find(t => (t.name || '').startsWith('tilted'));
  return t ? JSON.stringify([t.name, Array.from(t.y).slice(0, 50)]) : null;
})()"""


def open_through_router(page, server, title: str) -> None:
    """Enter through the router (a direct page URL can skip app.py: see DESIGN's quirks)."""
    page.goto(server.url, timeout=60_000)
    wait_idle(page)
    page.get_by_role("link", name=title).first.click()
    wait_idle(page)


def test_t_slider_changes_the_tilted_panel(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        open_through_router(page, server, "Smoothing, max-loss, tilting")
        page.wait_for_function(f"() => {TILTED} !== null", timeout=60_000)
        wait_idle(page)
        assert not exceptions(page)
        before = page.evaluate(f"() => {TILTED}")
        slider = page.locator("[data-testid=stSlider] input[type=range]").first   # t, the first slider
        slider.focus()
        slider.press("ArrowRight")
        page.wait_for_function(f"(b) => {{ const x = {TILTED}; return x !== null && x !== b; }}",
                               arg=before, timeout=60_000)
        wait_idle(page)
        after = json.loads(page.evaluate(f"() => {TILTED}"))
        assert after[0] == "tilted, t = 25.1" and json.loads(before)[0] == "tilted, t = 20"
        assert after[1] != json.loads(before)[1]
        assert "sm_t=25.1" in page.url
        assert not exceptions(page)
    finally:
        page.close()


def test_race_page_has_animation_frames(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        open_through_router(page, server, "Algorithms race")
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
        wait_idle(page)
        assert not exceptions(page)
        buttons = page.evaluate("() => Array.from(document.querySelectorAll('.updatemenu-button text'))"
                                ".map(e => e.textContent)")
        assert "▶ Play" in buttons
        frames = page.evaluate("() => document.querySelectorAll('.js-plotly-plot')[0]._transitionData"
                               "._frames.length")
        assert frames > 10
    finally:
        page.close()
