"""Draw a named zo_core.viz figure on a page (cached), the same call the slide export makes.

Every figure is drawn by :mod:`ui.chart`, which redraws a chart in place when its figure changes.

Under each figure an "Add to deck" button adds ``{figure, params, caption, title}`` to this browser
session's deck (:mod:`ui.deck`: kept in the shared store under ``?deck=<id>``, so it survives a reload),
which the Slides page lists, edits and exports.

Cache policy (one for every named figure): a figure depends only on its name and plain parameters,
so it is built once per server and shared by every session and by the slide exports
(:func:`zo_core.viz.shared`), never copied. ``st.cache_data`` would pickle and unpickle the whole
``go.Figure`` on every hit (tens of ms for a large figure, more than ``st.plotly_chart``'s own
serialisation). Cached figures are read-only: nothing may mutate what :func:`cached` returns.
:func:`cached_json` keeps the figure's Plotly JSON (bytes), which both chart components
(:mod:`ui.chart`, :mod:`ui.livechart`) hand to the browser without re-serialising: a cached move costs
no serialisation at all.

The Slides page builds its deck's figures ahead on a background thread (:func:`build_ahead`), so an
export finds them built.

Fair shares (:mod:`ui.budget`): a figure not built yet in this process is heavy work, built in one of
the server's slots and charged to the session; a session over its budget sees a message and the last
figure it was shown under that key, and cached figures stay free.
"""

from __future__ import annotations

import functools
import threading

import streamlit as st

from ui import budget, chart, monitor
from ui import deck as ui_deck
from zo_core import viz

SHOWN = "_figures_shown"     # session state: figure key -> the (name, params) last drawn under it


def cached(name: str, params: tuple) -> "viz.go.Figure":
    """The named figure for ``params`` (sorted ``(key, value)`` pairs); shared, do not mutate."""
    return viz.shared(name, **dict(params))


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_json(name: str, params: tuple) -> bytes:
    """The Plotly JSON (UTF-8) of :func:`cached`'s figure, serialised once per server."""
    return cached(name, params).to_json(validate=False).encode()


_SEEN: set = set()    # (name, params) built in this process: hits need no spinner (a spinner starts a thread)


def figure(name: str, params: tuple) -> "viz.go.Figure":
    """:func:`cached`, with a spinner naming the figure the first time (shown if it takes > 0.5 s); a first
    build takes a heavy-work slot and is charged to the session (raises :class:`ui.budget.OverBudget`)."""
    if (name, params) in _SEEN:
        return cached(name, params)
    queue = None        # made only when waiting: an extra element would shift the chart's place (a remount)

    def waiting(ahead: int) -> None:
        nonlocal queue
        if queue is None:
            queue = st.empty()
        queue.info(f"Waiting for a turn on the server: {max(ahead, 1)} computation(s) for other students "
                   "go first…", icon=":material/hourglass_top:")

    label = f"the figure “{name.replace('_', ' ')}”"
    with computing(name), budget.heavy(label, session=_session(), on_wait=waiting):
        fig = cached(name, params)
    if queue is not None:
        queue.empty()
    if len(_SEEN) > 4096:
        _SEEN.clear()
    _SEEN.add((name, params))
    return fig


def _session() -> str | None:
    sid = monitor.session_id()
    return None if sid == "-" else sid


def computing(name: str):
    """A spinner naming what is being computed; Streamlit shows it only if the call takes > 0.5 s."""
    return st.spinner(f"Computing the figure “{name.replace('_', ' ')}”…")


def show(name: str, *, caption: str = "", key: str | None = None, **params):
    """Build the named figure with ``params`` (cached on them) and draw it; returns the (shared) figure."""
    ui_deck.keep_in_url()
    key = key or f"fig_{name}"
    shown = st.session_state.setdefault(SHOWN, {})
    drawn = tuple(sorted(params.items()))
    try:
        fig = figure(name, drawn)
        shown[key] = (name, drawn)
    except budget.OverBudget as err:
        st.warning(str(err), icon=":material/hourglass_top:")
        if shown.get(key) not in _SEEN:
            return None
        name, drawn = shown[key]
        fig, params = cached(name, drawn), dict(drawn)
        caption = "Still showing the last settings computed for you. " + caption
    chart.chart(cached_json(name, drawn), key=key)
    if caption:
        st.caption(caption)
    deck_button(name, params, caption, key, title=fig.layout.title.text or "")
    return fig


def deck_button(name: str, params: dict, caption: str, key: str, title: str = "") -> None:
    """The "Add to deck" button under a figure drawn with ``params`` (``title``: the figure's own)."""
    if st.button("Add to deck", key=f"{key}_deck", icon=":material/add_to_photos:",
                 help="Keep this figure, with its current settings, for the slide export (Slides page)."):
        if ui_deck.add(name, params, caption, title=title) < 0:
            st.toast("The deck is full: remove some items on the Slides page first.", icon=":material/block:")
            return
        n = len(ui_deck.items())
        st.toast(f"Added to the deck ({n} item{'' if n == 1 else 's'}). Open the Slides page to export it.",
                 icon=":material/slideshow:")


_AHEAD_LOCK = threading.Lock()
_AHEAD: dict = {"thread": None, "done": set()}    # the running build, the deck texts built (bounded)
AHEAD_WAIT_S = 5.0      # a build ahead waits this long for a heavy-work slot, then gives up: students go first


def build_ahead(deck_json: str) -> threading.Thread | None:
    """Build the deck's figures on a background thread, so that an export finds them built
    (:func:`zo_core.viz.shared`; an export asking for one being built waits for it, not twice).

    One build at a time per server, once per deck text. It takes a heavy-work slot like any first
    build, and gives up when none comes free within :data:`AHEAD_WAIT_S`: it is only a head start,
    and a failure leaves the export to report its own errors. Returns the thread started, or None.
    """
    with _AHEAD_LOCK:
        running = _AHEAD["thread"]
        if deck_json in _AHEAD["done"] or (running is not None and running.is_alive()):
            return None
        if len(_AHEAD["done"]) > 64:
            _AHEAD["done"].clear()
        _AHEAD["done"].add(deck_json)

        def run() -> None:
            from zo_core import slides

            try:
                with budget.heavy("building the deck's figures ahead", wait_s=AHEAD_WAIT_S):
                    slides.build_figures(slides.parse_json(deck_json, source="deck.json"))
            except Exception:
                pass
        _AHEAD["thread"] = threading.Thread(target=run, daemon=True, name="zolab-deck-figures")
        _AHEAD["thread"].start()
        return _AHEAD["thread"]


@functools.lru_cache(maxsize=8)
def export(deck_json: str, fmt: str) -> bytes:
    """The deck (JSON text) exported as ``fmt``; cached on the text, so a second download is instant.

    Download buttons call this lazily, on a thread outside the script run (no Streamlit calls here).
    """
    from zo_core import slides   # the exporters load only when a deck is exported

    with budget.heavy(f"the {fmt} export", wait_s=300.0):   # one slot: a class exporting at once queues
        return slides.export(slides.parse_json(deck_json, source="deck.json"), fmt)
