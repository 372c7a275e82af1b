"""Exported HTML decks opened in real Chromium: planted scripts in every text position never run.

Each payload would set ``window.__pwned``; the test shows every slide (notes on), hovers every
element, clicks every link and then reads the flag. A control page proves the flag would be seen,
and a planted raw ``<script>`` proves the Content Security Policy itself blocks script (not only the
escaping), while the deck's own plotly.js still draws its figures.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from devtools import browser as harness
from tests.security import hostile
from zo_core import slides

if harness.chromium_path() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("Chromium is required in CI (apt-get install chromium)")
    pytest.skip("Chromium not installed", allow_module_level=True)

PROBE = r"""async () => {
  const slides = Array.from(document.querySelectorAll('section.slide'));
  document.body.classList.add('show-notes');
  for (let i = 0; i < slides.length; i++) {
    document.dispatchEvent(new KeyboardEvent('keydown', {key: i ? 'ArrowRight' : 'Home'}));
    await new Promise(r => setTimeout(r, 30));
    for (const el of slides[i].querySelectorAll('*')) {
      for (const type of ['mouseover', 'mouseenter', 'focus', 'click'])
        el.dispatchEvent(new Event(type, {bubbles: true}));
    }
    // follow every link that is not plain navigation (a javascript: or data: link would run here)
    for (const a of slides[i].querySelectorAll('a[href]'))
      if (!/^(https?:|#|\/)/.test(a.getAttribute('href'))) a.click();
  }
  await new Promise(r => setTimeout(r, 300));
  return {pwned: window.__pwned === undefined ? null : window.__pwned, title: document.title,
          csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
          slides: slides.length, plots: document.querySelectorAll('div.figure .main-svg').length,
          links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
          handlers: Array.from(document.querySelectorAll('*')).flatMap(
              el => Array.from(el.attributes).filter(a => /^on/i.test(a.name)).map(a => a.name)),
          foreign: Array.from(document.querySelectorAll('section script, section iframe, section svg:not(.main-svg):not(.main-svg *), section img, section style, section object, section embed'))
                   .filter(el => !el.closest('div.figure')).map(el => el.tagName)};
}"""


def _run_in_chromium(pages: dict[str, Path]) -> dict[str, dict]:
    """Open each file in its own context (only file: URLs load) and return what PROBE saw.

    Runs Playwright in a thread of its own, so it never meets another test's Playwright loop.
    """
    results: dict[str, dict] = {}
    failure: list[BaseException] = []

    def work():
        from playwright.sync_api import sync_playwright
        try:
            with sync_playwright() as p:
                browser = harness.launch(p)
                for name, path in pages.items():
                    context = browser.new_context(viewport={"width": 1280, "height": 720})
                    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
                    page = context.new_page()
                    errors: list[str] = []
                    page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                    page.on("dialog", lambda d: (results.setdefault("_dialogs", []).append(d.message), d.dismiss()))
                    page.goto(path.as_uri())
                    page.wait_for_timeout(500)
                    at_load = list(errors)      # the probe's synthetic events may upset Plotly: not the deck's fault
                    seen = page.evaluate(PROBE)
                    seen["errors"] = at_load
                    results[name] = seen
                    context.close()
                browser.close()
        except BaseException as err:  # re-raised in the test's thread
            failure.append(err)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=240)
    if failure:
        raise failure[0]
    assert not thread.is_alive(), "Chromium did not finish within 240 s"
    return results


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    pages = {}
    deck = slides.parse_json(hostile.html_deck(), source="hostile.json")
    pages["deck"] = tmp / "deck.html"
    pages["deck"].write_text(slides.to_html(deck), encoding="utf-8")
    pages["lecture"] = tmp / "lecture.html"
    pages["lecture"].write_text(slides.to_html(slides.parse_markdown(hostile.lecture_markdown())), encoding="utf-8")
    # CSP alone: a raw script planted after export (as if the escaping had a hole) must not run either.
    legit = slides.to_html(slides.parse_markdown("## Legit\n\n::: figure landscape_contour n=21\n"))
    pages["planted"] = tmp / "planted.html"
    pages["planted"].write_text(legit.replace('<section class="slide"', '<script>window.__pwned=100</script>'
                                              '<img src=x onerror="window.__pwned=101"><section class="slide"', 1),
                                encoding="utf-8")
    # control: the same planted script without our page around it does run, so the flag is observable
    pages["control"] = tmp / "control.html"
    pages["control"].write_text('<section class="slide"><img src=x onerror="window.__pwned=7"></section>',
                                encoding="utf-8")
    return _run_in_chromium(pages)


def test_control_page_sets_the_flag(seen):
    assert seen["control"]["pwned"] == 7


@pytest.mark.parametrize("name", ["deck", "lecture"])
def test_no_planted_script_runs(seen, name):
    page = seen[name]
    assert page["pwned"] is None, f"a planted script ran: payload {page['pwned']}"
    assert not seen.get("_dialogs")
    assert page["handlers"] == []
    assert page["foreign"] == [], page["foreign"]
    assert all(re.match(r"^(https?:|#|/)", h) for h in page["links"]), page["links"]
    assert "<script>window.__pwned=" in page["title"]      # the deck title, shown as text
    assert page["slides"] >= len(hostile.HTML_PAYLOADS)


@pytest.mark.parametrize("name", ["deck", "lecture", "planted"])
def test_csp_present_and_deck_script_still_draws(seen, name):
    page = seen[name]
    csp = page["csp"]
    assert csp and "script-src 'sha256-" in csp and "unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "default-src 'none'" in csp
    assert page["plots"] >= 1, "the deck's own plotly.js did not draw: the CSP broke the deck"
    assert page["errors"] == [], page["errors"]


def test_csp_blocks_a_script_that_got_through(seen):
    assert seen["planted"]["pwned"] is None


def test_pdf_printing_runs_no_deck_script(tmp_path):
    """The server's Chromium prints deck HTML with JavaScript off: a planted script cannot rewrite the page."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext not installed")
    page = slides.html.page("t", ['<section class="slide active"><p>visible text</p></section>'])
    planted = page.replace("<p>", "<script>document.body.innerHTML='PWNED'</script><p>", 1)
    with slides.Chromium() as browser:
        pdf = browser.print_pdf(planted)
    (tmp_path / "p.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True,
                          timeout=60).stdout
    assert "visible text" in text and "PWNED" not in text
