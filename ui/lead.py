"""The chart that changed goes out first, in a part's lone rerun (:mod:`ui.partial`).

In a lone rerun the browser renders every element of the part that has arrived (React, one batch) before
any chart's own code runs, and the part's widgets come before its charts. So the messages of a lone
rerun are held back (:func:`first`) until its first chart whose figure changed: that chart goes out
alone, after the containers it lies in, the server waits :data:`LEAD_GAP_S` for the browser to render
and draw it, then everything held and the rest of the run follow. Only a chart whose place the browser
already has goes ahead (see :class:`Run`); any other run is sent in its own order. The rest of the part
comes LEAD_GAP_S later than it would, the chart the student moved sooner: slider -> updated chart in
Chromium, before and after on two servers side by side, moves alternated: Estimator variance 0.67 and
0.70, Algorithms race 0.67 to 0.81, Adversarial attack 0.82, Hyperparameter tuning 0.86, Landscapes
0.91. The hold works through the run context's message queue (``ScriptRunContext._enqueue``, private in
Streamlit 1.67, the pinned version); tests/app/test_partial_lead.py checks it on a real server.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Callable, Iterator

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

LEAD_GAP_S = 0.05      # after the lead chart: time for the browser to render and draw it before the rest comes
_DRAWN = "_partial_drawn"   # session state: part (fragment id) -> what its last run drew (see Run.drawn)
local = threading.local()  # .run: the Run of the part running on this script thread


def _path(msg) -> tuple:
    return tuple(msg.metadata.delta_path)


def _block_type(msg) -> str | None:
    """The container type of an ``add_block`` delta (None for any other message)."""
    if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "add_block":
        return msg.delta.add_block.WhichOneof("type")
    return None


def _contains(block: tuple, path: tuple) -> bool:
    """Is ``block`` a container of the element at ``path`` (a proper prefix of it)?"""
    return len(block) < len(path) and path[:len(block)] == block


class Run:
    """One run of a part: every message it sends passes here. In a lone rerun they are held back until
    :meth:`lead` (or the end of the run); what each chart was and where it went is kept for the next run.

    A chart may go out ahead of the held messages only where the browser already has its place: at the
    same delta path as in the part's previous run, inside the same chain of container types (a container
    of another type would come without its children, and the chart's place with it)."""

    def __init__(self, ctx, lone: bool, previous: Callable[[str], dict]) -> None:
        self.ctx, self.send, self.previous = ctx, ctx._enqueue, previous   # previous(part id): its last run's drawn
        self.held: list | None = [] if lone else None
        self.blocks: dict[tuple, str] = {}     # containers sent in this run: path -> type
        self.drawn: dict[str, tuple] = {}      # chart key -> (figure hash, path, its containers)
        self.fragment = ""
        self.last = None
        ctx._enqueue = self.enqueue

    def enqueue(self, msg) -> None:
        kind = _block_type(msg)
        if kind is not None:
            self.blocks[_path(msg)] = kind
        if msg.WhichOneof("type") == "delta":
            self.fragment = self.fragment or msg.delta.fragment_id
        self.last = msg
        if self.held is None:
            self.send(msg)
        else:
            self.held.append(msg)

    def chart(self, key: str, data: bytes, msg) -> None:
        """The chart ``key`` (figure ``data``) was sent as ``msg``: the lead, if it changed and its place is known."""
        path = _path(msg)
        drawn = (hash(data), path, tuple((p, t) for p, t in self.blocks.items() if _contains(p, path)))
        self.drawn[key] = drawn
        if self.held is None or msg is not self.held[-1]:
            return
        before = self.previous(self.fragment).get(key)
        if before is None or before[0] == drawn[0] or before[1:] != drawn[1:]:
            return
        self.held.pop()
        first = [m for m in self.held if _block_type(m) is not None and _contains(_path(m), path)]
        ids = {id(m) for m in first}
        rest = [m for m in self.held if id(m) not in ids]
        self.held = None
        for m in first + [msg]:
            self.send(m)
        time.sleep(LEAD_GAP_S)
        for m in rest:
            self.send(m)

    def end(self) -> None:
        """Send what is still held and restore the context's queue."""
        self.ctx._enqueue = self.send
        held, self.held = self.held or [], None
        for m in held:
            self.send(m)


@contextlib.contextmanager
def first(key: str, data: bytes) -> Iterator[None]:
    """Around sending one chart's figure (``data``) under ``key``: in a part's lone rerun, the first chart whose
    figure changed (at a place the browser has) goes out at once, then, after :data:`LEAD_GAP_S`, all held."""
    run = getattr(local, "run", None)
    if run is None:
        yield
        return
    run.last = None
    yield
    if run.last is not None:
        run.chart(key, data, run.last)


@contextlib.contextmanager
def running(lone: bool) -> Iterator[None]:
    """Around one run of a part (``lone``: its lone rerun): its messages pass through a :class:`Run`."""
    ctx = get_script_run_ctx()
    if ctx is None:
        yield
        return
    drawn = st.session_state.setdefault(_DRAWN, {})
    local.run = this = Run(ctx, lone, lambda part_id: drawn.get(part_id, {}))
    try:
        yield
    finally:
        local.run = None
        this.end()
        if this.fragment:
            drawn[this.fragment] = this.drawn
