"""Static figure images of an export: drawn by one Chromium in one call, cached on disk by content hash.

An image's file is ``<sha256 of the figure's JSON, format, size, scale and plotly.js version>.<fmt>``
in :func:`cache_dir` (``$ZOLAB_SLIDES_CACHE``, default ``<repo>/.zolab/slides``; ``off`` switches the
cache off), so a figure that did not change is never drawn twice, whatever deck or export asks for
it. Files are written atomically (two server sessions drawing the same image never leave half a
file) and the oldest are removed beyond :data:`MAX_FILES`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

CACHE_ENV = "ZOLAB_SLIDES_CACHE"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / ".zolab" / "slides"
MAX_FILES = 2000          # ~100 kB an image: a few hundred MB at most
RENDERER = "zolab-figure-page-1"     # bump when the drawing page's options change


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


def draw(browser, jobs, cache: Path | None | str = "default") -> list[bytes]:
    """Each ``(figure, fmt, width, height, scale)`` as bytes: cached ones read, the others drawn in ONE call.

    ``browser``: the Chromium to draw with; None: the shared one, started only when an image is missing.
    ``cache``: a directory, None (no cache) or "default" (:func:`cache_dir`).
    """
    import plotly.io as pio

    folder = cache_dir() if cache == "default" else (Path(cache) if cache is not None else None)
    texts = [pio.to_json(fig, validate=False) for fig, *_ in jobs]
    keys = [image_key(text, *job[1:]) for text, job in zip(texts, jobs)]
    out: list[bytes | None] = [None] * len(jobs)
    missing = []
    for k, (key, job) in enumerate(zip(keys, jobs)):
        if folder is not None:
            file = folder / f"{key}.{job[1]}"
            try:
                out[k] = file.read_bytes()
                os.utime(file)           # recently used: pruned last
            except OSError:
                out[k] = None
        if not out[k]:
            missing.append(k)
    if missing:
        todo = [(texts[k], *jobs[k][1:]) for k in missing]
        if browser is not None:
            drawn = browser.images(todo)
        else:                    # only now that something must be drawn: the shared browser
            from zo_core.slides.browser import on_shared
            drawn = on_shared(lambda b: b.images(todo))
        for k, data in zip(missing, drawn):
            out[k] = data
            if folder is not None:
                try:
                    write_atomic(folder / f"{keys[k]}.{jobs[k][1]}", data)
                except OSError:      # an unwritable cache only costs time
                    pass
        if folder is not None:
            prune(folder)
    return out


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
