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
* on a grid (:func:`grid`): one discrete law with non-negative weights on the lattice (see
  :mod:`zo_core.lattice`) applied to f, to exp(t f) in log-sum-exp form, and as a maximum, on a padded
  grid so the borders are right; the exact bounds of the continuous objectives hold on the grid, and
  ``Grid.status`` says where L_t is infinite or the grid cannot resolve it.

In d >= 3 the ball's expectations use randomised QMC (:func:`ball_qmc`, with a standard error).

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

import numpy as np
from scipy.special import logsumexp

from zo_core import lattice, quadrature

LAWS = ("gaussian", "ball")
KINDS = ("f", "smoothed", "max_loss", "tilted")
GAUSS_TRUNCATION = lattice.GAUSS_TRUNCATION   # the grid's gaussian spans +-5 mu per axis


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


# --- pointwise: quadrature rules (nodes and weights in zo_core.quadrature) --------------------

QMC_REPLICATES = quadrature.QMC_REPLICATES


def ball_qmc(f, X, *, kind: str = "smoothed", radius: float, t: float = 0.0, m: int = 512,
             replicates: int = QMC_REPLICATES, seed: int = 0) -> MonteCarlo:
    """E f(x + eps) or L_t(x), eps uniform in the ball of radius rho in any d, by randomised QMC.

    ``replicates`` independent scrambles of a Sobol rule with m points each (m a power of two); the
    value is the estimate from all replicates x m points pooled, the stderr the replicates' spread,
    sd(per-replicate estimates) / sqrt(replicates) (for the tilted: of the per-replicate L_t, a delta
    method). The error of scrambled Sobol falls like m^(-1) to m^(-3/2) for smooth f, against m^(-1/2)
    for plain Monte Carlo. queries = replicates x m per point.
    """
    kind = kind if kind in ("smoothed", "tilted") else None
    if kind is None:
        raise ValueError("kind must be 'smoothed' or 'tilted'")
    rho, t = _check_law("ball", radius), _check_t(t)
    if replicates < 2:
        raise ValueError(f"replicates must be at least 2 (the stderr needs a spread), got {replicates}")
    X = _points(X)
    E = rho * quadrature.sobol_ball(X.shape[-1], int(m), int(replicates), int(seed))     # (R, m, d)
    with np.errstate(all="ignore"):
        V = np.asarray(f(X[..., None, None, :] + E), dtype=float)              # (..., R, m)
    w = np.full(V.shape[-1], 1.0 / V.shape[-1])
    tt = t if kind == "tilted" else 0.0
    per = tilt(V, w, tt)                                                       # (..., R)
    pooled = tilt(V.reshape(V.shape[:-2] + (-1,)), np.full(V.shape[-1] * V.shape[-2], 1.0 / (V.shape[-1] * V.shape[-2])), tt)
    stderr = per.std(axis=-1, ddof=1) / np.sqrt(per.shape[-1])
    return MonteCarlo(pooled, stderr, int(E.shape[0] * E.shape[1]))


def rule(law: str, radius: float, d: int, order: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature rule for ``eps``: nodes (m, d) and weights (m,) with ``E h(eps) ≈ sum w h(E)``.

    Gauss–Hermite (``order`` nodes per axis, tensor product) for ``gaussian``; Gauss–Legendre in the
    radius times ``2 order`` trapezoid angles for the 2-D ``ball``; for the ball in d >= 3, randomised
    QMC: QMC_REPLICATES scrambled Sobol rules of ``order`` points each (seed 0), pooled with equal
    weights — :func:`ball_qmc` gives the same estimate with its standard error and any seed.
    """
    radius = _check_law(law, radius)
    if order is None:
        order = {1: 80, 2: 40, 3: 16}.get(d, 6) if law == "gaussian" else (48 if d <= 2 else 512)
    E, w = quadrature.unit_rule(law, int(d), int(order))
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
    X = _points(X)
    if tilted_diverges(f, X, t=t, law=law, radius=radius):
        return np.full(X.shape[:-1], np.inf if t > 0 else -np.inf)
    V, w = node_values(f, X, law=law, radius=radius, order=order)
    return tilt(V, w, t)


def tilted_diverges(f, X, *, t: float, law: str, radius: float) -> bool:
    """Is L_t infinite? Only the gaussian law can make it so: E exp(t f(x + eps)) diverges when f grows
    at least like |eps|^2 / (2 t mu^2) (a quadratic x'Ax/2: t mu^2 lambda_max >= 1; for t < 0 the same
    with lambda_min and -f; a quartic: every t > 0). Probed numerically around the points (see
    :func:`_growth_diverges`); the ball is bounded, so its L_t is always finite."""
    t, radius = _check_t(t), _check_law(law, radius)
    if law != "gaussian" or t == 0.0 or radius == 0:
        return False
    P = _points(X).reshape(-1, np.shape(X)[-1])
    center = P.mean(axis=0)
    scale = float(np.max(np.linalg.norm(P - center, axis=-1), initial=0.0))
    return _growth_diverges(f, t, radius, center, scale)


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
    X = _points(X)
    V, w = node_values(f, X, law=law, radius=radius, order=order)
    return np.stack([np.full(X.shape[:-1], np.inf if t > 0 else -np.inf)
                     if tilted_diverges(f, X, t=t, law=law, radius=radius) else tilt(V, w, t) for t in ts])


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
#
# On a grid every objective is one discrete law applied to the lattice values of f: non-negative
# weights that sum to 1 on lattice offsets (cell centres inside the disk, or the Gaussian density at
# cell centres), plus, for the ball, points on the rim read off the lattice by bilinear interpolation.
# Because the law is a probability distribution over values of f, the grid objectives obey exactly
# what the continuous ones do: min f <= L_t <= max f over the law's support, the mean <= L_t for
# t >= 0, and for the ball L_t <= the grid max-loss (whose candidates contain the law's support).

GROWTH_RADII = 12       # radii of the divergence probe, geometric from 5 mu to 5e4 (window + mu)
TAIL_ERROR = 1e-3       # gaussian tilted: the truncation at +-5 mu may cost at most this share of f's range


@dataclass(frozen=True)
class Grid:
    """Values on a regular grid: Z[i, j] is the value at (xs[j], ys[i]); Z has shape (len(ys), len(xs)).

    status says whether Z can be trusted as a picture of the objective:

    * ``"ok"``;
    * ``"under-resolved"``: the kernel spans fewer than two cells (rho < 2 h, or mu < h), so the grid
      cannot represent the law; Z is still a weighted average with the exact bounds, but coarse;
    * ``"infinite"``: gaussian law, the tilted integral diverges (f grows at least like
      |eps|^2 / (2 t mu^2)); Z is +inf (t > 0) or -inf (t < 0) everywhere;
    * ``"tail"``: gaussian law, L_t may be finite but the tilted integrand still carries so much mass
      at the kernel's edge (+-5 mu) that truncating there moves L_t by more than TAIL_ERROR of f's
      range: the grid value is too low.

    note is one sentence for the page ("" when ok).
    """
    xs: np.ndarray
    ys: np.ndarray
    Z: np.ndarray
    status: str = "ok"
    note: str = ""


def _growth_diverges(f, t: float, mu: float, center: np.ndarray, scale: float) -> bool:
    """Does E exp(t f(x + eps)), eps ~ N(0, mu^2 I), diverge? Probes the log-integrand
    t f(c + r θ) - r^2 / (2 mu^2) on 64 directions at radii from 5 mu to 5e4 (scale + mu): it diverges
    when the largest value over directions is still growing at the outermost radii (f grows at least
    like r^2 / (2 t mu^2): for x'Ax/2 that is t mu^2 lambda_max >= 1, for a quartic any t > 0).
    Undefined values of f (NaN) are left out: they carry no mass."""
    d = center.size
    if d == 1:
        dirs = np.array([[-1.0], [1.0]])
    else:
        theta = 2 * np.pi * np.arange(64) / 64
        dirs = np.zeros((64, d))
        dirs[:, 0], dirs[:, 1] = np.cos(theta), np.sin(theta)
    r = np.geomspace(5 * mu, 5e4 * (scale + mu), GROWTH_RADII)
    with np.errstate(all="ignore"):
        V = np.asarray(f(center + r[:, None, None] * dirs[None]), dtype=float)       # (radii, dirs)
        g = np.where(np.isnan(V), -np.inf, t * V) - r[:, None] ** 2 / (2 * mu**2)   # f = +-inf: overflow
    best = g.max(axis=1)
    if best[-1] == np.inf:
        return True
    return bool(np.isfinite(best[-1]) and best[-1] > best[-2] and best[-1] > best[: GROWTH_RADII // 2].max())


def divergence_note(t: float, mu: float) -> str:
    return (f"L_t is infinite: with the gaussian law, E exp(t f(x + ε)) diverges because f grows at least "
            f"like |ε|²/(2 t μ²) (t = {t:g}, μ = {mu:g}; for a quadratic well: t μ² λ_max ≥ 1)")


def grid(f, xlim, ylim, *, n: int = 201, kind: str = "f", law: str = "gaussian", radius: float = 0.0,
         t: float = 0.0) -> Grid:
    """An objective of f on an n x n grid over xlim x ylim, by a discrete law on the lattice (2-D f only).

    kind="f": f itself; "smoothed": E f(x + eps) under the law's lattice rule (see
    :func:`lattice.lattice_law`); "tilted": (1/t) log E exp(t f(x + eps)) under the same rule, in log-sum-exp
    form (see :func:`lattice.tilted_sum`); "max_loss": the largest f over the cell centres inside the disk of
    radius ``radius`` and 16-64 points on its rim read by bilinear interpolation (``law`` is ignored).
    f is evaluated on a grid padded by the kernel's reach, so values at the borders use f outside the
    window, as the pointwise formulas do. Where f is NaN inside a point's kernel, the result there is NaN.

    The weights are non-negative and sum to 1, so for every n, t and radius: min f <= L_t <= max f
    over the rule's support, mean <= L_t for t >= 0 (L_t <= mean for t <= 0), and for the ball L_t <= the
    grid's max-loss. ``Grid.status`` / ``Grid.note`` flag an unresolved kernel and, for the gaussian
    tilted, an infinite L_t or one the +-5 mu kernel cannot hold (see :class:`Grid`).

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
    Grid(xs (n,), ys (n,), Z (n, n), status, note) with Z[i, j] = value at (xs[j], ys[i]).
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

    note = lattice.resolution_note(law, radius, float(max(hx, hy)))
    status = "under-resolved" if note else "ok"
    if kind == "tilted" and law == "gaussian" and t != 0.0:
        center = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        if _growth_diverges(f, t, radius, center, float(np.hypot(x1 - x0, y1 - y0))):
            return Grid(xs, ys, np.full((n, n), np.inf if t > 0 else -np.inf), "infinite",
                        divergence_note(t, radius))

    lw = lattice.lattice_law(law, radius, float(hx), float(hy))
    pad = lattice.pad_of(lw)
    xp, yp = x0 + hx * np.arange(-pad[1], n + pad[1]), y0 + hy * np.arange(-pad[0], n + pad[0])
    with np.errstate(all="ignore"):
        F = np.asarray(f(np.stack(np.meshgrid(xp, yp), axis=-1)), dtype=float)
    bad = ~np.isfinite(F)
    F = np.where(bad, 0.0, F)

    if kind == "max_loss":
        # The law's support plus a denser rim (up to 64 points): the law's rim points are among them,
        # so L_t <= this max-loss holds exactly.
        F_max = np.where(bad, -np.inf, F)
        theta = lattice.rim_angles(radius, hx, hy)
        Z = lattice.support_extreme(F_max, lw.K > 0, pad, n, n)     # the law's rim points are among theta
        for R in lattice.bilinear_reads(F_max, (radius * np.sin(theta) / hy, radius * np.cos(theta) / hx), pad, n, n):
            np.fmax(Z, R, out=Z)
    elif kind == "smoothed" or t == 0.0:
        Z = lattice.expectation(F, lw, pad, n, n)
    elif abs(t) * float(np.ptp(F)) < 1e-6:
        # L_t = mean + (t/2) Var + O(t^2 range^3): exact to 1e-12 of the range here, where 1/t would
        # lose every digit (t may be subnormal). Var about f(x) first, so nothing cancels.
        F0 = lattice.views(F, pad, n, n)(0, 0)
        mean = lattice.expectation(F, lw, pad, n, n)
        Z = mean + t / 2 * lattice.centred_variance(F, lw, pad, n, n, F0, mean)
    else:
        if status == "ok":
            note = lattice.tilt_resolution_note(F, t)
            status = "under-resolved" if note else status
        log_sum = lattice.tilted_sum(t * F, lw, pad, n, n)
        Z = log_sum / t
        # Mass beyond the kernel's +-5 mu box changes L_t by about (its share) / |t|: flag it when that
        # exceeds TAIL_ERROR of f's range.
        spread = float(np.ptp(F[~bad])) if (~bad).any() else 0.0
        if (law == "gaussian" and status == "ok"
                and lattice.tail_share(t * F, lw, pad, n, n, log_sum) / abs(t) > TAIL_ERROR * max(spread, 1e-300)):
            status, note = "tail", (f"L_t is dominated by the far tail (t = {t:g}, μ = {radius:g}): the "
                                    "tilted integrand still carries mass at the kernel's edge (±5 μ), so "
                                    "the grid value is too low; L_t is finite but large, or infinite")
    if bad.any():
        Z[lattice.support_extreme(bad.astype(float), lw.K > 0, pad, n, n) > 0] = np.nan
        if lw.rim_w.size:
            for R in lattice.rim_reads(bad.astype(float), lw, pad, n, n):
                Z[R > 0] = np.nan
    return Grid(xs, ys, Z, status, note)
