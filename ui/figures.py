"""Draw a named zo_core.viz figure on a page (cached), the same call the slide export makes."""

from __future__ import annotations

import streamlit as st

from zo_core import viz


@st.cache_data(max_entries=64, show_spinner=False)
def cached(name: str, params: tuple) -> "viz.go.Figure":
    return viz.build(name, **dict(params))


def show(name: str, *, caption: str = "", key: str | None = None, **params):
    """Build the named figure with ``params`` (cached on them) and draw it; returns the figure."""
    fig = cached(name, tuple(sorted(params.items())))
    st.plotly_chart(fig, key=key or f"fig_{name}", config={"displaylogo": False})
    if caption:
        st.caption(caption)
    return fig
