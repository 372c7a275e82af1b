"""Estimator variance: how E||g||^2 grows with the dimension d and shrinks with the directions q."""

import streamlit as st

from ui import claims as claims_ui
from ui import keep_last, lecture, partial, sidebar, urlstate
from zo_core import claims, estimators, theory

import numpy as np

settings = sidebar.settings()

st.title("Estimator variance")
st.markdown(
    "A random-direction estimate is unbiased for $\\nabla f_\\mu$, but its size grows with the dimension: "
    "on a linear $f$, $\\mathbb{E}\\|g\\|^2 = (d+2)\\|\\nabla f\\|^2$ (Gaussian) or $d\\|\\nabla f\\|^2$ "
    "(sphere). Dots are Monte Carlo means with 95% bands; lines are the closed forms of `zo_core.theory` "
    "(none exist for Rosenbrock)."
)


def controls_charts_and_claims() -> None:
    """Every control, the tab on screen and the claims at these settings: reruns alone on its controls."""
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
    # Only the tab on screen is computed and sent (a switch reruns the page): a μ move redraws one chart, not four.
    if tabs[0].open:
        with tabs[0]:
            keep_last.show("variance_vs_dim", key="ev_dim", scheme=scheme, mu=float(mu), q=int(q), **common,
                           caption="d from 1 to 10,000 on log axes: the variance grows linearly in d.")
    if tabs[1].open:
        with tabs[1]:
            keep_last.show("variance_vs_mu", key="ev_mu_fig", scheme=scheme, d=d, q=int(q), **common,
                           caption="One-point: E‖g‖² ≈ d f(x)²/μ² — the variance is infinite in the limit μ → 0. "
                                   "Two-point schemes stay bounded.")
    if tabs[2].open:
        with tabs[2]:
            keep_last.show("variance_vs_q", key="ev_q_fig", scheme=scheme, mu=float(mu), d=d, **common,
                           caption="Averaging q independent directions divides the variance by q (and costs q times "
                                   "more).")
    if tabs[3].open:
        with tabs[3]:
            keep_last.show("cosine_vs_dim", key="ev_cos", scheme=scheme, mu=float(mu), q=int(q), **common,
                           caption=f"Exact for q = 1: E|cos| = Γ(d/2)/(√π Γ((d+1)/2)) ≈ √(2/(πd)); "
                                   f"at d = {d}: {float(theory.expected_abs_cosine(d)):.3f}.")
    if tabs[4].open:
        with tabs[4]:
            coordinate = urlstate.slider("Coordinate i", "ev_coord", bound="ev_coord", default=1)
            keep_last.show("coordinate_histogram", key="ev_hist", scheme=scheme, mu=float(mu), d=d, q=int(q),
                           coordinate=min(int(coordinate), d) - 1, **(common | dict(n=max(int(n), 1000))),
                           caption="One coordinate of many estimates: centred on the exact partial derivative, "
                                   "with a spread that grows like √d.")
    if tabs[5].open:
        with tabs[5]:
            keep_last.show("budget_error", key="ev_budget", d=d, **common,
                           caption="Same queries, two strategies: averaging random directions converges like √(d/q) "
                                   "at any budget; coordinate differences need all 2d queries to be exact.")

    # The lecture's claim at these settings (closed form on the linear test function), and its prompts.
    V = claims.linear_second_moment(method, scheme, d, int(q), float(mu))
    claims_ui.claim(
        f"On the linear test function ($f(x) = 1$, $\\|\\nabla f\\| = 1$) with {method} directions, {scheme}, "
        f"d = {d}, q = {q}, μ = {mu:.3g}: $\\mathbb E\\|g\\|^2$ = {V['second_moment']:.4g}, so one estimate "
        f"misses the gradient by {V['rel_error']:.3g} times its length on average (root mean square). "
        + (f"About q = {V['q_for_unit']:,} directions bring that down to 1." if V["rel_error"] > 1 else
           "That is already below 1: these estimates point roughly the right way."))
    V2 = claims.linear_second_moment(method, scheme, 2 * d, int(q), float(mu))
    growth = V2["second_moment"] / V["second_moment"]
    claims_ui.predict(
        "ev_p_dim", f"Double the dimension from d = {d} to {2 * d}, same q and μ. What does $\\mathbb E\\|g\\|^2$ do?",
        ["it about doubles", "it stays about the same", "it about quadruples"],
        int(np.argmin([abs(np.log(growth / r)) for r in (2.0, 1.0, 4.0)])),
        f"It goes from {V['second_moment']:.4g} to {V2['second_moment']:.4g}, a factor {growth:.3g}: the noise of a "
        "random direction is spread over all d coordinates, so its size grows linearly in d"
        + (" (one-point: d f(x)²/μ² as well)." if scheme == "one-point" else "."))
    V4 = claims.linear_second_moment(method, scheme, d, 4 * int(q), float(mu))
    claims_ui.predict(
        "ev_p_q", f"Average four times as many directions, q = {4 * q}. The relative error "
        "$\\sqrt{\\mathbb E\\|g - \\nabla f\\|^2} / \\|\\nabla f\\|$ …",
        ["halves", "drops to a quarter", "stays the same"], 0,
        f"It goes from {V['rel_error']:.3g} to {V4['rel_error']:.3g}: averaging q independent directions divides the "
        "variance by q and the error by √q — at q times the queries.")


partial.part(controls_charts_and_claims)

lecture.footer(__file__, estimators.sweep)
