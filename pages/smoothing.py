"""Smoothing, max-loss, tilting: the average, worst-case and exponentially tilted losses side by side."""

import streamlit as st

from ui import claims as claims_ui
from ui import figures, lecture, livechart, sidebar, urlstate
from ui.text import escape_markdown
from zo_core import bounds, claims, lattice, objectives
from zo_core.viz import objectives as vizobj

import numpy as np

settings = sidebar.settings()
L = sidebar.landscape(settings.landscape)

st.title("Smoothing, max-loss, tilting")
st.markdown(
    "Perturb the point, $\\varepsilon \\sim \\mathcal N(0, \\mu^2 I)$ or uniform in the ball of radius $\\rho$, "
    "and look at the loss around it three ways: the **mean** $f_\\mu(x) = \\mathbb E f(x+\\varepsilon)$ (what "
    "ZO-SGD optimizes), the **max-loss** $\\max_{\\|\\varepsilon\\| \\le \\rho} f(x+\\varepsilon)$ (SAM), and "
    "in between the **tilted** loss $L_t(x) = \\tfrac1t \\log \\mathbb E\\, e^{t f(x+\\varepsilon)}$: "
    "$t = 0$ is the mean, $t < 0$ a soft minimum, large $t$ (ball) the max. $L_t - f_\\mu$ is a sharpness "
    "penalty: large in narrow wells."
)

c2, c3, c4 = st.columns([2, 2, 2])
law = urlstate.choice("Perturbation law", "sm_law", list(objectives.LAWS), default="ball", widget="segmented",
                      where=c2, help="gaussian: ε ~ N(0, μ² I); ball: ε uniform in the ball of radius ρ.")
mu = urlstate.log_slider("μ (gaussian std)", "sm_mu", bound="sm_mu", default=0.05, per_decade=10, where=c3)
rho = urlstate.log_slider("ρ (ball radius)", "sm_rho", bound="sm_rho", default=0.126, per_decade=10, where=c4,
                          help="Also the radius of the max-loss.")
common = dict(landscape=settings.landscape, mu=mu, rho=rho, law=law, projector=settings.projector)

# t moves in the browser (the panels' chart holds its slider); the rest follows when it is let go.
notes_box, slice_box = st.container(), st.container()
left, right = st.columns([3, 2])
with left:
    t = livechart.slider_chart(
        "objectives_panel", frames=vizobj.panel_frames, over="t", label="Tilt t", key="sm_t",
        options=urlstate.symlog_options(bounds.widget("sm_t").hi, 10), default=20.0, **common,
        help="Symmetric log scale: negative values give a soft minimum, 0 the mean.", caption=(
            "The same objectives over the whole window, on a grid: one discrete law with non-negative weights "
            "(cells inside the disk plus rim points, or the gaussian at the cell centres), log-sum-exp tilting, "
            "and the largest value over the same points for the max-loss, so min f ≤ L_t ≤ max f and "
            "mean ≤ L_t ≤ max-loss hold exactly. Yellow star: the grid minimiser of each. A panel the grid "
            "cannot stand behind says so instead of drawing. Drag t: the tilted panel (a picture of the same "
            "grid, values on hover in the other three) redraws in the browser."))

with notes_box:
    for panel, status, note in vizobj.notes(settings.landscape, t=t, mu=mu, rho=rho, law=law):
        if not panel.startswith("tilted"):       # the tilted panel's chart says so itself, at every t
            (st.error if status == "infinite" else st.warning)(f"{panel}: {note}.", icon=":material/warning:")

try:
    with slice_box:      # drawn above the panels, though it needs the t their slider returns
        figures.show("tilted_slice", t=t, key="sm_slice", caption=(
            "Markers (x, circle, star, diamond): the minimiser of each curve on this line. For the ball and t ≥ 0, "
            "mean ≤ tilted ≤ max everywhere; as t grows the tilted curve climbs from the mean to the max and its "
            "minimiser can jump from the narrow well to the wide one. Below: the sharpness L_t − mean."), **common)
    with right:
        figures.show("tilt_minimisers", key="sm_sweep", caption=(
            "Where L_t is smallest on the slice, for every t on the slider's scale: dotted lines are the "
            "minima of f."), **common)
    st.subheader("At one point: the sharpness expansion beside the exact value")
    start = L.minima[0] if len(L.minima) else [sum(L.bounds[0]) / 2, sum(L.bounds[1]) / 2]
    p1, p2, p3 = st.columns([1, 1, 3])
    px = urlstate.number("x", "sm_x", bound="sm_x", default=round(float(start[0]), 3),
                         step=0.05, where=p1)
    py = urlstate.number("y", "sm_y", bound="sm_y", default=round(float(start[1]), 3),
                         step=0.05, where=p2)
    rows, message = vizobj.sharpness_rows(settings.landscape, px, py, t=t, mu=mu, rho=rho, law=law)
    with p3:
        st.table({"quantity": [r[0] for r in rows], "value": [r[1] for r in rows]})
        st.caption("For small t, L_t ≈ f_μ + (t/2)·Var f(x+ε): tilting adds half t times the variance of the "
                   "loss around x, large in sharp wells. The last digits differ by the O(t²) terms.")
        if message:
            st.warning(message, icon=":material/warning:")
except ValueError as err:
    st.error(f"These settings cannot be drawn: {err}")

# The lecture's claim at these settings, and its hands-on prompts as predict-then-reveal steps.
WELLS = ["the sharp well", "the flat well", "neither (equal, or both infinite)"]


def _v(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}" if np.isfinite(v) else ("undefined" if np.isnan(v) else "+∞" if v > 0 else "−∞")


try:
    radius_name = f"μ = {mu:.3g}" if law == "gaussian" else f"ρ = {rho:.3g}"
    B = claims.basins(settings.landscape, float(t), float(mu), float(rho), law)
    if B is None:
        claims_ui.claim(f"This landscape lists fewer than two minima, so there is no sharp and flat well to compare; "
                        "pick 'Sharp vs flat minima' in the sidebar.")
    else:
        def winner(kind: str) -> str:
            w = B[f"{kind}_winner"]
            return "neither well is lower" if w == "neither" else f"the {w} well wins"
        claims_ui.claim(
            f"At {radius_name} ({law}) the smoothed value is {_v(B['mean'][0])} in the sharp well, "
            f"{_v(B['mean'][1])} in the flat one ({winner('mean')}; f itself: {_v(B['f'][0])} against "
            f"{_v(B['f'][1])}). Tilted at t = {t:.3g}: {_v(B['tilted'][0])} against {_v(B['tilted'][1])}, "
            f"so {winner('tilted')}"
            + ("." if B["tilted_winner"] != B["mean_winner"] else
               f": at these settings tilting does not change the verdict of the mean."))
        B2 = claims.basins(settings.landscape, float(t), 2 * float(mu), 2 * float(rho), law)
        bigger = f"μ = {2 * mu:.3g}" if law == "gaussian" else f"ρ = {2 * rho:.3g}"
        claims_ui.predict(
            "sm_p_radius", f"Double the radius to {bigger}. Which well has the lower smoothed mean $f_\\mu$ then?",
            WELLS, claims.WINNERS.index(B2["mean_winner"]),
            f"At {bigger} the mean is {_v(B2['mean'][0])} in the sharp well and {_v(B2['mean'][1])} in the flat "
            f"one (now {_v(B['mean'][0])} and {_v(B['mean'][1])}). Smoothing averages f over the radius: a narrow "
            "well is filled in by its walls, a wide one hardly changes.")
        tneg = -abs(float(t)) or -20.0
        Bneg = claims.basins(settings.landscape, tneg, float(mu), float(rho), law)
        claims_ui.predict(
            "sm_p_soft", f"Set $t = {tneg:.3g}$ (a soft minimum). Which well has the lower $L_t$?",
            WELLS, claims.WINNERS.index(Bneg["tilted_winner"]),
            f"At $t = {tneg:.3g}$: {_v(Bneg['tilted'][0])} in the sharp well, {_v(Bneg['tilted'][1])} in the flat "
            "one. A negative tilt weights the lowest values around x most: a deep narrow well looks good again.")
    (bx0, bx1), (by0, by1) = L.bounds
    at = B["sharp"] if B is not None else ((bx0 + bx1) / 2, (by0 + by1) / 2)   # where L_t moves most
    pt = claims.tilted_at(settings.landscape, at[0], at[1], (-20.0, 0.0, 20.0), float(mu), float(rho), law)
    claims_ui.predict(
        "sm_p_monotone", f"Move t from −20 through 0 to +20. What does $L_t$ do at the point ({at[0]:.3g}, {at[1]:.3g})?",
        ["it only grows", "it only shrinks", "it goes up, then down"], 0,
        f"Here $L_{{-20}}$ = {_v(pt[0], 4)}, $L_0 = f_\\mu$ = {_v(pt[1], 4)}, $L_{{20}}$ = {_v(pt[2], 4)}: $L_t$ is "
        "non-decreasing in t for every f (Jensen: a larger tilt weights the higher losses more), from the soft "
        "minimum through the mean towards the max-loss.")
except ValueError as err:
    st.caption(f"No claim at these settings: {escape_markdown(err)}")

lecture.footer(__file__, objectives.tilted, lattice.tilted_sum)
