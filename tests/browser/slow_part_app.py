"""A part whose rerun takes 2 s, under the app's layout CSS (tests/browser/test_stale.py)."""

import time

import streamlit as st

from ui import theme

theme.apply(projector=False)
st.markdown("Outside the part.")


@st.fragment
def part():
    if st.session_state.get("ran"):
        time.sleep(2.0)              # before anything is sent again: the part's elements stay stale meanwhile
    st.session_state["ran"] = True
    st.slider("Slow slider", 0, 10, 5)
    st.markdown("Inside the part.")


part()
