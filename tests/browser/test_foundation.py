"""The app in a real Chromium: every page loads cleanly, direct URLs keep the st.navigation
sidebar, a keyboard slider move redraws the chart, and an invalid link shows a warning."""

import pytest

from devtools import browser as harness
from ui import registry

PAGES = [registry.HOME] + registry.available()


def goto(page, server, path=""):
    page.goto(f"{server.url}/{path}")
    harness.wait_idle(page)
    page.wait_for_selector("[data-testid=stMain]")


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_every_page_loads_without_exception(page, server, info):
    goto(page, server, "" if info is registry.HOME else info.url_path)
    page.wait_for_selector("h1", timeout=60_000)
    harness.wait_idle(page)
    assert harness.exceptions(page) == []
    assert page.js_errors == []
    harness.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(harness.ARTIFACTS / f"page-{info.url_path}.png"), full_page=True)


def test_direct_url_shows_the_navigation_sidebar(page):
    # A fresh server: the legacy pages/ mode bites only on the first request after start-up.
    with harness.Server() as fresh:
        goto(page, fresh, "landscapes?landscape=himmelblau")
        page.wait_for_selector("h1")
        assert harness.exceptions(page) == []
        assert "Himmelblau" in page.locator("[data-testid=stMain]").inner_text()
        _check_navigation(page)


def test_a_page_runs_only_through_the_router_even_in_a_fresh_servers_first_run(page, tmp_path):
    """Streamlit runs a direct URL's page file alone in a fresh server's first run (legacy pages/ mode). Importing
    ``ui`` ends that run and runs again through the router: nothing after a page's ``import ui`` runs outside it,
    so the router's first deltas go out before the page's own imports and computing. A two-page app of our
    shape, on its own fresh server, writes down what ran in which order."""
    order = tmp_path / "order.log"
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text(
        f"import streamlit as st\nopen({str(order)!r}, 'a').write('router\\n')\n"
        "st.navigation([st.Page('home.py', default=True), st.Page('pages/topic.py', url_path='topic')]).run()\n")
    (tmp_path / "home.py").write_text("import streamlit as st\nst.title('Home')\n")
    (tmp_path / "pages" / "topic.py").write_text(
        f"import streamlit as st\nimport ui\nopen({str(order)!r}, 'a').write('page\\n')\nst.title('Topic')\n")
    with harness.Server(script=str(tmp_path / "app.py"), env={"PYTHONPATH": str(harness.ROOT)}) as fresh:
        page.goto(f"{fresh.url}/topic")
        page.wait_for_selector("h1:has-text('Topic')")
        harness.wait_idle(page)
        assert harness.exceptions(page) == []
    assert order.read_text().split() == ["router", "page"]


def _check_navigation(page):
    nav = page.locator("[data-testid=stSidebarNav]")
    nav.wait_for()
    text = nav.inner_text()
    for info in PAGES:
        assert info.title in text, info.title
    # Section headers come from st.navigation; the legacy auto-list has none.
    assert "Foundations" in text
    assert page.locator("[data-testid=stSidebarNavLink]").count() == len(PAGES)


def _arrow_points(page) -> int:
    return page.evaluate(
        "() => { const p = document.querySelector('.js-plotly-plot');"
        " const t = p._fullData.find(d => d.name && d.name.startsWith('−∇f')); return t ? t.x.length : -1; }")


def test_keyboard_slider_move_changes_the_chart(page, server):
    goto(page, server, "landscapes?landscape=himmelblau")
    page.wait_for_selector(".js-plotly-plot")
    before = _arrow_points(page)
    slider = page.locator("[data-testid=stSlider]").filter(has_text="Descent arrows").locator("input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URL(location.href).searchParams.get('arrows') === '16'", timeout=20_000)
    harness.wait_idle(page)
    page.wait_for_function(
        f"() => {{ const p = document.querySelector('.js-plotly-plot');"
        f" const t = p._fullData.find(d => d.name && d.name.startsWith('−∇f')); return t && t.x.length !== {before}; }}",
        timeout=20_000)
    assert _arrow_points(page) > before
    assert harness.exceptions(page) == []


def test_invalid_link_shows_a_warning_and_defaults(page, server):
    goto(page, server, "landscapes?n=5000&landscape=rosenbrock")
    page.wait_for_selector("[data-testid=stAlert]")
    alert = page.locator("[data-testid=stAlert]").first.inner_text()
    assert "n=5000" in alert and "121" in alert
    assert "n=121" in page.url and "landscape=rosenbrock" in page.url


def test_custom_formula_from_link_is_drawn(page, server):
    goto(page, server, "landscapes?landscape=custom%20formula&formula=abs(x)%2By%5E2")
    page.wait_for_selector(".js-plotly-plot")
    assert harness.exceptions(page) == []
    assert "cannot be used" not in page.locator("[data-testid=stSidebar]").inner_text()
    assert page.locator("[data-testid=stSidebar] [data-testid=stTextInputField]").input_value() == "abs(x)+y^2"
    assert "∣x∣+y" in page.locator("[data-testid=stMain] .katex").first.inner_text()   # |x| + y^2 drawn as typed


def test_lecture_and_code_panels_draw_their_content_when_opened(page, server):
    """Closed panels send nothing (a slider move re-renders less); opening one reruns and shows it."""
    goto(page, server, "landscapes?landscape=himmelblau")
    page.wait_for_selector(".js-plotly-plot")
    harness.wait_idle(page)
    lecture = page.locator("[data-testid=stExpander]").filter(has_text="Lecture:")
    assert lecture.get_by_text("Sharp and flat minima").count() == 0
    lecture.locator("summary").click()
    lecture.get_by_text("Sharp and flat minima").first.wait_for(timeout=20_000)
    code = page.locator("[data-testid=stExpander]").filter(has_text="Show the code")
    code.locator("summary").click()
    code.locator("code").first.wait_for(timeout=20_000)
    assert "def landscape_contour" in code.locator("code").first.inner_text()
    assert harness.exceptions(page) == []
