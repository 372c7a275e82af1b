"""In real Chromium: Markdown and HTML in link values show as text in the app's warning, with no live
link, image, math or directive in the page (tests/security/test_chrome_text.py checks the bodies)."""

from urllib.parse import urlencode

from devtools import browser as harness

LINK = "[Log in](https://example.com)"
IMAGE = "![x](https://example.com/x.png)"
HTML = "<img src=x onerror=alert(1)>"
MATH = r"$\href{https://example.com}{click}$"
DIRECTIVE = ":red[alarm] www.example.com"


def _dom(page) -> dict:
    return page.evaluate("""() => ({
        links: [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.includes('example.com')),
        images: [...document.querySelectorAll('img')].map(i => i.getAttribute('src') || '')
                 .filter(s => s === 'x' || s.includes('example.com')),
        math: document.querySelectorAll('[data-testid=stAlert] .katex').length,
        alerts: [...document.querySelectorAll('[data-testid=stAlert]')].map(a => a.innerText).join('\\n'),
    })""")


def test_markdown_in_link_values_is_shown_as_text(page, server):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path, params in [("", {"seed": LINK, "landscape": HTML}),
                         ("landscapes", {"n": IMAGE, "view": LINK, "log": DIRECTIVE, "arrows": MATH})]:
        page.goto(f"{server.url}/{path}?{urlencode(params)}")
        harness.wait_idle(page)
        page.wait_for_selector("[data-testid=stAlert]", timeout=60_000)
        harness.wait_idle(page)
        dom = _dom(page)
        assert dom["links"] == [] and dom["images"] == [] and dom["math"] == 0, dom
        for value in params.values():
            # shown as typed: ':red[alarm]' would read 'alarm' had the directive been rendered
            assert value[:40] in dom["alerts"], (value, dom["alerts"])
    assert dialogs == [] and page.js_errors == []
