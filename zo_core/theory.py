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
makes the one-point estimator's variance blow up as mu -> 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import lgamma, pi, sqrt

import numpy as np
import sympy as sp

from zo_core import estimators
from zo_core.memo import memo
from zo_core.landscapes import X, Y

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


# --- sympy derivations ----------------------------------------------------------------------------

MU = sp.Symbol("mu", positive=True)
U1, U2 = sp.symbols("u_1 u_2", real=True)
MAX_DEGREE = 4      # degree 4 with 10 terms derives in ~2 s; degree 8 took 68 s and 1.4 GB
MAX_TERMS = 10      # monomials after expansion; the one-point moment squares them
_WRITTEN_DEGREE = 2 * MAX_DEGREE   # beyond this the text is refused before sympy expands it


def _degree_as_written(expr: sp.Expr) -> int | None:
    """deg(a + b) = max, deg(a b) = sum, deg(a^k) = k deg(a): an upper bound on the degree without
    expanding anything (None when the expression is not built as a polynomial in x, y)."""
    if not expr.free_symbols:
        return 0
    if expr.is_Symbol:
        return 1
    if expr.is_Add:
        parts = [_degree_as_written(a) for a in expr.args]
        return None if None in parts else max(parts)
    if expr.is_Mul:
        parts = [_degree_as_written(a) for a in expr.args]
        return None if None in parts else sum(parts)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp >= 0:
        base = _degree_as_written(expr.base)
        return None if base is None else base * int(expr.exp)
    return None


def polynomial(text: str) -> sp.Expr:
    """The student's polynomial in x, y from the safe parser.

    ValueError if it is not a polynomial, or above degree ``MAX_DEGREE`` or ``MAX_TERMS`` monomials:
    the exact derivations grow fast with both, and the page derives them on a shared server.
    """
    from zo_core.formula import parse_expr_safe

    parsed = parse_expr_safe(text)
    written = _degree_as_written(parsed)
    if written is not None and written > _WRITTEN_DEGREE:
        raise ValueError(f"degree {written} is above the limit {MAX_DEGREE}")
    expr = sp.expand(parsed) if written is not None else parsed
    if written is None or not expr.is_polynomial(X, Y):
        raise ValueError("exact expectations need a polynomial in x and y (no sin, exp, division by x ...), "
                         f"got {sp.sstr(expr)[:200]}")
    deg = sp.Poly(expr, X, Y).total_degree() if expr.free_symbols else 0
    if deg > MAX_DEGREE:
        raise ValueError(f"degree {deg} is above the limit {MAX_DEGREE}")
    terms = len(sp.Add.make_args(expr))
    if terms > MAX_TERMS:
        raise ValueError(f"{terms} terms are above the limit {MAX_TERMS} (after expanding)")
    return expr


def _double_factorial_moment(k: int) -> int:
    """E z^k for z ~ N(0, 1): (k-1)!! for even k, 0 for odd k."""
    return 0 if k % 2 else int(sp.factorial2(k - 1)) if k else 1


def gaussian_expectation(expr: sp.Expr) -> sp.Expr:
    """E over u ~ N(0, I_2) of a polynomial in u_1, u_2 (other symbols are constants)."""
    expr = sp.expand(expr)
    if not expr.has(U1, U2):
        return expr
    poly = sp.Poly(expr, U1, U2)
    return sp.expand(sum(c * _double_factorial_moment(a) * _double_factorial_moment(b)
                         for (a, b), c in poly.terms()))


def sphere_expectation(expr: sp.Expr) -> sp.Expr:
    """E over u uniform on the unit circle: E_gauss[z^alpha] / E||z||^|alpha| with E||z||^{2k} = 2^k k! (d = 2)."""
    expr = sp.expand(expr)
    if not expr.has(U1, U2):
        return expr
    poly = sp.Poly(expr, U1, U2)
    total = 0
    for (a, b), c in poly.terms():
        m = _double_factorial_moment(a) * _double_factorial_moment(b)
        if m:
            k = (a + b) // 2
            total += c * sp.Rational(m, 2**k * sp.factorial(k))
    return sp.expand(total)


def estimator_expression(expr: sp.Expr, scheme: str, *, method: str = "gaussian") -> list[sp.Expr]:
    """The estimate g(u) for one direction u = (u_1, u_2) as a sympy vector."""
    shifted = lambda s: expr.subs({X: X + s * MU * U1, Y: Y + s * MU * U2}, simultaneous=True)  # noqa: E731
    scale = 2 if method == "sphere" else 1   # phi = d = 2 on the circle
    if scheme == "forward":
        coef = (shifted(1) - expr) / MU
    elif scheme == "central":
        coef = (shifted(1) - shifted(-1)) / (2 * MU)
    elif scheme == "one-point":
        coef = shifted(1) / MU
    else:
        raise ValueError(f"unknown scheme {scheme!r}")
    return [sp.expand(scale * coef * U1), sp.expand(scale * coef * U2)]


def expectation(expr: sp.Expr, scheme: str, *, method: str = "gaussian") -> list[sp.Expr]:
    """Exact E g for a polynomial f: a vector of polynomials in x, y and mu."""
    take = sphere_expectation if method == "sphere" else gaussian_expectation
    return [take(c) for c in estimator_expression(expr, scheme, method=method)]


def _by_order(vec: list[sp.Expr]) -> dict[int, list[sp.Expr]]:
    """Split a vector of polynomials in mu (and 1/mu) by powers of mu: {k: coefficient vector}."""
    out: dict[int, list[sp.Expr]] = {}
    for comp, v in enumerate(vec):
        for term in sp.Add.make_args(sp.expand(v)):
            if term == 0:
                continue
            coeff, k = term.as_coeff_exponent(MU)
            k = int(k)
            out.setdefault(k, [sp.S.Zero] * len(vec))[comp] += coeff
    return dict(sorted(out.items()))


def coordinate_expression(expr: sp.Expr, scheme: str) -> list[sp.Expr]:
    """Coordinate differences for a polynomial: (f(x + mu e_i) - f(x)) / mu or the central version."""
    out = []
    for v in (X, Y):
        plus, minus = expr.subs(v, v + MU), expr.subs(v, v - MU)
        out.append(sp.expand((plus - expr) / MU if scheme == "forward" else (plus - minus) / (2 * MU)))
    return out


def coordinate_bias(expr: sp.Expr, scheme: str) -> dict[int, list[sp.Expr]]:
    """g - grad f of coordinate differences, by powers of mu: forward starts at mu^1 (mu/2 f_ii), central at mu^2."""
    grad = [sp.diff(expr, X), sp.diff(expr, Y)]
    return _by_order([c - g for c, g in zip(coordinate_expression(expr, scheme), grad)])


def remainder(expr: sp.Expr, scheme: str) -> dict[int, list[sp.Expr]]:
    """g(u) - (u . grad f) u for one Gaussian direction, by powers of mu (before taking expectations)."""
    grad = [sp.diff(expr, X), sp.diff(expr, Y)]
    directional = grad[0] * U1 + grad[1] * U2
    g = estimator_expression(expr, scheme)
    return _by_order([g[0] - directional * U1, g[1] - directional * U2])


def bias_by_order(expr: sp.Expr, scheme: str, *, method: str = "gaussian") -> dict[int, list[sp.Expr]]:
    """E g - grad f, split by powers of mu: {k: vector of the mu^k coefficients} (zero orders left out)."""
    grad = [sp.diff(expr, X), sp.diff(expr, Y)]
    return _by_order([e - g for e, g in zip(expectation(expr, scheme, method=method), grad)])


def one_point_second_moment(expr: sp.Expr, *, method: str = "gaussian") -> sp.Expr:
    """Exact E||g||^2 of the one-point estimator: a Laurent polynomial in mu whose mu^-2 term is d f^2 (phi^2 E||u||^2 f^2)."""
    g = estimator_expression(expr, "one-point", method=method)
    take = sphere_expectation if method == "sphere" else gaussian_expectation
    return sp.expand(take(sp.expand(g[0] ** 2 + g[1] ** 2)))


@dataclass(frozen=True)
class Derivation:
    """LaTeX pieces of the derivation for one polynomial (strings ready for st.latex)."""

    f: str
    taylor: str
    remainder: dict[str, list[str]]        # forward/central: terms of g(u) - (u . grad f) u by power of mu
    coordinate: dict[str, list[str]]       # forward/central: terms of the coordinate-difference bias
    coordinate_order: dict[str, int | None]  # lowest power of mu in that bias (None: exact)
    means: dict[str, str]                  # forward/central/one-point: "E g = ..."
    biases: dict[str, list[str]]           # terms of E g - grad f by power of mu
    one_point_second_moment: str
    one_point_blowup: str                  # the coefficient of mu^-2 in E||g||^2


def _vec(v) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(sp.latex(sp.factor_terms(c)) for c in v) + r"\end{pmatrix}"


def _terms(orders: dict[int, list[sp.Expr]]) -> list[str]:
    return [(r"\mu^{%d}" % k if k != 1 else r"\mu") + _vec(v) if k else _vec(v) for k, v in orders.items()]


def _aligned(lhs: str, expr: sp.Expr) -> str:
    """``lhs = expr`` as an aligned block, one line per power of mu (highest negative power first)."""
    parts = _by_order([sp.expand(expr)])
    lines = [sp.latex(sp.factor_terms(c) * MU**k) for k, (c,) in sorted(parts.items())]
    if not lines:
        lines = ["0"]
    body = lines[0] + "".join(r" \\ &\quad " + (ln if ln.startswith("-") else "+ " + ln) for ln in lines[1:])
    return r"\begin{aligned} " + lhs + " &= " + body + r" \end{aligned}"


def taylor(expr: sp.Expr, order: int = 3) -> sp.Expr:
    """f(x + mu u) expanded in powers of mu up to mu^order (exact for polynomials of lower degree)."""
    shifted = sp.expand(expr.subs({X: X + MU * U1, Y: Y + MU * U2}, simultaneous=True))
    poly = sp.Poly(shifted, MU)
    return sum(sp.factor_terms(sp.expand(c)) * MU**k for (k,), c in poly.terms() if k <= order)


DEFAULT_POLYNOMIAL = "x^3 + x*y^2 - 2*y + 1"     # the Theory page's first polynomial


@memo(32)
def derive(text: str, *, method: str = "gaussian") -> Derivation:
    """The whole derivation for the polynomial typed as ``text`` (parsed safely; never sympified).

    Cached per process (a few tenths of a second of sympy each): the result is frozen, do not mutate it."""
    expr = polynomial(text)
    rem = {s: _terms(remainder(expr, s)) for s in ("forward", "central")}
    coord = {s: coordinate_bias(expr, s) for s in ("forward", "central")}
    means, biases = {}, {}
    for scheme in ("forward", "central", "one-point"):
        means[scheme] = r"\mathbb{E}\,g = " + _vec(expectation(expr, scheme, method=method))
        biases[scheme] = _terms(bias_by_order(expr, scheme, method=method))
    m2 = one_point_second_moment(expr, method=method)
    blow = sp.expand(m2 * MU**2).subs(MU, 0)
    return Derivation(
        f=sp.latex(expr), taylor=_aligned(r"f(x + \mu u_1,\, y + \mu u_2)", taylor(expr, 3)),
        remainder=rem, coordinate={s: _terms(v) for s, v in coord.items()},
        coordinate_order={s: (min(v) if v else None) for s, v in coord.items()},
        means=means, biases=biases,
        one_point_second_moment=_aligned(r"\mathbb{E}\,\|g\|^2", m2),
        one_point_blowup=sp.latex(sp.factor(blow)),
    )


def lambdified_expectation(expr: sp.Expr, scheme: str, *, method: str = "gaussian"):
    """E g as a numpy function of (x, y, mu) -> array (2,)."""
    fn = sp.lambdify((X, Y, MU), expectation(expr, scheme, method=method), "numpy")
    return lambda x, y, mu: np.asarray(fn(x, y, mu), dtype=float)




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
