"""Self-checks for the homework notebooks: ``check(name, answer) -> Check(ok, message)``.

Each exercise states its question (:func:`question`) and its tolerance; the expected answer is
computed here, from the closed forms of :mod:`zo_core.theory` or of the lecture, and never appears
in a message: a wrong answer gets a hint about the idea that is missing, not the number.
Answers are numbers, tuples of numbers, or Python functions (``lambda d: ...``) checked at several
points.

>>> from zo_core import exercises
>>> exercises.check("zest_steps", None).ok
False
>>> sorted(exercises.names())[:2]
['adam_extra_bytes', 'bias_vs_mu']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from zo_core import estimators, theory


@dataclass(frozen=True)
class Check:
    """The verdict on one answer; a notebook shows ``message`` (its repr), ``bool(check)`` is ``ok``."""

    name: str
    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return self.message

    __str__ = __repr__


@dataclass(frozen=True)
class Exercise:
    question: str
    tolerance: str
    grade: Callable[[object], tuple[bool, str]]     # answer -> (ok, feedback without the solution)


# --- graders ------------------------------------------------------------------------------------

def _number(answer) -> float | None:
    try:
        value = float(np.asarray(answer, dtype=float).reshape(()))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _close(a: float, b: float, rtol: float, atol: float = 0.0) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def _scalar(expected: float, *, rtol: float, atol: float = 0.0, traps=(), hint: str):
    """Grade a number; ``traps`` are (a common wrong value, the hint that explains it)."""
    def grade(answer):
        value = _number(answer)
        if value is None:
            return False, "Give one finite number (a float or an int)."
        if _close(value, expected, rtol, atol):
            return True, "Right."
        for wrong, why in traps:
            if _close(value, wrong, rtol, atol):
                return False, f"Not yet: {why}"
        return False, f"Not yet: {value:.6g} is outside the tolerance. Hint: {hint}"
    return grade


def _agrees(answer: Callable, other: Callable, args: tuple, rtol: float) -> bool:
    try:
        value = _number(answer(*args))
    except Exception:  # noqa: BLE001
        return False
    return value is not None and _close(value, other(*args), rtol, 1e-12)


def _formula(expected: Callable, points: list[tuple], *, rtol: float, traps=(), hint: str, signature: str):
    """Grade a function by its values at ``points`` (tuples of arguments)."""
    def grade(answer):
        if not callable(answer):
            return False, f"Give a Python function, e.g. `{signature}`, not a single value."
        for args in points:
            try:
                value = _number(answer(*args))
            except Exception as err:  # noqa: BLE001  (any error in the student's code becomes feedback)
                return False, f"Your function raised {type(err).__name__}: {err}"
            if value is None:
                return False, "Your function should return one finite number for each input."
            if not _close(value, expected(*args), rtol, 1e-12):
                for wrong, why in traps:
                    if all(_agrees(answer, wrong, a, rtol) for a in points):
                        return False, f"Not yet: {why}"
                shown = ", ".join(f"{a:g}" for a in args)
                return False, f"Not yet: at ({shown}) your function gives {value:.6g}, off the closed form. Hint: {hint}"
        return True, "Right, at every point checked."
    return grade


def _orders(expected: tuple[float, ...], *, atol: float, labels: tuple[str, ...], hints: tuple[str, ...]):
    def grade(answer):
        try:
            values = [float(v) for v in answer]
        except (TypeError, ValueError):
            return False, f"Give a pair of numbers ({', '.join(labels)})."
        if len(values) != len(expected):
            return False, f"Give exactly {len(expected)} numbers ({', '.join(labels)})."
        wrong = [(label, why) for v, e, label, why in zip(values, expected, labels, hints) if abs(v - e) > atol]
        if not wrong:
            return True, "Right."
        if all(abs(v - e) <= atol for v, e in zip(values[::-1], expected)):
            return False, "Not yet: you have the right orders in the wrong places."
        return False, "Not yet: " + " ".join(f"{label}: {why}" for label, why in wrong)
    return grade


# --- the problems the notebooks pose ------------------------------------------------------------

A_DIAG = np.array([1.0, 4.0])                # f(x, y) = (x^2 + 4 y^2) / 2
X0 = np.array([1.0, 0.5])
MU, T, RHO = 0.3, 2.0, 0.3
BIAS_POLYNOMIAL = "x**3 + x*y**2 + y**3"


def _quadratic_value(x) -> float:
    return float(0.5 * (A_DIAG * np.asarray(x) ** 2).sum())


def _variance_linear(d) -> float:
    """E||g - E g||^2 of one gaussian central estimate on a.x, ||a|| = 1 (theory.moments)."""
    d = int(d)
    F = estimators.linear(np.eye(d)[0])
    return theory.moments(F, np.zeros(d), method="gaussian", scheme="central", mu=MU).variance


def _lowest_bias_order(scheme: str) -> int:
    bias = theory.coordinate_bias(theory.polynomial(BIAS_POLYNOMIAL), scheme)
    return min(k for k, vec in bias.items() if any(c != 0 for c in vec))


def _smoothed() -> float:
    """f_mu = f + mu^2 tr(A) / 2 (gaussian smoothing of a quadratic adds a constant)."""
    return _quadratic_value(X0) + MU**2 * A_DIAG.sum() / 2


def _tilted() -> float:
    """L_t = f - log det(I - t mu^2 A) / (2t) + (t mu^2 / 2) g'(I - t mu^2 A)^{-1} g, g = Ax."""
    g, M = A_DIAG * X0, 1.0 - T * MU**2 * A_DIAG
    return _quadratic_value(X0) - np.log(M).sum() / (2 * T) + T * MU**2 / 2 * float((g**2 / M).sum())


def _max_loss_at_zero(lam) -> float:
    """max over ||eps|| <= rho of eps'A eps / 2 = lambda rho^2 / 2 for the chosen eigenvalue."""
    return float(lam) * RHO**2 / 2


def _register() -> dict[str, Exercise]:
    se = lambda p, n: math.sqrt(p * (1 - p) / n)  # noqa: E731
    return {
        # notebook 01: estimators
        "variance_vs_d": Exercise(
            "Gaussian directions, central scheme, q = 1, on a linear f(x) = a.x with ||a|| = 1 in d "
            "dimensions: give the variance E||g - E g||^2 as a function of d (`lambda d: ...`).",
            "relative 1e-9 at d = 1, 2, 3, 10, 50, 200 (it is a closed form)",
            _formula(_variance_linear, [(1,), (2,), (3,), (10,), (50,), (200,)], rtol=1e-9, signature="lambda d: 3 * d",
                     traps=[(lambda d: d + 2.0, "that is E||g||^2, the second moment; the variance subtracts ||E g||^2."),
                            (lambda d: float(d), "that is the sphere's second moment (phi = d, ||u|| = 1); "
                                                 "gaussian directions have E u_i^4 = 3."),
                            (lambda d: d - 1.0, "that is the sphere's variance; gaussian directions have E u_i^4 = 3.")],
                     hint="write g = (u.a) u, use E u_i^2 = 1 and E u_i^4 = 3, then subtract ||E g||^2; "
                          "your measured points should lie on your curve.")),
        "bias_vs_mu": Exercise(
            f"Coordinate differences on f(x, y) = {BIAS_POLYNOMIAL}: the error ||g - grad f|| behaves like "
            "C mu^p for small mu. Give (p_forward, p_central), e.g. from your log-log slopes.",
            "absolute 0.25 on each order (slopes measured on a grid of mu are not exact integers)",
            _orders((_lowest_bias_order("forward"), _lowest_bias_order("central")), atol=0.25,
                    labels=("p_forward", "p_central"),
                    hints=("expand f(x + mu e_i) = f + mu f' + mu^2 f''/2 + ...: which term survives after "
                           "dividing by mu?",
                           "in f(x + mu e_i) - f(x - mu e_i) the even powers of mu cancel: which odd term comes "
                           "after the gradient's?"))),
        # notebook 02: objectives
        "smoothed_quadratic": Exercise(
            "f(x, y) = (x^2 + 4 y^2) / 2, Gaussian smoothing with mu = 0.3: give f_mu at (1, 0.5).",
            "relative 1e-3 (objectives.smoothed is exact here; Monte Carlo needs ~10^6 samples)",
            _scalar(_smoothed(), rtol=1e-3,
                    traps=[(_quadratic_value(X0), "that is f itself; smoothing a quadratic adds a constant."),
                           (_quadratic_value(X0) + MU**2 * A_DIAG.sum(), "E eps_i^2 = mu^2, but the quadratic "
                                                                        "carries a factor 1/2.")],
                    hint="E f(x + eps) for a quadratic: expand and use E eps = 0, E eps eps' = mu^2 I.")),
        "tilted_quadratic": Exercise(
            "Same f and point, gaussian law with mu = 0.3 and tilt t = 2: give L_t = (1/t) log E exp(t f(x + eps)).",
            "relative 1e-3",
            _scalar(_tilted(), rtol=1e-3,
                    traps=[(_smoothed(), "that is the t -> 0 limit (the smoothed value); a positive tilt weighs "
                                         "the high values more, so L_t is larger."),
                           (_quadratic_value(X0), "that is f itself.")],
                    hint="use objectives.tilted(f, X, t=..., law='gaussian', radius=mu), or the lecture's closed "
                         "form with g = A x and I - t mu^2 A.")),
        "max_loss_quadratic": Exercise(
            "Same f, at (0, 0), ball of radius rho = 0.3: give the max-loss max_{||eps|| <= rho} f(eps).",
            "relative 1e-3",
            _scalar(_max_loss_at_zero(A_DIAG.max()), rtol=1e-3,
                    traps=[(_max_loss_at_zero(A_DIAG.min()), "that is the flattest direction; the worst case "
                                                            "takes the steepest one."),
                           (_max_loss_at_zero(A_DIAG.sum()), "the worst eps points along one eigenvector, "
                                                            "not along all of them at once.")],
                    hint="the maximum of a convex quadratic over a ball lies on its boundary, along an eigenvector of A.")),
        # notebook 03: optimizers
        "binomial_std_error": Exercise(
            "A basin fraction p is measured from n independent random starts. Give its standard error "
            "as a function (`lambda p, n: ...`).",
            "relative 1e-6 at several (p, n)",
            _formula(se, [(0.5, 100), (0.21, 100), (0.9, 30), (0.05, 400)], rtol=1e-6, signature="lambda p, n: p / n",
                     traps=[(lambda p, n: p * (1 - p) / n, "that is the variance; the error bar is its square root."),
                            (lambda p, n: math.sqrt(p * (1 - p)), "that is one start's spread; the mean of n starts "
                                                                  "is more precise."),
                            (lambda p, n: math.sqrt(p * (1 - p) / (n - 1)), "divide by n: p is a mean of n 0/1 "
                                                                            "outcomes with known variance p(1-p).")],
                     hint="each start is a Bernoulli(p) outcome; the fraction is their mean.")),
        "zest_steps": Exercise(
            "optimizers.run('zest', f, x0, budget=1000, rng=..., n=4, ...): how many steps does it take?",
            "exact (an integer)",
            _scalar(1000 // (2 * 4), rtol=0.0, atol=1e-9,
                    traps=[(1000 // 4, "each pair costs two queries, f(x + mu u) and f(x - mu u)."),
                           (1000 // 2, "there are n = 4 pairs per step.")],
                    hint="count the queries one step spends; a step that would overrun the budget is not taken.")),
        # notebook 04: MeZO
        "mezo_forward_passes": Exercise(
            "MeZO(params, lr=..., eps=..., n=n, seed=...): how many forward passes (closure calls) do `steps` "
            "calls of opt.step(closure) make? Give `lambda steps, n: ...`.",
            "exact at several (steps, n)",
            _formula(lambda s, n: 2.0 * s * n, [(1, 1), (10, 1), (10, 4), (7, 3)], rtol=0.0,
                     signature="lambda steps, n: steps + n",
                     traps=[(lambda s, n: 3.0 * s * n, "the third pass regenerates z to restore and update the "
                                                     "parameters; it runs no forward."),
                            (lambda s, n: 2.0 * s, "every one of the n directions needs its own pair of losses.")],
                     hint="one SPSA direction needs L(theta + eps z) and L(theta - eps z).")),
        "adam_extra_bytes": Exercise(
            "A model has P float32 parameters. How many bytes of parameter-sized tensors beyond the parameters "
            "themselves do backprop + torch.optim.Adam keep between steps (gradients and optimizer state; "
            "leave out Adam's one-number step counters)? Give `lambda P: ...`.",
            "exact at several P",
            _formula(lambda P: 3 * 4.0 * P, [(1,), (1000,), (123457,)], rtol=0.0, signature="lambda P: 2 * P",
                     traps=[(lambda P: 8.0 * P, "Adam's two moments, yes, but the gradient .grad stays too."),
                            (lambda P: 16.0 * P, "the parameters themselves are not extra."),
                            (lambda P: 3.0 * P, "a float32 takes 4 bytes.")],
                     hint="list the tensors of parameter size that exist besides the weights: .grad, exp_avg, "
                          "exp_avg_sq (count them with sum(t.nelement() * t.element_size() ...)).")),
    }


EXERCISES: dict[str, Exercise] = _register()


def names() -> list[str]:
    """The exercises' names, in notebook order."""
    return list(EXERCISES)


def question(name: str) -> str:
    """The question and its tolerance, as the notebook states it."""
    ex = _get(name)
    return f"{ex.question}\nTolerance: {ex.tolerance}."


def _get(name: str) -> Exercise:
    if name not in EXERCISES:
        raise ValueError(f"no exercise {name!r}; the exercises are: {', '.join(EXERCISES)}")
    return EXERCISES[name]


def check(name: str, answer) -> Check:
    """Grade ``answer`` to exercise ``name``: Check(ok, message); the message never holds the solution."""
    ex = _get(name)
    if answer is None or answer is Ellipsis:
        return Check(name, False, f"[{name}] No answer yet: replace the None with your answer.")
    ok, feedback = ex.grade(answer)
    return Check(name, ok, f"[{name}] {'✓' if ok else '✗'} {feedback}")
