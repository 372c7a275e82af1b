"""Deck thumbnails: a figure item as a small PNG (240 x 150 px), drawn once by Chromium and kept on disk.

The figure is built through :func:`zo_core.viz.build` (its bounds apply), stripped of its title,
legend and margins, laid out at twice the thumbnail's CSS size so its marks read at half scale,
and drawn by the export's Chromium (:func:`zo_core.slides.browser.shared`). Thumbnails are
cached as ``<sha256 of name, params, size and drawing version>.png`` in a directory the caller chooses, so a rerun
of the Slides page draws nothing it has drawn before; the process's one Chromium serves every missing thumbnail.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from zo_core import viz
from zo_core.slides.images import RENDERER, write_atomic

THUMB_W, THUMB_H = 240, 150     # px of the PNG
_LAYOUT = 2                     # CSS px laid out per PNG px: a 480 x 300 figure drawn at scale 1/2


def thumbnail_key(name: str, params: dict, size: tuple[int, int] = (THUMB_W, THUMB_H)) -> str:
    """sha256 of the figure's name, parameters, the thumbnail size and the drawing's version
    (:data:`zo_core.slides.images.RENDERER`): its cache file's name."""
    text = json.dumps([name, params, list(size), RENDERER], sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def thumbnail_figure(name: str, params: dict):
    """The named figure as a thumbnail shows it: a still (:func:`zo_core.viz.still`), no title, no legend, thin margins."""
    fig = viz.still(viz.build(name, **params), THUMB_W * _LAYOUT)
    fig.update_layout(title=None, showlegend=False, margin=dict(l=6, r=6, t=6, b=6))
    return fig


def _draw(name: str, params: dict, size: tuple[int, int], browser) -> bytes | None:
    try:
        fig = thumbnail_figure(name, params)
    except Exception:      # unknown figure, bad parameters, a builder failing: no picture, the label says it
        return None
    return browser.image(fig, "png", width=size[0] * _LAYOUT, height=size[1] * _LAYOUT, scale=1 / _LAYOUT)


def thumbnails(figures: list[tuple[str, dict]], cache_dir: str | Path | None = None, *,
               size: tuple[int, int] = (THUMB_W, THUMB_H), browser=None, each=None,
               draw: bool = True) -> list[bytes | None]:
    """PNG bytes of each ``(name, params)`` (None where the figure cannot be drawn), cached in ``cache_dir``.

    A Chromium is started only when some thumbnail is not cached yet (unless ``browser`` is given);
    ``draw=False`` returns the cached ones only. ``each(k, png)`` is called as each thumbnail is ready
    (cached ones first), so a page can show them one by one.
    """
    cache = Path(cache_dir) if cache_dir is not None else None
    keys = [thumbnail_key(name, params, size) for name, params in figures]
    out: list[bytes | None] = [None] * len(figures)
    missing = []
    for k, key in enumerate(keys):
        file = cache / f"{key}.png" if cache is not None else None
        if file is not None and file.is_file():
            out[k] = file.read_bytes()
            if each is not None:
                each(k, out[k])
        else:
            missing.append(k)
    if not missing or not draw:
        return out

    def draw_all(b) -> None:
        for k in missing:
            out[k] = _draw(*figures[k], size, b)
            if out[k] is not None and cache is not None:
                write_atomic(cache / f"{keys[k]}.png", out[k])
            if each is not None:
                each(k, out[k])

    if browser is not None:
        draw_all(browser)
    else:
        from zo_core.slides.browser import on_shared
        on_shared(draw_all)          # the process's one Chromium, started now if it is not running
    return out
