"""Sympy derivations for the Theory page: exact expectations of the gradient estimators on a polynomial.

:func:`derive` expands ``f(x + mu u)`` for a polynomial the student typed and takes exact expectations
over ``u ~ N(0, I_2)`` with the moments ``E u^k = (k-1)!!`` (k even), or over the unit circle, showing
the O(mu) bias of forward differences, the O(mu^2) bias of central ones, and the ``2 f^2 / mu^2`` term
that makes the one-point estimator's variance blow up as mu -> 0. The text is parsed safely
(:func:`zo_core.formula.parse_expr_safe`), never sympified.

Reached as :mod:`zo_core.theory`'s names (``theory.derive``, ``theory.polynomial``, ...), which import this
module, and sympy with it (~0.35 s), only when one is first asked for: the closed forms of
:mod:`zo_core.theory` are numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from zo_core.landscapes import X, Y
from zo_core.memo import memo

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
