"""Decks in a real browser: stored under ?deck=<id>, they survive a reload, another browser and a server
restart; the exported HTML has a presenter window (notes, next slide), an overview and hidden notes."""

import os
import re
from pathlib import Path

import pytest

from devtools.browser import ROOT, Server, chromium_path, exceptions, wait_idle
from zo_core import slides

if chromium_path() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("Chromium is required in CI (apt-get install chromium)")
    pytest.skip("Chromium not installed", allow_module_level=True)

ARTIFACTS = ROOT / "artifacts" / "decks"


def _labels(page) -> list[str]:
    """The deck list's rows as the page shows them ('1. Slide: ...')."""
    texts = page.locator("[data-testid=stMain] [data-testid=stText]").all_inner_texts()
    return [t for t in texts if re.match(r"\d+\. ", t)]


def _open(page, url: str) -> list[str]:
    page.goto(url)
    wait_idle(page)
    page.get_by_text("Save and export").wait_for(timeout=60_000)
    assert not exceptions(page), page.inner_text("body")[:1500]
    return _labels(page)


def test_deck_survives_reload_another_browser_and_a_server_restart(tmp_path, browser):
    env = {"ZOLAB_DB_PATH": str(tmp_path / "zolab.db"), "ZOLAB_THUMBS": "off"}     # thumbnails: tested below
    server = Server(env=env).start()
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        assert _open(page, server.url + "/slides") == []
        page.get_by_role("button", name="New deck from this lecture").click()
        page.get_by_text(re.compile(r"Deck \([1-9]\d* items\)")).wait_for(timeout=60_000)
        wait_idle(page)
        before = _labels(page)
        assert len(before) > 3
        page.locator("div[class*='st-key-sl_remove_'] button").first.click()     # remove the first item
        page.get_by_text(f"Deck ({len(before) - 1} items)").wait_for(timeout=60_000)
        wait_idle(page)
        edited = _labels(page)
        assert [re.sub(r"^\d+\. ", "", t) for t in edited] == [re.sub(r"^\d+\. ", "", t) for t in before[1:]]
        deck_id = re.search(r"[?&]deck=([\w-]+)", page.url).group(1)
        link = f"{server.url}/slides?deck={deck_id}"

        page.reload()
        wait_idle(page)
        page.get_by_text("Save and export").wait_for(timeout=60_000)
        assert _labels(page) == edited, "a reload lost the deck"
        other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()  # another browser
        assert _open(other, link) == edited
        other.context.close()
    finally:
        server.stop()
    again = Server(env=env).start()            # a new server process on the same database
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        assert _open(page, f"{again.url}/slides?deck={deck_id}") == edited, "the restart lost the deck"
        assert f"deck={deck_id}" in page.url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "slides-page-after-restart.png"), full_page=True)
    finally:
        again.stop()


NOTES = "Ask the room what happens as mu shrinks"


@pytest.fixture(scope="module")
def html_deck(tmp_path_factory) -> Path:
    items = [{"figure": "landscape_contour", "params": {"landscape": "himmelblau", "n": 61},
              "caption": "Four minima of equal depth.", "title": "Himmelblau's four minima"},
             {"markdown": f"## Smoothing\n\n$f_\\mu(x) = \\mathbb{{E}} f(x + \\mu u)$\n\nNote: {NOTES}."},
             {"markdown": "## References\n\n- Nesterov and Spokoiny (2017)"}]
    deck = slides.parse_items({"title": "Presenter test", "items": items})
    path = tmp_path_factory.mktemp("html") / "deck.html"
    path.write_text(slides.to_html(deck), encoding="utf-8")
    return path


def test_html_presenter_window_overview_and_hidden_notes(html_deck, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "about:")) else r.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(html_deck.as_uri() + "#3")        # slide 3 = "Smoothing" (1 is the title slide)
    page.wait_for_timeout(300)
    data = page.evaluate("document.getElementById('zo-figures').textContent.length")
    print(f"\nHTML deck figure data: {data / 1e3:.0f} kB for 1 figure (python -m bench.slides: 13 figures)")
    assert 0 < data < 200_000
    active = page.locator("section.slide.active")
    assert "Smoothing" in active.inner_text() and NOTES not in active.inner_text()    # notes never projected
    assert not page.locator("aside.notes").first.is_visible()
    with context.expect_page(timeout=10_000) as popup_info:
        page.keyboard.press("p")
    presenter = popup_info.value
    presenter.wait_for_selector("#zo-notes", timeout=10_000)
    assert NOTES in presenter.inner_text("#zo-notes")
    assert "References" in presenter.inner_text("#zo-next")
    assert "Slide 3 / 4" in presenter.inner_text("#zo-now")
    page.keyboard.press("ArrowLeft")                         # the presenter follows the main window
    presenter.wait_for_function("() => document.getElementById('zo-now').textContent.includes('Slide 2')")
    assert "Smoothing" in presenter.inner_text("#zo-next")
    presenter.keyboard.press("ArrowRight")                   # ... and drives it
    page.wait_for_function("() => location.hash === '#3'")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    presenter.screenshot(path=str(ARTIFACTS / "html-presenter.png"))

    page.keyboard.press("o")
    assert page.locator("#overview").is_visible()
    titles = page.locator("#overview button").all_inner_texts()
    assert len(titles) == 4 and "Himmelblau's four minima" in titles[1]
    page.screenshot(path=str(ARTIFACTS / "html-overview.png"))
    page.locator("#overview button").nth(1).click()
    assert not page.locator("#overview").is_visible()
    page.wait_for_selector("section.slide.active div.figure .main-svg", timeout=20_000)
    assert "Four minima" in page.locator("section.slide.active .caption").inner_text()
    page.screenshot(path=str(ARTIFACTS / "html-figure-slide.png"))
    page.locator("section.slide.active h2").click()          # a click on the slide moves on
    page.wait_for_function("() => location.hash === '#3'")
    assert errors == [], errors
    context.close()


def test_slides_page_shows_a_thumbnail_for_a_figure_and_a_label_for_text(tmp_path, browser):
    from ui.store import Store
    db, thumbs = tmp_path / "zolab.db", tmp_path / "thumbs"
    items = [{"figure": "landscape_contour", "params": {"landscape": "himmelblau", "n": 41}, "caption": "",
              "title": "Himmelblau"},
             {"markdown": "## Smoothing\n\nThe smoothed function averages f over a ball."}]
    store = Store(db)
    deck_id = store.save_deck(items)
    store.close()
    server = Server(env={"ZOLAB_DB_PATH": str(db), "ZOLAB_THUMBS_DIR": str(thumbs)}).start()
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        labels = _open(page, f"{server.url}/slides?deck={deck_id}")
        assert labels[1] == "2. Slide: Smoothing — The smoothed function averages f over a ball."
        main = page.locator("[data-testid=stMain]")
        img = main.locator("[data-testid=stImage] img, [data-testid=stImageContainer] img").first
        img.wait_for(timeout=60_000)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        natural = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert natural == [slides.THUMB_W, slides.THUMB_H]
        assert main.locator("[data-testid=stImage] img, [data-testid=stImageContainer] img").count() == 1
        assert len(list(thumbs.glob("*.png"))) == 1          # cached: a rerun draws nothing
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "slides-page-thumbnails.png"), full_page=True)
    finally:
        server.stop()
