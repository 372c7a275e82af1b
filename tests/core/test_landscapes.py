"""Landscapes: f broadcasts; gradients and Hessians agree with finite differences and with sympy."""

import numpy as np
import pytest
import sympy as sp

from zo_core import landscapes
from zo_core.landscapes import X, Y

NAMES = landscapes.names()


def _points(L, n=25, seed=0):
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = L.bounds
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def test_builtins_present():
    assert {"quadratic", "rosenbrock", "himmelblau", "rastrigin", "saddle", "sharp_flat"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_f_broadcasts_over_leading_axes(name):
    L = landscapes.get(name)
    P = _points(L, 12).reshape(3, 4, 2)
    Z = L.f(P)
    assert Z.shape == (3, 4)
    np.testing.assert_allclose(Z[1, 2], L.f(P[1, 2]))
    assert L.grad(P).shape == (3, 4, 2) and L.hess(P).shape == (3, 4, 2, 2)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    L = landscapes.get(name)
    P = _points(L)
    h = 1e-5
    E = np.eye(2)
    fd = np.stack([(L.f(P + h * E[i]) - L.f(P - h * E[i])) / (2 * h) for i in range(2)], axis=-1)
    scale = 1 + np.abs(L.f(P))[:, None]
    # central differences: error ~ h^2 f''' + eps f / h
    np.testing.assert_allclose(L.grad(P) / scale, fd / scale, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_differences_of_gradient(name):
    L = landscapes.get(name)
    P = _points(L)
    h = 1e-5
    E = np.eye(2)
    fd = np.stack([(L.grad(P + h * E[j]) - L.grad(P - h * E[j])) / (2 * h) for j in range(2)], axis=-1)
    scale = 1 + np.abs(L.grad(P)).max(axis=1)[:, None, None]
    np.testing.assert_allclose(L.hess(P) / scale, fd / scale, atol=1e-5)
    np.testing.assert_allclose(L.hess(P), np.swapaxes(L.hess(P), -1, -2), atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_sympy_evaluation(name):
    """Evaluate sympy's derivatives with exact substitution (no lambdify) at a few points."""
    L = landscapes.get(name)
    gx, gy = sp.diff(L.expr, X), sp.diff(L.expr, Y)
    hxy = sp.diff(L.expr, X, Y)
    for px, py in _points(L, 4, seed=1):
        sub = {X: sp.Float(px, 30), Y: sp.Float(py, 30)}
        expected = np.array([float(gx.evalf(subs=sub)), float(gy.evalf(subs=sub))])
        np.testing.assert_allclose(L.grad([px, py]), expected, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(L.hess([px, py])[0, 1], float(hxy.evalf(subs=sub)), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_known_minima_are_stationary_with_positive_curvature(name):
    L = landscapes.get(name)
    for m in L.minima:
        assert np.linalg.norm(L.grad(m)) < 1e-6
        assert np.all(np.linalg.eigvalsh(L.hess(m)) > 0)


@pytest.mark.parametrize("name", ["himmelblau", "sharp_flat"])
def test_refined_minima_are_where_scipy_finds_them(name):
    """scipy's BFGS on f (a sympy-lambdified f and gradient, not the landscape's own) from starts 0.05 off."""
    from scipy.optimize import minimize

    L = landscapes.get(name)
    f = sp.lambdify((landscapes.X, landscapes.Y), L.expr, "numpy")
    g = sp.lambdify((landscapes.X, landscapes.Y), [sp.diff(L.expr, v) for v in (landscapes.X, landscapes.Y)], "numpy")
    for m in L.minima:
        r = minimize(lambda p: f(*p), m + 0.05, jac=lambda p: np.asarray(g(*p), float), method="BFGS",
                     options={"gtol": 1e-12})
        np.testing.assert_allclose(r.x, m, atol=1e-9)


def test_sharp_flat_has_a_sharp_deep_and_a_flat_shallow_minimum():
    L = landscapes.get("sharp_flat")
    sharp, flat = sorted(L.minima, key=lambda m: m[0])
    assert L.f(sharp) < L.f(flat) < L.f(sharp) + 0.5            # deeper, but only slightly
    lam_sharp = np.linalg.eigvalsh(L.hess(sharp)).max()
    lam_flat = np.linalg.eigvalsh(L.hess(flat)).max()
    assert lam_sharp > 20 * lam_flat                            # far narrower


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown landscape 'nope'"):
        landscapes.get("nope")


def test_bad_point_shape():
    with pytest.raises(ValueError, match="last axis of length 2"):
        landscapes.get("quadratic").f(np.zeros((4, 3)))


def test_a_landscape_with_its_own_evaluator_lays_out_grad_and_hess_like_the_sympy_path():
    """f = x^2 y written as a jet by hand (closed forms), next to the same f derived by sympy."""
    def jet(x, y, order):
        full = [x**2 * y, 2 * x * y, x**2, 2 * y, 2 * x, None]   # None: f_yy is identically zero
        return full[: {0: 1, 1: 3, 2: 6}[order]]

    mine = landscapes.Landscape("jet", "x^2 y", X**2 * Y, ((-1, 1), (-1, 1)), evaluator=jet, tex="x^2 y")
    ref = landscapes.Landscape("sym", "x^2 y", X**2 * Y, ((-1, 1), (-1, 1)))
    P = np.random.default_rng(2).uniform(-1, 1, size=(3, 4, 2))
    for name in ("f", "grad", "hess"):
        np.testing.assert_allclose(getattr(mine, name)(P), getattr(ref, name)(P), rtol=1e-14, atol=1e-14)
    assert mine.hess(P).shape == (3, 4, 2, 2) and mine.latex == "f(x, y) = x^2 y"
    inf = landscapes.Landscape("inf", "1/x", 1 / X, ((-1, 1), (-1, 1)), evaluator=lambda x, y, o: [1 / x][:1])
    assert np.isnan(inf.f([0.0, 0.0]))   # division by zero is a gap, not inf and not a warning


def test_builtins_and_typed_formulas_draw_without_importing_sympy():
    """f, ∇f, ∇²f and the LaTeX of every built-in and of a typed formula come from the formula's tree: a
    fresh interpreter draws them all without sympy (≈0.3 s to import), which ``expr`` then imports."""
    import subprocess
    import sys

    code = """if True:
        import sys
        import numpy as np
        from zo_core import expressions, landscapes
        for L in [landscapes.get(n) for n in landscapes.names()] + [expressions.parse("abs(x) + sin(y)^2")]:
            P = np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)), axis=-1)
            assert np.isfinite(L.f(P)).all() and L.grad(P).shape == (5, 5, 2) and L.hess(P).shape == (5, 5, 2, 2)
            assert L.latex.startswith("f(x, y) = ")
        assert "sympy" not in sys.modules, "sympy imported by a landscape"
        landscapes.get("rosenbrock").expr
        assert "sympy" in sys.modules
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_sharp_flat_is_the_two_wells_of_its_constants():
    """The built-in's text, read back as sympy, against the Gaussian wells written from the module's constants."""
    def well(center, width, depth):
        cx, cy, w, a = (sp.nsimplify(v) for v in (*center, width, depth))
        return -a * sp.exp(-((X - cx) ** 2 + (Y - cy) ** 2) / (2 * w**2))

    L = landscapes.get("sharp_flat")
    ref = (well(landscapes.SHARP_CENTER, landscapes.SHARP_WIDTH, landscapes.SHARP_DEPTH)
           + well(landscapes.FLAT_CENTER, landscapes.FLAT_WIDTH, landscapes.FLAT_DEPTH) + (X**2 + Y**2) / 20)
    assert sp.simplify(L.expr - ref) == 0
