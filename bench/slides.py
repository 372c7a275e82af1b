"""Slide export speed: a 20-slide deck with 10 figures -> HTML (median of 3) and PDF; parsing is linear.

Targets: HTML <= 3 s, PDF <= 20 s, a 13-figure HTML deck <= 1 MB beyond plotly.js (PDF includes starting Chromium once and drawing every figure);
HTML export of 40,000 blank lines takes about twice what 20,000 take (ratio ~2: linear, not 4).
Run (from the repository root): .venv/bin/python -m bench.slides
"""

from __future__ import annotations

import statistics
import time

from zo_core import slides

LANDSCAPES = ["rosenbrock", "himmelblau", "rastrigin", "sharp_flat", "quadratic"]


def deck_markdown() -> str:
    """20 slides: 10 with a figure (8 contours, 2 surfaces), 10 with text and math."""
    parts = ["---\ntitle: Bench deck\n---"]
    for i in range(20):
        if i % 2 == 0:
            k = i // 2
            name = "landscape_surface" if k in (3, 7) else "landscape_contour"
            extra = " n=61" if name == "landscape_surface" else " n=121 arrows=12"
            body = (f"::: figure {name} landscape={LANDSCAPES[k % len(LANDSCAPES)]}{extra} "
                    f'caption="Figure {k + 1}"')
        else:
            body = ("Smoothing: $f_\\mu(x) = \\mathbb{E} f(x + \\mu u)$ and\n\n"
                    "$$\\nabla f_\\mu(x) = \\frac{1}{\\mu}\\mathbb{E}[f(x + \\mu u) u]$$\n\n"
                    "- forward difference: $O(\\mu)$ bias\n- central difference: $O(\\mu^2)$ bias\n\n"
                    "Note: speaker notes for this slide.")
        parts.append(f"## Slide {i + 1}\n\n{body}")
    return "\n\n---\n\n".join(parts) + "\n"


def blank_lines(n: int) -> float:
    """Median seconds of 3 parses + Markdown/math renders of ``n`` blank lines (the quadratic-regex case).

    The full HTML export adds a constant (inlining plotly.js) that would hide the growth.
    """
    text = "## Blank\n" + "\n" * n + "text $x$\n"
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        slides.parse_markdown(text, source="blank.md")
        slides.markdown_html(text)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


THIRTEEN = ["landscape_contour", "landscape_surface", "objectives_panel", "estimator_cloud", "variance_vs_mu",
            "variance_vs_dim", "error_vs_mu", "race", "race_loss", "basin_map", "tilted_slice", "cosine_vs_dim",
            "bounds_vs_dim"]


def figure_data_mb() -> None:
    """A 13-slide deck of the app's figures at their defaults: HTML bytes beyond plotly.js (target <= 1 MB)."""
    from plotly.offline import get_plotlyjs

    items = [{"figure": name, "params": {}, "caption": f"Figure {k + 1}"} for k, name in enumerate(THIRTEEN)]
    deck = slides.parse_items({"title": "Thirteen slides", "items": items})
    html = slides.to_html(deck)
    extra = len(html.encode("utf-8")) - len(get_plotlyjs().encode("utf-8"))
    built = slides.build_figures(slides.parse_items(items))
    plain = sum(len(f.to_json()) for f in built.values())      # plotly's own JSON, float64 (before)
    print(f"HTML, 13 figure slides: {extra / 1e6:.2f} MB beyond plotly.js ({len(deck.problems)} problems; "
          f"float64 figure JSON would be {plain / 1e6:.2f} MB)   target <= 1 MB: {'OK' if extra <= 1e6 else 'MISSED'}")


def main() -> None:
    figure_data_mb()
    t20, t40 = blank_lines(20_000), blank_lines(40_000)
    print(f"Parsing + rendering blank lines: 20,000 -> {t20:.3f} s, 40,000 -> {t40:.3f} s, ratio {t40 / t20:.2f} "
          f"(2 = linear, 4 = quadratic)   target < 3: {'OK' if t40 / t20 < 3 else 'MISSED'}")
    text = deck_markdown()
    deck = slides.parse_markdown(text, source="bench.md")
    assert len(deck.slides) == 20 and len(deck.figures) == 10, (len(deck.slides), len(deck.figures))

    html_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        html = slides.to_html(slides.parse_markdown(text, source="bench.md"))
        html_times.append(time.perf_counter() - t0)
    html_s = statistics.median(html_times)
    print(f"HTML export, 20 slides / 10 figures: median {html_s:.2f} s of 3 "
          f"({', '.join(f'{t:.2f}' for t in html_times)}), {len(html) / 1e6:.1f} MB   target <= 3 s: "
          f"{'OK' if html_s <= 3 else 'MISSED'}")

    if slides.chromium_path() is None:
        print(f"PDF export skipped: {slides.INSTALL_CHROMIUM}")
        return
    t0 = time.perf_counter()
    pdf = slides.to_pdf(slides.parse_markdown(text, source="bench.md"))
    pdf_s = time.perf_counter() - t0
    print(f"PDF export, 20 slides / 10 figures (one Chromium, incl. start): {pdf_s:.2f} s, "
          f"{len(pdf) / 1e6:.1f} MB   target <= 20 s: {'OK' if pdf_s <= 20 else 'MISSED'}")


if __name__ == "__main__":
    main()
