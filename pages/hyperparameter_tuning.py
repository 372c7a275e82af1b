"""Hyperparameter tuning: two hyperparameters of a real model tuned with function values only."""

import streamlit as st

from ui import claims as claims_ui
from ui import figures, keep_last, lecture, partial, sidebar, urlstate
from zo_core import claims, tuning
from zo_core.viz import applications as app_viz

import pandas as pd

settings = sidebar.settings()

st.title("Hyperparameter tuning")
st.markdown(
    "The black box is a real validation loss: kernel ridge regression with an RBF kernel is fitted "
    "on a training split and scored on a validation split (1 − R², lower is better). Its two "
    "hyperparameters are θ = (log₁₀ λ, log₁₀ γ): ridge penalty and kernel width. There is no "
    "gradient to read — each evaluation is a query. ZO-SGD, grid search, random search and "
    "Nelder–Mead all get **the same query budget**.")


def controls_charts_and_claims() -> None:
    """Every control, the figures, the table and the claims at these settings: reruns alone on its controls."""
    c1, c2, c3 = st.columns(3)
    dataset = urlstate.choice("Dataset", "ht_dataset", list(tuning.DATASETS), default="diabetes", where=c1,
                              format_func={"diabetes": "diabetes (442 patients, real)",
                                           "friedman": "Friedman #1 (synthetic, 400 points)"}.get)
    budget = urlstate.slider("Query budget", "ht_budget", bound="ht_budget", default=60, step=1, where=c2)
    noisy = urlstate.toggle("Noisy loss", "ht_noisy", default=False, where=c3,
                            help="Each query fits on a fresh random half of the training set, as a CV fold would.")
    c1, c2, c3 = st.columns(3)
    lr = urlstate.slider("ZO-SGD step lr (in decades)", "ht_lr", bound="ht_lr", default=1.0, step=0.1,
                         where=c1, help="Length of the first normalised step, decaying as lr/√(k+1).")
    mu = urlstate.log_slider("ZO-SGD μ (in decades)", "ht_mu", bound="ht_mu", default=0.3, where=c2)
    q = urlstate.slider("ZO-SGD q (directions per step)", "ht_q", bound="ht_q", default=2, where=c3)

    run = dict(dataset=dataset, budget=int(budget), seed=settings.seed, noisy=bool(noisy), lr=float(lr), mu=float(mu),
               q=int(q))
    drawn = keep_last.show("tuning_landscape", key="ht_paths", projector=settings.projector, **run, caption=(
        "Colour: log₁₀ of the validation loss above its minimum (computed once on a 41×41 grid). "
        "Dots: every query; lines: each method's iterates (best-so-far for grid and random "
        "search); ×: the point each method reports. Legend: the noiseless loss there."))
    if drawn is not None:
        keep_last.show("tuning_curves", key="ht_curves", projector=settings.projector, **run)
        try:   # the same cached run the two figures drew (or, after bad input, none: the error is shown above)
            traces = app_viz.compare(dataset, int(budget), settings.seed, bool(noisy), "fixed", float(lr), float(mu),
                                     int(q))
        except ValueError:
            traces = {}
        if traces:
            st.dataframe(pd.DataFrame({
                "method": [app_viz.TUNER_LABELS[m] for m in traces],
                "queries": [t.queries for t in traces.values()],
                "best loss (noiseless)": [t.best_f for t in traces.values()],
                "λ": [10 ** t.best_x[0] for t in traces.values()],
                "γ": [10 ** t.best_x[1] for t in traces.values()],
            }).style.format({"best loss (noiseless)": "{:.4f}", "λ": "{:.3g}", "γ": "{:.3g}"}), hide_index=True)
            # The lecture's claim at this budget, and its prompts as predict-then-reveal steps.
            C = claims.tuning(traces)
            label = app_viz.TUNER_LABELS
            best = C["best"]
            verdict = ""
            if "zo_beats_random" in C:
                verdict = (f" ZO-SGD ({best['zo-sgd']:.4f}) beats random search ({best['random']:.4f}) here."
                           if C["zo_beats_random"] else
                           f" Random search ({best['random']:.4f}) is not beaten by ZO-SGD ({best['zo-sgd']:.4f}) here: in "
                           "two dimensions with a few dozen queries it is hard to beat.")
            claims_ui.claim(f"With {budget} queries each, {label[C['winner']]} found the lowest validation loss, "
                            f"{best[C['winner']]:.4f} (noiseless)." + verdict)
            claims_ui.predict(
                "ht_p_winner", f"Before looking at the table: with {budget} queries, which of ZO-SGD and random search "
                "reports the lower loss?", ["ZO-SGD", "random search"], 0 if C.get("zo_beats_random") else 1,
                "Best noiseless loss: " + ", ".join(f"{label[m]} {v:.4f}" for m, v in best.items())
                + ". Gradient estimates pay off in higher dimension with smooth, cheap objectives; in two dimensions "
                  "a few dozen random points cover the box well.")
    claims_ui.predict(
        "ht_p_noise", f"With the noisy loss, what happens to ZO-SGD's slope estimate if μ drops from {mu:.3g} to "
        f"{mu / 10:.3g} decades?",
        ["its noise grows tenfold", "it becomes ten times more accurate", "nothing changes"], 0,
        f"The difference quotient (f(θ + μu) − f(θ))/μ carries the loss's noise divided by μ: at μ = {mu / 10:.3g} "
        f"that is {10 / mu:.3g} times the noise, against {1 / mu:.3g} times at μ = {mu:.3g}. Keep μ a few tenths of a "
        "decade and average q directions.")

    st.subheader("Why naive ZO tuning fails")
    naive = urlstate.toggle("Show ZO-SGD with each fix undone", "ht_naive", default=False,
                            help="Same budget and seed; the noisy loss is where the fixes matter most.")
    if naive:
        st.markdown(
            "- **Scale.** In raw (λ, γ) a step of 0.5 is a decade at γ = 0.05 and nothing at γ = 5: "
            "the loss lives on a log scale, so the search should too.\n"
            "- **Noise.** The difference quotient (f(θ + μu) − f(θ))/μ carries noise/μ: with a tiny μ "
            "the estimate is pure noise. A μ of a few tenths of a decade, and averaging q directions, "
            "keep the slope above the noise.\n"
            "- **Step size.** A plain step −lr·g has the length of g: tiny in flat valleys, huge near "
            "steep walls (it jumps to the box's edge). A normalised step with a decaying length "
            "lr/√(k+1) moves a known distance and settles.")
        noisy_ablation = urlstate.toggle("Noisy loss for this comparison", "ht_abl_noisy", default=True)
        figures.show("tuning_ablation", key="ht_ablation", dataset=dataset, budget=int(budget), seed=settings.seed,
                     noisy=bool(noisy_ablation), projector=settings.projector,
                     caption="ZO-SGD with all fixes against the same run with one fix undone, and with none.")


partial.part(controls_charts_and_claims)

lecture.footer(__file__, tuning.zo_sgd)
