"""In real Chromium: the sidebar's share box (link = the address bar, QR code, Reset) and tabs in the URL."""

from urllib.parse import parse_qsl, urlsplit

from devtools.browser import opened, wait_idle

LINK = "() => { const c = document.querySelector('.st-key-share_link code'); return c ? c.innerText.trim() : null; }"


def _parts(url: str):
    u = urlsplit(url)
    return u.path.rstrip("/"), dict(parse_qsl(u.query))


def test_link_qr_and_reset(server, browser):
    with opened(browser, f"{server.url}/landscapes?n=101&arrows=9&seed=3") as page:
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


def test_selected_tab_is_in_the_url(server, browser):
    with opened(browser, f"{server.url}/estimator_variance?ev_tab=vs+q", ready="[role=tab]") as page:
        assert page.get_by_role("tab", selected=True).inner_text().strip() == "vs q"
        page.get_by_role("tab", name="cosine").click()
        page.wait_for_function("() => new URL(location.href).searchParams.get('ev_tab') === 'cosine'",
                               timeout=30_000)
        wait_idle(page)
        assert page.get_by_role("tab", selected=True).inner_text().strip() == "cosine"
