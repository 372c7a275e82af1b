"""Named figures of the Gradient estimators and Estimator variance pages (issue 3).

Every figure takes plain keyword parameters with defaults, computes with :mod:`zo_core.estimators`
and :mod:`zo_core.theory`, and returns a themed ``go.Figure``; ``::: figure estimator_cloud`` in a
lecture draws the same picture as the page.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zo_core import estimators, expressions, theory
from zo_core.viz import COLORS, color_values, figure, theme, title_text
from zo_core.viz.pictures import banded_image, placement

SCHEME_COLORS = {"forward": COLORS["orange"], "central": COLORS["blue"], "one-point": COLORS["vermillion"]}
DTYPES = {"float64": np.float64, "float32": np.float32}
DIMS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
CHI2_95 = 2.447746830680816   # sqrt of the 95% quantile of chi^2 with 2 degrees of freedom


def _dtype(precision: str):
    if precision not in DTYPES:
        raise ValueError(f"precision must be float32 or float64, got {precision!r}")
    return DTYPES[precision]


def _log_axes(fig: go.Figure, x: str, y: str, **kw) -> None:
    fig.update_xaxes(type="log", title=x, exponentformat="power", **kw)
    fig.update_yaxes(type="log", title=y, exponentformat="power", **kw)


def _band_traces(fig, x, band, *, name: str, color: str, sqrt: bool = False, row=None, col=None,
                 showlegend: bool = True, group: str | None = None) -> None:
    """Empirical points with a shaded 95% band (lower end clipped to stay positive on log axes)."""
    mean, lo, hi = band.mean, band.lo, band.hi
    if sqrt:
        mean, lo, hi = np.sqrt(np.maximum(mean, 0)), np.sqrt(np.maximum(lo, 0)), np.sqrt(np.maximum(hi, 0))
    lo = np.where(lo > 0, lo, mean * 1e-3)
    kw = dict(row=row, col=col) if row else {}
    group = group or name
    fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([hi, lo[::-1]]), fill="toself",
                             fillcolor=_alpha(color, 0.2), line=dict(width=0), hoverinfo="skip",
                             showlegend=False, legendgroup=group, name=name + " 95% band"), **kw)
    fig.add_trace(go.Scatter(x=x, y=mean, mode="markers", name=name, legendgroup=group, showlegend=showlegend,
                             marker=dict(color=color, size=8, line=dict(color="white", width=1))), **kw)


def _alpha(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{a})"


def _vertical(fig, x: float, text: str, color: str, y_range) -> None:
    """A vertical marker line at x as a trace (safe on log axes, unlike add_vline's annotation)."""
    lo, hi = y_range
    fig.add_trace(go.Scatter(x=[x, x], y=[lo, hi], mode="lines+text", text=["", text], textposition="top left",
                             line=dict(color=color, width=2, dash="dot"), name=text, showlegend=False,
                             hoverinfo="skip", textfont=dict(color=color)))


def _curve(fig, x, y, *, name: str, color: str, dash: str = "solid", row=None, col=None,
           showlegend: bool = True, group: str | None = None) -> None:
    kw = dict(row=row, col=col) if row else {}
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, legendgroup=group or name, showlegend=showlegend,
                             line=dict(color=color, width=2.5, dash=dash)), **kw)


# --- Gradient estimators page ---------------------------------------------------------------------

def ellipse(center, cov, scale: float = CHI2_95, n: int = 100) -> np.ndarray:
    """Points (n, 2) on the ellipse {c + scale * L z : ||z|| = 1}, L L' = cov (the 95% region of a Gaussian)."""
    w, V = np.linalg.eigh(np.asarray(cov, float))
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)
    return np.asarray(center, float) + scale * circle * np.sqrt(np.maximum(w, 0)) @ V.T


def cloud_arrays(landscape: str, method: str, scheme: str, mu: float, q: int, n: int, seed: int,
                 x: float, y: float, precision: str):
    """The point, the exact gradient, and n estimates there (for the figure and the page's numbers)."""
    L = expressions.resolve(landscape)
    p = np.array([x, y], dtype=float)
    grad = L.grad(p)
    if not np.isfinite(grad).all():
        raise ValueError(f"the gradient of {L.title} is not defined at ({x:g}, {y:g}); choose another point")
    est = estimators.estimate(L.f, p, method=method, scheme=scheme, mu=mu, q=q, n_trials=n, rng=seed,
                              dtype=_dtype(precision))
    return L, p, grad, est


def _cloud_view(p, grad, G, arrow: float) -> dict:
    """The mu-dependent part of the cloud figure: estimates, their mean and 95% ellipse (empty when the
    cloud is degenerate), the right panel's ranges and the tip of the unit arrow along -mean g."""
    G = np.asarray(G, float)
    mean = G.mean(axis=0)
    n = len(G)
    E = np.empty((0, 2))
    if n > 2 and np.linalg.matrix_rank(np.cov(G.T)) > 0:
        E = ellipse(mean, np.cov(G.T))
    # Frame the cloud but always keep the exact gradient in view.
    pts = np.vstack([np.percentile(G, [1, 99], axis=0), grad[None], mean[None]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = max(float((hi - lo).max()), 1e-9 * max(1.0, float(np.abs(grad).max())))
    xrange, yrange = frame_window(lo, hi, span)
    norm = float(np.linalg.norm(mean))
    tip = p - arrow * mean / norm if norm > 0 else p
    return dict(G=G, mean=mean, E=E, xrange=xrange, yrange=yrange, tip=tip, arrow_visible=norm > 0)


WINDOW_STEPS = 8     # window widths a decade: 10^(k/8), each 1.33x the last


def frame_window(lo, hi, span: float) -> tuple[list, list]:
    """Square ranges of width w = 10^(k/WINDOW_STEPS) >= 1.2 span (the smallest), centred on the multiple
    of w/20 nearest the box [lo, hi] of side <= span. Steps, not a snug fit: neighbouring mu mostly share
    a window, so the browser redraws only the cloud (a new window redraws the whole figure)."""
    w = 10.0 ** (np.ceil(np.log10(1.2 * span) * WINDOW_STEPS - 1e-9) / WINDOW_STEPS)
    step = w / 20         # the centre moves at most w/40 off the box's: margins >= 0.1 span - w/40 > 0
    c = np.round((np.asarray(lo, float) + np.asarray(hi, float)) / 2 / step) * step
    return [float(c[0] - w / 2), float(c[0] + w / 2)], [float(c[1] - w / 2), float(c[1] + w / 2)]


def _cloud_title(method, scheme, mu, q, precision, queries) -> str:
    return f"{method} / {scheme}, μ = {mu:g}, q = {q}, {precision}: {queries} queries per estimate"


# Indices of the traces a mu move changes in estimator_cloud: the -mean g arrow, the estimates, their
# ellipse and their mean. All are scatter traces, so a browser can move them without redrawing the rest.
CLOUD_TRACES = (1, 3, 4, 5)

PICTURE_NODES = 161     # grid nodes per axis on which f is evaluated for the left panel's picture
PICTURE_UPSAMPLE = 2    # picture pixels per grid cell: thin contour lines (322 x 322 pixels)
PICTURE_BANDS = 25      # colour bands, as a contour with ncontours=25 draws them


def landscape_picture(L, n: int = PICTURE_NODES) -> dict:
    """f on an n x n grid over L.bounds as a layout image (pixels centred on the upsampled nodes):
    PICTURE_BANDS Viridis bands with dark edges (contour lines), log-coloured; {} where f is nowhere finite.
    Not a contour trace: each Plotly redraw recomputes its lines (half of a mu frame that moves the axes)."""
    xs, ys, P = L.mesh(n)
    C, _ = color_values(L.f(P), log=getattr(L, "log_scale", True))
    if not np.isfinite(C).any():
        return {}
    uri = banded_image(C, bands=PICTURE_BANDS, colorscale="Viridis", lines=True, upsample=PICTURE_UPSAMPLE)[0]
    m = n * PICTURE_UPSAMPLE                     # pixels a side
    return dict(source=uri, **placement(xs, ys, (m, m)))


def _arrow(p, tip, visible: bool, *, name: str, color: str) -> go.Scatter:
    """A unit arrow from p to tip as a line with an arrow-head marker (hidden when the vector is zero)."""
    return go.Scatter(x=[p[0], tip[0]], y=[p[1], tip[1]], mode="lines+markers", name=name, showlegend=False,
                      hoverinfo="skip", visible=bool(visible), line=dict(color=color, width=3),
                      marker=dict(symbol="arrow", angleref="previous", size=[0, 15], color=color))


@figure
def estimator_cloud(landscape: str = "rosenbrock", method: str = "gaussian", scheme: str = "central",
                    mu: float = 0.1, q: int = 1, n: int = 300, seed: int = 0, x: float = 0.5, y: float = 0.5,
                    precision: str = "float64", projector: bool = False) -> go.Figure:
    """Left: the landscape and the point x. Right: n estimates g in the gradient plane, their mean and
    95% covariance ellipse against the exact gradient."""
    L, p, grad, est = cloud_arrays(landscape, method, scheme, mu, q, n, seed, x, y, precision)
    fig = make_subplots(cols=2, column_widths=[0.42, 0.58], horizontal_spacing=0.08,
                        subplot_titles=(f"{L.title}: the point x", "estimates g in the gradient plane"))
    # Left panel: the landscape (a picture) with the point and unit arrows along -grad f and -mean g.
    (x0, x1), (y0, y1) = L.bounds
    picture = landscape_picture(L)
    if picture:
        fig.add_layout_image(picture, row=1, col=1)
    arrow = 0.18 * min(x1 - x0, y1 - y0)
    v = _cloud_view(p, grad, est.g, arrow)
    gnorm = float(np.linalg.norm(grad))
    grad_tip = p - arrow * grad / gnorm if gnorm > 0 else p
    # Both arrows are always there (hidden when zero), so a mu frame can address the second by index.
    fig.add_trace(_arrow(p, grad_tip, gnorm > 0, name="−∇f(x)", color=COLORS["black"]), row=1, col=1)
    fig.add_trace(_arrow(p, v["tip"], v["arrow_visible"], name="−mean g", color=COLORS["vermillion"]),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=[p[0]], y=[p[1]], mode="markers", name="x", showlegend=False,
                             marker=dict(color="white", size=12, line=dict(color="black", width=2))), row=1, col=1)
    fig.update_xaxes(range=[x0, x1], title="x", showgrid=False, zeroline=False, row=1, col=1)   # none over f
    fig.update_yaxes(range=[y0, y1], title="y", scaleanchor="x", showgrid=False, zeroline=False, row=1, col=1)

    # Right panel: the cloud (trace order: CLOUD_TRACES are what a mu frame replaces).
    G, mean, E = v["G"], v["mean"], v["E"]
    fig.add_trace(go.Scatter(x=G[:, 0], y=G[:, 1], mode="markers", name=f"{n} estimates g",
                             marker=dict(color=COLORS["sky"], size=6, opacity=0.55)), row=1, col=2)
    fig.add_trace(go.Scatter(x=E[:, 0], y=E[:, 1], mode="lines", name="95% covariance ellipse",
                             showlegend=bool(len(E)), line=dict(color=COLORS["blue"], width=2)), row=1, col=2)
    fig.add_trace(go.Scatter(x=[mean[0]], y=[mean[1]], mode="markers", name="mean of g",
                             marker=dict(symbol="diamond", color=COLORS["vermillion"], size=14,
                                         line=dict(color="white", width=1))), row=1, col=2)
    fig.add_trace(go.Scatter(x=[grad[0]], y=[grad[1]], mode="markers", name="exact ∇f(x)",
                             marker=dict(symbol="star", color=COLORS["yellow"], size=20,
                                         line=dict(color="black", width=1.5))), row=1, col=2)
    fig.update_xaxes(range=v["xrange"], title="g₁", row=1, col=2)
    fig.update_yaxes(range=v["yrange"], title="g₂", scaleanchor="x2", row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.12, x=0.45))
    title = _cloud_title(method, scheme, mu, q, precision, est.queries)
    return theme(fig, projector=projector, title=title, height=560)


def compact(a, digits: int = 6) -> list:
    """a rounded to ``digits`` significant digits as a JSON-ready list (non-finite -> None)."""
    a = np.asarray(a, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(a))))
        r = np.where(np.isfinite(scale) & (a != 0), np.round(a * scale) / scale, a)
    return [float(v) if np.isfinite(v) else None for v in r.ravel()]


def cloud_frames(mus, *, landscape: str = "rosenbrock", method: str = "gaussian", scheme: str = "central",
                 q: int = 1, n: int = 300, seed: int = 0, x: float = 0.5, y: float = 0.5,
                 precision: str = "float64", projector: bool = False) -> dict:
    """For each mu in ``mus``: what estimator_cloud(mu=mu, ...) changes, as a Plotly update.

    Returns ``{"traces": CLOUD_TRACES, "frames": [{"data": {...}, "layout": {...}}, ...]}``: frame i
    applied with ``Plotly.update(div, data, layout, traces)`` to any estimator_cloud figure with the
    same other parameters turns it into the figure for ``mus[i]`` (numbers rounded to 6 digits); where
    that figure cannot be drawn (its builder raises ValueError), frame i is ``{"error": message}``.
    Each frame comes from the same :func:`cloud_arrays` call (same seed) as the figure itself.

    Margins and title padding (theme sets them from the title's lines and the legend's entries) are read
    off the figure itself, built once for each (title lines, ellipse in the legend) that occurs.
    """
    params = dict(landscape=landscape, method=method, scheme=scheme, q=q, n=n, seed=seed, x=x, y=y,
                  precision=precision, projector=projector)
    margins = {}
    frames = []
    for mu in mus:
        try:
            L, p, grad, est = cloud_arrays(landscape, method, scheme, float(mu), q, n, seed, x, y, precision)
        except ValueError as err:      # e.g. f undefined near x at this radius: the page says why
            frames.append({"error": str(err)})
            continue
        (x0, x1), (y0, y1) = L.bounds
        v = _cloud_view(p, grad, est.g, 0.18 * min(x1 - x0, y1 - y0))
        G, E, mean, tip = v["G"], v["E"], v["mean"], v["tip"]
        title = title_text(_cloud_title(method, scheme, float(mu), q, precision, est.queries),
                           projector=bool(projector))
        key = (title.count("<br>"), bool(len(E)))
        if key not in margins:
            layout = estimator_cloud(mu=float(mu), **params).layout
            margins[key] = {"margin.t": layout.margin.t, "margin.b": layout.margin.b,
                            "title.pad.t": layout.title.pad.t}
        frames.append({
            "data": {"x": [compact([p[0], tip[0]]), compact(G[:, 0]), compact(E[:, 0]), compact(mean[:1])],
                     "y": [compact([p[1], tip[1]]), compact(G[:, 1]), compact(E[:, 1]), compact(mean[1:])],
                     "visible": [bool(v["arrow_visible"]), True, True, True],
                     "showlegend": [False, True, bool(len(E)), True]},
            "layout": {"xaxis2.range": compact(v["xrange"]), "yaxis2.range": compact(v["yrange"]),
                       "title.text": title, **margins[key]},
        })
    return {"traces": list(CLOUD_TRACES), "frames": frames}


MUS = np.logspace(-12, 0, 49)


@figure
def error_vs_mu(landscape: str = "rosenbrock", method: str = "coordinate", x: float = 0.5, y: float = 0.5,
                precision: str = "float64", q: int = 1, n: int = 32, seed: int = 0, mu: float = 0.0,
                projector: bool = False) -> go.Figure:
    """Log-log error vs mu for every scheme of ``method``: slope 1 (forward), slope 2 (central),
    the round-off floor eps_machine |f(x)| / mu, and the current mu (if > 0) as a vertical line."""
    L = expressions.resolve(landscape)
    p = np.array([x, y], dtype=float)
    dtype = _dtype(precision)
    grad = L.grad(p)
    if not np.isfinite(grad).all():
        raise ValueError(f"the gradient of {L.title} is not defined at ({x:g}, {y:g}); choose another point")
    errs = estimators.mu_sweep(L.f, grad, p, method=method, mus=MUS, q=q, n_trials=n, seed=seed, dtype=dtype)
    fig = go.Figure()
    for scheme, e in errs.items():
        e = np.where(e > 0, e, np.nan)
        cost = estimators.queries(method, scheme, p.size, q)
        fig.add_trace(go.Scatter(x=MUS, y=e, mode="lines+markers", name=f"{scheme} ({cost} queries)",
                                 line=dict(color=SCHEME_COLORS[scheme], width=3), marker=dict(size=6)))
    eps = float(np.finfo(dtype).eps)
    # The rounded quantity is f(x); where f(x) = 0 the rounding of the point x + mu u takes over.
    size = abs(float(L.f(p))) or float(np.abs(p).max() * np.linalg.norm(grad)) or 1e-300
    floor = eps * size / MUS
    top = max(float(np.nanmax(e)) for e in errs.values() if np.isfinite(e).any())
    shown = floor <= 10 * top          # where the round-off line leaves the plotted errors, stop drawing it
    fig.add_trace(go.Scatter(x=MUS[shown], y=floor[shown], mode="lines", name=f"round-off ε|f|/μ (ε = {eps:.1e})",
                             line=dict(color=COLORS["black"], dash="dot", width=2)))
    # Slope guides a decade below the curves at mu = 0.1 (where truncation error dominates).
    anchor = np.searchsorted(MUS, 1e-1)
    for scheme, slope, dash in (("forward", 1, "dash"), ("central", 2, "dashdot")):
        e = errs.get(scheme)
        if e is None or not np.isfinite(e[anchor]) or e[anchor] <= 0:
            continue
        guide = 0.1 * e[anchor] * (MUS / MUS[anchor]) ** slope
        keep = guide > floor * 1e-2
        fig.add_trace(go.Scatter(x=MUS[keep], y=guide[keep], mode="lines", name=f"slope {slope}",
                                 line=dict(color=SCHEME_COLORS[scheme], dash=dash, width=1.5), opacity=0.7))
    if mu > 0:
        ys = np.concatenate([e[np.isfinite(e) & (e > 0)] for e in errs.values()])
        if ys.size:
            _vertical(fig, mu, f"μ = {mu:g}", COLORS["green"], (ys.min(), ys.max()))
    what = "error ‖g − ∇f(x)‖" if method == "coordinate" else "RMS ‖g − g₀‖ (g₀: same u, exact derivative)"
    _log_axes(fig, "μ (smoothing radius)", what)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0))
    kind = "coordinate differences" if method == "coordinate" else f"{method} directions, {n} estimates"
    return theme(fig, projector=projector, title=f"{L.title} at ({x:g}, {y:g}): {kind}, {precision}", height=520)


# --- Estimator variance page ------------------------------------------------------------------------

def _theory(problem: str, over: str, values, *, method: str, scheme: str, mu: float, q: int, d: int):
    """Closed-form E||g||^2 and variance along a sweep (None for Rosenbrock, which has none)."""
    if problem == "rosenbrock" or method == "coordinate":
        return None, None
    m2, var = [], []
    for v in values:
        dd = int(v) if over == "d" else d
        F, x = estimators.problem(problem, dd)
        m = theory.moments(F, x, method=method, scheme=scheme, mu=float(v) if over == "mu" else mu,
                           q=int(v) if over == "q" else q)
        m2.append(m.second_moment)
        var.append(m.variance)
    return np.array(m2), np.array(var)


def _sweep_figure(sw, over: str, m2_th, var_th, *, xlabel: str, title: str, projector: bool) -> go.Figure:
    fig = go.Figure()
    x = sw.values
    _band_traces(fig, x, sw.second_moment, name="E‖g‖² (empirical)", color=COLORS["orange"])
    _band_traces(fig, x, sw.variance, name="E‖g − Eg‖² (empirical)", color=COLORS["blue"])
    if m2_th is not None:
        _curve(fig, x, m2_th, name="E‖g‖² (closed form)", color=COLORS["orange"])
        _curve(fig, x, var_th, name="variance (closed form)", color=COLORS["blue"], dash="dash")
    _log_axes(fig, xlabel, "")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0))
    return theme(fig, projector=projector, title=title, height=480)


@lru_cache(maxsize=8)
def _dim_sweep(problem: str, method: str, scheme: str, mu: float, q: int, n: int, seed: int, d_max: int):
    """The d-sweep shared by variance_vs_dim and cosine_vs_dim (read-only; cached on plain arguments)."""
    dims = [d for d in DIMS if d <= d_max and not (problem == "rosenbrock" and d < 2)]
    return dims, estimators.sweep(problem, over="d", values=dims, method=method, scheme=scheme, mu=mu, q=q,
                                  n_trials=n, seed=seed)


@figure
def variance_vs_dim(problem: str = "linear", method: str = "gaussian", scheme: str = "central", mu: float = 0.01,
                    q: int = 1, n: int = 200, seed: int = 0, d_max: int = 10000,
                    projector: bool = False) -> go.Figure:
    """E||g||^2 and the variance vs the dimension d (log axes): empirical 95% bands and closed forms."""
    dims, sw = _dim_sweep(problem, method, scheme, float(mu), int(q), int(n), int(seed), int(d_max))
    m2, var = _theory(problem, "d", dims, method=method, scheme=scheme, mu=mu, q=q, d=0)
    return _sweep_figure(sw, "d", m2, var, xlabel="dimension d", projector=projector,
                         title=f"{problem}: {method}/{scheme}, μ = {mu:g}, q = {q}, {n} estimates per d")


@figure
def variance_vs_mu(problem: str = "linear", method: str = "gaussian", scheme: str = "one-point", d: int = 10,
                   q: int = 1, n: int = 200, seed: int = 0, projector: bool = False) -> go.Figure:
    """E||g||^2 and the variance vs mu at fixed d: one-point blows up like d f^2 / mu^2."""
    mus = np.logspace(-4, 0, 17)
    sw = estimators.sweep(problem, over="mu", values=mus, method=method, scheme=scheme, d=d, q=q,
                          mu=1.0, n_trials=n, seed=seed)
    m2, var = _theory(problem, "mu", mus, method=method, scheme=scheme, mu=1.0, q=q, d=d)
    return _sweep_figure(sw, "mu", m2, var, xlabel="μ", projector=projector,
                         title=f"{problem}, d = {d}: {method}/{scheme}, q = {q}, {n} estimates per μ")


@figure
def variance_vs_q(problem: str = "linear", method: str = "gaussian", scheme: str = "central", mu: float = 0.01,
                  d: int = 100, n: int = 200, seed: int = 0, projector: bool = False) -> go.Figure:
    """The variance vs the number q of directions averaged: it falls like 1/q."""
    qs = [1, 2, 4, 8, 16, 32, 64]
    sw = estimators.sweep(problem, over="q", values=qs, method=method, scheme=scheme, d=d, mu=mu,
                          n_trials=n, seed=seed)
    m2, var = _theory(problem, "q", qs, method=method, scheme=scheme, mu=mu, q=1, d=d)
    return _sweep_figure(sw, "q", m2, var, xlabel="directions averaged q", projector=projector,
                         title=f"{problem}, d = {d}: {method}/{scheme}, μ = {mu:g}, {n} estimates per q")


@figure
def cosine_vs_dim(problem: str = "linear", method: str = "gaussian", scheme: str = "central", mu: float = 0.01,
                  q: int = 1, n: int = 200, seed: int = 0, d_max: int = 10000, projector: bool = False) -> go.Figure:
    """The cosine between an estimate and the gradient vs d, with E|cos| = Γ(d/2)/(√π Γ((d+1)/2)) ≈ √(2/(πd))."""
    dims, sw = _dim_sweep(problem, method, scheme, float(mu), int(q), int(n), int(seed), int(d_max))
    fig = go.Figure()
    x = sw.values
    _band_traces(fig, x, sw.cosine, name="cos(g, ∇f) (empirical)", color=COLORS["green"])
    curve = theory.expected_abs_cosine(x) if q == 1 else np.minimum(1.0, np.sqrt(2 * q / (np.pi * x)))
    label = "E|cos(u, ∇f)| (exact, q = 1)" if q == 1 else "√(2q/(πd)) (large d)"
    _curve(fig, x, curve, name=label, color=COLORS["black"])
    _curve(fig, x, 1 / np.sqrt(x), name="1/√d", color=COLORS["purple"], dash="dot")
    _log_axes(fig, "dimension d", "cosine")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0))
    return theme(fig, projector=projector, height=460,
                 title=f"{problem}: {method}/{scheme}, q = {q}: a random direction sees ~1/√d of the gradient")


@figure
def coordinate_histogram(problem: str = "linear", method: str = "gaussian", scheme: str = "central",
                         mu: float = 0.01, d: int = 10, q: int = 1, n: int = 2000, seed: int = 0,
                         coordinate: int = 0, projector: bool = False) -> go.Figure:
    """Histogram of one coordinate g_i of n estimates, with the exact ∂f/∂x_i and the sample mean."""
    F, x = estimators.problem(problem, d)
    i = int(coordinate)
    if not 0 <= i < F.d:
        raise ValueError(f"coordinate must be between 0 and {F.d - 1}, got {i}")
    n = estimators.affordable(n, q, F.d)
    est = estimators.estimate(F, x, method=method, scheme=scheme, mu=mu, q=q, n_trials=n, rng=seed)
    gi = est.g[:, i]
    exact = float(np.asarray(F.grad(x))[i])
    fig = go.Figure(go.Histogram(x=gi, nbinsx=60, name=f"g_{i + 1}", marker_color=COLORS["sky"], opacity=0.8))
    fig.add_vline(x=exact, line=dict(color=COLORS["black"], width=3),
                  annotation_text=f"∂f/∂x_{i + 1} = {exact:.3g}")
    fig.add_vline(x=float(gi.mean()), line=dict(color=COLORS["vermillion"], width=2, dash="dash"),
                  annotation_text=f"mean {gi.mean():.3g} ± {gi.std(ddof=1) / np.sqrt(n):.2g}",
                  annotation_position="bottom right")
    fig.update_xaxes(title=f"g_{i + 1} (one coordinate of the estimate)")
    fig.update_yaxes(title="count")
    return theme(fig, projector=projector, height=420,
                 title=f"{problem}, d = {d}: {method}/{scheme}, sd = {gi.std(ddof=1):.3g}")


@figure
def budget_error(problem: str = "linear", d: int = 100, method: str = "gaussian", n: int = 100, seed: int = 0,
                 projector: bool = False) -> go.Figure:
    """Relative RMS error reached vs function queries spent: random directions (q = B/2) against
    coordinate differences (B/2 of the d coordinates; all of them cost 2d queries)."""
    top = max(min(4 * d, 2000), 2 * d)
    budgets = np.unique(np.round(np.logspace(np.log10(2), np.log10(top), 16) / 2).astype(int) * 2)
    res = estimators.budget_sweep(problem, d=d, budgets=budgets, method=method, n_trials=n, seed=seed)
    fig = go.Figure()
    _band_traces(fig, budgets, res["random"], name=f"{method} directions, central", color=COLORS["orange"],
                 sqrt=True)
    coord = res["coordinate"]
    partial = coord.mean > 1e-12      # with all d coordinates the error is round-off: left off the log plot
    coord = estimators.Band(coord.mean[partial], coord.lo[partial], coord.hi[partial])
    _band_traces(fig, budgets[partial], coord, name="coordinate differences, central", color=COLORS["blue"],
                 sqrt=True)
    if problem in ("linear", "quadratic"):
        q = np.maximum(budgets // 2, 1)
        k = np.minimum(budgets // 2, d)
        c = d + 1 if method == "gaussian" else d - 1
        _curve(fig, budgets, np.sqrt(c / q), name=f"√(({'d+1' if method == 'gaussian' else 'd−1'})/q)",
               color=COLORS["orange"])
        if problem == "linear":   # equal gradient entries: E error^2 = 1 - k/d
            y = np.sqrt(np.maximum(1 - k / d, 0))
            ok = y > 0
            _curve(fig, budgets[ok], y[ok], name="√(1 − k/d)", color=COLORS["blue"])
    top = float(np.sqrt(res["random"].hi.max()))
    _vertical(fig, 2 * d, f"2d = {2 * d}: exact", COLORS["black"], (top * 1e-2, top))
    _log_axes(fig, "function queries spent on one estimate", "‖g − ∇f‖ / ‖∇f‖ (RMS)")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0))
    return theme(fig, projector=projector, height=460, title=f"{problem}, d = {d}: error for a query budget")


# Figures the Estimator variance page draws with its defaults (bench/estimators.py times the whole sweep).
VARIANCE_PAGE_FIGURES = {
    "variance_vs_dim": lambda: variance_vs_dim(),
    "variance_vs_mu": lambda: variance_vs_mu(),
    "variance_vs_q": lambda: variance_vs_q(),
    "cosine_vs_dim": lambda: cosine_vs_dim(),
    "coordinate_histogram": lambda: coordinate_histogram(),
    "budget_error": lambda: budget_error(),
}


# --- Theory page ----------------------------------------------------------------------------------

@figure
def bounds_vs_dim(mu: float = 0.1, cond: float = 10.0, projector: bool = False) -> go.Figure:
    """Exact E||g||^2 of the gaussian forward estimator on a quadratic against the Nesterov–Spokoiny bound
    2(d+4)||∇f||² + μ²L²(d+6)³/2, for d from 1 to 10,000."""
    dims = np.array(DIMS, dtype=float)
    exact, bound, grad2 = [], [], []
    for d in DIMS:
        F, x = estimators.problem("quadratic", d, cond=cond)
        g = F.grad(x)
        exact.append(theory.moments(F, x, method="gaussian", scheme="forward", mu=mu).second_moment)
        bound.append(theory.nesterov_spokoiny(d, mu, L1=float(F.lam.max()),
                                              grad_norm=float(np.linalg.norm(g)))["second_moment"])
        grad2.append(float(g @ g))
    fig = go.Figure()
    _curve(fig, dims, np.array(bound), name="Nesterov–Spokoiny bound", color=COLORS["vermillion"], dash="dash")
    _curve(fig, dims, np.array(exact), name="exact E‖g‖² (closed form)", color=COLORS["blue"])
    _curve(fig, dims, np.array(grad2), name="‖∇f(x)‖²", color=COLORS["black"], dash="dot")
    _log_axes(fig, "dimension d", "E‖g‖²")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0))
    return theme(fig, projector=projector, height=440,
                 title=f"Quadratic with spectrum in [1, {cond:g}], forward differences, μ = {mu:g}")
