"""Figures of the two application pages: the black-box adversarial attack and hyperparameter tuning.

Array builders (``attack_panels``, ``success_curves``, ``tuning_paths``, ``best_loss_curves``,
``ablation_figure``) draw from results the caller computed; the named figures (``attack_example``,
``attack_success``, ``tuning_landscape``, ``tuning_curves``, ``tuning_ablation``) compute them with
``zo_core.attack`` / ``zo_core.tuning`` from plain parameters, so a slide can redraw them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zo_core import attack, tuning
from zo_core.memo import memo
from zo_core.viz import COLORS, color_values, figure, theme
from zo_core.viz.pictures import add_picture

ATTACK_LABELS = {"zo-signsgd": "ZO-SignSGD", "zo-adam": "ZO-Adam", "zoo": "ZOO (coordinate-wise)",
                 "pgd": "PGD (white-box)", "fgsm": "FGSM (white-box)", "noise": "random noise, same norm"}
ATTACK_COLORS = {"zo-signsgd": COLORS["vermillion"], "zo-adam": COLORS["orange"], "zoo": COLORS["purple"],
                 "pgd": COLORS["blue"], "fgsm": COLORS["sky"], "noise": "#777777"}
TUNER_LABELS = {"zo-sgd": "ZO-SGD", "grid": "grid search", "random": "random search",
                "nelder-mead": "Nelder–Mead"}
TUNER_COLORS = {"zo-sgd": COLORS["vermillion"], "grid": COLORS["sky"], "random": COLORS["green"],
                "nelder-mead": COLORS["purple"]}
ABLATION_COLORS = [COLORS["vermillion"], COLORS["blue"], COLORS["green"], COLORS["purple"], "#777777"]
DIVERGING = [[0.0, COLORS["vermillion"]], [0.5, "#ffffff"], [1.0, COLORS["blue"]]]   # - ink removed, + ink added
NORM_SYMBOL = {"linf": "∞", "l2": "2"}
PICTURE_BANDS = 30      # colour bands of the tuning landscape, as the contour with ncontours=30 had them
PICTURE_UPSAMPLE = 8    # pixels per grid cell a side: 328 x 328 pixels from the 41 x 41 grid, thin contour lines


# --- attack ------------------------------------------------------------------------------------

def _image(v: np.ndarray) -> np.ndarray:
    return np.asarray(v, float).reshape(8, 8)[::-1]   # heatmap rows go bottom-up


def attack_panels(res: attack.AttackResult, i: int = 0, *, amplify: float | None = None) -> go.Figure:
    """Image i of an AttackResult: clean image, perturbation (amplified), adversarial image, both probability bars."""
    x, xa = res.x[i], res.x_adv[i]
    delta = xa - x
    peak = float(np.abs(delta).max())
    amplify = amplify or (0.5 / peak if peak > 0 else 1.0)
    y = int(res.y[i])
    pc, pa = res.p_clean[i], res.p_adv[i]
    norm = float(np.abs(delta).max() if res.norm == "linf" else np.linalg.norm(delta))
    fig = make_subplots(rows=2, cols=3, specs=[[{}, {}, {}], [{"colspan": 3}, None, None]],
                        row_heights=[0.58, 0.42], vertical_spacing=0.14, horizontal_spacing=0.05,
                        subplot_titles=(f"clean: {y} (p = {pc[y]:.2f})",
                                        f"perturbation × {amplify:.1f}",
                                        f"adversarial: {int(pa.argmax())} (p = {pa.max():.2f})", ""))
    fig.add_trace(go.Heatmap(z=_image(x), zmin=0, zmax=1, colorscale="Greys", showscale=False,
                             hovertemplate="pixel %{z:.2f}<extra>clean</extra>"), 1, 1)
    fig.add_trace(go.Heatmap(z=_image(np.clip(amplify * delta, -0.5, 0.5)), zmin=-0.5, zmax=0.5,
                             colorscale=DIVERGING, showscale=False, customdata=_image(delta),
                             hovertemplate="δ = %{customdata:.3f}<extra>perturbation</extra>"), 1, 2)
    fig.add_trace(go.Heatmap(z=_image(xa), zmin=0, zmax=1, colorscale="Greys", showscale=False,
                             hovertemplate="pixel %{z:.2f}<extra>adversarial</extra>"), 1, 3)
    classes = [str(k) for k in range(len(pc))]
    fig.add_trace(go.Bar(x=classes, y=pc, name="p(clean)", marker_color=COLORS["blue"]), 2, 1)
    fig.add_trace(go.Bar(x=classes, y=pa, name="p(adversarial)", marker_color=COLORS["vermillion"]), 2, 1)
    for c in (1, 2, 3):
        fig.update_xaxes(visible=False, row=1, col=c)
        fig.update_yaxes(visible=False, scaleanchor=f"x{c}", row=1, col=c)
    fig.update_xaxes(title="class", row=2, col=1)
    fig.update_yaxes(title="probability", range=[0, 1.02], row=2, col=1)
    verdict = "fooled" if res.success[i] else "not fooled"
    aim = "" if res.target is None else f", target {int(res.target[i])}"
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=0.42, x=0.7),
                      title=dict(text=f"{ATTACK_LABELS.get(res.method, res.method)}{aim}: {verdict} after "
                                      f"{int(res.queries[i])} queries; ‖δ‖{NORM_SYMBOL[res.norm]} = {norm:.3f} "
                                      f"≤ ε = {res.eps:g}", x=0.01))
    return fig


def success_curves(results: dict[str, attack.AttackResult], references: dict[str, attack.AttackResult],
                   *, budget: int) -> go.Figure:
    """Fraction of the batch fooled within Q queries (ZO attacks) against white-box and noise rates (lines)."""
    Q = np.unique(np.concatenate([[0], np.linspace(0, budget, 201).round()])).astype(int)
    fig = go.Figure()
    for name, res in results.items():
        med = res.median_queries()
        label = f"{ATTACK_LABELS.get(name, name)}: {res.success_rate:.0%}" + (
            f", median {med:.0f} queries" if np.isfinite(med) else "")
        fig.add_trace(go.Scatter(x=Q, y=res.success_curve(Q), mode="lines", name=label, line_shape="hv",
                                 line=dict(color=ATTACK_COLORS.get(name), width=3)))
    for name, res in references.items():
        fig.add_trace(go.Scatter(x=[0, budget], y=[res.success_rate] * 2, mode="lines",
                                 name=f"{ATTACK_LABELS.get(name, name)}: {res.success_rate:.0%}",
                                 line=dict(color=ATTACK_COLORS.get(name), dash="dash", width=2)))
    n = len(next(iter(results.values())).y) if results else 0
    fig.update_xaxes(title="queries per image (the black-box attacker's price)", range=[0, budget])
    fig.update_yaxes(title=f"success rate over {n} test images", range=[-0.02, 1.02], tickformat=".0%")
    fig.update_layout(legend=dict(yanchor="bottom", y=0.02, xanchor="right", x=0.99))
    return fig


def _target(target: int):
    return None if target < 0 else target


@figure
def attack_example(seed: int = 0, index: int = 0, method: str = "zo-signsgd", norm: str = "linf",
                   eps: float = 0.2, mu: float = 0.01, q: int = 20, budget: int = 2000, target: int = -1,
                   projector: bool = False) -> go.Figure:
    """One test digit attacked through its probabilities only: image, perturbation, adversarial image, bars.

    index picks one of the 50 correctly classified test images drawn with ``seed``; target = -1 is
    untargeted, otherwise the class to reach.
    """
    clf = attack.pretrained(int(seed))
    X, Y = attack.test_batch(clf, 50, seed=int(seed))
    i = int(index) % len(Y)
    tgt = _target(int(target))
    if tgt is not None and tgt == Y[i]:
        tgt = (tgt + 1) % 10
    res = attack.zo_attack(clf.proba, X[i:i + 1], Y[i:i + 1], method=method, norm=norm, eps=float(eps),
                           mu=float(mu), q=int(q), budget=int(budget), target=tgt, seed=int(seed))
    fig = attack_panels(res, 0)
    return theme(fig, projector=projector, title=fig.layout.title.text, height=560)


@figure
def attack_success(seed: int = 0, n_images: int = 50, method: str = "zo-signsgd", norm: str = "linf",
                   eps: float = 0.2, mu: float = 0.01, q: int = 20, budget: int = 2000,
                   all_methods: bool = False, projector: bool = False) -> go.Figure:
    """Success rate vs queries of a ZO attack over a batch of test images, against PGD, FGSM and noise.

    all_methods draws ZO-SignSGD, ZO-Adam and ZOO together instead of ``method`` alone.
    """
    clf = attack.pretrained(int(seed))
    X, Y = attack.test_batch(clf, int(n_images), seed=int(seed))
    kw = dict(norm=norm, eps=float(eps))
    methods = attack.ZO_METHODS if all_methods else (method,)
    zo = {m: attack.zo_attack(clf.proba, X, Y, method=m, mu=float(mu), q=int(q), budget=int(budget),
                              seed=int(seed), **kw) for m in methods}
    refs = {"pgd": attack.white_box(clf, X, Y, method="pgd", seed=int(seed), **kw),
            "fgsm": attack.white_box(clf, X, Y, method="fgsm", **kw),
            "noise": attack.random_noise(clf.proba, X, Y, seed=int(seed), **kw)}
    return theme(success_curves(zo, refs, budget=int(budget)), projector=projector, height=460)


# --- tuning ------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def problem(dataset: str = "diabetes") -> tuning.Problem:
    return tuning.problem(dataset)


@memo(8)
def landscape(dataset: str = "diabetes", n: int = 41) -> tuning.Landscape:
    """The noiseless landscape, computed once per (dataset, n) in this process."""
    return tuning.landscape(problem(dataset), n=int(n))


def tuning_paths(L: tuning.Landscape, traces: dict[str, tuning.Trace], *, labels=None, colors=None,
                 show_queries: bool = True, colorbar: bool = True) -> go.Figure:
    """Validation loss as a picture (log colours) with the tuners' queried points (dots) and paths (lines).

    The loss is a layout image (:mod:`zo_core.viz.pictures`) and every tuner's queries are one dot trace
    (coloured, and named on hover, per tuner): a budget move redraws the dots and paths only, where a
    contour and one dot trace per tuner cost Plotly about 70 ms against 45 (bare Chromium, interleaved).
    The legend shows and hides a tuner's path and best point; the dots stay.
    """
    labels = labels or TUNER_LABELS
    colors = colors or TUNER_COLORS
    color_of = (lambda name: colors.get(name)) if isinstance(colors, dict) else (lambda name: colors)
    label_of = (lambda name: labels.get(name, name)) if isinstance(labels, dict) else (lambda name: name)
    fig = go.Figure()
    C, _ = color_values(L.Z, log=True)
    add_picture(fig, L.xs, L.ys, C, label="log₁₀(loss − min)", bands=PICTURE_BANDS, lines=True,
                upsample=PICTURE_UPSAMPLE, colorbar=colorbar)
    if show_queries and traces:
        fig.add_trace(go.Scatter(
            x=np.concatenate([tr.xs[:, 0] for tr in traces.values()]),
            y=np.concatenate([tr.xs[:, 1] for tr in traces.values()]),
            text=[label_of(name) for name, tr in traces.items() for _ in range(len(tr.xs))],
            mode="markers", name="queries", showlegend=False,
            hovertemplate="%{text}: log₁₀ λ=%{x:.2f}, log₁₀ γ=%{y:.2f}<extra></extra>",
            marker=dict(color=[color_of(name) for name, tr in traces.items() for _ in range(len(tr.xs))],
                        size=5, opacity=0.55)))
    for name, tr in traces.items():
        color, label = color_of(name), label_of(name)
        fig.add_trace(go.Scatter(x=tr.path[:, 0], y=tr.path[:, 1], mode="lines+markers", legendgroup=name,
                                 name=f"{label}: {tr.best_f:.4f}", line=dict(color=color, width=2.5),
                                 marker=dict(size=4)))
        fig.add_trace(go.Scatter(x=[tr.best_x[0]], y=[tr.best_x[1]], mode="markers", legendgroup=name,
                                 showlegend=False, name=f"{label}: best",
                                 marker=dict(color=color, size=13, symbol="x", line=dict(color="white", width=1))))
    fig.add_trace(go.Scatter(x=[L.argmin[0]], y=[L.argmin[1]], mode="markers",
                             name=f"grid optimum ({len(L.xs)}×{len(L.ys)}): {L.min:.4f}",
                             marker=dict(symbol="star", size=16, color=COLORS["yellow"],
                                         line=dict(color="black", width=1.5))))
    fig.update_xaxes(title=tuning.NAMES[0], range=[L.xs[0], L.xs[-1]], showgrid=False, zeroline=False)
    fig.update_yaxes(title=tuning.NAMES[1], range=[L.ys[0], L.ys[-1]], showgrid=False, zeroline=False)
    return fig


def best_loss_curves(traces: dict[str, tuning.Trace], *, reference: float | None = None, labels=None,
                     colors=None) -> go.Figure:
    """Noiseless loss at each tuner's best-observed point after k queries."""
    labels = labels or TUNER_LABELS
    colors = colors or TUNER_COLORS
    fig = go.Figure()
    for name, tr in traces.items():
        fig.add_trace(go.Scatter(x=np.arange(1, tr.queries + 1), y=tr.best_curve(), mode="lines",
                                 line_shape="hv", name=f"{labels.get(name, name)} ({tr.queries} queries)",
                                 line=dict(color=colors.get(name), width=3)))
    if reference is not None:
        budget = max((tr.budget for tr in traces.values()), default=1)
        fig.add_trace(go.Scatter(x=[1, budget], y=[reference] * 2, mode="lines", name="grid optimum",
                                 line=dict(color="black", dash="dot", width=2)))
    fig.update_xaxes(title="queries (validation-loss evaluations)")
    fig.update_yaxes(title="validation loss (1 − R²) of the best point so far", type="log")
    return fig


def ablation_figure(L: tuning.Landscape, traces: dict[str, tuning.Trace]) -> go.Figure:
    """ZO-SGD with every fix and with each fix undone: paths over the landscape, best loss vs queries."""
    names = list(traces)
    colors = dict(zip(names, ABLATION_COLORS))
    left = tuning_paths(L, traces, labels={n: n for n in names}, colors=colors, show_queries=False, colorbar=False)
    right = best_loss_curves(traces, reference=L.min, labels={n: n for n in names}, colors=colors)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.1,
                        subplot_titles=("paths (× marks the best point seen)", "best loss vs queries"))
    for tr in left.data:
        fig.add_trace(tr, 1, 1)
    for image in left.layout.images:         # on the axes x, y: the first subplot's
        fig.add_layout_image(image)
    for tr in right.data:
        tr.showlegend = False
        fig.add_trace(tr, 1, 2)
    fig.update_xaxes(title=tuning.NAMES[0], range=[L.xs[0], L.xs[-1]], row=1, col=1)
    fig.update_yaxes(title=tuning.NAMES[1], range=[L.ys[0], L.ys[-1]], row=1, col=1)
    fig.update_xaxes(title="queries", row=1, col=2)
    fig.update_yaxes(title="loss of best point", type="linear", row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.08, x=0))
    return fig


@lru_cache(maxsize=32)
def compare(dataset: str, budget: int, seed: int, noisy: bool, zo: str, lr: float, mu: float,
            q: int) -> dict[str, tuning.Trace]:
    """The four tuners on one problem, once per setting in this process (the page's table and its two
    figures share the run; do not mutate the result)."""
    hyper = dict(lr=float(lr), mu=float(mu), q=int(q)) if zo == "fixed" else {}
    return tuning.compare(problem(dataset), budget=int(budget), seed=int(seed), noisy=bool(noisy), zo=zo, **hyper)


@figure
def tuning_landscape(dataset: str = "diabetes", n: int = 41, paths: bool = True, budget: int = 60,
                     seed: int = 0, noisy: bool = False, zo: str = "fixed", lr: float = 1.0, mu: float = 0.3,
                     q: int = 2, projector: bool = False) -> go.Figure:
    """Validation loss of kernel ridge regression over (log10 lambda, log10 gamma), with the tuners' queries.

    ZO-SGD uses the ``zo`` preset ("fixed" or "naive"); lr, mu, q override the "fixed" preset only.
    """
    L = landscape(dataset, int(n))
    traces = compare(dataset, int(budget), int(seed), bool(noisy), zo, float(lr), float(mu), int(q)) if paths else {}
    return theme(tuning_paths(L, traces), projector=projector, height=560)


@figure
def tuning_curves(dataset: str = "diabetes", budget: int = 60, seed: int = 0, noisy: bool = False,
                  zo: str = "fixed", lr: float = 1.0, mu: float = 0.3, q: int = 2,
                  projector: bool = False) -> go.Figure:
    """Best validation loss vs queries for ZO-SGD, grid search, random search and Nelder–Mead."""
    traces = compare(dataset, int(budget), int(seed), bool(noisy), zo, float(lr), float(mu), int(q))
    return theme(best_loss_curves(traces, reference=landscape(dataset, 41).min), projector=projector, height=420)


@figure
def tuning_ablation(dataset: str = "diabetes", budget: int = 60, seed: int = 0, noisy: bool = True,
                    projector: bool = False) -> go.Figure:
    """Why naive ZO tuning fails: ZO-SGD with all fixes vs raw scale, tiny mu, a fixed plain step, none."""
    traces = tuning.ablation(problem(dataset), budget=int(budget), seed=int(seed), noisy=bool(noisy))
    return theme(ablation_figure(landscape(dataset, 41), traces), projector=projector, height=520)
