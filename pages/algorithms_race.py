"""Algorithms race: GD, SAM, ZO-SGD, ZEST and SABO from one start with one query budget, and the basin map."""

import inspect

import numpy as np
import pandas as pd
import streamlit as st

from ui import lecture, sidebar, urlstate
from zo_core import optimizers
from zo_core.viz import optimizers as race_figures

settings = sidebar.settings()
L = sidebar.landscape(settings.landscape)


@st.cache_data(max_entries=16, show_spinner="Racing…")
def run_race(spec: str, budget: int, seed: int, x0: float, y0: float, lr: float, mu: float, t: float,
             rho: float, kl: float, n: int) -> dict:
    L = sidebar.landscape(spec)
    return optimizers.race(L.f, L.grad, [x0, y0], budget=budget, seed=seed, lr=lr, mu=mu, t=t, n=n, q=n,
                           rho=rho, kl=kl)


@st.cache_data(max_entries=16, show_spinner="Running 100 starts per method…")
def run_basin_map(spec: str, budget: int, seed: int, lr: float, mu: float, n: int, ts: tuple) -> dict:
    L = sidebar.landscape(spec)
    return optimizers.basin_map(L.f, L.grad, L.minima, L.bounds, ts=ts, n_starts=100, budget=budget, seed=seed,
                                lr=lr, mu=mu, n=n)


st.title("Algorithms race")
st.markdown(
    "Five optimizers, one start, one budget of **queries**. GD and SAM use the exact gradient "
    "(each gradient call counted as *one* query — generous: a ZO estimate of it costs 2 values per "
    "direction); ZO-SGD follows the two-point estimate of the smoothed loss; ZEST the tilted loss $L_t$ "
    "(Stein's identity with softmax weights); SABO moves a Gaussian after a KL-sized ascent step."
)

(bx0, bx1), (by0, by1) = L.bounds
c1, c2, c3, c4 = st.columns(4)
budget = urlstate.slider("Query budget", "ar_budget", bound="ar_budget", default=1000, step=100, where=c1)
x0 = urlstate.slider("Start x", "ar_x0", bound="ar_x0", default=-0.8, step=0.05, where=c2)
y0 = urlstate.slider("Start y", "ar_y0", bound="ar_y0", default=0.3, step=0.05, where=c3)
lr = urlstate.log_slider("Step size lr", "ar_lr", bound="ar_lr", default=0.02, per_decade=10, where=c4)
c5, c6, c7, c8, c9 = st.columns([2, 3, 2, 2, 1])
mu = urlstate.log_slider("μ (ZO radius)", "ar_mu", bound="ar_mu", default=0.05, per_decade=10, where=c5)
t = urlstate.symlog_slider("ZEST tilt t", "ar_t", bound="ar_t", default=20.0, per_decade=10, where=c6)
rho = urlstate.log_slider("SAM ρ", "ar_rho", bound="ar_rho", default=0.05, per_decade=10, where=c7)
kl = urlstate.log_slider("SABO KL radius", "ar_kl", bound="ar_kl", default=0.01, where=c8)
n = urlstate.slider("pairs n", "ar_n", bound="ar_n", default=1, where=c9,
                    help="ZEST's antithetic pairs, SABO's samples, ZO-SGD's directions q.")

start = (float(np.clip(x0, bx0, bx1)), float(np.clip(y0, by0, by1)))
if start != (x0, y0):
    st.warning(f"The start ({x0:g}, {y0:g}) lies outside this landscape's window; using {start}.")

try:
    runs = run_race(settings.landscape, budget, settings.seed, *start, lr, mu, t, rho, kl, n)
except ValueError as err:
    st.error(f"The race cannot run with these settings: {err}")
    st.stop()

left, right = st.columns([3, 2])
with left:
    st.plotly_chart(race_figures.race_paths(L, runs, projector=settings.projector), key="ar_paths",
                    config={"displaylogo": False})
    st.caption("Press ▶ to replay the race by queries spent; drag the slider to stop at any budget.")
with right:
    st.plotly_chart(race_figures.race_losses(runs, projector=settings.projector), key="ar_losses",
                    config={"displaylogo": False})
    st.dataframe(pd.DataFrame({
        "method": [optimizers.LABELS[m] for m in runs],
        "queries spent": [int(r.queries[-1]) for r in runs.values()],
        "steps": [len(r.queries) - 1 for r in runs.values()],
        "final x": [r.xs[-1, 0] for r in runs.values()],
        "final y": [r.xs[-1, 1] for r in runs.values()],
        "final f": [r.fs[-1] for r in runs.values()],
    }).style.format(precision=4), hide_index=True)

st.subheader("Basin map")
st.markdown(
    "The tilted-SAM claim: a positive tilt steers a ZO method towards flat minima. Here 100 starts drawn "
    "uniformly from the window run ZO-SGD and ZEST (same starts, same seed, μ and lr as above); each end "
    "point is assigned to the basin it lies in (a few exact gradient steps, not charged). The bars show "
    "what it really gives — ± is the binomial standard error, about 4 points at 100 starts."
)
b1, b2 = st.columns(2)
b_budget = urlstate.slider("Budget per start", "ar_bbudget", bound="ar_bbudget", default=400, step=100,
                           where=b1)
tilts = urlstate.choice("ZEST tilts", "ar_ts", ["1,3,10,30", "0.1,1,10,100", "-10,-1,1,10"], default="1,3,10,30",
                        where=b2)
if len(L.minima) < 2:
    st.info(f"The basin map needs at least two known minima; {L.title} has {len(L.minima)}. "
            "Pick 'Sharp vs flat minima' or Himmelblau in the sidebar.")
else:
    ts = tuple(float(v) for v in tilts.split(","))
    fractions = run_basin_map(settings.landscape, b_budget, settings.seed, lr, mu, n, ts)
    st.plotly_chart(race_figures.basin_bars(fractions, race_figures.basin_labels(L), n_starts=100,
                                            projector=settings.projector), key="ar_basins",
                    config={"displaylogo": False})
    last = race_figures.basin_labels(L)[-1]
    st.caption(f"Ending in the {last}: " + ", ".join(f"{name} {share[-1]:.0%}" for name, share in fractions.items())
               + ". Differences below about 8 points (two standard errors) are noise.")

lecture.panel("sabo", projector=settings.projector)
with st.expander("Show the code", icon=":material/code:"):
    st.code(inspect.getsource(optimizers.zest_estimate) + "\n\n" + inspect.getsource(optimizers.run),
            language="python")
