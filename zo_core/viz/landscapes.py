"""Named figures of the Landscapes page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from zo_core import expressions
from zo_core.viz import contour, figure, surface, theme


def gradient_field(L, n_arrows: int, scale: float = 0.8):
    """Anchor points on an n×n sub-grid and descent arrows −∇f scaled to fit a cell (length ∝ log|∇f|)."""
    xs, ys, P = L.mesh(n_arrows, pad=-0.5 / n_arrows)
    P = P.reshape(-1, 2)
    G = -L.grad(P)
    norm = np.linalg.norm(G, axis=1, keepdims=True)
    ok = np.isfinite(norm[:, 0]) & (norm[:, 0] > 0)
    P, G, norm = P[ok], G[ok], norm[ok]
    (x0, x1), (y0, y1) = L.bounds
    cell = scale * min(x1 - x0, y1 - y0) / n_arrows
    # Lengths grow with log|∇f| so both gentle and steep regions stay readable.
    rel = np.log1p(norm / np.median(norm)) if len(norm) else norm
    rel = rel / (rel.max() if len(rel) and rel.max() > 0 else 1.0)
    return P, G / norm * rel * cell


def _log(L, log: str) -> bool:
    """Colour scale: "log", "linear", or "auto" (the landscape's own preference)."""
    if log not in ("auto", "log", "linear"):
        raise ValueError(f"log must be 'auto', 'log' or 'linear', got {log!r}")
    return L.log_scale if log == "auto" else log == "log"


@figure
def landscape_contour(landscape: str = "rosenbrock", n: int = 121, log: str = "auto", arrows: int = 15,
                      projector: bool = False) -> go.Figure:
    """Contour of a landscape with its minima and (optionally) the descent field −∇f."""
    L = expressions.resolve(landscape)
    xs, ys, P = L.mesh(int(n))
    Z = L.f(P)
    field = gradient_field(L, int(arrows)) if int(arrows) > 0 else None
    fig = contour(xs, ys, Z, log=_log(L, log), minima=L.minima, arrows=field)
    return theme(fig, projector=projector, title=L.title)


@figure
def landscape_surface(landscape: str = "rosenbrock", n: int = 81, log: str = "auto",
                      projector: bool = False) -> go.Figure:
    """3-D surface of a landscape with its minima marked."""
    L = expressions.resolve(landscape)
    xs, ys, P = L.mesh(int(n))
    Z = L.f(P)
    values = L.f(L.minima) if len(L.minima) else None
    fig = surface(xs, ys, Z, log=_log(L, log), minima=L.minima, minima_values=values)
    return theme(fig, projector=projector, title=L.title, height=620)
