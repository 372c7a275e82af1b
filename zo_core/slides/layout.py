"""Figures of a deck: built once (within a time budget) and laid out in rows, the same for every format."""

from __future__ import annotations

import time

from zo_core import viz
from zo_core.slides.deck import EXPORT_SECONDS, Deck, FigureSpec, Slide

IMAGE_WIDTH, IMAGE_HEIGHT = 820, 460     # CSS pixels of static figures: slide-sized fonts when scaled


def rows(slide: Slide) -> list[str | list[FigureSpec]]:
    """The slide's blocks in reading order: Markdown strings, and runs of figures as one row each.

    Figures written one after another sit side by side; text between them starts a new row.
    HTML, PDF, Beamer and PowerPoint all lay a slide out from this list.
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


def build_figures(deck: Deck, *, seconds: float = EXPORT_SECONDS) -> dict[int, "viz.go.Figure"]:
    """Build every drawable figure once: ``{id(spec): figure}``; failures set ``spec.error``.

    All figures together get ``seconds``: once they are spent, the remaining figures show an error
    box saying so instead of holding a server thread (each figure is bounded by viz's parameter bounds).
    """
    built = {}
    deadline = time.monotonic() + seconds
    for spec in deck.figures:
        if spec.error:
            continue
        if time.monotonic() > deadline:
            spec.error = (f"not drawn: this export's time budget ({seconds:g} s for all figures) is used up; "
                          "split the deck or lower the figures' sizes")
            continue
        try:
            built[id(spec)] = viz.build(spec.name, **spec.params)
        except Exception as err:  # a builder failing on odd parameters must not stop the export
            spec.error = f"figure {spec.name} failed: {err}"
    return built
