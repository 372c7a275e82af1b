"""A formula in x and y typed by a student, as a :class:`~zo_core.landscapes.Landscape`.

The text is read by the whitelisting parser of :mod:`zo_core.formula` (it never reaches ``eval``,
``sympify``, ``parse_expr`` or ``lambdify``; every constant is checked before sympy could see it,
and the length, depth and degree are bounded); its f, gradient and Hessian come from the checked
tree by forward-mode differentiation. This module adds what a typed formula needs beyond that: a
window that is checked, a refusal of formulas that are nowhere defined in it, and :func:`resolve`,
which takes a built-in's name or a formula, as the app's landscape box does. Every rejection is a
``ValueError`` that says what and where.

>>> float(parse("x**2 + 10*sin(y)").f([1.0, 0.0]))
1.0
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from zo_core import landscapes
from zo_core.landscapes import Landscape

SAMPLES = 17           # the window is sampled on SAMPLES x SAMPLES points to refuse nowhere-defined formulas


def _check_bounds(bounds) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in bounds)
    except (TypeError, ValueError):
        raise ValueError("bounds must be ((xmin, xmax), (ymin, ymax))") from None
    if not all(map(math.isfinite, (x0, x1, y0, y1))) or x0 >= x1 or y0 >= y1:
        raise ValueError(f"bounds must be finite with min < max, got {bounds!r}")
    return (x0, x1), (y0, y1)


def parse(text: str, *, bounds=((-3.0, 3.0), (-3.0, 3.0))) -> Landscape:
    """A :class:`~zo_core.landscapes.Landscape` for a formula in x and y typed by a student.

    Parameters
    ----------
    text : the formula, e.g. ``"x**2 + 10*sin(y)"``, ``"exp(-x^2)"``, ``"abs(x) + y^2"``.
    bounds : the window to draw, ``((xmin, xmax), (ymin, ymax))``.

    Raises
    ------
    ValueError
        with a message that says what is wrong and where; also when the formula has no real,
        finite value anywhere in the window (a partial domain such as ``log(x)`` is fine).
    """
    if not isinstance(text, str):   # a Landscape would take a sympy expression: a student types text
        raise ValueError(f"a formula must be text, got {type(text).__name__}")
    bounds = _check_bounds(bounds)
    L = Landscape("custom", " ".join(text.split()), text, bounds, description="A formula you typed.")
    _, _, P = L.mesh(SAMPLES)
    if not np.isfinite(L.f(P)).any():
        (x0, x1), (y0, y1) = bounds
        raise ValueError(f"the formula has no real, finite value anywhere in the window "
                         f"[{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]: it is complex, infinite or undefined there")
    return L


@lru_cache(maxsize=128)
def _resolve(spec: str) -> Landscape:
    return landscapes.get(spec) if spec in landscapes.names() else parse(spec)


def resolve(spec: str) -> Landscape:
    """A built-in landscape by name, or else a formula in x and y parsed safely (cached).

    Landscapes are immutable, so one cached object may be shared by every caller.
    """
    if not isinstance(spec, str):
        raise ValueError(f"a landscape is a name or a formula, got {type(spec).__name__}")
    return _resolve(spec)
