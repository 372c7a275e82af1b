"""Display formulas -> PNG pictures (for PowerPoint): the HTML export's MathML, drawn by the same Chromium.

Each allowed formula (:func:`zo_core.slides.markup.math_problem`) is converted to sanitised MathML
(:func:`zo_core.slides.markup.mathml`), set in Latin Modern Math at :data:`FORMULA_PT` points and
screenshot on a transparent background at :data:`SCALE` device pixels per CSS pixel (~290 dpi at
that size: twice what a 1920-px projector shows of a 13.3-in slide). A formula latex2mathml cannot
read gets no picture (``None``): PowerPoint then shows it as linear Unicode math.
"""

from __future__ import annotations

from dataclasses import dataclass

from zo_core.slides.markup import math_problem, mathml

FORMULA_PT = 20           # the size formulas are drawn at; a slide scales the picture to its text size
SCALE = 3                 # device px per CSS px
CSS_PX_PER_IN = 96
_PAGE = ('<!doctype html><html><head><meta charset="utf-8">'
         '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
         "<style>body { margin: 0; } .f { display: inline-block; padding: 0.12em 0.15em; color: #111; "
         "font-size: {px}px; } math { font-family: 'Latin Modern Math', 'DejaVu Math TeX Gyre', math; "
         "margin: 0 !important; }</style></head><body>{body}</body></html>")


@dataclass(frozen=True)
class FormulaImage:
    """A formula's PNG and its size in inches when set at :data:`FORMULA_PT` points."""
    png: bytes
    width_in: float
    height_in: float


def drawable(latex: str) -> str | None:
    """The formula's sanitised MathML when it can be drawn as a picture, else None (refused or unreadable)."""
    if math_problem(latex):
        return None
    markup = mathml(latex, display=True)
    return None if 'class="math-error"' in markup else markup


def render_formulas(formulas: list[str], browser) -> dict[str, FormulaImage | None]:
    """``{latex: picture}`` for each distinct display formula; None where it must stay text."""
    distinct = list(dict.fromkeys(formulas))
    markups = {latex: drawable(latex) for latex in distinct}
    todo = [latex for latex in distinct if markups[latex] is not None]
    out: dict[str, FormulaImage | None] = {latex: None for latex in distinct}
    if not todo:
        return out
    body = "".join(f'<div class="f" id="e{k}">{markups[latex]}</div><br>' for k, latex in enumerate(todo))
    page_html = _PAGE.replace("{px}", f"{FORMULA_PT * CSS_PX_PER_IN / 72:.3f}").replace("{body}", body)
    for latex, (png, w, h) in zip(todo, browser.element_pngs(page_html, len(todo), SCALE)):
        if w > 0 and h > 0:
            out[latex] = FormulaImage(png, w / CSS_PX_PER_IN, h / CSS_PX_PER_IN)
    return out
