"""Slide export speed and size: a 13-slide deck of the app's figures -> HTML, PDF, Beamer and PPTX.

Targets (issue 13): HTML <= 1 s; PDF, Beamer and PPTX <= 5 s each, reusing one browser; the deck's
own figure data <= 1 MB beyond plotly.js; parsing stays linear (40,000 blank lines take about twice
what 20,000 take: ratio ~2, not 4).

Per format, four times:
* first: a fresh start — no browser running, no figure built in this process, an empty image cache
  (what the first export of a deck after a server start costs; it includes building the figures);
* warmed: the same, after what opening the Slides page starts: :func:`zo_core.slides.warm_up` (not for
  HTML, which needs no browser) and building the deck's figures ahead (``ui.figures.build_ahead``);
* warm browser, new figures: the shared Chromium running, but figures built and drawn anew (what a
  deck nobody exported before costs on a running server);
* warm: median of 3 repeats with the browser, the built figures and the image cache warm.
The image cache lives in a temporary folder (``ZOLAB_SLIDES_CACHE``), never the repository's.
Run (from the repository root): .venv/bin/python -m bench.slides
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench._common import timed
from zo_core import slides
from zo_core.slides import images, layout

THIRTEEN = ["landscape_contour", "landscape_surface", "objectives_panel", "estimator_cloud", "variance_vs_mu",
            "variance_vs_dim", "error_vs_mu", "race", "race_loss", "basin_map", "tilted_slice", "cosine_vs_dim",
            "bounds_vs_dim"]
TARGET_S = {"html": 1.0, "pdf": 5.0, "beamer": 5.0, "pptx": 5.0}


def thirteen_deck() -> slides.Deck:
    """13 slides, one figure each: the app's figures at their defaults, with captions."""
    items = [{"figure": name, "params": {}, "caption": f"Figure {k + 1}"} for k, name in enumerate(THIRTEEN)]
    return slides.parse_items({"title": "Thirteen slides", "items": items})


def blank_lines(n: int) -> float:
    """Median seconds of 3 parses + Markdown/math renders of ``n`` blank lines (the quadratic-regex case).

    The full HTML export adds a constant (inlining plotly.js) that would hide the growth.
    """
    text = "## Blank\n" + "\n" * n + "text $x$\n"

    def once():
        slides.parse_markdown(text, source="blank.md")
        slides.markdown_html(text)
    return timed(once, repeat=3)[0]


def figure_data_mb() -> None:
    """The 13-slide deck as HTML: bytes beyond plotly.js (target <= 1 MB), and which bundle it inlines."""
    import gzip

    from zo_core import plotlyjs

    deck = thirteen_deck()
    html = slides.to_html(deck)
    built = slides.build_figures(thirteen_deck())
    types = sorted({t.type for f in built.values() for t in f.data})
    bundle = plotlyjs.for_traces(types)
    plotly_js = plotlyjs.text(bundle).encode("utf-8")
    extra = len(html.encode("utf-8")) - len(plotly_js)
    plain = sum(len(f.to_json()) for f in built.values())      # plotly's own JSON, float64 (before)
    print(f"HTML, 13 figure slides: {extra / 1e6:.2f} MB beyond plotly.js ({len(deck.problems)} problems; "
          f"float64 figure JSON would be {plain / 1e6:.2f} MB)   target <= 1 MB: {'OK' if extra <= 1e6 else 'MISSED'}")
    zipped = len(gzip.compress(plotly_js))
    print(f"plotly.js inline: {bundle.name}, {len(plotly_js) / 1e6:.2f} MB ({zipped / 1e6:.2f} MB gzipped), "
          f"for the deck's trace types: {', '.join(types)}.")
    for part, serves in ((plotlyjs.CARTESIAN, "a deck without 3-D figures"), (plotlyjs.GL3D, "a deck of 3-D figures "
                         "only, and every 3-D figure drawn for PDF, Beamer and PPTX")):
        file = plotlyjs.installed(part)
        print(f"  the {part.name} bundle " + (f"({file.stat().st_size / 1e6:.2f} MB) serves {serves}" if file else
                                              "is not installed (make installs it with npm): the full one instead"))
    flat = [name for name, fig in zip(THIRTEEN, built.values())
            if {t.type for t in fig.data} <= plotlyjs.CARTESIAN.traces]
    items = [{"figure": name, "params": {}, "caption": f"Figure {k + 1}"} for k, name in enumerate(flat)]
    two_d = slides.to_html(slides.parse_items({"title": "2-D slides", "items": items})).encode("utf-8")
    print(f"the same deck without its {len(THIRTEEN) - len(flat)} 3-D slide(s): {len(two_d) / 1e6:.2f} MB in all "
          f"(the 13: {len(html.encode('utf-8')) / 1e6:.2f} MB)")


_CACHES = tempfile.TemporaryDirectory(prefix="zolab-bench-slides-")     # removed at exit


def _fresh_cache() -> None:
    os.environ[images.CACHE_ENV] = tempfile.mkdtemp(dir=_CACHES.name)


def _first(fmt: str, warmed: bool) -> float:
    slides.close_shared()
    layout.forget_figures()
    _fresh_cache()
    if warmed:                          # what opening the Slides page does before anyone exports
        if fmt != "html":
            slides.warm_up().join()
        slides.build_figures(thirteen_deck())      # as ui.figures.build_ahead does, on its thread
    t0 = time.perf_counter()
    slides.export(thirteen_deck(), fmt)
    return time.perf_counter() - t0


def export_times(fmt: str) -> tuple[float, float, float, float, int]:
    """(first, first after the warm-up, warm browser with new figures, warm median of 3, bytes) for one format."""
    first = _first(fmt, warmed=False)
    warmed = _first(fmt, warmed=True)
    layout.forget_figures()
    _fresh_cache()
    t0 = time.perf_counter()
    slides.export(thirteen_deck(), fmt)
    new = time.perf_counter() - t0
    warm, data = timed(lambda: slides.export(thirteen_deck(), fmt), repeat=3)
    return first, warmed, new, warm, len(data)


def main() -> None:
    figure_data_mb()
    t20, t40 = blank_lines(20_000), blank_lines(40_000)
    print(f"Parsing + rendering blank lines: 20,000 -> {t20:.3f} s, 40,000 -> {t40:.3f} s, ratio {t40 / t20:.2f} "
          f"(2 = linear, 4 = quadratic)   target < 3: {'OK' if t40 / t20 < 3 else 'MISSED'}")

    layout.forget_figures()
    build = timed(lambda: (layout.forget_figures(), slides.build_figures(thirteen_deck())), repeat=3)[0]
    print(f"Building the 13 figures (zo_core.viz, part of every first export): median {build:.2f} s of 3")
    if slides.chromium_path() is None:
        print(f"PDF, Beamer and PPTX skipped: {slides.INSTALL_CHROMIUM}")
        formats = ["html"]
    else:
        starts = []
        for _ in range(3):
            slides.close_shared()
            t0 = time.perf_counter()
            slides.shared()
            starts.append(time.perf_counter() - t0)
        slides.close_shared()
        start = statistics.median(starts)
        print(f"Chromium start (the shared browser's, paid once per server): median {start:.2f} s of 3")
        formats = ["html", "pdf", "beamer", "pptx"]
    print(f"\n13-slide deck, 13 figures  {'first':>7} {'warmed':>7} {'new figs':>9} {'warm':>7}   {'size':>7}   target")
    for fmt in formats:
        first, warmed, new, warm, size = export_times(fmt)
        verdict = ", ".join(f"{name} {'OK' if t <= TARGET_S[fmt] else 'MISSED'}"
                            for name, t in (("warm", warm), ("warmed", warmed), ("new figs", new), ("first", first)))
        print(f"  {fmt:<23} {first:6.2f}s {warmed:6.2f}s {new:8.2f}s {warm:6.2f}s   {size / 1e6:5.2f}MB   "
              f"<= {TARGET_S[fmt]:g} s: {verdict}")
    slides.close_shared()
    print("first: no browser, no figure built, empty image cache; warmed: the same after slides.warm_up() and "
          "the deck's figures built ahead (the Slides page starts both); new figs: browser running, figures built "
          "and drawn anew; warm: median of 3 with everything warm")


if __name__ == "__main__":
    main()
