"""Oversized, deep or odd decks are refused quickly with a ValueError that says what is wrong, and
parsing stays linear in the input (the quadratic math regex is gone)."""

from __future__ import annotations

import json
import time

import pytest

from zo_core import slides

FIG = {"figure": "landscape_contour", "params": {"landscape": "rosenbrock", "n": 21}}


def _fastest(fn, repeats: int = 3) -> float:
    """Best of ``repeats`` wall times: the least noisy figure on a shared machine."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


BAD_JSON = {
    "nested 3,000 deep": ("[" * 3000 + "]" * 3000, "nested too deeply"),
    "nested 100,000 deep": ('{"a":' * 100_000 + "1" + "}" * 100_000, "too"),
    "nested 40 deep": ("[" * 40 + "]" * 40, "nested too deeply"),
    "a 400-digit integer": (json.dumps([{"figure": "landscape_contour", "params": {"n": 1}}]).replace(
        '"n": 1', '"n": ' + "9" * 400), "digits"),
    "a 5,000-digit integer": ("[" + "7" * 5000 + "]", "digits"),
    "201 items": (json.dumps([{"markdown": "## s"}] * 201), "201 items"),
    "3 MB of text": (json.dumps([{"markdown": "x" * 3_000_000}]), "characters"),
    "301 slides in one item": (json.dumps([{"markdown": "\n---\n".join(["## s"] * 301)}]), "301 slides"),
    "61 figures": (json.dumps([FIG] * 61), "61 figures"),
    "not JSON": ("[{", "not valid JSON"),
}


@pytest.mark.parametrize("case", list(BAD_JSON))
def test_bad_deck_refused_quickly(case):
    text, words = BAD_JSON[case]

    def refuse():
        with pytest.raises(ValueError) as err:
            slides.parse_json(text, source="bad.json")
        assert words in str(err.value) and "bad.json" in str(err.value)

    assert _fastest(refuse) < 0.1


def test_items_held_in_a_session_are_bounded_together():
    """The Slides page parses the session's items directly: their text counts in total, not per item."""
    half = {"markdown": "## s\n" + "x" * (slides.MAX_BYTES // 2 + 10)}
    slides.parse_items([half])
    with pytest.raises(ValueError, match="characters"):
        slides.parse_items([half, half], source="this deck")


def test_bad_lecture_refused_quickly():
    for text, words in [("x" * (slides.MAX_BYTES + 1), "characters"),
                        ("\n---\n".join(["## s"] * (slides.MAX_SLIDES + 1)), "slides")]:
        with pytest.raises(ValueError, match=words):
            slides.parse_markdown(text)


def test_huge_numbers_in_directives_are_slide_errors_not_crashes():
    """A 400-digit or infinite value for an integer parameter is that figure's error, not an exception."""
    for value in ("9" * 400, "1e400", "inf", "nan"):
        deck = slides.parse_markdown(f"## s\n::: figure landscape_contour n={value}\n")
        (problem,) = deck.problems
        assert "parameter n" in problem
    deck = slides.parse_json(json.dumps([{"figure": "landscape_contour", "params": {"n": float("inf")}}]))
    assert "parameter n" in deck.problems[0]


def test_a_figure_that_raises_valueerror_becomes_its_slides_error_box():
    deck = slides.parse_json(json.dumps([{"figure": "landscape_contour", "params": {"landscape": "no-such"}}]))
    page = slides.to_html(deck)
    assert deck.problems and 'class="figure-error"' in page and "no-such" in deck.problems[0]


def test_export_time_budget_is_a_clear_message():
    deck = slides.parse_json(json.dumps([FIG, FIG]))
    built = slides.build_figures(deck, seconds=0.0)
    assert built == {} and len(deck.problems) == 2
    assert all("time budget" in p for p in deck.problems)


def _parse(text: str) -> None:
    """Our own scans of a text: the math/code scan and the slide splitter (markdown-it is not ours)."""
    slides.protect_math(text)
    slides.parse_markdown(text, source="big.md")


@pytest.mark.parametrize("unit", ["\n", "`x ", "$a ", "$$", "```\n", "\\$", "$$$x\n"], ids=repr)
def test_parsing_is_linear(unit):
    """4x the input costs well under the 16x a quadratic scan would (best of 5 each, side by side).

    The bound 10 leaves room for a loaded machine (linear measures 3-7 here); the old regex gave 16+.
    """
    small, large = unit * 10_000, unit * 40_000
    _parse(small)        # warm up caches
    ratio = _fastest(lambda: _parse(large), 5) / _fastest(lambda: _parse(small), 5)
    assert ratio < 10, f"40,000 vs 10,000 repeats of {unit!r}: {ratio:.1f}x (linear ~4, quadratic ~16)"
