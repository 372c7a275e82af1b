"""The formula language of ZO Lab: text in x and y -> a checked tree -> LaTeX, numpy jets, sympy.

The text never reaches ``eval``, ``sympify``, ``parse_expr`` or ``lambdify``. A tokenizer checks
every character against an ASCII whitelist; a recursive-descent parser builds a small tree of
:class:`Node` from the tokens it accepted:

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("+" | "-") unary | power
    power := atom (("**" | "^") unary)?          # right-associative: 2^3^2 = 2^(3^2)
    atom  := NUMBER | x | y | pi | e | FUNC "(" expr ")" | "(" expr ")"

While the tree grows, every constant subtree is evaluated with plain floats and checked
*before* sympy sees it: its magnitude is at most ``MAX_CONSTANT``, it is real (no square root,
logarithm or fractional power of a negative number), and a constant exponent is at most
``MAX_EXPONENT``. That is what keeps ``2^exp(exp(exp(100)))`` from running for minutes inside
sympy. A formula also has at most ``MAX_LENGTH`` characters, ``MAX_DEPTH`` nested levels and
degree ``MAX_DEGREE``. From the checked tree come the LaTeX (:func:`to_latex`, written directly),
f with its exact gradient and Hessian by forward-mode differentiation (:func:`zo_core.jets.compile_tree`:
no symbolic Hessian is built, so the cost is bounded by the length of the text) and, only when asked
for, a sympy expression (:func:`to_sympy`, for students' notebooks and exact algebra; constants that
would make sympy evaluate numerically are folded to floats). sympy is imported on that first request:
a chart of a formula never needs it. Every rejection is a ``ValueError`` that says what and where.

The built-in landscapes (:mod:`zo_core.landscapes`) are formulas in this language, and so is what a
student types (:func:`zo_core.expressions.parse`).

>>> tree = parse_tree("x**2 + 10*sin(y)")
>>> print(to_latex(tree))
x^{2} + 10 \\sin\\left(y\\right)
>>> [float(v) for v in jets.compile_tree(tree)(1.0, 0.0, 1)]   # f, f_x, f_y at (1, 0)
[1.0, 2.0, 10.0]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from zo_core import jets

MAX_LENGTH = 200
MAX_DEPTH = 20
MAX_CONSTANT = 1e6     # bound on every constant, typed (1e6) or computed (exp(13))
MAX_EXPONENT = 100     # bound on every constant exponent
MAX_DEGREE = 100       # bound on the degree, so expanding a power stays cheap: (x+y)^100 but not (x^100)^100

FUNCTIONS = frozenset(jets.NUMPY)     # sin, cos, ..., exp, log, ln, sqrt, abs
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")

# re.ASCII: \d and \s match ASCII only, so '١٢', '²' or a full-width '１' are not numbers.
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z]+)"
    r"|(?P<op>\*\*|[-+*/^()])",
    re.ASCII,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "number" | "name" | "op" | "end"
    text: str
    pos: int   # 0-based offset into the formula


@dataclass(frozen=True, eq=False)
class Node:
    """One operation of the parsed formula.

    op : "num" | "x" | "y" | "pi" | "e" | "neg" | "+" | "-" | "*" | "/" | "^" | a name in FUNCTIONS.
    args : the operands (Nodes).
    const : the float value when the subtree holds neither x nor y, else None.
    degree : the polynomial degree (a function of x counts as degree 1).
    text : the literal, for "num".
    """

    op: str
    args: tuple = ()
    const: float | None = None
    degree: int = 0
    text: str = ""


def _shown(text: str) -> str:
    """The formula as one printable line of the same length, so the caret below it points right."""
    return "".join(" " if ch.isspace() else ch if ch.isprintable() else "?" for ch in text)


def _error(text: str, pos: int, message: str) -> ValueError:
    caret = " " * pos + "^"
    return ValueError(f"{message} (at position {pos + 1})\n    {_shown(text)}\n    {caret}")


def _fmt(c: float) -> str:
    return f"{c:.6g}"


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into whitelisted tokens; anything else is a ValueError naming the character."""
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch in "'\"":
                hint = " (strings are not formulas)"
            elif ch.isdigit() or ch.isalpha():
                hint = " (only the ASCII digits 0-9 and letters a-z)"
            else:
                hint = " (use x, y, numbers, + - * / ** ^ and parentheses)"
            raise _error(text, pos, f"character {ch!r} is not allowed{hint}")
        if m.lastgroup != "space":
            tokens.append(Token(m.lastgroup, m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- constant arithmetic: floats, checked at every step ------------------------------------------

def _unary_const(name: str, c: float) -> float:
    """name(c) for a constant c; ValueError (text only, no position) when it is not a moderate real."""
    if name == "sqrt" and c < 0:
        raise ValueError(f"sqrt({_fmt(c)}) is not a real number")
    if name in ("log", "ln") and c <= 0:
        raise ValueError(f"{name}({_fmt(c)}) is " + ("minus infinity" if c == 0 else "not a real number"))
    if name in ("asin", "acos") and abs(c) > 1:
        raise ValueError(f"{name}({_fmt(c)}) is not a real number (|argument| must be at most 1)")
    big = math.log(MAX_CONSTANT) + 1   # exp(15) > 1e6 already; exp(-1000) is a harmless 0
    if (name == "exp" and c > big) or (name in ("sinh", "cosh") and abs(c) > big):
        raise ValueError(f"{name}({_fmt(c)}) is too large (constants are at most {MAX_CONSTANT:g})")
    return jets.FLOAT[name](c)


def _pow_const(b: float, p: float) -> float:
    """b^p for constants; refuses complex, infinite and huge results before computing them."""
    if b < 0 and not float(p).is_integer():
        raise ValueError(f"({_fmt(b)})^{_fmt(p)} is not a real number (a negative base needs a whole exponent)")
    if b == 0 and p < 0:
        raise ValueError("0 to a negative power divides by zero")
    if b != 0 and p * math.log10(abs(b)) > math.log10(MAX_CONSTANT):
        raise ValueError(f"{_fmt(b)}^{_fmt(p)} is too large (constants are at most {MAX_CONSTANT:g})")
    if b != 0 and p * math.log10(abs(b)) < -300:
        raise ValueError(f"{_fmt(b)}^{_fmt(p)} is too small to represent")
    return float(b) ** float(p)


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

    def node(self, tok: Token, op: str, args: tuple, const: float | None, degree: int) -> Node:
        """A checked node: constants finite and moderate, degree bounded."""
        if const is not None:
            if not math.isfinite(const) or abs(const) > MAX_CONSTANT:
                size = _fmt(const) if math.isfinite(const) else "infinite"
                raise self.fail(tok, f"a constant here is {size}, too large (constants are at most {MAX_CONSTANT:g})")
            const = float(const)
        if degree > MAX_DEGREE:
            raise self.fail(tok, f"the formula's degree is {degree}; the limit is {MAX_DEGREE}")
        return Node(op, args, const, degree)

    def const_op(self, tok: Token, fn, *args):
        """fn(*args) for float constants, with every arithmetic failure turned into a positioned ValueError."""
        try:
            return fn(*args)
        except ValueError as err:
            raise self.fail(tok, str(err)) from None
        except ArithmeticError:   # OverflowError, ZeroDivisionError: no constant of ours may raise them
            raise self.fail(tok, f"a constant here is not a moderate real number (at most {MAX_CONSTANT:g})") from None

    # -- grammar
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ValueError("the formula is empty: type an expression in x and y, e.g. x**2 + y**2")
        e = self.expr()
        if self.tok.kind != "end":
            t = self.tok
            if t.kind in ("number", "name") or t.text == "(":
                raise self.fail(t, f"missing operator before {t.text!r} (write 2*x, not 2x)")
            raise self.fail(t, f"unexpected {t.text!r}")
        return e

    def expr(self) -> Node:
        e = self.term()
        while self.tok.text in ("+", "-"):
            op = self.take()
            rhs = self.term()
            const = None
            if e.const is not None and rhs.const is not None:
                const = e.const + rhs.const if op.text == "+" else e.const - rhs.const
            e = self.node(op, op.text, (e, rhs), const, max(e.degree, rhs.degree))
        return e

    def term(self) -> Node:
        e = self.unary()
        while self.tok.text in ("*", "/"):
            op = self.take()
            rhs = self.unary()
            if op.text == "/" and rhs.const == 0:
                raise self.fail(op, "division by zero")
            const = None
            if e.const is not None and rhs.const is not None:
                const = e.const * rhs.const if op.text == "*" else e.const / rhs.const
            degree = e.degree + rhs.degree if op.text == "*" else max(e.degree, rhs.degree)
            e = self.node(op, op.text, (e, rhs), const, degree)
        return e

    def unary(self) -> Node:
        t = self.tok
        if t.text in ("+", "-"):
            self.take()
            self.enter(t)
            e = self.unary()
            self.depth -= 1
            if t.text == "+":
                return e
            return self.node(t, "neg", (e,), None if e.const is None else -e.const, e.degree)
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.tok.text in ("**", "^"):
            op = self.take()
            self.enter(op)
            exponent = self.unary()
            self.depth -= 1
            return self._pow(base, exponent, op)
        return base

    def _pow(self, base: Node, exponent: Node, op: Token) -> Node:
        p = exponent.const
        if p is not None and abs(p) > MAX_EXPONENT:
            raise self.fail(op, f"exponent {_fmt(p)} is too large (|exponent| ≤ {MAX_EXPONENT})")
        if base.const is not None and p is not None:
            return self.node(op, "^", (base, exponent), self.const_op(op, _pow_const, base.const, p), 0)
        if base.const is not None and base.const < 0:
            raise self.fail(op, f"({_fmt(base.const)})^(...) is not a real number when the exponent varies")
        degree = base.degree * math.ceil(abs(p)) if p is not None else max(1, base.degree)
        return self.node(op, "^", (base, exponent), None, degree)

    def atom(self) -> Node:
        t = self.take()
        if t.kind == "number":
            value = float(t.text)
            if not math.isfinite(value) or value > MAX_CONSTANT:
                raise self.fail(t, f"constant {t.text} is too large (at most {MAX_CONSTANT:g})")
            return Node("num", (), value, 0, t.text)
        if t.kind == "name":
            name = t.text
            if name in VARIABLES:
                return Node(name, (), None, 1)
            if name in CONSTANTS:
                return Node(name, (), CONSTANTS[name], 0)
            if name in FUNCTIONS:
                if self.tok.text != "(":
                    raise self.fail(self.tok, f"function {name} needs parentheses: {name}(...)")
                self.take()
                self.enter(t)
                arg = self.expr()
                self.depth -= 1
                self._close(t)
                const = None if arg.const is None else self.const_op(t, _unary_const, name, arg.const)
                return self.node(t, name, (arg,), const, 0 if const is not None else 1)
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


def parse_tree(text: str) -> Node:
    """The checked :class:`Node` tree for ``text`` (ValueError for anything else)."""
    if not isinstance(text, str):
        raise ValueError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
    return _Parser(text).parse()


@lru_cache(maxsize=None)
def symbols():
    """The real sympy symbols ``(x, y)`` every expression of this language is written in (imports sympy)."""
    import sympy as sp

    return sp.symbols("x y", real=True)


_SYMPY_NAMES = {"ln": "log", "abs": "Abs"}   # every other function has its own name in sympy


def _binary(sp, op: str, a, b, ev: bool):
    """a op b in sympy; a chain x + y + z becomes one n-ary Add (Mul), not nested pairs."""
    def terms(e, cls) -> tuple:
        return e.args if isinstance(e, cls) else (e,)

    if op == "+":
        return sp.Add(*terms(a, sp.Add), b, evaluate=ev)
    if op == "-":
        return sp.Add(*terms(a, sp.Add), sp.Mul(sp.S.NegativeOne, b, evaluate=ev), evaluate=ev)
    if op == "*":
        return sp.Mul(*terms(a, sp.Mul), b, evaluate=ev)
    if op == "/":
        return sp.Mul(*terms(a, sp.Mul), sp.Pow(b, sp.S.NegativeOne, evaluate=ev), evaluate=ev)
    return sp.Pow(a, b, evaluate=ev)


MAX_EXACT_DIGITS = 60   # exact rationals stay small: ((999999/10^6)^100)^100 would have 600,000 digits


def to_sympy(node: Node, *, evaluate: bool = True):
    """The sympy expression of a checked tree.

    ``evaluate=False`` (what a Landscape keeps for its LaTeX) builds the expression as typed and asks
    sympy no questions about signs or integrality, which for towers such as (x+y)^(x+y)^... cost a
    query per level; ``evaluate=True`` (what algebra such as theory's expand needs) simplifies as
    sympy always does. The flag goes to each constructor: sympy's global switch is shared by threads.

    Constants stay exact only where sympy's exact arithmetic is cheap and obviously finite:
    rationals of at most ``MAX_EXACT_DIGITS`` digits (``x/3`` stays ``x/3``) and rational multiples of
    powers of pi and e (``sin(2*pi*x)``). Every other constant subtree (``sqrt(2)``, ``exp(1) - 1``,
    ``cos(1)^2 + sin(1)^2 - 1``) becomes the float the parser computed, because sympy would otherwise
    query its sign by numerical evaluation at growing precision, which can take seconds.
    """
    import sympy as sp

    return _sym(sp, node, evaluate)[0]


def _sym(sp, node: Node, ev: bool) -> tuple:
    """(expression, kind, digits): kind "q" exact rational, "m" rational times pi^a e^b, "v" has x or y, "" float."""
    if node.op == "num":
        if node.text.isdigit() and len(node.text) <= MAX_EXACT_DIGITS:
            return sp.Integer(int(node.text)), "q", len(node.text)
        return sp.Float(node.const), "", 0
    if node.op in VARIABLES:
        return symbols()[VARIABLES.index(node.op)], "v", 0
    if node.op in CONSTANTS:
        return (sp.pi if node.op == "pi" else sp.E), "m", 1
    args = [_sym(sp, a, ev) for a in node.args]
    if node.const is not None:
        kinds = {k for _, k, _ in args}
        digits = sum(d for _, _, d in args)
        if node.op in ("+", "-"):
            kind = "q" if kinds == {"q"} else ""
        elif node.op in ("neg", "*", "/"):
            kind = "q" if kinds == {"q"} else "m" if kinds <= {"q", "m"} else ""
        elif node.op == "^" and args[1][1] == "q" and float(node.args[1].const).is_integer():
            kind, digits = args[0][1], args[0][2] * max(1, int(abs(node.args[1].const)))
        else:
            kind = ""
        if kind == "" or digits > MAX_EXACT_DIGITS:
            return sp.Float(node.const), "", 0
    else:
        kind, digits = "v", 0
    exprs = [e for e, _, _ in args]
    if node.op == "neg":
        return sp.Mul(sp.S.NegativeOne, exprs[0], evaluate=ev), kind, digits
    if len(exprs) == 2:
        return _binary(sp, node.op, *exprs, ev), kind, digits
    return getattr(sp, _SYMPY_NAMES.get(node.op, node.op))(exprs[0], evaluate=ev), kind, digits


_TEX_NAMES = {"asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "ln": r"\ln"}
_TEX_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}


def to_latex(node: Node) -> str:
    """LaTeX of a checked tree, written from the tree in one pass (sympy's printer evaluates as it prints,
    which for some typed formulas costs a tenth of a second or more)."""
    op, args = node.op, node.args
    if op == "num":
        mantissa, _, power = node.text.lower().partition("e")
        return mantissa + (rf" \cdot 10^{{{int(power)}}}" if power else "")
    if op in ("x", "y", "e"):
        return op
    if op == "pi":
        return r"\pi"
    if op == "/":
        return rf"\frac{{{to_latex(args[0])}}}{{{to_latex(args[1])}}}"
    if op in _TEX_PRECEDENCE:
        prec = _TEX_PRECEDENCE[op]

        def part(child: Node, tight: bool) -> str:   # tight: parenthesise equal precedence (or a sign) too
            p = _TEX_PRECEDENCE.get(child.op, 9 if child.op != "num" or "e" not in child.text.lower() else 2)
            if child.op == "/" and op == "neg":
                p = 9   # a fraction bar groups by itself: -\frac{a}{b}, not -(\frac{a}{b})
            tex = to_latex(child)
            return rf"\left({tex}\right)" if p < prec or (tight and (p == prec or child.op == "neg")) else tex

        if op == "neg":
            return "-" + part(args[0], True)
        if op == "^":
            return f"{part(args[0], True)}^{{{to_latex(args[1])}}}"
        left = part(args[0], False)
        right = part(args[1], op == "-" or args[1].op == "neg")   # a - (-x), not a - -x
        if op == "*":   # juxtaposition, except where digits or a sign would run together
            times = r" \cdot " if right[:1].isdigit() or right[:1] == "-" else " "
            return left + times + right
        return f"{left} {op} {right}"
    inner = to_latex(args[0])
    if op == "sqrt":
        return rf"\sqrt{{{inner}}}"
    if op == "abs":
        return rf"\left|{inner}\right|"
    return _TEX_NAMES.get(op, "\\" + op) + rf"\left({inner}\right)"


def parse_expr_safe(text: str):
    """The (evaluated) sympy expression for ``text``, built from a checked tree of whitelisted tokens only."""
    import sympy as sp

    expr = to_sympy(parse_tree(text))
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        raise ValueError("the formula is undefined everywhere (division by zero or similar)")
    return expr
