"""Static figure images of an export: drawn by the one Chromium while the next is built, cached by content hash.

An image's file is ``<sha256 of the figure's JSON, format, size, scale and plotly.js version>.<fmt>``
in :func:`cache_dir` (``$ZOLAB_SLIDES_CACHE``, default ``<repo>/.zolab/slides``, or the temporary
folder for an installed package; ``off`` switches the cache off), so a figure that did not change is never drawn twice, whatever deck or export asks for
it. Files are written atomically (two server sessions drawing the same image never leave half a
file) and the oldest are removed beyond :data:`MAX_FILES`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

CACHE_ENV = "ZOLAB_SLIDES_CACHE"
_REPO = Path(__file__).resolve().parents[2]
# the repository's cache folder; an installed package (no repository around it) uses the temporary folder
DEFAULT_DIR = (_REPO / ".zolab" / "slides" if (_REPO / "pyproject.toml").is_file()
               else Path(tempfile.gettempdir()) / "zolab-slides")
MAX_FILES = 2000          # ~100 kB an image: a few hundred MB at most
RENDERER = "zolab-figure-page-2"     # bump when the drawing page's options or still pictures change (thumbnails too)


def cache_dir() -> Path | None:
    """Where images are cached, or None when ``$ZOLAB_SLIDES_CACHE`` is ``off``."""
    env = os.environ.get(CACHE_ENV, "")
    if env.lower() == "off":
        return None
    return Path(env) if env else DEFAULT_DIR


def image_key(figure_json: str, fmt: str, width: int, height: int, scale: float) -> str:
    """sha256 of everything the picture depends on: the figure's JSON, format, size, scale, plotly.js."""
    import plotly

    head = f"{RENDERER}|plotly {plotly.__version__}|{fmt}|{width}x{height}@{scale!r}|".encode()
    return hashlib.sha256(head + figure_json.encode("utf-8")).hexdigest()


class Drawer:
    """Images of one export: :meth:`add` each (a cached one is read, a missing one starts drawing at
    once), then :meth:`results`. ``browser``: the Chromium to draw with; None: the shared one, started
    only when an image is missing (and restarted once if it dies meanwhile). ``cache``: a directory,
    None (no cache) or "default" (:func:`cache_dir`)."""

    def __init__(self, browser=None, cache: Path | None | str = "default"):
        self.browser, self._shared = browser, browser is None
        self.folder = cache_dir() if cache == "default" else (Path(cache) if cache is not None else None)
        self._jobs: list[tuple] = []          # (figure JSON, fmt, width, height, scale, key)
        self._out: list = []                  # bytes, or the Future drawing them

    def add(self, fig, fmt: str, width: int, height: int, scale: float) -> int:
        """Queue one image; returns its index in :meth:`results`."""
        import plotly.io as pio

        text = fig if isinstance(fig, str) else pio.to_json(fig, validate=False)
        key = image_key(text, fmt, width, height, scale)
        self._jobs.append((text, fmt, width, height, scale, key))
        data = None
        if self.folder is not None:
            file = self.folder / f"{key}.{fmt}"
            try:
                data = file.read_bytes()
                os.utime(file)           # recently used: pruned last
            except OSError:
                data = None
        if not data:
            from zo_core.slides.browser import bundle_for, shared
            if self.browser is None:
                self.browser = shared()
            # the bundle from the figure itself where there is one: its JSON is not parsed back
            data = self.browser.submit(text, fmt, width, height, scale, bundle=bundle_for(fig))
        self._out.append(data)
        return len(self._out) - 1

    def results(self) -> list[bytes]:
        """Every image, in the order added; the ones drawn now are written to the cache."""
        drawn = [k for k, v in enumerate(self._out) if not isinstance(v, bytes)]
        try:
            for k in drawn:
                self._out[k] = self.browser.result(self._out[k])
        except RuntimeError:
            if not self._shared or self.browser.alive():
                raise
            from zo_core.slides.browser import on_shared     # the shared browser died under us: once more
            todo = [k for k in drawn if not isinstance(self._out[k], bytes)]
            again = on_shared(lambda b: b.images([self._jobs[k][:5] for k in todo]))
            for k, data in zip(todo, again):
                self._out[k] = data
        if self.folder is not None and drawn:
            for k in drawn:
                try:
                    write_atomic(self.folder / f"{self._jobs[k][5]}.{self._jobs[k][1]}", self._out[k])
                except OSError:      # an unwritable cache only costs time
                    pass
            prune(self.folder)
        return list(self._out)


def draw_deck(deck, fmt: str, scale: float, browser=None) -> dict[int, bytes]:
    """``{id(spec): image}`` of every drawable figure, as ``fmt`` at its plan box's size (:func:`image_px`).

    Each figure starts drawing as soon as it is built, so Chromium draws while Python builds the next.
    A figure is drawn as a still picture of its box's width (:func:`zo_core.viz.still`): no animation
    controls, its legend's rows for that width.
    """
    from zo_core import viz
    from zo_core.slides.layout import image_px, iter_figures, pages, plan

    boxes = {id(c.spec): image_px(c.image) for s in pages(deck) for row in plan(s).cells for c in row}
    drawer = Drawer(browser)
    slots = {id(spec): drawer.add(viz.still(fig, boxes[id(spec)][0]), fmt, *boxes[id(spec)], scale)
             for spec, fig in iter_figures(deck)}
    out = drawer.results()
    return {key: out[k] for key, k in slots.items()}


def write_atomic(file: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``file``, then rename it: readers never see half a file."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prune(folder: Path, keep: int = MAX_FILES) -> None:
    """Remove the least recently used images beyond ``keep`` (down to 80 % of it)."""
    try:
        files = [f for f in folder.iterdir() if f.suffix in (".png", ".svg", ".pdf")]
        if len(files) <= keep:
            return
        files.sort(key=lambda f: f.stat().st_mtime)
        for f in files[:len(files) - int(keep * 0.8)]:
            f.unlink(missing_ok=True)
    except OSError:
        pass
