"""In real Chromium on a phone (390 x 844) and a tablet (768 x 1024).

Charts fill the content width (at least 90 % of the viewport minus the page padding), the page
never scrolls sideways, titles fit inside their chart, legends sit under the plot area, and on the
phone the first chart comes before the first control. A first load names what it computes.
"""

import pytest

from devtools.browser import ARTIFACTS, LAYOUT_PRELUDE, exceptions, opened, wait_idle

LAYOUT = """(() => {
""" + LAYOUT_PRELUDE + """  const charts = Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => ({
    width: p.getBoundingClientRect().width, chart: box(p), title: box(p.querySelector('.gtitle')),
    legend: box(p.querySelector('g.legend')), plot: box(p.querySelector('.cartesianlayer .bg, .nsewdrag')),
  }));
  const control = document.querySelector('[data-testid=stMain] [data-testid=stSlider], ' +
                                         '[data-testid=stMain] [data-testid=stSelectbox]');
  return {avail: avail, charts: charts, inner: innerWidth,
          scroll: document.scrollingElement.scrollWidth, control: box(control)};
})()"""

SIZES = [(390, 844), (768, 1024)]
PAGES = ["landscapes", "smoothing", "algorithms_race"]


@pytest.mark.parametrize("width,height", SIZES)
@pytest.mark.parametrize("path", PAGES)
def test_charts_fill_narrow_screens(server, browser, path, width, height):
    with opened(browser, f"{server.url}/{path}", width=width, height=height, settle_ms=400) as page:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"narrow-{path}-{width}.png"))
        m = page.evaluate(LAYOUT)
        assert m["scroll"] <= m["inner"] + 1, f"page scrolls sideways: {m['scroll']} > {m['inner']}"
        for i, c in enumerate(m["charts"]):
            assert c["width"] >= 0.9 * m["avail"], f"chart {i}: {c['width']:.0f} of {m['avail']:.0f} px"
            if c["title"]:
                assert c["chart"][0] - 1 <= c["title"][0] and c["title"][2] <= c["chart"][2] + 1, \
                    f"chart {i}: title {c['title']} clipped by chart {c['chart']}"
            if c["legend"] and c["plot"]:
                assert c["legend"][1] >= c["plot"][3] - 1, f"chart {i}: legend {c['legend']} over plot {c['plot']}"
        if width < 640 and m["control"]:
            first = m["charts"][0]["chart"]
            assert first[1] < m["control"][1], "on a phone the first chart comes before the controls"



def test_first_load_says_what_it_computes(server, browser):
    """A run longer than Streamlit's 0.5-s spinner delay shows the page's name and what it does."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        # a seed and budget no other test uses, so nothing is cached, and the phase diagram (~10 s): the run
        # takes well over the spinner's delay however fast the machine (the race alone can now take < 0.5 s)
        page.goto(f"{server.url}/algorithms_race?seed=424242&ar_budget=4000&ar_phase=1", timeout=60_000)
        page.get_by_text("Computing Algorithms race", exact=False).first.wait_for(timeout=60_000)
        wait_idle(page)
        assert not exceptions(page)
    finally:
        context.close()
