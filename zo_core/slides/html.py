"""Deck -> one self-contained HTML file: plotly.js once, compact figure data, MathML, a presenter view.

Keys: ←/→/space/PageUp/PageDown/Home/End move (click or tap: right side forward, left quarter back;
a swipe moves too); ``p`` opens the presenter window (this slide's notes, the next slide, a clock),
``f`` fullscreen, ``o`` an overview of every slide's title (click one to jump). Speaker notes are
never shown on the projected slide.

The page carries a Content Security Policy that runs only its own two inline scripts (by sha256),
so deck text that somehow reached the page as markup still could not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math

import numpy as np

from zo_core.slides.deck import Deck, FigureSpec, Slide
from zo_core.slides.layout import build_figures, pages, plan, rows
from zo_core.slides.markup import inline_html, markdown_html

_CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: #fff; color: #111;
  font-family: "DejaVu Sans", Arial, sans-serif; }
.slide { display: none; flex-direction: column; width: 100vw; height: 100vh; padding: 3vh 3.75vw 4.7vh; }
.slide.active { display: flex; }
.slide h1, .slide h2.title { margin: 0 0 2vh; color: #0072B2; line-height: 1.15; }
.slide h1 { font-size: 5.5vh; } .slide h2.title { font-size: 4.4vh; }
.slide.opener { justify-content: center; align-items: center; text-align: center; }
.slide.opener h1 { font-size: 8vh; } .slide.opener .text { font-size: 3.2vh; color: #444; flex: 0 0 auto; }
.body { display: flex; flex-direction: column; gap: 2vh; flex: 1 1 0; min-height: 0; }
.body.two { flex-direction: row; gap: 1.9vw; }
.body.two > .text { flex: 0 0 42%; }
.figcol { display: flex; flex-direction: column; gap: 2vh; flex: 1 1 0; min-width: 0; min-height: 0; }
.text { font-size: 3vh; line-height: 1.35; flex: 0 1 auto; overflow: auto; }
.text p { margin: 0.6em 0; } .text math[display=block] { margin: 0.5em 0; font-size: 1.15em; }
.figures { display: flex; gap: 1.9vw; flex: 1 1 0; min-height: 25vh; }
.figure-box { flex: 1 1 0; min-width: 0; display: flex; flex-direction: column; }
.figure { flex: 1 1 0; min-height: 0; }
.figure img { width: 100%; height: 100%; object-fit: contain; object-position: center top; }
.caption { font-size: 2.5vh; color: #444; text-align: center; margin-top: 0.8vh; line-height: 1.3; }
.figure-error { border: 3px solid #D55E00; background: #fff0e8; color: #8a2b00; padding: 1em;
  font-family: monospace; font-size: 2vh; white-space: pre-wrap; }
.notes { display: none !important; }
#counter { position: fixed; right: 1.5vw; bottom: 1vh; font-size: 1.8vh; color: #777; }
#overview { display: none; position: fixed; inset: 0; background: rgba(245,247,250,0.98); overflow: auto;
  padding: 4vh 4vw; z-index: 10; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1.2rem;
  align-content: start; }
body.overview #overview { display: grid; }
#overview button { font: inherit; font-size: 1rem; text-align: left; padding: 1rem; min-height: 6rem;
  border: 2px solid #cfd8e3; border-radius: 8px; background: #fff; cursor: pointer; }
#overview button.current { border-color: #0072B2; }
#overview button span { display: block; color: #777; font-size: 0.8rem; margin-bottom: 0.4rem; }
"""

# The deck's one script (hashed into the CSP). The presenter window is an about:blank popup this code
# fills and updates itself: no script runs there, the popup has only the DOM this code writes into it.
_JS = """
const figs = JSON.parse(document.getElementById('zo-figures').textContent);
const slides = Array.from(document.querySelectorAll('section.slide'));
let current = 0, presenter = null, started = Date.now();
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
function titleOf(slide) {
  const h = slide.querySelector('h1, h2.title');
  return h ? h.textContent : '(untitled)';
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
  document.querySelectorAll('#overview button').forEach((b, k) => b.classList.toggle('current', k === current));
  syncPresenter();
}
function preview(slide) {
  // the next slide for the presenter: its text and captions; figures as labelled boxes
  const copy = slide.cloneNode(true);
  copy.removeAttribute('id');
  copy.querySelectorAll('aside.notes').forEach(n => n.remove());
  copy.querySelectorAll('div.figure').forEach(div => {
    const box = document.createElement('div');
    box.className = 'figure-placeholder';
    box.textContent = 'figure';
    div.replaceWith(box);
  });
  copy.className = 'slide active preview';
  return copy;
}
function syncPresenter() {
  if (!presenter || presenter.closed) return;
  const d = presenter.document;
  const notes = slides[current].querySelector('aside.notes');
  const target = d.getElementById('zo-notes');
  target.replaceChildren(...(notes ? Array.from(notes.cloneNode(true).childNodes) : [d.createTextNode('(no notes)')]));
  d.getElementById('zo-now').textContent = 'Slide ' + (current + 1) + ' / ' + slides.length + ': ' + titleOf(slides[current]);
  const next = d.getElementById('zo-next');
  next.replaceChildren(current + 1 < slides.length ? preview(slides[current + 1]) : d.createTextNode('(end of the deck)'));
}
function tick() {
  if (!presenter || presenter.closed) return;
  const s = Math.floor((Date.now() - started) / 1000);
  presenter.document.getElementById('zo-clock').textContent =
    Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
}
function openPresenter() {
  if (presenter && !presenter.closed) { presenter.focus(); return; }
  presenter = window.open('', 'zo-presenter', 'popup,width=1100,height=760');
  if (!presenter) return;
  const d = presenter.document;
  d.title = 'Presenter: ' + document.title;
  const style = d.createElement('style');
  style.textContent = document.querySelector('style').textContent + PRESENTER_CSS;
  d.head.replaceChildren(style);
  d.body.replaceChildren();
  d.body.className = 'presenter';
  for (const [id, tag] of [['zo-now', 'h2'], ['zo-clock', 'div'], ['zo-notes', 'div'], ['zo-next-label', 'h3'],
                           ['zo-next', 'div']]) {
    const el = d.createElement(tag);
    el.id = id;
    d.body.appendChild(el);
  }
  d.getElementById('zo-next-label').textContent = 'Next';
  d.addEventListener('keydown', onKey);
  started = Date.now();
  setInterval(tick, 1000);
  syncPresenter();
  tick();
}
const PRESENTER_CSS = `
body.presenter { padding: 1.5rem; font-size: 1.3rem; height: auto; }
#zo-now { color: #0072B2; margin: 0 0 0.5rem; } #zo-clock { position: fixed; top: 1rem; right: 1.5rem; color: #555; }
#zo-notes { background: #ffffe0; padding: 0.8rem 1rem; border-radius: 6px; min-height: 6rem; }
#zo-next { border: 2px solid #cfd8e3; height: 45vh; overflow: hidden; }
#zo-next .slide { width: 100%; height: 100%; font-size: 0.5rem; }
.figure-placeholder { flex: 1; border: 1px dashed #999; color: #999; display: flex; align-items: center;
  justify-content: center; }`;
function toggleOverview() {
  document.body.classList.toggle('overview');
}
function fullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
}
function onKey(e) {
  if (['ArrowRight', 'ArrowDown', 'PageDown', ' '].includes(e.key)) show(current + 1);
  else if (['ArrowLeft', 'ArrowUp', 'PageUp'].includes(e.key)) show(current - 1);
  else if (e.key === 'Home') show(0);
  else if (e.key === 'End') show(slides.length - 1);
  else if (e.key === 'p') openPresenter();
  else if (e.key === 'f') fullscreen();
  else if (e.key === 'o') toggleOverview();
  else if (e.key === 'Escape' && document.body.classList.contains('overview')) toggleOverview();
  else return;
  e.preventDefault();
}
document.addEventListener('keydown', onKey);
const overview = document.getElementById('overview');
slides.forEach((slide, k) => {
  const b = document.createElement('button');
  const n = document.createElement('span');
  n.textContent = String(k + 1);
  b.append(n, document.createTextNode(titleOf(slide)));
  b.addEventListener('click', () => { document.body.classList.remove('overview'); show(k); });
  overview.appendChild(b);
});
// click or tap: right three quarters forward, left quarter back (not on a figure, link or button)
document.addEventListener('click', e => {
  if (document.body.classList.contains('overview') || e.target.closest('div.figure, a, button, #overview')) return;
  show(current + (e.clientX < window.innerWidth / 4 ? -1 : 1));
});
let touchX = null;
document.addEventListener('touchstart', e => { touchX = e.changedTouches[0].clientX; }, {passive: true});
document.addEventListener('touchend', e => {
  if (touchX === null) return;
  const dx = e.changedTouches[0].clientX - touchX;
  touchX = null;
  if (Math.abs(dx) > 50 && !e.target.closest('div.figure')) show(current + (dx < 0 ? 1 : -1));
});
window.addEventListener('beforeunload', () => { if (presenter && !presenter.closed) presenter.close(); });
if (slides.length) show((parseInt(location.hash.slice(1)) || 1) - 1);
"""


def _error_box(spec: FigureSpec) -> str:
    return f'<div class="figure-error" role="alert">{html.escape(spec.where)}: {html.escape(spec.error)}</div>'


def _figure_row(row: list[FigureSpec], figure_html) -> str:
    boxes = []
    for spec in row:
        caption = f'<div class="caption">{inline_html(spec.caption)}</div>' if spec.caption else ""
        inner = _error_box(spec) if spec.error else figure_html(spec)
        boxes.append(f'<div class="figure-box">{inner}{caption}</div>')
    return '<div class="figures">' + "".join(boxes) + "</div>"


def slide_html(slide: Slide, index: int, figure_html) -> str:
    """One <section> laid out as :func:`zo_core.slides.layout.plan` says: title; text left of the figures
    when the slide has both; each caption under its figure. ``figure_html(spec)`` draws a figure."""
    parts = []
    if slide.title:
        tag = "h1" if slide.level == 1 else 'h2 class="title"'
        parts.append(f"<{tag}>{inline_html(slide.title)}</{tag.split()[0]}>")
    laid = plan(slide)
    text = f'<div class="text">{markdown_html(laid.text_source)}</div>' if laid.text_source else ""
    figure_rows = [r for r in rows(slide) if isinstance(r, list)]
    if figure_rows:
        figures = "".join(_figure_row(r, figure_html) for r in figure_rows)
        if text:
            parts.append(f'<div class="body two">{text}<div class="figcol">{figures}</div></div>')
        else:
            parts.append(f'<div class="body">{figures}</div>')
    elif text:
        parts.append(text)
    if slide.notes:     # for the presenter window only: never shown on the projected slide
        parts.append(f'<aside class="notes">{markdown_html(slide.notes)}</aside>')
    opener = " opener" if slide.level == 1 and not slide.figures else ""
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


_DTYPES = {"f": ("f4", "<f4"), "i": ("i4", "<i4"), "u": ("u4", "<u4")}


def _typed(a: np.ndarray):
    """A numpy array as Plotly's typed array ``{dtype, bdata, shape}``; floats as float32. Others as lists."""
    if a.dtype.kind not in _DTYPES or a.size == 0:
        return a.tolist()
    name, wire = _DTYPES[a.dtype.kind]
    if name == "f4" and np.isfinite(a).all() and np.abs(a).max(initial=0) > np.finfo(np.float32).max:
        return a.tolist()            # beyond float32's range: keep the numbers as they are
    out = {"dtype": name, "bdata": base64.b64encode(np.ascontiguousarray(a, dtype=wire).tobytes()).decode()}
    if a.ndim > 1:
        out["shape"] = ", ".join(str(n) for n in a.shape)
    return out


def _compact(value):
    """Figure data made small: float arrays as float32 (Plotly's base64 'bdata'), floats to 4 significant digits.

    float32 keeps ~7 significant digits, far more than a slide shows; integers and strings are unchanged.
    """
    if isinstance(value, np.ndarray):
        return _typed(value)
    if isinstance(value, float):
        return float(f"{value:.4g}") if math.isfinite(value) else None
    if isinstance(value, dict):
        if value.get("dtype") == "f8" and isinstance(value.get("bdata"), str):     # plotly's own typed array
            return _typed(_array(value))
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, float) for v in value) and len(value) > 8:
            return _typed(np.asarray(value, dtype=float))
        return [_compact(v) for v in value]
    return value


MAX_GRID = 121     # grid points a side that a slide-sized contour/heatmap/surface keeps (the app's default n)


def _array(value) -> np.ndarray | None:
    """A trace value as a numpy array (Plotly's typed-array dict or a list); None when it is not an array."""
    if isinstance(value, dict) and isinstance(value.get("bdata"), str):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]).newbyteorder("<"))
        shape = value.get("shape")
        return flat.reshape([int(n) for n in str(shape).split(",")]) if shape else flat
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            return np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
    return None


def _thin(trace: dict) -> dict:
    """A grid trace sampled down to :data:`MAX_GRID` points a side, keeping its first and last row and column.

    The kept points are exact values of the original grid (every k-th one), so what is drawn is the same
    surface at a resolution a slide can show; lines and markers are never thinned.
    """
    if trace.get("type") not in ("contour", "heatmap", "surface"):
        return trace
    z = _array(trace.get("z"))
    if z is None or z.ndim != 2 or max(z.shape) <= MAX_GRID:
        return trace
    ny, nx = z.shape
    rows = np.unique(np.r_[np.arange(0, ny, -(-ny // MAX_GRID)), ny - 1])
    cols = np.unique(np.r_[np.arange(0, nx, -(-nx // MAX_GRID)), nx - 1])
    out = dict(trace)
    for key, value in trace.items():
        a = _array(value) if key in ("z", "surfacecolor", "x", "y", "customdata") else None
        if a is None:
            continue
        if a.shape[:2] == (ny, nx):
            out[key] = np.ascontiguousarray(a[np.ix_(rows, cols)])
        elif a.ndim == 1 and key == "x" and len(a) == nx:
            out[key] = a[cols]
        elif a.ndim == 1 and key == "y" and len(a) == ny:
            out[key] = a[rows]
    return out


def figure_json(fig) -> str:
    """One figure's JSON for the deck: compact data, layout sized by the slide's CSS."""
    import plotly.io as pio

    layout = fig.layout.to_plotly_json()
    for size in ("height", "width"):     # the slide's CSS sizes the figure
        layout.pop(size, None)
    data = [_compact(_thin(trace)) for trace in fig.to_plotly_json()["data"]]
    return pio.to_json({"data": data, "layout": layout | {"autosize": True}}, validate=False)


def to_html(deck: Deck) -> str:
    """One self-contained HTML file: plotly.js once (its 2-D bundle when every figure is 2-D and it is
    installed, :mod:`zo_core.plotlyjs`), compact figure data, MathML; keys ←/→, p, f, o."""
    from zo_core import plotlyjs

    built = build_figures(deck)
    bundle = plotlyjs.for_traces({trace.type for fig in built.values() for trace in fig.data})
    specs: list[str] = []

    def live(spec: FigureSpec) -> str:
        specs.append(figure_json(built[id(spec)]))
        return f'<div class="figure" data-fig="{len(specs) - 1}"></div>'

    sections = [slide_html(s, i, live) for i, s in enumerate(pages(deck))]
    # "<" only occurs inside JSON strings, where \u003c means the same: no </script> or <!-- can end the block
    data = ("[" + ",".join(specs) + "]").replace("<", "\\u003c")
    sections.append('<div id="counter"></div><nav id="overview" aria-label="All slides"></nav>')
    return page(deck.title, sections, scripts=(plotlyjs.text(bundle), _JS), data=data)
