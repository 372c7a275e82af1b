"""In real Chromium at 1920 x 1080 with ?projector=1: what the back row sees.

Read off the rendered SVG: every chart text is at least 22 px, the legend box never meets the
title box, the chart spans at least 70 % of the main area; the sidebar is collapsed, widget labels
are enlarged and no segmented-control label is clipped. Screenshots go to artifacts/ (git-ignored).
"""

import pytest

from devtools.browser import ARTIFACTS, LAYOUT_PRELUDE, opened

# Per chart: the smallest font-size among its non-empty SVG texts, the legend / title / plot-area
# boxes, and the chart's width next to the main area's content width.
CHARTS = """(() => {
""" + LAYOUT_PRELUDE + """  return Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => {
    const texts = Array.from(p.querySelectorAll('svg text')).filter(t => t.textContent.trim());
    return {
      sizes: texts.map(t => [parseFloat(getComputedStyle(t).fontSize), t.textContent.slice(0, 30)]),
      legend: box(p.querySelector('g.legend')), title: box(p.querySelector('.gtitle')),
      width: p.getBoundingClientRect().width, avail: avail,
    };
  });
})()"""

CHROME = """(() => {
  const sb = document.querySelector('[data-testid=stSidebar]');
  const label = document.querySelector('[data-testid=stMain] [data-testid=stWidgetLabel] p');
  const clipped = Array.from(document.querySelectorAll('[data-testid=stButtonGroup] button'))
    .filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.innerText);
  return {sidebar_open: !!sb && sb.getAttribute('aria-expanded') === 'true' && sb.getBoundingClientRect().width > 50,
          label_px: label ? parseFloat(getComputedStyle(label).fontSize) : null, clipped: clipped,
          overflow: document.scrollingElement.scrollWidth - innerWidth};
})()"""

PAGES = [("landscapes", "Landscapes"), ("smoothing", "Smoothing"), ("algorithms_race", "Race")]


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("path,name", PAGES)
def test_projector_scales_everything_at_1080p(server, browser, path, name):
    # settle: Plotly's last relayout after the fonts arrived
    with opened(browser, f"{server.url}/{path}?projector=1", width=1920, height=1080, settle_ms=500) as page:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"projector-{path}.png"))
        page.locator(".js-plotly-plot").first.screenshot(path=str(ARTIFACTS / f"projector-{path}-chart.png"))
        charts = page.evaluate(CHARTS)
        assert charts, "no chart rendered"
        for i, c in enumerate(charts):
            small = [(s, t) for s, t in c["sizes"] if s < 22]
            assert not small, f"{name} chart {i}: texts under 22 px: {small[:5]}"
            if c["legend"] and c["title"]:
                assert not _overlap(c["legend"], c["title"]), f"{name} chart {i}: legend {c['legend']} on title {c['title']}"
            assert c["width"] >= 0.7 * c["avail"], f"{name} chart {i}: {c['width']:.0f} of {c['avail']:.0f} px"
        chrome = page.evaluate(CHROME)
        assert not chrome["sidebar_open"], "sidebar should start collapsed in projector mode"
        assert chrome["label_px"] >= 24, chrome       # 1.2 rem of the 22-px projector root
        assert not chrome["clipped"], f"clipped segmented-control labels: {chrome['clipped']}"
        assert chrome["overflow"] <= 1

