"""zo_core.optimizers: budgets, exact updates, ZEST's limit and mean, SABO on a convex quadratic."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zo_core import landscapes, optimizers

A = np.array([[1.0, 0.3], [0.3, 2.0]])
B = np.array([0.5, -1.0])


def quadratic(X):
    X = np.asarray(X, float)
    return 0.5 * np.einsum("...i,ij,...j->...", X, A, X) + X @ B


def quadratic_grad(X):
    return np.asarray(X, float) @ A + B


SHARP_FLAT = landscapes.get("sharp_flat")


def _run(method, budget, x0=(1.0, -0.5), **hyper):
    return optimizers.run(method, quadratic, np.array(x0), budget=budget, rng=np.random.default_rng(0),
                          grad=quadratic_grad, **hyper)


@settings(max_examples=25, deadline=None)
@given(method=st.sampled_from(optimizers.METHODS), budget=st.integers(0, 60), q=st.integers(1, 4),
       n=st.integers(1, 4))
def test_never_exceeds_the_budget(method, budget, q, n):
    traj = _run(method, budget, q=q, n=n)
    assert traj.queries[-1] <= budget
    assert len(traj.xs) == len(traj.fs) == len(traj.queries)
    assert np.all(np.diff(traj.queries) > 0)
    cost = {"gd": 1, "sam": 2, "zo-sgd": 2 * q, "zest": 2 * n, "sabo": 4 * n}[method]
    assert budget - traj.queries[-1] < cost       # and spends what it can


def test_gd_is_the_exact_linear_iteration():
    lr, x0 = 0.1, np.array([1.0, -0.5])
    traj = _run("gd", 30, x0=x0, lr=lr)
    x_star = -np.linalg.solve(A, B)
    want = x_star + np.linalg.matrix_power(np.eye(2) - lr * A, 30) @ (x0 - x_star)
    np.testing.assert_allclose(traj.xs[-1], want, rtol=1e-12)
    np.testing.assert_allclose(traj.fs, quadratic(traj.xs))


def test_sam_step_matches_its_formula():
    lr, rho, x = 0.1, 0.2, np.array([1.0, -0.5])
    g = quadratic_grad(x)
    want = x - lr * quadratic_grad(x + rho * g / np.linalg.norm(g))
    np.testing.assert_allclose(_run("sam", 2, x0=x, lr=lr, rho=rho).xs[1], want, rtol=1e-14)


def test_zest_at_t_zero_is_the_central_two_point_estimator():
    x = np.array([[0.3, -0.2], [1.0, 0.5]])
    for n in (1, 5):
        zest = optimizers.zest_estimate(SHARP_FLAT.f, x, t=0.0, mu=0.1, n=n, rng=np.random.default_rng(3))
        central = optimizers.central_estimate(SHARP_FLAT.f, x, mu=0.1, q=n, rng=np.random.default_rng(3))
        np.testing.assert_allclose(zest, central, rtol=1e-13)


@pytest.mark.parametrize("t", [1e-12, -1e-9, 1e-6])
def test_zest_is_continuous_at_t_zero(t):
    x = np.array([0.3, -0.2])
    g0 = optimizers.zest_estimate(SHARP_FLAT.f, x, t=0.0, mu=0.1, n=8, rng=np.random.default_rng(4))
    gt = optimizers.zest_estimate(SHARP_FLAT.f, x, t=t, mu=0.1, n=8, rng=np.random.default_rng(4))
    np.testing.assert_allclose(gt, g0, rtol=1e-4 * abs(t) / 1e-6 + 1e-9)


def test_zest_is_finite_for_huge_t():
    x = np.array([0.3, -0.2])
    for t in (1e6, -1e6):
        g = optimizers.zest_estimate(lambda X: 1e3 * SHARP_FLAT.f(X), x, t=t, mu=0.1, n=8,
                                     rng=np.random.default_rng(5))
        assert np.isfinite(g).all()


@pytest.mark.parametrize("t", [2.0, -3.0])
def test_zest_mean_matches_the_tilted_gradient_of_a_quadratic(t):
    """E g ~ grad L_t = (I - t mu^2 A)^-1 (A x + b) (DESIGN.md); 200 trials of n = 2000 pairs.

    The self-normalised weights bias g by O(1/n), about 0.2 standard errors of the mean here; the
    tolerance is 5 standard errors of the mean over the trials.
    """
    mu, trials, n = 0.3, 200, 2000
    x = np.array([0.4, -0.2])
    X = np.broadcast_to(x, (trials, 2)).copy()          # a batch: independent draws per row
    G = optimizers.zest_estimate(quadratic, X, t=t, mu=mu, n=n, rng=np.random.default_rng(6))
    want = np.linalg.solve(np.eye(2) - t * mu**2 * A, A @ x + B)
    se = G.std(0, ddof=1) / np.sqrt(trials)
    assert np.all(np.abs(G.mean(0) - want) <= 5 * se), (G.mean(0), want, se)
    # and it is not the plain gradient: the tilt is visible at this sample size
    assert np.any(np.abs(G.mean(0) - (A @ x + B)) > 5 * se)


def test_sabo_lowers_J_on_a_convex_quadratic():
    """J(m, s) = E f(m + s z) = f(m) + sum_i A_ii s_i^2 / 2 for the quadratic."""
    traj = optimizers.run("sabo", quadratic, np.array([2.0, -1.5]), budget=2000, rng=np.random.default_rng(7),
                          lr=0.05, mu=0.3, n=4, rho=0.01)
    J = quadratic(traj.xs) + 0.5 * (np.diag(A) * traj.scales**2).sum(-1)
    j_min = quadratic(-np.linalg.solve(A, B))
    assert J[-1] - j_min < 0.05 * (J[0] - j_min)
    assert traj.scales.min() >= 0.03 - 1e-12 and traj.scales.max() <= 3.0


def test_zo_sgd_converges_on_a_quadratic():
    traj = _run("zo-sgd", 4000, lr=0.05, mu=0.01, q=2)
    np.testing.assert_allclose(traj.xs[-1], -np.linalg.solve(A, B), atol=0.05)


def test_a_batch_of_starts_runs_together():
    starts = np.random.default_rng(8).uniform(-2, 2, (16, 2))
    traj = optimizers.run("zest", quadratic, starts, budget=100, rng=np.random.default_rng(9), t=2.0)
    assert traj.xs.shape == (51, 16, 2) and traj.fs.shape == (51, 16)


def test_basin_map_fractions_sum_to_one():
    fr = optimizers.basin_map(SHARP_FLAT.f, SHARP_FLAT.grad, SHARP_FLAT.minima, SHARP_FLAT.bounds,
                              ts=(1.0, 10.0), n_starts=20, budget=40, seed=0)
    assert set(fr) == {"zo-sgd", "zest t=1", "zest t=10"}
    for v in fr.values():
        assert v.shape == (2,) and abs(v.sum() - 1) < 1e-12


def test_a_diverging_run_freezes_instead_of_nan():
    traj = _run("gd", 200, lr=5.0)
    assert np.isfinite(traj.xs).all()


@pytest.mark.parametrize("kwargs,match", [
    (dict(method="adam"), "method"),
    (dict(method="gd", grad=None), "grad"),
    (dict(method="zo-sgd", lr=-1.0), "lr"),
    (dict(method="zo-sgd", mu=0.0), "mu"),
    (dict(method="zest", t=float("nan")), "finite"),
    (dict(method="zest", n=0), "n"),
    (dict(method="zo-sgd", budget=-5), "budget"),
])
def test_bad_hyperparameters_raise(kwargs, match):
    args = dict(budget=10, rng=np.random.default_rng(0), grad=quadratic_grad) | kwargs
    method = args.pop("method")
    with pytest.raises(ValueError, match=match):
        optimizers.run(method, quadratic, np.zeros(2), **args)
