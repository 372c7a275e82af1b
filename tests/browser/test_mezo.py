"""In real Chromium: a short MeZO run goes live in the background, and Stop ends a long one within a step."""

import re

from playwright.sync_api import expect

from devtools.browser import exceptions, wait_idle

SMALL = "mz_subset=head&mz_batch=4&mz_eval=20&mz_n=2"


def open_mezo(browser, server, query: str):
    """Open the MeZO page by its URL with settings in the query string. The first request after the
    server starts runs in Streamlit's legacy pages/ mode (see DESIGN's quirks), so open "/" first."""
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(server.url, timeout=60_000)
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page)
    page.goto(f"{server.url}/mezo?{query}", timeout=60_000)
    wait_idle(page)
    page.wait_for_selector("h1:has-text('MeZO: fine-tuning')", timeout=60_000)
    wait_idle(page)
    return page


def test_short_run_shows_live_progress_and_accuracy(server, browser):
    page = open_mezo(browser, server, f"mz_steps=5&{SMALL}")
    assert not exceptions(page)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Held-out accuracy after").wait_for(timeout=180_000)
    wait_idle(page, timeout=120_000)
    assert not exceptions(page)
    assert page.locator("[data-testid=stMetric]").count() >= 4
    assert "mz_steps=5" in page.url and "mz_eval=20" in page.url
    page.close()


def test_page_stays_usable_and_stop_ends_a_long_run(server, browser):
    page = open_mezo(browser, server, f"mz_steps=1000&{SMALL}")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile(r"step [1-9]\d* of 1000 · .* steps/s")).first.wait_for(timeout=180_000)
    # the rest of the page answers while the run goes on: the two-layer figure redraws
    slider = page.locator("[data-testid=stSlider]").filter(has_text="Batch size").last
    slider.locator("input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("stopped by the user", exact=False).first.wait_for(timeout=120_000)
    # the job's end triggers one full rerun (Run enabled again); Streamlit redraws the result in it,
    # so wait for that rerun before counting what it drew
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_enabled(timeout=60_000)
    wait_idle(page, timeout=120_000)
    page.get_by_text("Held-out accuracy after").first.wait_for(timeout=30_000)
    assert not exceptions(page)
    assert page.get_by_text("Held-out accuracy after").count() == 1
    assert page.get_by_text("stopped by the user", exact=False).count() == 1
    page.close()
