"""GD, SAM, ZO-SGD, ZEST and SABO: one small step function each, one budget loop, one set of validators.

``run(method, f, x0, *, budget, rng, **hyper)`` runs one method from ``x0`` until the next step
would spend more than ``budget`` queries, so ``queries[-1] <= budget`` always. ``x0`` may hold a
batch of starts, shape (..., d): every start runs in the same vectorised loop, and every zeroth-order
step draws its directions through the one estimator :func:`zo_core.estimators.estimate`.

What counts as a query:

* a function value f(x) is one query (ZO-SGD: 2q a step, ZEST: 2n, SABO: 4n);
* a gradient call grad(x) is also counted as ONE query (GD: 1 a step, SAM: 2). This is generous to
  the first-order methods: a zeroth-order estimate of the same gradient in d dimensions costs d + 1
  or 2d values;
* ``fs``, the values of f at the iterates, are bookkeeping for the plots and are not charged.

A run that diverges (the iterate leaves |x| <= 1e6 or overflows) or leaves f's domain (f is NaN at
or around the iterate) stops there; its ``Trajectory.status`` says so and the query it stopped at.

Hyperparameters keep the lecture's names: ``lr`` (step size), ``mu`` (smoothing radius; SABO's initial
scale), ``q`` (directions per ZO-SGD step), ``t`` (tilt), ``n`` (ZEST's antithetic pairs, SABO's
pairs), ``rho`` (SAM's ball radius; SABO's KL radius).

SABO, the update implemented here
---------------------------------
SABO (Ye, Lyu, Wang, Sugiyama, Zhang, Tsang, arXiv:2410.12457) minimises the worst expected loss
over a KL ball of Gaussians, min_theta max_{KL(p_{theta+delta} || p_theta) <= rho} J(theta + delta),
J(m, s) = E f(m + s z), z ~ N(0, I), p_theta = N(m, diag(s^2)). We could not consult the paper's
Algorithm 1, so the update below is written from its abstract and from the implicit-natural-gradient
family it builds on (Lyu & Tsang); it cites no equation numbers. We parametrise the scale by its log,
l = log s, where the Fisher metric of N(m, diag s^2) is F = diag(1/s^2, 2) per coordinate:

1. at (m, s), from n antithetic pairs m +- s z_i (2n queries, drawn by ``estimate`` in whitened
   coordinates), with a_i = (f(m + s z_i) + f(m - s z_i)) / 2 and the leave-one-out baseline
   b_i = mean_{j != i} a_j (independent of z_i, so the estimate stays unbiased; n = 1: b = 0)::

       g_m = (1/n) sum_i (f_i^+ - f_i^-) z_i / (2 s)         ~ dJ/dm
       g_l = (1/n) sum_i (a_i - b_i) (z_i^2 - 1)              ~ dJ/dl = s dJ/ds

2. ascent to the edge of the KL ball (first order): v = F^-1 g = (s^2 g_m, g_l / 2),
   delta = sqrt(2 rho / g'F^-1 g) v, so KL = delta'F delta / 2 = rho; m' = m + delta_m, s' = s exp(delta_l);
3. the same estimates (g'_m, g'_l) at (m', s') (2n more queries);
4. descent: m <- m - lr g'_m (the plain step, so lr means what it means for ZO-SGD), and the
   natural-gradient step on the log-scale, l <- l - lr g'_l / 2, i.e. s <- s exp(-lr g'_l / 2), capped
   at a factor e^{+-1/2} per step. s stays positive by construction: no floor, no clipping to mu/10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from zo_core import estimators

METHODS = ("gd", "sam", "zo-sgd", "zest", "sabo")
LABELS = {"gd": "GD", "sam": "SAM", "zo-sgd": "ZO-SGD", "zest": "ZEST", "sabo": "SABO"}
BIG = 1e6              # |x| beyond this counts as diverged (every landscape window is within |x| <= 5)
MAX_BUDGET = 1_000_000


@dataclass(frozen=True)
class Trajectory:
    """The iterates of one run (or of a batch of starts run together).

    xs : (k+1, ..., d) iterates, xs[0] = x0 (SABO: the mean m of its Gaussian); a stopped start keeps
        its last good iterate from then on.
    fs : (k+1, ...) f at the iterates (bookkeeping, not counted as queries).
    queries : (k+1,) queries spent to reach each iterate; queries[-1] <= budget.
    scales : SABO only, (k+1, ..., d) the standard deviations s of its Gaussian; else None.
    stopped : (...,) the query at which each start stopped, -1 where it ran its whole budget.
    reason : (...,) "" (ran its budget), "diverged" or "left the domain".
    """
    xs: np.ndarray
    fs: np.ndarray
    queries: np.ndarray
    scales: np.ndarray | None = None
    stopped: np.ndarray | None = None
    reason: np.ndarray | None = None

    @property
    def status(self) -> str:
        """'ran its budget', 'diverged at query k' or 'left the domain at query k' (first start of a batch)."""
        if self.reason is None or not np.ravel(self.reason)[0]:
            return "ran its budget"
        return f"{np.ravel(self.reason)[0]} at query {int(np.ravel(self.stopped)[0])}"


@dataclass(frozen=True)
class Hyper:
    """The fixed parameters of a run, validated once (state lives in the loop, not here)."""
    lr: float
    mu: float
    q: int
    t: float
    n: int
    rho: float


# --- validators: one set for every method ---------------------------------------------------------

def _number(name: str, value, *, positive: bool = True, integer: bool = False, upper: float | None = None):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {value}")
    if upper is not None and v > upper:
        raise ValueError(f"{name} must be at most {upper:g}, got {value}")
    if integer:
        if v != int(v):
            raise ValueError(f"{name} must be an integer, got {value}")
        return int(v)
    return v


def validate(method: str, *, budget, grad, lr, mu, q, t, n, rho) -> tuple[int, Hyper]:
    """The budget and the hyperparameters as numbers, or a ValueError that names the bad one."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if method in ("gd", "sam") and grad is None:
        raise ValueError(f"{method} is a first-order method: pass grad=landscape.grad")
    budget = _number("budget", budget, positive=False, integer=True, upper=MAX_BUDGET)
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise ValueError(f"the tilt t must be a number, got {t!r}") from None
    if not math.isfinite(t):
        raise ValueError(f"the tilt t must be a finite number, got {t}")
    return budget, Hyper(lr=_number("lr", lr), mu=_number("mu", mu), q=_number("q", q, integer=True),
                         t=t, n=_number("n", n, integer=True), rho=_number("rho", rho, positive=False))


def cost(method: str, h: Hyper) -> int:
    """Queries one step spends."""
    return {"gd": 1, "sam": 2, "zo-sgd": 2 * h.q, "zest": 2 * h.n, "sabo": 4 * h.n}[method]


# --- the estimates, all drawn through estimators.estimate ----------------------------------------

def _pairs(f, x, radius, n: int, rng):
    """n antithetic pairs x +- radius u_i, u_i ~ N(0, I), drawn and evaluated by ``estimators.estimate``.

    ``radius`` is a float (the lecture's mu), an array (..., 1) (one mu per start: passed to ``estimate``
    as it is), or an array (..., d) (SABO's per-coordinate s): then the call runs in whitened
    coordinates y = (x' - x) / s with mu = 1, so the same draw and the same two-point formula serve.
    Returns the estimate and the divisor that turns its g into the x-gradient (1, or s).
    """
    if np.ndim(radius) == 0 or np.shape(radius)[-1] == 1:
        return estimators.estimate(f, x, method="gaussian", scheme="central", mu=radius, q=n, rng=rng,
                                   nonfinite="nan", samples=True), 1.0
    r = np.broadcast_to(np.asarray(radius, dtype=float), x.shape)
    xq, rq = x[..., None, None, :], r[..., None, None, :]

    def whitened(Y):
        return f(xq + rq * Y)

    est = estimators.estimate(whitened, np.zeros_like(x), method="gaussian", scheme="central", mu=1.0, q=n,
                              rng=rng, nonfinite="nan", samples=True)
    return est, r


def zo_sgd_estimate(f, x, *, mu, q: int, rng) -> np.ndarray:
    """g = (1/q) sum_i (f(x + mu u_i) - f(x - mu u_i)) / (2 mu) u_i, u_i ~ N(0, I); 2q queries; x (..., d)."""
    est, div = _pairs(f, x, mu, q, rng)
    return est.g[..., 0, :] / div


def zest_estimate(f, x, *, t, mu, n: int, rng) -> np.ndarray:
    """g = sum_i (w_i^+ - w_i^-) u_i / (t mu), w = softmax(t f(x +- mu u_i)) over all 2n values; 2n queries.

    The self-normalised estimate of grad L_t(x) = E[exp(t f(x + mu u)) u] / (t mu E exp(t f(x + mu u)))
    (Stein's identity), with n antithetic pairs +-u_i, u_i ~ N(0, I), drawn by ``estimators.estimate``
    (the same draw and values as the central two-point estimate). Self-normalised means the ratio of
    two sample means: it is biased by O(1/n) and consistent as n -> inf.

    * n = 1: the two weights see only the pair's difference Delta = f(x + mu u) - f(x - mu u), and
      g = tanh(t Delta / 2) u / (t mu) exactly: a squashed two-point estimate, no curvature information.
      Sharpness enters only through the weights *across* pairs, so use n >= 4.
    * t -> 0: with m = max t f and Z = sum exp(t f - m),
      (w_i^+ - w_i^-) / t = 2 exp(t (f_i^+ + f_i^-)/2 - m) sinh(t Delta_i / 2) / (t Z) -> Delta_i / (2n),
      the central two-point estimator. t = 0 returns that estimate itself (no division by t), small
      |t Delta| uses sinh (no cancellation), large |t Delta| the shifted exponentials (no overflow).

    ``t`` and ``mu`` are floats, or arrays of shape (..., 1) that broadcast against x (one per start:
    the phase diagram runs every (mu, t) cell in one batch).
    """
    est, div = _pairs(f, x, mu, n, rng)
    if np.ndim(t) == 0 and t == 0.0:
        return est.g[..., 0, :] / div
    fp, fm, u = est.values[0][..., 0, :], est.values[1][..., 0, :], est.u[..., 0, :, :]   # (..., n), (..., n, d)
    t = np.asarray(t, dtype=float)
    zero = t == 0.0
    t_ = np.where(zero, 1.0, t)
    V = np.concatenate([fp, fm], axis=-1)                                    # (..., 2n)
    with np.errstate(over="ignore", invalid="ignore"):
        top = (t * V).max(-1, keepdims=True)
        Z = np.exp(t * V - top).sum(-1, keepdims=True)
        half = t * (fp - fm) / 2
        sinh_t = np.where(zero, (fp - fm) / 2, np.sinh(half) / t_)          # sinh(t Delta/2)/t, t = 0: Delta/2
        small = 2 * np.exp(t * (fp + fm) / 2 - top) * sinh_t
        large = (np.exp(t * fp - top) - np.exp(t * fm - top)) / t_
    coef = np.where(np.abs(half) < 1.0, small, large) / Z                   # (..., n)
    return estimators.combine(coef, u, 1.0) / (np.asarray(mu, dtype=float) if np.ndim(div) == 0 else div)


def gaussian_gradients(f, m, s, *, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """(g_m, g_l) ~ (dJ/dm, dJ/dlog s) of J(m, s) = E f(m + s z), from n antithetic pairs; 2n queries.

    g_m = (1/n) sum_i (f_i^+ - f_i^-) z_i / (2 s); g_l = (1/n) sum_i (a_i - b_i)(z_i^2 - 1), a_i the
    pair's mean value, b_i = mean_{j != i} a_j the leave-one-out baseline (unbiased; n = 1: b = 0).
    The pairs are drawn by ``estimators.estimate`` in whitened coordinates z = (x - m) / s, mu = 1.
    """
    est, div = _pairs(f, m, s, n, rng)
    g_m = est.g[..., 0, :] / div
    a = (est.values[0][..., 0, :] + est.values[1][..., 0, :]) / 2          # (..., n)
    b = (a.sum(-1, keepdims=True) - a) / (n - 1) if n > 1 else np.zeros_like(a)
    z = est.u[..., 0, :, :]                                                 # (..., n, d)
    g_l = np.einsum("...i,...id->...d", a - b, z**2 - 1) / n
    return g_m, g_l


# --- one step per method: (x, s) -> (x, s), the caller owns the loop -------------------------------

def gd_step(f, grad, x, s, h: Hyper, rng):
    """x <- x - lr grad f(x)."""
    return x - h.lr * grad(x), s


def sam_step(f, grad, x, s, h: Hyper, rng):
    """x <- x - lr grad f(x + rho grad f(x) / ||grad f(x)||)."""
    g = grad(x)
    norm = np.linalg.norm(g, axis=-1, keepdims=True)
    e = np.divide(h.rho * g, norm, out=np.zeros_like(g), where=norm > 0)
    return x - h.lr * grad(x + e), s


def zo_sgd_step(f, grad, x, s, h: Hyper, rng):
    """x <- x - lr g, g the central two-point estimate (:func:`zo_sgd_estimate`)."""
    return x - h.lr * zo_sgd_estimate(f, x, mu=h.mu, q=h.q, rng=rng), s


def zest_step(f, grad, x, s, h: Hyper, rng):
    """x <- x - lr g, g the tilted estimate (:func:`zest_estimate`)."""
    return x - h.lr * zest_estimate(f, x, t=h.t, mu=h.mu, n=h.n, rng=rng), s


def sabo_step(f, grad, m, s, h: Hyper, rng):
    """Ascent of KL size rho on (m, log s), re-estimate there, descend (see the module docstring)."""
    g_m, g_l = gaussian_gradients(f, m, s, n=h.n, rng=rng)
    v_m, v_l = s**2 * g_m, g_l / 2                                       # F^-1 g, F = diag(1/s^2, 2)
    size = np.sqrt((g_m * v_m + g_l * v_l).sum(-1, keepdims=True))       # sqrt(g' F^-1 g)
    radius = np.sqrt(2 * np.asarray(h.rho, dtype=float)) * np.ones_like(size)
    scale = np.divide(radius, size, out=np.zeros_like(size), where=size > 0)
    m_adv, s_adv = m + scale * v_m, s * np.exp(np.clip(scale * v_l, -5.0, 5.0))
    g_m, g_l = gaussian_gradients(f, m_adv, s_adv, n=h.n, rng=rng)
    return m - h.lr * g_m, s * np.exp(np.clip(-h.lr * g_l / 2, -0.5, 0.5))


STEPS: dict[str, Callable] = {"gd": gd_step, "sam": sam_step, "zo-sgd": zo_sgd_step, "zest": zest_step,
                              "sabo": sabo_step}


# --- the budget loop --------------------------------------------------------------------------------

def _values(f, X) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(f(X), dtype=float)


def run(method: str, f, x0, *, budget: int, rng: np.random.Generator, grad=None, lr: float = 0.02,
        mu: float = 0.1, q: int = 1, t: float = 1.0, n: int = 1, rho: float = 0.05) -> Trajectory:
    """x_{k+1} = step(x_k) with the method's step, until the query budget is spent.

    Parameters
    ----------
    method : ``"gd"``, ``"sam"``, ``"zo-sgd"``, ``"zest"`` or ``"sabo"`` (see :data:`STEPS`).
    f : callable, points (..., d) -> values (...).
    x0 : start, shape (d,) or a batch (..., d).
    budget : the most queries the run may spend.
    rng : numpy Generator for the random directions.
    grad : callable, points (..., d) -> gradients (..., d); needed by gd and sam (each call = 1 query).
    lr, mu, q, t, n, rho : hyperparameters (see the module docstring).

    Returns
    -------
    Trajectory(xs, fs, queries, scales, stopped, reason).
    """
    budget, h = validate(method, budget=budget, grad=grad, lr=lr, mu=mu, q=q, t=t, n=n, rho=rho)
    return loop(method, f, grad, x0, h, budget=budget, rng=rng)


def loop(method: str, f, grad, x0, h: Hyper, *, budget: int, rng, history: bool = True) -> Trajectory:
    """The one budget loop: ``STEPS[method]`` until the next step would pass ``budget``.

    ``h`` may hold arrays of shape (..., 1) for mu, t or rho, one per start (the sweeps run many
    settings as one batch). ``history=False`` keeps only the first and the last iterate (xs has 2 rows;
    ``queries`` then holds 0 and the queries spent).
    """
    x = np.array(x0, dtype=float)
    if x.ndim == 0:
        raise ValueError("x0 must have a last axis (the dimension d)")
    if not np.isfinite(x).all():
        raise ValueError("the start x0 must be finite")
    step, c = STEPS[method], cost(method, h)
    s = np.broadcast_to(np.asarray(h.mu, dtype=float), x.shape).copy()
    batch = x.shape[:-1]
    stopped, reason = np.full(batch, -1), np.full(batch, "", dtype=object)
    alive = np.isfinite(_values(f, x))
    reason[~alive], stopped[~alive] = "left the domain", 0
    xs, ss = [x.copy()], [s.copy()]
    steps = budget // c
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            new, s_new = step(f, grad, x, s, h, rng)
            finite = np.isfinite(new)
            safe = np.where(finite, new, 0.0)
            f_new = _values(f, safe)
            nan_x = np.isnan(new).any(-1) | np.isnan(s_new).any(-1)
            far = (np.abs(safe).max(-1) > BIG) | (~finite.all(-1) & ~nan_x)   # inf counts as far
            diverged = ~nan_x & (far | np.isinf(f_new))
            domain = ~diverged & (nan_x | np.isnan(f_new))                 # f NaN at or around x
            fresh = alive & (diverged | domain)
            reason[fresh & diverged], reason[fresh & domain] = "diverged", "left the domain"
            stopped[fresh] = (k - 1) * c
            alive &= ~fresh
            x, s = np.where(alive[..., None], new, x), np.where(alive[..., None], s_new, s)
            if history or k == steps:
                xs.append(x.copy())
                ss.append(s.copy())
        X = np.stack(xs)
    fs = _values(f, X)
    queries = c * np.arange(len(xs)) if history else np.array([0, c * steps][:len(xs)])
    return Trajectory(X, fs, queries, np.stack(ss) if method == "sabo" else None, stopped, reason)


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
