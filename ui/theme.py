"""Page-level look: projector mode enlarges everything for a lecture hall."""

import streamlit as st

_PROJECTOR_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.25rem; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.3rem !important; } h3 { font-size: 1.8rem !important; }
[data-testid="stAppViewContainer"] { color: #000; background: #fff; }
[data-testid="stSidebar"] * { font-size: 1.1rem; }
</style>
"""


def apply(projector: bool) -> None:
    if projector:
        st.markdown(_PROJECTOR_CSS, unsafe_allow_html=True)
