"""Seconds from `streamlit run` to the first chart visible in Chromium (Landscapes page), median of 3.

Target: <= 5 s.  Run (from the repository root): .venv/bin/python -m bench.startup
"""

import statistics
import time

from playwright.sync_api import sync_playwright

from devtools import browser as harness

RUNS = 3


def one_run(browser) -> float:
    server = harness.Server()
    t0 = time.perf_counter()
    server.start()
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url + "/landscapes")
        page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg", state="visible", timeout=120_000)
        elapsed = time.perf_counter() - t0
        assert not harness.exceptions(page)
        page.close()
        return elapsed
    finally:
        server.stop()


def main():
    with sync_playwright() as p:
        browser = harness.launch(p)
        times = [one_run(browser) for _ in range(RUNS)]
        browser.close()
    print("startup: streamlit run -> first chart visible (Landscapes page, fresh server each run)")
    print(f"  runs (s): {', '.join(f'{t:.2f}' for t in times)}")
    print(f"  median: {statistics.median(times):.2f} s   (target <= 5 s)")


if __name__ == "__main__":
    main()
