"""Algorithms race: GD, SAM, ZO-SGD, ZEST and SABO from one start with one query budget, the basin map,
ZEST's mean against n, the shifted landscape and the (mu, t) phase diagram."""

import streamlit as st

from ui import claims as claims_ui
from ui import figures, lecture, partial, sidebar, urlstate
from zo_core import claims, optimizers
from zo_core.viz import optimizers as race_figures

import numpy as np
import pandas as pd

settings = sidebar.settings()
L = sidebar.landscape(settings.landscape)
D = optimizers.BASIN_DEFAULTS


def _number(v: float) -> str:
    return f"{v:.4g}" if np.isfinite(v) else "—"


st.title("Algorithms race")
st.markdown(
    "Five optimizers, one start, one budget of **queries**. GD and SAM use the exact gradient "
    "(each gradient call counted as *one* query — generous: a ZO estimate of it costs 2 values per "
    "direction); ZO-SGD follows the two-point estimate of the smoothed loss; ZEST the tilted loss $L_t$ "
    "(Stein's identity with softmax weights over $n$ antithetic pairs); SABO moves a Gaussian "
    "$N(m, \\mathrm{diag}\\, s^2)$ after an ascent step of KL size ρ."
)

def race_and_maps() -> None:
    """Everything the race's controls change (they feed the basin map and the phase diagram too): one part."""
    (bx0, bx1), (by0, by1) = L.bounds
    c1, c2, c3, c4 = st.columns(4)
    budget = urlstate.slider("Query budget", "ar_budget", bound="ar_budget", default=D["budget"], step=100, where=c1)
    x0 = urlstate.slider("Start x", "ar_x0", bound="ar_x0", default=-1.0, step=0.05, where=c2)
    y0 = urlstate.slider("Start y", "ar_y0", bound="ar_y0", default=0.2, step=0.05, where=c3)
    lr = urlstate.log_slider("Step size lr", "ar_lr", bound="ar_lr", default=D["lr"], per_decade=10, where=c4)
    c5, c6, c7, c8, c9 = st.columns([2, 3, 2, 2, 1])
    mu = urlstate.log_slider("μ (ZO radius; SABO's first s)", "ar_mu", bound="ar_mu", default=D["mu"], per_decade=10,
                             where=c5)
    t = urlstate.symlog_slider("ZEST tilt t", "ar_t", bound="ar_t", default=10.0, per_decade=10, where=c6)
    rho = urlstate.log_slider("SAM ρ", "ar_rho", bound="ar_rho", default=0.5, per_decade=10, where=c7)
    kl = urlstate.log_slider("SABO KL radius ρ", "ar_kl", bound="ar_kl", default=1.0, per_decade=10, where=c8)
    n = urlstate.slider("pairs n", "ar_n", bound="ar_n", default=D["n"], where=c9,
                        help="ZEST's antithetic pairs, SABO's pairs, ZO-SGD's directions q. "
                             "With n = 1 ZEST carries no curvature information: use n ≥ 4.")

    start = (float(np.clip(x0, bx0, bx1)), float(np.clip(y0, by0, by1)))
    if start != (x0, y0):
        st.warning(f"The start ({x0:g}, {y0:g}) lies outside this landscape's window; using {start}.")

    race = dict(landscape=settings.landscape, budget=int(budget), seed=settings.seed, x0=start[0], y0=start[1],
                lr=float(lr), mu=float(mu), t=float(t), rho=float(rho), kl=float(kl), n=int(n))
    try:
        runs = race_figures.race_runs(**race)     # zo_core.memo: the same entry as the figures' call
    except ValueError as err:
        st.error("The race cannot run with these settings:")
        st.text(str(err))
        st.stop()

    left, right = st.columns([3, 2])
    with left:
        figures.show("race", key="ar_paths", projector=settings.projector, **race,
                     caption="Press ▶ Play to replay the race by queries spent; drag the slider to stop at any budget. "
                             "Each method has its own dash and marker.")
    with right:
        figures.show("race_loss", key="ar_losses", projector=settings.projector, **race)
        st.dataframe(pd.DataFrame({
            "method": [optimizers.LABELS[m] for m in runs],
            "queries spent": [int(r.queries[-1]) if r.stopped < 0 else int(r.stopped) for r in runs.values()],
            "status": [r.status for r in runs.values()],
            "final x": [_number(r.xs[-1, 0]) for r in runs.values()],
            "final y": [_number(r.xs[-1, 1]) for r in runs.values()],
            "final f": [_number(r.fs[-1]) for r in runs.values()],
        }), hide_index=True)
        if lr > 0.045 and L.name == "sharp_flat":
            st.caption(f"GD at lr = {lr:g} cannot settle in the sharp well: its curvature is about 44, and a gradient "
                       "step is stable only for lr < 2/44 ≈ 0.045. Lower lr to see GD stay there.")

    st.subheader("Why flat minima matter: a shifted landscape")
    delta = urlstate.slider("Shift δ (both coordinates)", "ar_shift", bound="ar_shift", default=0.1, step=0.02)
    figures.show("race_shift", key="ar_shift_fig", delta=float(delta), projector=settings.projector, **race,
                 caption="Each end point evaluated on the landscape moved by δ, f(x + δ): a stand-in for the train → "
                         "test shift of the papers. An end point in the flat basin loses little; one in the sharp well "
                         "loses much more once δ is comparable to the well's width (0.15).")

    # The lecture's claim for this race, and its prompts as predict-then-reveal steps.
    R = claims.race(*race.values(), float(delta))
    names = {m: optimizers.LABELS[m] for m in runs}
    if R["best"] is None:
        claims_ui.claim("No method ended at a finite point with these settings, so there is nothing to compare: "
                        "lower lr.")
    else:
        T = R["table"]
        b, bs, fr = R["best"], R["best_shifted"], R["fragile"]
        claims_ui.claim(
            f"Lowest final loss: {names[b]}, f = {T[b][0]:.3g}. On the landscape shifted by δ = {delta:g}: lowest "
            f"{names[bs]}, f(x + δ) = {T[bs][1]:.3g}; {names[fr]}'s end point changes most ({T[fr][2]:+.3g}). "
            + ("The lowest training loss is not the lowest loss after the shift." if bs != b
               else "Here the lowest training loss also stays lowest after the shift."))
        options = [names[m] for m in T]
        claims_ui.predict(
            "ar_p_shift", f"Which method's end point has the lowest loss on the shifted landscape f(x + δ), δ = {delta:g}?",
            options, list(T).index(bs),
            "f(x) → f(x + δ): " + "; ".join(f"{names[m]} {v[0]:.3g} → {v[1]:.3g}" for m, v in T.items())
            + ". An end point in a wide basin loses little under the shift; one in a narrow well loses much more.")
        if R["basins"] is not None and "gd" in R["basins"]:
            labels = race_figures.basin_labels(L)
            C = claims.curvature(settings.landscape)
            claims_ui.predict(
                "ar_p_gd", f"GD starts at ({start[0]:g}, {start[1]:g}) (basin: {labels[R['start_basin']]}) "
                f"with lr = {lr:.3g}. In which basin does it end?", labels, R["basins"]["gd"],
                f"GD ends at ({runs['gd'].xs[-1, 0]:.3g}, {runs['gd'].xs[-1, 1]:.3g}) (basin: "
                f"{labels[R['basins']['gd']]}, by the gradient flow from there). The steepest minimum has "
                f"λ_max = {C['lam_sharp']:.3g}: a gradient step can settle there only for lr < {C['lr_stable']:.3g}. "
                "Exact gradients see no sharpness: GD goes where its start and step size send it.")
        Z = claims.zest_against_zo_sgd(settings.landscape, start[0], start[1], float(mu), float(t), int(n), settings.seed)
        if np.all(np.isfinite(Z["zo_sgd"] + Z["zest"])):
            claims_ui.predict(
                "ar_p_zero_tilt", f"Set ZEST's tilt to t = 0. From the same {n} pairs of directions at the start, how does "
                "ZEST's estimate compare with ZO-SGD's?", ["identical", "shorter", "pointing elsewhere"],
                0 if Z["identical"] else 2,
                f"At the start, same draw: ZO-SGD g = ({Z['zo_sgd'][0]:.3g}, {Z['zo_sgd'][1]:.3g}); ZEST at t = 0 "
                f"({Z['zest0'][0]:.3g}, {Z['zest0'][1]:.3g}); at t = {t:.3g} ({Z['zest'][0]:.3g}, {Z['zest'][1]:.3g}). As "
                "t → 0 the softmax weights become the central two-point estimator. In the race above each method draws "
                "its own directions, so the two curves differ even at t = 0: one run is one sample.")

    st.subheader("Basin map")
    st.markdown(
        f"{D['n_starts']} starts drawn within ±{D['spread']:g} of the first minimum (the sharp well on "
        "'Sharp vs flat') run ZO-SGD (the control: the same n, lr, μ and queries per step) and ZEST at several t, "
        "from the same starts with the same seed. Each end point is assigned to the basin of the exact gradient "
        "flow from it (run to convergence, not charged). The bars give the binomial standard error."
    )
    b1, b2 = st.columns(2)
    b_budget = urlstate.slider("Budget per start", "ar_bbudget", bound="ar_bbudget", default=D["budget"], step=100,
                               where=b1)
    tilts = urlstate.choice("ZEST tilts", "ar_ts", ["1,3,10,30", "0.1,1,10,100", "-10,-1,1,10"], default="1,3,10,30",
                            where=b2)
    if len(L.minima) < 2:
        st.info(f"The basin map needs at least two known minima; {L.title} has {len(L.minima)}. "
                "Pick 'Sharp vs flat minima' or Himmelblau in the sidebar.")
    else:
        basin = dict(landscape=settings.landscape, budget=int(b_budget), seed=settings.seed, lr=float(lr), mu=float(mu),
                     n=int(n), n_starts=D["n_starts"], ts=tilts)
        figures.show("basin_map", key="ar_basins", projector=settings.projector, **basin)
        fractions = race_figures.basin_fractions(*basin.values())
        labels = race_figures.basin_labels(L)
        se = {name: float(optimizers.binomial_se(share[-1], D["n_starts"])) for name, share in fractions.items()}
        st.caption(f"Ending in the {labels[-1]}: " + ", ".join(
            f"{name} {share[-1]:.0%} ± {se[name]:.0%}" for name, share in fractions.items())
            + ". The effect is real only in a band of μ (about 0.25–0.35 at lr = 0.1, n = 4): at smaller μ the tilted "
              "loss keeps its sharp minimum for every t here, at μ ≳ 0.4 smoothing alone removes the sharp well and "
              "t adds nothing — the phase diagram below shows where.")

    st.subheader("ZEST needs several pairs")
    if L.name == "sharp_flat":
        figures.show("zest_bias_vs_n", key="ar_zest_n", landscape=settings.landscape, x0=-0.95, y0=0.05, t=30.0,
                     mu=0.2, seed=settings.seed, projector=settings.projector)
        st.caption("At x = (−0.95, 0.05), beside the sharp well, t = 30, μ = 0.2. ZEST's estimate is self-normalised "
                   "(a ratio of two sample means): with n = 1 pair it is exactly tanh(tΔ/2)·u/(tμ) — a squashed "
                   "two-point estimate that sees no curvature and here even points the wrong way; its mean reaches "
                   "the exact tilted gradient (dotted, by quadrature) only as n grows.")
    else:
        st.info("This figure is drawn at a point beside the sharp well of 'Sharp vs flat minima'.")

    st.subheader("Phase diagram over (μ, t), SAM and SABO")
    if len(L.minima) >= 2 and urlstate.toggle("Compute the phase diagram (about 10 s)", "ar_phase", default=False):
        sweep = dict(landscape=settings.landscape, seed=settings.seed, lr=float(lr), n=int(n), budget=int(b_budget),
                     projector=settings.projector)
        p1, p2 = st.columns(2)
        with p1:
            figures.show("phase_diagram", key="ar_phase_fig", **sweep)
        with p2:
            figures.show("sam_sabo_radius", key="ar_radius_fig", mu=float(mu), **sweep)
        st.caption("Left: ZEST from 100 starts at each (μ, t); the dashed curve t*(μ) is the smallest t at which the "
                   "tilted loss L_t has no local minimum in the sharp well (quadrature). Where the curve is missing "
                   "(small μ) the sharp minimum survives every t shown, and tilting cannot help. At small μ with "
                   "lr = 0.1 the runs also leave the sharp well at t = 0: that is the step size (lr > 2/44), not the "
                   "tilt. Above μ ≈ 0.4 the flat share is 100 % already at t = 0: smoothing alone does it. "
                   "Right: SAM needs ρ ≳ 0.5 (about 3× the well's width) and SABO a KL radius ≈ 1 to leave.")


partial.part(race_and_maps)

lecture.footer(__file__, optimizers.zest_estimate, optimizers.methods.sabo_step, optimizers.methods.loop)
