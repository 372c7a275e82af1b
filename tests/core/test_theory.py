"""Closed forms and sympy derivations against Monte Carlo (5 standard errors) and exact references."""

import numpy as np
import pytest
import sympy as sp

from zo_core import estimators as E
from zo_core import theory as T
from zo_core.landscapes import X, Y, Landscape

Z = 5.0


def within(samples: np.ndarray, target: float, z: float = Z):
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(samples.mean() - target) <= z * se + 1e-12 * abs(target), f"{samples.mean()} vs {target} (se {se})"


@pytest.mark.parametrize("method", ["gaussian", "sphere"])
@pytest.mark.parametrize("scheme", ["forward", "central", "one-point"])
@pytest.mark.parametrize("rotate", [None, 4])
def test_second_moment_of_quadratic_matches_monte_carlo(method, scheme, rotate):
    mu, q = 0.4, 2
    F = E.quadratic([0.5, 1.0, 2.0, 3.0, 5.0], b=[1.0, -1.0, 0.0, 0.5, 2.0], c=0.7, rotate_seed=rotate)
    x = np.array([0.2, -0.1, 0.3, 0.0, 0.4])
    m = T.moments(F, x, method=method, scheme=scheme, mu=mu, q=q)
    g = E.estimate(F, x, method=method, scheme=scheme, mu=mu, q=q, n_trials=200_000, rng=9).g
    within((g**2).sum(1), m.second_moment)
    within(((g - F.grad(x)) ** 2).sum(1), m.variance)
    np.testing.assert_allclose(m.mean, F.grad(x))


def test_linear_closed_forms_are_the_textbook_ones():
    d = 7
    F = E.linear(np.arange(1.0, d + 1))
    a2 = F.a @ F.a
    assert T.moments(F, np.zeros(d), method="gaussian", scheme="central", mu=0.1).second_moment == \
        pytest.approx((d + 2) * a2)
    assert T.moments(F, np.zeros(d), method="sphere", scheme="forward", mu=0.1).second_moment == \
        pytest.approx(d * a2)
    assert T.moments(F, np.zeros(d), method="gaussian", scheme="central", mu=0.1, q=4).variance == \
        pytest.approx((d + 1) * a2 / 4)


def test_coordinate_moments():
    F = E.quadratic([1.0, 3.0], b=[0.5, 0.5])
    x = np.array([1.0, -1.0])
    fwd = T.moments(F, x, method="coordinate", scheme="forward", mu=0.2)
    np.testing.assert_allclose(fwd.bias, [0.1, 0.3])
    g = E.estimate(F, x, method="coordinate", scheme="forward", mu=0.2, rng=None).g[0]
    np.testing.assert_allclose(fwd.mean, g)
    assert T.moments(F, x, method="coordinate", scheme="central", mu=0.2).bias == pytest.approx([0, 0])


def test_moments_reject_other_functions():
    with pytest.raises(ValueError, match="closed forms"):
        T.moments(E.rosenbrock(3), np.zeros(3), method="gaussian", scheme="central", mu=0.1)


@pytest.mark.parametrize("d", [3, 10, 100])
def test_nesterov_spokoiny_bounds_hold_for_the_exact_moments(d):
    lam = np.linspace(-2.0, 3.0, d)
    F = E.quadratic(lam, b=np.ones(d), rotate_seed=d)
    x = np.full(d, 0.1)
    L1 = np.abs(lam).max()
    for mu in (1e-3, 0.1, 1.0):
        exact = T.moments(F, x, method="gaussian", scheme="forward", mu=mu).second_moment
        bound = T.nesterov_spokoiny(d, mu, L1=L1, grad_norm=np.linalg.norm(F.grad(x)))
        assert exact <= bound["second_moment"]
        # f_mu - f = mu^2 tr(A) / 2 for a quadratic
        assert abs(mu**2 * lam.sum() / 2) <= bound["value_gap"]


def test_expected_abs_cosine_matches_monte_carlo_and_sqrt_law():
    for d in (1, 2, 20, 500):
        F = E.linear(np.ones(d) / np.sqrt(d))
        g = E.estimate(F, np.zeros(d), method="gaussian", scheme="central", mu=0.1, n_trials=20_000, rng=d).g
        cos = (g @ F.a) / np.linalg.norm(g, axis=1)
        within(cos, float(T.expected_abs_cosine(d)))
    assert T.expected_abs_cosine(10_000) == pytest.approx(np.sqrt(2 / (np.pi * 10_000)), rel=1e-3)


# --- sympy ------------------------------------------------------------------------------------

def test_gaussian_moments():
    assert T.gaussian_expectation(T.U1**4 * T.U2**2) == 3
    assert T.gaussian_expectation(T.U1**3 * T.U2) == 0
    # on the circle: E u1^2 = 1/2, E u1^4 = 3/8, E u1^2 u2^2 = 1/8
    assert T.sphere_expectation(T.U1**2) == sp.Rational(1, 2)
    assert T.sphere_expectation(T.U1**4) == sp.Rational(3, 8)
    assert T.sphere_expectation(T.U1**2 * T.U2**2) == sp.Rational(1, 8)


@pytest.mark.parametrize("method", ["gaussian", "sphere"])
@pytest.mark.parametrize("scheme", ["forward", "central", "one-point"])
def test_sympy_expectation_agrees_with_monte_carlo(method, scheme):
    expr = T.polynomial("x^3 + x*y^2 - 2*y + 1")
    L = Landscape("p", "p", expr, ((-1.0, 1.0), (-1.0, 1.0)))
    x, mu = np.array([0.5, -0.3]), 0.7
    exact = T.lambdified_expectation(expr, scheme, method=method)(*x, mu)
    g = E.estimate(L.f, x, method=method, scheme=scheme, mu=mu, n_trials=200_000, rng=3).g
    for i in range(2):
        within(g[:, i], exact[i])


def test_sympy_expectation_is_gradient_of_smoothed_polynomial():
    # gaussian smoothing of x^4: E (x + mu u)^4 = x^4 + 6 mu^2 x^2 + 3 mu^4
    expr = T.polynomial("x^4")
    smoothed = X**4 + 6 * T.MU**2 * X**2 + 3 * T.MU**4
    for scheme in ("forward", "central", "one-point"):
        e = T.expectation(expr, scheme)
        assert sp.simplify(e[0] - sp.diff(smoothed, X)) == 0 and e[1] == 0


def test_forward_is_order_mu_central_order_mu_squared():
    expr = T.polynomial("x^3 + 2*x*y^2 + y^2")
    fwd, cen = T.coordinate_bias(expr, "forward"), T.coordinate_bias(expr, "central")
    assert min(fwd) == 1 and min(cen) == 2
    # forward: mu/2 * (f_xx, f_yy); central: mu^2/6 * (f_xxx, f_yyy)
    assert sp.simplify(fwd[1][0] - sp.diff(expr, X, 2) / 2) == 0
    assert sp.simplify(fwd[1][1] - sp.diff(expr, Y, 2) / 2) == 0
    assert sp.simplify(cen[2][0] - sp.diff(expr, X, 3) / 6) == 0
    assert min(T.remainder(expr, "forward")) == 1 and min(T.remainder(expr, "central")) == 2


def test_central_differences_exact_for_quadratic_polynomial():
    expr = T.polynomial("3*x^2 - x*y + 5*y^2 + x")
    assert T.coordinate_bias(expr, "central") == {}
    assert T.remainder(expr, "central") == {}


def test_one_point_second_moment_has_inverse_mu_squared_term():
    expr = T.polynomial("x^2 + y + 2")
    m2 = T.one_point_second_moment(expr)
    blow = sp.expand(m2 * T.MU**2).subs(T.MU, 0)
    assert sp.simplify(blow - 2 * expr**2) == 0            # d f^2 with d = 2
    mc = E.estimate(Landscape("p", "p", expr, ((-1, 1), (-1, 1))).f, np.array([0.3, 0.2]),
                    method="gaussian", scheme="one-point", mu=0.5, n_trials=200_000, rng=1).g
    within((mc**2).sum(1), float(m2.subs({X: 0.3, Y: 0.2, T.MU: 0.5})))


def test_derive_renders_latex_and_rejects_non_polynomials():
    der = T.derive("x^2*y + y^3")
    assert der.coordinate_order == {"forward": 1, "central": 2}
    assert r"\mu" in der.taylor and der.one_point_blowup
    with pytest.raises(ValueError, match="polynomial"):
        T.derive("sin(x) + y")
    with pytest.raises(ValueError, match="degree"):
        T.derive("x^12")
    with pytest.raises(ValueError):
        T.derive("__import__('os')")


# --- the tilted sharpness expansion ------------------------------------------------------------

A2 = np.array([[1.5, 0.4], [0.4, 0.8]])
B2 = np.array([0.5, -1.0])


def _quad(X):
    X = np.asarray(X, float)
    return 0.5 * np.einsum("...i,ij,...j->...", X, A2, X) + X @ B2


def _sympy_moments(x, mu):
    """E f(x + mu u) and Var f(x + mu u), u ~ N(0, I_2), exactly (sympy's Gaussian moments)."""
    e = [sp.Rational(str(v)) for v in x]
    shifted = sum(sp.Rational(str(A2[i, j])) * (e[i] + T.MU * u) * (e[j] + T.MU * w) / 2
                  for i, u in enumerate((T.U1, T.U2)) for j, w in enumerate((T.U1, T.U2)))
    shifted += sum(sp.Rational(str(B2[i])) * (e[i] + T.MU * u) for i, u in enumerate((T.U1, T.U2)))
    m1 = T.gaussian_expectation(sp.expand(shifted))
    m2 = T.gaussian_expectation(sp.expand(shifted**2))
    return float(m1.subs(T.MU, mu)), float((m2 - m1**2).subs(T.MU, mu))


@pytest.mark.parametrize("x,mu", [((0.0, 0.0), 0.3), ((0.7, -0.2), 0.5), ((-1.0, 1.5), 0.1)])
def test_quadratic_mean_and_variance_match_sympy(x, mu):
    mean, var = _sympy_moments(x, mu)
    assert T.quadratic_smoothed(A2, B2, x, mu=mu) == pytest.approx(mean, rel=1e-12)
    assert T.quadratic_variance(A2, B2, x, mu=mu) == pytest.approx(var, rel=1e-12)
    s = T.sharpness(_quad, np.array(x), t=0.5, law="gaussian", radius=mu)
    assert s.mean == pytest.approx(mean, rel=1e-10) and s.variance == pytest.approx(var, rel=1e-9)


def test_small_t_expansion_error_is_second_order():
    """L_t - (f_mu + t Var / 2) = t^2 kappa_3 / 6 + ...: halving t quarters the gap."""
    x, mu = np.array([0.4, -0.3]), 0.3
    gaps = [abs(T.sharpness(_quad, x, t=t, law="gaussian", radius=mu).exact
                - T.sharpness(_quad, x, t=t, law="gaussian", radius=mu).expansion) for t in (0.2, 0.1)]
    assert gaps[1] == pytest.approx(gaps[0] / 4, rel=0.1)


def test_quadratic_model_is_the_log_det_form_and_says_infinite():
    x, mu = np.array([0.4, -0.3]), 0.3
    grad, hess = (lambda p: A2 @ p + B2), (lambda p: A2)
    for t in (-2.0, 0.7, 2.0):
        s = T.sharpness(_quad, x, t=t, law="gaussian", radius=mu, grad=grad, hess=hess)
        want = T.quadratic_tilted(A2, B2, x, t=t, mu=mu)
        assert s.quadratic == pytest.approx(want, rel=1e-12) and s.exact == pytest.approx(want, rel=1e-9)
    lam = np.linalg.eigvalsh(A2).max()
    t_edge = 1 / (mu**2 * lam)
    assert np.isinf(T.quadratic_tilted(A2, B2, x, t=1.01 * t_edge, mu=mu))
    assert np.isfinite(T.quadratic_tilted(A2, B2, x, t=0.99 * t_edge, mu=mu))
    s = T.sharpness(_quad, x, t=1.01 * t_edge, law="gaussian", radius=mu, grad=grad, hess=hess)
    assert s.quadratic == np.inf and s.exact == np.inf


def test_closed_forms_need_no_sympy_and_the_derivations_bring_it():
    """A notebook's ``theory.moments`` (numpy alone) runs in a fresh interpreter without importing sympy
    (~0.35 s); ``theory.derive`` imports it on first use, and a name the module lacks is an AttributeError."""
    import subprocess
    import sys

    code = """if True:
        import sys
        import numpy as np
        from zo_core import estimators, theory
        F = estimators.Quadratic(np.array([1.0, 3.0]), np.array([0.2, -0.4]))
        m = theory.moments(F, np.array([0.5, -1.0]), mu=0.1, scheme="central", method="gaussian")
        assert np.isfinite(m.variance)
        assert "sympy" not in sys.modules, "sympy imported by the closed forms"
        assert "zo_core.derivations" not in sys.modules
        d = theory.derive(theory.DEFAULT_POLYNOMIAL)
        assert "sympy" in sys.modules and theory.MAX_DEGREE >= 3
        try:
            theory.no_such_name
        except AttributeError as e:
            assert "no_such_name" in str(e)
        else:
            raise AssertionError("an unknown name was found")
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
