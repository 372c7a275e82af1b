"""AppTest helpers: open app.py (the st.navigation router) on a given page, with URL parameters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import chart as ui_chart
from ui import copylink as ui_copylink
from ui import livechart as ui_livechart

ROOT = Path(__file__).resolve().parents[1]


def open_page(page: str | None = None, params: dict | None = None, state: dict | None = None,
              timeout: float = 120) -> AppTest:
    """Run app.py, switch to ``page`` (e.g. "pages/landscapes.py") and run it; returns the AppTest.

    ``params`` are URL query parameters (as a shared link would carry them); ``state`` sets session
    state before the first run. AppTest does not collect the sidebar's widgets after a page switch,
    so set sidebar settings (landscape, formula, seed, projector) through ``params`` or ``state``.
    AppTest also collects what app.py itself draws (sidebar, warnings, CSS) on the first run only;
    assert on those right after ``open_page(None, ...)``.
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in (params or {}).items():
        at.query_params[k] = str(v)
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    if page is not None:
        # A shared link opens the page directly; AppTest must pass through the home page first,
        # whose run drops the page's URL keys, so the link's parameters are put back here.
        for k, v in (params or {}).items():
            at.query_params[k] = str(v)
        at.switch_page(page)
        at.run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


def by_key(elements, key: str):
    """The element in ``elements`` (e.g. at.slider) with widget key ``key``."""
    for e in elements:
        if e.key == key:
            return e
    raise KeyError(f"no widget with key {key!r}; keys: {[e.key for e in elements]}")


@dataclass(frozen=True)
class Chart:
    key: str          # the figure's key on the page (ui.figures.show's ``key``)
    figure: dict      # its Plotly JSON, as the browser receives it


def charts(at: AppTest) -> list[Chart]:
    """The page's charts drawn by :mod:`ui.chart`, in page order (AppTest sees components v2 elements
    only as raw protos: the figure is the element's bytes)."""
    return [Chart(e.key, json.loads(e.proto.bytes)) for e in at.get("bidi_component")
            if e.proto.component_name == ui_chart.NAME and e.proto.WhichOneof("data") == "bytes"]


def links(at) -> list[str]:
    """The links shown by :func:`ui.copylink.copy_link` under ``at`` (an AppTest, or e.g. ``at.sidebar``),
    in page order."""
    return [e.proto.bytes.decode() for e in at.get("bidi_component")
            if e.proto.component_name == ui_copylink.NAME and e.proto.WhichOneof("data") == "bytes"]


@dataclass(frozen=True)
class LiveChart:
    header: dict      # label, the slider's labels, the index shown, the frames' version
    figure: dict      # the figure's Plotly JSON at that index
    frames: dict      # every frame (zo_core.viz's frames contract)


def livecharts(at: AppTest) -> list[LiveChart]:
    """The page's :mod:`ui.livechart` components in page order, their payloads read back (header line,
    figure, frames) as the browser reads them."""
    out = []
    for e in at.get("bidi_component"):
        if e.proto.component_name == ui_livechart.NAME:
            head, _, rest = e.proto.bytes.partition(b"\n")
            header = json.loads(head)
            out.append(LiveChart(header, json.loads(rest[:header["figure"]]), json.loads(rest[header["figure"]:])))
    return out
