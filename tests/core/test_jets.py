"""Forward-mode jets: f, its gradient and Hessian of parsed formulas against sympy and closed forms."""

import numpy as np
import pytest
import sympy as sp

from zo_core import expressions, formula, jets
from zo_core.expressions import parse
from zo_core.formula import parse_tree
from zo_core.landscapes import X, Y

# Derivatives by forward-mode jets, checked against sympy's symbolic derivatives evaluated at 30 digits.
SMOOTH = [
    "x**2 * y + sin(y)", "exp(-x^2 - y^2) * cos(3*x)", "x^y", "2^x * 3^(x*y)", "tan(x/4) + atan(x*y)",
    "asin(x/4) * acos(y/4)", "sinh(x) / cosh(y) + tanh(x*y)", "log(x^2 + 1) / sqrt(y^2 + 2)",
    "(x - y)^3 / (1 + x^2)", "x^(1/3) + y^0.5", "pi*x^e - e*y^pi", "1 / (x*y)", "(x^2 + y^2)^(-1.5)",
    "(x^0 - 1 + y)^2 * x^1", "exp(x)^y / (2 + sin(x*y))^3",
]


@pytest.mark.parametrize("text", SMOOTH)
def test_gradient_and_hessian_equal_sympy_derivatives(text):
    L = parse(text)
    expr = formula.parse_expr_safe(text)
    grad = [sp.diff(expr, v) for v in (X, Y)]
    hess = [[sp.diff(g, v) for v in (X, Y)] for g in grad]
    for px, py in [(0.7, 1.3), (1.9, 0.4), (0.3, 2.2)]:
        sub = {X: sp.Float(px, 30), Y: sp.Float(py, 30)}
        want_g = np.array([float(g.evalf(subs=sub)) for g in grad])
        want_h = np.array([[float(h.evalf(subs=sub)) for h in row] for row in hess])
        np.testing.assert_allclose(L.grad([px, py]), want_g, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(L.hess([px, py]), want_h, rtol=1e-10, atol=1e-11)


def test_kinks_and_gaps_in_derivatives():
    L = parse("sqrt(x) + y")
    assert float(L.grad([0.0, 1.0])[1]) == 1.0            # d/dy of sqrt(x) is 0 even where sqrt'(x) is infinite
    assert np.isnan(L.grad([-1.0, 1.0])).any()             # outside the domain: a gap, not complex
    A = parse("abs(log(x)) + y")                             # d|u| = sign(u) du, also where sympy needs re/im
    np.testing.assert_allclose(A.grad([2.0, 0.0]), [0.5, 1.0])
    np.testing.assert_allclose(A.grad([0.5, 0.0]), [-2.0, 1.0])


def test_identically_zero_derivatives_are_none_not_zero_arrays():
    x, y = np.array([0.0, 4.0]), np.array([1.0, 2.0])
    with np.errstate(divide="ignore"):   # sqrt'(0) is infinite; callers evaluate under errstate
        jet = jets.compile_tree(parse_tree("sqrt(x) + 3"))(x, y, 2)
    assert jet[2] is None and jet[4] is None and jet[5] is None     # nothing depends on y
    np.testing.assert_allclose(jet[0], [3.0, 5.0])
    assert jets.compile_tree(parse_tree("x*y"))(x, y, 2)[3] is None  # (xy)_xx = 0 exactly


@pytest.mark.parametrize("order,length", [(0, 1), (1, 3), (2, 6)])
def test_jet_length_follows_the_order(order, length):
    out = jets.compile_tree(parse_tree("exp(x) * y^2"))(np.array(0.0), np.array(3.0), order)
    assert len(out) == length
    closed = [9.0, 9.0, 6.0, 9.0, 6.0, 2.0]     # e^x y^2 at (0, 3) and its derivatives
    np.testing.assert_allclose([0.0 if v is None else float(v) for v in out], closed[:length])
