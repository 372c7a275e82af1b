"""The one layout model of every export: figures built once, each slide planned as boxes on a 16:9 page.

:func:`plan` places a slide's title, its text and its figure rows (each figure with its caption
*under* it) as :class:`Box` es in inches of a 13.333 x 7.5 in page. PowerPoint uses the boxes as
they are, Beamer scales them to its 16 x 9 cm paper, HTML and PDF turn them into CSS (two columns
when a slide has text and figures; figures fill what the text leaves). Static images are rendered
at :func:`image_px` of their box: :data:`PX_PER_INCH` CSS pixels an inch puts a figure's 12-px
labels at ~22 px on a 1920 x 1080 projector, whatever the box's size.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from zo_core import viz
from zo_core.slides.deck import EXPORT_SECONDS, Deck, FigureSpec, Slide

PAGE_W, PAGE_H = 13.333, 7.5          # inches, 16:9
MARGIN = 0.5                          # left/right/bottom margin
TITLE_TOP, TITLE_H = 0.3, 1.0         # the title's box
BODY_TOP = TITLE_TOP + TITLE_H + 0.15
BODY_BOTTOM = PAGE_H - 0.35
GAP = 0.25                            # between columns, figures and rows
TEXT_SHARE = 0.42                     # of the body's width, for the text beside figures
CAPTION_PT = 14                       # caption type size; a caption line is CAPTION_PT * 1.3 points high
CAPTION_CHAR_IN = CAPTION_PT * 0.52 / 72   # average width of a caption character (inches)
PX_PER_INCH = 80                      # CSS px of a static figure per inch of its box (12 px -> 22 px at 1080p)
MIN_PX = (420, 260)                   # below this Plotly's margins leave no plot
IMAGE_WIDTH, IMAGE_HEIGHT = 984, 420  # a full-width figure's image (the CLI's and old callers' default)
TITLE_WHERE = "title slide"           # the ``where`` of the title slide :func:`title_slide` makes


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in inches from the top-left corner."""
    x: float
    y: float
    w: float
    h: float

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w


@dataclass
class Cell:
    """One figure of a row: the image's box and, under it, the caption's box (h = 0 without caption)."""
    spec: FigureSpec
    image: Box
    caption: Box


@dataclass
class Plan:
    """Where a slide's parts go: title box, text box (None without text), figure cells by row."""
    slide: Slide
    title: Box
    text: Box | None
    text_source: str
    cells: list[list[Cell]] = field(default_factory=list)


def rows(slide: Slide) -> list[str | list[FigureSpec]]:
    """The slide's blocks in reading order: Markdown strings, and runs of figures as one row each.

    Figures written one after another sit side by side; text between them starts a new row.
    """
    out: list = []
    for block in slide.blocks:
        if isinstance(block, str):
            out.append(block)
        elif out and isinstance(out[-1], list):
            out[-1].append(block)
        else:
            out.append([block])
    return out


def caption_lines(caption: str, width_in: float) -> int:
    """Lines a caption of ``len(caption)`` characters wraps to in a box ``width_in`` inches wide."""
    if not caption:
        return 0
    per_line = max(8, int(width_in / CAPTION_CHAR_IN))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in caption.split("\n"))


def caption_height(caption: str, width_in: float) -> float:
    """Inches a caption needs under its figure (0 without one), with a little space above."""
    lines = caption_lines(caption, width_in)
    return lines * CAPTION_PT * 1.3 / 72 + 0.08 if lines else 0.0


def plan(slide: Slide) -> Plan:
    """The slide's boxes: title on top, text in a left column when there are figures, figure rows on the right.

    Every figure row gets an equal share of the height; in a row each figure gets an equal share of
    the width; a figure's caption sits under it and the image takes the height that remains.
    """
    laid = rows(slide)
    figure_rows = [r for r in laid if isinstance(r, list)]
    text = "\n\n".join(r for r in laid if isinstance(r, str)).strip()
    title = Box(MARGIN, TITLE_TOP, PAGE_W - 2 * MARGIN, TITLE_H)
    body_w = PAGE_W - 2 * MARGIN
    top = BODY_TOP if slide.title else TITLE_TOP
    body_h = BODY_BOTTOM - top
    text_box, fig_x, fig_w = None, MARGIN, body_w
    if text:
        if figure_rows:
            text_w = body_w * TEXT_SHARE
            text_box = Box(MARGIN, top, text_w, body_h)
            fig_x, fig_w = MARGIN + text_w + GAP, body_w - text_w - GAP
        else:
            text_box = Box(MARGIN, top, body_w, body_h)
    cells = []
    share = (body_h - GAP * (len(figure_rows) - 1)) / max(1, len(figure_rows))
    for k, row in enumerate(figure_rows):
        y = top + k * (share + GAP)
        each = (fig_w - GAP * (len(row) - 1)) / len(row)
        line = []
        for j, spec in enumerate(row):
            x = fig_x + j * (each + GAP)
            cap_h = min(caption_height(spec.caption, each), share * 0.4)
            line.append(Cell(spec, Box(x, y, each, share - cap_h), Box(x, y + share - cap_h, each, cap_h)))
        cells.append(line)
    return Plan(slide=slide, title=title, text=text_box, text_source=text, cells=cells)


def image_px(box: Box) -> tuple[int, int]:
    """CSS pixel size to render a static figure for ``box``: fonts then scale to the same size on every slide."""
    return max(MIN_PX[0], round(box.w * PX_PER_INCH)), max(MIN_PX[1], round(box.h * PX_PER_INCH))


def title_slide(deck: Deck) -> Slide | None:
    """The deck's title slide (title, then author and date), or None when the deck already opens with one."""
    first = deck.slides[0] if deck.slides else None
    if first is not None and first.level == 1 and not first.figures and first.title.strip() == deck.title.strip():
        return None
    byline = " · ".join(v for v in (deck.meta.get("author", ""), deck.meta.get("date", "")) if v)
    return Slide(title=deck.title, blocks=[byline] if byline else [], level=1, where=TITLE_WHERE)


def pages(deck: Deck) -> list[Slide]:
    """Every page of an export: the title slide (when the deck has none of its own), then the slides."""
    opener = title_slide(deck)
    return ([opener] if opener else []) + list(deck.slides)


def forget_figures() -> None:
    """Drop every figure built so far (benchmarks measure a first export with it)."""
    viz.forget_shared()


def build_figures(deck: Deck, *, seconds: float = EXPORT_SECONDS) -> dict[int, "viz.go.Figure"]:
    """Build every drawable figure once: ``{id(spec): figure}``; failures set ``spec.error`` (:func:`iter_figures`)."""
    return {id(spec): fig for spec, fig in iter_figures(deck, seconds=seconds)}


def iter_figures(deck: Deck, *, seconds: float = EXPORT_SECONDS):
    """``(spec, figure)`` for each drawable figure, as soon as it is built; failures set ``spec.error``.

    A figure built before in this process (same name and parameters, any deck, any format, or on a
    page) is reused (:func:`zo_core.viz.shared`). Exporters only read the figures they get.
    All figures together get ``seconds``: once they are spent, the remaining figures show an error
    box saying so instead of holding a server thread (each figure is bounded by viz's parameter bounds).
    """
    deadline = time.monotonic() + seconds
    for spec in deck.figures:
        if spec.error:
            continue
        if time.monotonic() > deadline:
            spec.error = (f"not drawn: this export's time budget ({seconds:g} s for all figures) is used up; "
                          "split the deck or lower the figures' sizes")
            continue
        try:
            fig = viz.shared(spec.name, **spec.params)
        except Exception as err:  # a builder failing on odd parameters must not stop the export
            spec.error = f"figure {spec.name} failed: {err}"
            continue
        yield spec, fig
