"""In real Chromium: the estimator pages load from a shared link, and the mu slider changes the cloud."""

import json

import pytest

from devtools import browser as harness

# The x coordinates of the first 20 estimates of the cloud (the first Plotly chart on the page).
CLOUD_X = """(() => {
  const p = document.querySelector('.js-plotly-plot');
  if (!p || !p._fullData) return null;
  const t = p._fullData.find(t => (t.name || '').endsWith('estimates g'));
  return t && t.x.length ? JSON.stringify(Array.from(t.x).slice(0, 20)) : null;
})()"""


def goto(page, server, path):
    page.goto(f"{server.url}/{path}", timeout=60_000)
    harness.wait_idle(page)
    page.wait_for_selector("[data-testid=stMain]")


def test_mu_slider_changes_the_cloud(page, server):
    goto(page, server, "gradient_estimators?ge_mu=0.1&ge_method=gaussian&landscape=rosenbrock")
    page.wait_for_function(f"() => {CLOUD_X} !== null", timeout=60_000)
    assert harness.exceptions(page) == []
    before = page.evaluate(f"() => {CLOUD_X}")
    slider = page.locator("[data-testid=stSlider]").filter(has_text="Smoothing radius").locator("input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URL(location.href).searchParams.get('ge_mu') === '0.178'", timeout=90_000)
    page.wait_for_function(f"(b) => {{ const x = {CLOUD_X}; return x !== null && x !== b; }}", arg=before,
                           timeout=90_000)
    harness.wait_idle(page)
    assert json.loads(page.evaluate(f"() => {CLOUD_X}")) != json.loads(before)
    assert harness.exceptions(page) == []
    assert page.js_errors == []


@pytest.mark.parametrize("path,text", [
    ("estimator_variance?ev_problem=quadratic&ev_d=10", "Estimator variance"),
    ("theory?th_poly=x%5E2*y%2By%5E3", "Taylor expansion"),
])
def test_pages_open_from_a_link(page, server, path, text):
    goto(page, server, path)
    page.get_by_text(text).first.wait_for(timeout=90_000)
    harness.wait_idle(page)
    assert harness.exceptions(page) == []
