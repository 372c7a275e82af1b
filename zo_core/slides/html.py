"""Deck -> one self-contained HTML file: inline plotly.js, MathML, arrow keys, speaker notes on key n.

The page carries a Content Security Policy that runs only its own two inline scripts (by sha256),
so deck text that somehow reached the page as markup still could not run.
"""

from __future__ import annotations

import base64
import hashlib
import html

from zo_core.slides.deck import Deck, FigureSpec, Slide
from zo_core.slides.layout import build_figures, rows
from zo_core.slides.markup import inline_html, markdown_html

_CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: #fff; color: #111;
  font-family: "DejaVu Sans", Arial, sans-serif; }
.slide { display: none; flex-direction: column; width: 100vw; height: 100vh; padding: 2.5vh 4vw 4vh; }
.slide.active { display: flex; }
.slide h1, .slide h2.title { margin: 0 0 1.5vh; color: #0072B2; }
.slide h1 { font-size: 5vh; } .slide h2.title { font-size: 4.2vh; }
.slide.opener { justify-content: center; } .slide.opener h1 { font-size: 7vh; }
.text { font-size: 2.6vh; line-height: 1.35; flex: 0 1 auto; overflow: auto; }
.text p { margin: 0.6em 0; } .text math[display=block] { margin: 0.5em 0; font-size: 1.15em; }
.figures { display: flex; gap: 2vw; flex: 1 1 0; min-height: 30vh; }
.figure-box { flex: 1 1 0; min-width: 0; display: flex; flex-direction: column; }
.figure { flex: 1 1 0; min-height: 0; }
.figure img { width: 100%; height: 100%; object-fit: contain; object-position: center top; }
.caption { font-size: 2vh; color: #444; text-align: center; margin-top: 0.5vh; }
.figure-error { border: 3px solid #D55E00; background: #fff0e8; color: #8a2b00; padding: 1em;
  font-family: monospace; font-size: 2vh; white-space: pre-wrap; }
.notes { display: none; }
body.show-notes .notes { display: block; font-size: 2vh; background: #ffffe0; padding: 0.5em; }
#counter { position: fixed; right: 1.5vw; bottom: 1vh; font-size: 1.8vh; color: #777; }
"""

_JS = """
const figs = JSON.parse(document.getElementById('zo-figures').textContent);
const slides = Array.from(document.querySelectorAll('section.slide'));
let current = 0;
function draw(slide) {
  slide.querySelectorAll('div.figure[data-fig]').forEach(div => {
    if (div.dataset.drawn) return;
    const f = figs[+div.dataset.fig];
    Plotly.newPlot(div, f.data, f.layout, {responsive: true, displaylogo: false});
    div.dataset.drawn = '1';
  });
}
function release(slide) {
  // 3-D figures hold a WebGL context each and browsers allow only a few: free them on leaving.
  slide.querySelectorAll('div.figure[data-drawn]').forEach(div => {
    if (div._fullLayout && div._fullLayout._has('gl3d')) { Plotly.purge(div); delete div.dataset.drawn; }
  });
}
function show(i) {
  i = Math.max(0, Math.min(slides.length - 1, i));
  if (i !== current) release(slides[current]);
  slides[current].classList.remove('active');
  current = i;
  slides[current].classList.add('active');
  draw(slides[current]);
  document.getElementById('counter').textContent = (current + 1) + ' / ' + slides.length;
  history.replaceState(null, '', '#' + (current + 1));
}
document.addEventListener('keydown', e => {
  if (['ArrowRight', 'ArrowDown', 'PageDown', ' '].includes(e.key)) show(current + 1);
  else if (['ArrowLeft', 'ArrowUp', 'PageUp'].includes(e.key)) show(current - 1);
  else if (e.key === 'Home') show(0);
  else if (e.key === 'End') show(slides.length - 1);
  else if (e.key === 'n') document.body.classList.toggle('show-notes');
  else return;
  e.preventDefault();
});
if (slides.length) show((parseInt(location.hash.slice(1)) || 1) - 1);
"""


def _error_box(spec: FigureSpec) -> str:
    return f'<div class="figure-error" role="alert">{html.escape(spec.where)}: {html.escape(spec.error)}</div>'


def slide_html(slide: Slide, index: int, figure_html) -> str:
    """One <section>; ``figure_html(spec)`` draws a figure (a live Plotly div or a static image)."""
    parts = []
    if slide.title:
        tag = "h1" if slide.level == 1 else 'h2 class="title"'
        parts.append(f"<{tag}>{inline_html(slide.title)}</{tag.split()[0]}>")
    for row in rows(slide):
        if isinstance(row, str):
            parts.append(f'<div class="text">{markdown_html(row)}</div>')
            continue
        boxes = []
        for spec in row:
            caption = f'<div class="caption">{inline_html(spec.caption)}</div>' if spec.caption else ""
            inner = _error_box(spec) if spec.error else figure_html(spec)
            boxes.append(f'<div class="figure-box">{inner}{caption}</div>')
        parts.append('<div class="figures">' + "".join(boxes) + "</div>")
    if slide.notes:
        parts.append(f'<aside class="notes">{markdown_html(slide.notes)}</aside>')
    opener = " opener" if slide.level == 1 and not slide.blocks else ""
    return f'<section class="slide{opener}" id="slide-{index + 1}">' + "\n".join(parts) + "</section>"


def content_security_policy(scripts=()) -> str:
    """A CSP that runs only ``scripts`` (the deck's own inline code, by sha256) and loads nothing remote.

    Styles stay inline (Plotly sets them from its own code); no 'unsafe-inline' for scripts, so a
    script, an event handler or a javascript: link that reached the page anyway does not run.
    """
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
                      for code in scripts) or "'none'"
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data: blob:; "
            "font-src data:; base-uri 'none'; form-action 'none'; object-src 'none'; frame-src 'none'")


def page(title: str, sections: list[str], *, css: str = "", scripts=(), data: str = "") -> str:
    """The HTML document: CSP first in <head>, then the slides, the figure JSON and the deck's ``scripts``."""
    csp = html.escape(content_security_policy(scripts), quote=True)
    tail = "".join(f"<script>{code}</script>" for code in scripts)
    if data:
        tail = f'<script type="application/json" id="zo-figures">{data}</script>' + tail
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style>{css}</head>\n<body>\n"
            + "\n".join(sections) + f"\n{tail}</body></html>\n")


def to_html(deck: Deck) -> str:
    """One self-contained HTML file: inline plotly.js, MathML, arrow keys, notes hidden (key n shows them)."""
    from plotly.offline import get_plotlyjs
    import plotly.io as pio

    built = build_figures(deck)
    specs: list[str] = []

    def live(spec: FigureSpec) -> str:
        fig = built[id(spec)]
        layout = fig.layout.to_plotly_json()
        for size in ("height", "width"):     # the slide's CSS sizes the figure
            layout.pop(size, None)
        specs.append(pio.to_json({"data": fig.to_plotly_json()["data"], "layout": layout | {"autosize": True}},
                                 validate=False))
        return f'<div class="figure" data-fig="{len(specs) - 1}"></div>'

    sections = [slide_html(s, i, live) for i, s in enumerate(deck.slides)]
    # "<" only occurs inside JSON strings, where \u003c means the same: no </script> or <!-- can end the block
    data = ("[" + ",".join(specs) + "]").replace("<", "\\u003c")
    sections.append('<div id="counter"></div>')
    return page(deck.title, sections, scripts=(get_plotlyjs(), _JS), data=data)
