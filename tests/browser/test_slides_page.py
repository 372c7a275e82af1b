"""The deck path in a real browser: Add to deck on Landscapes -> Slides page -> download the HTML export."""

import json
import os
import re

import pytest

from devtools.browser import Server, chromium_path, exceptions, wait_idle
from zo_core import landscapes, viz

if chromium_path() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("Chromium is required in CI (apt-get install chromium)")
    pytest.skip("Chromium not installed", allow_module_level=True)


def _landscapes_page(page, base_url: str) -> None:
    """Open the app at its root and go to Landscapes through the navigation (the deck lives in this
    browser session). The server is fresh, so this also checks the first-request pages/ quirk."""
    page.goto(base_url + "/")
    wait_idle(page)
    page.get_by_role("link", name="Landscapes").first.click()
    wait_idle(page)
    page.wait_for_selector(".st-key-fig_landscape_contour_deck button, [data-testid=stException]",
                           timeout=30_000)
    assert not exceptions(page), page.inner_text("body")[:1500]


def test_add_to_deck_then_download_html(tmp_path, browser):
    with Server() as server:
        page = browser.new_page(accept_downloads=True, viewport={"width": 1400, "height": 1000})
        sent: list[bytes] = []          # what the browser sends the server (Streamlit's BackMsgs)
        page.on("websocket", lambda ws: ws.on(
            "framesent", lambda frame: sent.append(frame if isinstance(frame, bytes) else frame.encode())))
        try:
            _landscapes_page(page, server.url)
            page.locator(".st-key-fig_landscape_contour_deck button").first.click()
            wait_idle(page)
            page.get_by_text("Added to the deck").first.wait_for(timeout=30_000)      # the toast
            page.get_by_role("link", name="Slides").first.click()
            page.get_by_text("Save and export").wait_for(timeout=30_000)
            wait_idle(page)
            body = page.inner_text("body")
            assert "Deck (1 item)" in body and "Landscape contour" in body
            before = len(sent)
            with page.expect_download(timeout=60_000) as info:
                page.locator(".st-key-sl_export_html button").first.click()
            # the click asked for the export only: a rerun (the button's trigger, which names its key)
            # would let any session's next run end drop the export before it is generated
            assert not [f for f in sent[before:] if b"sl_export_html" in f]
            assert page.locator("[data-testid=stDownloadButtonError]").count() == 0
            path = tmp_path / "deck.html"
            info.value.save_as(path)
            text = path.read_text(encoding="utf-8")
            # the label names the parameters away from the figure's defaults ("landscape = himmelblau")
            shown = re.search(r"landscape = (\w+)", body)
            landscape = shown.group(1) if shown else viz.parameters("landscape_contour")["landscape"]
            assert "Plotly.newPlot" in text and 'role="alert"' not in text
            assert landscapes.get(landscape).title in text        # the figure the page showed
            assert not exceptions(page)

            # a hostile deck: its labels and file name show as text, with no live link or remote image
            hostile = tmp_path / "[pwn](https:evil.example).json"
            hostile.write_text(json.dumps([{"markdown": "## [Log in](https://evil.example/) ![i](https://evil.example/i.png)"},
                                           {"figure": "nope", "caption": "[c](https://evil.example/c)"}]))
            page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(hostile))
            page.get_by_text("Deck (2 items)").wait_for(timeout=30_000)
            wait_idle(page)
            main = page.locator("[data-testid=stMain]")
            assert main.locator("a[href*='evil.example'], img[src*='evil.example']").count() == 0
            assert "[Log in](https://evil.example/)" in main.inner_text()
            assert not exceptions(page)
        finally:
            page.close()
