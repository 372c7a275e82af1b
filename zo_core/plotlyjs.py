"""Where plotly.js's bundles are, one version of both: the full one and the smaller 2-D one.

* :func:`full`: the bundle the installed ``plotly`` package ships (4.8 MB), which draws every figure;
* :func:`cartesian`: npm's ``plotly.js-cartesian-dist-min`` (1.5 MB; 2-D traces only,
  :data:`CARTESIAN_TRACES`), which ``make`` installs into the virtual environment (``$(VENV)/npm``),
  or None where it is missing or of another plotly.js version than :func:`full` (a figure is drawn by
  the version its JSON was written for);
* :func:`for_traces`: the smallest bundle that draws the given trace types.

The app serves both (``ui.plotlyjs``); an HTML deck inlines the one its figures need.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
from pathlib import Path

CARTESIAN_PACKAGE = "plotly.js-cartesian-dist-min"
CARTESIAN_FILE = "plotly-cartesian.min.js"
# the trace types the cartesian bundle holds (its README); any other type needs the full bundle
CARTESIAN_TRACES = frozenset({"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
                              "image", "pie", "scatter", "scatterternary", "violin"})
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


def cartesian(prefix: str | None = None) -> Path | None:
    """The installed cartesian bundle (under ``prefix``, default ``sys.prefix``) when it is :func:`full`'s
    version, else None (a version mismatch is logged)."""
    package = Path(prefix or sys.prefix) / "npm" / "node_modules" / CARTESIAN_PACKAGE
    bundle = package / CARTESIAN_FILE
    if not bundle.exists():
        return None
    wanted = version(full())
    found = json.loads((package / "package.json").read_text()).get("version")
    if found != wanted:
        _LOG.warning("%s %s does not match plotly.js %s: using the full bundle", CARTESIAN_PACKAGE, found, wanted)
        return None
    return bundle


@functools.lru_cache(maxsize=1)
def installed_cartesian() -> Path | None:
    """:func:`cartesian` in this environment, looked up once per process (the app serves it, decks inline it)."""
    return cartesian()


def for_traces(types) -> Path:
    """The bundle to draw traces of these types with: the cartesian one when it holds them all and is installed."""
    small = installed_cartesian() if set(types) <= CARTESIAN_TRACES else None
    return small or full()


@functools.lru_cache(maxsize=4)
def text(bundle: Path) -> str:
    """A bundle's source, read once per process."""
    return bundle.read_text(encoding="utf-8")
