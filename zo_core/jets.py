"""f, ∇f and ∇²f of a parsed formula by forward-mode differentiation of second order.

A *jet* of a function of (x, y) at some points is the list of its Taylor coefficients
``[f, f_x, f_y, f_xx, f_xy, f_yy]`` cut after order 0 (one entry), 1 (three) or 2 (six).
Each operation of the formula maps its operands' jets to its own by the chain and product
rules, so the exact gradient and Hessian cost a fixed number of numpy operations per node of
the formula: no symbolic Hessian is ever built, and the work of compiling a formula is bounded
by its length. An entry ``None`` stands for an identically zero derivative (a constant, or
``f_y`` of a function of x alone), which keeps ``0 * inf`` out of, e.g., ``∂/∂y sqrt(x)`` at x = 0.

The tree comes from :func:`zo_core.formula.parse_tree`; this module only needs a node's
``op``, ``args`` and ``const``.

>>> from zo_core.formula import parse_tree
>>> jet = compile_tree(parse_tree("x^2 * y"))
>>> [None if v is None else float(v) for v in jet(np.array(3.0), np.array(2.0), 2)]   # f_yy = 0 exactly
[18.0, 12.0, 9.0, 4.0, 6.0, None]
"""

from __future__ import annotations

import math

import numpy as np

ORDERS = {0: 1, 1: 3, 2: 6}   # derivative order -> length of the jet

# Values of the functions on arrays and on float constants (the parser folds constants with FLOAT).
NUMPY = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
         "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "exp": np.exp,
         "log": np.log, "ln": np.log, "sqrt": np.sqrt, "abs": np.abs}
FLOAT = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
         "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "exp": math.exp,
         "log": math.log, "ln": math.log, "sqrt": math.sqrt, "abs": math.fabs}

# (g', g'') of each function at u, given g = g(u); None: identically zero.
DERIVATIVES = {
    "sin": lambda u, g: (np.cos(u), -g),
    "cos": lambda u, g: (-np.sin(u), -g),
    "tan": lambda u, g: (1 + g * g, 2 * g * (1 + g * g)),
    "asin": lambda u, g: (1 / np.sqrt(1 - u * u), u / (1 - u * u) ** 1.5),
    "acos": lambda u, g: (-1 / np.sqrt(1 - u * u), -u / (1 - u * u) ** 1.5),
    "atan": lambda u, g: (1 / (1 + u * u), -2 * u / (1 + u * u) ** 2),
    "sinh": lambda u, g: (np.cosh(u), g),
    "cosh": lambda u, g: (np.sinh(u), g),
    "tanh": lambda u, g: (1 - g * g, -2 * g * (1 - g * g)),
    "exp": lambda u, g: (g, g),
    "log": lambda u, g: (1 / u, -1 / (u * u)),
    "sqrt": lambda u, g: (0.5 / g, -0.25 / (g * u)),
    "abs": lambda u, g: (np.sign(u), None),   # the kink counts as flat, as in landscapes._drop_distributions
}
DERIVATIVES["ln"] = DERIVATIVES["log"]


def _add(a, b):
    return b if a is None else a if b is None else a + b


def _mul(a, b):
    if a is None or b is None:
        return None
    if type(a) is float and a == 1.0:   # x_x = 1: skip a multiplication over the whole grid
        return b
    if type(b) is float and b == 1.0:
        return a
    return a * b


def _neg(a):
    return None if a is None else -a


def chain(u: list, g, g1, g2) -> list:
    """The jet of g(u) from u's jet and g, g', g'' at u: (g∘u)_x = g' u_x, (g∘u)_xy = g'' u_x u_y + g' u_xy."""
    out = [g]
    if len(u) >= 3:
        out += [_mul(g1, u[1]), _mul(g1, u[2])]
    if len(u) == 6:
        ux, uy = u[1], u[2]
        out += [_add(_mul(g2, _mul(ux, ux)), _mul(g1, u[3])),
                _add(_mul(g2, _mul(ux, uy)), _mul(g1, u[4])),
                _add(_mul(g2, _mul(uy, uy)), _mul(g1, u[5]))]
    return out


def product(a: list, b: list) -> list:
    """(ab)_x = a_x b + a b_x;  (ab)_xy = a_xy b + a_x b_y + a_y b_x + a b_xy."""
    out = [a[0] * b[0]]
    if len(a) >= 3:
        out += [_add(_mul(a[1], b[0]), _mul(a[0], b[1])), _add(_mul(a[2], b[0]), _mul(a[0], b[2]))]
    if len(a) == 6:
        for k, (i, j) in zip((3, 4, 5), ((1, 1), (1, 2), (2, 2))):
            cross = _add(_mul(a[i], b[j]), _mul(a[j], b[i]))
            out.append(_add(_add(_mul(a[k], b[0]), cross), _mul(a[0], b[k])))
    return out


def quotient(a: list, b: list) -> list:
    """q = a/b from a = q b:  q_x = (a_x - q b_x)/b;  q_xy = (a_xy - q_x b_y - q_y b_x - q b_xy)/b."""
    q = [a[0] / b[0]]
    if len(a) >= 3:
        for i in (1, 2):
            num = _add(a[i], _neg(_mul(q[0], b[i])))
            q.append(None if num is None else num / b[0])
    if len(a) == 6:
        for k, (i, j) in zip((3, 4, 5), ((1, 1), (1, 2), (2, 2))):
            cross = _add(_mul(q[i], b[j]), _mul(q[j], b[i]))
            num = _add(a[k], _neg(_add(cross, _mul(q[0], b[k]))))
            q.append(None if num is None else num / b[0])
    return q


def _pow(u, p: float):
    """u^p for a constant p; a whole p as an int, so numpy squares (x**2) instead of calling pow."""
    if p == 0:
        return np.float64(1.0)   # a numpy float, as every value in a jet: 1/(x^0 - 1) is inf, not ZeroDivisionError
    if p == 1:
        return u
    return u ** int(p) if float(p).is_integer() else u ** p


def power(u: list, v: list, p: float | None) -> list:
    """u^v; with a constant exponent p, g' = p u^(p-1) and g'' = p(p-1) u^(p-2), else u^v = exp(v log u)."""
    if p is not None:
        value = _pow(u[0], p)
        if len(u) == 1:
            return [value]
        g1 = p * _pow(u[0], p - 1) if p != 0 else None
        g2 = p * (p - 1) * _pow(u[0], p - 2) if p * (p - 1) != 0 else None
        return chain(u, value, g1, g2)
    value = np.power(u[0], v[0])
    if len(u) == 1:
        return [value]
    log_u = chain(u, np.log(u[0]), 1 / u[0], -1 / (u[0] * u[0]))
    return chain(product(v, log_u), value, value, value)


def _jet(node, x, y, n: int) -> list:
    if node.const is not None:   # a numpy float: 1/0 is inf (a gap), not a ZeroDivisionError
        return [np.float64(node.const)] + [None] * (n - 1)
    if node.op in ("x", "y"):
        return [x if node.op == "x" else y] + [1.0 if node.op == "x" else None,
                                               None if node.op == "x" else 1.0, None, None, None][: n - 1]
    args = [_jet(a, x, y, n) for a in node.args]
    if node.op == "neg":
        return [_neg(c) for c in args[0]]
    if node.op in ("+", "-"):
        a, b = args
        return [_add(p, q if node.op == "+" else _neg(q)) for p, q in zip(a, b)]
    if node.op == "*":
        return product(*args)
    if node.op == "/":
        return quotient(*args)
    if node.op == "^":
        return power(args[0], args[1], node.args[1].const)
    u = args[0]
    g = NUMPY[node.op](u[0])
    if n == 1:
        return [g]
    g1, g2 = DERIVATIVES[node.op](u[0], g)
    return chain(u, g, g1, g2)


def compile_tree(tree):
    """An evaluator ``(x, y, order) -> jet`` of a parsed formula: order 0 gives [f], 1 adds ∇f, 2 adds ∇²f.

    Entries are arrays broadcastable against x and y, or None for an identically zero entry.
    Evaluate inside ``np.errstate(all="ignore")``: domain errors become NaN, which callers treat as gaps.
    """
    def evaluate(x, y, order: int = 0) -> list:
        return _jet(tree, x, y, ORDERS[order])

    return evaluate
