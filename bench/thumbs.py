"""Deck thumbnails: what drawing one costs (first visit) and what a cached one costs (every rerun).

Prints Chromium's start, the median and max seconds to draw a 240 x 150 thumbnail of the lectures'
figures (build + draw), and the seconds to read 12 cached ones. The Slides page turns thumbnails on by
default only for decks of at most 12 pictures and draws them after the rest of the page because a
first draw is 0.3-3 s each (target: a cached rerun of 12 thumbnails < 0.05 s).
Run (from the repository root): .venv/bin/python -m bench.thumbs
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from zo_core import slides

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    figures = []
    for path in sorted((ROOT / "lectures").glob("*.md")):
        figures += [(f.name, f.params) for f in slides.load(path).figures if not f.error]
    figures = list({slides.thumbnail_key(*f): f for f in figures}.values())[:12]
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        with slides.Chromium() as browser:
            start = time.perf_counter() - t0
            draws = []
            for fig in figures:
                t = time.perf_counter()
                slides.thumbnails([fig], cache, browser=browser)
                draws.append(time.perf_counter() - t)
        t = time.perf_counter()
        cached = slides.thumbnails(figures, cache)
        read = time.perf_counter() - t
    assert all(png is not None for png in cached)
    print(f"Chromium start: {start:.2f} s")
    print(f"draw one thumbnail ({len(draws)} lecture figures): median {statistics.median(draws):.2f} s, "
          f"max {max(draws):.2f} s")
    print(f"{len(figures)} cached thumbnails: {read * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
