"""zo_core.exercises: a right answer passes, a wrong one gets a hint, no message holds the solution.

The right answers come from references independent of exercises.py's closed forms: the lecture's
formulas, zo_core's numerics (objectives, estimators, optimizers.run), scipy.stats, and torch itself
(MeZO's closure calls, Adam's state tensors).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import torch

from zo_core import estimators, exercises, expressions, objectives, optimizers
from zo_core.mezo import MeZO

QUAD = lambda X: 0.5 * (np.asarray(X)[..., 0] ** 2 + 4 * np.asarray(X)[..., 1] ** 2)  # noqa: E731
X0 = np.array([1.0, 0.5])


def _bias_slopes() -> tuple[float, float]:
    L = expressions.parse("x**3 + x*y**2 + y**3")
    x, mus = np.array([0.7, -0.4]), np.array([1e-3, 1e-2])
    out = []
    for scheme in ("forward", "central"):
        err = [np.linalg.norm(estimators.estimate(L.f, x, method="coordinate", scheme=scheme, mu=m, rng=None).g[0]
                              - L.grad(x)) for m in mus]
        out.append(float(np.diff(np.log(err))[0] / np.diff(np.log(mus))[0]))
    return tuple(out)


def _forward_passes(steps: int, n: int) -> int:
    model = torch.nn.Linear(3, 1)
    x, y = torch.ones(4, 3), torch.zeros(4, 1)
    calls = 0

    def closure():
        nonlocal calls
        calls += 1
        return torch.nn.functional.mse_loss(model(x), y)

    opt = MeZO(model.parameters(), lr=1e-2, eps=1e-3, n=n, seed=0)
    for _ in range(steps):
        opt.step(closure)
    return calls


def _adam_parameter_sized_bytes(P: int) -> int:
    w = torch.nn.Parameter(torch.zeros(P))
    adam = torch.optim.Adam([w], lr=1e-3)
    (w * torch.arange(P, dtype=torch.float32)).sum().backward()
    adam.step()
    tensors = [w.grad] + [v for v in adam.state[w].values() if torch.is_tensor(v) and v.shape == w.shape]
    return sum(t.nelement() * t.element_size() for t in tensors)


def _zest_steps() -> int:
    traj = optimizers.run("zest", QUAD, X0, budget=1000, rng=np.random.default_rng(0), n=4, t=1.0, mu=0.1)
    return len(traj.xs) - 1


# name -> (a right answer, the value(s) it stands for, a wrong answer that is no common trap)
RIGHT = {
    "variance_vs_d": lambda d: (d + 2) * 1.0 - 1.0,          # lecture: E||g||^2 = (d+2)||a||^2, minus ||Eg||^2
    "bias_vs_mu": _bias_slopes,
    "smoothed_quadratic": lambda: float(objectives.smoothed(QUAD, X0, law="gaussian", radius=0.3)),
    "tilted_quadratic": lambda: float(objectives.tilted(QUAD, X0, t=2.0, law="gaussian", radius=0.3)),
    "max_loss_quadratic": lambda: float(objectives.max_loss(QUAD, np.zeros(2), radius=0.3)),
    "binomial_std_error": lambda p, n: float(scipy.stats.binom(n, p).std() / n),
    "zest_steps": _zest_steps,
    "mezo_forward_passes": _forward_passes,
    "adam_extra_bytes": _adam_parameter_sized_bytes,
}
CALLABLE = {"variance_vs_d", "binomial_std_error", "mezo_forward_passes", "adam_extra_bytes"}
WRONG = {
    "variance_vs_d": lambda d: 2.0 * d + 7.0,
    "bias_vs_mu": (1.0, 3.0),
    "smoothed_quadratic": 7.5,
    "tilted_quadratic": 9.5,
    "max_loss_quadratic": 0.7,
    "binomial_std_error": lambda p, n: p / n,
    "zest_steps": 77,
    "mezo_forward_passes": lambda s, n: s + n,
    "adam_extra_bytes": lambda P: 5 * P,
}


def _answer(name):
    return RIGHT[name] if name in CALLABLE else RIGHT[name]()


def test_every_exercise_has_a_right_and_a_wrong_answer_here():
    assert set(RIGHT) == set(WRONG) == set(exercises.names())


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_a_right_answer_passes(name):
    result = exercises.check(name, _answer(name))
    assert result.ok and bool(result), result.message
    assert repr(result) == str(result) == result.message


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_wrong_answer_gets_a_hint(name):
    result = exercises.check(name, WRONG[name])
    assert not result.ok and not bool(result)
    assert "Not yet" in result.message and len(result.message) > 60, result.message


def _forms(value: float) -> set[str]:
    return {f"{value:.3g}", f"{value:.4g}", f"{value:.6g}", repr(value), f"{value:.2f}", f"{value:.3f}"}


@pytest.mark.parametrize("name", ["smoothed_quadratic", "tilted_quadratic", "max_loss_quadratic", "zest_steps"])
def test_no_message_or_question_holds_the_expected_number(name):
    expected = float(_answer(name))
    texts = [exercises.question(name)] + [exercises.check(name, a).message
                                          for a in (WRONG[name], None, "abc", expected, expected * 1.5)]
    for text in texts:
        for form in _forms(expected):
            assert form not in text, (form, text)


def test_no_message_holds_the_expected_formula():
    formulas = ["d + 1", "d+1", "sqrt(p", "p * (1 - p)", "p*(1-p)", "2 * steps * n", "2*steps*n", "12 * P", "12*P"]
    for name in CALLABLE:
        for answer in (WRONG[name], None, 3.0, lambda *a: 1 / 0):
            message = exercises.check(name, answer).message
            assert not any(f in message for f in formulas), message


def test_the_stated_tolerance_is_the_one_applied():
    # smoothed_quadratic states "relative 1e-3"; bias_vs_mu states "absolute 0.25 on each order"
    expected = _answer("smoothed_quadratic")
    assert exercises.check("smoothed_quadratic", expected * (1 + 0.9e-3)).ok
    assert not exercises.check("smoothed_quadratic", expected * (1 + 1.1e-3)).ok
    assert "relative 1e-3" in exercises.question("smoothed_quadratic")
    p_f, p_c = _bias_slopes()
    assert exercises.check("bias_vs_mu", (p_f + 0.2, p_c - 0.2)).ok
    assert not exercises.check("bias_vs_mu", (p_f + 0.3, p_c)).ok


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_common_slips_get_their_own_hint_and_garbage_never_raises(name):
    for garbage in (None, "abc", [1.0, 2.0, 3.0], math.nan, float("inf"), lambda *a: 1 / 0, lambda *a: "x"):
        result = exercises.check(name, garbage)
        assert not result.ok and result.message.startswith(f"[{name}]")


def test_known_traps_are_named():
    assert "second moment" in exercises.check("variance_vs_d", lambda d: d + 2.0).message
    assert "square root" in exercises.check("binomial_std_error", lambda p, n: p * (1 - p) / n).message
    assert "no forward" in exercises.check("mezo_forward_passes", lambda s, n: 3 * s * n).message
    assert "wrong places" in exercises.check("bias_vs_mu", _bias_slopes()[::-1]).message


def test_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(ValueError, match="variance_vs_d"):
        exercises.check("no_such_exercise", 1.0)
