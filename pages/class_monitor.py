"""Class monitor: how many students are on the server and which reruns were slowest (all replicas)."""

import streamlit as st

from ui import monitor, sidebar

sidebar.settings()
st.title("Class monitor")
st.markdown(
    "Sessions that reran in the last ten minutes and the slowest reruns, over every replica of "
    "`make serve-class` (each replica reports to the shared store every few seconds). A rerun over "
    f"{monitor.SLOW_S:g} s also writes a line to that replica's log."
)
st.button("Refresh", icon=":material/refresh:")
monitor.render()
