"""zo_core.claims: the numbers of each page's key claim against independent references (scipy
quadrature, closed forms, Monte Carlo with a tolerance from the sample size), and verdicts that flip."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import integrate

from zo_core import attack, claims, estimators, landscapes, optimizers, theory


def _gaussian_quad(f, x, mu, t=0.0):
    """E f(x + eps) (t = 0) or (1/t) log E exp(t f(x + eps)), eps ~ N(0, mu^2 I_2), by scipy dblquad."""
    def density(a, b):
        return np.exp(-(a * a + b * b) / (2 * mu * mu)) / (2 * np.pi * mu * mu)

    def g(b, a):
        v = float(f(np.array([x[0] + a, x[1] + b])))
        return density(a, b) * (v if t == 0 else np.exp(t * v))

    lim = 8 * mu
    val, _ = integrate.dblquad(g, -lim, lim, -lim, lim, epsabs=1e-11, epsrel=1e-10)
    return val if t == 0 else np.log(val) / t


def test_basins_match_scipy_quadrature_and_the_lecture_numbers():
    L = landscapes.get("sharp_flat")
    B = claims.basins("sharp_flat", 20.0, 0.05, 0.126, "gaussian")
    for k, x in enumerate((B["sharp"], B["flat"])):
        assert B["mean"][k] == pytest.approx(_gaussian_quad(L.f, x, 0.05), abs=2e-4)
        assert B["tilted"][k] == pytest.approx(_gaussian_quad(L.f, x, 0.05, t=20.0), abs=2e-3)
        assert B["f"][k] == pytest.approx(float(L.f(np.array(x))))
    # the lecture's sentence: -0.84 (sharp) against -0.73 (flat) smoothed, -0.64 against -0.73 tilted
    assert (round(B["mean"][0], 2), round(B["mean"][1], 2)) == (-0.84, -0.73)
    assert (round(B["tilted"][0], 2), round(B["tilted"][1], 2)) == (-0.64, -0.73)
    assert B["sharp"][0] < 0 < B["flat"][0]         # sharp well on the left, flat on the right


def test_basin_verdicts_flip_with_the_settings():
    small = claims.basins("sharp_flat", 20.0, 0.05, 0.126, "gaussian")
    assert small["mean_winner"] == "sharp" and small["tilted_winner"] == "flat"
    wide = claims.basins("sharp_flat", 0.0, 0.3, 0.3, "gaussian")
    assert wide["mean_winner"] == "flat"
    soft = claims.basins("sharp_flat", -20.0, 0.1, 0.126, "gaussian")
    assert soft["tilted_winner"] == "sharp"
    assert claims.basins("quadratic", 1.0, 0.1, 0.1, "gaussian") is None     # one minimum: nothing to compare
    # both infinite (gaussian tilt over a quartic): neither wins
    assert claims.basins("himmelblau", 20.0, 0.05, 0.1, "gaussian")["tilted_winner"] == "neither"


def test_tilted_at_is_non_decreasing_in_t_and_the_mean_at_zero():
    L = landscapes.get("sharp_flat")
    ts = (-30.0, -5.0, 0.0, 5.0, 30.0)
    for law, r in (("gaussian", 0.1), ("ball", 0.2)):
        v = np.array(claims.tilted_at("sharp_flat", 1.0, 0.1, ts, r, r, law))
        assert np.all(np.diff(v) >= -1e-12)
    v0 = claims.tilted_at("sharp_flat", 1.0, 0.1, (0.0,), 0.1, 0.1, "gaussian")[0]
    assert v0 == pytest.approx(_gaussian_quad(L.f, (1.0, 0.1), 0.1), abs=2e-4)


def _hessian_fd(f, x, h=1e-4):
    """Second differences of f: the Hessian without L.hess."""
    x = np.asarray(x, float)
    H = np.empty((2, 2))
    E = np.eye(2) * h
    for i in range(2):
        for j in range(2):
            H[i, j] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])) / (4 * h * h)
    return H


def test_curvature_against_finite_difference_hessians():
    L = landscapes.get("sharp_flat")
    C = claims.curvature("sharp_flat")
    lam = [np.linalg.eigvalsh(_hessian_fd(L.f, m))[-1] for m in L.minima]
    assert C["lam_sharp"] == pytest.approx(max(lam), rel=1e-4)
    assert C["lam_flat"] == pytest.approx(min(lam), rel=1e-4)
    assert C["ratio"] == pytest.approx(max(lam) / min(lam), rel=1e-4)
    assert C["lr_stable"] == pytest.approx(2 / max(lam), rel=1e-4)
    Q = claims.curvature("quadratic")                # f = (x² + 20 y²)/2: eigenvalues 1 and 20
    assert (Q["lam_sharp"], Q["cond_sharp"], Q["lr_stable"], Q["count"]) == pytest.approx((20.0, 20.0, 0.1, 1))
    assert claims.curvature("saddle") is None


def test_coordinate_errors_closed_form_on_a_quadratic():
    # f = (x² + 20 y²)/2: forward bias (μ/2) diag(A) = (μ/2, 10 μ); central differences are exact
    for mu in (0.1, 0.01):
        E = claims.coordinate_errors("quadratic", 0.5, 0.5, mu)
        assert E["forward"] == pytest.approx(mu / 2 * np.hypot(1, 20), rel=1e-8)
        assert E["central"] < 1e-10 and E["central_wins"]
        assert E["grad_norm"] == pytest.approx(np.hypot(0.5, 10.0))
        assert E["f"] == pytest.approx((0.25 + 20 * 0.25) / 2)


def test_coordinate_errors_verdict_flips_when_round_off_dominates():
    good = claims.coordinate_errors("sharp_flat", 0.5, 0.5, 0.1)
    assert good["truncation_dominates"] and good["central_wins"] and good["forward"] / good["central"] > 2
    tiny = claims.coordinate_errors("sharp_flat", 0.5, 0.5, 1e-12)      # both are round-off now
    assert not tiny["truncation_dominates"]
    best = claims.coordinate_errors("sharp_flat", 0.5, 0.5, 1e-5)       # near central's optimal μ
    assert tiny["central"] > 1e3 * best["central"]                     # the error grows again as μ -> 0
    f32 = claims.coordinate_errors("sharp_flat", 0.5, 0.5, 1e-5, "float32")
    assert not f32["truncation_dominates"]                            # float32 moves the floor up
    assert f32["roundoff"] == pytest.approx(np.finfo(np.float32).eps * abs(f32["f"]) / 1e-5)


@pytest.mark.parametrize("method,scheme,q", [("gaussian", "central", 1), ("gaussian", "central", 3),
                                             ("sphere", "forward", 2), ("gaussian", "one-point", 2),
                                             ("sphere", "one-point", 1)])
def test_linear_second_moment_against_theory_and_monte_carlo(method, scheme, q):
    d, mu, n = 10, 0.5, 20_000
    F, x = estimators.problem("linear", d)                    # ||grad f|| = 1, f(x) = 1
    V = claims.linear_second_moment(method, scheme, d, q, mu)
    assert V["second_moment"] == pytest.approx(
        theory.moments(F, x, method=method, scheme=scheme, mu=mu, q=q).second_moment, rel=1e-12)
    g = estimators.estimate(F, x, method=method, scheme=scheme, mu=mu, q=q, n_trials=n,
                            rng=np.random.default_rng(7)).g
    sq = (g * g).sum(-1)
    assert abs(sq.mean() - V["second_moment"]) < 5 * sq.std() / np.sqrt(n)
    err = ((g - F.grad(x)) ** 2).sum(-1)
    assert abs(err.mean() - V["rel_error"] ** 2) < 5 * err.std() / np.sqrt(n)


def test_linear_second_moment_scales_with_d_and_q():
    a = claims.linear_second_moment("gaussian", "central", 100, 1, 0.01)
    assert a["second_moment"] == pytest.approx(102) and a["q_for_unit"] == 101
    b = claims.linear_second_moment("gaussian", "central", 100, 4, 0.01)
    assert b["rel_error"] == pytest.approx(a["rel_error"] / 2)
    assert claims.linear_second_moment("sphere", "central", 100, 200, 0.01)["rel_error"] < 1


def test_bound_gap_against_nesterov_spokoiny_and_monte_carlo():
    mu, d = 0.1, 20
    G = claims.bound_gap(mu, d)
    F, x = estimators.problem("quadratic", d, cond=10.0)
    ns = theory.nesterov_spokoiny(d, mu, L1=float(F.lam.max()), grad_norm=float(np.linalg.norm(F.grad(x))))
    assert G["bound"] == pytest.approx(ns["second_moment"], rel=1e-12)
    assert G["gradient_term"] + G["curvature_term"] == pytest.approx(G["bound"])
    g = estimators.estimate(F, x, method="gaussian", scheme="forward", mu=mu, n_trials=20_000,
                            rng=np.random.default_rng(3)).g
    sq = (g * g).sum(-1)
    assert abs(sq.mean() - G["exact"]) < 5 * sq.std() / np.sqrt(len(sq))
    assert G["bound"] >= G["exact"]
    assert not claims.bound_gap(1e-6, 100)["curvature_dominates"]
    assert claims.bound_gap(0.1, 1000)["curvature_dominates"]


def test_race_summary_matches_the_trajectories():
    D = optimizers.BASIN_DEFAULTS
    args = ("sharp_flat", D["budget"], 0, -1.0, 0.2, D["lr"], D["mu"], 10.0, 0.5, 1.0, D["n"])
    from zo_core.viz import optimizers as race_figures
    runs = race_figures.race_runs(*args)
    R = claims.race(*args, 0.1)
    for m, (before, after, change) in R["table"].items():
        assert before == pytest.approx(float(runs[m].fs[-1]), abs=1e-12)     # the run's own record of f
        assert change == pytest.approx(after - before)
    assert R["best"] == min(R["table"], key=lambda m: R["table"][m][0])
    R0 = claims.race(*args, 0.0)
    assert all(v[2] == 0 for v in R0["table"].values()) and R0["best_shifted"] == R0["best"]
    L = landscapes.get("sharp_flat")
    for m, k in R["basins"].items():    # an end point near a minimum lies in that minimum's basin
        dist = np.linalg.norm(L.minima - runs[m].xs[-1], axis=1)
        if dist.min() < 0.05:
            assert k == int(dist.argmin())


def test_tuning_verdict_flips():
    t = lambda v: SimpleNamespace(best_f=v)    # noqa: E731 — a stand-in with the one field used
    a = claims.tuning({"zo-sgd": t(0.4), "random": t(0.5), "grid": t(0.45)})
    assert a["winner"] == "zo-sgd" and a["zo_beats_random"]
    b = claims.tuning({"zo-sgd": t(0.6), "random": t(0.5), "grid": t(0.45)})
    assert b["winner"] == "grid" and not b["zo_beats_random"]
    assert claims.tuning({}) is None


@pytest.mark.parametrize("method", attack.ZO_METHODS)
def test_attack_steps_agree_with_the_attack_budget_rule(method):
    q = 5
    S = claims.attack_steps(method, q, 1000, 64)
    assert S["cost"] == (2 * q + 1 if method == "zoo" else q + 1)
    assert S["steps"] * S["cost"] + 1 <= 1000 < (S["steps"] + 1) * S["cost"] + 1
    # a budget that buys no step is the one attack.check refuses
    tight = S["cost"]
    assert claims.attack_steps(method, q, tight, 64)["steps"] == 0
    with pytest.raises(ValueError):
        attack.check(norm="linf", eps=0.1, mu=0.01, q=q, budget=tight, method=method)
    attack.check(norm="linf", eps=0.1, mu=0.01, q=q, budget=tight + 1, method=method)


def test_mezo_passes():
    assert claims.mezo_passes("mezo", 4, 120) == {"per_step": 8, "total": 960, "backprop_steps": 960}
    assert claims.mezo_passes("adam", 4, 120)["total"] == 120


def test_zest_tends_to_zo_sgd_as_t_goes_to_zero():
    Z = claims.zest_against_zo_sgd("sharp_flat", -1.0, 0.2, 0.3, 10.0, 4, 0)
    assert Z["gap0"] == 0.0
    small = claims.zest_against_zo_sgd("sharp_flat", -1.0, 0.2, 0.3, 1e-6, 4, 0)   # the softmax path, not t = 0
    assert np.allclose(small["zest"], Z["zo_sgd"], rtol=1e-5, atol=1e-8)
    assert not np.allclose(Z["zest"], Z["zo_sgd"], rtol=1e-2)                        # t = 10 tilts it
