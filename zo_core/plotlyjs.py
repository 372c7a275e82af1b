"""Where plotly.js's bundles are, one version of all: the full one and two partial ones.

* :func:`full`: the bundle the installed ``plotly`` package ships (4.8 MB), which draws every figure;
* :data:`CARTESIAN`: npm's ``plotly.js-cartesian-dist-min`` (1.5 MB; 2-D traces only), and :data:`GL3D`:
  ``plotly.js-gl3d-dist-min`` (1.75 MB; 3-D traces and scatter), which ``make`` installs into the virtual
  environment (``$(VENV)/npm``). :func:`installed` is None for one that is missing or of another plotly.js
  version than :func:`full` (a figure is drawn by the version its JSON was written for);
* :func:`for_traces`: the smallest bundle that draws the given trace types.

The app serves all three (``ui.plotlyjs``); an HTML deck inlines the one its figures need.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Partial:
    """A partial plotly.js bundle from npm: its package, its file, and the trace types it holds (its README)."""

    name: str
    package: str
    file: str
    traces: frozenset


CARTESIAN = Partial("cartesian", "plotly.js-cartesian-dist-min", "plotly-cartesian.min.js",
                    frozenset({"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
                               "image", "pie", "scatter", "scatterternary", "violin"}))
GL3D = Partial("gl3d", "plotly.js-gl3d-dist-min", "plotly-gl3d.min.js",
               frozenset({"cone", "isosurface", "mesh3d", "scatter", "scatter3d", "streamtube", "surface", "volume"}))
PARTIALS = (CARTESIAN, GL3D)       # smallest first: the first that holds a figure's traces draws it
_LOG = logging.getLogger(__name__)


def full() -> Path:
    """The installed plotly package's full bundle."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def version(bundle: Path) -> str | None:
    """The plotly.js version a bundle's header names ("plotly.js v4.1.1"), or None."""
    with open(bundle, encoding="utf-8", errors="replace") as f:
        match = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", f.read(512))
    return match.group(1) if match else None


def partial(bundle: Partial, prefix: str | None = None) -> Path | None:
    """``bundle``'s file as npm installed it under ``prefix`` (default ``sys.prefix``) when it is :func:`full`'s
    version, else None (a version mismatch is logged)."""
    package = Path(prefix or sys.prefix) / "npm" / "node_modules" / bundle.package
    file = package / bundle.file
    if not file.exists():
        return None
    wanted = version(full())
    found = json.loads((package / "package.json").read_text()).get("version")
    if found != wanted:
        _LOG.warning("%s %s does not match plotly.js %s: using the full bundle", bundle.package, found, wanted)
        return None
    return file


@functools.lru_cache(maxsize=None)
def installed(bundle: Partial) -> Path | None:
    """:func:`partial` in this environment, looked up once per process (the app serves it, decks inline it)."""
    return partial(bundle)


def for_traces(types) -> Path:
    """The bundle to draw traces of these types with: the first partial one that holds them all and is
    installed, else the full one."""
    types = set(types)
    for bundle in PARTIALS:
        if types <= bundle.traces and installed(bundle):
            return installed(bundle)
    return full()


@functools.lru_cache(maxsize=4)
def text(bundle: Path) -> str:
    """A bundle's source, read once per process."""
    return bundle.read_text(encoding="utf-8")
