"""Landscapes: contour and surface of the chosen landscape, its descent field and minima."""

import numpy as np
import pandas as pd
import streamlit as st

from ui import figures, lecture, sidebar, urlstate
from ui.text import escape_markdown
from zo_core.viz import landscapes as landscape_figures

settings = sidebar.settings()
L = sidebar.landscape(settings.landscape)

st.title("Landscapes")
st.markdown(f"**{escape_markdown(L.title)}.** {escape_markdown(L.description)}")
st.latex(L.latex)

c1, c2, c3, c4 = st.columns([2, 2, 2, 1.3])
view = urlstate.choice("View", "view", ["contour", "surface", "both"], default="contour", widget="segmented",
                       where=c1)
n = urlstate.slider("Grid resolution", "n", bound="n", default=121, step=20, where=c2,
                    help="Points per axis of the evaluation grid.")
arrows = urlstate.slider("Descent arrows per axis", "arrows", bound="arrows", default=15, where=c3,
                         help="−∇f on a coarse grid; arrow length grows with log |∇f|.")
log = urlstate.choice("Colours", "log", ["auto", "linear", "log"], default="auto", where=c4,
                      help="Log colours (log(f − min f)) reveal structure in wide-ranging functions; "
                           "'auto' uses the landscape's own preference.")

common = dict(landscape=settings.landscape, log=log, projector=settings.projector)
if view == "both":
    left, right = st.columns(2)
    with left:
        figures.show("landscape_contour", n=n, arrows=arrows, **common)
    with right:
        figures.show("landscape_surface", n=min(n, 121), **common)
elif view == "surface":
    figures.show("landscape_surface", n=min(n, 121), **common)
else:
    figures.show("landscape_contour", n=n, arrows=arrows, **common)

if len(L.minima):
    H = L.hess(L.minima)
    eig = np.linalg.eigvalsh(H)
    st.markdown("**Known minima** — the Hessian's eigenvalues measure sharpness: large means a narrow basin.")
    table = pd.DataFrame({"x": L.minima[:, 0], "y": L.minima[:, 1], "f": L.f(L.minima),
                          "λ_min(∇²f)": eig[:, 0], "λ_max(∇²f)": eig[:, 1]})
    st.dataframe(table, hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="%.4g") for c in table.columns})
else:
    st.info("This landscape has no known minima listed (a saddle, or a formula you typed).")

lecture.footer(__file__, landscape_figures)
