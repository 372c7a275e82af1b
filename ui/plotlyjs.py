"""plotly.js for the browser: the three bundles of :mod:`zo_core.plotlyjs`, each served at one URL per server.

* ``plotly.min.js``: the full bundle (4.8 MB), which every figure can use;
* ``plotly-cartesian.min.js``: the 2-D bundle (1.5 MB), which the browser reads and evaluates in about
  half the time (a first visit waits for it before its first chart);
* ``plotly-gl3d.min.js``: the 3-D bundle (1.75 MB), for a figure of 3-D traces (the Landscapes surface).
Where a partial one is not installed (or not of the full bundle's version), the full bundle is served
under its name too, so every chart still draws.

Both chart components (:mod:`ui.chart`, :mod:`ui.livechart`; charts in the page itself) load from here
through :data:`LOADER_JS`: the smallest bundle that draws a figure (the full one only for a figure that
mixes 2-D and 3-D traces), each loaded once per browser tab. The bundles stay out of git: they are copied at
first use into ``.zolab/plotlyjs/`` (or a temporary folder on a read-only checkout), and served by a
Streamlit v1 component route that is declared but never mounted (``component/ui.plotlyjs.plotlyjs/…``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import streamlit.components.v1 as components
from streamlit.runtime import get_instance

from zo_core import plotlyjs as bundles

BUILD = Path(__file__).resolve().parents[1] / ".zolab" / "plotlyjs"
FULL = "plotly.min.js"
_NAME = f"{__name__}.plotlyjs"                    # declare_component prefixes the caller's module
URL = f"component/{_NAME}/{FULL}"                  # relative to the app's address (a proxy prefix is kept)
CARTESIAN_URL = f"component/{_NAME}/{bundles.CARTESIAN.file}"
_SRC = {"full": URL} | {b.name: f"component/{_NAME}/{b.file}" for b in bundles.PARTIALS}
_TRACES = {b.name: sorted(b.traces) for b in bundles.PARTIALS}      # in PARTIALS' order: smallest first

# The loader both chart components' scripts begin with: ``bundle(fig)`` names the smallest bundle that draws a
# figure, ``plotly(kind)`` is a promise of that bundle's Plotly object, loaded once per browser tab.
LOADER_JS = r"""
const SRC = __SRC__;
const PARTIAL = Object.entries(__TRACES__).map(([kind, types]) => [kind, new Set(types)]);   // smallest first

function bundle(fig) {                     // the first partial bundle holding every trace (and a frame's), or "full"
  const traces = (fig.data || []).concat(...(fig.frames || []).map((frame) => frame.data || []));
  const found = PARTIAL.find(([, types]) => traces.every((trace) => types.has(trace.type || "scatter")));
  return found ? found[0] : "full";
}

// window.__zoPlotly(src): a promise of the Plotly object of the bundle at src (relative to the page), one per
// bundle and tab; the bundles load one after the other, since each sets window.Plotly.
window.__zoPlotly = window.__zoPlotly || (() => {
  const libs = {}, order = {chain: Promise.resolve()};
  return (relative) => {
    const src = new URL(relative, document.baseURI).href;
    if (!libs[src]) {
      libs[src] = order.chain = order.chain.catch(() => {}).then(() => new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = src;
        s.onload = () => resolve(window.Plotly);
        s.onerror = () => { delete libs[src]; s.remove(); reject(new Error("plotly.js did not load")); };
        document.head.appendChild(s);
      }));
    }
    return libs[src];
  };
})();
const plotly = (kind) => window.__zoPlotly(SRC[kind]);
""".replace("__SRC__", json.dumps(_SRC)).replace("__TRACES__", json.dumps(_TRACES))


def copy_into(folder: Path, src: Path, name: str | None = None) -> Path:
    """``src`` copied into ``folder`` (as ``name``) unless an up-to-date copy is there; returns the copy."""
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / (name or src.name)
    if not dst.exists() or dst.stat().st_size != src.stat().st_size or dst.stat().st_mtime < src.stat().st_mtime:
        shutil.copyfile(src, dst)
    return dst


def folder(name: str, files: list[Path | tuple[Path, str]]) -> Path:
    """A folder under ``.zolab/`` (or the temporary folder when the checkout is read-only) holding ``files``
    (a path, or a (path, name) pair to copy it under another name)."""
    for root in (BUILD.parent / name, Path(tempfile.gettempdir()) / f"zolab-{name}"):
        try:
            for item in files:
                src, as_name = item if isinstance(item, tuple) else (item, None)
                copy_into(root, src, as_name)
            return root
        except OSError:
            continue
    raise OSError(f"no writable folder for {name}")


_DIR: Path | None = None


def serve() -> None:
    """Make every bundle's URL answer on the running server. Each Streamlit runtime
    (AppTest's included) has its own component registry, so this looks there first: every chart calls
    it, and declaring again rebuilds and re-checks the component each time."""
    global _DIR
    if _DIR is None:
        full = bundles.full()
        _DIR = folder("plotlyjs", [full] + [(bundles.installed(b) or full, b.file) for b in bundles.PARTIALS])
    try:
        if get_instance().component_registry.get_component_path(_NAME) == os.path.abspath(_DIR):
            return
    except RuntimeError:       # no runtime (a bare script): declare_component below registers nothing either
        pass
    components.declare_component("plotlyjs", path=str(_DIR))
