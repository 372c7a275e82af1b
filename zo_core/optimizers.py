"""GD, SAM, ZO-SGD, ZEST and SABO under one query budget; each returns a Trajectory.

``run(method, f, x0, *, budget, rng, **hyper)`` runs one method from ``x0`` until the next step
would spend more than ``budget`` queries, so ``queries[-1] <= budget`` always. ``x0`` may hold a
batch of starts, shape (..., d): every start runs in the same vectorised loop (the basin map runs
100 starts at the cost of one).

What counts as a query:

* a function value f(x) is one query (ZO-SGD: 2q a step, ZEST: 2n, SABO: 4n);
* a gradient call grad(x) is also counted as ONE query (GD: 1 a step, SAM: 2). This is generous to
  the first-order methods: a zeroth-order estimate of the same gradient in d dimensions costs d + 1
  or 2d values;
* ``fs``, the values of f at the iterates, are bookkeeping for the plots and are not charged.

Hyperparameters keep the lecture's names: ``lr`` (step size), ``mu`` (smoothing radius), ``q``
(directions per ZO-SGD step), ``t`` (tilt), ``n`` (ZEST's antithetic pairs, SABO's samples),
``rho`` (SAM's ball radius; SABO's KL radius).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

METHODS = ("gd", "sam", "zo-sgd", "zest", "sabo")
LABELS = {"gd": "GD", "sam": "SAM", "zo-sgd": "ZO-SGD", "zest": "ZEST", "sabo": "SABO"}


@dataclass(frozen=True)
class Trajectory:
    """The iterates of one run.

    xs : (k+1, ..., d) iterates, xs[0] = x0 (SABO: the mean m of its Gaussian).
    fs : (k+1, ...) f at the iterates (bookkeeping, not counted as queries).
    queries : (k+1,) queries spent to reach each iterate; queries[-1] <= budget.
    scales : SABO only, (k+1, ..., d) the standard deviations s of its Gaussian; else None.
    """
    xs: np.ndarray
    fs: np.ndarray
    queries: np.ndarray
    scales: np.ndarray | None = None


# --- gradient estimates (vectorised over a batch of points x: (..., d)) -------------------

def central_estimate(f, x, *, mu: float, q: int, rng: np.random.Generator) -> np.ndarray:
    """g = (1/q) sum_i (f(x + mu u_i) - f(x - mu u_i)) / (2 mu) u_i, u_i ~ N(0, I); 2q queries."""
    u = rng.standard_normal(x.shape[:-1] + (q, x.shape[-1]))
    P = np.concatenate([x[..., None, :] + mu * u, x[..., None, :] - mu * u], axis=-2)
    V = f(P)
    diff = V[..., :q] - V[..., q:]                                # (..., q)
    return np.einsum("...i,...id->...d", diff, u) / (2 * mu * q)


def zest_estimate(f, x, *, t: float, mu: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """g = sum_i (w_i^+ - w_i^-) u_i / (t mu), w = softmax(t f(x +- mu u_i)); 2n queries.

    The estimate of grad L_t(x) = E[exp(t f(x + mu u)) u] / (t mu E exp(t f(x + mu u))) (Stein's
    identity) with n antithetic pairs +-u_i, u_i ~ N(0, I). With Delta_i = f(x + mu u_i) - f(x - mu u_i)
    and the shift m = max t f,

        (w_i^+ - w_i^-) / t = 2 exp(t (f_i^+ + f_i^-)/2 - m) sinh(t Delta_i / 2) / (t Z),

    Z = sum of exp(t f - m) over all 2n values. Written this way the t -> 0 limit is explicit:
    sinh(t Delta / 2) / t -> Delta / 2 and Z -> 2n, so g = sum_i Delta_i u_i / (2 n mu), exactly the
    central two-point estimator; t = 0 takes that branch, and small |t Delta| uses sinh (no
    cancellation). Large |t Delta| uses the difference of the shifted exponentials (no overflow).
    """
    u = rng.standard_normal(x.shape[:-1] + (n, x.shape[-1]))
    P = np.concatenate([x[..., None, :] + mu * u, x[..., None, :] - mu * u], axis=-2)
    V = f(P)
    fp, fm = V[..., :n], V[..., n:]
    delta = fp - fm
    if t == 0.0:
        coef = delta / (2 * n)
    else:
        s = t * V
        top = s.max(-1, keepdims=True)
        Z = np.exp(s - top).sum(-1, keepdims=True)
        half = t * delta / 2
        with np.errstate(over="ignore", invalid="ignore"):
            small = 2 * np.exp(t * (fp + fm) / 2 - top) * np.sinh(half) / t
        large = (np.exp(t * fp - top) - np.exp(t * fm - top)) / t
        coef = np.where(np.abs(half) < 1.0, small, large) / Z
    return np.einsum("...i,...id->...d", coef, u) / mu


def _gaussian_gradients(f, m, s, n, rng):
    """Estimates of dJ/dm and dJ/ds for J(m, s) = E f(m + s z), z ~ N(0, I), from n antithetic pairs.

    dJ/dm = E[f(m + s z) z] / s      -> (1/n) sum_i (f_i^+ - f_i^-) z_i / (2 s)
    dJ/ds = E[f(m + s z)(z^2 - 1)] / s -> (1/n) sum_i ((f_i^+ + f_i^-)/2 - b)(z_i^2 - 1) / s,
    b the mean of the 2n values (a baseline; E[z^2 - 1] = 0). 2n queries.
    """
    z = rng.standard_normal(m.shape[:-1] + (n, m.shape[-1]))
    sz = s[..., None, :] * z
    V = f(np.concatenate([m[..., None, :] + sz, m[..., None, :] - sz], axis=-2))
    fp, fm = V[..., :n], V[..., n:]
    b = V.mean(-1, keepdims=True)
    g_m = np.einsum("...i,...id->...d", fp - fm, z) / (2 * n * s)
    g_s = np.einsum("...i,...id->...d", (fp + fm) / 2 - b, z**2 - 1) / (n * s)
    return g_m, g_s


# --- the methods: one step each, state kept apart from the fixed hyperparameters -----------

def _check(name: str, value, *, positive: bool = True, integer: bool = False):
    v = float(value)
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {value}")
    if integer:
        if v != int(v):
            raise ValueError(f"{name} must be an integer, got {value}")
        return int(v)
    return v


def run(method: str, f, x0, *, budget: int, rng: np.random.Generator, grad=None, lr: float = 0.02,
        mu: float = 0.1, q: int = 1, t: float = 1.0, n: int = 1, rho: float = 0.05) -> Trajectory:
    """x_{k+1} = x_k - lr * g_k with the method's g, until the query budget is spent.

    Parameters
    ----------
    method : ``"gd"`` (g = grad f(x); 1 query), ``"sam"`` (g = grad f(x + rho grad f / ||grad f||);
        2 queries), ``"zo-sgd"`` (central two-point estimate with q gaussian directions; 2q queries),
        ``"zest"`` (see :func:`zest_estimate`; 2n queries) or ``"sabo"`` (see below; 4n queries).
    f : callable, points (..., d) -> values (...).
    x0 : start, shape (d,) or a batch (..., d).
    budget : the most queries the run may spend.
    rng : numpy Generator for the random directions.
    grad : callable, points (..., d) -> gradients (..., d); needed by gd and sam (each call = 1 query).
    lr, mu, q, t, n, rho : hyperparameters (see the module docstring).

    Returns
    -------
    Trajectory(xs, fs, queries[, scales]).

    Notes
    -----
    SABO (sharpness-aware black-box optimization) keeps a Gaussian N(m, diag(s^2)), s starting at mu,
    and minimises J(m, s) = E f(m + s z) under a KL-ball perturbation. One step:

    1. at (m, s) estimate g = (dJ/dm, dJ/ds) from n antithetic pairs (:func:`_gaussian_gradients`);
    2. ascent of KL size rho: the Fisher metric of (m, s) is diag(1/s^2, 2/s^2), so with the natural
       direction v = (s^2 dJ/dm, s^2 dJ/ds / 2) the step is delta = sqrt(2 rho) v / sqrt(v' F v),
       which makes KL(N(m+delta_m, s+delta_s) || N(m, s)) = rho to second order;
    3. re-sample at (m + delta_m, s + delta_s) and estimate g~ = (dJ/dm, dJ/ds) there;
    4. descend: m <- m - lr g~_m, s <- clip(s - lr g~_s, mu/10, 10 mu).

    A step with x non-finite afterwards leaves that start where it was (a diverged run freezes).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    budget = _check("budget", budget, positive=False, integer=True)
    lr = _check("lr", lr)
    if method in ("gd", "sam") and grad is None:
        raise ValueError(f"{method} is a first-order method: pass grad=landscape.grad")
    if method not in ("gd", "sam"):
        mu = _check("mu", mu)
    q, n = _check("q", q, integer=True), _check("n", n, integer=True)
    rho = _check("rho", rho, positive=False)
    t = float(t)
    if not math.isfinite(t):
        raise ValueError(f"the tilt t must be a finite number, got {t}")

    x = np.array(x0, dtype=float)
    if x.ndim == 0:
        raise ValueError("x0 must have a last axis (the dimension d)")
    cost = {"gd": 1, "sam": 2, "zo-sgd": 2 * q, "zest": 2 * n, "sabo": 4 * n}[method]
    steps = budget // cost
    s = np.full_like(x, mu)

    def g_of(x):
        if method == "gd":
            return grad(x)
        if method == "sam":
            g = grad(x)
            norm = np.linalg.norm(g, axis=-1, keepdims=True)
            e = np.divide(rho * g, norm, out=np.zeros_like(g), where=norm > 0)
            return grad(x + e)
        if method == "zo-sgd":
            return central_estimate(f, x, mu=mu, q=q, rng=rng)
        return zest_estimate(f, x, t=t, mu=mu, n=n, rng=rng)

    xs, ss = [x.copy()], [s.copy()]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            if method == "sabo":
                g_m, g_s = _gaussian_gradients(f, x, s, n, rng)
                v_m, v_s = s**2 * g_m, s**2 * g_s / 2
                norm = np.sqrt((v_m**2 / s**2 + 2 * v_s**2 / s**2).sum(-1, keepdims=True))
                scale = np.divide(math.sqrt(2 * rho), norm, out=np.zeros_like(norm), where=norm > 0)
                m_adv = x + scale * v_m
                s_adv = np.clip(s + scale * v_s, mu / 10, 10 * mu)
                g_m, g_s = _gaussian_gradients(f, m_adv, s_adv, n, rng)
                new, s_new = x - lr * g_m, np.clip(s - lr * g_s, mu / 10, 10 * mu)
            else:
                new, s_new = x - lr * g_of(x), s
            ok = np.isfinite(new).all(-1, keepdims=True) & np.isfinite(s_new).all(-1, keepdims=True)
            x, s = np.where(ok, new, x), np.where(ok, s_new, s)
            xs.append(x.copy())
            ss.append(s.copy())
        X = np.stack(xs)
        fs = np.asarray(f(X), dtype=float)
    queries = cost * np.arange(steps + 1)
    return Trajectory(X, fs, queries, np.stack(ss) if method == "sabo" else None)


# --- what the race page shows --------------------------------------------------------------

def race(f, grad, x0, *, budget: int, seed: int, lr: float = 0.02, mu: float = 0.1, t: float = 5.0,
         n: int = 1, q: int = 1, rho: float = 0.05, kl: float = 0.01,
         methods: tuple[str, ...] = METHODS) -> dict[str, Trajectory]:
    """All methods from one start under one budget; method i draws from default_rng([seed, i]).

    SAM's Euclidean radius is ``rho``; SABO's KL radius is ``kl`` (its own ``rho``).
    """
    out = {}
    for i, method in enumerate(methods):
        hyper = dict(lr=lr, mu=mu, t=t, n=n, q=q, rho=kl if method == "sabo" else rho)
        out[method] = run(method, f, np.asarray(x0, float), budget=budget, rng=np.random.default_rng([seed, i]),
                          grad=grad, **hyper)
    return out


def basin_of(grad, X, minima, *, steps: int = 400, lr: float = 0.02) -> np.ndarray:
    """Index of the minimum whose basin holds each point of X (..., d): a few hundred exact gradient
    steps (the measurement, not charged to any method), then the nearest of ``minima`` (k, d)."""
    X = np.array(X, dtype=float)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            new = X - lr * grad(X)
            X = np.where(np.isfinite(new), new, X)
    minima = np.asarray(minima, float)
    dist = np.linalg.norm(X[..., None, :] - minima, axis=-1)
    return dist.argmin(-1)


def basin_fractions(f, grad, minima, starts, *, method: str, budget: int, seed: int, **hyper) -> np.ndarray:
    """Fraction of ``starts`` (B, d) whose run ends in the basin of each minimum: shape (k,).

    All B starts run in one vectorised loop (:func:`run` takes a batch).
    """
    traj = run(method, f, np.asarray(starts, float), budget=budget, rng=np.random.default_rng(seed),
               grad=grad, **hyper)
    idx = basin_of(grad, traj.xs[-1], minima)
    return np.bincount(idx, minlength=len(minima)) / len(idx)


def basin_map(f, grad, minima, bounds, *, ts=(0.0, 1.0, 3.0, 10.0, 30.0), n_starts: int = 100, budget: int = 400,
              seed: int = 0, lr: float = 0.02, mu: float = 0.1, n: int = 1) -> dict[str, np.ndarray]:
    """Fractions of ``n_starts`` uniform random starts in ``bounds`` ending near each minimum.

    Returns {"zo-sgd": (k,), "zest t=<t>": (k,) ...} (ZEST at t = 0 is ZO-SGD with n pairs; it is
    listed for the comparison). The same starts and the same seed serve every method.
    """
    rng = np.random.default_rng(seed)
    lo, hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    starts = lo + (hi - lo) * rng.random((int(n_starts), len(lo)))
    out = {"zo-sgd": basin_fractions(f, grad, minima, starts, method="zo-sgd", budget=budget, seed=seed,
                                     lr=lr, mu=mu, q=n)}
    for t in ts:
        out[f"zest t={t:g}"] = basin_fractions(f, grad, minima, starts, method="zest", budget=budget, seed=seed,
                                               lr=lr, mu=mu, n=n, t=float(t))
    return out
