"""Discrete laws of the perturbation on a 2-D lattice, and the sums the grid objectives are made of.

A law is non-negative weights summing to 1: on lattice offsets (cell centres inside the disk, or the
gaussian density at cell centres) and, for the ball, on rim points read off the lattice by bilinear
interpolation. Because every grid objective applies one such law to the lattice values of f, it obeys
exactly what the continuous objective does: min f <= L_t <= max f over the law's support, the mean
<= L_t for t >= 0, and for the ball L_t <= the grid's max-loss. :func:`zo_core.objectives.grid` is the
entry point; this module holds the arrays-in, arrays-out parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import fft as sfft
from scipy import ndimage

GAUSS_TRUNCATION = 5.0   # the gaussian kernel spans +-5 mu per axis: the mass beyond is 1e-6
DIRECT_TERMS = 120       # lattice kernels with at most this many weights are summed directly
MAX_LEVELS = 32          # at most this many levels (sums) for one tilted grid (see tilted_sum)


@dataclass(frozen=True)
class Law:
    """A discrete law on the lattice: weights K (2py+1, 2px+1) at offsets (i - py, j - px) cells, and
    rim points at offsets (oy, ox) cells (k,) with weights (k,); all weights >= 0, summing to 1."""
    K: np.ndarray
    py: int
    px: int
    rim: tuple[np.ndarray, np.ndarray]
    rim_w: np.ndarray


def rim_angles(rho: float, hx: float, hy: float, spacing: float = 1.0, most: int = 64) -> np.ndarray:
    """Angles of rim points about ``spacing`` cells apart: 16, 32 or 64 of them, at most ``most``.

    The max-loss uses one cell and up to 64; the law two cells and up to 32 (its rim carries only the
    slivers' share of the mass). Both are powers of two from angle 0, so the law's rim points are
    among the max-loss's."""
    k = int(np.clip(2 ** np.ceil(np.log2(max(2 * np.pi * rho / (spacing * min(hx, hy)), 1.0))), 16, most))
    return 2 * np.pi * np.arange(k) / k


@lru_cache(maxsize=16)
def lattice_law(law: str, radius: float, hx: float, hy: float) -> Law:
    """The law of eps on the grid (see the section's comment), cached per (law, radius, cell).

    gaussian: the N(0, mu^2 I) density at the cell centres of the box +-5 mu, normalised (the trapezoid
    rule, spectrally accurate once mu >= h). ball: every cell centre inside the closed disk gets the
    area of its cell inside the disk (sub-samples at most rho / 8 apart); the rest of the disk's area, the
    slivers of cells centred outside, sits on the rim. The rim's share and a cos 2θ modulation of it
    are then chosen so that E eps_x^2 = E eps_y^2 = rho^2 / 4 exactly: the rule is exact for quadratics.
    """
    if law == "gaussian":
        reach = GAUSS_TRUNCATION * radius
        px, py = int(math.ceil(reach / hx - 1e-9)), int(math.ceil(reach / hy - 1e-9))
        kx, ky = hx * np.arange(-px, px + 1), hy * np.arange(-py, py + 1)
        K = np.outer(np.exp(-0.5 * (ky / radius) ** 2), np.exp(-0.5 * (kx / radius) ** 2))
        K[K < 1e-12] = 0.0          # only when mu < h/3 (under-resolved): weights that no sum could see
        return Law(K / K.sum(), py, px, (np.zeros(0), np.zeros(0)), np.zeros(0))
    rho = radius
    px, py = int(math.floor(rho / hx + 1e-9)), int(math.floor(rho / hy + 1e-9))
    kx, ky = hx * np.arange(-px, px + 1), hy * np.arange(-py, py + 1)
    r = np.hypot(kx[None, :], ky[:, None])
    inside = r <= rho * (1 + 1e-12)
    # Area of each cell inside the disk: whole for cells well inside, sub-sampled (at most rho / 8
    # apart) for the cells the circle crosses.
    area = np.where(r + np.hypot(hx, hy) / 2 <= rho, hx * hy, 0.0)
    S = int(np.clip(np.ceil(8 * max(hx, hy) / rho), 16, 256))
    sub = (np.arange(S) + 0.5) / S - 0.5
    cut = np.argwhere(inside & (area == 0))
    if len(cut):
        SX = kx[cut[:, 1], None, None] + hx * sub[None, None, :]                # (cells, 1, S)
        SY = ky[cut[:, 0], None, None] + hy * sub[None, :, None]                # (cells, S, 1)
        area[cut[:, 0], cut[:, 1]] = ((SX**2 + SY**2) <= rho**2).mean(axis=(1, 2)) * hx * hy
    w_lat = area / (np.pi * rho**2)
    theta = rim_angles(rho, hx, hy, spacing=2.0, most=32)
    c2 = np.cos(2 * theta)
    rim = (rho * np.sin(theta) / hy, rho * np.cos(theta) / hx)
    # Moments the rim points really carry: each is read by bilinear interpolation, i.e. it is the
    # mixture of its cell's four corners, whose second moments per axis are these.
    ey2, ex2 = (_corner_second_moment(o) * h**2 for o, h in zip(rim, (hy, hx)))
    k = len(theta)
    # Weights a w_lat on the lattice and (b + c cos 2θ_k) / k on the rim, with
    #   mass 1:            a sum(w_lat) + b = 1
    #   E eps_x^2 = rho^2/4:  a sum(w_lat kx^2) + (b sum ex2 + c sum(cos2θ ex2)) / k = rho^2 / 4, and y alike;
    # odd and cross moments vanish by symmetry, so the rule is exact for quadratics.
    Mx = np.array([[w_lat.sum(), 1.0, 0.0],
                   [(w_lat * kx[None, :] ** 2).sum(), ex2.mean(), (c2 * ex2).mean()],
                   [(w_lat * ky[:, None] ** 2).sum(), ey2.mean(), (c2 * ey2).mean()]])
    try:
        a, b, c = np.linalg.solve(Mx, [1.0, rho**2 / 4, rho**2 / 4])
    except np.linalg.LinAlgError:
        a = b = c = -1.0
    if a >= 0 and b >= abs(c):
        K, rim_w = a * w_lat, (b + c * c2) / k
    else:                                     # a few cells only: the nearest non-negative weights that match
        K, rim_w = _matched_weights(w_lat, kx, ky, ex2, ey2, rho)
    if K.sum() + rim_w.sum() <= 0:              # rho far below the cell: a point mass at the centre
        K = np.zeros_like(w_lat)
        K[py, px] = 1.0
    s = K.sum() + rim_w.sum()
    return Law(K / s, py, px, rim, rim_w / s)


def _matched_weights(w_lat, kx, ky, ex2, ey2, rho):
    """Non-negative weights nearest (chi-square) to the areas with mass 1 and E eps^2 = rho^2/4 per axis.

    Lattice cells and rim points keep their symmetric places, so odd and cross moments still vanish.
    Used when the disk covers only a few cells; falls back to the plain areas if no such weights exist.
    """
    idx = np.argwhere(w_lat > 0)
    k = len(ex2)
    rim0 = max(1.0 - w_lat.sum(), 1e-3) / k
    w0 = np.concatenate([w_lat[idx[:, 0], idx[:, 1]], np.full(k, rim0)])
    C = np.stack([np.ones_like(w0),
                  np.concatenate([kx[idx[:, 1]] ** 2, ex2]),
                  np.concatenate([ky[idx[:, 0]] ** 2, ey2])])
    d = np.array([1.0, rho**2 / 4, rho**2 / 4])
    # Minimise sum (w - w0)^2 / w0 subject to C w = d: w = w0 + w0 * C'lam. Weights that come out
    # negative are fixed at 0 and the rest solved again (an active set; a few rounds at most).
    free = np.ones(len(w0), bool)
    w = w0
    for _ in range(len(w0)):
        W = np.where(free, w0, 0.0)
        try:
            lam = np.linalg.solve((C * W) @ C.T, d - C @ np.where(free, w0, 0.0))
        except np.linalg.LinAlgError:
            break
        w = np.where(free, w0 + W * (C.T @ lam), 0.0)
        if w.min() >= -1e-15:
            break
        free &= w > 0
    w = np.maximum(w, 0.0)
    if np.max(np.abs(C @ w - d) / np.array([1.0, rho**2, rho**2])) > 1e-12:
        return w_lat, np.full(k, max(0.0, 1.0 - w_lat.sum()) / k)
    K = np.zeros_like(w_lat)
    K[idx[:, 0], idx[:, 1]] = w[:len(idx)]
    return K, w[len(idx):]


def _corner_second_moment(o: np.ndarray) -> np.ndarray:
    """E (offset)^2 in cells, along one axis, of the bilinear read at offset o: (1 - a) i^2 + a (i + 1)^2."""
    i = np.floor(o)
    a = o - i
    return (1 - a) * i**2 + a * (i + 1) ** 2


def pad_of(lw: Law) -> tuple[int, int]:
    """Padding (cells) the law reads beyond a point: the lattice reach or one more than the rim's."""
    oy, ox = lw.rim
    ry = int(np.floor(np.abs(oy).max())) + 1 if oy.size else 0
    rx = int(np.floor(np.abs(ox).max())) + 1 if ox.size else 0
    return max(lw.py, ry), max(lw.px, rx)


def views(F: np.ndarray, pad: tuple[int, int], ny: int, nx: int):
    """view(di, dj): the (ny, nx) block of the padded array F shifted by (di, dj) cells."""
    PY, PX = pad

    def view(di: int, dj: int) -> np.ndarray:
        return F[PY + di:PY + di + ny, PX + dj:PX + dj + nx]
    return view


def rim_reads(F: np.ndarray, lw: Law, pad, ny: int, nx: int) -> list[np.ndarray]:
    """f at x + rim point k for every unpadded x, by bilinear interpolation of the padded lattice F."""
    return list(bilinear_reads(F, lw.rim, pad, ny, nx))


def bilinear_reads(F: np.ndarray, offsets, pad, ny: int, nx: int):
    """F at x + (oy, ox) cells for every unpadded x, one (ny, nx) array per offset (a generator), by
    bilinear interpolation."""
    view = views(F, pad, ny, nx)
    tmp = np.empty((ny, nx))
    for oy, ox in zip(*offsets):
        i, j = int(np.floor(oy)), int(np.floor(ox))
        ay, ax = oy - i, ox - j
        with np.errstate(invalid="ignore"):     # -inf (undefined f) times a zero weight
            v = np.multiply(view(i, j), (1 - ay) * (1 - ax))
            for (di, dj), w in (((0, 1), (1 - ay) * ax), ((1, 0), ay * (1 - ax)), ((1, 1), ay * ax)):
                if w:
                    v += np.multiply(view(i + di, j + dj), w, out=tmp)
        yield v


def lattice_sum(E: np.ndarray, lw: Law, pad, ny: int, nx: int) -> np.ndarray:
    """sum_k K_k E(x + k h) for every unpadded x: shifted views for small kernels (exact, non-negative
    terms), one FFT convolution for large ones (K is symmetric, so convolution = correlation)."""
    K, py, px = lw.K, lw.py, lw.px
    PY, PX = pad
    if np.count_nonzero(K) <= DIRECT_TERMS:
        view = views(E, pad, ny, nx)
        out = np.zeros((ny, nx))
        for i, j in zip(*np.nonzero(K)):
            out += K[i, j] * view(i - py, j - px)
        return out
    sub = E[PY - py:PY + py + ny, PX - px:PX + px + nx]
    size = [sfft.next_fast_len(a + b - 1, real=True) for a, b in zip(sub.shape, K.shape)]
    full = sfft.irfft2(sfft.rfft2(sub, size) * _kernel_hat(K.tobytes(), K.shape, tuple(size)), size)
    return full[2 * py:2 * py + ny, 2 * px:2 * px + nx]


@lru_cache(maxsize=16)
def _kernel_hat(K_bytes: bytes, shape: tuple, size: tuple) -> np.ndarray:
    return sfft.rfft2(np.frombuffer(K_bytes).reshape(shape), size)


def expectation(F: np.ndarray, lw: Law, pad, ny: int, nx: int, rim_F=None) -> np.ndarray:
    """E f(x + eps) under the discrete law: the lattice sum plus the weighted rim reads."""
    out = lattice_sum(F, lw, pad, ny, nx)
    for w, R in zip(lw.rim_w, rim_F if rim_F is not None else rim_reads(F, lw, pad, ny, nx)):
        out += w * R
    return out


def centred_variance(F, lw: Law, pad, ny: int, nx: int, F0: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Var f(x + eps) = E (f(x + eps) - f(x))^2 - (mean - f(x))^2 under the discrete law, per point."""
    view = views(F, pad, ny, nx)
    K, py, px = lw.K, lw.py, lw.px
    second = np.zeros((ny, nx))
    for i, j in zip(*np.nonzero(K)):
        second += K[i, j] * (view(i - py, j - px) - F0) ** 2
    for w, R in zip(lw.rim_w, rim_reads(F, lw, pad, ny, nx)):
        second += w * (R - F0) ** 2
    return np.maximum(second - (mean - F0) ** 2, 0.0)


def support_extreme(A: np.ndarray, support: np.ndarray, pad, ny: int, nx: int) -> np.ndarray:
    """Grey dilation of the padded array A with a centred, row-convex footprint: out (ny, nx).

    Each footprint row is an interval [-a_i, a_i]; a 1-D running maximum per distinct a_i (O(n)
    each, scipy's maximum_filter1d) and one maximum per row offset give the 2-D maximum.
    """
    py, px = support.shape[0] // 2, support.shape[1] // 2
    PY, PX = pad
    if support.all():                          # a box (the gaussian's): two 1-D passes
        sub = A[PY - py:PY + py + ny, PX - px:PX + px + nx]
        return ndimage.maximum_filter(sub, size=support.shape, mode="nearest")[py:py + ny, px:px + nx]
    out = np.full((ny, nx), -np.inf)
    row_max: dict[int, np.ndarray] = {}
    for i in range(-py, py + 1):
        cols = np.flatnonzero(support[py + i])
        if cols.size == 0:
            continue
        a = int(np.max(np.abs(cols - px)))
        if a not in row_max:
            row_max[a] = ndimage.maximum_filter1d(A, size=2 * a + 1, axis=1, mode="nearest")
        np.maximum(out, row_max[a][PY + i:PY + i + ny, PX:PX + nx], out=out)
    return out


def law_max(A: np.ndarray, lw: Law, pad, ny: int, nx: int, rim_A=None) -> np.ndarray:
    """The largest value of A on the law's support around each point: lattice cells and rim reads."""
    M = support_extreme(A, lw.K > 0, pad, ny, nx)
    for R in (rim_A if rim_A is not None else rim_reads(A, lw, pad, ny, nx)):
        np.fmax(M, R, out=M)
    return M


def tilted_sum(A: np.ndarray, lw: Law, pad, ny: int, nx: int) -> np.ndarray:
    """log E exp(A(x + eps)) under the discrete law, for A = t f: stable for any |A|, bounds exact.

    With M(x) the largest A on the law's support around x, every point is put in a level j of M, and
    the level's sum of exp(min(A - c_j, 0)) is taken, c_j the level's top; a level whose points see A
    within 1 of c_j (small |t|) sums expm1(.) instead and takes log1p, so t -> 0 has no cancellation.
    In its level a point's sum lies in [w_min e^(M - c_j), e^(M - c_j)]: nothing overflows; a sum of
    shifted views (small kernels) keeps its relative precision down to underflow, so its levels may be
    600 wide; an FFT's round-off is absolute, so its levels are at most 10 wide. At most MAX_LEVELS
    levels are made. The result is finally put into [max(m(x), M(x) + log w_min, E A(x)), M(x)] (m: the
    smallest A on the support; E A <= log E e^A is Jensen's inequality), where the exact value lies:
    this only ever removes round-off, and bounds the error of a sum lost altogether (|t| times f's
    range beyond ~600 MAX_LEVELS, where the grid also reports the tilt as unresolved).
    """
    rim_A = rim_reads(A, lw, pad, ny, nx)
    M = law_max(A, lw, pad, ny, nx, rim_A)
    m = -support_extreme(-A, lw.K > 0, pad, ny, nx)
    for R in rim_A:
        np.fmin(m, R, out=m)
    top, bottom = float(M.max()), float(M.min())
    widest = 600.0 if np.count_nonzero(lw.K) <= DIRECT_TERMS else 10.0
    levels = min(MAX_LEVELS, max(1, math.ceil((top - bottom) / widest)))
    delta = max(8.0, (top - bottom) / levels * (1 + 1e-9))
    level = np.floor((top - M) / delta).astype(int)
    out = np.empty((ny, nx))
    for j in np.unique(level):
        c = top - j * delta
        sel = level == j
        near = c - float(m[sel].min()) <= 1.0
        g = np.expm1 if near else np.exp
        S = lattice_sum(g(np.minimum(A - c, 0.0)), lw, pad, ny, nx)[sel]
        for w, R in zip(lw.rim_w, rim_A):          # the rim's terms only where they are needed
            S += w * g(np.minimum(R[sel] - c, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):   # a lost sum: -inf, raised below
            out[sel] = c + (np.log1p(np.maximum(S, -1.0)) if near else np.log(np.maximum(S, 0.0)))
    w = np.concatenate([lw.K[lw.K > 0], lw.rim_w[lw.rim_w > 0]])
    EA = expectation(A, lw, pad, ny, nx, rim_A)                # Jensen: log E e^A >= E A, for either sign of t
    return np.clip(out, np.maximum(np.maximum(m, M + np.log(w.min())), np.minimum(EA, M)), M)


def tail_share(A: np.ndarray, lw: Law, pad, ny: int, nx: int, log_sum: np.ndarray) -> float:
    """The share of the tilted sum that lies beyond the gaussian kernel's +-5 mu box, estimated at most
    24 x 24 of the points: each edge cell's term times q / (1 - q), q = its ratio to the term one cell
    inside (a geometric tail; the gaussian only decays faster further out), the factor capped at 1e3
    where the integrand still grows at the box's edge (divergence itself is the growth probe's job)."""
    K, py, px = lw.K, lw.py, lw.px
    PY, PX = pad
    si = np.linspace(0, ny - 1, min(ny, 24)).astype(int)
    sj = np.linspace(0, nx - 1, min(nx, 24)).astype(int)
    total = 0.0
    H, W = K.shape
    edges = [((0, slice(None)), (1, 0)), ((H - 1, slice(None)), (-1, 0)),
             ((slice(None), 0), (0, 1)), ((slice(None), W - 1), (0, -1))]
    for (ri, ci), (di, dj) in edges:
        fi, fj = np.meshgrid(np.arange(H)[ri], np.arange(W)[ci], indexing="ij")
        fi, fj = fi.ravel(), fj.ravel()
        keep = (K[fi, fj] > 0) & (K[fi + di, fj + dj] > 0)
        fi, fj = fi[keep], fj[keep]
        if fi.size == 0:
            continue

        def log_terms(i, j):
            rows = PY + si[None, :, None] + (i - py)[:, None, None]
            cols = PX + sj[None, None, :] + (j - px)[:, None, None]
            return np.log(K[i, j])[:, None, None] + A[rows, cols] - log_sum[np.ix_(si, sj)][None]

        edge, inner = log_terms(fi, fj), log_terms(fi + di, fj + dj)
        # q / (1 - q), at most 1e3 (an edge term still growing outward counts a thousandfold)
        log_q = np.minimum(edge - inner, -1e-3)
        factor = np.minimum(np.exp(log_q) / -np.expm1(log_q), 1e3)
        total = max(total, float(np.max(np.sum(np.exp(edge) * factor, axis=0))))
    return total


def resolution_note(law: str, radius: float, h: float) -> str:
    """"" when the grid resolves the law's kernel (rho >= 2 h, mu >= h); else why it does not."""
    if law == "ball" and radius < 2 * h:
        return (f"ρ = {radius:.3g} is less than two grid cells (h = {h:.3g}): the grid cannot resolve the "
                "ball; use a larger ρ or a finer grid")
    if law == "gaussian" and radius < h:
        return (f"μ = {radius:.3g} is less than one grid cell (h = {h:.3g}): the grid cannot resolve the "
                "gaussian; use a larger μ or a finer grid")
    return ""


TILT_RESOLUTION = 5.0    # |t| h^2 f'' above this: exp(t f) has peaks narrower than the grid resolves


def tilt_resolution_note(F: np.ndarray, t: float) -> str:
    """"" when the lattice resolves the peaks of exp(t f); else why not.

    exp(t f) peaks where t f does: at maxima of f for t > 0, minima for t < 0, with a width of about
    1 / sqrt(|t f''|). Read off the lattice as the largest second difference of t f (h^2 f'' per cell)
    in the peaks' direction; above TILT_RESOLUTION the peaks are narrower than about half a cell."""
    A = t * np.where(np.isfinite(F), F, np.nan)
    with np.errstate(invalid="ignore"):
        d2 = [A[1:-1, 2:] + A[1:-1, :-2] - 2 * A[1:-1, 1:-1], A[2:, 1:-1] + A[:-2, 1:-1] - 2 * A[1:-1, 1:-1]]
    worst = max(float(np.nanmax(-d, initial=0.0)) for d in d2)     # concavity of t f
    if worst <= TILT_RESOLUTION:
        return ""
    return (f"the tilt t = {t:g} makes exp(t f) peak more sharply than this grid resolves "
            f"(|t| h² f'' reaches {worst:.3g} per cell, above {TILT_RESOLUTION:g}): use a smaller |t| or a finer grid")
