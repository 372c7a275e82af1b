"""Deck -> PDF: one slide a page (16:9), figures as vector SVG (:mod:`zo_core.slides.images`), printed by the same Chromium.

The printed page runs no script: its CSP allows none and the tab has JavaScript switched off.
"""

from __future__ import annotations

import base64
from html import escape

from zo_core.slides import images
from zo_core.slides.browser import Chromium, with_browser
from zo_core.slides.deck import Deck, FigureSpec
from zo_core.slides.html import page, slide_html
from zo_core.slides.layout import pages

_PRINT_CSS = """<style>
@page { size: 13.333in 7.5in; margin: 0; }
.slide { display: flex !important; width: 13.333in; height: 7.5in; overflow: hidden;
  page-break-after: always; break-after: page; padding: 0.3in 0.5in 0.35in; }
.slide:last-of-type { page-break-after: auto; break-after: auto; }
.text { font-size: 20px; overflow: hidden; } .slide h1 { font-size: 40px; } .slide h2.title { font-size: 30px; }
.slide.opener h1 { font-size: 56px; } .slide.opener .text { font-size: 24px; }
.caption { font-size: 14pt; } .figure-error { font-size: 15px; }
.figures { min-height: 2.5in; } .body, .figcol { gap: 0.25in; } .body.two { gap: 0.25in; }
.slide h1, .slide h2.title { margin-bottom: 0.15in; }
</style>"""


def to_pdf(deck: Deck, *, browser: Chromium | None = None) -> bytes:
    """One slide a page (16:9), figures as vector SVG, printed by the same (by default the shared) Chromium."""
    return with_browser(_render_pdf, deck, browser, always=True)


def _render_pdf(deck: Deck, browser: Chromium) -> bytes:
    svgs = images.draw_deck(deck, "svg", 1, browser)     # sized to the plan's box: labels print at slide size

    def svg(spec: FigureSpec) -> str:
        return f'<div class="figure"><img alt="{escape(spec.name)}" ' \
               f'src="data:image/svg+xml;base64,{base64.b64encode(svgs[id(spec)]).decode()}"></div>'

    sections = [slide_html(s, i, svg) for i, s in enumerate(pages(deck))]
    return browser.print_pdf(page(deck.title, sections, css=_PRINT_CSS))    # no scripts: CSP runs none
