"""Closed forms for the gradient estimators of :mod:`zo_core.estimators`, and sympy derivations.

Numbers (numpy). On a quadratic ``f(x) = x'Ax/2 + b'x + c`` (linear when A = 0) at x, write
``g0 = Ax + b``, ``G = ||g0||^2``, ``S = (tr A)^2 + 2 tr(A^2)``. For one random direction:

=========  ==========================================  ==========================================
scheme     gaussian ``E||g||^2``                        sphere ``E||g||^2``
=========  ==========================================  ==========================================
central    ``(d+2) G``                                  ``d G``
forward    ``(d+2) G + mu^2 (d+4) S / 4``                ``d G + mu^2 d S / (4 (d+2))``
one-point  ``d f^2/mu^2 + (d+2)(G + f trA) + mu^2 (d+4) S/4``   ``d^2 f^2/mu^2 + d (G + f trA) + mu^2 d S/(4(d+2))``
=========  ==========================================  ==========================================

Every random-direction estimator has mean ``g0`` (``= grad f_mu``: smoothing a quadratic adds a
constant), so its variance ``E||g - Eg||^2`` is ``E||g||^2 - G``, divided by q when q directions are
averaged. Coordinate differences are deterministic: central is exact, forward is biased by
``mu/2 diag(A)``. The moments come from ``E[(u'Au)(u'Bu)(u'Cu)]`` of a standard Gaussian and from
``E_sphere[p(u)] = E[p(z)] / E||z||^k`` for a homogeneous p of degree k.

Symbols (sympy). :func:`derive` expands ``f(x + mu u)`` for a polynomial the student typed and takes
exact expectations over ``u ~ N(0, I_2)`` with the moments ``E u^k = (k-1)!!`` (k even), showing the
O(mu) bias of forward differences, the O(mu^2) bias of central ones, and the ``2 f^2 / mu^2`` term that
makes the one-point estimator's variance blow up as mu -> 0. Those names (``derive``, ``polynomial``,
``expectation``, ``MU``, ...) live in :mod:`zo_core.derivations`; asking this module for one imports it,
and sympy with it, on first use: the numbers above need numpy alone, and a page that draws them (or a
notebook that computes them) does not wait ~0.35 s for sympy.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import lgamma, pi, sqrt

import numpy as np

from zo_core import estimators

DEFAULT_POLYNOMIAL = "x^3 + x*y^2 - 2*y + 1"     # the Theory page's first polynomial


def __getattr__(name: str):
    """The sympy derivations' names (:mod:`zo_core.derivations`), imported when first asked for."""
    if name.startswith("__"):
        raise AttributeError(name)
    from zo_core import derivations

    try:
        return getattr(derivations, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None

# --- closed-form moments on quadratics ---------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Exact moments of one estimator at one point."""

    mean: np.ndarray        # E g, shape (d,)
    bias: np.ndarray        # E g - grad f(x), shape (d,)
    second_moment: float    # E ||g||^2
    variance: float         # E ||g - E g||^2 (trace of the covariance)


def _stats(F, x):
    """g0, f(x), tr A, tr A^2, diag A for a Quadratic or Linear from zo_core.estimators."""
    x = np.asarray(x, dtype=float)
    g0 = np.asarray(F.grad(x), dtype=float)
    fx = float(F.f(x))
    if isinstance(F, estimators.Linear):
        return g0, fx, 0.0, 0.0, np.zeros_like(x)
    if isinstance(F, estimators.Quadratic):
        if F.Q is None:
            lam = F.lam
            return g0, fx, float(lam.sum()), float((lam**2).sum()), lam.copy()
        A = F.A
        return g0, fx, float(np.trace(A)), float((A * A).sum()), np.diag(A).copy()
    raise ValueError(f"closed forms exist for estimators.Linear and estimators.Quadratic, not {type(F).__name__}")


def second_moment_one(method: str, scheme: str, d: int, mu: float, G: float, fx: float, trA: float,
                      trA2: float) -> float:
    """E||g||^2 of one random direction on a quadratic (see the module's table)."""
    S = trA**2 + 2.0 * trA2
    if method == "gaussian":
        curv = mu**2 * (d + 4) * S / 4.0
        table = {"central": (d + 2) * G,
                 "forward": (d + 2) * G + curv,
                 "one-point": d * fx**2 / mu**2 + (d + 2) * (G + fx * trA) + curv}
    elif method == "sphere":
        curv = mu**2 * d * S / (4.0 * (d + 2))
        table = {"central": d * G,
                 "forward": d * G + curv,
                 "one-point": d**2 * fx**2 / mu**2 + d * (G + fx * trA) + curv}
    else:
        raise ValueError(f"random directions are 'gaussian' or 'sphere', not {method!r}")
    return float(table[scheme])


def moments(F, x, *, method: str, scheme: str, mu: float, q: int = 1) -> Moments:
    """E g, bias, E||g||^2 and E||g - Eg||^2 of ``estimators.estimate(F, x, ...)`` for a linear or quadratic F."""
    estimators._check(method, scheme, mu, q, 1)
    g0, fx, trA, trA2, diagA = _stats(F, x)
    G = float(g0 @ g0)
    if method == "coordinate":
        mean = g0 + (mu / 2.0) * diagA if scheme == "forward" else g0
        return Moments(mean, mean - g0, float(mean @ mean), 0.0)
    var = (second_moment_one(method, scheme, g0.size, mu, G, fx, trA, trA2) - G) / q
    return Moments(g0, np.zeros_like(g0), G + var, var)


def expected_abs_cosine(d) -> np.ndarray:
    """E|cos(u, a)| = Gamma(d/2) / (sqrt(pi) Gamma((d+1)/2)) ~ sqrt(2 / (pi d)): the cosine between a
    one-direction estimate (central, on a linear f) and the gradient."""
    d = np.asarray(d, dtype=float)
    lg = np.vectorize(lgamma)
    return np.exp(lg(d / 2.0) - lg((d + 1.0) / 2.0)) / sqrt(pi)


def nesterov_spokoiny(d: int, mu: float, *, L1: float | None = None, L0: float | None = None,
                      grad_norm: float | None = None) -> dict[str, float]:
    """Nesterov–Spokoiny (2017) bounds for Gaussian smoothing and the forward estimator g = (f(x+mu u) - f(x))/mu u.

    With an L1-Lipschitz gradient:
      ``|f_mu(x) - f(x)| <= mu^2 L1 d / 2``, ``||grad f_mu(x) - grad f(x)|| <= mu L1 (d+3)^{3/2} / 2``,
      ``E||g||^2 <= 2 (d+4) ||grad f(x)||^2 + mu^2 L1^2 (d+6)^3 / 2``.
    With f itself L0-Lipschitz: ``|f_mu(x) - f(x)| <= mu L0 sqrt(d)``, ``E||g||^2 <= L0^2 (d+4)^2``.
    """
    out: dict[str, float] = {}
    if L1 is not None:
        out["value_gap"] = mu**2 * L1 * d / 2.0
        out["gradient_gap"] = mu * L1 * (d + 3) ** 1.5 / 2.0
        if grad_norm is not None:
            out["second_moment"] = 2.0 * (d + 4) * grad_norm**2 + mu**2 * L1**2 * (d + 6) ** 3 / 2.0
    if L0 is not None:
        out["value_gap_lipschitz"] = mu * L0 * sqrt(d)
        out["second_moment_lipschitz"] = L0**2 * (d + 4) ** 2
    return out


# --- the tilted objective's sharpness expansion ---------------------------------------------------
#
# K(t) = log E exp(t f(x + eps)) is the cumulant generating function of the loss nearby, so
# L_t = K(t) / t = f_mu + (t/2) Var f(x + eps) + (t^2/6) kappa_3 + ...: to first order in t, tilting adds
# t/2 times the variance of the loss around x — large in sharp wells, small in flat ones. For a
# quadratic under the gaussian law everything is closed form (DESIGN.md).


def quadratic_smoothed(A, b, x, *, mu: float) -> float:
    """f_mu(x) = f(x) + mu^2 tr(A) / 2 for f = x'Ax/2 + b'x, eps ~ N(0, mu^2 I)."""
    A, b, x = (np.asarray(v, dtype=float) for v in (A, b, x))
    return float(x @ A @ x / 2 + b @ x + mu**2 * np.trace(A) / 2)


def quadratic_variance(A, b, x, *, mu: float) -> float:
    """Var f(x + eps) = mu^2 g'g + mu^4 tr(A^2) / 2 with g = Ax + b, for f = x'Ax/2 + b'x, eps ~ N(0, mu^2 I).

    f(x + eps) - f(x) = g'eps + eps'A eps / 2: the two parts are uncorrelated (odd and even in eps), with
    variances mu^2 |g|^2 and mu^4 Var(z'Az)/4 = mu^4 tr(A^2)/2.
    """
    A, b, x = (np.asarray(v, dtype=float) for v in (A, b, x))
    g = A @ x + b
    return float(mu**2 * g @ g + mu**4 * np.sum(A * A.T) / 2)


def quadratic_tilted(A, b, x, *, t: float, mu: float) -> float:
    """L_t = f - log det(I - t mu^2 A) / (2t) + (t mu^2 / 2) g'(I - t mu^2 A)^-1 g, g = Ax + b (DESIGN.md).

    +inf (t > 0) or -inf (t < 0) once I - t mu^2 A is not positive definite (t mu^2 lambda_max >= 1 for
    t > 0): the gaussian tilted integral diverges. t = 0: the smoothed value.
    """
    A, b, x = (np.asarray(v, dtype=float) for v in (A, b, x))
    if t == 0:
        return quadratic_smoothed(A, b, x, mu=mu)
    M = np.eye(len(x)) - t * mu**2 * A
    lam = np.linalg.eigvalsh((M + M.T) / 2)
    if lam.min() <= 0:
        return float(np.inf if t > 0 else -np.inf)
    g = A @ x + b
    return float(x @ A @ x / 2 + b @ x - np.sum(np.log(lam)) / (2 * t) + t * mu**2 / 2 * g @ np.linalg.solve(M, g))


@dataclass(frozen=True)
class Sharpness:
    """The tilted objective at one point x, beside its small-t expansion (values are floats).

    exact: L_t(x) by quadrature (+-inf when it diverges); mean: f_mu(x) = E f(x + eps); variance:
    Var f(x + eps); expansion: mean + (t/2) variance, the first-order sharpness expansion;
    quadratic: for the gaussian law, the log-det closed form of the second-order Taylor model of f at x
    (None for the ball); f: f(x).
    """
    f: float
    mean: float
    variance: float
    expansion: float
    exact: float
    quadratic: float | None


def sharpness(f, x, *, t: float, law: str, radius: float, grad=None, hess=None, order: int | None = None) -> Sharpness:
    """L_t(x) ≈ f_mu(x) + (t/2) Var f(x + eps): the live numbers at one point x (d = 1 or 2, or the ball in any d).

    grad, hess: callables for the gradient and Hessian of f; with the gaussian law they give the
    log-det form of the quadratic model f(x) + g'eps + eps'H eps / 2 at x.
    """
    from zo_core import objectives

    x = np.asarray(x, dtype=float)
    t = float(t)
    fx = float(np.asarray(f(x), dtype=float))
    if radius == 0:
        return Sharpness(fx, fx, 0.0, fx, fx, fx if law == "gaussian" else None)
    V, w = objectives.node_values(f, x, law=law, radius=radius, order=order)
    mean = float(V @ w)
    variance = float(((V - mean) ** 2) @ w)
    exact = float(objectives.tilted(f, x, t=t, law=law, radius=radius, order=order))
    quad = None
    if law == "gaussian" and grad is not None and hess is not None:
        H = np.asarray(hess(x), dtype=float)
        g = np.asarray(grad(x), dtype=float)
        # the model around x: H e'e/2 + g'e + f(x), i.e. A = H, b = g - H x, constant f(x) - g'x + x'Hx/2
        quad = quadratic_tilted(H, g, np.zeros_like(x), t=t, mu=radius) + fx
    return Sharpness(fx, mean, variance, mean + t / 2 * variance, exact, quad)
