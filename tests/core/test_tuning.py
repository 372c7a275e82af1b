"""zo_core.tuning: the black box is kernel ridge regression, budgets hold, ZO-SGD finds the grid optimum."""

import numpy as np
import pytest
from sklearn.kernel_ridge import KernelRidge

from zo_core import tuning

# Noiseless ZO-SGD must end within this much validation loss (1 - R^2 units, about 2 % of the
# optimum 0.48) and within this many decades of the 41 x 41 grid optimum.
LOSS_TOL, DIST_TOL = 0.01, 1.0


@pytest.fixture(scope="module")
def P():
    return tuning.problem("diabetes", seed=0)


@pytest.fixture(scope="module")
def L(P):
    return tuning.landscape(P, n=41)


def _sklearn_loss(P, theta):
    lam, gamma = 10.0 ** np.asarray(theta)
    m = KernelRidge(alpha=lam, kernel="rbf", gamma=gamma).fit(P.X_train, P.y_train)
    return np.mean((m.predict(P.X_val) - P.y_val) ** 2) / np.var(P.y_val)


@pytest.mark.parametrize("theta", [(-0.5, -1.9), (-4.0, -0.5), (1.5, 0.5), (-2.0, -3.5)])
def test_validation_loss_is_kernel_ridge_from_sklearn(P, theta):
    assert tuning.validation_loss(P, theta) == pytest.approx(_sklearn_loss(P, theta), rel=1e-7)


def test_validation_loss_vectorises_over_points(P):
    T = np.random.default_rng(0).uniform(P.lo, P.hi, size=(7, 2))
    batch = tuning.validation_loss(P, T)
    np.testing.assert_allclose(batch, [tuning.validation_loss(P, t) for t in T], rtol=1e-10)


def test_landscape_matches_pointwise_loss(P, L):
    assert L.Z.shape == (41, 41) and len(L.xs) >= 30
    rng = np.random.default_rng(1)
    for i, j in rng.integers(0, 41, size=(6, 2)):
        assert L.Z[i, j] == pytest.approx(tuning.validation_loss(P, (L.xs[j], L.ys[i])), rel=1e-6)
    assert not L.Z.flags.writeable


def test_friedman_problem_builds(L):
    Pf = tuning.problem("friedman")
    Lf = tuning.landscape(Pf, n=31)
    assert Lf.min < 0.3 < L.min       # a sharper problem than the noisy diabetes data


@pytest.mark.parametrize("method", tuning.METHODS)
@pytest.mark.parametrize("budget", [4, 5, 11, 17, 60])
@pytest.mark.parametrize("noisy", [False, True])
def test_no_method_exceeds_its_budget(P, method, budget, noisy):
    tr = tuning.run(method, P, budget=budget, seed=2, noisy=noisy, q=2)
    assert tr.queries <= budget
    assert len(tr.xs) == len(tr.fs) == tr.queries
    assert ((tr.xs >= P.lo) & (tr.xs <= P.hi)).all()
    if method == "grid":
        assert tr.queries == int(np.sqrt(budget)) ** 2
    if method == "random":
        assert tr.queries == budget
    if method == "zo-sgd":
        assert tr.queries == (budget // 3) * 3              # whole steps of q + 1 = 3 queries


def test_nelder_mead_is_stopped_at_the_budget_even_inside_an_iteration(P):
    # maxfev alone lets scipy overshoot by up to a shrink; the black box refuses the extra query.
    for budget in range(4, 30):
        assert tuning.run("nelder-mead", P, budget=budget).queries <= budget


def test_black_box_refuses_queries_beyond_budget(P):
    bb = tuning.BlackBox(P, budget=3)
    bb.many(np.zeros((2, 2)))
    bb((0.0, 0.0))
    with pytest.raises(tuning.BudgetExhausted):
        bb((0.0, 0.0))
    with pytest.raises(tuning.BudgetExhausted):
        tuning.BlackBox(P, budget=3).many(np.zeros((4, 2)))


@pytest.mark.parametrize("seed", range(5))
def test_noiseless_zo_sgd_ends_near_the_grid_optimum(P, L, seed):
    tr = tuning.run("zo-sgd", P, budget=60, seed=seed)
    end = tr.path[-1]
    assert tuning.validation_loss(P, end) <= L.min + LOSS_TOL
    assert np.linalg.norm(end - L.argmin) <= DIST_TOL
    assert tr.best_f <= L.min + LOSS_TOL


def test_noisy_mode_is_seeded_and_noisy(P):
    a = tuning.BlackBox(P, budget=10, noisy=True, seed=4)
    b = tuning.BlackBox(P, budget=10, noisy=True, seed=4)
    theta = np.array([-0.5, -1.9])
    fa = [a(theta) for _ in range(5)]
    fb = [b(theta) for _ in range(5)]
    assert fa == fb                                    # same seed, same subsamples
    assert np.std(fa) > 0                              # a new subsample per query
    assert abs(np.mean(fa) - tuning.validation_loss(P, theta)) < 0.2


def test_best_curve_is_monotone_and_noiseless(P):
    tr = tuning.run("random", P, budget=30, seed=0, noisy=True)
    curve = tr.best_curve()
    assert len(curve) == 30
    np.testing.assert_allclose(tr.true_fs, tuning.validation_loss(P, tr.xs), rtol=1e-10)
    noiseless = tuning.run("random", P, budget=30, seed=0)
    assert np.all(np.diff(noiseless.best_curve()) <= 0)


def test_fixes_beat_naive_zo_on_the_noisy_loss(P):
    A = tuning.ablation(P, budget=60, seed=0, noisy=True)
    assert all(tr.queries <= 60 for tr in A.values())
    assert A["all fixes"].best_f < A["naive (no fix)"].best_f
    final = {k: tuning.validation_loss(P, tr.path[-1]) for k, tr in A.items()}
    assert final["all fixes"] < final["naive (no fix)"]


@pytest.mark.parametrize("kw, msg", [
    (dict(budget=3), "budget"), (dict(budget=5000), "budget"), (dict(mu=0.0), "mu"), (dict(lr=-1.0), "lr"),
    (dict(q=0), "q"), (dict(budget=5, q=6), "costs"),
])
def test_bad_settings_raise_clear_errors(P, kw, msg):
    with pytest.raises(ValueError, match=msg):
        tuning.run("zo-sgd", P, **kw)


def test_unknown_names_raise(P):
    with pytest.raises(ValueError, match="method"):
        tuning.run("adam", P)
    with pytest.raises(ValueError, match="dataset"):
        tuning.problem("mnist")
    with pytest.raises(ValueError, match="grid"):
        tuning.landscape(P, n=2)


# --- named figures (lecture directives use them with defaults) -------------------------------------

def test_named_tuning_figures_build_with_defaults_and_plain_params():
    from zo_core import viz

    for name in ("tuning_landscape", "tuning_curves", "tuning_ablation"):
        params = viz.parameters(name)
        assert "projector" in params
        assert all(isinstance(v, (str, int, float, bool)) for v in params.values())
    fig = viz.build("tuning_landscape")
    assert len(fig.layout.images) == 1 and not any(t.type == "contour" for t in fig.data)
    names = " ".join(t.name or "" for t in fig.data)
    for label in ("ZO-SGD", "grid search", "random search", "Nelder–Mead", "grid optimum"):
        assert label in names
    queries = next(t for t in fig.data if t.name == "queries")
    assert set(queries.text) == {"ZO-SGD", "grid search", "random search", "Nelder–Mead"}
    assert len(viz.build("tuning_landscape", paths=False, n=31).layout.images) == 1
    fig = viz.build("tuning_curves", budget=20, noisy=True, projector=True)
    assert all(len(t.x) <= 20 for t in fig.data)


def test_landscape_picture_shows_sklearns_loss_where_it_is_placed(P):
    """The tuning landscape is a picture (a layout image): its pixel centres span the grid, and at random
    points of the box its shade follows kernel ridge's validation loss from scikit-learn (Viridis gets
    lighter with the value; points far apart in the loss's order are as far apart in lightness)."""
    import base64
    import io

    from PIL import Image

    from zo_core import viz

    L = tuning.landscape(P, n=41)
    fig = viz.build("tuning_landscape", paths=False)
    im = fig.layout.images[0]
    assert (im.xref, im.yref, im.layer, im.xanchor, im.yanchor) == ("x", "y", "below", "left", "top")
    rgb = np.asarray(Image.open(io.BytesIO(base64.b64decode(im.source.split(",", 1)[1]))).convert("RGB"), float)
    h, w, _ = rgb.shape
    np.testing.assert_allclose([im.x + 0.5 * im.sizex / w, im.x + (w - 0.5) * im.sizex / w], [L.xs[0], L.xs[-1]])
    np.testing.assert_allclose([im.y - 0.5 * im.sizey / h, im.y - (h - 0.5) * im.sizey / h], [L.ys[-1], L.ys[0]])
    assert tuple(fig.layout.xaxis.range) == (L.xs[0], L.xs[-1]) and tuple(fig.layout.yaxis.range) == (L.ys[0], L.ys[-1])
    lum = rgb @ np.array([0.2126, 0.7152, 0.0722])
    pts = np.random.default_rng(0).uniform([L.xs[0], L.ys[0]], [L.xs[-1], L.ys[-1]], size=(60, 2))
    j = np.clip(((pts[:, 0] - im.x) / im.sizex * w).astype(int), 1, w - 2)
    i = np.clip(((im.y - pts[:, 1]) / im.sizey * h).astype(int), 1, h - 2)
    shade = np.array([lum[a - 1:a + 2, b - 1:b + 2].max() for a, b in zip(i, j)])    # beside a contour line
    # The colour is log10 of the loss above the grid's minimum (the caption's words); two points whose colour
    # values lie more than three bands apart (a tenth of the range: off the grid, the picture interpolates)
    # must be strictly ordered in lightness. The loss's plateau near 1 (the mean's loss) is within a band.
    f = np.array([_sklearn_loss(P, p) for p in pts])
    colour = lambda v: np.log10(np.maximum(v - L.min, 0) + 1e-3 * (L.Z.max() - L.min))   # noqa: E731
    c, span = colour(f), np.ptp(colour(L.Z))
    lower, higher = np.nonzero(c[None, :] - c[:, None] > 3 * span / 30)
    assert len(lower) > 500
    assert (shade[lower] < shade[higher]).all(), f"{(shade[lower] >= shade[higher]).sum()} pairs out of order"
