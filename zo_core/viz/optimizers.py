"""Figures of the "Algorithms race" page: animated paths, loss against queries, the basin map, the
(mu, t) phase diagram, SAM and SABO against their radius, ZEST's mean against n, the shifted landscape.

Every method has its own colour, dash and marker (METHOD_STYLE), so the race reads in grey and under
colour-blind simulation too. All numbers come from :mod:`zo_core.optimizers`; this module only draws.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zo_core import expressions, landscapes, optimizers
from zo_core.memo import memo
from zo_core.viz import COLORS, color_values, figure, theme
from zo_core.viz.pictures import add_picture

# colour, dash, marker: SAM (orange) and ZEST (reddish purple) differ in lightness, dash and marker
METHOD_STYLE = {"gd": (COLORS["black"], "solid", "circle"), "sam": (COLORS["orange"], "dash", "square"),
                "zo-sgd": (COLORS["sky"], "dot", "diamond"), "zest": (COLORS["purple"], "dashdot", "triangle-up"),
                "sabo": (COLORS["green"], "longdash", "x")}
METHOD_COLORS = {m: style[0] for m, style in METHOD_STYLE.items()}


FRAME_POINTS = 150   # points per path in an animation frame (the still picture keeps 300): frames are most bytes


def _upto(traj: optimizers.Trajectory, spent: float, keep: int = 300) -> np.ndarray:
    """The iterates reached with at most ``spent`` queries, thinned to at most ``keep`` points."""
    k = int(np.searchsorted(traj.queries, spent, side="right"))
    xs = traj.xs[:max(k, 1)]
    if len(xs) > keep:
        xs = xs[np.unique(np.linspace(0, len(xs) - 1, keep).round().astype(int))]
    return xs


def _f32(a: np.ndarray) -> np.ndarray:
    """Coordinates sent as float32: 7 digits, far below a pixel, and half the bytes of every frame."""
    return np.asarray(a, np.float32)


def race_paths(L: landscapes.Landscape, runs: dict[str, optimizers.Trajectory], *, frames: int = 20,
               projector: bool = False) -> go.Figure:
    """f as a banded colour map with every method's path, animated by queries spent (frames + a slider).

    Each method is one trace (its dash for the path, its marker at the current end), so a frame
    replaces only those traces, without a full redraw; f is a layout image, which animation leaves alone.
    """
    xs, ys, P = L.mesh(161)
    C, label = color_values(L.f(P), log=L.log_scale)
    fig = go.Figure()
    add_picture(fig, xs, ys, C, label=label)     # its colour-bar trace is not animated
    if len(L.minima):
        fig.add_trace(go.Scatter(x=L.minima[:, 0], y=L.minima[:, 1], mode="markers", name="minima",
                                 marker=dict(symbol="star", size=16, color=COLORS["yellow"],
                                             line=dict(color="black", width=1.5))))
    fig.update_xaxes(title="x", range=[xs[0], xs[-1]], constrain="domain", showgrid=False, zeroline=False)
    fig.update_yaxes(title="y", range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=1, constrain="domain",
                     showgrid=False, zeroline=False)
    budget = max(int(r.queries[-1]) for r in runs.values()) or 1
    first = len(fig.data)
    # Per method: its path as a line and its current end as one marker (both move with the frames); the
    # marker carries the legend entry. Zero-size markers along the path would cost one SVG node a point.
    for method, traj in runs.items():
        color, dash, symbol = METHOD_STYLE[method]
        path = _upto(traj, budget)
        fig.add_trace(go.Scatter(x=_f32(path[:, 0]), y=_f32(path[:, 1]), mode="lines", legendgroup=method,
                                 name=optimizers.LABELS[method], showlegend=False,
                                 line=dict(color=color, width=2.5, dash=dash)))
        fig.add_trace(go.Scatter(x=_f32(path[-1:, 0]), y=_f32(path[-1:, 1]), mode="lines+markers",
                                 legendgroup=method, name=optimizers.LABELS[method],
                                 line=dict(color=color, width=2.5, dash=dash),
                                 marker=dict(symbol=symbol, color=color, size=12, line=dict(color="white", width=1.5))))
    start = next(iter(runs.values())).xs[0]
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="start",
                             marker=dict(symbol="x-thin", size=13, color="black", line=dict(color="black", width=3))))
    traces = list(range(first, first + 2 * len(runs)))
    steps = np.linspace(0, budget, frames + 1)
    # frames as plain dicts: Plotly validates each go object, which would cost ~1 s for 150 traces
    fig.frames = [dict(name=f"{spent:.0f}", traces=traces, data=[
        dict(type="scatter", x=_f32(xy[:, 0]), y=_f32(xy[:, 1]))
        for traj in runs.values() for path in [_upto(traj, spent, keep=FRAME_POINTS)] for xy in (path, path[-1:])])
        for spent in steps]
    frame = dict(duration=120, redraw=False)
    fig.update_layout(
        legend=dict(itemsizing="constant", orientation="h", x=0, y=1.02, yanchor="bottom"),
        # the slider spans the width under the plot, its value label on the right; the buttons sit
        # below it, so nothing overlaps
        sliders=[dict(active=len(steps) - 1, x=0.0, len=1.0, y=-0.06, yanchor="top", pad=dict(t=10, b=10),
                      currentvalue=dict(prefix="queries spent: ", xanchor="right"),
                      steps=[dict(label=f"{s:.0f}", method="animate",
                                  args=[[f"{s:.0f}"], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                                           transition=dict(duration=0))])
                             for s in steps])],
        updatemenus=[dict(type="buttons", x=0.0, y=-0.40, xanchor="left", yanchor="top", direction="left",
                          pad=dict(t=0, r=10), showactive=False,
                          buttons=[dict(label="▶ Play", method="animate",
                                        args=[None, dict(frame=frame, transition=dict(duration=0), fromcurrent=True)]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])])
    return theme(fig, projector=projector, title=f"{L.title}: paths by queries spent", height=640)


def race_losses(runs: dict[str, optimizers.Trajectory], *, projector: bool = False) -> go.Figure:
    """f at the iterates against the queries spent, one line (colour, dash, marker) per method.

    Per method: the whole curve as a line, about 9 of its points as markers, and a legend entry that
    shows both. Markers of size 0 along the line would still be one SVG node a point (~2,000 for GD),
    which made this chart the slowest to redraw on the page.
    """
    fig = go.Figure()
    for method, traj in runs.items():
        color, dash, symbol = METHOD_STYLE[method]
        label = optimizers.LABELS[method]
        fs = np.where(np.isfinite(traj.fs), traj.fs, np.nan)
        every = max(len(traj.queries) // 8, 1)
        marked = np.unique(np.r_[np.arange(0, len(fs), every), len(fs) - 1])
        line, marker = dict(color=color, width=2.5, dash=dash), dict(symbol=symbol, color=color, size=9)
        fig.add_trace(go.Scatter(x=traj.queries, y=fs, mode="lines", name=label, legendgroup=method,
                                 showlegend=False, line=line))
        fig.add_trace(go.Scatter(x=traj.queries[marked], y=fs[marked], mode="markers", name=label,
                                 legendgroup=method, showlegend=False, hoverinfo="skip", marker=marker))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines+markers", name=label, legendgroup=method,
                                 line=line, marker=marker))
    fig.update_xaxes(title="function queries (a gradient counts as one)")
    fig.update_yaxes(title="f(x)")
    fig.update_layout(legend=dict(itemsizing="constant"))
    return theme(fig, projector=projector, title="Loss against queries", height=420)


def basin_bars(fractions: dict[str, np.ndarray], labels: list[str], *, n_starts: int,
               projector: bool = False) -> go.Figure:
    """Stacked bars: for each method, the fraction of starts that ended in each basin, with binomial s.e. bars."""
    fig = go.Figure()
    colors = [COLORS["purple"], COLORS["green"], COLORS["sky"], COLORS["yellow"]]
    patterns = ["/", "", ".", "x"]
    names = list(fractions)
    for k, label in enumerate(labels):
        p = np.array([fractions[m][k] for m in names])
        se = optimizers.binomial_se(p, n_starts)
        fig.add_trace(go.Bar(x=names, y=p, name=label, marker=dict(color=colors[k % 4], pattern_shape=patterns[k % 4]),
                             error_y=dict(type="data", array=se, visible=k == len(labels) - 1, color="black"),
                             text=[f"{v:.0%}" for v in p], textposition="inside", customdata=se,
                             hovertemplate="%{x}: %{y:.0%} ± %{customdata:.0%}<extra>" + label + "</extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=f"fraction of {n_starts} starts (± 1 s.e.)", range=[0, 1.05], tickformat=".0%")
    return theme(fig, projector=projector, title="Where the runs end: the basin map", height=420)


def phase_heatmap(pd: "optimizers.sharpness.PhaseDiagram", *, basin: int = -1, label: str = "flat basin",
                  projector: bool = False) -> go.Figure:
    """The fraction of starts ending in ``basin`` over (mu, t), with the curve t*(mu) on top."""
    frac = pd.fractions[..., basin].T                                       # (T, M)
    rows = np.arange(len(pd.ts))
    fig = go.Figure(go.Heatmap(x=pd.mus, y=rows, z=frac, zmin=0, zmax=1, colorscale="Viridis",
                               colorbar=dict(title=dict(text=f"ends in the<br>{label}", side="right"),
                                             tickformat=".0%"),
                               hovertemplate="μ = %{x:.3g}<br>t row %{y}<br>%{z:.0%}<extra></extra>"))
    positive = pd.ts > 0
    star = pd.t_star
    ok = np.isfinite(star)
    if ok.any() and positive.any():
        # t* in the rows' index space: 0 is row 0, positive t interpolated on log t between the rows
        idx = np.where(star[ok] <= 0, rows[0],
                       np.interp(np.log(np.maximum(star[ok], 1e-300)), np.log(pd.ts[positive]), rows[positive]))
        fig.add_trace(go.Scatter(x=pd.mus[ok], y=idx, mode="lines+markers", name="t*(μ): sharp minimum of L_t gone",
                                 line=dict(color="white", width=3, dash="dash"),
                                 marker=dict(symbol="circle-open", size=9, color="white", line=dict(width=2))))
    fig.update_xaxes(title="smoothing radius μ", type="log")
    fig.update_yaxes(title="tilt t", tickvals=rows, ticktext=[f"{t:.3g}" for t in pd.ts])
    fig.update_layout(legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return theme(fig, projector=projector, title=f"ZEST: share of {pd.n_starts} starts ending in the {label}",
                 height=520)


def radius_sweeps(rhos_sam, frac_sam, rhos_sabo, frac_sabo, *, n_starts: int, basin: int = -1,
                  label: str = "flat basin", projector: bool = False) -> go.Figure:
    """SAM against its ball radius rho and SABO against its KL radius: the share ending in ``basin``."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("SAM: ball radius ρ", "SABO: KL radius ρ"))
    for col, (method, rhos, frac) in enumerate((("sam", rhos_sam, frac_sam), ("sabo", rhos_sabo, frac_sabo)), 1):
        color, dash, symbol = METHOD_STYLE[method]
        p = np.asarray(frac)[:, basin]
        fig.add_trace(go.Scatter(x=rhos, y=p, mode="lines+markers", name=optimizers.LABELS[method],
                                 line=dict(color=color, dash=dash, width=2.5), marker=dict(symbol=symbol, size=10),
                                 error_y=dict(type="data", array=optimizers.binomial_se(p, n_starts))), row=1, col=col)
        fig.update_xaxes(type="log", title="ρ", row=1, col=col)
    fig.update_yaxes(range=[-0.05, 1.05], tickformat=".0%", title=f"ends in the {label}", row=1, col=1)
    fig.update_yaxes(range=[-0.05, 1.05], tickformat=".0%", row=1, col=2)
    return theme(fig, projector=projector, title=f"SAM and SABO from the same {n_starts} starts", height=420)


def zest_bias(m: "optimizers.sharpness.MeanVsN", *, projector: bool = False) -> go.Figure:
    """ZEST's mean estimate (Monte Carlo, ± 1 s.e.) against n, beside the exact tilted gradient."""
    fig = go.Figure()
    for i, (color, dash, symbol) in enumerate(((COLORS["blue"], "solid", "circle"),
                                               (COLORS["vermillion"], "dash", "square"))[:m.mean.shape[1]]):
        fig.add_trace(go.Scatter(x=m.ns, y=m.mean[:, i], mode="lines+markers", name=f"E[g_{i + 1}] (Monte Carlo)",
                                 line=dict(color=color, dash=dash), marker=dict(symbol=symbol, size=9),
                                 error_y=dict(type="data", array=m.se[:, i])))
        fig.add_hline(y=float(m.exact[i]), line=dict(color=color, dash="dot", width=2),
                      annotation_text=f"∂L_t/∂x_{i + 1} exact = {m.exact[i]:.3g}", annotation_position="top left")
        fig.add_trace(go.Scatter(x=[1], y=[m.tanh_mean[i]], mode="markers", name=f"n = 1 closed form (tanh), g_{i + 1}",
                                 marker=dict(symbol="star", size=14, color=color, line=dict(color="black", width=1))))
    fig.update_xaxes(type="log", title="antithetic pairs n", tickvals=list(m.ns))
    fig.update_yaxes(title="mean of the estimate")
    return theme(fig, projector=projector, title="ZEST's estimate is self-normalised: its mean vs n", height=460)


def shift_bars(table: dict[str, tuple[float, float]], delta, *, projector: bool = False) -> go.Figure:
    """Each method's end point: the loss f(x) and the shifted loss f(x + delta)."""
    names = [optimizers.LABELS.get(m, m) for m in table]
    train = [v[0] for v in table.values()]
    test = [v[1] for v in table.values()]
    fig = go.Figure([go.Bar(x=names, y=train, name="f(x): train", marker=dict(color=COLORS["sky"])),
                     go.Bar(x=names, y=test, name=f"f(x + δ): shifted by δ = ({delta[0]:g}, {delta[1]:g})",
                            marker=dict(color=COLORS["vermillion"], pattern_shape="/"))])
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="loss at the end point")
    return theme(fig, projector=projector, title="A train → test shift: flat minima lose less", height=380)


# --- named figures (pages and slide directives) --------------------------------------------------------

@memo(32)
def race_runs(landscape: str, budget: int, seed: int, x0: float, y0: float, lr: float, mu: float, t: float,
              rho: float, kl: float, n: int) -> dict[str, optimizers.Trajectory]:
    """The five methods' trajectories for one setting, once per process: the race figures and the page's
    table share them (read-only)."""
    L = expressions.resolve(landscape)
    return optimizers.race(L.f, L.grad, [float(x0), float(y0)], budget=int(budget), seed=int(seed), lr=float(lr),
                           mu=float(mu), t=float(t), n=int(n), q=int(n), rho=float(rho), kl=float(kl))


def _run_race(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n):
    return expressions.resolve(landscape), race_runs(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n)


@figure
def race(landscape: str = "sharp_flat", budget: int = 2000, seed: int = 0, x0: float = -1.0, y0: float = 0.2,
         lr: float = 0.1, mu: float = 0.3, t: float = 10.0, rho: float = 0.5, kl: float = 1.0, n: int = 4,
         projector: bool = False) -> go.Figure:
    """GD, SAM, ZO-SGD, ZEST and SABO from (x0, y0) with one query budget: animated paths."""
    L, runs = _run_race(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n)
    return race_paths(L, runs, projector=projector)


@figure
def race_loss(landscape: str = "sharp_flat", budget: int = 2000, seed: int = 0, x0: float = -1.0, y0: float = 0.2,
              lr: float = 0.1, mu: float = 0.3, t: float = 10.0, rho: float = 0.5, kl: float = 1.0, n: int = 4,
              projector: bool = False) -> go.Figure:
    """The race's loss-against-queries curves."""
    _, runs = _run_race(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n)
    return race_losses(runs, projector=projector)


@figure
def race_shift(landscape: str = "sharp_flat", budget: int = 2000, seed: int = 0, x0: float = -1.0, y0: float = 0.2,
               lr: float = 0.1, mu: float = 0.3, t: float = 10.0, rho: float = 0.5, kl: float = 1.0, n: int = 4,
               delta: float = 0.1, projector: bool = False) -> go.Figure:
    """Each method's end point under the shifted landscape f(x + delta) (a train -> test shift)."""
    L, runs = _run_race(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n)
    shift = (float(delta), float(delta))
    return shift_bars(optimizers.shifted(L.f, {m: r.xs[-1] for m, r in runs.items()}, shift), shift,
                      projector=projector)


def basin_labels(L: landscapes.Landscape) -> list[str]:
    """Names of the basins: 'sharp' and 'flat' for sharp_flat, else 'minimum k at (x, y)'."""
    if L.name == "sharp_flat":
        return ["sharp basin", "flat basin"]
    return [f"minimum {k + 1} at ({m[0]:.2g}, {m[1]:.2g})" for k, m in enumerate(L.minima)]


def _two_minima(L):
    if len(L.minima) < 2:
        raise ValueError(f"this figure needs a landscape with at least two known minima; {L.title} has "
                         f"{len(L.minima)}")


D = optimizers.BASIN_DEFAULTS


@figure
def basin_map(landscape: str = "sharp_flat", budget: int = D["budget"], seed: int = D["seed"], lr: float = D["lr"],
              mu: float = D["mu"], n: int = D["n"], n_starts: int = D["n_starts"], ts: str = "1,3,10,30",
              projector: bool = False) -> go.Figure:
    """Fraction of n_starts starts near the first minimum ending in each basin: ZO-SGD and ZEST at several t."""
    fr = basin_fractions(landscape, int(budget), int(seed), float(lr), float(mu), int(n), int(n_starts), str(ts))
    return basin_bars(fr, basin_labels(expressions.resolve(landscape)), n_starts=int(n_starts), projector=projector)


@lru_cache(maxsize=16)
def basin_fractions(landscape: str, budget: int, seed: int, lr: float, mu: float, n: int, n_starts: int,
                    ts: str) -> dict[str, np.ndarray]:
    """optimizers.basin_map for one setting, once per process (the figure and the page's caption share it)."""
    L = expressions.resolve(landscape)
    _two_minima(L)
    tilts = tuple(float(v) for v in ts.split(",") if v.strip())
    return optimizers.basin_map(L.f, L.grad, L.minima, L.bounds, ts=tilts, n_starts=n_starts, budget=budget,
                                seed=seed, lr=lr, mu=mu, n=n)


PHASE_MUS = tuple(np.round(np.geomspace(0.05, 0.6, 15), 4))
PHASE_TS = (0.0,) + tuple(np.round(np.geomspace(0.3, 100, 14), 3))


@figure
def phase_diagram(landscape: str = "sharp_flat", n_starts: int = 100, budget: int = D["budget"], seed: int = 0,
                  lr: float = D["lr"], n: int = D["n"], projector: bool = False) -> go.Figure:
    """ZEST over a 15 x 15 (mu, t) grid: the share of starts near the first minimum that end in the last one."""
    L = expressions.resolve(landscape)
    _two_minima(L)
    pd = optimizers.phase_diagram(L.f, L.grad, L.minima, L.bounds, mus=PHASE_MUS, ts=PHASE_TS,
                                  n_starts=int(n_starts), budget=int(budget), seed=int(seed), lr=lr, n=int(n))
    return phase_heatmap(pd, label=basin_labels(L)[-1], projector=projector)


SAM_RHOS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8)
SABO_RHOS = (0.01, 0.1, 0.3, 1.0, 2.0, 4.0)


@figure
def sam_sabo_radius(landscape: str = "sharp_flat", n_starts: int = 100, budget: int = D["budget"], seed: int = 0,
                    lr: float = D["lr"], mu: float = D["mu"], n: int = D["n"], projector: bool = False) -> go.Figure:
    """SAM against its ball radius and SABO against its KL radius, from the basin map's starts."""
    L = expressions.resolve(landscape)
    _two_minima(L)
    common = dict(n_starts=int(n_starts), budget=int(budget), seed=int(seed), lr=lr, mu=mu, n=int(n))
    sam = optimizers.sweep_fraction("sam", L.f, L.grad, L.minima, L.bounds, rhos=SAM_RHOS, **common)
    sabo = optimizers.sweep_fraction("sabo", L.f, L.grad, L.minima, L.bounds, rhos=SABO_RHOS, **common)
    return radius_sweeps(SAM_RHOS, sam, SABO_RHOS, sabo, n_starts=int(n_starts), label=basin_labels(L)[-1],
                         projector=projector)


@figure
def zest_bias_vs_n(landscape: str = "sharp_flat", x0: float = -0.95, y0: float = 0.05, t: float = 30.0,
                   mu: float = 0.2, trials: int = 4000, seed: int = 0, projector: bool = False) -> go.Figure:
    """E[g] of ZEST (Monte Carlo, ± s.e.) against n pairs, and the exact grad L_t (quadrature) near the sharp well."""
    L = expressions.resolve(landscape)
    m = optimizers.zest_mean_vs_n(L.f, [x0, y0], t=float(t), mu=float(mu), trials=int(trials), seed=int(seed))
    return zest_bias(m, projector=projector)
