"""Open the app through a URL in Chromium, move the Landscapes slider once, report what happened.

    python -m tests.deploy.browser_check http://127.0.0.1:8080   -> one JSON line on stdout

Its own process on purpose: the browser tests hold a session-wide sync Playwright, and a
second one in the same process clashes with its event loop.
"""

import json
import sys

from playwright.sync_api import sync_playwright

from devtools import browser as harness

ARROWS_JS = ("() => { const p = document.querySelector('.zo-chart');"
             " if (!p || !p._fullData) return -1;"
             " const t = p._fullData.find(d => d.name && d.name.startsWith('−∇f')); return t ? t.x.length : -1; }")


def check(url: str) -> dict:
    with sync_playwright() as p:
        browser = harness.launch(p)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/landscapes?landscape=himmelblau&arrows=5")
        page.wait_for_selector(".zo-chart .main-svg", timeout=60_000)
        harness.wait_idle(page)
        before = page.evaluate(ARROWS_JS)
        slider = page.locator("[data-testid=stSlider]").filter(has_text="Descent arrows").locator("input[type=range]")
        slider.focus()
        page.keyboard.press("ArrowRight")
        # The redraw can only come back over the websocket: no new HTTP request carries a rerun.
        page.wait_for_function(f"() => {{ const n = ({ARROWS_JS})(); return n > 0 && n !== {before}; }}",
                               timeout=30_000)
        after = page.evaluate(ARROWS_JS)
        harness.wait_idle(page)    # the URL comes with the rest of the run, just after the chart (ui.lead)
        route = next((c["value"] for c in context.cookies() if c["name"] == "zolab_route"), None)
        result = {"before": before, "after": after, "route": route, "url": page.url,
                  "exceptions": harness.exceptions(page), "js_errors": errors}
        context.close()
        browser.close()
    return result


if __name__ == "__main__":
    print(json.dumps(check(sys.argv[1])))
