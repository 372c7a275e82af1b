"""Smoothed, max-loss and exponentially tilted objectives: pointwise and on grids.

With a perturbation ``eps`` drawn from a law of radius ``r``

* ``law="gaussian"``: ``eps ~ N(0, mu^2 I)`` (radius = mu, the standard deviation);
* ``law="ball"``: ``eps ~ Unif{||eps|| <= rho}`` (radius = rho),

the objectives are

* smoothed   ``f_mu(x)  = E f(x + eps)``;
* max-loss   ``f_max(x) = max_{||eps|| <= rho} f(x + eps)`` (SAM's objective);
* tilted     ``L_t(x)   = (1/t) log E exp(t f(x + eps))`` for any real ``t``: ``t -> 0`` gives the
  mean, ``t < 0`` a soft minimum, and for the ball ``t -> +inf`` gives the max-loss. ``L_t`` is
  non-decreasing in ``t``.

Two paths that agree:

* pointwise (``smoothed``, ``max_loss``, ``tilted``): a fixed quadrature rule — tensor Gauss–Hermite
  for the gaussian law, Gauss–Legendre in the radius times the trapezoid rule in the angle for the
  ball — or :func:`monte_carlo` with its standard error;
* on a grid (:func:`grid`): FFT convolution with the law's density, the exp-tilted convolution in
  log-sum-exp form, and grey dilation with a disk, on a padded grid so the borders are right.

Every tilted value is computed with a shift (log-sum-exp), so ``|t f|`` up to 1e6 and beyond gives
finite numbers: no overflow, no NaN.

>>> import numpy as np
>>> f = lambda X: 0.5 * (X ** 2).sum(-1)            # f = |x|^2 / 2, tr(A) = 2
>>> float(smoothed(f, np.zeros(2), law="gaussian", radius=0.3))   # mu^2 tr(A) / 2
0.09
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import fft as sfft
from scipy import ndimage
from scipy.special import logsumexp

LAWS = ("gaussian", "ball")
KINDS = ("f", "smoothed", "max_loss", "tilted")
GAUSS_TRUNCATION = 5.0   # the grid's gaussian kernel spans +-5 mu per axis: the mass beyond is 1e-6
_MAX_LEVELS = 10         # at most this many FFTs for one tilted grid (see _tilted_grid)


# --- checks -------------------------------------------------------------------------------

def _check_law(law: str, radius: float) -> float:
    if law not in LAWS:
        raise ValueError(f"law must be one of {', '.join(LAWS)}, got {law!r}")
    radius = float(radius)
    if not math.isfinite(radius) or radius < 0:
        name = "mu" if law == "gaussian" else "rho"
        raise ValueError(f"the radius {name} must be a finite number >= 0, got {radius}")
    return radius


def _check_t(t: float) -> float:
    t = float(t)
    if not math.isfinite(t):
        raise ValueError(f"the tilt t must be a finite number, got {t}")
    return t


def _check_objective(kind: str, kinds, law: str, radius: float, t: float, n: int, n_min: int):
    """Validate the knobs shared by :func:`monte_carlo` and :func:`grid`; returns (law, radius, t, n).

    max_loss always uses the ball, whatever ``law`` says."""
    if kind not in kinds:
        raise ValueError(f"kind must be one of {', '.join(kinds)}, got {kind!r}")
    if kind == "max_loss":
        law = "ball"
    radius = _check_law(law, radius)
    t = _check_t(t)
    n = int(n)
    if n < n_min:
        raise ValueError(f"n must be at least {n_min}, got {n}")
    return law, radius, t, n


def _points(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim == 0:
        raise ValueError("points must have a last axis (the dimension d), got a scalar")
    return X


# --- pointwise: quadrature rules ----------------------------------------------------------

@lru_cache(maxsize=32)
def _unit_rule(law: str, d: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes E (m, d) and positive weights w (m,) summing to 1 for the law with radius 1."""
    if law == "gaussian":
        xi, a = np.polynomial.hermite.hermgauss(order)          # weight exp(-x^2)
        z, a = np.sqrt(2.0) * xi, a / np.sqrt(np.pi)             # now for N(0, 1)
        grids = np.meshgrid(*([z] * d), indexing="ij")
        wgrids = np.meshgrid(*([a] * d), indexing="ij")
        E = np.stack([g.ravel() for g in grids], axis=-1)
        w = np.prod([g.ravel() for g in wgrids], axis=0)
        return E, w / w.sum()
    if d == 1:
        s, a = np.polynomial.legendre.leggauss(order)            # uniform on [-1, 1]
        return s[:, None], a / 2.0
    if d == 2:
        # Uniform on the unit disk in polar form: density r dr dθ / π. Gauss–Legendre in r on [0, 1]
        # (the factor r is smooth, so it rides along in the weight), trapezoid in θ (periodic: spectral).
        s, a = np.polynomial.legendre.leggauss(order)
        r, a = (s + 1) / 2, a / 2
        n_theta = 2 * order
        theta = 2 * np.pi * (np.arange(n_theta) + 0.5) / n_theta
        E = np.stack([np.outer(r, np.cos(theta)).ravel(), np.outer(r, np.sin(theta)).ravel()], axis=-1)
        w = np.repeat(2 * a * r / n_theta, n_theta)
        return E, w / w.sum()
    raise ValueError(f"the ball quadrature is written for d = 1 or 2, got d = {d}; use monte_carlo")


def rule(law: str, radius: float, d: int, order: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature rule for ``eps``: nodes (m, d) and weights (m,) with ``E h(eps) ≈ sum w h(E)``.

    Gauss–Hermite (``order`` nodes per axis, tensor product) for ``gaussian``; Gauss–Legendre in the
    radius times ``2 order`` trapezoid angles for the 2-D ``ball``.
    """
    radius = _check_law(law, radius)
    if order is None:
        order = {1: 80, 2: 40, 3: 16}.get(d, 6) if law == "gaussian" else 48
    E, w = _unit_rule(law, int(d), int(order))
    return radius * E, w


def node_values(f, X, *, law: str, radius: float, order: int | None = None):
    """f(x + eps_k) for every point and quadrature node: V (..., m), and the weights w (m,)."""
    X = _points(X)
    E, w = rule(law, radius, X.shape[-1], order)
    with np.errstate(all="ignore"):
        V = np.asarray(f(X[..., None, :] + E), dtype=float)
    return V, w


def tilt(V: np.ndarray, w: np.ndarray, t: float) -> np.ndarray:
    """(1/t) log sum_k w_k exp(t V_k) over the last axis, stable for any finite t (t = 0: the mean).

    V and w come from :func:`node_values`, so one evaluation of f serves every t. Written as mean + (1/t) log sum w exp(t (V - mean)); for small |t (V - mean)| the log is taken as
    log1p(sum w expm1(.)), so t -> 0 has no cancellation and t = 1e-12 gives the mean plus t var / 2.
    """
    t = _check_t(t)
    mean = V @ w
    if t == 0.0:
        return mean
    s = t * (V - mean[..., None])
    with np.errstate(over="ignore", invalid="ignore"):
        small = np.log1p(np.expm1(s) @ w)
        large = logsumexp(s, b=w, axis=-1)
    use_small = np.max(np.abs(s), axis=-1) < 0.5
    return mean + np.where(use_small, small, large) / t


def smoothed(f, X, *, law: str, radius: float, order: int | None = None) -> np.ndarray:
    """f_r(x) = E f(x + eps), by quadrature (see :func:`rule`).

    Parameters
    ----------
    f : callable mapping points (..., d) to values (...).
    X : points, shape (..., d).
    law : ``"gaussian"`` (radius = mu, the standard deviation) or ``"ball"`` (radius = rho).
    radius : mu or rho, >= 0.
    order : nodes per axis of the quadrature rule (default: accurate for the built-in landscapes).

    Returns
    -------
    values, shape (...).
    """
    radius = _check_law(law, radius)
    if radius == 0:
        return np.asarray(f(_points(X)), dtype=float)
    V, w = node_values(f, X, law=law, radius=radius, order=order)
    return V @ w


def tilted(f, X, *, t: float, law: str, radius: float, order: int | None = None) -> np.ndarray:
    """L_t(x) = (1/t) log E exp(t f(x + eps)), in log-sum-exp form (t = 0: the smoothed mean).

    Parameters
    ----------
    t : the tilt, any finite real number (t < 0: a soft minimum; t -> +inf with the ball: the max-loss).
    Others as in :func:`smoothed`.

    Returns
    -------
    values, shape (...); finite wherever f is finite near x, for any |t f|.
    """
    t = _check_t(t)
    radius = _check_law(law, radius)
    if radius == 0:
        return np.asarray(f(_points(X)), dtype=float)
    V, w = node_values(f, X, law=law, radius=radius, order=order)
    return tilt(V, w, t)


def tilted_many(f, X, *, ts, law: str, radius: float, order: int | None = None) -> np.ndarray:
    """L_t(x) for every t in ``ts`` from one set of node values: shape (len(ts), ...).

    The quadrature values f(x + eps_k) are computed once and re-weighted per t, so a sweep over
    many tilts costs one evaluation of f.
    """
    ts = [_check_t(t) for t in np.atleast_1d(ts)]
    radius = _check_law(law, radius)
    if radius == 0:
        v = np.asarray(f(_points(X)), dtype=float)
        return np.stack([v] * len(ts))
    V, w = node_values(f, X, law=law, radius=radius, order=order)
    return np.stack([tilt(V, w, t) for t in ts])


def max_loss(f, X, *, radius: float, rounds: int = 8) -> np.ndarray:
    """f_max(x) = max_{||eps|| <= rho} f(x + eps) (radius = rho), for d = 1 or 2.

    A polar grid (25 radii x 120 angles, the rim included) finds the best cell; ``rounds`` zooms of
    a 9 x 9 grid around it, each four times finer, refine it. Exact for f linear or concave along
    the rim; for others it finds the global maximum unless two peaks differ by less than the first
    grid's resolution.
    """
    rho = _check_law("ball", radius)
    X = _points(X)
    d = X.shape[-1]
    if rho == 0:
        return np.asarray(f(X), dtype=float)
    if d not in (1, 2):
        raise ValueError(f"max_loss is written for d = 1 or 2, got d = {d}")

    def evaluate(offsets):                      # offsets (..., m, d) -> values (..., m)
        with np.errstate(all="ignore"):
            V = np.asarray(f(X[..., None, :] + offsets), dtype=float)
        return np.where(np.isnan(V), -np.inf, V)

    if d == 1:
        s = np.linspace(-rho, rho, 201)
        offsets = np.broadcast_to(s[:, None], X.shape[:-1] + (201, 1))
        V = evaluate(offsets)
        best = np.take_along_axis(offsets[..., 0], V.argmax(-1)[..., None], -1)[..., 0]
        step = 2 * rho / 200
        for _ in range(rounds):
            cand = np.clip(best[..., None] + np.linspace(-step, step, 9), -rho, rho)
            V = evaluate(cand[..., None])
            best = np.take_along_axis(cand, V.argmax(-1)[..., None], -1)[..., 0]
            step /= 4
        return np.max(evaluate(best[..., None, None]), axis=-1)

    r = np.linspace(0.0, 1.0, 25) * rho
    theta = np.linspace(0.0, 2 * np.pi, 120, endpoint=False)
    R, T = np.meshgrid(r, theta, indexing="ij")
    R, T = np.broadcast_to(R.ravel(), X.shape[:-1] + (R.size,)), np.broadcast_to(T.ravel(), X.shape[:-1] + (T.size,))
    dr, dt = rho / 24, 2 * np.pi / 120
    for _ in range(rounds + 1):
        V = evaluate(np.stack([R * np.cos(T), R * np.sin(T)], axis=-1))
        k = V.argmax(-1)[..., None]
        r0 = np.take_along_axis(R, k, -1)
        t0 = np.take_along_axis(T, k, -1)
        offs = np.linspace(-1.0, 1.0, 9)
        R = np.clip(r0[..., None] + dr * offs[:, None], 0.0, rho)             # (..., 9, 1)
        T = t0[..., None] + dt * offs                                          # (..., 1, 9)
        R, T = np.broadcast_arrays(R, T)
        R, T = R.reshape(X.shape[:-1] + (81,)), T.reshape(X.shape[:-1] + (81,))
        dr, dt = dr / 4, dt / 4
    V = evaluate(np.stack([R * np.cos(T), R * np.sin(T)], axis=-1))
    out = V.max(-1)
    return np.where(np.isneginf(out), np.nan, out)


# --- pointwise: Monte Carlo ---------------------------------------------------------------

@dataclass(frozen=True)
class MonteCarlo:
    """A Monte Carlo estimate per point: value (...), its standard error (...), queries per point."""
    value: np.ndarray
    stderr: np.ndarray
    queries: int


def sample(law: str, radius: float, shape: tuple, d: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of eps with shape (*shape, d): N(0, mu^2 I) or uniform in the ball of radius rho."""
    radius = _check_law(law, radius)
    z = rng.standard_normal(tuple(shape) + (d,))
    if law == "gaussian":
        return radius * z
    u = z / np.linalg.norm(z, axis=-1, keepdims=True)
    return radius * rng.random(tuple(shape) + (1,)) ** (1.0 / d) * u


def monte_carlo(f, X, *, kind: str, law: str = "gaussian", radius: float, t: float = 0.0, n: int = 1000,
                rng: np.random.Generator, chunk: int = 2_000_000) -> MonteCarlo:
    """Monte Carlo estimate of an objective at each point with ``n`` fresh draws of eps per point.

    kind="smoothed": the sample mean, stderr = sd / sqrt(n).
    kind="tilted": (1/t) log of the sample mean of exp(t f), stderr by the delta method,
    sd(exp(t f)) / (|t| sqrt(n) mean(exp(t f))) (all with a shift, so no overflow).
    kind="max_loss": the largest sampled value (law must be "ball"); a biased-low estimate whose
    stderr is reported as NaN.
    """
    law, radius, t, n = _check_objective(kind, KINDS[1:], law, radius, t, n, n_min=2)
    X = _points(X)
    flat = X.reshape(-1, X.shape[-1])
    value, stderr = np.empty(len(flat)), np.empty(len(flat))
    step = max(1, chunk // n)
    for i in range(0, len(flat), step):
        P = flat[i:i + step]
        with np.errstate(all="ignore"):
            V = np.asarray(f(P[:, None, :] + sample(law, radius, (len(P), n), X.shape[-1], rng)), dtype=float)
        if kind == "max_loss":
            value[i:i + step], stderr[i:i + step] = V.max(-1), np.nan
        elif kind == "smoothed" or t == 0.0:
            value[i:i + step] = V.mean(-1)
            stderr[i:i + step] = V.std(-1, ddof=1) / np.sqrt(n)
        else:
            s = t * V
            m = s.max(-1, keepdims=True)
            e = np.exp(s - m)
            mean_e = e.mean(-1)
            value[i:i + step] = (m[:, 0] + np.log(mean_e)) / t
            stderr[i:i + step] = e.std(-1, ddof=1) / (abs(t) * np.sqrt(n) * mean_e)
    shape = X.shape[:-1]
    return MonteCarlo(value.reshape(shape), stderr.reshape(shape), n)


# --- grids --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """Values on a regular grid: Z[i, j] is the value at (xs[j], ys[i]); Z has shape (len(ys), len(xs))."""
    xs: np.ndarray
    ys: np.ndarray
    Z: np.ndarray


@lru_cache(maxsize=16)
def _kernel(law: str, radius: float, hx: float, hy: float) -> tuple[np.ndarray, int, int]:
    """The law's density on grid cells: weights K (2py+1, 2px+1) summing to 1, and the pads py, px.

    gaussian: the density at the cell centres of the box +-5 mu. ball: the disk's area spread
    bilinearly onto the nodes (exact for f bilinear on each cell; smooth in rho).
    """
    reach = GAUSS_TRUNCATION * radius if law == "gaussian" else radius
    px, py = int(math.ceil(reach / hx - 1e-9)) + 1, int(math.ceil(reach / hy - 1e-9)) + 1
    kx, ky = hx * np.arange(-px, px + 1), hy * np.arange(-py, py + 1)
    if law == "gaussian":
        K = np.outer(np.exp(-0.5 * (ky / radius) ** 2), np.exp(-0.5 * (kx / radius) ** 2))
    else:
        # The disk's area spread bilinearly onto the grid nodes ("cloud in cell"): 8 x 8 sub-samples
        # per cell, each giving its area to the four nodes around it. The rule is then exact for f
        # bilinear on every cell, and the weights move smoothly with rho.
        S = 8
        sx = (np.arange(-S * px, S * px) + 0.5) / S          # sub-sample centres, in cells
        sy = (np.arange(-S * py, S * py) + 0.5) / S
        SX, SY = np.meshgrid(sx, sy)
        inside = (SX * hx) ** 2 + (SY * hy) ** 2 <= radius**2
        u, v = SX[inside], SY[inside]
        i0, j0 = np.floor(v).astype(int), np.floor(u).astype(int)
        fv, fu = v - i0, u - j0
        K = np.zeros((2 * py + 1, 2 * px + 1))
        for di, wi in ((0, 1 - fv), (1, fv)):
            for dj, wj in ((0, 1 - fu), (1, fu)):
                np.add.at(K, (py + i0 + di, px + j0 + dj), wi * wj)
        if K.sum() == 0:                       # rho far below the cell size: a point mass
            K[py, px] = 1.0
    return K / K.sum(), py, px


def _support_max(A: np.ndarray, support: np.ndarray, ny: int, nx: int) -> np.ndarray:
    """Grey dilation of the padded array A with a centred, row-convex footprint: out (ny, nx).

    Each footprint row is an interval [-a_i, a_i]; a 1-D running maximum per distinct a_i (O(n)
    each, scipy's maximum_filter1d) and one maximum per row offset give the 2-D maximum.
    """
    py, px = support.shape[0] // 2, support.shape[1] // 2
    if support.all():                          # a box: two 1-D passes
        return ndimage.maximum_filter(A, size=support.shape, mode="nearest")[py:py + ny, px:px + nx]
    out = np.full((ny, nx), -np.inf)
    row_max: dict[int, np.ndarray] = {}
    for i in range(-py, py + 1):
        cols = np.flatnonzero(support[py + i])
        if cols.size == 0:
            continue
        a = int(np.max(np.abs(cols - px)))
        if a not in row_max:
            row_max[a] = ndimage.maximum_filter1d(A, size=2 * a + 1, axis=1, mode="nearest")
        np.maximum(out, row_max[a][py + i:py + i + ny, px:px + nx], out=out)
    return out


def _rim_max(F: np.ndarray, rho: float, hx: float, hy: float, py: int, px: int, ny: int, nx: int) -> np.ndarray:
    """max over k of f(x + rho (cos θ_k, sin θ_k)) for every unpadded point, f read off the padded
    grid F by bilinear interpolation (one shifted, weighted sum of four views per angle).

    The max-loss of a function without interior local maxima sits on the rim, which the grid's
    disk of cell centres misses by up to a cell; the rim samples close that gap.
    """
    k = int(np.clip(np.ceil(2 * np.pi * rho / min(hx, hy)), 16, 64))   # rim points about a cell apart
    best = np.full((ny, nx), -np.inf)
    for theta in 2 * np.pi * np.arange(k) / k:
        ox, oy = rho * np.cos(theta) / hx, rho * np.sin(theta) / hy      # offset in cells
        j, i = int(np.floor(ox)), int(np.floor(oy))
        ax, ay = ox - j, oy - i
        r, c = py + i, px + j

        def view(di, dj):
            return F[r + di:r + di + ny, c + dj:c + dj + nx]

        with np.errstate(invalid="ignore"):     # -inf (undefined f) times a zero weight
            v = (1 - ay) * ((1 - ax) * view(0, 0) + ax * view(0, 1)) + ay * ((1 - ax) * view(1, 0) + ax * view(1, 1))
        np.fmax(best, v, out=best)
    return best


def _disk_support(rho: float, hx: float, hy: float, py: int, px: int) -> np.ndarray:
    """Cells whose centre lies in the closed disk of radius rho (SAM's feasible set on the grid)."""
    kx, ky = hx * np.arange(-px, px + 1), hy * np.arange(-py, py + 1)
    return (kx[None, :] ** 2 + ky[:, None] ** 2) <= rho**2 * (1 + 1e-12)


def _trapezoid_corrected(E: np.ndarray) -> np.ndarray:
    """E - (h^2/12) Laplacian(E) in grid units: with the bilinear (cloud-in-cell) disk weights this
    cancels the h^2 error of integrating the bilinear interpolant, so the ball's grid rule is fourth
    order inside the disk (the rim keeps a smaller h^2 term)."""
    P = np.pad(E, 1, mode="edge")
    lap = P[1:-1, 2:] + P[1:-1, :-2] + P[2:, 1:-1] + P[:-2, 1:-1] - 4 * E
    return E - lap / 12


def _convolver(shape: tuple[int, int], K: np.ndarray, law: str, correct: bool = True):
    """E (shape) -> the law's expectation of E around each unpadded point: FFT convolution with K,
    its 'valid' part. K's transform is computed once, so the levels of a tilted grid share it."""
    size = [sfft.next_fast_len(a + b - 1, real=True) for a, b in zip(shape, K.shape)]
    K_hat = sfft.rfft2(K, size)
    (ky, kx), (ey, ex) = K.shape, shape

    def convolve(E: np.ndarray) -> np.ndarray:
        if law == "ball" and correct:
            E = _trapezoid_corrected(E)
        return sfft.irfft2(sfft.rfft2(E, size) * K_hat, size)[ky - 1:ey, kx - 1:ex]

    return convolve


def _tilted_grid(F: np.ndarray, K: np.ndarray, t: float, ny: int, nx: int, law: str) -> np.ndarray:
    """(1/t) log (K * exp(t F)) on the unpadded grid, stable for any |t F|.

    With A = t F and M(x) = max of A over the kernel's support around x (a grey dilation), every
    point is put in a level j of M and the level's FFT convolves expm1(min(A - c_j, 0)) with c_j the
    level's top. In its level a point's window sum lies in [w_min e^(M-c_j), e^(M-c_j)], so nothing
    overflows; levels are at least 8 wide and at most _MAX_LEVELS FFTs are made. A sum lost to
    round-off (only when |t| times the range of f is large) is raised to the lower end, an error of at
    most |log w_min| / |t| in L_t.
    """
    A = t * F
    M = _support_max(A, K > 0, ny, nx)
    # The h^2 correction needs exp(A) smooth on the grid scale; a spiky exp(A) (large |t|) skips it.
    correct = max(np.abs(np.diff(A, axis=0)).max(), np.abs(np.diff(A, axis=1)).max()) < 4.0
    top, bottom = float(A.max()), float(M.min())   # A.max(): the rim cells the correction reads stay unclipped
    delta = max(8.0, (top - bottom) / _MAX_LEVELS * (1 + 1e-9))
    level = np.floor((top - M) / delta).astype(int)
    log_w_min = float(np.log(K[K > 0].min()))
    out = np.empty((ny, nx))
    convolve = _convolver(A.shape, K, law, correct)
    for j in np.unique(level):
        c = top - j * delta
        S = convolve(np.expm1(np.minimum(A - c, 0.0)))
        sel = level == j
        with np.errstate(divide="ignore"):   # a sum lost to round-off: log1p(-1) = -inf, clamped below
            log_sum = np.log1p(np.maximum(S[sel], -1.0))
        lo, hi = M[sel] - c + log_w_min, M[sel] - c
        out[sel] = c + (np.maximum(log_sum, lo) if correct else np.clip(log_sum, lo, hi))
    return out / t


def grid(f, xlim, ylim, *, n: int = 201, kind: str = "f", law: str = "gaussian", radius: float = 0.0,
         t: float = 0.0) -> Grid:
    """An objective of f on an n x n grid over xlim x ylim, by convolution (2-D f only).

    kind="f": f itself; "smoothed": FFT convolution with the law's density; "tilted": the same
    density applied to exp(t f) in log-sum-exp form (see :func:`_tilted_grid`); "max_loss": grey
    dilation with the disk of radius ``radius`` (cell centres inside it) together with 16-64 points
    on its rim read by bilinear interpolation (``law`` is ignored). f is evaluated on a grid padded
    by the kernel's reach, so values at the borders use f outside the window, as the pointwise
    formulas do. Where f is NaN inside a point's kernel, the result there is NaN.

    Parameters
    ----------
    f : callable mapping points (..., 2) to values (...).
    xlim, ylim : (lo, hi) of the window.
    n : points per axis (>= 3).
    kind : one of ``f``, ``smoothed``, ``max_loss``, ``tilted``.
    law, radius : the perturbation law and its radius (mu or rho).
    t : the tilt, for kind="tilted".

    Returns
    -------
    Grid(xs (n,), ys (n,), Z (n, n)) with Z[i, j] = value at (xs[j], ys[i]).
    """
    law, radius, t, n = _check_objective(kind, KINDS, law, radius, t, n, n_min=3)
    (x0, x1), (y0, y1) = map(float, xlim), map(float, ylim)
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"empty window: xlim={xlim}, ylim={ylim}")
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    hx, hy = xs[1] - xs[0], ys[1] - ys[0]
    if kind == "f" or radius == 0:
        with np.errstate(all="ignore"):
            Z = np.asarray(f(np.stack(np.meshgrid(xs, ys), axis=-1)), dtype=float)
        return Grid(xs, ys, np.where(np.isfinite(Z), Z, np.nan))

    K, py, px = _kernel(law, radius, float(hx), float(hy))
    xp, yp = x0 + hx * np.arange(-px, n + px), y0 + hy * np.arange(-py, n + py)
    with np.errstate(all="ignore"):
        F = np.asarray(f(np.stack(np.meshgrid(xp, yp), axis=-1)), dtype=float)
    bad = ~np.isfinite(F)
    F = np.where(bad, 0.0, F)

    if kind == "max_loss":
        support = _disk_support(radius, hx, hy, py, px)
        F_max = np.where(bad, -np.inf, F)
        Z = np.fmax(_support_max(F_max, support, n, n), _rim_max(F_max, radius, hx, hy, py, px, n, n))
        if bad.any():
            Z[_support_max(bad.astype(float), support, n, n) > 0] = np.nan
        return Grid(xs, ys, Z)
    if kind == "smoothed" or t == 0.0:
        Z = _convolver(F.shape, K, law)(F)
    else:
        Z = _tilted_grid(F, K, t, n, n, law)
    if bad.any():
        Z[_support_max(bad.astype(float), K > 0, n, n) > 0] = np.nan
    return Grid(xs, ys, Z)
