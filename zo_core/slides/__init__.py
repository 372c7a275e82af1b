"""Lecture Markdown and figure decks -> slides as HTML, PDF, Beamer (zip) or PowerPoint.

A lecture file (``lectures/<topic>.md``)::

    ---
    title: Gradient estimators
    page: pages/gradient_estimators.py
    ---
    # Finite differences
    Text with $\\mu$ inline and display math $$g_i = (f(x + \\mu e_i) - f(x)) / \\mu$$
    ::: figure landscape_contour landscape=rosenbrock n=81 caption="The banana valley"
    Note: speaker notes run from here to the end of the slide.
    ---
    ## Next slide

* slides are separated by a line holding only ``---`` (the optional front matter at the very top
  holds ``title:`` and ``page:``);
* the first ``#`` or ``##`` heading of a slide is its title; a line starting with ``Note:`` begins
  the speaker notes;
* ``::: figure NAME key=value ...`` draws the named ``zo_core.viz`` figure; each value is converted
  to the type of the figure's default (numbers, ``true``/``false``, bare or double-quoted strings);
  the extra key ``caption`` is shown under the figure.

A deck (JSON, what the Slides page saves) is a list of items, each either
``{"figure": NAME, "params": {...}, "caption": "..."}`` or ``{"markdown": "## A slide ..."}``.

A bad directive (unknown figure, unknown parameter, a value of the wrong type, a builder that
fails) never stops an export: that slide shows a red error box and :attr:`Deck.problems` lists
``file:line: message`` for each. Static formats (PDF, Beamer, PPTX) draw the figures in ONE
headless Chromium per process (:func:`shared`, started on first use and reused by every export),
in one page that loads plotly.js once; images are cached on disk by content hash (``images``),
and figures built once in a process are reused by every later export (``layout``).

CLI: ``python -m zo_core.slides LECTURE.md|DECK.json --format html|pdf|beamer|pptx -o DIR``.

The package, one job a module: ``deck`` (model, parsers, bounds), ``markup`` (Markdown and math ->
safe HTML/MathML, the allow-lists, the sanitiser), ``layout`` (figures built once; the one layout model:
a title slide, then each slide planned as boxes), ``linear`` (math as linear Unicode, for PowerPoint),
``formulas`` (display formulas as PNG pictures, for PowerPoint), ``thumbs`` (deck thumbnails, cached on disk),
``html``, ``browser`` (the Chromium driver and the shared browser), ``images`` (figure images, cached), ``pdf``, ``beamer``, ``pptx`` and ``__main__`` (the CLI).
Every exporter escapes deck text for its format by construction; see ``markup``.
"""

from __future__ import annotations

from zo_core.slides.beamer import inline_tex, markdown_tex, math_tex, tex_escape, to_beamer
from zo_core.slides.browser import INSTALL_CHROMIUM, Chromium, ChromiumMissing, chromium_path, close_shared, shared, warm_up
from zo_core.slides.deck import (EXPORT_SECONDS, MAX_BYTES, MAX_DEPTH, MAX_DIGITS, MAX_FIGURES, MAX_ITEMS,
                                 MAX_SLIDES, Deck, FigureSpec, Slide, deck_items, figure_spec, item_label, load,
                                 parse_directive, parse_items, parse_json, parse_markdown, read_json)
from zo_core.slides.html import content_security_policy, to_html
from zo_core.slides.layout import IMAGE_HEIGHT, IMAGE_WIDTH, Box, Plan, build_figures, image_px, pages, plan, rows
from zo_core.slides.linear import linear_math
from zo_core.slides.markup import (MATH_COMMANDS, MATH_ENVIRONMENTS, inline_html, markdown_html, math_problem,
                                   mathml, protect_math, safe_url, sanitise)
from zo_core.slides.pdf import to_pdf
from zo_core.slides.pptx import plain_math, plain_text, to_pptx
from zo_core.slides.thumbs import THUMB_H, THUMB_W, thumbnail_key, thumbnails

__all__ = ["inline_tex", "markdown_tex", "math_tex", "tex_escape", "to_beamer", "INSTALL_CHROMIUM",
           "Chromium", "ChromiumMissing", "chromium_path", "close_shared", "shared", "warm_up", "EXPORT_SECONDS", "MAX_BYTES", "MAX_DEPTH",
           "MAX_DIGITS", "MAX_FIGURES", "MAX_ITEMS", "MAX_SLIDES", "Deck", "FigureSpec", "Slide",
           "deck_items", "figure_spec", "item_label", "load", "parse_directive", "parse_items", "parse_json",
           "parse_markdown", "read_json", "content_security_policy", "to_html", "IMAGE_HEIGHT", "IMAGE_WIDTH",
           "build_figures", "rows", "Box", "Plan", "image_px", "pages", "plan", "linear_math", "MATH_COMMANDS", "MATH_ENVIRONMENTS", "inline_html", "markdown_html",
           "math_problem", "mathml", "protect_math", "safe_url", "sanitise", "to_pdf", "plain_math",
           "plain_text", "to_pptx", "THUMB_H", "THUMB_W", "thumbnail_key", "thumbnails", "FORMATS", "export", "filename", "main"]

FORMATS = {"html": ".html", "pdf": ".pdf", "beamer": ".zip", "pptx": ".pptx"}


def export(deck: Deck, fmt: str, *, browser: Chromium | None = None) -> bytes:
    """The deck in ``fmt`` ("html", "pdf", "beamer" or "pptx") as bytes."""
    if fmt == "html":
        return to_html(deck).encode("utf-8")
    renders = {"pdf": to_pdf, "beamer": to_beamer, "pptx": to_pptx}
    if fmt not in renders:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renders[fmt](deck, browser=browser)


def filename(deck: Deck, fmt: str) -> str:
    return deck.stem + FORMATS[fmt]


def main(argv: list[str] | None = None) -> int:
    """The CLI (``python -m zo_core.slides``); imported on call so ``-m`` runs ``__main__`` only once."""
    from zo_core.slides.__main__ import main as cli
    return cli(argv)
