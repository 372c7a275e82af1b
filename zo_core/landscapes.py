"""2-D test landscapes with exact gradients and Hessians.

A landscape's formula is text in the language of :mod:`zo_core.formula` (every built-in, and what a
student types) or a sympy expression in ``x`` and ``y`` (a notebook's own). From text, ``f``, ``grad``
and ``hess`` come from the checked tree by forward-mode differentiation (:mod:`zo_core.jets`) and the
LaTeX is written from the tree, so sympy is imported only when ``expr`` is asked for; from a sympy
expression, the derivatives are derived once with sympy and lambdified to numpy. Either way ``f``,
``grad`` and ``hess`` broadcast over points of shape ``(..., 2)`` like ``scipy.optimize.rosen``.
``X`` and ``Y``, the real sympy symbols of every formula, are attributes of this module (made on first
use).

>>> from zo_core import landscapes
>>> L = landscapes.get("rosenbrock")
>>> float(L.f([1.0, 1.0]))
0.0
>>> L.grad([[0.0, 0.0], [1.0, 1.0]]).shape
(2, 2)
>>> L.expr                        # sympy, for exact algebra: imported now
(1 - x)**2 + 100*(-x**2 + y)**2
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from zo_core import formula as language
from zo_core import jets


def __getattr__(name: str):
    """``X`` and ``Y``: the real sympy symbols x and y (importing sympy on first use)."""
    if name in ("X", "Y"):
        return language.symbols()["XY".index(name)]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _drop_distributions(expr):
    """Derivatives of |x| and friends produce DiracDelta/Heaviside; treat the kink as a gap-free 0."""
    import sympy as sp

    return expr.replace(sp.DiracDelta, lambda *a: sp.S.Zero).replace(
        sp.Heaviside, lambda arg, *rest: (sp.sign(arg) + 1) / 2
    )


def _on_points(columns: Callable) -> Callable:
    """Turn ``columns(x, y) -> [array or None, ...]`` (None: zero) into a function of points
    (..., 2) -> (..., k); domain errors become NaN: gaps in the plot."""
    def evaluate(P) -> np.ndarray:
        P = np.asarray(P, dtype=float)
        if P.shape[-1] != 2:
            raise ValueError(f"points must have a last axis of length 2, got shape {P.shape}")
        x, y = P[..., 0], P[..., 1]
        with np.errstate(all="ignore"):
            cols = [np.zeros(x.shape) if c is None else np.broadcast_to(np.asarray(c, dtype=float), x.shape)
                    for c in columns(x, y)]
        out = np.stack(cols, axis=-1)
        out[~np.isfinite(out)] = np.nan
        return out

    return evaluate


def _vectorise(exprs: list):
    """Lambdify a list of expressions in (x, y) into one numpy function of points (..., 2) -> (..., k)."""
    import sympy as sp

    funcs = [sp.lambdify(language.symbols(), e, modules="numpy") for e in exprs]
    return _on_points(lambda x, y: [fn(x, y) for fn in funcs])


def _from_jet(evaluator: Callable, order: int, columns: list[int]):
    """Wrap a jet evaluator ``(x, y, order) -> [f, f_x, ...]`` (None: zero) as a function of points
    (..., 2) -> (..., len(columns)), keeping the jet's entries ``columns``."""
    def pick(x, y):
        jet = evaluator(x, y, order)
        return [jet[c] for c in columns]

    return _on_points(pick)


@dataclass(frozen=True, eq=False)
class Landscape:
    """A function of two variables with its exact derivatives.

    Attributes
    ----------
    name : short identifier, e.g. ``"rosenbrock"`` (``"custom"`` for a typed formula).
    title : human-readable name.
    formula : the formula: text in the language of :mod:`zo_core.formula` (checked by its parser, so a
        formula typed by a student is safe here), or a sympy expression in the real symbols ``X``, ``Y``.
    bounds : ``((xmin, xmax), (ymin, ymax))``, the window the app draws.
    minima : known local minima, array of shape ``(k, 2)`` (possibly empty).
    description : one sentence for the lecture.
    log_scale : whether plots colour by log(f - min f) by default.
    evaluator : optional ``(x, y, order) -> [f, f_x, f_y, f_xx, f_xy, f_yy][:1|3|6]`` computing f and its
        exact derivatives numerically, for a sympy formula (a text formula brings its own, from its tree);
        without one, a sympy formula's derivatives are derived with sympy and lambdified.
    tex : LaTeX of the formula's right-hand side, when the caller has it; else written from the text's
        tree, or printed by sympy.
    """

    name: str
    title: str
    formula: Any
    bounds: tuple[tuple[float, float], tuple[float, float]]
    minima: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    description: str = ""
    log_scale: bool = False   # colour by log(f - min f) by default (for wide-ranging functions)
    evaluator: Callable | None = None
    tex: str = ""

    def __post_init__(self):
        object.__setattr__(self, "minima", np.asarray(self.minima, dtype=float).reshape(-1, 2))
        evaluator = self.evaluator
        if isinstance(self.formula, str):
            tree = language.parse_tree(self.formula)
            object.__setattr__(self, "_tree", tree)
            evaluator = jets.compile_tree(tree)
            if not self.tex:
                object.__setattr__(self, "tex", language.to_latex(tree))
        if evaluator is not None:
            object.__setattr__(self, "_f", _from_jet(evaluator, 0, [0]))
            object.__setattr__(self, "_grad", _from_jet(evaluator, 1, [1, 2]))
            # (f_xx, f_xy, f_yy) laid out row-major as the 2x2 Hessian, like the sympy path
            object.__setattr__(self, "_hess", _from_jet(evaluator, 2, [3, 4, 4, 5]))
            return
        import sympy as sp

        x, y = language.symbols()
        grad = [_drop_distributions(sp.diff(self.formula, v)) for v in (x, y)]
        hess = [_drop_distributions(sp.diff(g, v)) for g in grad for v in (x, y)]
        object.__setattr__(self, "_f", _vectorise([self.formula]))
        object.__setattr__(self, "_grad", _vectorise(grad))
        object.__setattr__(self, "_hess", _vectorise(hess))

    @cached_property
    def expr(self):
        """The formula as a sympy expression (built, and sympy imported, on first use): for exact algebra."""
        if isinstance(self.formula, str):
            return language.to_sympy(self._tree, evaluate=False)
        return self.formula

    @property
    def d(self) -> int:
        return 2

    @property
    def latex(self) -> str:
        """The formula as LaTeX, ``f(x, y) = ...``."""
        if self.tex:
            return "f(x, y) = " + self.tex
        import sympy as sp

        return "f(x, y) = " + sp.latex(self.expr)

    def f(self, P) -> np.ndarray:
        """f(P) for points P of shape (..., 2); returns shape (...). NaN where undefined."""
        return self._f(P)[..., 0]

    def __call__(self, P) -> np.ndarray:
        return self.f(P)

    def grad(self, P) -> np.ndarray:
        """∇f(P), shape (..., 2)."""
        return self._grad(P)

    def hess(self, P) -> np.ndarray:
        """∇²f(P), shape (..., 2, 2)."""
        H = self._hess(P)
        return H.reshape(H.shape[:-1] + (2, 2))

    def mesh(self, n: int = 121, pad: float = 0.0):
        """A regular grid over the bounds: returns xs (n,), ys (n,), P (n, n, 2) with P[i, j] = (xs[j], ys[i])."""
        (x0, x1), (y0, y1) = self.bounds
        wx, wy = (x1 - x0) * pad, (y1 - y0) * pad
        xs = np.linspace(x0 - wx, x1 + wx, n)
        ys = np.linspace(y0 - wy, y1 + wy, n)
        XX, YY = np.meshgrid(xs, ys)
        return xs, ys, np.stack([XX, YY], axis=-1)


# --- the built-ins ----------------------------------------------------------------------

# Sharp-vs-flat: a narrow deep well and a wide, slightly shallower one on a gentle bowl.
SHARP_CENTER, SHARP_WIDTH, SHARP_DEPTH = (-1.2, 0.0), 0.15, 1.0
FLAT_CENTER, FLAT_WIDTH, FLAT_DEPTH = (1.2, 0.0), 0.8, 0.8


def _exact(v: float) -> str:
    """v as an exact fraction in the formula language (``6/5``), so notebooks get exact sympy rationals."""
    q = Fraction(v).limit_denominator(10_000)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def _well(center, width, depth) -> str:
    """-depth exp(-|p - center|² / (2 width²)) as text: a Gaussian well, written as it reads."""
    k = Fraction(1) / (2 * Fraction(_exact(width)) ** 2)
    squares = " + ".join(f"{v}^2" if c == 0 else f"({v} {'-' if c > 0 else '+'} {_exact(abs(c))})^2"
                         for v, c in zip("xy", center))
    return f"-{'' if depth == 1 else _exact(depth) + '*'}exp(-({_exact(k)})*({squares}))"


def _refine_minima(L: Landscape, starts) -> Landscape:
    """L with its minima refined from ``starts`` by Newton's method on ∇f = 0 (L's exact ∇f and ∇²f).

    Each start lies in the basin of the minimum it names, where ∇²f is positive definite, so the
    iteration converges quadratically; it stops when a step is below 1e-15 of the window. A start that
    does not reach a minimum is a mistake in the table above, and raises.
    """
    P = np.asarray(starts, float).reshape(-1, 2)
    scale = max(b - a for a, b in L.bounds)
    for _ in range(50):
        step = np.linalg.solve(L.hess(P), L.grad(P)[..., None])[..., 0]
        P = P - step
        if np.abs(step).max() <= 1e-15 * scale:
            break
    if not (np.isfinite(P).all() and (np.linalg.eigvalsh(L.hess(P)) > 0).all()):
        raise ValueError(f"{L.name}: a listed start did not converge to a minimum")
    object.__setattr__(L, "minima", P)
    return L


def _quadratic():
    return Landscape("quadratic", TITLES["quadratic"], "(x^2 + 20*y^2)/2",
                     ((-3.0, 3.0), (-3.0, 3.0)), [(0.0, 0.0)],
                     "A bowl 20 times steeper in y than in x: gradient methods zig-zag.", log_scale=True)


def _rosenbrock():
    return Landscape("rosenbrock", TITLES["rosenbrock"], "(1 - x)^2 + 100*(y - x^2)^2",
                     ((-2.0, 2.0), (-1.0, 3.0)), [(1.0, 1.0)],
                     "A curved, narrow valley: easy to find, slow to follow.", log_scale=True)


def _himmelblau():
    L = Landscape("himmelblau", TITLES["himmelblau"], "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", ((-5.0, 5.0), (-5.0, 5.0)), description=(
        "Four minima of equal value: where you end depends on where you start."), log_scale=True)
    return _refine_minima(L, [(3, 2), (-2.8, 3.1), (-3.8, -3.3), (3.6, -1.8)])


def _rastrigin():
    return Landscape("rastrigin", TITLES["rastrigin"], "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
                     ((-5.12, 5.12), (-5.12, 5.12)), [(0.0, 0.0)],
                     "A bowl covered in ripples: many local minima, one global one.")


def _saddle():
    return Landscape("saddle", TITLES["saddle"], "x^2 - y^2", ((-2.0, 2.0), (-2.0, 2.0)), np.zeros((0, 2)),
                     "A saddle point at the origin: a minimum along x, a maximum along y.")


def _sharp_flat():
    text = (f"{_well(SHARP_CENTER, SHARP_WIDTH, SHARP_DEPTH)} {_well(FLAT_CENTER, FLAT_WIDTH, FLAT_DEPTH)}"
            " + (x^2 + y^2)/20")
    L = Landscape("sharp_flat", TITLES["sharp_flat"], text, ((-3.0, 3.0), (-2.0, 2.0)), description=(
        "A narrow deep minimum (left) and a wide, slightly shallower one (right): "
        "smoothing and tilting prefer the flat one."))
    return _refine_minima(L, [SHARP_CENTER, FLAT_CENTER])


# Built lazily (a parse and the minima's Newton steps: about a millisecond each).
_FACTORIES = {"quadratic": _quadratic, "rosenbrock": _rosenbrock, "himmelblau": _himmelblau,
              "rastrigin": _rastrigin, "saddle": _saddle, "sharp_flat": _sharp_flat}
TITLES = {"quadratic": "Ill-conditioned quadratic", "rosenbrock": "Rosenbrock", "himmelblau": "Himmelblau",
          "rastrigin": "Rastrigin", "saddle": "Saddle", "sharp_flat": "Sharp vs flat minima"}


def names() -> list[str]:
    """Names of the built-in landscapes, in display order."""
    return list(_FACTORIES)


@lru_cache(maxsize=None)
def get(name: str) -> Landscape:
    """The built-in landscape called ``name`` (see :func:`names`)."""
    if name not in _FACTORIES:
        raise ValueError(f"unknown landscape {name!r}; choose one of {', '.join(names())}")
    return _FACTORIES[name]()

