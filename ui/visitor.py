"""A visitor without a browser: one Streamlit session spoken over its websocket, as the frontend does.

What Streamlit's frontend (the pinned streamlit's static bundle) does on a page, and this does too:
GET the page (nginx answers with the sticky route cookie, kept for every later request),
GET /_stcore/health and /_stcore/host-config, open ws://HOST/_stcore/stream with subprotocol
"streamlit" (second entry: the XSRF cookie when the server set one), then send a BackMsg
rerun_script with the query string and the page name (first run; no page hash yet) and, on every
widget change, rerun_script with the page's script hash, the current query string (as the app
rewrote it in page_info_changed) and the widget states; a widget drawn inside a part of the page
(st.fragment, ui.partial) carries its part's id, and a change of it reruns that part alone
(rerun_script.fragment_id), as the frontend does. ForwardMsgs the server marks cacheable are
kept and their hashes reported back (cached_message_hashes), so the server sends a reference for
a message this client holds, as it does for a browser; references are resolved from that cache.

Not done, as a browser does it: the static JS/CSS bundle (fetched once per laptop, then cached),
rendering, and the states of widgets the visitor did not touch (the server keeps their last
values). So a visit costs the server exactly what a browser's does: the start-up warm-up
(:mod:`ui.warmup`) visits every page this way, and ``bench.classroom`` plays a class of students.
No Streamlit script calls here (it runs outside any script run).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from ui.chart import NAME as CHART

CACHE_RUNS = 2          # runs a cached message is kept unseen (Streamlit's global.maxCachedMessageAge default)
XSRF_COOKIE = "_streamlit_xsrf"


class Dropped(Exception):
    """The server closed the websocket."""


@dataclass
class Run:
    """What one script run sent back, with arrival times in seconds after the rerun was sent."""
    charts: list[tuple[float, object]] = field(default_factory=list)   # (t, Visitor.chart_value(figure JSON))
    finished: float | None = None             # script_finished (successfully)
    alone: bool = False                       # a part of the page reran alone (st.fragment), not the whole page
    elements: int = 0                         # elements sent (new_element deltas)
    exceptions: list[str] = field(default_factory=list)

    def chart_at(self, value) -> float | None:
        """Arrival of the first chart whose :meth:`Visitor.chart_value` is ``value`` (None: it never came)."""
        return next((t for t, v in self.charts if v == value), None)


class Visitor:
    """One Streamlit session (through the proxy, if any): its own cookies, so its own sticky route.

    ``headers`` go with every request and the websocket's (the warm-up marks its visits this way).
    """

    def __init__(self, url: str, page: str, query: str = "", headers: dict[str, str] | None = None):
        self.url, self.page, self.query = url.rstrip("/"), page, query
        self.cookies: dict[str, str] = {}
        self.headers = dict(headers or {})
        self.page_hash = ""                    # the page's script hash, from new_session / navigation
        self.widgets: dict[str, str] = {}      # label -> widget id, from the deltas
        self.fragments: dict[str, str] = {}    # widget id -> id of the part it is drawn in ("": none)
        self._cache: dict[str, tuple[ForwardMsg, int]] = {}   # hash -> (message, run last seen)
        self._runs = 0
        self.refs = 0                          # messages that came as a reference to this cache
        self._http = AsyncHTTPClient(force_instance=True)     # a connection pool per student
        self._ws = None

    @staticmethod
    def chart_value(figure_json: bytes):
        """What a run records of each ui.chart it receives (here: the figure's size in bytes)."""
        return len(figure_json)

    def _cookie_header(self) -> dict[str, str]:
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        return {**self.headers, **cookie}

    async def _get(self, path: str, timeout: float) -> None:
        r = await self._http.fetch(self.url + path, headers=self._cookie_header(),
                                   request_timeout=timeout, connect_timeout=timeout)
        for c in r.headers.get_list("Set-Cookie"):
            name, _, value = c.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()

    async def open(self, timeout: float) -> Run:
        """Load the page as a browser's first visit does and wait for its first run to finish."""
        t0 = time.monotonic()
        await self._get(f"/{self.page}?{self.query}", timeout)
        await self._get("/_stcore/health", timeout)
        await self._get("/_stcore/host-config", timeout)
        protocols = ["streamlit"] + ([self.cookies[XSRF_COOKIE]] if XSRF_COOKIE in self.cookies else [])
        ws_url = "ws" + self.url.removeprefix("http") + "/_stcore/stream"
        request = HTTPRequest(ws_url, headers={**self._cookie_header(), "Origin": self.url},
                              connect_timeout=timeout, request_timeout=timeout)
        self._ws = await websocket_connect(request, subprotocols=protocols, compression_options={})
        if self._ws.selected_subprotocol != "streamlit":
            raise Dropped(f"server chose subprotocol {self._ws.selected_subprotocol!r}")
        sent = await self.rerun({}, page_name=self.page)
        return await self.collect(sent, t0 + timeout)

    async def rerun(self, widgets: dict[str, float], *, page_name: str = "") -> float:
        """Send rerun_script with these slider values (widget id -> value); returns the send time."""
        self._runs += 1           # forget what went unseen for CACHE_RUNS runs, then report what is held
        self._cache = {h: (m, r) for h, (m, r) in self._cache.items() if self._runs - r <= CACHE_RUNS}
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.page_name = page_name
        cs.cached_message_hashes.extend(self._cache)
        cs.context_info.timezone, cs.context_info.locale, cs.context_info.url = "UTC", "en-US", self.url
        parts = {self.fragments[w] for w in widgets if self.fragments.get(w)}
        if len(parts) == 1:           # the frontend reruns a widget's part alone
            cs.fragment_id = parts.pop()
        for wid, value in widgets.items():
            w = cs.widget_states.widgets.add()
            w.id = wid
            w.double_array_value.data.append(float(value))   # st.slider's state: a one-element array
        t = time.monotonic()
        await self._ws.write_message(msg.SerializeToString(), binary=True)
        return t

    async def _next(self, deadline: float) -> ForwardMsg:
        data = await asyncio.wait_for(self._ws.read_message(), max(0.0, deadline - time.monotonic()))
        if data is None:
            raise Dropped(f"websocket closed ({self._ws.close_code} {self._ws.close_reason})")
        m = ForwardMsg()
        m.ParseFromString(data)
        if m.WhichOneof("type") == "ref_hash":
            if m.ref_hash not in self._cache:
                raise Dropped(f"server referred to message {m.ref_hash} this client never held")
            m = self._cache[m.ref_hash][0]
            self.refs += 1
        if m.metadata.cacheable and m.hash:
            self._cache[m.hash] = (m, self._runs)
        return m

    async def collect(self, sent: float, deadline: float) -> Run:
        """Read ForwardMsgs until the run finishes successfully (a run cut short for a rerun goes on).

        Raises TimeoutError past ``deadline`` and Dropped when the connection closes.
        """
        run = Run()
        while True:
            m = await self._next(deadline)
            t = time.monotonic() - sent
            kind = m.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = m.new_session.page_script_hash
            elif kind == "navigation":        # st.navigation: the page that ran (new_session names app.py)
                self.page_hash = m.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = m.page_info_changed.query_string
            elif kind == "script_finished":
                if m.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                                         ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                    run.finished = t
                    run.alone = m.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
                    if m.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        run.exceptions.append("compile error")
                    return run
            elif kind == "delta" and m.delta.WhichOneof("type") == "new_element":
                el = m.delta.new_element
                run.elements += 1
                what = el.WhichOneof("type")
                if what == "bidi_component" and el.bidi_component.component_name == CHART:
                    run.charts.append((t, self.chart_value(el.bidi_component.bytes)))    # ui.chart: figure JSON
                elif what == "exception":
                    run.exceptions.append(f"{el.exception.type}: {el.exception.message[:80]}")
                else:
                    widget = getattr(el, what)
                    if getattr(widget, "id", "") and getattr(widget, "label", ""):
                        self.widgets[widget.label] = widget.id
                        self.fragments[widget.id] = m.delta.fragment_id

    async def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
        self._http.close()


def visit(url: str, page: str, *, timeout: float = 120.0, headers: dict[str, str] | None = None) -> Run:
    """Open ``page`` of the server at ``url`` as a first visit and return its first run once it has finished
    (its own event loop: call it from a thread that has none)."""
    async def go() -> Run:
        v = Visitor(url, page, headers=headers)
        try:
            return await v.open(timeout)
        finally:
            await v.close()
    return asyncio.run(go())
