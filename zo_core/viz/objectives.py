"""Named figures of the "Smoothing, max-loss, tilting" page: 2-D panels, the 1-D slice, the t sweep."""

from __future__ import annotations

import base64
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zo_core import expressions, landscapes, objectives, theory
from zo_core.viz import COLORS, SEQUENTIAL, figure, theme
from zo_core.viz.pictures import banded_image

ORDER = 24  # quadrature nodes per axis on the slices (1,152 ball nodes): fast, and within 1e-4 here

CURVES = {  # name -> colour, dash, symbol of the minimiser's marker
    "f": (COLORS["black"], "dot", "x"),
    "mean": (COLORS["blue"], "solid", "circle"),
    "tilted": (COLORS["vermillion"], "solid", "star"),
    "max": (COLORS["orange"], "dash", "diamond"),
}


def slice_line(L: landscapes.Landscape, n: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Points (n, 2) on the line through the first two known minima, clipped to the bounds.

    Returns the coordinate s along the line (x itself when the line is horizontal), the points and
    an axis label. With fewer than two minima: the horizontal line through the first minimum (or
    the window's centre).
    """
    (x0, x1), (y0, y1) = L.bounds
    if len(L.minima) >= 2:
        a, b = L.minima[0], L.minima[1]
    else:
        c = L.minima[0] if len(L.minima) else np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        a, b = c, c + np.array([1.0, 0.0])
    u = (b - a) / np.linalg.norm(b - a)
    lo, hi = -np.inf, np.inf
    for k, (blo, bhi) in enumerate(L.bounds):
        if abs(u[k]) > 1e-12:
            s0, s1 = sorted(((blo - a[k]) / u[k], (bhi - a[k]) / u[k]))
            lo, hi = max(lo, s0), min(hi, s1)
    s = np.linspace(lo, hi, int(n))
    P = a + s[:, None] * u
    through = {0: "through the centre", 1: "through the minimum"}.get(len(L.minima), "through the minima")
    if abs(u[1]) < 1e-9:
        return P[:, 0], P, f"x (along y = {a[1]:.3g}, {through})"
    return s, P, f"position along the line {through}"


def _radius(law: str, mu: float, rho: float) -> float:
    return float(mu) if law == "gaussian" else float(rho)


def _frozen(*arrays):
    for a in arrays:
        a.setflags(write=False)     # cached and shared: nobody may write into them
    return arrays


@lru_cache(maxsize=16)
def _slice_base(landscape: str, mu: float, rho: float, law: str, n: int):
    """What the slice needs that does not depend on t: the line, f, the node values V and weights w
    of the law's quadrature, the max-loss, and where the known minima project."""
    L = expressions.resolve(landscape)
    s, P, label = slice_line(L, n)
    V, w = objectives.node_values(L.f, P, law=law, radius=_radius(law, mu, rho), order=ORDER)
    top = objectives.max_loss(L.f, P, radius=rho)
    m = L.minima[:2]
    u = P[-1] - P[0]
    known = (m - P[0]) @ u / (u @ u) * (s[-1] - s[0]) + s[0]
    return (*_frozen(s, L.f(P), V, w, top, known), label)


def slice_values(landscape: str, t: float, mu: float, rho: float, law: str, n: int):
    """f, mean, tilted and max-loss along the slice (pointwise quadrature): s, label, curves, minima's s.

    Only the re-weighting by t is computed per call; the rest is cached per (landscape, mu, rho, law, n).
    """
    s, f0, V, w, top, known, label = _slice_base(landscape, float(mu), float(rho), law, int(n))
    if _radius(law, mu, rho) == 0:
        mean = tilt = f0
    else:
        mean = objectives.tilt(V, w, 0.0)
        tilt = (np.full_like(mean, np.inf if t > 0 else -np.inf) if _diverges(landscape, float(t), law, mu, rho)
                else objectives.tilt(V, w, float(t)))
    return s, label, {"f": f0, "mean": mean, "tilted": tilt, "max": top}, known


@lru_cache(maxsize=256)
def _diverges(landscape: str, t: float, law: str, mu: float, rho: float) -> bool:
    """Is L_t infinite for these settings (gaussian law only; see objectives.tilted_diverges)?"""
    L = expressions.resolve(landscape)
    (x0, x1), (y0, y1) = L.bounds
    corners = np.array([[x0, y0], [x1, y1]])
    return objectives.tilted_diverges(L.f, corners, t=t, law=law, radius=_radius(law, mu, rho))


def notes(landscape: str = "sharp_flat", t: float = 20.0, mu: float = 0.05, rho: float = 0.126,
          law: str = "ball", n: int = 151) -> list[tuple[str, str, str]]:
    """What the page must say instead of a number: (panel, status, note) for every panel of
    :func:`objectives_panel` whose grid is not "ok", and ("slice", "infinite", note) when L_t diverges."""
    out = []
    radius = _radius(law, mu, rho)
    for name, kw in _panel_spec(law, radius, rho, t)[1:]:
        G = _grid(landscape, int(n), kw["kind"], kw.get("law", "ball"), float(kw.get("radius", 0.0)),
                  float(kw.get("t", 0.0)))
        if G.status != "ok":
            out.append((name, G.status, G.note))
    if radius > 0 and _diverges(landscape, float(t), law, mu, rho):
        out.append(("slice", "infinite", objectives.divergence_note(float(t), radius)))
    return out


def _panel_spec(law: str, radius: float, rho: float, t: float):
    return [("f", dict(kind="f")), (f"smoothed ({law} {radius:g})", dict(kind="smoothed", law=law, radius=radius)),
            (f"max-loss (ρ = {rho:g})", dict(kind="max_loss", radius=rho)),
            (f"tilted (t = {t:g}, {law} {radius:g})", dict(kind="tilted", law=law, radius=radius, t=t))]


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    if np.isinf(v):
        return "+∞" if v > 0 else "−∞"
    return f"{v:.4f}"


@lru_cache(maxsize=64)
def sharpness_rows(landscape: str, x: float, y: float, t: float = 20.0, mu: float = 0.05, rho: float = 0.126,
                   law: str = "ball", n: int = 151) -> tuple[list[tuple[str, str]], str]:
    """The live numbers at the point (x, y): rows (quantity, value) and a message ("" if none).

    L_t by quadrature and on the panel's grid (nearest node), f_mu, Var f(x + eps), the small-t
    expansion f_mu + (t/2) Var and, for the gaussian law, the log-det form of f's quadratic model at x.
    """
    L = expressions.resolve(landscape)
    radius = _radius(law, mu, rho)
    p = np.array([float(x), float(y)])
    s = theory.sharpness(L.f, p, t=float(t), law=law, radius=radius, grad=L.grad, hess=L.hess, order=ORDER)
    G = _grid(landscape, int(n), "tilted", law, float(radius), float(t))
    j, i = int(np.abs(G.xs - p[0]).argmin()), int(np.abs(G.ys - p[1]).argmin())
    (x0, x1), (y0, y1) = L.bounds
    inside = x0 <= p[0] <= x1 and y0 <= p[1] <= y1
    grid_value = None if G.status != "ok" or not inside else float(G.Z[i, j])
    rows = [("f(x)", _fmt(s.f)), ("f_μ(x) = E f(x+ε)  (the mean)", _fmt(s.mean)),
            ("Var f(x+ε)", _fmt(s.variance)),
            ("f_μ + (t/2)·Var  (small-t expansion)", _fmt(s.expansion)),
            ("L_t(x), quadrature", _fmt(s.exact)),
            (f"L_t on the grid (node {G.xs[j]:.3g}, {G.ys[i]:.3g})", _fmt(grid_value) if grid_value is not None
             else f"not shown ({G.status if inside else 'x is outside the window'})")]
    if law == "gaussian":
        rows.append(("quadratic model at x: f − log det(I − tμ²H)/(2t) + (tμ²/2) g'(I − tμ²H)⁻¹g", _fmt(s.quadratic)))
    message = ""
    if np.isinf(s.exact):
        message = objectives.divergence_note(float(t), radius) + "."
    elif s.quadratic is not None and np.isinf(s.quadratic):
        lam = float(np.linalg.eigvalsh(np.asarray(L.hess(p), float)).max())
        message = (f"The quadratic model of f at x has t μ² λ_max(H) = {t * radius**2 * lam:.3g} ≥ 1, so its L_t is "
                   "infinite; f itself does not grow that fast, so the true L_t is finite: the expansion in t "
                   "and the quadratic model break down here.")
    return rows, message


@lru_cache(maxsize=32)
def _grid(landscape: str, n: int, kind: str, law: str, radius: float, t: float) -> objectives.Grid:
    L = expressions.resolve(landscape)
    G = objectives.grid(L.f, *L.bounds, n=n, kind=kind, law=law, radius=radius, t=t)
    _frozen(G.Z)
    return G


def _argmin(s: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    if not np.isfinite(v).any():
        return float("nan"), float("nan")
    k = int(np.nanargmin(v))
    return float(s[k]), float(v[k])


@figure
def tilted_slice(landscape: str = "sharp_flat", t: float = 20.0, mu: float = 0.05, rho: float = 0.126,
                 law: str = "ball", n: int = 301, projector: bool = False) -> go.Figure:
    """Mean <= tilted <= max along the line through both minima, each minimiser marked; below, the
    sharpness L_t - mean (and max - mean)."""
    s, label, curves, known = slice_values(landscape, t, mu, rho, law, n)
    radius = _radius(law, mu, rho)
    names = {"f": "f", "mean": f"mean (t = 0, {law} {radius:g})", "tilted": f"tilted, t = {t:g}",
             "max": f"max-loss (ball ρ = {rho:g})"}
    # Two stacked panels sharing x, laid out by hand: one go.Figure(data, layout) call is several
    # times faster than make_subplots + add_trace, and this figure is redrawn on every t.
    data = []
    infinite = not np.isfinite(curves["tilted"]).any()
    if infinite:
        names["tilted"] = f"tilted, t = {t:g}: infinite"
        curves = {**curves, "tilted": np.full_like(curves["mean"], np.nan)}
    for key, v in curves.items():
        color, dash, symbol = CURVES[key]
        xm, ym = _argmin(s, v)
        data += [go.Scatter(x=s, y=v, mode="lines", name=names[key], legendgroup=key,
                            line=dict(color=color, dash=dash, width=2.5)),
                 go.Scatter(x=[xm], y=[ym], mode="markers", name=f"argmin {key}", legendgroup=key,
                            showlegend=False, hovertemplate=f"argmin {key}: %{{x:.3f}}<extra></extra>",
                            marker=dict(symbol=symbol, size=15, color=color, line=dict(color="white", width=1)))]
    data += [go.Scatter(x=s, y=curves["tilted"] - curves["mean"], mode="lines", name="sharpness: tilted − mean",
                        xaxis="x", yaxis="y2", line=dict(color=COLORS["vermillion"], width=2.5), fill="tozeroy",
                        fillcolor="rgba(213,94,0,0.15)"),
             go.Scatter(x=s, y=curves["max"] - curves["mean"], mode="lines", name="max − mean", xaxis="x",
                        yaxis="y2", line=dict(color=COLORS["orange"], width=1.5, dash="dash"))]
    shapes = [dict(type="line", xref="x", yref="y domain", x0=float(xk), x1=float(xk), y0=0, y1=1,
                   line=dict(color="#888888", width=1, dash="dot")) for xk in known]
    fig = go.Figure(data=data, layout=dict(
        xaxis=dict(title=label, anchor="y2"), yaxis=dict(title="value", domain=[0.36, 1.0]),
        yaxis2=dict(title="sharpness", domain=[0.0, 0.3]), shapes=shapes))
    if infinite:
        fig.add_annotation(xref="paper", yref="paper", x=0.5, y=0.8, showarrow=False,
                           text=f"L_t is infinite for t = {t:g} (gaussian law): not drawn",
                           font=dict(size=16, color=COLORS["vermillion"]))
    return theme(fig, projector=projector, title=f"Slice through both minima, t = {t:g}", height=640)


STATUS_TEXT = {"infinite": "L_t = ∞ here", "tail": "L_t not held by the ±5μ kernel",
               "under-resolved": "not resolved by the grid"}
TILTED = 3     # the tilted panel's place in _panel_spec: the only one that changes with t
BANDS = 25     # colour bands of the tilted panel's picture, as the contours' ncontours
UPSAMPLE = 2   # its pixels per grid cell: thin contour lines on a 151-node grid


def _panel_grid(landscape: str, n: int, kw: dict) -> objectives.Grid:
    return _grid(landscape, int(n), kw["kind"], kw.get("law", "ball"), float(kw.get("radius", 0.0)),
                 float(kw.get("t", 0.0)))


def _grid_argmin(G: objectives.Grid) -> tuple[float | None, float | None]:
    """(x, y) of the grid node where Z is smallest; (None, None) where no value is finite."""
    if G.status != "ok" or not np.isfinite(G.Z).any():
        return None, None
    i, j = np.unravel_index(np.nanargmin(np.where(np.isfinite(G.Z), G.Z, np.nan)), G.Z.shape)
    return float(G.xs[j]), float(G.ys[i])


def _picture(G: objectives.Grid) -> str:
    """The tilted panel's picture: Z in BANDS colour bands with their edges dark (contours), a PNG data URI.

    A layout image, not a contour trace: the browser swaps it in ~15 ms (ui.livechart frames), where
    restyling a contour replots all four panels (~120 ms, measured in Chromium).
    """
    ok = G.status == "ok" and np.isfinite(G.Z).any()
    return banded_image(G.Z, bands=BANDS, lines=True, upsample=UPSAMPLE)[0] if ok else ""


def _star_svg() -> str:
    """The grid minimiser's yellow star as an SVG data URI (a layout image moves in the browser in ~1 ms;
    moving a marker trace there needs Plotly.animate, which drops contour traces, or a full replot)."""
    k = np.arange(10)
    r = np.where(k % 2 == 0, 9.5, 3.9)
    pts = " ".join(f"{10 + ri * np.sin(np.pi * ki / 5):.2f},{10.5 - ri * np.cos(np.pi * ki / 5):.2f}"
                   for ki, ri in zip(k, r))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 20 20">'
           f'<polygon points="{pts}" fill="{COLORS["yellow"]}" stroke="black" stroke-width="1.2"/></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


STAR = _star_svg()


def _status(L, G: objectives.Grid, xref: str, yref: str) -> dict:
    """What the panel says where the grid cannot stand behind it ("" when ok), as a layout annotation."""
    (x0, x1), (y0, y1) = L.bounds
    return dict(x=(x0 + x1) / 2, y=(y0 + y1) / 2, xref=xref, yref=yref, showarrow=False,
                text=STATUS_TEXT.get(G.status, ""), font=dict(size=16, color=COLORS["vermillion"]))


def _panel_traces(L, G: objectives.Grid, name: str) -> list:
    """A panel of f, the mean or the max-loss: contour, minima of f, grid minimiser (star); or the status text."""
    (x0, x1), (y0, y1) = L.bounds
    if G.status != "ok":   # a value the grid cannot stand behind is not drawn: the panel says why instead
        return [go.Scatter(x=[(x0 + x1) / 2], y=[(y0 + y1) / 2], mode="text", text=[STATUS_TEXT[G.status]],
                           textfont=dict(size=16, color=COLORS["vermillion"]), showlegend=False,
                           name=f"{name}: {G.status}", hovertext=G.note, hoverinfo="text")]
    out = [go.Contour(x=G.xs, y=G.ys, z=G.Z, colorscale=SEQUENTIAL, ncontours=BANDS, showscale=False, name=name,
                      hovertemplate="x=%{x:.2f}<br>y=%{y:.2f}<br>%{z:.4g}<extra></extra>")]
    return out + _minima(L) + _star(G, f"argmin {name}")


def _minima(L) -> list:
    """The minima of f as white dots (none if the landscape knows none)."""
    out = []
    if len(L.minima):
        out.append(go.Scatter(x=L.minima[:, 0], y=L.minima[:, 1], mode="markers", showlegend=False,
                              name="minima of f", marker=dict(color="white", size=7,
                                                              line=dict(color="black", width=1))))
    return out


def _star(G: objectives.Grid, name: str) -> list:
    """The grid minimiser as a yellow star (none where no value is finite)."""
    sx, sy = _grid_argmin(G)
    return [] if sx is None else [go.Scatter(x=[sx], y=[sy], mode="markers", showlegend=False, name=name,
                                             marker=dict(symbol="star", size=16, color=COLORS["yellow"],
                                                         line=dict(color="black", width=1.5)))]


@figure
def objectives_panel(landscape: str = "sharp_flat", t: float = 20.0, mu: float = 0.05, rho: float = 0.126,
                     law: str = "gaussian", n: int = 151, projector: bool = False) -> go.Figure:
    """f, the smoothed mean, the max-loss and the tilted objective side by side; each one's minimiser
    on the grid is the yellow star, the landscape's own minima are white dots.

    The tilted panel is a picture (:func:`_picture`), its star an image and its only trace the minima
    of f, so that :func:`panel_frames` turns it into the panel of any other t with layout paths alone.
    """
    L = expressions.resolve(landscape)
    (x0, x1), (y0, y1) = L.bounds
    spec = _panel_spec(law, _radius(law, mu, rho), rho, t)
    # one x and one y range for all four: tick labels only on the outer edges (none between a row's plot and
    # the next row's titles, where they collided in a short picture), and zooming one panel zooms all
    fig = make_subplots(rows=2, cols=2, subplot_titles=[name for name, _ in spec], shared_xaxes="all",
                        shared_yaxes="all", horizontal_spacing=0.04, vertical_spacing=0.1)
    for k, (name, kw) in enumerate(spec):
        G = _panel_grid(landscape, n, kw)
        row, col = k // 2 + 1, k % 2 + 1
        if k != TILTED:
            for trace in _panel_traces(L, G, name):
                fig.add_trace(trace, row=row, col=col)
        else:
            for trace in _minima(L):        # the star is an image (below), moved by the frames
                fig.add_trace(trace, row=row, col=col)
            hx, hy = G.xs[1] - G.xs[0], G.ys[1] - G.ys[0]
            source = _picture(G)
            fig.add_layout_image(dict(source=source, visible=bool(source), x=x0 - hx / 2, y=y1 + hy / 2,
                                      sizex=x1 - x0 + hx, sizey=y1 - y0 + hy, sizing="stretch", layer="below"),
                                 row=row, col=col)
            sx, sy = _grid_argmin(G)
            size = 0.13 * min(x1 - x0, y1 - y0)
            fig.add_layout_image(dict(source=STAR, visible=sx is not None, x=sx if sx is not None else x0,
                                      y=sy if sy is not None else y0, xanchor="center", yanchor="middle",
                                      sizex=size, sizey=size, sizing="contain", layer="above"), row=row, col=col)
            ax = fig.get_subplot(row, col)
            fig.add_annotation(_status(L, G, ax.xaxis.plotly_name.replace("axis", ""),
                                       ax.yaxis.plotly_name.replace("axis", "")))
        fig.update_xaxes(range=[x0, x1], row=row, col=col)
        fig.update_yaxes(range=[y0, y1], row=row, col=col)
    fig.update_xaxes(showgrid=False, zeroline=False, row=2, col=2)     # no grid lines across the picture
    fig.update_yaxes(showgrid=False, zeroline=False, row=2, col=2)
    return theme(fig, projector=projector, title=L.title, height=680)


def panel_frames(ts, *, landscape: str = "sharp_flat", mu: float = 0.05, rho: float = 0.126, law: str = "gaussian",
                 n: int = 151, projector: bool = False) -> dict:
    """For each t in ``ts``: what objectives_panel(t=t, ...) changes, as a Plotly update (ui.livechart).

    Only the tilted panel depends on t, and only through layout paths (no trace: restyling any trace
    replots all four contours): its picture (the n x n grid as a banded PNG, ~10 kB), its star (an
    image) and its subplot title. A t whose grid is not "ok" (Grid.status) gives ``{"error": note}``.
    """
    L = expressions.resolve(landscape)
    radius = _radius(law, mu, rho)
    spec = _panel_spec(law, radius, rho, 0.0)
    frames = []
    for t in ts:
        name, _ = _panel_spec(law, radius, rho, float(t))[TILTED]
        G = objectives.grid(L.f, *L.bounds, n=int(n), kind="tilted", law=law, radius=radius, t=float(t))
        if G.status != "ok":
            frames.append({"error": f"{name}: {G.note}"})
            continue
        sx, sy = _grid_argmin(G)
        source = _picture(G)
        frames.append({"data": {}, "layout": {
            "images[0].source": source, "images[0].visible": bool(source), "images[1].x": sx, "images[1].y": sy,
            "images[1].visible": sx is not None, f"annotations[{TILTED}].text": name,
            f"annotations[{len(spec)}].text": ""}})
    return {"traces": [], "frames": frames}


@figure
def tilt_minimisers(landscape: str = "sharp_flat", mu: float = 0.05, rho: float = 0.126, law: str = "ball",
                    limit: float = 100.0, n: int = 301, projector: bool = False) -> go.Figure:
    """Where L_t is smallest along the slice, for t from -limit to limit (symmetric log scale)."""
    pos = np.geomspace(0.01, float(limit), 30)
    ts = np.concatenate([-pos[::-1], [0.0], pos])
    s, label, _, known = slice_values(landscape, 0.0, mu, rho, law, n)
    base = _slice_base(landscape, float(mu), float(rho), law, int(n))
    radius = _radius(law, mu, rho)
    where = np.array([np.nan if radius > 0 and _diverges(landscape, float(t), law, mu, rho)
                      else _argmin(s, objectives.tilt(base[2], base[3], t))[0] for t in ts])   # gaps: L_t = inf

    def symlog(v):
        return np.arcsinh(np.asarray(v, float) / 0.02)

    ticks = [v for v in (-100, -10, -1, -0.1, 0, 0.1, 1, 10, 100) if abs(v) <= limit]
    fig = go.Figure(go.Scatter(x=symlog(ts), y=where, mode="lines+markers", name="argmin of L_t on the slice",
                               customdata=ts, hovertemplate="t=%{customdata:.3g}<br>argmin=%{y:.3f}<extra></extra>",
                               line=dict(color=COLORS["vermillion"], width=2.5)))
    for k, xk in enumerate(known):
        fig.add_hline(y=float(xk), line=dict(color="#888888", dash="dot"),
                      annotation_text=(("sharp", "flat")[k] + " minimum" if landscape == "sharp_flat" and k < 2
                                       else f"minimum {k + 1} of f"))
    fig.update_xaxes(title="tilt t (symmetric log scale)", tickvals=symlog(ticks), ticktext=[f"{v:g}" for v in ticks])
    fig.update_yaxes(title=label)
    return theme(fig, projector=projector, title="The minimiser moves with the tilt", height=420)
