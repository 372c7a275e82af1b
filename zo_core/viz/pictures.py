"""f on a grid as a picture: a banded colour map (a filled-contour look) as a PNG layout image.

Why not a contour trace: Plotly recomputes a contour's lines on every redraw (Plotly.react redraws every
trace of a chart whose data changed), it drops contour and heatmap traces when ``Plotly.animate`` runs
without a full redraw, and a livechart frame swaps a layout image in ~15 ms where restyling a contour
replots the chart. A picture costs the browser one image: the race, the tuning landscape, the estimator
cloud and the tilted panel draw f this way.
"""

from __future__ import annotations

import base64
import struct
import zlib
from functools import lru_cache

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from zo_core.viz import SEQUENTIAL


def _png(pixels: np.ndarray, palette: np.ndarray | None = None) -> bytes:
    """A PNG file of an (h, w, 3) uint8 image, or of (h, w) uint8 indices into ``palette`` ((k, 3) uint8,
    k <= 256: one byte a pixel, a third of the data to compress). Filter 0 on every row."""
    h, w = pixels.shape[:2]
    raw = (np.hstack([np.zeros((h, 1), np.uint8), pixels.reshape(h, -1)])).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    kind = 2 if palette is None else 3
    head = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, kind, 0, 0, 0))
    if palette is not None:
        head += chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    return b"\x89PNG\r\n\x1a\n" + head + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


@lru_cache(maxsize=8)
def _scale_stops(colorscale: str) -> tuple[np.ndarray, np.ndarray]:
    """A named Plotly colour scale as (positions (k,), RGB (k, 3) floats): parsed once, not per picture."""
    scale = plotly.colors.get_colorscale(colorscale)
    stops = np.array([s[0] for s in scale])
    rgb = np.array([plotly.colors.unlabel_rgb(plotly.colors.convert_colors_to_same_type(c, "rgb")[0][0])
                    for _, c in scale], dtype=float)
    return stops, rgb


def _round_step(rough: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten that is >= rough (Plotly's contour step)."""
    if not rough > 0:
        return 1.0
    p = 10.0 ** np.floor(np.log10(rough))
    return float(next(m * p for m in (1, 2, 5, 10) if m * p >= rough * (1 - 1e-12)))


def banded_image(Z: np.ndarray, *, bands: int = 24, colorscale: str = SEQUENTIAL, lines: bool = False,
                 upsample: int = 1) -> tuple[str, float, float]:
    """Z (ny, nx) as a PNG data URI in ``bands`` colour bands (a filled-contour look), and its value range.

    Z is interpolated to ``upsample`` times the pixels a side (the corner nodes stay the corner pixels).
    ``lines``: as a Plotly contour with ``ncontours=bands`` draws it: levels at multiples of a round step
    (at most ``bands`` of them), and each pixel that borders a lower band darkened (the contour lines; the
    lowest band stays clean).
    """
    finite = np.isfinite(Z)
    lo, hi = float(np.min(Z[finite])), float(np.max(Z[finite]))
    if upsample > 1:
        from scipy import ndimage     # here: its first import takes ~1 s, and only upsampled pictures need it
        Z = ndimage.zoom(np.where(finite, Z, np.nan), upsample, order=1)
        finite = np.isfinite(Z)
    if lines:
        step = _round_step((hi - lo) / bands)
        base = np.floor(lo / step) * step
        bands = max(int(np.ceil((hi - base) / step)), 1)
        lo_band = base
    else:
        step, lo_band = max(hi - lo, 1e-300) / bands, lo
    with np.errstate(invalid="ignore"):
        level = np.clip(np.floor((Z - lo_band) / step), 0, bands - 1).astype(np.uint8)
    # One colour a band (its centre on the scale), the same band darkened for contour edges, and white
    # for the gaps of f: the picture is an index into these 2 * bands + 1 colours.
    stops, rgb = _scale_stops(colorscale)
    band = np.stack([np.interp((np.arange(bands) + 0.5) / bands, stops, rgb[:, c]) for c in range(3)], axis=-1)
    palette = np.vstack([band, band * 0.6, [[255.0, 255.0, 255.0]]]).round().astype(np.uint8)
    index = level.copy()
    if lines:
        lv = np.where(finite, level, np.inf)
        edge = np.zeros(Z.shape, bool)
        edge[:, 1:] |= lv[:, 1:] > lv[:, :-1]
        edge[:, :-1] |= lv[:, :-1] > lv[:, 1:]
        edge[1:, :] |= lv[1:, :] > lv[:-1, :]
        edge[:-1, :] |= lv[:-1, :] > lv[1:, :]
        index[edge] += bands
    index[~finite] = 2 * bands                                                           # gaps of f: white
    uri = "data:image/png;base64," + base64.b64encode(_png(index[::-1], palette)).decode()
    return uri, lo, hi


def placement(xs, ys, shape: tuple[int, int]) -> dict:
    """Where a picture of ``shape`` (rows, columns) pixels goes so that its pixel centres run from the grid's
    first node to its last on each axis (xs, ys ascending; the first row is the top, ys[-1])."""
    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    h, w = shape
    hx, hy = (x1 - x0) / max(w - 1, 1), (y1 - y0) / max(h - 1, 1)
    return dict(x=x0 - hx / 2, y=y1 + hy / 2, sizex=x1 - x0 + hx, sizey=y1 - y0 + hy,
                xanchor="left", yanchor="top", sizing="stretch", layer="below")


def add_picture(fig: go.Figure, xs, ys, C: np.ndarray, *, label: str, bands: int = 24, lines: bool = False,
                upsample: int = 1, colorscale: str = SEQUENTIAL, colorbar: bool = True, xref: str = "x",
                yref: str = "y") -> None:
    """Draw C[i, j] (at xs[j], ys[i]) under ``fig``'s traces on the axes (xref, yref) as :func:`banded_image`,
    with a colour bar titled ``label`` on an invisible marker trace (a layout image carries no scale). The
    caller sets the axes' ranges to the grid's (nothing else autoranges them to it)."""
    C = np.ascontiguousarray(C, dtype=float)
    uri, lo, hi = _picture(C.tobytes(), C.shape, bands, lines, upsample, colorscale)
    n_rows, n_cols = C.shape
    fig.add_layout_image(dict(source=uri, xref=xref, yref=yref,
                              **placement(xs, ys, (n_rows * upsample, n_cols * upsample))))
    axes = dict(xaxis=xref, yaxis=yref)
    fig.add_trace(go.Scatter(x=[xs[0]], y=[ys[0]], mode="markers", showlegend=False, hoverinfo="skip", **axes,
                             marker=dict(size=0, opacity=0, color=[lo], cmin=lo, cmax=hi, colorscale=colorscale,
                                         showscale=colorbar, colorbar=dict(title=label))))


@lru_cache(maxsize=16)
def _picture(data: bytes, shape: tuple[int, int], bands: int, lines: bool, upsample: int,
             colorscale: str) -> tuple[str, float, float]:
    """:func:`banded_image` once per array and look: a figure drawn over the same landscape at new settings
    (the tuning landscape at every budget) reuses its picture (7.5 ms for the tuning one's 328 x 328 pixels)."""
    return banded_image(np.frombuffer(data).reshape(shape), bands=bands, colorscale=colorscale, lines=lines,
                        upsample=upsample)
