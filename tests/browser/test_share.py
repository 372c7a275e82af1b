"""In real Chromium: the sidebar's share box (link = the address bar, QR code, Reset) and tabs in the URL."""

from urllib.parse import parse_qsl, urlsplit

from devtools.browser import opened, wait_idle

# the share box's link as shown (ui.copylink); Streamlit keeps a replaced component's old element, hidden
LINK = ("() => { const c = [...document.querySelectorAll('.st-key-share_link .zo-link code')]"
        ".find((e) => e.offsetParent !== null); return c ? c.innerText.trim() : null; }")


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


# Every message the server sends on the app's websocket, kept as bytes (ui.partial's test reads them).
RECORD_WS = """(() => {
  const W = window.WebSocket; window.__wsIn = [];
  window.WebSocket = function (...args) {
    const ws = new W(...args);
    ws.addEventListener('message', (e) => {
      if (e.data instanceof ArrayBuffer) window.__wsIn.push(new Uint8Array(e.data));
    });
    return ws;
  };
  window.WebSocket.prototype = W.prototype;
  Object.assign(window.WebSocket, W);
})();"""
SENT_TEXT = """(text) => { const t = new TextEncoder().encode(text);
  return window.__wsIn.some(m => { outer: for (let i = 0; i + t.length <= m.length; i++) {
    for (let j = 0; j < t.length; j++) if (m[i + j] !== t[j]) continue outer; return true; } return false; }); }"""


def test_a_part_rerunning_alone_keeps_the_link_current_and_sends_only_the_part(server, browser):
    """Landscapes' controls and chart rerun alone (ui.partial): a move there sends no element from
    outside the part (the table of minima), and the share link still follows the move."""
    with opened(browser, f"{server.url}/landscapes?landscape=himmelblau&arrows=9", init_script=RECORD_WS) as page:
        page.wait_for_function(f"() => ({LINK})() !== null", timeout=30_000)
        assert page.evaluate(SENT_TEXT, "Known minima")            # the full run sent it
        page.evaluate("() => { window.__wsIn = []; }")
        slider = page.locator("[data-testid=stSlider]").filter(has_text="Descent arrows").locator("input[type=range]")
        slider.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("() => new URL(location.href).searchParams.get('arrows') === '12'", timeout=30_000)
        wait_idle(page)
        page.wait_for_function(f"() => new URL(({LINK})()).searchParams.get('arrows') === '12'", timeout=10_000)
        assert _parts(page.evaluate(LINK)) == _parts(page.url)
        assert page.locator(".st-key-share_link .zo-link code:visible").count() == 1        # one link, not two
        assert page.evaluate(SENT_TEXT, "Descent arrows per axis")   # the part itself was sent again...
        assert not page.evaluate(SENT_TEXT, "Known minima")          # ...and nothing from outside it
        assert page.locator("[data-testid=stException]").count() == 0


def test_copy_puts_the_link_on_the_clipboard_over_https_and_plain_http(server, browser):
    """The share box's Copy button (ui.copylink): the Clipboard API where the page is a secure context,
    the selection's copy command where it is not (a class server on the LAN over http, simulated)."""
    plain_http = "Object.defineProperty(window, 'isSecureContext', {get: () => false});"
    for init in (None, plain_http):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        if init:
            context.add_init_script(init)
        try:
            page = context.new_page()
            page.goto(f"{server.url}/landscapes?arrows=9&seed=3", timeout=60_000)
            page.wait_for_function(f"() => ({LINK})() !== null", timeout=60_000)
            wait_idle(page)
            page.evaluate("() => navigator.clipboard.writeText('nothing yet')")
            button = page.locator(".st-key-share_link .zo-link button:visible")
            button.click()
            page.wait_for_function("() => [...document.querySelectorAll('.st-key-share_link .zo-link button')]"
                                   ".some((b) => b.textContent === 'Copied')", timeout=5_000)
            copied = page.evaluate("() => navigator.clipboard.readText()")
            assert copied == page.evaluate(LINK) and _parts(copied) == _parts(page.url), (init, copied)
        finally:
            context.close()


def test_a_first_visit_loads_no_syntax_highlighter(server, browser):
    """The share link is on every page; shown by st.code, it made the browser load and run Streamlit's
    syntax highlighter (~0.2 s of the tab's main thread) before the first chart of every first visit."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    loaded = []
    context.on("request", lambda request: loaded.append(request.url))
    try:
        page = context.new_page()
        page.goto(f"{server.url}/landscapes", timeout=60_000)
        page.wait_for_function(f"() => ({LINK})() !== null", timeout=60_000)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        wait_idle(page)
        assert any("BidiComponent" in url for url in loaded)               # the request log works
        assert not [url for url in loaded if "SyntaxHighlighter" in url]
    finally:
        context.close()
