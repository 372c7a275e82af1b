"""What goes out first, so that the browser paints what the student is waiting for before the rest.

**Entering a page: its words first** (:func:`words_first`, around the page's run in app.py). The browser
renders the deltas that arrived together in one React batch, and a page's first run sends its title, its
widgets and its panels within a few milliseconds: the page's title appeared only once the whole page had
rendered (Home -> Theory in one tab: 480 ms from the click). So on entering a page the messages that follow
its opening text (title, introduction, formula) are held until :data:`LEAD_GAP_S` after that text went out,
while the script goes on computing; the browser paints the words alone, then gets the rest.

**A part's lone rerun: the chart that changed first** (:func:`running` and :func:`first`, through
:mod:`ui.partial` and :mod:`ui.chart`). In a lone rerun the browser renders every element of the part that
has arrived (React, one batch) before
any chart's own code runs, and the part's widgets come before its charts. So the messages of a lone
rerun are held back (:func:`first`) until its first chart whose figure changed: that chart goes out
alone, after the containers it lies in, the server waits :data:`LEAD_GAP_S` for the browser to render
and draw it, then everything held and the rest of the run follow. Only a chart whose place the browser
already has goes ahead (see :class:`Run`); any other run is sent in its own order. The rest of the part
comes LEAD_GAP_S later than it would, the chart the student moved sooner: slider -> updated chart in
Chromium, before and after on two servers side by side, moves alternated: Estimator variance 0.67 and
0.70, Algorithms race 0.67 to 0.81, Adversarial attack 0.82, Hyperparameter tuning 0.86, Landscapes
0.91.

Both work through the run context's message queue (``ScriptRunContext._enqueue``, private in Streamlit
1.67, the pinned version); tests/app/test_partial_lead.py checks them on a real server.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Callable, Iterator

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

LEAD_GAP_S = 0.05      # after what goes first: time for the browser to paint it before the rest comes
_DRAWN = "_partial_drawn"   # session state: part (fragment id) -> what its last run drew (see Run.drawn)
_PAGE = "_lead_page"        # session state: the page of the session's last run (entering another one: words first)
_WORDS = ("heading", "markdown")     # st.title, st.header, st.markdown, st.latex, st.caption
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


def _in_main(msg) -> bool:
    """Is ``msg`` a delta of the page's main area (not the sidebar's, not a session message)?"""
    return msg.WhichOneof("type") == "delta" and _path(msg)[:1] == (0,)


def _element_type(msg) -> str | None:
    """The element type of a new element (None for a container or any other message)."""
    if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
        return msg.delta.new_element.WhichOneof("type")
    return None


class Words:
    """One page's first run: its messages pass as they come until its opening words have gone out; what
    follows them is held until :data:`LEAD_GAP_S` after the last of those words, then sent in order (by a
    timer, since the script may compute for a while before it sends anything more).

    Messages may come from another thread (a spinner's timer), so every step holds a lock. A run whose first
    element in the main area is not text holds nothing."""

    def __init__(self, ctx, gap: float = LEAD_GAP_S) -> None:
        self.ctx, self.send, self.gap = ctx, ctx._enqueue, gap
        self.words_at: float | None = None     # when the last opening word went out
        self.held: list | None = None          # held after the words; None: passing (before, or done)
        self.done = False
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        ctx._enqueue = self.enqueue

    def enqueue(self, msg) -> None:
        with self.lock:
            if self.held is not None:
                self.held.append(msg)
                return
            if not self.done and _in_main(msg):
                kind = _element_type(msg)
                if kind in _WORDS:
                    self.words_at = time.monotonic()
                elif kind is not None or (self.words_at is not None and _block_type(msg) is not None):
                    self.done = True               # the opening is over: once, whatever follows
                    if self.words_at is not None:  # the words are out: what follows waits for their paint
                        self.held = [msg]
                        wait = max(0.0, self.words_at + self.gap - time.monotonic())
                        self.timer = threading.Timer(wait, self.release)
                        self.timer.daemon = True
                        self.timer.start()
                        return
        self.send(msg)

    def release(self) -> None:
        """Send what is held, in order; from now on messages pass."""
        with self.lock:
            held, self.held = self.held or [], None
            for m in held:
                self.send(m)

    def end(self) -> None:
        """At the end of the run: wait out the gap (a run shorter than it), send what is held, restore the queue."""
        if self.timer is not None:
            self.timer.join(self.gap + 1.0)
        try:
            self.release()
        finally:             # a send may raise to stop the run for a rerun: the queue is restored all the same
            self.ctx._enqueue = self.send


@contextlib.contextmanager
def words_first(page: str) -> Iterator[None]:
    """Around the run of ``page``: when the session enters it (its first run, or coming from another page),
    the page's opening words go out first (:class:`Words`); any other run is sent as it comes."""
    ctx = get_script_run_ctx()
    entering = st.session_state.get(_PAGE) != page
    st.session_state[_PAGE] = page
    words = Words(ctx) if ctx is not None and entering else None
    try:
        yield
    finally:
        if words is not None:
            words.end()
