"""zo_core.attack: the victim trains, attacks respect their balls and budgets, ZO sits between noise and PGD."""

import math

import numpy as np
import pytest
import torch

from zo_core import attack

EPS = {"linf": 0.15, "l2": 1.0}


@pytest.fixture(scope="module")
def clf():
    return attack.train_classifier(seed=0)


@pytest.fixture(scope="module")
def batch(clf):
    return attack.test_batch(clf, 100, seed=0)


class CountingOracle:
    """Wraps clf.proba and counts every image it is shown: the reference for the attack's own count."""

    def __init__(self, clf):
        self.clf, self.rows = clf, 0

    def __call__(self, X):
        self.rows += X.shape[0]
        return self.clf.proba(X)


def _norms(delta, norm):
    return np.abs(delta).max(1) if norm == "linf" else np.linalg.norm(delta, axis=1)


# --- the classifier -----------------------------------------------------------------------------

def test_classifier_reaches_90_percent_and_is_deterministic(clf):
    assert clf.test_accuracy >= 0.90
    again = attack.train_classifier(seed=0)
    assert again.test_accuracy == clf.test_accuracy
    for a, b in zip(clf.model.parameters(), again.model.parameters()):
        assert torch.equal(a, b)
    # the reported accuracy is what the model does on the held-out images
    assert np.mean(clf.predict(clf.X_test) == clf.y_test) == pytest.approx(clf.test_accuracy)


def test_classifier_is_frozen_so_caches_can_share_it(clf):
    assert not any(p.requires_grad for p in clf.model.parameters())
    assert not clf.model.training
    with pytest.raises(ValueError):
        clf.X_test[0, 0] = 1.0


def test_a_model_that_fails_to_train_says_so():
    with pytest.raises(attack.TrainingError, match="accuracy"):
        attack.train_classifier(seed=0, epochs=1)
    with pytest.raises(ValueError):
        attack.train_classifier(seed=0, epochs=0)


def test_test_batch_is_correctly_classified(clf):
    x, y = attack.test_batch(clf, 30, seed=3)
    assert (clf.predict(x) == y).all()
    with pytest.raises(ValueError):
        attack.test_batch(clf, 10_000)


# --- loss and geometry ------------------------------------------------------------------------------

def test_margin_loss_equals_logit_margin(clf, batch):
    x, y = batch
    z = clf.logits(torch.as_tensor(x)).double()
    p = torch.softmax(z, -1)
    yt = torch.as_tensor(y)
    zy = z.gather(1, yt[:, None])[:, 0]
    other = z.scatter(1, yt[:, None], -np.inf).amax(1)
    torch.testing.assert_close(attack.margin_loss(p, yt, kappa=1e9), zy - other, rtol=1e-9, atol=1e-7)
    t = (yt + 1) % 10
    zt = z.gather(1, t[:, None])[:, 0]
    other_t = z.scatter(1, t[:, None], -np.inf).amax(1)
    torch.testing.assert_close(attack.margin_loss(p, yt, t, kappa=1e9), other_t - zt, rtol=1e-9, atol=1e-7)
    assert (attack.margin_loss(p, yt, kappa=0.0) >= 0).all()


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_projection_lands_in_ball_and_box(norm):
    g = torch.Generator().manual_seed(1)
    x = torch.rand(200, 64, generator=g, dtype=torch.float64)
    delta = 3 * torch.randn(200, 64, generator=g, dtype=torch.float64)
    d = attack.project(delta, x, norm=norm, eps=0.7).numpy()
    assert (_norms(d, norm) <= 0.7 + 1e-12).all()
    assert ((x.numpy() + d) >= 0).all() and ((x.numpy() + d) <= 1).all()


def test_directions_have_the_stated_second_moment():
    g = torch.Generator().manual_seed(0)
    u = attack._directions(400, 10, 64, kind="sphere", gen=g)
    torch.testing.assert_close(u.norm(dim=-1), torch.full((400, 10), 1.0, dtype=u.dtype))   # unit, as estimators
    n2 = attack._directions(400, 10, 64, kind="gaussian", gen=g).pow(2).sum(-1).flatten()
    # E||u||^2 = d, Var = 2d; 5 standard errors of the mean of 4000 draws
    assert abs(n2.mean().item() - 64) < 5 * math.sqrt(2 * 64 / n2.numel())


# --- attacks: norm balls and exact query counts -----------------------------------------------

@pytest.mark.parametrize("method", attack.ZO_METHODS)
@pytest.mark.parametrize("norm", attack.NORMS)
@pytest.mark.parametrize("targeted", [False, True])
def test_zo_attack_stays_in_ball_and_counts_queries_exactly(clf, batch, method, norm, targeted):
    x, y = batch[0][:20], batch[1][:20]
    target = (y + 3) % 10 if targeted else None
    oracle = CountingOracle(clf)
    budget, q = 333, 7
    res = attack.zo_attack(oracle, x, y, method=method, norm=norm, eps=EPS[norm], mu=0.01, q=q, budget=budget,
                           target=target, seed=1)
    assert (_norms(res.delta, norm) <= EPS[norm] + 1e-9).all()
    assert (res.x_adv >= 0).all() and (res.x_adv <= 1).all()
    assert oracle.rows == res.queries.sum()            # every image shown to the model is counted once
    assert (res.queries <= budget).all()
    cost = 2 * q + 1 if method == "zoo" else q + 1
    assert ((res.queries - 1) % cost == 0).all()        # the clean check, then whole steps
    # an image that did not succeed stopped only because the next step would not fit
    assert (res.queries[~res.success] + cost > budget).all()
    pred = clf.predict(res.x_adv)
    expect = pred != y if target is None else pred == target
    np.testing.assert_array_equal(res.success, expect)


def test_single_image_count_matches_the_oracle(clf, batch):
    x, y = batch[0][:6], batch[1][:6]
    for i in range(6):
        oracle = CountingOracle(clf)
        one = attack.zo_attack(oracle, x[i:i + 1], y[i:i + 1], eps=0.15, budget=400, seed=0)
        assert oracle.rows == one.queries[0] <= 400


@pytest.mark.parametrize("method", attack.WHITE_BOX_METHODS)
@pytest.mark.parametrize("norm", attack.NORMS)
def test_white_box_and_noise_stay_in_ball(clf, batch, method, norm):
    x, y = batch
    res = attack.white_box(clf, x, y, method=method, norm=norm, eps=EPS[norm])
    noise = attack.random_noise(clf.proba, x, y, norm=norm, eps=EPS[norm])
    for r in (res, noise):
        assert (_norms(r.delta, norm) <= EPS[norm] + 1e-9).all()
        assert (r.x_adv >= 0).all() and (r.x_adv <= 1).all()
        np.testing.assert_array_equal(r.success, clf.predict(r.x_adv) != y)


def test_fgsm_is_one_signed_gradient_step(clf, batch):
    x, y = batch[0][:10], batch[1][:10]
    xt = torch.as_tensor(x).requires_grad_(True)
    z = clf.logits(xt).double()
    zy = z.gather(1, torch.as_tensor(y)[:, None])[:, 0]
    margin = zy - z.scatter(1, torch.as_tensor(y)[:, None], -np.inf).amax(1)
    (g,) = torch.autograd.grad(margin.sum(), xt)
    expect = np.clip(x - 0.1 * np.sign(g.numpy()), 0, 1)
    res = attack.white_box(clf, x, y, method="fgsm", eps=0.1)
    np.testing.assert_allclose(res.x_adv, expect, atol=1e-6)


# --- ZO between noise and PGD -----------------------------------------------------------------------

@pytest.mark.parametrize("norm", attack.NORMS)
@pytest.mark.parametrize("method", ["zo-signsgd", "zo-adam"])
def test_zo_beats_noise_and_not_pgd(clf, batch, norm, method):
    x, y = batch
    n = len(y)
    kw = dict(norm=norm, eps=EPS[norm])
    zo = attack.zo_attack(clf.proba, x, y, method=method, budget=2000, seed=0, **kw)
    noise = attack.random_noise(clf.proba, x, y, seed=0, **kw)
    pgd = attack.white_box(clf, x, y, method="pgd", seed=0, **kw)
    # a gap of 5 standard errors of a proportion (worst case p = 1/2) over n images
    assert zo.success_rate - noise.success_rate > 5 * math.sqrt(0.25 / n)
    assert zo.success_rate <= pgd.success_rate


def test_targeted_attack_reaches_its_target(clf, batch):
    x, y = batch[0][:20], batch[1][:20]
    target = (y + 1) % 10
    res = attack.zo_attack(clf.proba, x, y, norm="l2", eps=2.0, budget=3000, target=target, seed=0)
    assert res.success.mean() >= 0.5
    np.testing.assert_array_equal(clf.predict(res.x_adv)[res.success], target[res.success])


def test_same_seed_same_attack(clf, batch):
    x, y = batch[0][:10], batch[1][:10]
    a = attack.zo_attack(clf.proba, x, y, seed=5, budget=300)
    b = attack.zo_attack(clf.proba, x, y, seed=5, budget=300)
    np.testing.assert_array_equal(a.x_adv, b.x_adv)
    np.testing.assert_array_equal(a.queries, b.queries)


def test_success_curve_is_cumulative(clf, batch):
    res = attack.zo_attack(clf.proba, *batch, budget=1000, seed=0)
    curve = res.success_curve([0, 100, 500, 1000])
    assert np.all(np.diff(curve) >= 0) and curve[-1] == pytest.approx(res.success_rate)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw, msg", [
    (dict(eps=0.0), "eps"), (dict(eps=100.0), "eps"), (dict(mu=0.0), "mu"), (dict(mu=5.0), "mu"),
    (dict(q=0), "q"), (dict(budget=1), "budget"), (dict(q=50, budget=40), "cannot pay"),
    (dict(norm="l3"), "norm"), (dict(method="sgd"), "method"), (dict(eps=float("nan")), "eps"),
])
def test_bad_settings_raise_clear_errors(clf, batch, kw, msg):
    with pytest.raises(ValueError, match=msg):
        attack.zo_attack(clf.proba, batch[0][:2], batch[1][:2], **kw)


def test_target_equal_to_label_is_refused(clf, batch):
    x, y = batch[0][:2], batch[1][:2]
    with pytest.raises(ValueError, match="target"):
        attack.zo_attack(clf.proba, x, y, target=y)


# --- named figures (lecture directives use them with defaults) -------------------------------------

def test_named_attack_figures_build_with_defaults_and_plain_params():
    from zo_core import viz

    for name in ("attack_example", "attack_success"):
        params = viz.parameters(name)
        assert "projector" in params
        assert all(isinstance(v, (str, int, float, bool)) for v in params.values())
    fig = viz.build("attack_example")
    assert [t.type for t in fig.data] == ["heatmap"] * 3 + ["bar"] * 2
    assert "queries" in fig.layout.title.text
    fig = viz.build("attack_success", n_images=10, budget=300, projector=True)
    assert fig.data[0].y[-1] <= 1 and len(fig.data) == 4     # ZO curve + PGD, FGSM, noise lines


@pytest.mark.parametrize("kind", ["gaussian", "sphere"])
def test_the_torch_estimate_is_estimators_forward_scheme(kind):
    """Same directions, same values: the torch twin gives what zo_core.estimators gives (numpy)."""
    from zo_core import estimators
    d, q, mu = 6, 4, 0.05
    F = estimators.quadratic(np.linspace(1.0, 3.0, d), b=np.linspace(-1.0, 1.0, d))
    x = np.linspace(0.1, 0.6, d)
    est = estimators.estimate(F, np.broadcast_to(x, (3, d)), method=kind, scheme="forward", mu=mu, q=q, rng=5,
                              samples=True)
    u = est.u[:, 0]                                                              # (3, q, d)
    g = attack.forward_estimate(torch.as_tensor(F(x + mu * u)), torch.as_tensor(F(np.broadcast_to(x, (3, d)))),
                                torch.as_tensor(u), mu=mu, phi=estimators.phi(kind, d))
    np.testing.assert_allclose(g.numpy(), est.g[:, 0], rtol=1e-10)
