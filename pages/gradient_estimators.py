"""Gradient estimators: a cloud of estimates at a point of the landscape, and the error against mu."""

import pandas as pd
import streamlit as st

from ui import keep_last, lecture, livechart, sidebar, urlstate
from ui.text import escape_markdown
from zo_core import bounds, estimators
from zo_core.viz import estimators as estimator_figures

settings = sidebar.settings()
L = sidebar.landscape(settings.landscape)

st.title("Gradient estimators")
st.markdown(
    "Estimate $\\nabla f(x)$ from function values only. **Coordinate** differences probe the $d$ axes; "
    "**random directions** $u$ (Gaussian or on the sphere) probe $q$ directions and scale "
    "$\\frac{f(x+\\mu u) - f(x)}{\\mu}\\,u$ — cheap, but noisy. Each dot below is one estimate."
)
st.latex(r"g = \frac{\phi}{q}\sum_{j=1}^{q} \frac{f(x+\mu u_j) - f(x-\mu u_j)}{2\mu}\,u_j,"
         r"\qquad \phi = 1 \text{ (gaussian)},\ \phi = d \text{ (sphere)}")

c1, c2, c3 = st.columns(3)
method = urlstate.choice("Directions", "ge_method", list(estimators.METHODS), default="gaussian",
                         widget="segmented", where=c1)
scheme = urlstate.choice("Scheme", "ge_scheme", list(estimators.SCHEMES), default="central", widget="segmented",
                         where=c2, help="one-point needs random directions.")
precision = urlstate.choice("Precision", "ge_precision", ["float64", "float32"], default="float64",
                            widget="segmented", where=c3, help="float32 shows round-off at a larger μ.")
c1, c2, c3 = st.columns(3)
q = urlstate.slider("Directions averaged q", "ge_q", bound="ge_q", default=1, where=c1,
                    disabled=method == "coordinate")
n = urlstate.slider("Estimates drawn n", "ge_n", bound="ge_n", default=300, step=10, where=c2)
c1, c2, _ = st.columns(3)
(x0, x1), (y0, y1) = L.bounds
x = urlstate.number("Point x", "ge_x", bound="ge_x", default=0.5, step=0.1, where=c1)
y = urlstate.number("Point y", "ge_y", bound="ge_y", default=0.5, step=0.1, where=c2)
if not (x0 <= x <= x1 and y0 <= y <= y1):
    st.warning(f"({x:g}, {y:g}) lies outside the drawn window of {escape_markdown(L.title)}; the estimates are still computed there.")

common = dict(landscape=settings.landscape, x=float(x), y=float(y), precision=precision,
              projector=settings.projector)
# μ moves in the browser: every value on its scale is precomputed, the page reruns when it is let go.
MU = bounds.widget("ge_mu")
mu = livechart.slider_chart("estimator_cloud", frames=estimator_figures.cloud_frames, over="mu",
                            label="Smoothing radius μ", key="ge_mu",
                            options=urlstate.log_options(MU.lo, MU.hi, 4),
                            default=0.1, method=method, scheme=scheme, q=int(q), n=int(n), seed=settings.seed,
                            **common,
                            caption="Left: the point and the directions of −∇f (black) and −mean g (red). Right: "
                                    "every estimate, their mean and 95% covariance ellipse, and the exact gradient "
                                    "(star). Drag μ: the cloud redraws in the browser.")

st.subheader("Queries per estimate")
d = 2
rows = [(m, s, estimators.queries(m, s, d, int(q))) for m in estimators.METHODS for s in estimators.SCHEMES
        if not (m == "coordinate" and s == "one-point")]
st.dataframe(pd.DataFrame(rows, columns=["directions", "scheme", f"queries (d = {d}, q = {q})"]),
             hide_index=True)
st.caption("Coordinate: d + 1 (forward) or 2d (central). Random directions: q + 1, 2q or q (one-point) — "
           "independent of d, which is why they win in high dimension.")

st.subheader("Error against μ")
st.markdown("Truncation error falls like μ (forward) or μ² (central) until round-off, ~ε/μ, takes over: "
            "the best μ is where the two meet. Switch the precision to float32 to move the floor up.")
err_method = urlstate.choice("Directions for this plot", "ge_err_method", list(estimators.METHODS),
                             default="coordinate", widget="segmented")
keep_last.show("error_vs_mu", key="ge_error", method=err_method, q=int(q), n=32, seed=settings.seed,
               mu=float(mu), **common,
               caption="Coordinate: error against ∇f(x). Random directions: error against the same directions "
                       "with exact directional derivatives, so only the finite-difference error remains.")

lecture.footer(__file__, estimators.estimate)
