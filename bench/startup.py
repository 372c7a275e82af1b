"""Seconds from `streamlit run` to the first chart visible in Chromium: ZO Lab (Landscapes) vs the floor page.

Runs alternate (floor, app, floor, app, ...) on fresh servers, so both see the same machine load; the
floor page (bench/floor_app.py) is what Streamlit + Plotly cost alone. Also printed: when the app
first shows any text in the page's main area (what a visitor sees while the first chart computes).
Then first visits on a warm server (Landscapes opened first, then its start-up warm-up waited for, as a
lecturer's server is before class): each page in a new browser context, seconds to its first visible words
and to its first chart, medians of 3 visits, each paired with a first visit of the floor page on its own
warm server just before or after it (a new context loads Streamlit's frontend and plotly.js before anything
shows: the floor's figures are what that costs alone, under the same load). Last, first visits by the menu
on that warm server, as a student moves from page to page in one tab: milliseconds from the click to the
page's title in the page, and to its first chart.
Targets: app <= 3 s; a first visit shows words within 0.5 s and its first chart within 3 s.
Run (from the repository root): .venv/bin/python -m bench.startup [RUNS]
"""

import statistics
import sys
import time

from playwright.sync_api import sync_playwright

from devtools import browser as harness

CHART = ".js-plotly-plot .main-svg"     # the floor's st.plotly_chart and our ui.chart alike
# the first *visible* words (Playwright's :visible; Streamlit keeps hidden markdown containers around)
TEXT = "[data-testid=stMain] h1:visible, [data-testid=stMain] [data-testid=stMarkdownContainer]:visible"


def one_run(browser, script: str, path: str) -> tuple[float, float]:
    """(seconds to the first text in the main area, seconds to the first chart) from the server's start."""
    server = harness.Server(script=script)
    t0 = time.perf_counter()
    server.start(timeout=120)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url + path)
        page.locator(f"{TEXT}, {CHART}").first.wait_for(state="visible", timeout=120_000)
        text = time.perf_counter() - t0
        page.wait_for_selector(CHART, state="visible", timeout=120_000)
        chart = time.perf_counter() - t0
        assert not harness.exceptions(page)
        page.close()
        return text, chart
    finally:
        server.stop()


def visit(browser, url: str, chart_timeout: float = 60.0) -> tuple[float, float | None]:
    """(seconds to the first words, seconds to the first chart or None) of a first visit: a new context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.locator(TEXT).first.wait_for(state="visible", timeout=120_000)
    text = time.perf_counter() - t0
    chart = first_chart(page, t0, chart_timeout)
    context.close()
    return text, chart


def first_chart(page, t0: float, timeout: float = 60.0) -> float | None:
    """Seconds from ``t0`` until a chart shows in the page, None past ``timeout``."""
    while time.perf_counter() < t0 + timeout:
        if page.locator(CHART).count():
            return time.perf_counter() - t0
        page.wait_for_timeout(15)
    return None


def warmed(page, url: str, timeout: float = 400.0, every_s: float = 8.0) -> float:
    """Seconds until the server's start-up warm-up (ui.warmup) has finished, as its Class monitor page says:
    the lecturer's server before class (a first visit meanwhile would share the server with it). Asked
    every ``every_s`` seconds: each look is a script run, and the warm-up waits for 3 quiet seconds."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        page.goto(url + "/class_monitor")
        caption = page.get_by_text("Start-up warm-up of this replica").first
        caption.wait_for(timeout=60_000)
        if "finished" in caption.inner_text():
            return time.perf_counter() - t0
        page.wait_for_timeout(1000 * every_s)
    raise TimeoutError(f"the warm-up did not finish in {timeout:.0f} s")


# Click a menu link and resolve with the milliseconds until the main area shows another title (in the page's own
# clock, so no polling delay is counted; the old title merely cleared does not count).
_TITLE_CHANGE = """(path) => new Promise(resolve => {
  const title = () => { const h = document.querySelector('[data-testid=stMain] h1'); return h && h.textContent; };
  const old = title(), t0 = performance.now();
  const seen = new MutationObserver(() => {
    const now = title();
    if (now && now !== old) { seen.disconnect(); resolve(performance.now() - t0); }
  });
  seen.observe(document.body, {subtree: true, childList: true, characterData: true});
  document.querySelector(`[data-testid=stSidebarNav] a[href$="/${path}"]`).click();
})"""


def by_menu(page, url: str, path: str) -> tuple[float, float | None]:
    """(ms to the new title, ms to the first chart or None): from Home to ``path`` by its menu link."""
    page.goto(url + "/")
    page.locator(TEXT).first.wait_for(state="visible", timeout=120_000)
    harness.wait_idle(page)
    t0 = time.perf_counter()
    words = page.evaluate(_TITLE_CHANGE, path)
    chart = first_chart(page, t0)
    harness.wait_idle(page)
    return words, None if chart is None else 1000 * chart


def first_visits(browser, visits: int = 3):
    """On two warm servers side by side, the floor page's and ours (its start-up warm-up waited for):
    (page, [(floor words, floor chart), (page words, page chart)] per visit) of each page, every visit in a new
    browser context and paired with a floor visit just before or after it, so both see the same machine load
    (seconds; a chart None when none showed). Then (page, ms to its title, ms to its first chart or None) of each
    lecture page reached by the menu on our server."""
    from ui import registry

    with harness.Server(script="bench/floor_app.py") as floor, harness.Server(env={"ZOLAB_WARMUP": "1"}) as server:
        visit(browser, floor.url)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url + "/landscapes")
        page.wait_for_selector(CHART, state="visible", timeout=120_000)
        print(f"  (the server's start-up warm-up finished {warmed(page, server.url):.0f} s after the first page)")
        page.close()
        rows = []
        for info in registry.available():
            pairs, wait = [], 60.0
            url = f"{server.url}/{info.url_path}"
            for i in range(visits):
                ours = visit(browser, url, wait) if i % 2 else None    # the order alternates
                theirs = visit(browser, floor.url)
                pairs.append((theirs, ours if ours is not None else visit(browser, url, wait)))
                wait = 60.0 if pairs[0][1][1] is not None else 0.0    # a page without charts: words only
            rows.append((info.title, pairs))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        menu = [(info.title, *by_menu(page, server.url, info.url_path)) for info in registry.available()]
        page.close()
    return rows, menu


def _seconds(value: float | None) -> str:
    return f"{value:5.2f} s" if value is not None else "   none"


def _median(values) -> float | None:
    """The median of the values; None unless every one is a number (a visit that showed no chart)."""
    shown = [v for v in values if v is not None]
    return statistics.median(shown) if len(shown) == len(values) else None


def main(runs: int = 3):
    floor, app = [], []
    with sync_playwright() as p:
        browser = harness.launch(p)
        for _ in range(runs):
            floor.append(one_run(browser, "bench/floor_app.py", "/"))
            app.append(one_run(browser, "app.py", "/landscapes"))
        browser.close()
    print(f"startup: streamlit run -> first chart visible, fresh server each run, {runs} runs each, alternating")
    for name, rows in (("floor page", floor), ("ZO Lab /landscapes", app)):
        charts = [c for _, c in rows]
        texts = [t for t, _ in rows]
        print(f"  {name:20s} first chart median {statistics.median(charts):5.2f} s"
              f"  (runs {', '.join(f'{c:.2f}' for c in charts)});"
              f"  first text median {statistics.median(texts):5.2f} s")
    ratio = statistics.median(c for _, c in app) / statistics.median(c for _, c in floor)
    print(f"  app / floor: {ratio:.2f}x   (target: app <= 3 s)")
    with sync_playwright() as p:
        browser = harness.launch(p)
        rows, menu = first_visits(browser)
        browser.close()
    visits = len(rows[0][1])
    print(f"first visits on a warm server, new browser context each, {visits} a page, each paired with a floor "
          "visit (targets: words <= 0.5 s, chart <= 3 s)")
    print(f"  {'page':28s} {'words':>7s} {'floor':>7s}   {'chart':>7s} {'floor':>7s}  chart x floor")
    for title, pairs in rows:
        words, chart = _median([p[1][0] for p in pairs]), _median([p[1][1] for p in pairs])
        floor_words, floor_chart = _median([p[0][0] for p in pairs]), _median([p[0][1] for p in pairs])
        ratio = f"{chart / floor_chart:5.2f}x" if chart is not None and floor_chart else ""
        print(f"  {title:28s} {_seconds(words)} {_seconds(floor_words)}   {_seconds(chart)} {_seconds(floor_chart)}"
              f"  {ratio}")
    print("first visits by the menu, from Home in one tab on that server (targets: words <= 500 ms, chart <= 3 s)")
    for title, words, chart in menu:
        shown = f"{chart:5.0f} ms" if chart is not None else " none in 60 s"
        print(f"  {title:28s} title {words:5.0f} ms   first chart {shown}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
