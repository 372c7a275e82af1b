"""Draw a named figure, or on a ValueError show the message and keep the last figure that worked."""

from __future__ import annotations

import streamlit as st

from ui import figures
from ui.text import escape_markdown


def show(name: str, *, key: str, caption: str = "", **params):
    """Like :func:`ui.figures.show`; bad input becomes ``st.error`` plus the last good chart for ``key``."""
    memo = f"_last_good_{key}"
    try:
        fig = figures.show(name, key=key, caption=caption, **params)
    except ValueError as err:
        st.error(f"These settings cannot be used: {escape_markdown(err)}", icon=":material/error:")
        last = st.session_state.get(memo)
        if last is not None:
            st.caption("Showing the last settings that worked.")
            return figures.show(name, key=key, **last)
        return None
    st.session_state[memo] = params
    return fig
