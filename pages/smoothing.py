"""Smoothing, max-loss, tilting: the average, worst-case and exponentially tilted losses side by side."""

import streamlit as st

from ui import figures, lecture, livechart, sidebar, urlstate
from zo_core import bounds, lattice, objectives
from zo_core.viz import objectives as vizobj

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

lecture.footer(__file__, objectives.tilted, lattice.tilted_sum)
