"""Gradient estimators against closed forms; tolerances are 5 standard errors of the sample mean."""

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der

from zo_core import estimators as E
from zo_core import landscapes

Z = 5.0  # standard errors allowed in every statistical comparison


def close_in_mean(samples: np.ndarray, target, z: float = Z):
    """Assert the mean of samples (n, ...) matches target within z standard errors (plus round-off)."""
    n = samples.shape[0]
    se = samples.std(axis=0, ddof=1) / np.sqrt(n)
    err = np.abs(samples.mean(axis=0) - target)
    assert np.all(err <= z * se + 1e-9), f"mean {samples.mean(axis=0)} vs {target} (se {se})"


# --- shapes, query counts, vectorisation ---------------------------------------------------

@pytest.mark.parametrize("method,scheme,expected", [
    ("coordinate", "forward", 6), ("coordinate", "central", 10),
    ("gaussian", "forward", 4), ("gaussian", "central", 6), ("gaussian", "one-point", 3),
    ("sphere", "forward", 4), ("sphere", "central", 6), ("sphere", "one-point", 3),
])
def test_shape_and_queries(method, scheme, expected):
    F = E.quadratic(np.arange(1.0, 6.0))
    est = E.estimate(F, np.ones(5), method=method, scheme=scheme, mu=1e-3, q=3, n_trials=7, rng=0)
    assert est.g.shape == (7, 5)
    assert est.queries == expected == E.queries(method, scheme, 5, 3)


@pytest.mark.parametrize("scheme", ["forward", "central", "one-point"])
def test_f_is_called_on_batches_not_per_trial(scheme):
    calls = []
    F = E.linear(np.ones(4))

    def f(P):
        calls.append(np.shape(P))
        return F(P)

    est = E.estimate(f, np.zeros(4), method="gaussian", scheme=scheme, mu=0.1, q=5, n_trials=300, rng=1)
    assert len(calls) <= 2                         # one batch, plus f(x) for forward
    evaluated = sum(int(np.prod(s[:-1])) for s in calls)
    assert evaluated == est.queries * 300 - (299 if scheme == "forward" else 0)


def test_same_seed_same_estimates_and_generator_accepted():
    F = E.linear(np.ones(3))
    a = E.estimate(F, np.zeros(3), method="sphere", scheme="central", mu=0.1, n_trials=5, rng=3).g
    b = E.estimate(F, np.zeros(3), method="sphere", scheme="central", mu=0.1, n_trials=5,
                   rng=np.random.default_rng(3)).g
    np.testing.assert_array_equal(a, b)


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,match", [
    (dict(mu=0.0), "mu must be a positive"),
    (dict(mu=-1e-3), "mu must be a positive"),
    (dict(mu=float("nan")), "mu must be a positive"),
    (dict(q=0), "q must be an integer >= 1"),
    (dict(method="newton"), "unknown method"),
    (dict(scheme="backward"), "unknown scheme"),
    (dict(method="coordinate", scheme="one-point"), "one-point scheme needs random"),
    (dict(n_trials=0), "n_trials"),
])
def test_bad_arguments_raise(kwargs, match):
    args = dict(method="gaussian", scheme="central", mu=1e-3, q=1, n_trials=2, rng=0) | kwargs
    with pytest.raises(ValueError, match=match):
        E.estimate(E.linear(np.ones(2)), np.zeros(2), **args)


def test_non_finite_values_raise():
    with pytest.raises(ValueError, match="not finite"):
        E.estimate(lambda P: np.log(P[..., 0]), np.array([-1.0, 0.0]), method="gaussian",
                   scheme="forward", mu=0.1, rng=0)
    with pytest.raises(ValueError, match="not finite"):
        E.estimate(lambda P: 1.0 / P[..., 0], np.zeros(2), method="coordinate", scheme="forward", mu=0.1,
                   rng=None)


def test_dimension_out_of_range():
    with pytest.raises(ValueError, match="out of range"):
        E.problem("linear", 0)
    with pytest.raises(ValueError, match="shape"):
        E.estimate(E.linear(np.ones(2)), np.float64(0.0), method="gaussian", scheme="central", mu=0.1, rng=0)


# --- closed forms -----------------------------------------------------------------------------

def test_coordinate_forward_bias_is_half_mu_diag_A():
    F = E.quadratic([1.0, 4.0, 9.0], b=[1.0, -2.0, 0.5], rotate_seed=7)
    x = np.array([0.3, -0.2, 1.0])
    mu = 0.01
    g = E.estimate(F, x, method="coordinate", scheme="forward", mu=mu, rng=None).g[0]
    np.testing.assert_allclose(g - F.grad(x), mu / 2 * np.diag(F.A), rtol=1e-6, atol=1e-10)


def test_coordinate_central_is_exact_on_quadratics():
    F = E.quadratic([1.0, 4.0, 9.0, 0.5], b=[1.0, -2.0, 0.5, 3.0], rotate_seed=1)
    x = np.array([0.3, -0.2, 1.0, 2.0])
    for mu in (1e-3, 0.1, 1.0, 10.0):
        g = E.estimate(F, x, method="coordinate", scheme="central", mu=mu, rng=None).g[0]
        np.testing.assert_allclose(g, F.grad(x), rtol=1e-9, atol=1e-9 / mu)


def test_random_central_is_exact_directional_derivative_on_quadratics():
    F = E.quadratic([1.0, 2.0, 3.0], b=[1.0, 0.0, -1.0])
    x = np.array([0.5, 0.5, -0.5])
    est = E.estimate(F, x, method="gaussian", scheme="central", mu=0.7, q=2, n_trials=50, rng=4)
    U = E.directions("gaussian", (50, 2), 3, 4)
    np.testing.assert_allclose(est.g, E.exact_directional(F.grad(x), U, "gaussian"), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", ["gaussian", "sphere"])
@pytest.mark.parametrize("scheme", ["forward", "central", "one-point"])
def test_mean_is_gradient_of_smoothed_f(method, scheme):
    # f = sum x^4 / 4: grad f_mu = x^3 + 3 s^2 x with s^2 = E v_i^2 = mu^2 (gaussian) or mu^2/(d+2) (ball).
    d, mu = 3, 0.5
    x = np.array([0.8, -0.5, 0.2])
    s2 = mu**2 if method == "gaussian" else mu**2 / (d + 2)
    est = E.estimate(lambda P: (P**4).sum(-1) / 4, x, method=method, scheme=scheme, mu=mu,
                     n_trials=200_000, rng=11)
    close_in_mean(est.g, x**3 + 3 * s2 * x)
    assert np.linalg.norm(x**3 + 3 * s2 * x - x**3) > 0.1   # the smoothed gradient is visibly different


@pytest.mark.parametrize("method,factor", [("gaussian", lambda d: d + 2), ("sphere", lambda d: d)])
@pytest.mark.parametrize("scheme", ["forward", "central"])
def test_second_moment_on_linear(method, factor, scheme):
    d = 6
    a = np.linspace(-1.0, 2.0, d)
    est = E.estimate(E.linear(a, c=3.0), np.ones(d), method=method, scheme=scheme, mu=0.3,
                     n_trials=100_000, rng=5)
    close_in_mean((est.g**2).sum(1)[:, None], factor(d) * (a @ a))


def test_variance_scales_as_one_over_q():
    d = 8
    a = np.ones(d)
    for q in (1, 4, 16):
        g = E.estimate(E.linear(a), np.zeros(d), method="gaussian", scheme="central", mu=0.1, q=q,
                       n_trials=40_000, rng=q).g
        dev = ((g - a) ** 2).sum(1)[:, None]                  # E||g - a||^2 = (d+1)||a||^2 / q
        close_in_mean(dev, (d + 1) * (a @ a) / q)


def test_one_point_variance_blows_up_as_mu_shrinks():
    # linear f with f(x) = 1, ||a|| = 1: E||g - a||^2 = d f^2 / mu^2 + (d + 1) ||a||^2
    d = 4
    F, x = E.problem("linear", d)
    for mu in (1.0, 0.1, 0.01):
        g = E.estimate(F, x, method="gaussian", scheme="one-point", mu=mu, n_trials=20_000, rng=2).g
        close_in_mean(((g - F.grad(x)) ** 2).sum(1)[:, None], d / mu**2 + d + 1)


# --- precision --------------------------------------------------------------------------------

def test_float32_shows_round_off_floor():
    F = E.quadratic([1.0, 2.0], c=10.0)
    x = np.array([0.5, 0.5])
    err = {}
    for dt in (np.float32, np.float64):
        g = E.estimate(F, x, method="coordinate", scheme="central", mu=1e-4, rng=None, dtype=dt).g[0]
        assert g.dtype == dt
        err[dt] = np.linalg.norm(g - F.grad(x))
    assert err[np.float32] > 1e-3 > 1e-8 > err[np.float64]


# --- test functions -----------------------------------------------------------------------------

def test_rosenbrock_matches_scipy():
    R = E.rosenbrock(5)
    P = np.random.default_rng(0).normal(size=(4, 5))
    np.testing.assert_allclose(R(P), [rosen(p) for p in P])
    np.testing.assert_allclose(R.grad(P), [rosen_der(p) for p in P])


def test_quadratic_matches_matrix_formula():
    F = E.quadratic([0.5, 1.0, 7.0], b=[1.0, 2.0, 3.0], c=-1.0, rotate_seed=3)
    A = F.A
    np.testing.assert_allclose(np.linalg.eigvalsh(A), [0.5, 1.0, 7.0])
    P = np.random.default_rng(1).normal(size=(6, 3))
    np.testing.assert_allclose(F(P), 0.5 * np.einsum("ni,ij,nj->n", P, A, P) + P @ F.b - 1.0)
    np.testing.assert_allclose(F.grad(P), P @ A + F.b)


def test_works_on_2d_landscapes():
    L = landscapes.get("rosenbrock")
    x = np.array([-0.5, 0.7])
    g = E.estimate(L.f, x, method="coordinate", scheme="central", mu=1e-5, rng=None).g[0]
    np.testing.assert_allclose(g, L.grad(x), rtol=1e-6)


# --- sweeps behind the pages ---------------------------------------------------------------------

def test_sweep_over_d_matches_closed_form_within_its_band():
    from zo_core import theory

    dims = [1, 10, 100]
    sw = E.sweep("linear", over="d", values=dims, method="gaussian", scheme="central", mu=0.01, n_trials=4000,
                 seed=0)
    for k, d in enumerate(dims):
        F, x = E.problem("linear", d)
        exact = theory.moments(F, x, method="gaussian", scheme="central", mu=0.01).second_moment
        half = (sw.second_moment.hi[k] - sw.second_moment.lo[k]) / 2
        assert abs(sw.second_moment.mean[k] - exact) <= 2.6 * half     # 2.6 x 1.96 se = 5 se
    assert list(sw.queries) == [2, 2, 2]


def test_budget_sweep_coordinate_error_is_the_missing_share():
    d = 20
    res = E.budget_sweep("linear", d=d, budgets=[2, 10, 40], n_trials=50, seed=1)
    np.testing.assert_allclose(res["coordinate"].mean, [1 - 1 / d, 1 - 5 / d, 0.0], atol=1e-9)
    # random directions: E ||g - a||^2 / ||a||^2 = (d + 1) / q
    for k, q in enumerate([1, 5, 20]):
        assert res["random"].lo[k] - 1.6 * (res["random"].hi[k] - res["random"].mean[k]) <= (d + 1) / q
        assert (d + 1) / q <= res["random"].hi[k] + 1.6 * (res["random"].hi[k] - res["random"].mean[k])


def test_mu_sweep_slopes_forward_one_central_two():
    f = lambda P: np.exp(P[..., 0]) + np.sin(P[..., 1])  # noqa: E731
    x = np.array([0.3, 0.2])
    grad = np.array([np.exp(0.3), np.cos(0.2)])
    mus = [1e-2, 1e-3]
    for method in ("coordinate", "gaussian"):
        errs = E.mu_sweep(f, grad, x, method=method, mus=mus, n_trials=16, seed=0)
        assert errs["forward"][0] / errs["forward"][1] == pytest.approx(10, rel=0.05)
        assert errs["central"][0] / errs["central"][1] == pytest.approx(100, rel=0.05)
    fwd32 = E.mu_sweep(f, grad, x, method="coordinate", mus=[1e-6], dtype=np.float32)["forward"][0]
    fwd64 = E.mu_sweep(f, grad, x, method="coordinate", mus=[1e-6])["forward"][0]
    assert fwd32 > 1e-2 > 1e-5 > fwd64          # float32 round-off ~ eps32 |f| / mu = 0.1


def test_mu_sweep_leaves_gaps_where_f_is_undefined():
    f = lambda P: np.log(P[..., 0]) + P[..., 1] ** 2  # noqa: E731
    errs = E.mu_sweep(f, np.array([2.0, 0.0]), np.array([0.5, 0.0]), method="coordinate", mus=[1e-3, 1.0])
    assert np.isfinite(errs["forward"][0]) and np.isnan(errs["central"][1])
    with pytest.raises(ValueError, match="not finite"):
        E.mu_sweep(f, np.array([1.0, 0.0]), np.array([-1.0, 0.0]), method="coordinate", mus=[1e-3])


def test_too_many_numbers_at_once_is_a_value_error():
    with pytest.raises(ValueError, match="too many"):
        E.estimate(E.linear(np.ones(10_000)), np.zeros(10_000), method="gaussian", scheme="central", mu=0.1,
                   q=100, n_trials=1000, rng=0)


def test_rng_is_a_required_keyword():
    with pytest.raises(TypeError):
        E.estimate(E.linear(np.ones(2)), np.zeros(2), method="gaussian", scheme="central", mu=0.1)


def test_coordinate_differences_refuse_huge_dimensions():
    with pytest.raises(ValueError, match="coordinate differences hold"):
        E.estimate(E.linear(np.ones(20_000)), np.zeros(20_000), method="coordinate", scheme="central", mu=0.1,
                   rng=None)


# --- a batch of points x: (..., d) ------------------------------------------------------------

@pytest.mark.parametrize("method,scheme", [
    ("coordinate", "forward"), ("coordinate", "central"), ("gaussian", "forward"), ("gaussian", "central"),
    ("gaussian", "one-point"), ("sphere", "central"), ("sphere", "forward"),
])
def test_a_batch_of_points_equals_the_per_point_loop(method, scheme):
    """Each point of a (3, 4, d) batch gets exactly what one call at that point gives with its directions.

    The batch draws its directions in one call of shape (3, 4, n_trials, q, d); the loop below redraws
    the same numbers point by point from the same seed, so the two must agree to round-off.
    """
    F = E.quadratic([1.0, 3.0, 0.5], b=[0.2, -1.0, 0.0], rotate_seed=2)
    X = np.random.default_rng(1).normal(size=(3, 4, 3))
    n_trials, q = 5, 2
    est = E.estimate(F, X, method=method, scheme=scheme, mu=0.05, q=q, n_trials=n_trials, rng=11)
    assert est.g.shape == (3, 4, n_trials, 3)
    if method != "coordinate":
        U = E.directions(method, (3, 4, n_trials, q), 3, 11)
    for i in range(3):
        for j in range(4):
            if method == "coordinate":
                want = E.estimate(F, X[i, j], method=method, scheme=scheme, mu=0.05, rng=None).g[0]
                np.testing.assert_allclose(est.g[i, j], np.broadcast_to(want, (n_trials, 3)), rtol=1e-12)
                continue
            x, u = X[i, j], U[i, j]                                          # (d,), (n, q, d)
            fp, fm, f0 = F(x + 0.05 * u), F(x - 0.05 * u), F(x)
            coef = {"central": (fp - fm) / 0.1, "forward": (fp - f0) / 0.05, "one-point": fp / 0.05}[scheme]
            want = np.einsum("nq,nqd->nd", coef, u) * E.phi(method, 3) / q
            np.testing.assert_allclose(est.g[i, j], want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method,factor", [("gaussian", lambda d: d + 2), ("sphere", lambda d: d)])
def test_batch_second_moment_on_linear_f(method, factor):
    """Linear f = a.x: E||g||^2 = (d+2)||a||^2 (gaussian), d||a||^2 (sphere), at every point of a batch."""
    d = 6
    a = np.linspace(-1.0, 1.0, d)
    F = E.linear(a)
    X = np.random.default_rng(2).normal(size=(4, d))
    g = E.estimate(F, X, method=method, scheme="central", mu=0.1, n_trials=20_000, rng=5).g   # (4, n, d)
    s2 = (g**2).sum(-1)                                                     # (4, n)
    for row in s2:
        close_in_mean(row, factor(d) * (a @ a))
    close_in_mean(g.reshape(-1, d), a)                                      # unbiased: E g = a


def test_nonfinite_nan_marks_only_the_points_that_touched_it():
    f = lambda P: np.log(P[..., 0])                                          # noqa: E731
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 3.0]])
    est = E.estimate(f, X, method="gaussian", scheme="central", mu=0.1, n_trials=3, rng=0, nonfinite="nan")
    assert np.isnan(est.g[1]).all() and np.isfinite(est.g[[0, 2]]).all()
    with pytest.raises(ValueError, match="not finite"):
        E.estimate(f, X, method="gaussian", scheme="central", mu=0.1, rng=0)


def test_samples_carry_the_directions_and_values_g_was_built_from():
    F = E.quadratic([1.0, 2.0])
    X = np.zeros((3, 2)) + [0.5, -0.3]
    est = E.estimate(F, X, method="gaussian", scheme="central", mu=0.2, q=4, rng=3, samples=True)
    assert est.u.shape == (3, 1, 4, 2) and est.values.shape == (2, 3, 1, 4)
    np.testing.assert_allclose(est.values[0], F(X[:, None, None, :] + 0.2 * est.u))
    np.testing.assert_allclose(est.values[1], F(X[:, None, None, :] - 0.2 * est.u))


def test_one_radius_per_point_equals_separate_calls():
    F = E.quadratic([1.0, 3.0])
    X = np.array([[0.5, -0.3], [1.0, 2.0], [-1.0, 0.0]])
    mu = np.array([[0.1], [0.3], [1.0]])
    est = E.estimate(F, X, method="gaussian", scheme="central", mu=mu, q=3, n_trials=2, rng=4, samples=True)
    for i in range(3):
        u = est.u[i]                                                        # (n, q, d)
        coef = (F(X[i] + mu[i] * u) - F(X[i] - mu[i] * u)) / (2 * mu[i])
        np.testing.assert_allclose(est.g[i], np.einsum("nq,nqd->nd", coef, u) / 3, rtol=1e-12)
    with pytest.raises(ValueError, match="random directions"):
        E.estimate(F, X, method="coordinate", scheme="central", mu=mu, rng=None)
    with pytest.raises(ValueError, match="positive"):
        E.estimate(F, X, method="gaussian", scheme="central", mu=-mu, rng=0)
