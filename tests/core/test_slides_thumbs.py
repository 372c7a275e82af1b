"""Deck thumbnails: PNGs of the requested size with a drawn figure in them, cached on disk per (name, params)."""

import io
import os

import numpy as np
import pytest

from zo_core import slides

if slides.chromium_path() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("Chromium is required in CI (apt-get install chromium)")
    pytest.skip("Chromium not installed", allow_module_level=True)

CONTOUR = ("landscape_contour", {"landscape": "himmelblau", "n": 41})


@pytest.fixture(scope="module")
def browser():
    with slides.Chromium() as b:
        yield b


def test_thumbnail_has_the_requested_size_and_a_figure_in_it(browser, tmp_path):
    from PIL import Image

    small, wide = slides.thumbnails([CONTOUR, CONTOUR], None, browser=browser)[0], \
        slides.thumbnails([CONTOUR], None, size=(320, 120), browser=browser)[0]
    assert Image.open(io.BytesIO(small)).size == (slides.THUMB_W, slides.THUMB_H) == (240, 150)
    assert Image.open(io.BytesIO(wide)).size == (320, 120)
    rgb = np.asarray(Image.open(io.BytesIO(small)).convert("RGB"), dtype=int)
    # the contour's colour scale: many distinct colours, and most of the picture is not background
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 200
    assert (np.abs(rgb - rgb[0, 0]).sum(axis=-1) > 30).mean() > 0.3


def test_cached_thumbnails_start_no_browser_and_unknown_figures_have_none(browser, tmp_path, monkeypatch):
    other = ("landscape_contour", {"landscape": "rosenbrock", "n": 41})
    first = slides.thumbnails([CONTOUR, other, ("no_such_figure", {})], tmp_path, browser=browser)
    assert first[0] and first[1] and first[0] != first[1] and first[2] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{slides.thumbnail_key(*f)}.png" for f in (CONTOUR, other))

    def no_browser(*a, **k):
        raise AssertionError("a cached thumbnail started Chromium")
    monkeypatch.setattr("zo_core.slides.browser.Chromium", no_browser)
    monkeypatch.setattr("zo_core.slides.browser.shared", no_browser)
    seen = []
    again = slides.thumbnails([other, CONTOUR], tmp_path, each=lambda k, png: seen.append(k))
    assert again == [first[1], first[0]] and sorted(seen) == [0, 1]
    assert slides.thumbnails([("no_such_figure", {})], tmp_path, draw=False) == [None]
    # the key changes with any parameter and with the size
    assert len({slides.thumbnail_key(*CONTOUR), slides.thumbnail_key(*other),
                slides.thumbnail_key(*CONTOUR, size=(10, 10))}) == 3
