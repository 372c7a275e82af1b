"""plotly.js for the browser: the installed plotly package's bundle, served at one URL per server.

Both chart components load it from here: :mod:`ui.chart` (charts in the page itself, loaded once per
browser tab) and :mod:`ui.livechart` (its frame). One URL, so the browser fetches and caches one copy.
The 4.8 MB bundle stays out of git: it is copied at first use into ``.zolab/plotlyjs/`` (or a
temporary folder on a read-only checkout), and served by a Streamlit v1 component route that is
declared but never mounted (``component/ui.plotlyjs.plotlyjs/plotly.min.js``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import streamlit.components.v1 as components
from streamlit.runtime import get_instance

BUILD = Path(__file__).resolve().parents[1] / ".zolab" / "plotlyjs"
FILE = "plotly.min.js"
_NAME = f"{__name__}.plotlyjs"                    # declare_component prefixes the caller's module
URL = f"component/{_NAME}/{FILE}"                  # relative to the app's address (a proxy prefix is kept)


def source() -> Path:
    """The installed plotly package's bundle."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / FILE


def copy_into(folder: Path, src: Path) -> Path:
    """``src`` copied into ``folder`` unless an up-to-date copy is there; returns the copy."""
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / src.name
    if not dst.exists() or dst.stat().st_size != src.stat().st_size or dst.stat().st_mtime < src.stat().st_mtime:
        shutil.copyfile(src, dst)
    return dst


def folder(name: str, files: list[Path]) -> Path:
    """A folder under ``.zolab/`` (or the temporary folder when the checkout is read-only) holding ``files``."""
    for root in (BUILD.parent / name, Path(tempfile.gettempdir()) / f"zolab-{name}"):
        try:
            for src in files:
                copy_into(root, src)
            return root
        except OSError:
            continue
    raise OSError(f"no writable folder for {name}")


_DIR: Path | None = None


def serve() -> None:
    """Make :data:`URL` answer on the running server. Each Streamlit runtime (AppTest's included) has
    its own component registry, so this looks there first: every chart calls it, and declaring again
    rebuilds and re-checks the component each time."""
    global _DIR
    if _DIR is None:
        _DIR = folder("plotlyjs", [source()])
    try:
        if get_instance().component_registry.get_component_path(_NAME) == os.path.abspath(_DIR):
            return
    except RuntimeError:       # no runtime (a bare script): declare_component below registers nothing either
        pass
    components.declare_component("plotlyjs", path=str(_DIR))
