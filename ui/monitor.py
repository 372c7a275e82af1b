"""What the lecturer sees of a class: active sessions and the slowest reruns, per replica and merged.

app.py wraps the page run:

    with monitor.timed_run(page.title):
        page.run()

Each rerun is timed; one over SLOW_S seconds logs a line (logger ``zolab.monitor``, to the
replica's stderr log). Each process keeps a bounded record (the slowest reruns, who was seen
when) and, at most every HEARTBEAT_S seconds, writes its summary to the shared store, so
`class_summary()` shows all replicas at once. Monitoring never breaks a page: a store failure is
logged once and skipped.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass
from typing import Callable

from ui import warmup
from ui.text import escape_markdown

SLOW_S = 1.0            # a rerun slower than this gets a log line
ACTIVE_S = 600.0        # a session that reran within the last 10 min counts as active
HEARTBEAT_S = 10.0      # how often a replica writes its summary to the store
KEEP = 20               # slowest reruns kept per process

log = logging.getLogger("zolab.monitor")
if not log.handlers:    # Streamlit configures only its own loggers; give ours a timestamped line
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


@dataclass(frozen=True)
class Rerun:
    page: str
    session: str        # the first 8 characters of Streamlit's session id: enough to tell apart
    seconds: float
    at: float           # wall-clock time of the end of the rerun
    error: bool         # the page raised (Streamlit's own rerun/stop signals are not errors)


def session_id() -> str:
    """The first 8 characters of this script run's Streamlit session id ("-" outside a run)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
    except ImportError:  # pragma: no cover - streamlit is a requirement
        ctx = None
    return ctx.session_id[:8] if ctx is not None else "-"


class Monitor:
    """One process's record of reruns. Thread-safe: Streamlit reruns sessions in parallel threads."""

    def __init__(self, *, process: str | None = None, clock: Callable[[], float] = time.time,
                 timer: Callable[[], float] = time.perf_counter, slow_s: float = SLOW_S,
                 active_s: float = ACTIVE_S, keep: int = KEEP, extra: Callable[[], dict] | None = None):
        self.extra = extra                                     # more numbers for the summary (the budget's)
        self.process = process or f"{socket.gethostname()}:{os.getpid()}"
        self.clock, self.timer = clock, timer
        self.slow_s, self.active_s, self.keep = slow_s, active_s, keep
        self._lock = threading.Lock()
        self._slowest: list[tuple[float, int, Rerun]] = []   # min-heap on seconds: pop the fastest
        self._seen: dict[str, tuple[float, str]] = {}         # session -> (last rerun end, page)
        self._n = self._errors = 0
        self._order = itertools.count()
        self._last_beat = float("-inf")
        self._store_failed = False

    @contextlib.contextmanager
    def timed_run(self, page: str, session: str | None = None, store=None, *, counted: bool = True):
        """Time the block as one rerun of `page`; log it if slow; record it; maybe write a heartbeat.
        ``counted=False`` (the start-up warm-up's own visits): logged and listed, but not a session, a
        rerun or an error of the class."""
        session = session or session_id()
        t0, error = self.timer(), False
        try:
            yield
        except Exception:
            error = True
            raise
        finally:
            self.record(Rerun(page if counted else f"{page} (start-up warm-up)", session, self.timer() - t0,
                              self.clock(), error), counted=counted)
            self.heartbeat(store)

    def record(self, r: Rerun, *, counted: bool = True) -> None:
        if r.seconds > self.slow_s:
            log.warning("slow rerun: %.2f s page=%r session=%s%s", r.seconds, r.page, r.session,
                        " (raised)" if r.error else "")
        with self._lock:
            if counted:
                self._n += 1
                self._errors += r.error
                self._seen[r.session] = (r.at, r.page)
            entry = (r.seconds, next(self._order), r)     # the count breaks ties: a Rerun has no order
            if len(self._slowest) < self.keep:
                heapq.heappush(self._slowest, entry)
            elif r.seconds > self._slowest[0][0]:
                heapq.heapreplace(self._slowest, entry)
            if len(self._seen) > 64 and self._n % 64 == 0:     # forget sessions long gone
                horizon = r.at - self.active_s
                self._seen = {s: v for s, v in self._seen.items() if v[0] >= horizon}

    def summary(self) -> dict:
        """{process, active_sessions, pages: {page: sessions}, reruns, errors, slowest: [Rerun dicts]}"""
        horizon = self.clock() - self.active_s
        with self._lock:
            active = {s: page for s, (at, page) in self._seen.items() if at >= horizon}
            slowest = [asdict(r) for _, _, r in sorted(self._slowest, key=lambda e: -e[0])]
            n, errors = self._n, self._errors
        pages: dict[str, int] = {}
        for page in active.values():
            pages[page] = pages.get(page, 0) + 1
        return {"process": self.process, "active_sessions": len(active), "pages": pages,
                "reruns": n, "errors": errors, "slowest": slowest, **(self.extra() if self.extra else {})}

    def heartbeat(self, store=None, *, force: bool = False) -> None:
        """Write this process's summary to the store, at most every HEARTBEAT_S seconds."""
        now = self.clock()
        if not force and now - self._last_beat < HEARTBEAT_S:
            return
        self._last_beat = now
        try:
            if store is None:
                from ui import store as store_module

                store = store_module.default()
            store.put_monitor(self.process, self.summary())
        except Exception as exc:          # the class goes on without the lecturer's overview
            if not self._store_failed:
                log.warning("monitor heartbeat not stored: %s", exc)
                self._store_failed = True


def class_summary(store=None, *, max_age_s: float = 3 * HEARTBEAT_S, top: int = 10) -> dict:
    """All replicas' latest heartbeats merged: {active_sessions, replicas: {process: sessions}, slowest}."""
    if store is None:
        from ui import store as store_module

        store = store_module.default()
    beats = store.monitors(max_age_s)
    slowest = sorted((dict(r, process=p) for p, b in beats.items() for r in b["slowest"]),
                     key=lambda r: -r["seconds"])[:top]
    merged = {"active_sessions": sum(b["active_sessions"] for b in beats.values()),
              "replicas": {p: b["active_sessions"] for p, b in beats.items()},
              "reruns": sum(b["reruns"] for b in beats.values()),
              "errors": sum(b["errors"] for b in beats.values()),
              "slowest": slowest}
    for field in BUDGET_FIELDS:                      # absent from older heartbeats: counted as 0
        merged[field] = sum(b.get(field, 0) for b in beats.values())
    return merged


BUDGET_FIELDS = ("slots", "running", "waiting", "long_runs", "long_running", "refused", "sessions_over")


def _budget() -> dict:
    from ui import budget

    return budget.snapshot()


_monitor = Monitor(extra=_budget)


def timed_run(page: str, session: str | None = None, *, counted: bool = True):
    """The process-wide monitor's timed_run (see Monitor.timed_run)."""
    return _monitor.timed_run(page, session, counted=counted)


def summary() -> dict:
    """This process's summary (see Monitor.summary)."""
    return _monitor.summary()


def render() -> None:
    """The lecturer's panel: active sessions over all replicas and the slowest reruns (Streamlit)."""
    import streamlit as st

    try:
        s = class_summary()
    except Exception as exc:          # no store: show this replica alone
        st.caption(f"Shared store unavailable ({exc}); this replica only.")
        s = summary()
        s["replicas"] = {s["process"]: s["active_sessions"]}
    cols = st.columns(3)
    cols[0].metric("Active sessions", s["active_sessions"])
    cols[1].metric("Replicas reporting", len(s["replicas"]))
    cols[2].metric("Reruns that raised", s["errors"])
    cols = st.columns(4)
    cols[0].metric("Heavy computations running", f"{s.get('running', 0)} of {s.get('slots', 0)} slots",
                   help="Figures not cached yet, exports, memory measurements: a few at a time per replica.")
    cols[1].metric("Waiting for a slot", s.get("waiting", 0))
    cols[2].metric("Fine-tuning runs", f"{s.get('long_running', 0)} of {s.get('long_runs', 0)}")
    cols[3].metric("Refused for fairness", s.get("refused", 0),
                   help=f"{s.get('sessions_over', 0)} session(s) are over their share of heavy work right now.")
    w = warmup.status()
    done = ", ".join(w["done"]) or "nothing yet"
    st.caption(f"Start-up warm-up of this replica: {w['state']}"
               + (f" in {w['seconds']:.1f} s" if w["seconds"] is not None else "") + f"; ready: {done}."
               + (" Failed: " + escape_markdown("; ".join(w["failed"])) + "." if w["failed"] else ""))
    rows = [{"page": r["page"], "seconds": round(r["seconds"], 2), "session": r["session"],
             "replica": r.get("process", s.get("process", "")),
             "when": time.strftime("%H:%M:%S", time.localtime(r["at"]))} for r in s["slowest"]]
    st.dataframe(rows, hide_index=True)
