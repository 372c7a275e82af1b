"""ui.theme: the elements of a running rerun keep their look (no stale fade, no transition to run)."""

import pytest

from devtools import browser as harness

STALE_OPACITIES = """() => Array.from(document.querySelectorAll('[data-stale="true"]'))
  .map((el) => [getComputedStyle(el).opacity, getComputedStyle(el).transitionDuration])"""


@pytest.fixture(scope="module")
def slow_server():
    with harness.Server(env={"ZOLAB_WARMUP": "0"}, script="tests/browser/slow_part_app.py") as s:
        yield s


def test_stale_elements_keep_full_opacity_during_a_slow_rerun(browser, slow_server):
    with harness.opened(browser, slow_server.url, ready="[data-testid=stSlider]") as page:
        page.get_by_role("slider").first.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelectorAll('[data-stale=\"true\"]').length > 0", timeout=10_000)
        page.wait_for_timeout(1200)          # past Streamlit's 0.5 s delay and well into its 1 s fade
        stale = page.evaluate(STALE_OPACITIES)
        assert stale, "no element was stale during the rerun"
        assert all(opacity == "1" and duration == "0s" for opacity, duration in stale), stale
        harness.wait_idle(page)
