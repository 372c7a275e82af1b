"""In real Chromium: the race keeps its landscape through Play, and its controls do not overlap."""

from devtools.browser import exceptions, wait_idle

# f is drawn as a layout image (plotly.js drops contour traces when frames animate without a redraw)
BACKGROUND = "() => document.querySelectorAll('.js-plotly-plot')[0].querySelectorAll('image').length"
PATHS = "() => document.querySelectorAll('.js-plotly-plot')[0].querySelectorAll('.scatterlayer .trace path.js-line').length"
BOXES = """() => {
  const plot = document.querySelectorAll('.js-plotly-plot')[0];
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {buttons: Array.from(plot.querySelectorAll('.updatemenu-button')).map(box),
          labels: Array.from(plot.querySelectorAll('.slider-current-value, .slider-label')).map(box),
          rail: Array.from(plot.querySelectorAll('.slider-rail-rect')).map(box)};
}"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_play_keeps_the_landscape_and_controls_do_not_overlap(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server.url, timeout=60_000)
        wait_idle(page)
        page.get_by_role("link", name="Algorithms race").first.click()
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=120_000)
        wait_idle(page)
        assert not exceptions(page)
        assert page.evaluate(BACKGROUND) == 1
        lines = page.evaluate(PATHS)
        assert lines >= 5
        boxes = page.evaluate(BOXES)
        assert boxes["buttons"] and boxes["labels"]
        for button in boxes["buttons"]:
            for other in boxes["labels"] + boxes["rail"]:
                assert not _overlap(button, other), (button, other)
        page.locator(".updatemenu-button", has_text="Play").first.click()
        for _ in range(8):                            # during the replay (21 frames x 120 ms) and after it
            page.wait_for_timeout(500)
            assert page.evaluate(BACKGROUND) == 1
            assert page.evaluate(PATHS) == lines
        assert not exceptions(page)
    finally:
        page.close()
