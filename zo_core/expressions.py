"""Safe parsing of a formula in x and y typed by a student.

The text never reaches ``eval``, ``sympify`` or ``parse_expr``. A small tokenizer checks every
character against a whitelist, and a recursive-descent parser builds the sympy expression
node by node from the tokens it accepted:

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("+" | "-") unary | power
    power := atom (("**" | "^") unary)?          # right-associative: 2^3^2 = 2^(3^2)
    atom  := NUMBER | x | y | pi | e | FUNC "(" expr ")" | "(" expr ")"

Limits keep a formula cheap to differentiate and evaluate: at most ``MAX_LENGTH`` characters,
``MAX_DEPTH`` nested levels, constants up to ``MAX_CONSTANT`` and constant exponents up to
``MAX_EXPONENT`` in absolute value. Every rejection is a ``ValueError`` that says what and where.

>>> float(parse("x**2 + 10*sin(y)").f([1.0, 0.0]))
1.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from zo_core.landscapes import X, Y, Landscape

MAX_LENGTH = 200
MAX_DEPTH = 20
MAX_CONSTANT = 1e6
MAX_EXPONENT = 100

FUNCTIONS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs,
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
VARIABLES = {"x": X, "y": Y}

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z]+)"
    r"|(?P<op>\*\*|[-+*/^()])"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "number" | "name" | "op" | "end"
    text: str
    pos: int   # 0-based offset into the formula


def _error(text: str, pos: int, message: str) -> ValueError:
    caret = " " * pos + "^"
    return ValueError(f"{message} (at position {pos + 1})\n    {text}\n    {caret}")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into whitelisted tokens; anything else is a ValueError naming the character."""
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = " (strings are not formulas)" if ch in "'\"" else ""
            hint = " (use x, y, numbers, + - * / ** ^ and parentheses)" if not hint else hint
            raise _error(text, pos, f"character {ch!r} is not allowed{hint}")
        kind = m.lastgroup
        if kind != "space":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def fail(self, tok: Token, message: str) -> ValueError:
        return _error(self.text, tok.pos, message)

    def enter(self, tok: Token):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(tok, f"formula is nested more than {MAX_DEPTH} levels deep")

    # -- grammar
    def parse(self) -> sp.Expr:
        if self.tok.kind == "end":
            raise ValueError("the formula is empty: type an expression in x and y, e.g. x**2 + y**2")
        e = self.expr()
        if self.tok.kind != "end":
            t = self.tok
            if t.kind in ("number", "name") or t.text == "(":
                raise self.fail(t, f"missing operator before {t.text!r} (write 2*x, not 2x)")
            raise self.fail(t, f"unexpected {t.text!r}")
        return e

    def expr(self) -> sp.Expr:
        e = self.term()
        while self.tok.text in ("+", "-"):
            op = self.take().text
            rhs = self.term()
            e = e + rhs if op == "+" else e - rhs
        return e

    def term(self) -> sp.Expr:
        e = self.unary()
        while self.tok.text in ("*", "/"):
            op = self.take().text
            rhs = self.unary()
            e = e * rhs if op == "*" else e / rhs
        return e

    def unary(self) -> sp.Expr:
        t = self.tok
        if t.text in ("+", "-"):
            self.take()
            self.enter(t)
            e = self.unary()
            self.depth -= 1
            return -e if t.text == "-" else e
        return self.power()

    def power(self) -> sp.Expr:
        base = self.atom()
        if self.tok.text in ("**", "^"):
            op = self.take()
            self.enter(op)
            exponent = self.unary()
            self.depth -= 1
            return self._pow(base, exponent, op)
        return base

    def _pow(self, base: sp.Expr, exponent: sp.Expr, op: Token) -> sp.Expr:
        if exponent.is_number:
            value = complex(sp.N(exponent))
            if abs(value) > MAX_EXPONENT:
                raise self.fail(op, f"exponent {sp.N(exponent, 6)} is too large (|exponent| ≤ {MAX_EXPONENT})")
            if base.is_number:
                magnitude = abs(complex(sp.N(base)))
                if magnitude > 0 and abs(value.real) * sp.log(magnitude, 10) > 300:
                    raise self.fail(op, "constant power is too large (the result exceeds 1e300)")
        return base**exponent

    def atom(self) -> sp.Expr:
        t = self.take()
        if t.kind == "number":
            value = float(t.text)
            if value > MAX_CONSTANT:
                raise self.fail(t, f"constant {t.text} is too large (at most {MAX_CONSTANT:g})")
            is_int = re.fullmatch(r"\d+", t.text) is not None
            return sp.Integer(int(t.text)) if is_int else sp.Float(value)
        if t.kind == "name":
            name = t.text
            if name in VARIABLES:
                return VARIABLES[name]
            if name in CONSTANTS:
                return CONSTANTS[name]
            if name in FUNCTIONS:
                if self.tok.text != "(":
                    raise self.fail(self.tok, f"function {name} needs parentheses: {name}(...)")
                self.take()
                self.enter(t)
                arg = self.expr()
                self.depth -= 1
                self._close(t)
                return FUNCTIONS[name](arg)
            allowed = ", ".join(sorted(FUNCTIONS))
            raise self.fail(t, f"unknown name {name!r}: use x, y, pi, e or one of the functions {allowed}")
        if t.text == "(":
            self.enter(t)
            e = self.expr()
            self.depth -= 1
            self._close(t)
            return e
        if t.kind == "end":
            raise self.fail(t, "the formula ends too early: an operand is missing")
        raise self.fail(t, f"unexpected {t.text!r}: an operand is missing")

    def _close(self, opener: Token):
        if self.tok.text != ")":
            raise self.fail(self.tok, f"missing ')' to close the '(' at position {opener.pos + 1}")
        self.take()


def parse_expr_safe(text: str) -> sp.Expr:
    """The sympy expression for ``text``, built from whitelisted tokens only."""
    if not isinstance(text, str):
        raise ValueError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
    expr = _Parser(text).parse()
    if not expr.free_symbols <= {X, Y}:  # cannot happen with the whitelist; kept as a guard
        raise ValueError("the formula may only use the variables x and y")
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ValueError("the formula is undefined everywhere (division by zero or similar)")
    return expr


def parse(text: str, *, bounds=((-3.0, 3.0), (-3.0, 3.0))) -> Landscape:
    """A :class:`~zo_core.landscapes.Landscape` for a formula in x and y typed by a student.

    Parameters
    ----------
    text : the formula, e.g. ``"x**2 + 10*sin(y)"``, ``"exp(-x^2)"``, ``"abs(x) + y^2"``.
    bounds : the window to draw, ``((xmin, xmax), (ymin, ymax))``.

    Raises
    ------
    ValueError
        with a message that says what is wrong and where.
    """
    expr = parse_expr_safe(text)
    return Landscape("custom", text.strip(), expr, bounds, description="A formula you typed.")
