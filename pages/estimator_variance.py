"""Estimator variance: how E||g||^2 grows with the dimension d and shrinks with the directions q."""

import streamlit as st

from ui import keep_last, lecture, sidebar, urlstate
from zo_core import estimators, theory

settings = sidebar.settings()

st.title("Estimator variance")
st.markdown(
    "A random-direction estimate is unbiased for $\\nabla f_\\mu$, but its size grows with the dimension: "
    "on a linear $f$, $\\mathbb{E}\\|g\\|^2 = (d+2)\\|\\nabla f\\|^2$ (Gaussian) or $d\\|\\nabla f\\|^2$ "
    "(sphere). Dots are Monte Carlo means with 95% bands; lines are the closed forms of `zo_core.theory` "
    "(none exist for Rosenbrock)."
)

c1, c2, c3 = st.columns(3)
problem = urlstate.choice("Test function", "ev_problem", list(estimators.PROBLEMS), default="linear",
                          widget="segmented", where=c1,
                          help="linear: ‖∇f‖ = 1, f(x) = 1. quadratic: spectrum in [1, 10]. rosenbrock: at 0.")
method = urlstate.choice("Directions", "ev_method", ["gaussian", "sphere"], default="gaussian",
                         widget="segmented", where=c2)
scheme = urlstate.choice("Scheme", "ev_scheme", list(estimators.SCHEMES), default="central", widget="segmented",
                         where=c3)
c1, c2, c3, c4 = st.columns(4)
mu = urlstate.log_slider("Smoothing radius μ", "ev_mu", bound="ev_mu", default=0.01, per_decade=4, where=c1)
q = urlstate.slider("Directions q", "ev_q", bound="ev_q", default=1, where=c2)
n = urlstate.slider("Estimates per point n", "ev_n", bound="ev_n", default=200, step=50, where=c3)
d = int(urlstate.choice("Dimension d (μ, q, histogram, budget tabs)", "ev_d",
                        ["2", "5", "10", "20", "50", "100", "200", "500", "1000"], default="100", where=c4))

common = dict(problem=problem, method=method, n=int(n), seed=settings.seed, projector=settings.projector)
tabs = urlstate.tabs(["vs d", "vs μ", "vs q", "cosine", "histogram", "budget"], "ev_tab")
with tabs[0]:
    keep_last.show("variance_vs_dim", key="ev_dim", scheme=scheme, mu=float(mu), q=int(q), **common,
                   caption="d from 1 to 10,000 on log axes: the variance grows linearly in d.")
with tabs[1]:
    keep_last.show("variance_vs_mu", key="ev_mu_fig", scheme=scheme, d=d, q=int(q), **common,
                   caption="One-point: E‖g‖² ≈ d f(x)²/μ² — the variance is infinite in the limit μ → 0. "
                           "Two-point schemes stay bounded.")
with tabs[2]:
    keep_last.show("variance_vs_q", key="ev_q_fig", scheme=scheme, mu=float(mu), d=d, **common,
                   caption="Averaging q independent directions divides the variance by q (and costs q times more).")
with tabs[3]:
    keep_last.show("cosine_vs_dim", key="ev_cos", scheme=scheme, mu=float(mu), q=int(q), **common,
                   caption=f"Exact for q = 1: E|cos| = Γ(d/2)/(√π Γ((d+1)/2)) ≈ √(2/(πd)); "
                           f"at d = {d}: {float(theory.expected_abs_cosine(d)):.3f}.")
with tabs[4]:
    coordinate = urlstate.slider("Coordinate i", "ev_coord", bound="ev_coord", default=1)
    keep_last.show("coordinate_histogram", key="ev_hist", scheme=scheme, mu=float(mu), d=d, q=int(q),
                   coordinate=min(int(coordinate), d) - 1, **(common | dict(n=max(int(n), 1000))),
                   caption="One coordinate of many estimates: centred on the exact partial derivative, "
                           "with a spread that grows like √d.")
with tabs[5]:
    keep_last.show("budget_error", key="ev_budget", d=d, **common,
                   caption="Same queries, two strategies: averaging random directions converges like √(d/q) "
                           "at any budget; coordinate differences need all 2d queries to be exact.")

lecture.footer(__file__, estimators.sweep)
