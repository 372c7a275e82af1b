"""zo_core.objectives against closed forms (DESIGN.md), limits and order (hypothesis), grid vs pointwise."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zo_core import landscapes, objectives

A = np.array([[1.5, 0.4], [0.4, 0.8]])
B = np.array([0.5, -1.0])
SHARP_FLAT = landscapes.get("sharp_flat")
WINDOW = SHARP_FLAT.bounds


def quadratic(X):
    X = np.asarray(X, float)
    return 0.5 * np.einsum("...i,ij,...j->...", X, A, X) + X @ B


def tilted_quadratic(x, t, mu):
    """DESIGN.md: L_t = f - log det(I - t mu^2 A)/(2t) + (t mu^2/2) g'(I - t mu^2 A)^-1 g, g = Ax + b."""
    M = np.eye(2) - t * mu**2 * A
    g = A @ x + B
    return quadratic(x) - np.log(np.linalg.det(M)) / (2 * t) + t * mu**2 / 2 * g @ np.linalg.solve(M, g)


POINTS = np.array([[0.0, 0.0], [0.7, -0.3], [-1.2, 0.9]])


# --- closed forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("mu", [0.05, 0.3, 1.0])
def test_smoothed_quadratic_gaussian(mu):
    want = quadratic(POINTS) + mu**2 * np.trace(A) / 2
    np.testing.assert_allclose(objectives.smoothed(quadratic, POINTS, law="gaussian", radius=mu), want, rtol=1e-12)


@pytest.mark.parametrize("rho", [0.1, 0.5])
def test_smoothed_quadratic_ball(rho):
    # uniform in the 2-D disk: E eps eps' = rho^2 / (d + 2) I
    want = quadratic(POINTS) + rho**2 / 4 * np.trace(A) / 2
    np.testing.assert_allclose(objectives.smoothed(quadratic, POINTS, law="ball", radius=rho), want, rtol=1e-12)


@pytest.mark.parametrize("t", [-3.0, -0.5, 0.7, 2.0])
def test_tilted_quadratic_gaussian_value(t):
    mu = 0.3
    got = objectives.tilted(quadratic, POINTS, t=t, law="gaussian", radius=mu)
    want = [tilted_quadratic(x, t, mu) for x in POINTS]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("t", [-2.0, 1.5])
def test_tilted_quadratic_gaussian_gradient(t):
    mu, h = 0.3, 1e-5
    x = np.array([0.4, -0.2])
    E = np.eye(2) * h
    fd = [(objectives.tilted(quadratic, x + e, t=t, law="gaussian", radius=mu)
           - objectives.tilted(quadratic, x - e, t=t, law="gaussian", radius=mu)) / (2 * h) for e in E]
    want = np.linalg.solve(np.eye(2) - t * mu**2 * A, A @ x + B)
    np.testing.assert_allclose(fd, want, rtol=1e-6)


@pytest.mark.parametrize("rho", [0.1, 0.8])
def test_max_loss_of_a_linear_function(rho):
    a = np.array([1.3, -0.7])
    got = objectives.max_loss(lambda X: np.asarray(X) @ a, POINTS, radius=rho)
    np.testing.assert_allclose(got, POINTS @ a + rho * np.linalg.norm(a), rtol=0, atol=1e-9)


def test_max_loss_of_a_concave_bump_inside_the_ball():
    # the maximum of -(|x - c|^2) over a ball that contains c is 0, attained inside
    c = np.array([0.2, 0.1])
    got = objectives.max_loss(lambda X: -((np.asarray(X) - c) ** 2).sum(-1), np.zeros((1, 2)), radius=0.5)
    assert abs(got[0]) < 1e-10


def test_radius_zero_is_f():
    for law in objectives.LAWS:
        np.testing.assert_array_equal(objectives.tilted(quadratic, POINTS, t=3.0, law=law, radius=0.0),
                                      quadratic(POINTS))


# --- limits and order (property-based) -----------------------------------------------------

point = st.tuples(st.floats(-2.5, 2.5), st.floats(-1.8, 1.8)).map(np.array)
laws = st.sampled_from([("gaussian", 0.05), ("gaussian", 0.3), ("ball", 0.13), ("ball", 0.5)])


@settings(max_examples=30, deadline=None)
@given(x=point, law=laws, t=st.floats(1e-12, 1e-6), sign=st.sampled_from([-1.0, 1.0]))
def test_small_t_gives_the_mean(x, law, t, sign):
    name, r = law
    mean = objectives.smoothed(SHARP_FLAT.f, x, law=name, radius=r)
    var = objectives.smoothed(lambda X: (SHARP_FLAT.f(X) - mean) ** 2, x, law=name, radius=r)
    got = objectives.tilted(SHARP_FLAT.f, x, t=sign * t, law=name, radius=r)
    # L_t = mean + t var / 2 + O(t^2): no cancellation error of order eps / t
    assert abs(got - mean - sign * t * var / 2) <= 1e-3 * t * var + 1e-15


@settings(max_examples=30, deadline=None)
@given(x=point, law=laws, t1=st.floats(-60, 60), dt=st.floats(1e-3, 60))
def test_tilted_is_non_decreasing_in_t(x, law, t1, dt):
    name, r = law
    lo, hi = objectives.tilted_many(SHARP_FLAT.f, x, ts=[t1, t1 + dt], law=name, radius=r)
    assert lo <= hi + 1e-12


@settings(max_examples=20, deadline=None)
@given(x=point, rho=st.floats(0.05, 0.5))
def test_ball_large_t_approaches_the_max_loss(x, rho):
    f = SHARP_FLAT.f
    top = objectives.max_loss(f, x, radius=rho)
    L2, L4, L6 = objectives.tilted_many(f, x, ts=[1e2, 1e4, 1e6], law="ball", radius=rho)
    mean = objectives.smoothed(f, x, law="ball", radius=rho)
    assert mean - 1e-12 <= L2 <= L4 <= L6 <= top + 1e-9
    # the rule's outermost nodes sit at 0.9994 rho, 3.75 degrees apart: |grad f| rho 1e-3 plus log(w)/t
    assert top - L6 <= 5e-3 * rho * (1 + np.abs(SHARP_FLAT.grad(x)).sum()) + 1e-4


# --- stability -------------------------------------------------------------------------------

@pytest.mark.parametrize("t", [1e6, -1e6, 1e-300, -1e-300])
@pytest.mark.parametrize("law", objectives.LAWS)
def test_pointwise_tilted_is_finite_for_huge_and_tiny_t(t, law):
    big = lambda X: 1e3 * SHARP_FLAT.f(X)   # |t f| up to 1e9  # noqa: E731
    assert np.isfinite(objectives.tilted(big, POINTS, t=t, law=law, radius=0.2)).all()


@pytest.mark.parametrize("t", [1e6, -1e6, 1e-12])
@pytest.mark.parametrize("law", objectives.LAWS)
def test_grid_tilted_is_finite_for_huge_and_tiny_t(t, law):
    G = objectives.grid(SHARP_FLAT.f, *WINDOW, n=101, kind="tilted", law=law, radius=0.2, t=t)
    assert np.isfinite(G.Z).all()
    if abs(t) < 1:
        mean = objectives.grid(SHARP_FLAT.f, *WINDOW, n=101, kind="smoothed", law=law, radius=0.2).Z
        np.testing.assert_allclose(G.Z, mean, atol=1e-9)
    elif t > 0 and law == "ball":
        # the max-loss, up to the grid's resolution of the disk (one cell of slope)
        P, z = _sample(G)
        h = G.xs[1] - G.xs[0]
        slope = np.linalg.norm(SHARP_FLAT.grad(P), axis=-1).max() + 1.0
        assert np.max(np.abs(z - objectives.max_loss(SHARP_FLAT.f, P, radius=0.2))) <= slope * h


# --- grid against pointwise ------------------------------------------------------------------

GRID_CASES = [
    ("smoothed", dict(law="gaussian", radius=0.3)),
    ("smoothed", dict(law="ball", radius=0.5)),
    ("smoothed", dict(law="gaussian", radius=0.05)),
    ("tilted", dict(law="gaussian", radius=0.3, t=3.0)),
    ("tilted", dict(law="gaussian", radius=0.05, t=20.0)),
    ("tilted", dict(law="ball", radius=0.5, t=-5.0)),
    ("tilted", dict(law="ball", radius=0.126, t=20.0)),
]


def _sample(G, k=150, seed=0):
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, len(G.ys), k), rng.integers(0, len(G.xs), k)
    return np.stack([G.xs[j], G.ys[i]], -1), G.Z[i, j]


@pytest.mark.parametrize("kind,kw", GRID_CASES)
def test_grid_agrees_with_pointwise(kind, kw):
    G = objectives.grid(SHARP_FLAT.f, *WINDOW, n=201, kind=kind, **kw)
    P, z = _sample(G)      # anywhere, borders included: the grid is padded
    ref = getattr(objectives, kind)(SHARP_FLAT.f, P, **kw)
    assert np.max(np.abs(z - ref)) <= 1e-3 * np.max(np.abs(ref))


@pytest.mark.parametrize("rho", [0.126, 0.5])
def test_grid_max_loss_agrees_with_pointwise(rho):
    G = objectives.grid(SHARP_FLAT.f, *WINDOW, n=201, kind="max_loss", radius=rho)
    P, z = _sample(G)
    ref = objectives.max_loss(SHARP_FLAT.f, P, radius=rho)
    # Rim points are bilinear reads of f: error <= h^2 max|f''| / 8 = 5e-3 in the sharp well at h = 0.03
    # (the well is 0.15 wide); 1e-3 relative is reached for radii the grid resolves well.
    assert np.max(np.abs(z - ref)) <= (5e-3 if rho < 0.2 else 1e-3 * np.max(np.abs(ref)))
    assert np.sqrt(np.mean((z - ref) ** 2)) <= 2e-4


def test_grid_marks_nan_where_f_is_undefined():
    f = lambda X: np.log(np.asarray(X)[..., 0]) + np.asarray(X)[..., 1] ** 2  # noqa: E731
    G = objectives.grid(f, (-1, 3), (-1, 1), n=41, kind="tilted", law="ball", radius=0.3, t=2.0)
    right = G.xs > 0.35
    assert np.isfinite(G.Z[:, right]).all() and np.isnan(G.Z[:, G.xs < 0.25]).all()


# --- Monte Carlo ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,kw", [("smoothed", dict(law="gaussian", radius=0.3)),
                                     ("smoothed", dict(law="ball", radius=0.5)),
                                     ("tilted", dict(law="gaussian", radius=0.3, t=3.0)),
                                     ("tilted", dict(law="ball", radius=0.5, t=-4.0))])
def test_monte_carlo_within_five_standard_errors(kind, kw):
    P = SHARP_FLAT.mesh(7)[2].reshape(-1, 2)
    mc = objectives.monte_carlo(SHARP_FLAT.f, P, kind=kind, n=4000, rng=np.random.default_rng(1), **kw)
    ref = getattr(objectives, kind)(SHARP_FLAT.f, P, **kw)
    assert mc.queries == 4000
    assert np.all(np.abs(mc.value - ref) <= 5 * mc.stderr + 1e-12)


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("call,match", [
    (lambda: objectives.smoothed(quadratic, POINTS, law="gaussian", radius=-0.1), "mu"),
    (lambda: objectives.smoothed(quadratic, POINTS, law="ball", radius=-1), "rho"),
    (lambda: objectives.max_loss(quadratic, POINTS, radius=-1), "rho"),
    (lambda: objectives.tilted(quadratic, POINTS, t=np.inf, law="ball", radius=0.1), "finite"),
    (lambda: objectives.tilted(quadratic, POINTS, t=np.nan, law="ball", radius=0.1), "finite"),
    (lambda: objectives.tilted(quadratic, POINTS, t=1.0, law="cauchy", radius=0.1), "law"),
    (lambda: objectives.grid(quadratic, (-1, 1), (-1, 1), n=21, kind="tilted", radius=0.1, t=np.inf), "finite"),
    (lambda: objectives.grid(quadratic, (-1, 1), (-1, 1), n=21, kind="smoothed", radius=-0.1), "mu"),
    (lambda: objectives.grid(quadratic, (-1, 1), (-1, 1), n=21, kind="mean", radius=0.1), "kind"),
    (lambda: objectives.grid(quadratic, (1, 1), (-1, 1), n=21, kind="f"), "empty"),
])
def test_bad_input_raises_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
