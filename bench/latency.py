"""Slider key press -> updated chart on the Landscapes page, in Chromium.

Each move presses ArrowRight on the 'Descent arrows per axis' slider, to a value not drawn before
(so the figure cache never helps), and waits until the Plotly chart holds the new arrow field.
Prints median and p95 of the moves. Target: median <= 250 ms.
Run (from the repository root): .venv/bin/python -m bench.latency [MOVES]
"""

import statistics
import sys

from playwright.sync_api import sync_playwright

from bench._common import percentile
from devtools import browser as harness

ARROWS_JS = ("() => { const p = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');"
             " if (!p || !p._fullData) return -1;"
             " const t = p._fullData.find(d => d.name && d.name.startsWith('−∇f')); return t ? t.x.length : -1; }")


def main(moves: int = 12):
    with harness.Server() as server, sync_playwright() as p:
        browser = harness.launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url + "/landscapes?landscape=himmelblau&arrows=5")
        page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
        harness.wait_idle(page)
        slider = page.locator("[data-testid=stSlider]").filter(has_text="Descent arrows").locator("input[type=range]")
        slider.focus()
        times = []
        for _ in range(moves):
            before = page.evaluate(ARROWS_JS)
            # Timestamps are taken inside the page: key press dispatched -> chart data changed.
            page.evaluate("() => { window.__t0 = performance.now(); }")
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"() => {{ const n = ({ARROWS_JS})(); if (n !== {before} && n > 0)"
                                   " { window.__t1 = performance.now(); return true; } return false; }",
                                   polling="raf", timeout=30_000)
            times.append(page.evaluate("() => window.__t1 - window.__t0"))
            harness.wait_idle(page)
            slider.focus()
        assert not harness.exceptions(page)
        browser.close()
    print(f"latency: slider key press -> updated chart (Landscapes, Himmelblau, default n=121), {moves} moves")
    print(f"  median: {statistics.median(times):.0f} ms   p95: {percentile(times, 95):.0f} ms"
          f"   (target median <= 250 ms)")
    print(f"  all (ms): {', '.join(f'{t:.0f}' for t in times)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
