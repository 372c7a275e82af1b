"""Plotly figure builders with one shared theme.

Two layers:

* array builders here (``contour``, ``surface``, ...) draw figures from numbers the caller computed;
* named *figures* (``FIGURES``), registered with :func:`figure` in the submodules
  (``zo_core.viz.landscapes``, ...; each topic adds its own file), take only plain keyword
  parameters (strings and numbers), compute what they need with ``zo_core`` and call the array
  builders. A page and a slide directive such as ``::: figure landscape_contour landscape=rosenbrock``
  draw the same figure through :func:`build`, and share it through :func:`shared` (built once per
  process for each name and parameters: the figure on screen is the one a deck exports).

The palette is Okabe–Ito (colour-blind safe). ``projector=True`` gives large fonts, thick lines
and high contrast for lecture halls.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Callable

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from zo_core import bounds
from zo_core.memo import memo

# Okabe–Ito: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
COLORS = dict(zip(["black", "orange", "sky", "green", "yellow", "blue", "vermillion", "purple"], PALETTE))
SEQUENTIAL = "Viridis"


# Projector mode targets a 1920 x 1080 hall screen: 22-px type everywhere, marks scaled by _MARK.
PROJECTOR_FONT = 22
TEMPLATE = "plotly_white"
SCREEN_FONT = 14
PROJECTOR_HEIGHT = (0.7 * 1080, 0.85 * 1080)   # figure height bounds (px) on a 1080-px projector
_MARK = 1.7                                    # marker sizes and line widths grow by this in projector mode


def theme(fig: go.Figure, *, projector: bool = False, title: str | None = None, height: int = 520) -> go.Figure:
    """Apply the ZO Lab look; in projector mode, large fonts, thick lines and a white background.

    Every text of the figure (title, axes, ticks, legend, colorbars, subplot titles, annotations,
    hover labels) gets at least the mode's font size. The legend always lies horizontally *under*
    the plot area (below the axes and any animation slider), so it can never cover the title and
    it wraps on a narrow screen. Projector mode also scales markers and lines and makes the figure
    at least 70 % of a 1080-px screen tall.
    """
    font = PROJECTOR_FONT if projector else SCREEN_FONT
    title = title if title is not None else fig.layout.title.text    # a builder may have set it
    if projector:
        height = int(min(max(height * 1.3, PROJECTOR_HEIGHT[0]), max(height, PROJECTOR_HEIGHT[1])))
        _scale_marks(fig, _MARK)
    big = dict(size=font)
    _set_template(fig, TEMPLATE)
    fig.update_layout(
        colorway=PALETTE[1:] + PALETTE[:1],
        font=dict(size=font, family="DejaVu Sans, Arial, sans-serif", color="#000000" if projector else "#222222"),
        hoverlabel=dict(font=big),
        height=height,
    )
    fig.update_xaxes(tickfont=big, title_font=big, automargin=True)
    fig.update_yaxes(tickfont=big, title_font=big, automargin=True)
    if any("scene" in trace for trace in fig.data):      # 3-D traces: on a 2-D figure this costs 3 ms for nothing
        fig.update_scenes(xaxis=dict(tickfont=big, title_font=big), yaxis=dict(tickfont=big, title_font=big),
                          zaxis=dict(tickfont=big, title_font=big))
    fig.update_annotations(font_size=font)
    for trace in fig.data:
        if "colorbar" in trace:
            trace.colorbar.tickfont.size = font
            trace.colorbar.title.font.size = font
        if "textfont" in trace:
            trace.textfont.size = max(trace.textfont.size or 0, font)
    fig.update_coloraxes(colorbar=dict(tickfont=big, title_font=big))
    if fig.layout.sliders:
        fig.update_layout(sliders=[dict(font=big, currentvalue=dict(font=big)) for _ in fig.layout.sliders])
    if fig.layout.updatemenus:
        fig.update_layout(updatemenus=[dict(font=big) for _ in fig.layout.updatemenus])
    _frame(fig, title, font, height)
    if projector:
        fig.update_xaxes(linewidth=3, linecolor="black", gridcolor="#bbbbbb")
        fig.update_yaxes(linewidth=3, linecolor="black", gridcolor="#bbbbbb")
    return fig


def _set_template(fig: go.Figure, name: str) -> None:
    """``fig.layout.template = name`` without validating the template again (Plotly checks every trace
    type's defaults in it: ~12 ms a figure, a fifth of building the Landscapes contour), as Plotly's own
    figure constructor sets its default template. The template is Plotly's, valid as it stands; the figure
    gets a copy. Falls back to the validated assignment should Plotly's layout object change."""
    layout = fig.layout
    validate = getattr(layout, "_validate", None)
    if not isinstance(validate, bool):
        fig.update_layout(template=name)
        return
    layout._validate = False
    try:
        layout.template = pio.templates[name]
    finally:
        layout._validate = validate


def _scale_marks(fig: go.Figure, k: float) -> None:
    """Marker sizes and line widths times k (Plotly's defaults where unset): stars stay stars, arrows keep heads."""
    for trace in fig.data:
        if trace.type not in ("scatter", "scattergl", "scatter3d"):
            if trace.type == "contour":
                trace.line.width = max(trace.line.width or 0.5, 0.5) * k
            continue
        size = trace.marker.size
        if size is None:
            trace.marker.size = 6 * k
        elif np.ndim(size) == 0:
            trace.marker.size = float(size) * k
        else:
            trace.marker.size = np.asarray(size, float) * k
        if trace.marker.line.width:
            trace.marker.line.width = trace.marker.line.width * k
        trace.line.width = (trace.line.width or 2) * k


# trace types Plotly leaves out of the legend unless asked (colour maps: a colour bar is their key)
_UNLISTED = frozenset({"contour", "heatmap", "surface", "histogram2d", "histogram2dcontour", "image"})


def _legend_names(fig: go.Figure) -> list[str]:
    """The names the figure's legend shows, as Plotly decides: none when it would list a single entry."""
    if fig.layout.showlegend is False:
        return []
    names = [t.name or "" for t in fig.data
             if t.showlegend or (t.showlegend is None and t.name and t.type not in _UNLISTED)]
    return names if len(names) > 1 or fig.layout.showlegend else []


def _legend_entry(names: list[str], font: int) -> int:
    """Text width (px) given to every legend entry: the longest name at ~0.62 em a character.

    One fixed width for all (Plotly's ``entrywidth``): without it Plotly measures every entry's text
    on each draw, ~50 ms of a 5-entry legend in Chromium, more than the rest of a 41 x 41 contour.
    """
    return int(0.62 * font * max(map(len, names), default=0) + font)


def _legend_rows(fig: go.Figure, font: int, width: float) -> int:
    """Rows a horizontal legend needs at ``width`` px: entries of :func:`_legend_entry` plus the symbol."""
    names = _legend_names(fig)
    if not names:
        return 0
    per_row = max(1, int(width // (_legend_entry(names, font) + 3 * font)))   # symbol (40 px) and gap
    return -(-len(names) // per_row)


def _frame(fig: go.Figure, title: str | None, font: int, height: int) -> None:
    """Margins, title and legend placed in pixels: title on top, then the plot, axes, buttons, slider, legend.

    Title and legend are anchored to the figure's top and bottom edges; the bottom margin holds the
    axis, an animation's buttons and slider (placed in units of the plot height these margins leave)
    and as many legend rows as a phone-wide figure needs, so a wrapping legend never climbs onto them.
    The title sits in the top margin, above any subplot titles.
    """
    if title:
        title = title_text(title, projector=font >= PROJECTOR_FONT)
    title_h = _title_px(title, font)[0] if title else 0
    sub_h = 1.8 * font if any((a.yref or "paper") == "paper" and (a.y or 0) >= 0.99 and not a.showarrow
                              for a in fig.layout.annotations) else 0
    top = int(title_h + sub_h + 0.8 * font + 6)
    gap = 3.0 * font + 16                               # tick labels, axis title and their standoffs
    menus, slider = _controls_px(fig, font)
    bottom = int(gap + menus + slider + _legend_px(fig, font, _page_legend_width(font)))
    for m in fig.layout.updatemenus:
        m.update(y=-_px(gap, height, top, bottom), yanchor="top")
    for s in fig.layout.sliders:
        s.update(y=-_px(gap + menus, height, top, bottom), yanchor="top")
    gap += menus + slider
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", yref="container", y=1.0, yanchor="top",
                   pad=dict(t=_title_px(title, font)[1]),
                   font=dict(size=font + 6)) if title else dict(text=None),
        margin=dict(l=60, r=20, t=top, b=bottom),
        legend=dict(orientation="h", x=0, xanchor="left", xref="container", y=0, yanchor="bottom", yref="container",
                    font=dict(size=font), bgcolor="rgba(255,255,255,0.8)",
                    entrywidth=_legend_entry(_legend_names(fig), font), entrywidthmode="pixels"),
    )


def _title_px(title: str, font: int) -> tuple[float, float]:
    """The height (px) a wrapped title takes in the top margin, and the pad that keeps its first line
    on top (Plotly anchors a title by its first line)."""
    breaks = title.count("<br>")
    return (1.6 + 2.5 * breaks) * (font + 6), 8 + 1.25 * (font + 6) * breaks


def _controls_px(fig: go.Figure, font: int) -> tuple[float, float]:
    """Heights (px) of an animation's play buttons and of its slider under them; 0 for what it lacks."""
    return (2.0 * font + 14 if fig.layout.updatemenus else 0), (3.6 * font + 26 if fig.layout.sliders else 0)


def _page_legend_width(font: int) -> int:
    """The plot width (px) a page's legend is laid out for: a hall screen (projector fonts), else a phone."""
    return 1500 if font >= PROJECTOR_FONT else 190


def _legend_px(fig: go.Figure, font: int, width: float) -> float:
    """Height (px) of the legend's rows at plot width ``width``, with its padding."""
    return _legend_rows(fig, font, width) * 1.5 * font + 16


def still(fig: go.Figure, width: int) -> go.Figure:
    """``fig`` as a still picture ``width`` px wide (a slide's image, a thumbnail), as a new figure.

    A picture cannot play: an animation's frames, play buttons and slider go, and the bottom margin
    they took with them. A page wraps the title and lays the legend out for a phone's width
    (:func:`_frame`); a picture of known width gets the lines and rows it needs there. The plot takes
    the height this frees. ``fig`` is left as it is (figures are shared); one with nothing to free is
    returned itself.
    """
    font = fig.layout.font.size or SCREEN_FONT
    margin = fig.layout.margin
    plot_w = width - (margin.l or 0) - (margin.r or 0)
    menus, slider = _controls_px(fig, font)
    bottom = menus + slider + _legend_px(fig, font, _page_legend_width(font)) - _legend_px(fig, font, plot_w)
    title = fig.layout.title.text or ""
    wrapped = _wrap(title.replace("<br>", " "), max(int(plot_w / (0.62 * (font + 6))), 20))
    top = _title_px(title, font)[0] - _title_px(wrapped, font)[0]
    if bottom <= 0 and top <= 0 and not fig.frames:
        return fig
    spec = fig.to_plotly_json()
    out = go.Figure(data=spec["data"], layout=spec["layout"], _validate=False)     # valid already: not checked again
    out.layout.sliders, out.layout.updatemenus = (), ()
    if bottom > 0:
        out.layout.margin.b = max(int((margin.b or 0) - bottom), 0)
    if title and top > 0:
        out.layout.title.text, out.layout.title.pad.t = wrapped, _title_px(wrapped, font)[1]
        out.layout.margin.t = max(int((margin.t or 0) - top), 0)
    return out


def title_text(title: str, *, projector: bool) -> str:
    """A figure title as :func:`theme` draws it: wrapped (Plotly never wraps; a phone is ~36 em wide)."""
    return _wrap(title, 90 if projector else 36)


def _wrap(text: str, width: int) -> str:
    """``text`` broken at spaces into lines of at most ``width`` characters, joined by ``<br>``."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _px(offset: float, height: int, top: float, bottom: float) -> float:
    """An offset in px below the plot area as a fraction of the plot area's height."""
    return offset / max(height - top - bottom, 50)


def _finite(Z: np.ndarray) -> np.ndarray:
    """Non-finite values become None-like NaN so Plotly leaves a gap instead of failing."""
    Z = np.array(Z, dtype=float)
    Z[~np.isfinite(Z)] = np.nan
    return Z


def color_values(Z: np.ndarray, log: bool) -> tuple[np.ndarray, str]:
    """Values to colour by: log10(Z - min Z + 1e-3 * span) when ``log`` (for wide ranges), else Z."""
    Z = _finite(Z)
    if not log or not np.isfinite(Z).any():
        return Z, "f"
    lo, hi = np.nanmin(Z), np.nanmax(Z)
    return np.log10(Z - lo + 1e-3 * max(hi - lo, 1e-12)), "log₁₀(f − min f)"


# --- array builders ---------------------------------------------------------------------

def contour(xs, ys, Z, *, log: bool = False, minima=None, arrows=None, points=None,
            colorbar_title: str | None = None) -> go.Figure:
    """Filled contour of Z[i, j] = f(xs[j], ys[i]), with optional minima, gradient arrows and points.

    arrows : (P, V) with P (k, 2) anchor points and V (k, 2) vectors (already scaled), or None.
    points : list of (name, P (k, 2), colour) scatter layers.
    """
    C, label = color_values(Z, log)
    fig = go.Figure(go.Contour(x=xs, y=ys, z=C, colorscale=SEQUENTIAL, ncontours=30,
                               colorbar=dict(title=colorbar_title or label), name="f",
                               hovertemplate="x=%{x:.3f}<br>y=%{y:.3f}<br>" + label + "=%{z:.4g}<extra></extra>"))
    if arrows is not None:
        P, V = arrows
        fig.add_trace(_arrow_trace(P, V, name="−∇f (descent)", color=COLORS["vermillion"]))
    for name, P, color in points or []:
        P = np.asarray(P, float).reshape(-1, 2)
        fig.add_trace(go.Scatter(x=P[:, 0], y=P[:, 1], mode="markers", name=name,
                                 marker=dict(color=color, size=9, line=dict(color="white", width=1))))
    if minima is not None and len(minima):
        M = np.asarray(minima, float).reshape(-1, 2)
        fig.add_trace(go.Scatter(x=M[:, 0], y=M[:, 1], mode="markers", name="minima",
                                 marker=dict(symbol="star", size=16, color=COLORS["yellow"],
                                             line=dict(color="black", width=1.5))))
    fig.update_xaxes(title="x", range=[xs[0], xs[-1]], constrain="domain")
    fig.update_yaxes(title="y", range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0))
    return fig


def _arrow_trace(P, V, *, name: str, color: str) -> go.Scatter:
    """Arrows as one line trace: shaft from p to p+v plus two head strokes, separated by NaN."""
    P, V = np.asarray(P, float), np.asarray(V, float)
    tip = P + V
    length = np.linalg.norm(V, axis=1, keepdims=True)
    unit = np.divide(V, length, out=np.zeros_like(V), where=length > 0)
    normal = unit[:, ::-1] * np.array([-1.0, 1.0])
    head = 0.3 * length
    left = tip - head * unit + 0.5 * head * normal
    right = tip - head * unit - 0.5 * head * normal
    gap = np.full_like(P, np.nan)
    seg = np.stack([P, tip, gap, left, tip, right, gap], axis=1).reshape(-1, 2)
    return go.Scatter(x=seg[:, 0], y=seg[:, 1], mode="lines", name=name,
                      line=dict(color=color, width=1.5), hoverinfo="skip")


def surface(xs, ys, Z, *, log: bool = False, minima=None, minima_values=None) -> go.Figure:
    """3-D surface of Z over the grid, coloured by value (log-scaled colour when ``log``)."""
    Z = _finite(Z)
    C, label = color_values(Z, log)
    fig = go.Figure(go.Surface(x=xs, y=ys, z=Z, surfacecolor=C, colorscale=SEQUENTIAL,
                               colorbar=dict(title=label), name="f"))
    if minima is not None and len(minima):
        M = np.asarray(minima, float).reshape(-1, 2)
        fig.add_trace(go.Scatter3d(x=M[:, 0], y=M[:, 1], z=minima_values, mode="markers", name="minima",
                                   marker=dict(symbol="diamond", size=6, color=COLORS["vermillion"])))
    fig.update_layout(scene=dict(xaxis_title="x", yaxis_title="y", zaxis_title="f",
                                 camera=dict(eye=dict(x=1.5, y=-1.6, z=1.1))))
    return fig


# --- named figures (pages and slides share them) -------------------------------------------

FIGURES: dict[str, Callable[..., go.Figure]] = {}
_LOADED = False


def _load_all() -> None:
    """Import every submodule of zo_core.viz once, so all named figures are registered."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def _load(name: str) -> None:
    """Register the figure ``name``, importing only the submodule that defines it.

    Some submodules pull in torch or scikit-learn; a page that draws a landscape should not pay
    seconds of imports for them. The defining module is found by its source text; if none
    matches, every submodule is imported.
    """
    if name in FIGURES:
        return
    pattern = re.compile(rf"^def {re.escape(name)}\(", re.M)
    for mod in pkgutil.iter_modules(__path__):
        source = Path(__path__[0], f"{mod.name}.py")
        if source.is_file() and pattern.search(source.read_text(encoding="utf-8")):
            importlib.import_module(f"{__name__}.{mod.name}")
            if name in FIGURES:
                return
    _load_all()


def figure(func: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Register a named figure; its keyword parameters (with defaults) are its directive parameters."""
    FIGURES[func.__name__] = func
    return func


def parameters(name: str) -> dict[str, object]:
    """The parameters of a named figure and their defaults."""
    _load(name)
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; known figures: {', '.join(sorted(FIGURES))}")
    sig = inspect.signature(FIGURES[name])
    return {k: p.default for k, p in sig.parameters.items()}


def build(name: str, **params) -> go.Figure:
    """Draw the named figure with the given parameters.

    Unknown names or parameters, and values outside :data:`zo_core.bounds.FIGURES` (the caps a
    lecture never needs to exceed), raise ValueError before any work is done: pages, decks and
    the command line all draw through here.
    """
    allowed = parameters(name)
    unknown = set(params) - set(allowed)
    if unknown:
        raise ValueError(f"figure {name!r} has no parameter {', '.join(sorted(unknown))}; "
                         f"it takes {', '.join(allowed)}")
    bounds.check(name, params)
    return FIGURES[name](**params)


SHARED_SIZE = 64      # built figures a process keeps for pages and exports (a page draws 1-7, a deck ~3-13)


def _frozen(value):
    return tuple(map(_frozen, value)) if isinstance(value, (list, tuple)) else value


@memo(SHARED_SIZE)
def _shared(name: str, params: tuple) -> go.Figure:
    return build(name, **dict(params))


def shared(name: str, **params) -> go.Figure:
    """:func:`build` once per process for each name and parameters (lists taken as tuples), kept for the
    :data:`SHARED_SIZE` most recent: pages and exports draw the same object. Nobody may mutate it."""
    return _shared(name, tuple(sorted((k, _frozen(v)) for k, v in params.items())))


def forget_shared() -> None:
    """Drop every figure :func:`shared` kept (benchmarks measure a first build with it)."""
    _shared.cache_clear()


def names() -> list[str]:
    """All registered figure names."""
    _load_all()
    return sorted(FIGURES)
