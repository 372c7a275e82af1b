"""Figures of the "Algorithms race" page: animated paths, loss against queries, the basin map."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from zo_core import expressions, landscapes, optimizers
from zo_core.viz import COLORS, contour, figure, theme

METHOD_COLORS = {"gd": COLORS["black"], "sam": COLORS["orange"], "zo-sgd": COLORS["sky"],
                 "zest": COLORS["vermillion"], "sabo": COLORS["green"]}


def _upto(traj: optimizers.Trajectory, spent: float, keep: int = 300) -> np.ndarray:
    """The iterates reached with at most ``spent`` queries, thinned to at most ``keep`` points."""
    k = int(np.searchsorted(traj.queries, spent, side="right"))
    xs = traj.xs[:max(k, 1)]
    if len(xs) > keep:
        xs = xs[np.unique(np.linspace(0, len(xs) - 1, keep).round().astype(int))]
    return xs


def race_paths(L: landscapes.Landscape, runs: dict[str, optimizers.Trajectory], *, frames: int = 30,
               projector: bool = False) -> go.Figure:
    """Contour of f with every method's path, animated by queries spent (Plotly frames + a slider)."""
    xs, ys, P = L.mesh(121)
    fig = contour(xs, ys, L.f(P), log=False, minima=L.minima)
    budget = max(int(r.queries[-1]) for r in runs.values()) or 1
    first = len(fig.data)
    for method, traj in runs.items():
        path = _upto(traj, budget)
        fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", name=optimizers.LABELS[method],
                                 legendgroup=method, line=dict(color=METHOD_COLORS[method], width=2.5)))
        fig.add_trace(go.Scatter(x=path[-1:, 0], y=path[-1:, 1], mode="markers", showlegend=False,
                                 legendgroup=method, name=f"{optimizers.LABELS[method]} now",
                                 marker=dict(color=METHOD_COLORS[method], size=12, line=dict(color="white", width=1.5))))
    start = next(iter(runs.values())).xs[0]
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="start",
                             marker=dict(symbol="x", size=13, color="white", line=dict(color="black", width=2))))
    traces = list(range(first, first + 2 * len(runs)))
    steps = np.linspace(0, budget, frames + 1)
    fig.frames = [go.Frame(name=f"{spent:.0f}", traces=traces, data=[
        trace for traj in runs.values() for path in [_upto(traj, spent)]
        for trace in (go.Scatter(x=path[:, 0], y=path[:, 1]), go.Scatter(x=path[-1:, 0], y=path[-1:, 1]))])
        for spent in steps]
    play = dict(frame=dict(duration=120, redraw=False), transition=dict(duration=0), fromcurrent=True)
    fig.update_layout(
        updatemenus=[dict(type="buttons", x=0.0, y=-0.12, xanchor="left", yanchor="top", direction="left",
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])],
        sliders=[dict(active=len(steps) - 1, x=0.3, y=-0.08, len=0.7, currentvalue=dict(prefix="queries: "),
                      steps=[dict(label=f"{s:.0f}", method="animate",
                                  args=[[f"{s:.0f}"], dict(mode="immediate", frame=dict(duration=0, redraw=False))])
                             for s in steps])])
    fig = theme(fig, projector=projector, title=f"{L.title}: paths by queries spent", height=600)
    fig.update_layout(margin=dict(b=130, t=130 if projector else 110))   # legend under the title
    return fig


def race_losses(runs: dict[str, optimizers.Trajectory], *, projector: bool = False) -> go.Figure:
    """f at the iterates against the queries spent, one line per method."""
    fig = go.Figure()
    for method, traj in runs.items():
        fig.add_trace(go.Scatter(x=traj.queries, y=traj.fs, mode="lines", name=optimizers.LABELS[method],
                                 line=dict(color=METHOD_COLORS[method], width=2.5)))
    fig.update_xaxes(title="function queries (a gradient counts as one)")
    fig.update_yaxes(title="f(x)")
    return theme(fig, projector=projector, title="Loss against queries", height=420)


def basin_bars(fractions: dict[str, np.ndarray], labels: list[str], *, n_starts: int,
               projector: bool = False) -> go.Figure:
    """Stacked bars: for each method, the fraction of starts that ended in each basin (± binomial s.e.)."""
    fig = go.Figure()
    colors = [COLORS["purple"], COLORS["green"], COLORS["sky"], COLORS["yellow"]]
    names = list(fractions)
    for k, label in enumerate(labels):
        p = np.array([fractions[m][k] for m in names])
        se = np.sqrt(p * (1 - p) / n_starts)
        fig.add_trace(go.Bar(x=names, y=p, name=label, marker_color=colors[k % len(colors)],
                             text=[f"{v:.0%}" for v in p], textposition="inside",
                             customdata=se, hovertemplate="%{x}: %{y:.0%} ± %{customdata:.0%}<extra>" + label + "</extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=f"fraction of {n_starts} random starts", range=[0, 1], tickformat=".0%")
    return theme(fig, projector=projector, title="Where the runs end: the basin map", height=420)


def _run_race(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n):
    L = expressions.resolve(landscape)
    runs = optimizers.race(L.f, L.grad, [x0, y0], budget=int(budget), seed=int(seed), lr=lr, mu=mu, t=t,
                           n=int(n), q=int(n), rho=rho, kl=kl)
    return L, runs


@figure
def race(landscape: str = "sharp_flat", budget: int = 1000, seed: int = 0, x0: float = -0.8, y0: float = 0.3,
         lr: float = 0.02, mu: float = 0.05, t: float = 20.0, rho: float = 0.05, kl: float = 0.01, n: int = 1,
         projector: bool = False) -> go.Figure:
    """GD, SAM, ZO-SGD, ZEST and SABO from (x0, y0) with one query budget: animated paths."""
    L, runs = _run_race(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n)
    return race_paths(L, runs, projector=projector)


@figure
def race_loss(landscape: str = "sharp_flat", budget: int = 1000, seed: int = 0, x0: float = -0.8, y0: float = 0.3,
              lr: float = 0.02, mu: float = 0.05, t: float = 20.0, rho: float = 0.05, kl: float = 0.01, n: int = 1,
              projector: bool = False) -> go.Figure:
    """The race's loss-against-queries curves."""
    _, runs = _run_race(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n)
    return race_losses(runs, projector=projector)


def basin_labels(L: landscapes.Landscape) -> list[str]:
    """Names of the basins: 'sharp' and 'flat' for sharp_flat, else 'minimum k at (x, y)'."""
    if L.name == "sharp_flat":
        return ["sharp basin", "flat basin"]
    return [f"minimum {k + 1} at ({m[0]:.2g}, {m[1]:.2g})" for k, m in enumerate(L.minima)]


@figure
def basin_map(landscape: str = "sharp_flat", budget: int = 400, seed: int = 0, lr: float = 0.02, mu: float = 0.05,
              n: int = 1, n_starts: int = 100, ts: str = "1,3,10,30", projector: bool = False) -> go.Figure:
    """Fraction of n_starts random starts ending in each basin, for ZO-SGD and for ZEST at several t."""
    L = expressions.resolve(landscape)
    if len(L.minima) < 2:
        raise ValueError(f"the basin map needs a landscape with at least two known minima; {L.title} has "
                         f"{len(L.minima)}")
    tilts = tuple(float(v) for v in str(ts).split(",") if v.strip())
    fr = optimizers.basin_map(L.f, L.grad, L.minima, L.bounds, ts=tilts, n_starts=int(n_starts), budget=int(budget),
                              seed=int(seed), lr=lr, mu=mu, n=int(n))
    return basin_bars(fr, basin_labels(L), n_starts=int(n_starts), projector=projector)
