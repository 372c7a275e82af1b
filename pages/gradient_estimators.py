"""Gradient estimators: a cloud of estimates at a point of the landscape, and the error against mu."""

import streamlit as st

from ui import claims as claims_ui
from ui import keep_last, lecture, livechart, sidebar, urlstate
from ui.text import escape_markdown
from zo_core import bounds, claims, estimators
from zo_core.viz import estimators as estimator_figures

import numpy as np
import pandas as pd

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

# The lecture's claim at this point and μ, and its prompts as predict-then-reveal steps.
E = claims.coordinate_errors(settings.landscape, float(x), float(y), float(mu), precision)
if not all(np.isfinite(v) for v in E.values()):
    claims_ui.claim(f"f or its gradient is not finite at ({x:g}, {y:g}), so there is no error to compare here: "
                    "move the point.")
else:
    ratio = E["forward"] / E["central"] if E["central"] > 0 else float("inf")
    claims_ui.claim(
        f"At ({x:g}, {y:g}) with μ = {mu:.3g} in {precision}, coordinate forward differences miss ∇f by "
        f"{E['forward']:.2g} (‖∇f‖ = {E['grad_norm']:.3g}), central differences by {E['central']:.2g}: "
        + (f"round-off, about ε|f(x)|/μ = {E['roundoff']:.2g} here, sets both errors at this μ, not the truncation "
           "order: a larger μ does better." if not E["truncation_dominates"] else
           f"central is {ratio:.3g}× more accurate, truncation O(μ²) against O(μ)." if E["central_wins"] and ratio >= 2
           else "at this μ central differences are not clearly better: f is nearly linear around x."))
    half = claims.coordinate_errors(settings.landscape, float(x), float(y), float(mu) / 2, precision)
    shrink = E["central"] / half["central"] if half["central"] > 0 else float("inf")
    claims_ui.predict(
        "ge_p_halve", f"Halve μ to {mu / 2:.3g}. What happens to the central coordinate error?",
        ["it shrinks about 4×", "it shrinks about 2×", "it barely changes, or grows"],
        0 if shrink >= 3 else (1 if shrink >= 1.5 else 2),
        f"It goes from {E['central']:.2g} to {half['central']:.2g} (a factor {shrink:.3g}). The truncation error of "
        "central differences falls like μ², so halving μ divides it by 4, until round-off, which grows like ε/μ, "
        "takes over; on a quadratic the truncation error is zero and only round-off is left.")
    M = [claims.linear_second_moment("gaussian", "one-point", 2, 1, m, fx=E["f"], grad_norm=E["grad_norm"])
         for m in (float(mu), float(mu) / 10)]
    grows = M[1]["second_moment"] > 10 * M[0]["second_moment"]
    claims_ui.predict(
        "ge_p_onepoint", "Choose the one-point scheme and shrink μ tenfold. What does the cloud of estimates do?",
        ["it explodes", "it shrinks", "it stays about the same"], 0 if grows else 2,
        f"Here f(x) = {E['f']:.3g}. To first order in μ, one Gaussian direction gives E‖g‖² ≈ d f(x)²/μ² + "
        f"(d+2)‖∇f‖²: {M[0]['second_moment']:.3g} at μ = {mu:.3g}, {M[1]['second_moment']:.3g} at μ = {mu / 10:.3g}. "
        + ("The f(x)/μ term has mean zero but a variance without limit." if grows else
           "With f(x) this close to 0 the f(x)/μ term is negligible here, so the cloud hardly changes."))

lecture.footer(__file__, estimators.estimate)
