"""The floor of this architecture: one Streamlit slider and one 121x121 Plotly contour, nothing else.

bench/latency.py and bench/startup.py measure every ZO Lab page against this page, side by side in
one run: what a page costs beyond it is what the page itself adds.
Run alone: .venv/bin/python -m streamlit run bench/floor_app.py
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

a = st.slider("Shift a", min_value=-1.0, max_value=1.0, value=0.0, step=0.05)
xs = np.linspace(-2.0, 2.0, 121)
X, Y = np.meshgrid(xs, xs)
Z = (X - a) ** 2 + 2.0 * np.sin(3.0 * Y) + 0.5 * Y ** 2
st.plotly_chart(go.Figure(go.Contour(x=xs, y=xs, z=Z, colorscale="Viridis", ncontours=30)), theme=None)
