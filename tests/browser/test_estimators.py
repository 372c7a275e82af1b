"""In real Chromium: the estimator pages load from a shared link."""

import pytest

from devtools import browser as harness


def goto(page, server, path):
    page.goto(f"{server.url}/{path}", timeout=60_000)
    harness.wait_idle(page)
    page.wait_for_selector("[data-testid=stMain]")


# The mu slider (a livechart component since issue 13) is tested in test_livechart.py.


@pytest.mark.parametrize("path,text", [
    ("estimator_variance?ev_problem=quadratic&ev_d=10", "Estimator variance"),
    ("theory?th_poly=x%5E2*y%2By%5E3", "Taylor expansion"),
])
def test_pages_open_from_a_link(page, server, path, text):
    goto(page, server, path)
    page.get_by_text(text).first.wait_for(timeout=90_000)
    harness.wait_idle(page)
    assert harness.exceptions(page) == []
