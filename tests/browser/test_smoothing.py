"""In real Chromium: the race animates (the Smoothing t slider: test_livechart.py)."""

from devtools.browser import exceptions, wait_idle


def open_through_router(page, server, title: str) -> None:
    """Enter through the router (a direct page URL can skip app.py: see DESIGN's quirks)."""
    page.goto(server.url, timeout=60_000)
    wait_idle(page)
    page.get_by_role("link", name=title).first.click()
    wait_idle(page)


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
