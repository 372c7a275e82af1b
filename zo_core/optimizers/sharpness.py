"""Sharp and flat minima: the basin map, the (mu, t) phase diagram, t*(mu), ZEST's mean vs n, a shift.

Every run here is one batch through :func:`zo_core.optimizers.methods.loop`: all starts, and all
settings of a sweep (one (mu, t) cell or one rho per block of starts), step together.

Measured on ``sharp_flat`` (starts within 0.35 of the sharp minimum, budget 2,000 queries, lr = 0.1,
n = 4 pairs): tilting matters in a band of mu around 0.25-0.35. Below it the tilted objective keeps
its sharp minimum for every t the page allows; above mu ~ 0.4 smoothing alone removes the sharp well
and t adds nothing. bench/sharpness.py prints the fractions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zo_core import objectives
from zo_core.optimizers.methods import Hyper, loop, validate, zest_estimate

# The page's defaults; basin_map(L.f, L.grad, L.minima, L.bounds) uses exactly these.
BASIN_DEFAULTS = dict(ts=(1.0, 3.0, 10.0, 30.0), n_starts=200, budget=2000, seed=0, lr=0.1, mu=0.3, n=4,
                      near=0, spread=0.35)
MAX_STARTS = 100_000        # starts * settings held at once in one batch


def binomial_se(p, n_starts: int) -> np.ndarray:
    """sqrt(p (1 - p) / N): the standard error of a fraction p of N independent starts."""
    p = np.asarray(p, dtype=float)
    return np.sqrt(p * (1 - p) / int(n_starts))


def classify(f, grad, X, minima, *, tol: float = 1e-6, max_steps: int = 3000, max_len: float = 0.03) -> np.ndarray:
    """Index of the minimum whose basin of gradient flow holds each point of X (..., d).

    Gradient descent with a per-point Armijo step size, each step at most ``max_len`` long (so it
    follows the flow and cannot jump a well or a ridge), until ||grad f|| < tol; the few points still
    moving after ``max_steps``
    (near a ridge) finish with scipy's L-BFGS. Then the nearest of ``minima`` (k, d). Not charged to
    any method: this is the measurement.
    """
    from scipy.optimize import minimize

    X = np.array(X, dtype=float)
    shape = X.shape
    P = X.reshape(-1, shape[-1])                         # (N, d); only the points still moving are stepped
    live = np.arange(len(P))
    lr = np.full(len(P), 0.01)
    with np.errstate(all="ignore"):
        F = np.asarray(f(P), dtype=float)
        for _ in range(max_steps):
            G = grad(P[live])
            g2 = (G * G).sum(-1)
            moving = g2 > tol**2
            live, G, g2 = live[moving], G[moving], g2[moving]
            if live.size == 0:
                break
            length = np.sqrt(g2) * lr[live]
            step = lr[live] * np.minimum(1.0, max_len / np.maximum(length, 1e-300))   # the step size taken
            trial = P[live] - step[:, None] * G
            F_trial = np.asarray(f(trial), dtype=float)
            ok = F_trial <= F[live] - 0.5 * step * g2                 # Armijo: a sufficient decrease
            P[live[ok]], F[live[ok]] = trial[ok], F_trial[ok]
            lr[live] = np.where(ok, np.minimum(1.5 * lr[live], 1e3), 0.5 * step)
    for i in live:                                       # the few still moving after max_steps: near a ridge
        P[i] = minimize(lambda p: float(f(p)), P[i], jac=lambda p: np.asarray(grad(p), float),
                        method="L-BFGS-B").x
    X = P.reshape(shape)
    dist = np.linalg.norm(X[..., None, :] - np.asarray(minima, float), axis=-1)
    return dist.argmin(-1)


def starts(bounds, minima, n_starts: int, *, near: int | None, spread: float, rng) -> np.ndarray:
    """n_starts points: uniform within +-spread of minima[near] (clipped to the window), or over the window."""
    lo, hi = np.array([b[0] for b in bounds], float), np.array([b[1] for b in bounds], float)
    if near is None:
        return lo + (hi - lo) * rng.random((int(n_starts), lo.size))
    c = np.asarray(minima, float)[int(near)]
    return np.clip(c + spread * (2 * rng.random((int(n_starts), lo.size)) - 1), lo, hi)


def _check_starts(n_starts, settings: int = 1) -> int:
    n_starts = int(n_starts)
    if not 1 <= n_starts * settings <= MAX_STARTS:
        raise ValueError(f"{n_starts} starts x {settings} settings is out of range (1 to {MAX_STARTS:,} in all)")
    return n_starts


def _fractions(idx: np.ndarray, k: int) -> np.ndarray:
    """Fractions per minimum over the last axis of idx (..., S) -> (..., k)."""
    return (idx[..., None] == np.arange(k)).mean(-2)


def _batch(method, f, grad, X, *, budget, seed, **hyper):
    """One run of ``method`` over starts X (..., S, d) with hyperparameters that broadcast against it."""
    base = dict(lr=0.1, mu=0.3, q=1, t=0.0, n=4, rho=0.0) | hyper
    scalar = {k: (v if np.ndim(v) == 0 else 1.0) for k, v in base.items()}
    budget, _ = validate(method, budget=budget, grad=grad, **scalar)          # the same checks as run()
    h = Hyper(**base)
    traj = loop(method, f, grad, X, h, budget=budget, rng=np.random.default_rng(seed), history=False)
    return traj.xs[-1]


def basin_map(f, grad, minima, bounds, *, ts=BASIN_DEFAULTS["ts"], n_starts: int = BASIN_DEFAULTS["n_starts"],
              budget: int = BASIN_DEFAULTS["budget"], seed: int = BASIN_DEFAULTS["seed"],
              lr: float = BASIN_DEFAULTS["lr"], mu: float = BASIN_DEFAULTS["mu"], n: int = BASIN_DEFAULTS["n"],
              near: int | None = BASIN_DEFAULTS["near"], spread: float = BASIN_DEFAULTS["spread"]) -> dict:
    """Fractions of random starts ending in each minimum's basin: {"zo-sgd": (k,), "zest t=<t>": (k,)}.

    The starts lie within +-spread of ``minima[near]`` (``near=None``: uniform over ``bounds``). ZO-SGD
    (q = n directions, the same lr, mu and queries per step: the control) and ZEST at every t in
    ``ts`` (one batch) start from the same points; each end point is classified by :func:`classify`.
    The binomial standard error of a fraction is :func:`binomial_se` (p, n_starts).
    """
    k = len(minima)
    if k < 1:
        raise ValueError("the basin map needs at least one known minimum")
    ts = tuple(float(t) for t in ts)
    n_starts = _check_starts(n_starts, len(ts) + 1)
    X0 = starts(bounds, minima, n_starts, near=near, spread=spread, rng=np.random.default_rng(seed))
    out = {}
    end = _batch("zo-sgd", f, grad, X0, budget=budget, seed=seed, lr=lr, mu=mu, q=n)
    out["zo-sgd"] = _fractions(classify(f, grad, end, minima), k)
    if ts:
        T = np.array(ts).reshape(-1, 1, 1)
        end = _batch("zest", f, grad, np.broadcast_to(X0, (len(ts),) + X0.shape), budget=budget, seed=seed,
                     lr=lr, mu=mu, n=n, t=T)
        fr = _fractions(classify(f, grad, end, minima), k)
        for t, row in zip(ts, fr):
            out[f"zest t={t:g}"] = row
    return out


def t_star(f, center, mus, *, ts, half_width: float = 0.6, points: int = 121) -> np.ndarray:
    """t*(mu): the smallest t in ``ts`` (sorted) at which L_t (gaussian law, radius mu) has no local
    minimum within half_width of ``center`` along the first axis; NaN where every t keeps one.

    Computed on the slice through ``center`` with :func:`zo_core.objectives.tilted_many` (quadrature);
    for sharp_flat the wells are symmetric in y, so a minimum of L_t near the well lies on that slice.
    """
    ts = np.sort(np.asarray(ts, dtype=float))
    c = np.asarray(center, float)
    X = np.repeat(c[None], points, 0)
    X[:, 0] += np.linspace(-half_width, half_width, points)
    out = np.full(len(mus), np.nan)
    for i, mu in enumerate(mus):
        L = objectives.tilted_many(f, X, ts=ts, law="gaussian", radius=float(mu))      # (T, points)
        interior = (L[:, 1:-1] < L[:, :-2]) & (L[:, 1:-1] < L[:, 2:])
        gone = ~interior.any(-1) & np.isfinite(L).all(-1)
        if gone.any():
            out[i] = ts[np.argmax(gone)]
    return out


@dataclass(frozen=True)
class PhaseDiagram:
    """Fractions of starts ending in each basin over a (mu, t) grid, and the curve t*(mu)."""
    mus: np.ndarray          # (M,)
    ts: np.ndarray           # (T,)
    fractions: np.ndarray    # (M, T, k)
    t_star: np.ndarray       # (M,) NaN where the sharp well's tilted minimum survives every t
    n_starts: int


def phase_diagram(f, grad, minima, bounds, *, mus, ts, n_starts: int = 100, budget: int = 2000, seed: int = 0,
                  lr: float = 0.1, n: int = 4, near: int = 0, spread: float = 0.35) -> PhaseDiagram:
    """ZEST from the same n_starts starts at every (mu, t): all M x T x n_starts runs in one batch."""
    mus, ts = np.asarray(mus, float), np.asarray(ts, float)
    n_starts = _check_starts(n_starts, mus.size * ts.size)
    X0 = starts(bounds, minima, n_starts, near=near, spread=spread, rng=np.random.default_rng(seed))
    X = np.broadcast_to(X0, (mus.size, ts.size) + X0.shape)
    end = _batch("zest", f, grad, X, budget=budget, seed=seed, lr=lr, n=n,
                 mu=mus.reshape(-1, 1, 1, 1), t=ts.reshape(1, -1, 1, 1))
    fr = _fractions(classify(f, grad, end, minima), len(minima))
    return PhaseDiagram(mus, ts, fr, t_star(f, np.asarray(minima, float)[near], mus, ts=ts), n_starts)


def sweep_fraction(method: str, f, grad, minima, bounds, *, rhos, n_starts: int = 100, budget: int = 2000,
                   seed: int = 0, lr: float = 0.1, mu: float = 0.3, n: int = 4, near: int = 0,
                   spread: float = 0.35) -> np.ndarray:
    """Fractions per basin (R, k) for SAM (rho = its ball radius) or SABO (rho = its KL radius) at each rho."""
    if method not in ("sam", "sabo"):
        raise ValueError(f"the rho sweep is for 'sam' or 'sabo', not {method!r}")
    rhos = np.asarray(rhos, float)
    n_starts = _check_starts(n_starts, rhos.size)
    X0 = starts(bounds, minima, n_starts, near=near, spread=spread, rng=np.random.default_rng(seed))
    X = np.broadcast_to(X0, (rhos.size,) + X0.shape)
    end = _batch(method, f, grad, X, budget=budget, seed=seed, lr=lr, mu=mu, n=n, rho=rhos.reshape(-1, 1, 1))
    return _fractions(classify(f, grad, end, minima), len(minima))


def exact_tilted_gradient(f, x, *, t: float, mu: float, order: int = 48) -> np.ndarray:
    """grad L_t(x) = E[exp(t f(x + eps)) eps] / (t mu^2 E exp(t f(x + eps))), eps ~ N(0, mu^2 I) (Stein).

    Gauss-Hermite quadrature (``objectives.rule``, ``order`` nodes per axis). Written with
    expm1(t (f - c)) (E eps = 0 on the symmetric rule), so t = 0 gives E[f eps] / mu^2, the
    smoothed gradient, without dividing by t.
    """
    x = np.asarray(x, float)
    E, w = objectives.rule("gaussian", mu, x.size, order)
    V = np.asarray(f(x + E), dtype=float)
    c = V @ w
    if t == 0.0:
        return (w * (V - c)) @ E / mu**2
    s = t * (V - c)
    shift = s.max()
    num = (w * np.exp(s - shift)) @ E
    return num / (t * mu**2 * (w @ np.exp(s - shift)))


@dataclass(frozen=True)
class MeanVsN:
    """Monte Carlo mean of ZEST's estimate at x for each n, its standard error, and the exact target."""
    ns: np.ndarray        # (N,)
    mean: np.ndarray      # (N, d)
    se: np.ndarray        # (N, d)
    exact: np.ndarray     # (d,) grad L_t(x)
    tanh_mean: np.ndarray  # (d,) the n = 1 mean from the closed form tanh(t Delta/2) u / (t mu)


def zest_mean_vs_n(f, x, *, t: float, mu: float, ns=(1, 2, 4, 8, 16, 64), trials: int = 4000,
                   seed: int = 0) -> MeanVsN:
    """E[g] of :func:`zest_estimate` vs the number of pairs n, against the exact tilted gradient."""
    x = np.asarray(x, float)
    means, ses = [], []
    for i, n in enumerate(ns):
        G = zest_estimate(f, np.broadcast_to(x, (int(trials), x.size)), t=t, mu=mu, n=int(n),
                          rng=np.random.default_rng([seed, i]))
        means.append(G.mean(0))
        ses.append(G.std(0, ddof=1) / np.sqrt(trials))
    u = np.random.default_rng([seed, len(ns)]).standard_normal((int(trials), x.size))
    delta = np.asarray(f(x + mu * u) - f(x - mu * u), dtype=float)
    # tanh(t Delta / 2) / t, and its t -> 0 limit Delta / 2
    squashed = np.tanh(t * delta / 2) / t if t != 0 else delta / 2
    tanh = (squashed[:, None] * u / mu).mean(0)
    return MeanVsN(np.asarray(ns), np.array(means), np.array(ses), exact_tilted_gradient(f, x, t=t, mu=mu), tanh)


def shifted(f, ends: dict, delta) -> dict[str, tuple[float, float]]:
    """{name: (f(x), f(x + delta))} for each end point x: the train loss and the loss under a shift
    of the landscape by delta (a train -> test shift; a flat minimum loses less)."""
    delta = np.asarray(delta, float)
    out = {}
    with np.errstate(all="ignore"):
        for name, x in ends.items():
            x = np.asarray(x, float)
            out[name] = (float(f(x)), float(f(x + delta)))
    return out
