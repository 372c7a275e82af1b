"""Gradient estimators from function values only, vectorised over trials and directions.

At a point ``x`` in R^d with smoothing radius ``mu > 0``:

* coordinate, forward   ``g_i = (f(x + mu e_i) - f(x)) / mu``                 d + 1 queries
* coordinate, central   ``g_i = (f(x + mu e_i) - f(x - mu e_i)) / (2 mu)``     2d queries
* random direction ``u ~ N(0, I)`` (``gaussian``, phi = 1) or ``u ~ Unif(sphere)`` (``sphere``, phi = d),
  averaged over ``q`` directions:
  forward   ``phi (f(x + mu u) - f(x)) / mu * u``                               q + 1 queries
  central   ``phi (f(x + mu u) - f(x - mu u)) / (2 mu) * u``                     2q queries
  one-point ``phi f(x + mu u) / mu * u``                                         q queries

Every call evaluates ``f`` once on a batch of points of shape ``(..., d)``; there is no Python loop
over trials, directions or points: ``x`` may itself be a batch ``(..., d)`` (the optimizers run a
hundred starts through one call), and then ``g`` has shape ``(..., n_trials, d)``. ``dtype=np.float32``
evaluates in single precision (points and values are rounded to it), so the round-off floor
``eps_machine / mu`` can be shown.

Test functions in any dimension (:func:`quadratic`, :func:`linear`, :func:`rosenbrock`) broadcast
like ``scipy.optimize.rosen`` and carry their exact gradients.

>>> import numpy as np
>>> F = linear(np.ones(3))
>>> est = estimate(F, np.zeros(3), method="coordinate", scheme="central", mu=1e-3, rng=None)
>>> est.g.shape, est.queries
((1, 3), 6)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

METHODS = ("coordinate", "gaussian", "sphere")
SCHEMES = ("forward", "central", "one-point")
MAX_DIM = 100_000
MAX_NUMBERS = 100_000_000      # n_trials * q * d directions held at once (800 MB in float64)
SWEEP_NUMBERS = 1_000_000      # directions per swept value in the page sweeps: keeps a whole sweep well under a second


@dataclass(frozen=True)
class Estimate:
    """``n_trials`` independent gradient estimates and the function queries each one cost.

    With ``samples=True`` the estimate also carries what it was built from, so an algorithm that
    re-weights the same function values (ZEST, SABO) shares this one draw and this one formula:
    ``u`` the directions (..., n_trials, q, d) and ``values`` f at the query points,
    (2, ..., n_trials, q) for ``central`` (index 0: x + mu u, 1: x - mu u).
    """

    g: np.ndarray                   # (n_trials, d), or (..., n_trials, d) for a batch of points
    queries: int                    # per estimate
    u: np.ndarray | None = None     # (..., n_trials, q, d) when samples=True (random directions)
    values: np.ndarray | None = None

    @property
    def mean(self) -> np.ndarray:
        """The average over trials, shape (d,) (or (..., d) for a batch of points)."""
        return self.g.mean(axis=-2)


# --- validation ------------------------------------------------------------------------------

def _check(method: str, scheme: str, mu: float, q: int, n_trials: int) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if method == "coordinate" and scheme == "one-point":
        raise ValueError("the one-point scheme needs random directions: use method 'gaussian' or 'sphere'")
    if not np.all(np.isfinite(mu) & (np.asarray(mu) > 0)) or np.size(mu) == 0:
        raise ValueError(f"the smoothing radius mu must be a positive finite number, got {mu!r}")
    if int(q) != q or q < 1:
        raise ValueError(f"the number of directions q must be an integer >= 1, got {q!r}")
    if int(n_trials) != n_trials or n_trials < 1:
        raise ValueError(f"n_trials must be an integer >= 1, got {n_trials!r}")


def _point(x, dtype, strict: bool) -> np.ndarray:
    x = np.asarray(x, dtype=dtype)
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"x must be a point of shape (d,) or a batch of points (..., d), got shape {x.shape}")
    if x.shape[-1] > MAX_DIM:
        raise ValueError(f"dimension d = {x.shape[-1]} is out of range (1 <= d <= {MAX_DIM})")
    if strict and not np.isfinite(x).all():
        raise ValueError("x must be finite")
    return x


def _evaluate(f: Callable, P: np.ndarray, dtype, strict: bool = True) -> np.ndarray:
    """f on points P (..., d), rounded to ``dtype``; non-finite values are a ValueError when ``strict``."""
    with np.errstate(all="ignore"):
        values = np.asarray(f(P), dtype=dtype)
    if values.shape != P.shape[:-1]:
        raise ValueError(f"f must map points of shape (..., d) to values of shape (...): "
                         f"got {values.shape} for points {P.shape}")
    bad = ~np.isfinite(values)
    if strict and bad.any():
        where = np.argwhere(bad)[0]
        point = np.asarray(P[tuple(where)], dtype=float)
        shown = np.array2string(point[:4], precision=4) + (" ..." if point.size > 4 else "")
        raise ValueError(f"f is not finite at {int(bad.sum())} of {bad.size} query points "
                         f"(first at {shown}); choose another point, a smaller mu or float64")
    return values


# --- directions and query counts --------------------------------------------------------------

def directions(method: str, shape: tuple[int, ...], d: int, rng, dtype=np.float64) -> np.ndarray:
    """Random directions of shape ``shape + (d,)``: ``N(0, I)`` for ``gaussian``, uniform on the sphere for ``sphere``."""
    rng = np.random.default_rng(rng)
    U = rng.standard_normal(tuple(shape) + (d,), dtype=np.float64 if dtype == np.float64 else np.float32)
    if method == "sphere":
        U /= np.linalg.norm(U, axis=-1, keepdims=True)
    elif method != "gaussian":
        raise ValueError(f"random directions are 'gaussian' or 'sphere', not {method!r}")
    return U.astype(dtype, copy=False)


def phi(method: str, d: int) -> float:
    """The scale that makes ``phi E[u u'] = I``: 1 for gaussian, d for the sphere."""
    return float(d) if method == "sphere" else 1.0


def queries(method: str, scheme: str, d: int, q: int = 1) -> int:
    """Function queries for one estimate: d+1 / 2d (coordinate), q+1 / 2q / q (random directions)."""
    if method == "coordinate":
        return {"forward": d + 1, "central": 2 * d}[scheme]
    return {"forward": q + 1, "central": 2 * q, "one-point": q}[scheme]


# --- the estimator ----------------------------------------------------------------------------

def estimate(f: Callable, x, *, method: str, scheme: str, mu: float, q: int = 1, n_trials: int = 1,
             rng, dtype=np.float64, nonfinite: str = "raise", samples: bool = False) -> Estimate:
    """g = phi/q sum_j (f(x + mu u_j) - f(x - mu u_j)) / (2 mu) u_j and its forward, one-point and coordinate kin.

    Parameters
    ----------
    f : callable mapping points (..., d) to values (...), e.g. a Landscape or :func:`quadratic`.
    x : the point, shape (d,), or a batch of points (..., d): each point gets its own directions.
    method : ``"coordinate"`` (unit vectors e_i), ``"gaussian"`` (u ~ N(0, I)) or ``"sphere"`` (u ~ Unif(S^{d-1})).
    scheme : ``"forward"``, ``"central"`` or ``"one-point"`` (random directions only).
    mu : smoothing radius (step of the finite difference), > 0; for a batch of points and random
        directions also one radius per point, an array of shape (..., 1) (the sweeps use it).
    q : number of random directions averaged in one estimate (ignored by ``coordinate``).
    n_trials : number of independent estimates returned.
    rng : ``np.random.Generator`` or an integer seed; required, so randomness is always explicit
        (``coordinate`` is deterministic and accepts ``rng=None``).
    dtype : ``np.float64`` or ``np.float32``: the precision of the points, the values of f and the arithmetic.
    nonfinite : ``"raise"`` (a ValueError names the first bad query point) or ``"nan"`` (the estimates
        that touched a non-finite value are NaN; an optimizer uses this to stop only the runs that
        diverged or left f's domain, not the whole batch).
    samples : also return the directions and the function values (``Estimate.u``, ``Estimate.values``).

    Returns
    -------
    Estimate
        ``g`` of shape (n_trials, d) for one point, (..., n_trials, d) for a batch, and ``queries``,
        the function evaluations one estimate costs.

    Raises
    ------
    ValueError
        for mu <= 0, q < 1, an unknown method or scheme, d out of range, or non-finite values of f.
    """
    _check(method, scheme, mu, q, n_trials)
    if nonfinite not in ("raise", "nan"):
        raise ValueError(f"nonfinite must be 'raise' or 'nan', got {nonfinite!r}")
    strict = nonfinite == "raise"
    dtype = np.dtype(dtype).type
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype).name}")
    x = _point(x, dtype, strict)
    batch, d = x.shape[:-1], x.shape[-1]
    points, q, n_trials = int(np.prod(batch)), int(q), int(n_trials)
    if np.ndim(mu) == 0:
        mu_ = dtype(mu)
    elif method == "coordinate":
        raise ValueError("one radius per point needs random directions: use method 'gaussian' or 'sphere'")
    else:
        try:
            mu_ = np.broadcast_to(np.asarray(mu, dtype=dtype), batch + (1,))[..., None, None, :]   # (..., 1, 1, 1)
        except ValueError:
            raise ValueError(f"mu of shape {np.shape(mu)} must be a number or one radius per point, "
                             f"shape {batch + (1,)}") from None

    if method == "coordinate":
        if 2 * d * d * points > MAX_NUMBERS:
            raise ValueError(f"coordinate differences hold 2 d^2 = {2 * d * d:,} numbers per point at d = {d}; "
                             f"use d <= {int((MAX_NUMBERS / 2 / points) ** 0.5):,} or random directions")
        E = np.eye(d, dtype=dtype) * mu_                                   # (d, d): rows mu e_i
        xe = x[..., None, :]                                               # (..., 1, d)
        if scheme == "forward":
            values = _evaluate(f, np.concatenate([xe, xe + E], axis=-2), dtype, strict)   # (..., d+1)
            g = (values[..., 1:] - values[..., :1]) / mu_
        else:
            values = _evaluate(f, np.stack([xe + E, xe - E]), dtype, strict)             # (2, ..., d)
            g = (values[0] - values[1]) / (dtype(2) * mu_)
        g = np.broadcast_to(g.astype(dtype)[..., None, :], batch + (n_trials, d)).copy()
        return Estimate(g, queries(method, scheme, d))

    if points * n_trials * q * d > MAX_NUMBERS:
        raise ValueError(f"points * n_trials * q * d = {points * n_trials * q * d:,} random numbers is too many "
                         f"at once (limit {MAX_NUMBERS:,}); lower n_trials or q")
    U = directions(method, batch + (n_trials, q), d, rng, dtype)           # (..., n, q, d)
    xq = x[..., None, None, :]                                             # (..., 1, 1, d)
    if scheme == "central":
        signs = np.array([1, -1], dtype=dtype).reshape((2,) + (1,) * U.ndim)
        P = (signs * mu_) * U                                              # (2, ..., n, q, d)
        P += xq                                                            # in place: one large array
        values = _evaluate(f, P, dtype, strict)                            # (2, ..., n, q)
        del P
        coef = central_coefficients(values[0], values[1], mu_[..., 0] if np.ndim(mu_) else mu_)
    else:
        P = mu_ * U
        P += xq
        values = _evaluate(f, P, dtype, strict)                            # (..., n, q)
        del P
        m = mu_[..., 0] if np.ndim(mu_) else mu_
        if scheme == "forward":
            coef = (values - _evaluate(f, x, dtype, strict)[..., None, None]) / m
        else:
            coef = values / m
    g = combine(coef, U, phi(method, d) / q)                               # (..., n, d)
    return Estimate(g.astype(dtype, copy=False), queries(method, scheme, d, q),
                    U if samples else None, values if samples else None)


def central_coefficients(f_plus: np.ndarray, f_minus: np.ndarray, mu) -> np.ndarray:
    """(f(x + mu u) - f(x - mu u)) / (2 mu): the two-point finite difference along each direction."""
    return (f_plus - f_minus) / (2 * mu)


def combine(coef: np.ndarray, U: np.ndarray, scale: float) -> np.ndarray:
    """scale * sum_j coef_j u_j over the directions: coef (..., q), U (..., q, d) -> (..., d)."""
    g = np.einsum("...q,...qd->...d", coef, U)
    g *= U.dtype.type(scale)
    return g


def exact_directional(grad: np.ndarray, U: np.ndarray, method: str) -> np.ndarray:
    """The mu -> 0 limit of a random-direction estimate with directions U (n, q, d): phi/q sum (u . grad) u."""
    d, q = U.shape[-1], U.shape[-2]
    coef = U @ np.asarray(grad, dtype=U.dtype)                             # (n, q)
    return combine(coef, U, phi(method, d) / q)


# --- test functions in any dimension ----------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Quadratic:
    """f(x) = x'Ax/2 + b'x + c with A = Q diag(lam) Q' (Q = I when not given)."""

    lam: np.ndarray                 # (d,) the spectrum of A
    b: np.ndarray                   # (d,)
    c: float = 0.0
    Q: np.ndarray | None = None     # (d, d) orthogonal, or None for a diagonal A

    @property
    def d(self) -> int:
        return self.lam.size

    @property
    def A(self) -> np.ndarray:
        if self.Q is None:
            return np.diag(self.lam)
        return (self.Q * self.lam) @ self.Q.T

    def f(self, P) -> np.ndarray:
        P = np.asarray(P)
        Z = P if self.Q is None else P @ self.Q.astype(P.dtype, copy=False)
        lam = self.lam.astype(P.dtype, copy=False)
        return 0.5 * ((Z * Z) @ lam) + P @ self.b.astype(P.dtype, copy=False) + self.c

    __call__ = f

    def grad(self, P) -> np.ndarray:
        """∇f = A x + b; for a diagonal A, lam * x (never the d x d matrix: 800 MB at d = 10,000)."""
        P = np.asarray(P, dtype=float)
        if self.Q is None:
            return P * self.lam + self.b
        return ((P @ self.Q) * self.lam) @ self.Q.T + self.b

    def hess(self, P) -> np.ndarray:
        P = np.asarray(P, dtype=float)
        return np.broadcast_to(self.A, P.shape[:-1] + (self.d, self.d))


@dataclass(frozen=True, eq=False)
class Linear:
    """f(x) = a'x + c."""

    a: np.ndarray
    c: float = 0.0

    @property
    def d(self) -> int:
        return self.a.size

    def f(self, P) -> np.ndarray:
        P = np.asarray(P)
        return P @ self.a.astype(P.dtype, copy=False) + self.c

    __call__ = f

    def grad(self, P) -> np.ndarray:
        P = np.asarray(P, dtype=float)
        return np.broadcast_to(self.a, P.shape).copy()

    def hess(self, P) -> np.ndarray:
        P = np.asarray(P, dtype=float)
        return np.zeros(P.shape[:-1] + (self.d, self.d))


@dataclass(frozen=True, eq=False)
class Rosenbrock:
    """f(x) = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 in d >= 2 dimensions."""

    d: int

    def f(self, P) -> np.ndarray:
        P = np.asarray(P)
        a, b = P[..., :-1], P[..., 1:]
        return (100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2).sum(axis=-1)

    __call__ = f

    def grad(self, P) -> np.ndarray:
        P = np.asarray(P, dtype=float)
        a, b = P[..., :-1], P[..., 1:]
        r = b - a * a
        G = np.zeros_like(P)
        G[..., :-1] += -400.0 * a * r - 2.0 * (1.0 - a)
        G[..., 1:] += 200.0 * r
        return G


def quadratic(lam, b=None, *, c: float = 0.0, rotate_seed: int | None = None) -> Quadratic:
    """The quadratic x'Ax/2 + b'x + c whose Hessian A has spectrum ``lam`` (rotated at random when ``rotate_seed``)."""
    lam = np.asarray(lam, dtype=float).ravel()
    b = np.zeros_like(lam) if b is None else np.asarray(b, dtype=float).ravel()
    if b.shape != lam.shape:
        raise ValueError(f"b has shape {b.shape}, the spectrum has {lam.shape}")
    Q = None
    if rotate_seed is not None:
        Q, _ = np.linalg.qr(np.random.default_rng(rotate_seed).standard_normal((lam.size, lam.size)))
    return Quadratic(lam, b, float(c), Q)


def linear(a, *, c: float = 0.0) -> Linear:
    """The linear function a'x + c."""
    return Linear(np.asarray(a, dtype=float).ravel(), float(c))


def rosenbrock(d: int) -> Rosenbrock:
    """The n-dimensional Rosenbrock function (``scipy.optimize.rosen``), d >= 2."""
    if int(d) < 2:
        raise ValueError(f"Rosenbrock needs d >= 2, got {d}")
    return Rosenbrock(int(d))


PROBLEMS = ("linear", "quadratic", "rosenbrock")


def problem(name: str, d: int, *, cond: float = 10.0):
    """A standard test problem in d dimensions and the point to estimate at, ``(F, x)``.

    ``linear``: a = 1/sqrt(d) (so ||grad f|| = 1), x = 0, c = 1. ``quadratic``: spectrum log-spaced in
    [1, cond], b = 0, x = 1/sqrt(d), c = 1. ``rosenbrock``: x = 0 (gradient (-2, ..., -2, 0)).
    """
    d = int(d)
    if not 1 <= d <= MAX_DIM:
        raise ValueError(f"dimension d = {d} is out of range (1 <= d <= {MAX_DIM})")
    if name == "linear":
        return linear(np.full(d, 1.0 / np.sqrt(d)), c=1.0), np.zeros(d)
    if name == "quadratic":
        return quadratic(np.logspace(0.0, np.log10(cond), d), c=1.0), np.full(d, 1.0 / np.sqrt(d))
    if name == "rosenbrock":
        return rosenbrock(d), np.zeros(d)
    raise ValueError(f"unknown test problem {name!r}; choose one of {', '.join(PROBLEMS)}")


# --- sweeps for the pages: error vs mu, moments vs d / mu / q, budget ------------------------------

Z95 = 1.959963984540054   # two-sided 95% normal quantile for the confidence bands


@dataclass(frozen=True)
class Band:
    """A sample mean with a 95% confidence band (normal approximation), one entry per swept value."""

    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _band(rows: list[np.ndarray]) -> Band:
    """rows[k] holds the samples at the k-th swept value; mean +- 1.96 standard errors."""
    mean = np.array([r.mean() for r in rows])
    half = np.array([Z95 * r.std(ddof=1) / np.sqrt(r.size) if r.size > 1 else 0.0 for r in rows])
    return Band(mean, mean - half, mean + half)


@dataclass(frozen=True)
class Sweep:
    """Empirical moments of an estimator as one parameter varies.

    values : the swept parameter (d, mu or q).
    second_moment : samples of ||g||^2 -> E||g||^2 with its band.
    variance : samples of ||g - E g||^2 -> the trace of the covariance, with its band.
    cosine : samples of cos(g, grad f), with its band.
    queries : function queries of one estimate at each value.
    """

    values: np.ndarray
    second_moment: Band
    variance: Band
    cosine: Band
    queries: np.ndarray


def affordable(n_trials: int, q: int, d: int, limit: int = SWEEP_NUMBERS) -> int:
    """n_trials, lowered (to at least 10) so that n_trials * q * d stays within ``limit``."""
    return int(max(10, min(int(n_trials), limit // max(int(q) * int(d), 1))))


def _samples(F, x, g: np.ndarray):
    """||g||^2, ||g - E g||^2 (E g = grad f for linear and quadratic F, else the sample mean) and cosines."""
    grad = np.asarray(F.grad(x), dtype=float)
    exact_mean = isinstance(F, (Linear, Quadratic))
    center = grad if exact_mean else g.mean(axis=0)
    scale = 1.0 if exact_mean else g.shape[0] / max(g.shape[0] - 1, 1)
    dev = ((g - center) ** 2).sum(axis=1) * scale
    norm = np.linalg.norm(g, axis=1) * np.linalg.norm(grad)
    cos = np.divide(g @ grad, norm, out=np.zeros(g.shape[0]), where=norm > 0)
    return (g**2).sum(axis=1), dev, cos


def sweep(problem_name: str, *, over: str, values, method: str, scheme: str, mu: float, q: int = 1,
          d: int = 10, n_trials: int = 200, seed: int = 0, dtype=np.float64) -> Sweep:
    """E||g||^2, variance and cosine of ``estimate`` on :func:`problem` as ``over`` in {"d", "mu", "q"} varies.

    The other two of (d, mu, q) stay fixed at the given values; each swept value draws ``n_trials``
    fresh estimates (the loop runs over the swept values, never over trials); at large q * d the number
    of estimates drops (see :func:`affordable`) and the confidence band widens accordingly.
    """
    if over not in ("d", "mu", "q"):
        raise ValueError(f"can sweep over 'd', 'mu' or 'q', not {over!r}")
    rows2, rowsv, rowsc, qs = [], [], [], []
    rng = np.random.default_rng(seed)
    for v in values:
        dd = int(v) if over == "d" else int(d)
        mm = float(v) if over == "mu" else float(mu)
        qq = int(v) if over == "q" else int(q)
        F, x = problem(problem_name, dd)
        est = estimate(F, x, method=method, scheme=scheme, mu=mm, q=qq, n_trials=affordable(n_trials, qq, dd),
                       rng=rng, dtype=dtype)
        s2, dev, cos = _samples(F, x, est.g.astype(float))
        rows2.append(s2)
        rowsv.append(dev)
        rowsc.append(cos)
        qs.append(est.queries)
    return Sweep(np.asarray(values, dtype=float), _band(rows2), _band(rowsv), _band(rowsc), np.array(qs))


def mu_sweep(f, grad, x, *, method: str, mus, q: int = 1, n_trials: int = 32, seed: int = 0,
             dtype=np.float64) -> dict[str, np.ndarray]:
    """Root-mean-square error of every scheme of ``method`` at each mu: {scheme: errors (len(mus),)}.

    Coordinate differences are compared with grad f(x). Random-direction estimates are compared with
    their own mu -> 0 limit phi/q sum (u . grad f) u for the *same* directions (the seed is reused for
    every mu), so the plot isolates the finite-difference error: O(mu) forward, O(mu^2) central,
    eps_machine / mu round-off, and the f(x) / mu term of the one-point scheme.
    """
    x = np.asarray(x, dtype=float)
    grad = np.asarray(grad, dtype=float)
    schemes = ("forward", "central") if method == "coordinate" else SCHEMES
    if method == "coordinate":
        reference = grad[None]
    else:
        reference = exact_directional(grad, directions(method, (n_trials, q), x.size, seed, np.float64), method)
    out = {}
    for scheme in schemes:
        errs = []
        for mu in mus:
            try:
                g = estimate(f, x, method=method, scheme=scheme, mu=float(mu), q=q,
                             n_trials=1 if method == "coordinate" else n_trials, rng=seed, dtype=dtype).g
            except ValueError as err:
                if "not finite" not in str(err):
                    raise
                errs.append(np.nan)      # f undefined within mu of x (e.g. log near 0): a gap in the curve
                continue
            errs.append(np.sqrt(((g.astype(float) - reference) ** 2).sum(axis=1).mean()))
        out[scheme] = np.array(errs)
    if all(np.isnan(e).all() for e in out.values()):
        raise ValueError("f is not finite near x for any mu in the sweep; choose another point")
    return out


def budget_sweep(problem_name: str, *, d: int, budgets, method: str = "gaussian", n_trials: int = 100,
                 seed: int = 0, mu: float = 1e-4) -> dict[str, Band]:
    """Squared relative error ||g - grad f||^2 / ||grad f||^2 reached with a budget of B function queries.

    ``random``: central differences along q = B // 2 random directions (``method``) averaged. One call
    draws the largest q for every trial; the estimate with q directions is the mean of the first q
    (a cumulative sum), so all budgets share one batch of queries.
    ``coordinate``: central differences along k = min(B // 2, d) coordinates drawn without replacement,
    the others left at 0 (all d coordinates, 2d queries, give the exact gradient of a quadratic).
    """
    F, x = problem(problem_name, d)
    grad = np.asarray(F.grad(x), dtype=float)
    g2 = float(grad @ grad)
    qs = np.maximum(np.asarray(budgets, dtype=int) // 2, 1)
    q_max = int(qs.max())
    n = affordable(n_trials, q_max, d, limit=4 * SWEEP_NUMBERS)
    rng = np.random.default_rng(seed)
    single = estimate(F, x, method=method, scheme="central", mu=mu, n_trials=n * q_max, rng=rng).g
    running = np.cumsum(single.reshape(n, q_max, d), axis=1)[:, qs - 1] / qs[None, :, None]   # (n, len(qs), d)
    rand_rows = list((((running - grad) ** 2).sum(axis=2) / g2).T)
    full = estimate(F, x, method="coordinate", scheme="central", mu=mu, rng=None).g[0]
    order = np.argsort(rng.random((n_trials, d)), axis=1)                # a random order of coordinates per trial
    missing = np.cumsum(np.concatenate([np.zeros((n_trials, 1)), grad[order] ** 2], axis=1), axis=1)
    ks = np.minimum(qs, d)
    # the first k coordinates of the order are estimated (their error is round-off), the rest are left at 0
    done = np.cumsum(np.concatenate([np.zeros((n_trials, 1)), (full[order] - grad[order]) ** 2], axis=1), axis=1)
    coord = (missing[:, -1:] - missing[:, ks] + done[:, ks]) / g2
    return {"random": _band(rand_rows), "coordinate": _band(list(coord.T))}
