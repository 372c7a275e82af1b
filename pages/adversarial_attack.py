"""Adversarial attack: fool a digit classifier by querying only its output probabilities."""

import streamlit as st

from ui import claims as claims_ui
from ui import figures, lecture, partial, sidebar, urlstate
from ui.text import escape_markdown
from zo_core import attack, claims

import numpy as np

settings = sidebar.settings()

st.title("Adversarial attack")
st.markdown(
    "A small neural network reads 8×8 handwritten digits. The attacker sees **only its output "
    "probabilities** — no weights, no gradients — and looks for a perturbation δ inside a ball "
    "‖δ‖ ≤ ε that changes the predicted class. It minimises the margin loss "
    r"$L = \log p_y - \max_{j \ne y} \log p_j$ with zeroth-order gradient estimates: every estimate costs "
    "queries to the model, and the number of queries is the price of being blind. White-box "
    "FGSM and PGD read the gradient and show what the same ε allows at best.")


def classifier(seed: int) -> attack.Classifier:
    """attack.pretrained, cached per process in zo_core (trained at start-up for seed 0): shared by every
    session, read it, never mutate it (its arrays and weights are frozen)."""
    with st.spinner("Training the digit classifier (a few seconds)…"):
        return attack.pretrained(seed)


def demo(clf: attack.Classifier) -> None:
    """Widgets -> attack figures; only drawn once the classifier trained."""
    m1, m2, m3 = st.columns(3)
    m1.metric("Test accuracy", f"{clf.test_accuracy:.1%}", help="On the 30 % of scikit-learn's digits held out.")
    m2.metric("Training time", f"{clf.seconds:.1f} s", help="Full-batch Adam, 150 epochs, trained once and cached.")
    m3.metric("Input dimension d", f"{clf.X_test.shape[1]}", help="8×8 pixels in [0, 1].")

    c1, c2, c3 = st.columns(3)
    method = urlstate.choice("Black-box method", "aa_method", list(attack.ZO_METHODS), default="zo-signsgd",
                             widget="segmented", where=c1,
                             format_func={"zo-signsgd": "ZO-SignSGD", "zo-adam": "ZO-Adam", "zoo": "ZOO"}.get,
                             help="ZO-SignSGD and ZO-Adam average q random directions (q + 1 queries a step); "
                                  "ZOO estimates q random pixels by central differences (2q + 1 queries).")
    norm = urlstate.choice("Threat model", "aa_norm", list(attack.NORMS), default="linf", widget="segmented",
                           where=c2, format_func={"linf": "ℓ∞ ball", "l2": "ℓ2 ball"}.get)
    target_label = urlstate.choice("Goal", "aa_target", ["untargeted", *"0123456789"],
                                   default="untargeted", where=c3,
                                   format_func=lambda v: v if v == "untargeted" else f"targeted: make it a {v}")

    c1, c2, c3, c4 = st.columns(4)
    if norm == "linf":
        eps = urlstate.slider("ε (ℓ∞: change per pixel)", "aa_eps_inf", bound="aa_eps_inf",
                              default=0.2, step=0.01, where=c1)
    else:
        eps = urlstate.slider("ε (ℓ2 length of δ)", "aa_eps_l2", bound="aa_eps_l2", default=1.0,
                              step=0.1, where=c1)
    mu = urlstate.log_slider("μ (smoothing radius)", "aa_mu", bound="aa_mu", default=0.01, where=c2,
                             help="Probe distance of the finite differences.")
    q = urlstate.slider("q (directions per step)", "aa_q", bound="aa_q", default=20, where=c3)
    budget = urlstate.number("Query budget per image", "aa_budget", bound="aa_budget", default=2000,
                             step=100, where=c4, help="Every image submitted to the model counts, the clean one too.")

    c1, c2, c3 = st.columns([2, 2, 1])
    index = urlstate.slider("Test image", "aa_index", bound="aa_index", default=0, where=c1,
                            help="One of 50 correctly classified test digits drawn with the sidebar seed.")
    n_images = urlstate.slider("Images in the success-rate batch", "aa_n", bound="aa_n", default=50,
                               step=10, where=c2)
    all_methods = urlstate.toggle("All three ZO methods", "aa_all", default=False, where=c3,
                                  help="Draw ZO-SignSGD, ZO-Adam and ZOO together in the success-rate chart.")

    common = dict(seed=settings.seed, method=method, norm=norm, eps=float(eps), mu=float(mu), q=int(q),
                  budget=int(budget), projector=settings.projector)
    try:
        attack.check(norm=norm, eps=float(eps), mu=float(mu), q=int(q), budget=int(budget), method=method)
    except ValueError as err:
        st.error(f"These settings cannot run: {escape_markdown(err)}", icon=":material/block:")
    else:
        st.subheader("One digit")
        target = -1 if target_label == "untargeted" else int(target_label)
        figures.show("attack_example", key="aa_example", index=int(index), target=target, **common,
                     caption="Left: the clean digit; middle: δ, amplified so its pattern is visible (blue: ink added, red: ink removed); "
                             "right: the adversarial digit. Below: the probabilities the attacker reads.")
        st.subheader("Success rate vs queries")
        figures.show("attack_success", key="aa_success", n_images=int(n_images), all_methods=bool(all_methods),
                     **common,
                     caption="Share of the batch fooled within a given number of queries (untargeted). Dashed: "
                             "white-box PGD and FGSM with the same ε, and random noise of the same norm.")
        _teach(method, int(q), int(budget), int(clf.X_test.shape[1]))


NAMES = {"zo-signsgd": "ZO-SignSGD", "zo-adam": "ZO-Adam", "zoo": "ZOO"}


def _teach(method: str, q: int, budget: int, d: int) -> None:
    """The lecture's claim about query cost at these settings, and two predict-then-reveal steps."""
    S = claims.attack_steps(method, q, budget, d)
    claims_ui.claim(
        f"{NAMES[method]} with q = {q} spends {S['cost']} queries a step, so the budget of {budget:,} buys "
        f"{S['steps']:,} steps after the clean query"
        + (f"; each step estimates {S['pixel_share']:.0%} of the {d} pixels." if method == "zoo" else
           f", each along an average of {q} random directions in d = {d} dimensions.")
        + " The success curve below, the share fooled within a given number of queries, can only rise as "
          "queries are spent; white-box PGD (dashed) shows what the same ε allows at best.")
    S2 = claims.attack_steps(method, 2 * q, budget, d)
    ratio = S2["steps"] / S["steps"] if S["steps"] else 1.0
    claims_ui.predict(
        "aa_p_q", f"Double q to {2 * q} at the same budget. How many steps does the attack get?",
        ["about half as many", "about the same", "about twice as many"],
        int(np.argmin([abs(np.log(max(ratio, 1e-9) / r)) for r in (0.5, 1.0, 2.0)])),
        f"{S2['steps']:,} steps instead of {S['steps']:,} ({S2['cost']} queries each). Each estimate is less "
        "noisy (its error falls like 1/√q), but there are fewer of them: q trades steps for accuracy.")
    claims_ui.predict(
        "aa_p_exact", f"How many queries does one exact gradient by central coordinate differences cost for a "
        f"{d}-pixel image, counting the clean query?",
        [f"{d}", f"{d + 1}", f"{S['coordinate_cost']}"], 2,
        f"2d + 1 = {S['coordinate_cost']}: two per pixel. A random-direction step here costs {S['cost']} "
        "and gets a noisy direction instead of the gradient.")


try:
    trained = classifier(settings.seed)
except attack.TrainingError as err:
    st.error(f"The digit classifier failed to train, so there is nothing to attack: {escape_markdown(err)}",
             icon=":material/error:")
else:
    partial.part(demo, trained)     # reruns alone on its own widgets

lecture.footer(__file__, attack.margin_loss, attack._zo_attack)
