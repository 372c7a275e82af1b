"""Real Chromium against `streamlit run`: the Adversarial attack and Hyperparameter tuning pages."""

import pytest

from devtools.browser import exceptions, wait_idle

CHARTS = ".zo-chart"


@pytest.fixture(scope="module")
def browser_page(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield server, page
    page.close()


def _open(page, url, charts: int):
    page.goto(url)
    wait_idle(page, timeout=120_000)
    page.wait_for_function(f"() => document.querySelectorAll('{CHARTS}').length >= {charts}", timeout=120_000)
    wait_idle(page, timeout=120_000)


def test_attack_page_draws_and_a_slider_updates_the_url(browser_page):
    server, page = browser_page
    _open(page, server.url + "/adversarial_attack?aa_n=10&aa_budget=500", charts=2)
    assert not exceptions(page)
    assert "Test accuracy" in page.inner_text("body")
    slider = page.locator("[data-testid=stSlider]").filter(has_text="q (directions per step)")
    handle = slider.locator("input[type=range]")
    handle.focus()
    page.keyboard.press("ArrowRight")
    wait_idle(page, timeout=120_000)
    page.wait_for_function("() => new URL(location.href).searchParams.get('aa_q') === '21'", timeout=30_000)
    wait_idle(page, timeout=120_000)
    # stale elements of the previous run fade out after the rerun: wait for exactly two charts
    page.wait_for_function(f"() => document.querySelectorAll('{CHARTS}').length === 2", timeout=60_000)
    assert not exceptions(page)


def test_attack_page_explains_a_budget_too_small(browser_page):
    server, page = browser_page
    page.goto(server.url + "/adversarial_attack?aa_budget=10&aa_q=20")
    wait_idle(page, timeout=120_000)
    page.wait_for_selector("text=cannot pay for one step", timeout=120_000)
    assert not exceptions(page)


def test_tuning_page_draws_and_the_naive_toggle_adds_the_ablation(browser_page):
    server, page = browser_page
    _open(page, server.url + "/hyperparameter_tuning?ht_budget=30", charts=2)
    assert not exceptions(page)
    page.get_by_text("Show ZO-SGD with each fix undone").click()
    wait_idle(page, timeout=120_000)
    page.wait_for_function(f"() => document.querySelectorAll('{CHARTS}').length >= 3", timeout=120_000)
    assert "ht_naive=1" in page.url
    assert not exceptions(page)
