"""Landscapes: contour and surface of the chosen landscape, its descent field and minima."""

import streamlit as st

from ui import claims as claims_ui
from ui import figures, lecture, partial, sidebar, urlstate
from ui.text import escape_markdown, number_table
from zo_core import claims
from zo_core.viz import landscapes as landscape_figures

import numpy as np

settings = sidebar.settings()
L = sidebar.landscape(settings.landscape)

st.title("Landscapes")
st.markdown(f"**{escape_markdown(L.title)}.** {escape_markdown(L.description)}")
st.latex(L.latex)


def controls_and_chart() -> None:
    """View, grid, arrows and colours -> the chart: the only part of the page they change (reruns alone)."""
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


partial.part(controls_and_chart)

if len(L.minima):
    H = L.hess(L.minima)
    eig = np.linalg.eigvalsh(H)
    st.markdown("**Known minima** — the Hessian's eigenvalues measure sharpness: large means a narrow basin.")
    st.markdown(number_table({"x": L.minima[:, 0], "y": L.minima[:, 1], "f": L.f(L.minima),
                              "λ_min(∇²f)": eig[:, 0], "λ_max(∇²f)": eig[:, 1]}))
else:
    st.info("This landscape has no known minima listed (a saddle, or a formula you typed).")

# The lecture's claim with this landscape's numbers, and its prompts as predict-then-reveal steps.
C = claims.curvature(settings.landscape)
if C is None:
    claims_ui.claim("No minimum is listed for this landscape, so there is no curvature to read here. At a "
                    "saddle the Hessian has eigenvalues of both signs, and gradient descent slides off along the "
                    "negative one.")
else:
    lr_part = (f"A gradient step is stable there only for lr < 2/λ_max = {C['lr_stable']:.3g}: the steepest "
               "direction limits the step, the flattest one the progress")
    if C["count"] >= 2:
        claims_ui.claim(f"The sharpest listed minimum, at ({C['sharp'][0]:.3g}, {C['sharp'][1]:.3g}), has "
                        f"λ_max(∇²f) = {C['lam_sharp']:.3g}; the flattest, at ({C['flat'][0]:.3g}, "
                        f"{C['flat'][1]:.3g}), {C['lam_flat']:.3g}: a factor {C['ratio']:.3g} in curvature. "
                        + lr_part + ".")
    else:
        claims_ui.claim(f"The one listed minimum, at ({C['sharp'][0]:.3g}, {C['sharp'][1]:.3g}), has "
                        f"λ_max(∇²f) = {C['lam_sharp']:.3g} and condition number λ_max/λ_min = "
                        f"{C['cond_sharp']:.3g}. " + lr_part + ".")
    ill = C["cond_sharp"] > 10
    claims_ui.predict(
        "ls_p_arrows", "Turn on the descent arrows near the (sharpest) minimum. Do they point along the valley "
        "floor, towards the minimum, or across the valley?",
        ["along the valley floor", "across the valley", "straight at the minimum (no valley)"], 1 if ill else 2,
        f"The Hessian there has condition number {C['cond_sharp']:.3g}. "
        + ("−∇f is dominated by the steep direction, so the arrows point across the valley and gradient descent "
           "zig-zags, crawling along the floor." if ill else
           "With a condition number this close to 1 the level sets are nearly round: −∇f points at the minimum."))
    B = claims.basins(settings.landscape, 0.0, 0.3, 0.3, "gaussian") if C["count"] >= 2 else None
    if B is not None:
        claims_ui.predict(
            "ls_p_smooth", "A ZO method with random directions minimises the smoothed f_μ, not f. With μ = 0.3, "
            "which of the two minima has the lower f_μ?",
            ["the sharp one", "the flat one", "neither (equal)"], claims.WINNERS.index(B["mean_winner"]),
            f"f is {B['f'][0]:.3g} at the sharp minimum and {B['f'][1]:.3g} at the flat one; smoothed with "
            f"μ = 0.3 (gaussian) it is {B['mean'][0]:.3g} against {B['mean'][1]:.3g}. Averaging over the radius "
            "raises a narrow well by about μ² tr(∇²f)/2: the smoothing radius decides which minimum is preferred.")

lecture.footer(__file__, landscape_figures)
