"""In real Chromium: the sidebar's share box (link = the address bar, QR code, Reset) and tabs in the URL."""

from urllib.parse import parse_qsl, urlsplit

from devtools.browser import exceptions, wait_idle

LINK = "() => { const c = document.querySelector('.st-key-share_link code'); return c ? c.innerText.trim() : null; }"


def _parts(url: str):
    u = urlsplit(url)
    return u.path.rstrip("/"), dict(parse_qsl(u.query))


def test_link_qr_and_reset(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/landscapes?n=101&arrows=9&seed=3", timeout=60_000)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
        wait_idle(page)
        assert not exceptions(page)
        page.wait_for_function(f"() => ({LINK})() !== null", timeout=30_000)
        link = page.evaluate(LINK)
        assert _parts(link) == _parts(page.url), (link, page.url)
        assert _parts(link)[1]["n"] == "101" and _parts(link)[1]["seed"] == "3"

        page.get_by_role("button", name="QR code").click()
        page.locator("img[data-testid=share-qr]").wait_for(timeout=10_000)
        page.keyboard.press("Escape")

        page.get_by_role("button", name="Reset this page").click()
        page.wait_for_function("() => new URL(location.href).searchParams.get('n') === '121'", timeout=30_000)
        wait_idle(page)
        params = dict(parse_qsl(urlsplit(page.url).query))
        assert params["arrows"] == "15" and params["seed"] == "3"      # page back to defaults, seed kept
        assert _parts(page.evaluate(LINK)) == _parts(page.url)
    finally:
        context.close()


def test_selected_tab_is_in_the_url(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/estimator_variance?ev_tab=vs+q", timeout=60_000)
        page.wait_for_selector("[role=tab]", timeout=90_000)
        wait_idle(page)
        assert not exceptions(page)
        assert page.get_by_role("tab", selected=True).inner_text().strip() == "vs q"
        page.get_by_role("tab", name="cosine").click()
        page.wait_for_function("() => new URL(location.href).searchParams.get('ev_tab') === 'cosine'",
                               timeout=30_000)
        wait_idle(page)
        assert page.get_by_role("tab", selected=True).inner_text().strip() == "cosine"
    finally:
        context.close()
