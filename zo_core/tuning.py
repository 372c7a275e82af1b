"""Zeroth-order hyperparameter tuning: a real validation loss as a black box of two numbers.

The black box is the validation error of kernel ridge regression (RBF kernel) on a scikit-learn
dataset, as a function of theta = (log10 lambda, log10 gamma):

    f(theta) = mean((K_val (K + lambda I)^{-1} y - y_val)^2) / var(y_val),   K_ij = exp(-gamma ||x_i - x_j||^2)

(1 - R^2 on the validation split; 1 is "predict the mean"). Each evaluation is one *query*. In the
noisy mode every query fits on a fresh random half of the training set (query k draws its half
from ``default_rng([seed, k])``), as a cross-validation fold or a stochastic mini-batch would.

Four tuners spend the same query budget (none exceeds it; a counting wrapper enforces it):
ZO-SGD with a random-direction two-point estimate, grid search, random search and scipy's
Nelder-Mead. The landscape for the picture is computed once on an n x n grid, vectorised over
lambda by one eigendecomposition of K per gamma.

>>> from zo_core import tuning
>>> P = tuning.problem()
>>> tr = tuning.run("zo-sgd", P, budget=40, seed=0)
>>> tr.queries <= 40
True
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from threadpoolctl import threadpool_limits

from zo_core import estimators

METHODS = ("zo-sgd", "grid", "random", "nelder-mead")
DATASETS = ("diabetes", "friedman")
NAMES = ("log₁₀ λ", "log₁₀ γ")


@contextlib.contextmanager
def _one_thread():
    # 300x300 solves: BLAS threads only fight each other on a small shared machine.
    with threadpool_limits(limits=1):
        yield


# --- the black box ----------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Problem:
    """Kernel ridge regression on a fixed train/validation split; arrays are read-only.

    bounds : ((lo, hi), (lo, hi)) for theta = (log10 lambda, log10 gamma).
    """

    dataset: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((-5.0, 2.0), (-4.0, 1.0))
    noise_fraction: float = 0.5   # share of the training set each noisy query fits on

    @property
    def lo(self) -> np.ndarray:
        return np.array([b[0] for b in self.bounds])

    @property
    def hi(self) -> np.ndarray:
        return np.array([b[1] for b in self.bounds])

    @property
    def center(self) -> np.ndarray:
        return (self.lo + self.hi) / 2


def problem(dataset: str = "diabetes", *, seed: int = 0, val_fraction: float = 0.4) -> Problem:
    """The tuning problem: ``diabetes`` (442 patients, 10 features) or ``friedman`` (make_friedman1, n=400).

    Features and targets are standardised with the training split's statistics.
    """
    from sklearn.datasets import load_diabetes, make_friedman1

    if dataset == "diabetes":
        X, y = load_diabetes(return_X_y=True)
    elif dataset == "friedman":
        X, y = make_friedman1(n_samples=400, n_features=8, noise=1.0, random_state=seed)
    else:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {dataset!r}")
    if not 0.05 <= val_fraction <= 0.95:
        raise ValueError(f"val_fraction must be in [0.05, 0.95], got {val_fraction}")
    idx = np.random.default_rng(seed).permutation(len(y))
    n_val = int(round(val_fraction * len(y)))
    tr, va = idx[n_val:], idx[:n_val]
    m, s = X[tr].mean(0), X[tr].std(0)
    ym, ys = y[tr].mean(), y[tr].std()
    arrays = [(X[tr] - m) / s, (y[tr] - ym) / ys, (X[va] - m) / s, (y[va] - ym) / ys]
    for a in arrays:
        a.setflags(write=False)
    return Problem(dataset, *arrays)


def _sqdist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """||a_i - b_j||^2 for A (..., n, d), B (..., m, d) -> (..., n, m)."""
    D = (A * A).sum(-1)[..., :, None] + (B * B).sum(-1)[..., None, :] - 2 * A @ np.swapaxes(B, -1, -2)
    return np.maximum(D, 0.0)


def validation_loss(P: Problem, theta, *, subsample: np.ndarray | None = None) -> np.ndarray | float:
    """f(theta) = ||K_val (K + lambda I)^{-1} y - y_val||^2 / (n_val var(y_val)), theta = (log10 lambda, log10 gamma).

    Vectorised over points: theta (m, 2) -> (m,) (one batched solve), theta (2,) -> float.
    subsample : (m, n_sub) indices of the training points each point fits on (noisy mode), or None for all.
    """
    theta = np.asarray(theta, dtype=float)
    single = theta.ndim == 1
    theta = theta.reshape(-1, 2)
    lam, gamma = 10.0 ** theta[:, 0], 10.0 ** theta[:, 1]                       # (m,)
    if subsample is None:
        Xt, yt = P.X_train[None], P.y_train[None]                                # (1, N, d), (1, N)
    else:
        sub = np.asarray(subsample).reshape(len(theta), -1)
        Xt, yt = P.X_train[sub], P.y_train[sub]                                  # (m, n, d), (m, n)
    n = Xt.shape[1]
    with _one_thread():
        K = np.exp(-gamma[:, None, None] * _sqdist(Xt, Xt))                      # (m, n, n)
        alpha = np.linalg.solve(K + lam[:, None, None] * np.eye(n), np.broadcast_to(yt, (len(theta), n))[..., None])
        pred = (np.exp(-gamma[:, None, None] * _sqdist(P.X_val, Xt)) @ alpha)[..., 0]   # (m, n_val)
    f = np.mean((pred - P.y_val) ** 2, axis=-1) / np.var(P.y_val)
    return float(f[0]) if single else f


class BudgetExhausted(Exception):
    """Raised by the black box when a tuner asks for one query more than its budget."""


class BlackBox:
    """theta -> f(theta), counting queries and refusing any beyond ``budget``; records every query.

    ``bb(theta)`` is one query; ``bb.many(thetas)`` (m, 2) is m queries in one batched solve.
    In the noisy mode query k fits on the subsample drawn by ``default_rng([seed, k])``.
    """

    def __init__(self, P: Problem, *, budget: int, noisy: bool = False, seed: int = 0):
        self.P, self.budget, self.noisy, self.seed = P, int(budget), bool(noisy), int(seed)
        self.xs: list[np.ndarray] = []
        self.fs: list[float] = []

    @property
    def queries(self) -> int:
        return len(self.fs)

    def __call__(self, theta) -> float:
        return float(self.many(np.asarray(theta, dtype=float).reshape(1, 2))[0])

    def many(self, thetas) -> np.ndarray:
        thetas = np.clip(np.asarray(thetas, dtype=float).reshape(-1, 2), self.P.lo, self.P.hi)
        m = len(thetas)
        if self.queries + m > self.budget:
            raise BudgetExhausted(f"{m} more queries would exceed the budget of {self.budget}")
        sub = None
        if self.noisy:
            n = len(self.P.y_train)
            size = max(2, int(self.P.noise_fraction * n))
            sub = np.stack([np.random.default_rng([self.seed, self.queries + k]).choice(n, size=size, replace=False)
                            for k in range(m)])
        f = validation_loss(self.P, thetas, subsample=sub)
        self.xs.extend(thetas)
        self.fs.extend(f.tolist())
        return f


# --- the landscape ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Landscape:
    """f on an n x n grid: Z[i, j] = f(xs[j], ys[i]); xs = log10 lambda, ys = log10 gamma."""

    xs: np.ndarray
    ys: np.ndarray
    Z: np.ndarray

    @property
    def argmin(self) -> np.ndarray:
        i, j = np.unravel_index(np.nanargmin(self.Z), self.Z.shape)
        return np.array([self.xs[j], self.ys[i]])

    @property
    def min(self) -> float:
        return float(np.nanmin(self.Z))


def landscape(P: Problem, *, n: int = 41) -> Landscape:
    """Z[i, j] = f(log10 lambda_j, log10 gamma_i) on an n x n grid over the bounds (noiseless).

    With K = V diag(s) V^T per gamma, all lambdas at once: pred(lambda) = K_val V diag(1/(s + lambda)) V^T y.
    """
    if not 3 <= n <= 201:
        raise ValueError(f"the landscape grid needs 3 to 201 points per axis, got {n}")
    xs = np.linspace(*P.bounds[0], n)
    ys = np.linspace(*P.bounds[1], n)
    lam, gamma = 10.0 ** xs, 10.0 ** ys
    D, Dv = _sqdist(P.X_train, P.X_train), _sqdist(P.X_val, P.X_train)
    with _one_thread():
        K = np.exp(-gamma[:, None, None] * D)                        # (n_gamma, N, N)
        s, V = np.linalg.eigh(K)                                      # (n_gamma, N), (n_gamma, N, N)
        c = np.einsum("gji,j->gi", V, P.y_train)                      # V^T y, (n_gamma, N)
        A = np.exp(-gamma[:, None, None] * Dv) @ V                    # K_val V, (n_gamma, N_val, N)
        coef = c[:, :, None] / (s[:, :, None] + lam[None, None, :])   # (n_gamma, N, n_lambda)
        pred = A @ coef                                               # (n_gamma, N_val, n_lambda)
    Z = ((pred - P.y_val[None, :, None]) ** 2).mean(1) / np.var(P.y_val)
    for a in (xs, ys, Z):
        a.setflags(write=False)   # shared through caches: read-only
    return Landscape(xs, ys, Z)


# --- the tuners ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trace:
    """One tuner's run. xs (n, 2) every queried theta in order, fs (n,) what the tuner saw,
    true_fs (n,) the noiseless loss there (equal to fs when noiseless; not counted as queries),
    path (m, 2) the tuner's own iterates (ZO-SGD steps, Nelder-Mead best vertices, best-so-far
    for grid/random search), queries = n."""

    method: str
    budget: int
    xs: np.ndarray
    fs: np.ndarray
    true_fs: np.ndarray
    path: np.ndarray
    queries: int
    hyper: dict = field(default_factory=dict)

    @property
    def best_index(self) -> int:
        return int(np.argmin(self.fs))

    @property
    def best_x(self) -> np.ndarray:
        return self.xs[self.best_index]

    @property
    def best_f(self) -> float:
        """The noiseless loss at the point the tuner would report (its best observed value)."""
        return float(self.true_fs[self.best_index])

    def best_curve(self) -> np.ndarray:
        """(n,) noiseless loss of the best-observed point after 1, 2, ..., n queries."""
        best = np.minimum.accumulate(self.fs)
        pick = np.array([int(np.flatnonzero(self.fs[:k + 1] == best[k])[0]) for k in range(len(self.fs))])
        return self.true_fs[pick] if len(pick) else np.zeros(0)


def check(*, budget: int, lr: float = 0.5, mu: float = 0.3, q: int = 2) -> None:
    """Raise ValueError with a precise message when a tuning setting is out of range."""
    if not (isinstance(budget, (int, np.integer)) and 4 <= budget <= 2000):
        raise ValueError(f"the query budget must be an integer in [4, 2000], got {budget!r}")
    if not (math.isfinite(mu) and 0 < mu <= 10):
        raise ValueError(f"mu must be in (0, 10], got {mu!r}")
    if not (math.isfinite(lr) and 0 < lr <= 1e4):
        raise ValueError(f"lr must be in (0, 1e4], got {lr!r}")
    if not 1 <= q <= 50:
        raise ValueError(f"q must be in [1, 50], got {q!r}")
    if q + 1 > budget:
        raise ValueError(f"one ZO-SGD step costs q + 1 = {q + 1} queries, more than the budget {budget}")


def zo_sgd(bb: BlackBox, x0, *, lr: float = 0.5, mu: float = 0.3, q: int = 2, scale: str = "log",
           normalize: bool = True, decay: bool = True, rng: np.random.Generator) -> np.ndarray:
    """x <- x - lr_k * g, g = (1/q) sum_i (f(x + mu u_i) - f(x)) / mu * u_i  (q + 1 queries a step).

    scale : "log" steps in theta = (log10 lambda, log10 gamma); "raw" steps in (lambda, gamma) itself,
        the naive choice: then mu and lr are in raw units and the box is [10^lo, 10^hi].
    normalize : step along g / ||g|| (lr is then a length in the chosen scale), else along g.
    decay : lr_k = lr / sqrt(k + 1).
    Returns the iterates (m, 2) in log10 coordinates. Stops when the next step cannot be paid.
    """
    raw = scale == "raw"
    if scale not in ("log", "raw"):
        raise ValueError(f"scale must be 'log' or 'raw', got {scale!r}")
    lo, hi = (10.0 ** bb.P.lo, 10.0 ** bb.P.hi) if raw else (bb.P.lo, bb.P.hi)
    to_theta = (lambda z: np.log10(np.clip(z, lo, hi))) if raw else (lambda z: z)
    z = np.clip(10.0 ** np.asarray(x0, float) if raw else np.asarray(x0, float), lo, hi)
    path = [to_theta(z)]
    k = 0
    while bb.queries + q + 1 <= bb.budget:
        # the forward two-point estimate of the lecture, q + 1 queries, through the one estimator
        g = estimators.estimate(lambda P: bb.many(to_theta(P.reshape(-1, 2))).reshape(P.shape[:-1]), z,
                                method="gaussian", scheme="forward", mu=mu, q=q, rng=rng, nonfinite="nan").g[0]
        if normalize:
            g = g / max(np.linalg.norm(g), 1e-300)
        step = lr / math.sqrt(k + 1) if decay else lr
        z = np.clip(z - step * g, lo, hi)
        path.append(to_theta(z))
        k += 1
    return np.array(path)


def grid_search(bb: BlackBox) -> np.ndarray:
    """k x k grid over the bounds with k = floor(sqrt(budget)); returns the best-so-far path."""
    k = max(1, int(math.isqrt(bb.budget)))
    a, b = np.meshgrid(np.linspace(*bb.P.bounds[0], k), np.linspace(*bb.P.bounds[1], k))
    bb.many(np.stack([a.ravel(), b.ravel()], 1))
    return _best_so_far(bb)


def random_search(bb: BlackBox, *, rng: np.random.Generator) -> np.ndarray:
    """budget points uniform in the box; returns the best-so-far path."""
    bb.many(rng.uniform(bb.P.lo, bb.P.hi, size=(bb.budget, 2)))
    return _best_so_far(bb)


def nelder_mead(bb: BlackBox, x0, *, size: float = 0.25) -> np.ndarray:
    """scipy.optimize.minimize(method="Nelder-Mead") inside the box, initial simplex of ``size`` x box width.

    SciPy's ``maxfev`` can be overshot inside one iteration (a shrink costs d queries), so the black
    box itself stops the run at the budget. Returns the best vertex after each iteration.
    """
    x0 = np.asarray(x0, float)
    simplex = np.vstack([x0, x0 + np.diag(size * (bb.P.hi - bb.P.lo))])
    path = [x0]
    with contextlib.suppress(BudgetExhausted):
        optimize.minimize(bb, x0, method="Nelder-Mead", bounds=list(bb.P.bounds),
                          callback=lambda xk: path.append(np.array(xk, float)),
                          options=dict(maxfev=bb.budget, initial_simplex=simplex, xatol=1e-4, fatol=1e-6))
    return np.array(path)


def _best_so_far(bb: BlackBox) -> np.ndarray:
    fs = np.array(bb.fs)
    changes = np.flatnonzero(fs == np.minimum.accumulate(fs))
    return np.array(bb.xs)[changes]


PRESETS = {
    # ZO-SGD as one would first write it: raw (lambda, gamma), a tiny mu, a plain fixed step along g.
    "naive": dict(scale="raw", mu=1e-3, lr=0.5, q=1, normalize=False, decay=False),
    # The fixes: log scale, mu large against the noise, q = 2 directions, a normalised decaying step.
    "fixed": dict(scale="log", mu=0.3, lr=1.0, q=2, normalize=True, decay=True),
}


def run(method: str, P: Problem, *, budget: int = 60, seed: int = 0, noisy: bool = False, x0=None,
        **hyper) -> Trace:
    """Run one tuner on the black box with ``budget`` queries; ZO-SGD takes lr, mu, q, scale, normalize, decay.

    x0 (ZO-SGD and Nelder-Mead start) defaults to the centre of the box. Queries k of the noisy mode
    use subsample ``default_rng([seed, k])``; random directions / points use ``default_rng(seed)``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    zo = dict(PRESETS["fixed"]) | hyper
    check(budget=budget, **{k: zo[k] for k in ("lr", "mu", "q")})
    bb = BlackBox(P, budget=budget, noisy=noisy, seed=seed)
    rng = np.random.default_rng(seed)
    x0 = P.center if x0 is None else np.clip(np.asarray(x0, float), P.lo, P.hi)
    if method == "zo-sgd":
        path = zo_sgd(bb, x0, rng=rng, **zo)
    elif method == "grid":
        path = grid_search(bb)
    elif method == "random":
        path = random_search(bb, rng=rng)
    else:
        path = nelder_mead(bb, x0)
    xs, fs = np.array(bb.xs).reshape(-1, 2), np.array(bb.fs)
    true_fs = validation_loss(P, xs) if noisy else fs
    return Trace(method, int(budget), xs, fs, true_fs, np.asarray(path).reshape(-1, 2), bb.queries,
                 zo if method == "zo-sgd" else {})


def compare(P: Problem, *, budget: int = 60, seed: int = 0, noisy: bool = False, zo: str = "fixed",
            **hyper) -> dict[str, Trace]:
    """All four tuners at the same budget; ZO-SGD with the ``zo`` preset ("naive" / "fixed") updated by hyper."""
    if zo not in PRESETS:
        raise ValueError(f"zo preset must be one of {', '.join(PRESETS)}, got {zo!r}")
    zo_hyper = dict(PRESETS[zo]) | hyper
    return {m: run(m, P, budget=budget, seed=seed, noisy=noisy, **(zo_hyper if m == "zo-sgd" else {}))
            for m in METHODS}


ABLATIONS = {
    "all fixes": {},
    "raw scale": dict(scale="raw"),
    "tiny mu": dict(mu=1e-4),
    "fixed plain step": dict(normalize=False, decay=False, lr=20.0),
    "naive (no fix)": dict(PRESETS["naive"]),
}


def ablation(P: Problem, *, budget: int = 60, seed: int = 0, noisy: bool = True) -> dict[str, Trace]:
    """ZO-SGD with all fixes, and with each fix undone in turn (why naive ZO tuning fails).

    "raw scale": steps in (lambda, gamma) instead of their logs (a step of 0.5 in gamma is a decade at
    gamma = 0.05 and nothing at gamma = 5); "tiny mu": mu = 1e-4 makes the difference quotient of a
    noisy loss (noise / mu) swamp the slope; "fixed plain step": x - lr g with a constant lr, whose
    length follows |g| and overshoots in steep walls; "naive": all three.
    """
    return {name: run("zo-sgd", P, budget=budget, seed=seed, noisy=noisy, **(dict(PRESETS["fixed"]) | h))
            for name, h in ABLATIONS.items()}
