"""Draw a named zo_core.viz figure on a page (cached), the same call the slide export makes.

Under each figure an "Add to deck" button stores ``{figure, params, caption}`` in this browser
session's deck (``st.session_state["deck"]``), which the Slides page lists and exports.
"""

from __future__ import annotations

import functools

import streamlit as st

from zo_core import slides, viz

DECK = "deck"


@st.cache_data(max_entries=64, show_spinner=False)
def cached(name: str, params: tuple) -> "viz.go.Figure":
    return viz.build(name, **dict(params))


def deck() -> list[dict]:
    """This browser session's deck: a list of ``{figure, params, caption}`` / ``{markdown}`` items."""
    return st.session_state.setdefault(DECK, [])


def _plain(value):
    """A JSON-friendly copy of a widget value (numpy scalars -> Python numbers)."""
    return value.item() if hasattr(value, "item") else value


def add_to_deck(name: str, params: dict, caption: str = "") -> None:
    deck().append({"figure": name, "params": {k: _plain(v) for k, v in params.items()}, "caption": caption})


def show(name: str, *, caption: str = "", key: str | None = None, **params):
    """Build the named figure with ``params`` (cached on them) and draw it; returns the figure."""
    fig = cached(name, tuple(sorted(params.items())))
    key = key or f"fig_{name}"
    st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False})
    if caption:
        st.caption(caption)
    if st.button("Add to deck", key=f"{key}_deck", icon=":material/add_to_photos:",
                 help="Keep this figure, with its current settings, for the slide export (Slides page)."):
        add_to_deck(name, params, caption)
        n = len(deck())
        st.toast(f"Added to the deck ({n} item{'' if n == 1 else 's'}). Open the Slides page to export it.",
                 icon=":material/slideshow:")
    return fig


@functools.lru_cache(maxsize=8)
def export(deck_json: str, fmt: str) -> bytes:
    """The deck (JSON text) exported as ``fmt``; cached on the text, so a second download is instant.

    Download buttons call this lazily, on a thread outside the script run (no Streamlit calls here).
    """
    return slides.export(slides.parse_json(deck_json, source="deck.json"), fmt)
