"""The formula parser: valid formulas evaluate right; hostile ones are rejected without executing."""

import builtins
import math

import numpy as np
import pytest

from zo_core import expressions
from zo_core.expressions import parse

VALID = [
    ("x**2 + 10*sin(y)", lambda x, y: x**2 + 10 * math.sin(y)),
    ("exp(-x^2)", lambda x, y: math.exp(-x**2)),
    ("abs(x) + y^2", lambda x, y: abs(x) + y**2),
    ("-x**2", lambda x, y: -(x**2)),
    ("2^3^2 + 0*x", lambda x, y: 512.0),
    ("x*-y", lambda x, y: -x * y),
    ("(1 - x)^2 + 100*(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    ("sqrt(x^2 + y^2 + 1)", lambda x, y: math.sqrt(x**2 + y**2 + 1)),
    ("tanh(x) * cosh(y) / 2", lambda x, y: math.tanh(x) * math.cosh(y) / 2),
    ("log(1 + x^2) + 1.5e-1*y", lambda x, y: math.log(1 + x**2) + 0.15 * y),
    ("pi*x + e*y", lambda x, y: math.pi * x + math.e * y),
    ("  x  +  .5  ", lambda x, y: x + 0.5),
]


@pytest.mark.parametrize("text,ref", VALID)
def test_valid_formulas_evaluate_like_python(text, ref):
    L = parse(text)
    rng = np.random.default_rng(0)
    for x, y in rng.uniform(-2, 2, size=(5, 2)):
        assert float(L.f([x, y])) == pytest.approx(ref(x, y), rel=1e-12, abs=1e-12)


def test_gradient_of_parsed_formula():
    L = parse("x**2 * y + sin(y)")
    np.testing.assert_allclose(L.grad([1.5, 0.3]), [2 * 1.5 * 0.3, 1.5**2 + math.cos(0.3)])


def test_domain_errors_and_kinks_are_gaps_not_crashes():
    L = parse("log(x) + sqrt(y)")
    Z = L.f(np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]]))
    assert np.isfinite(Z[0]) and np.isnan(Z[1]) and np.isnan(Z[2])
    K = parse("abs(x) + y^2")
    assert np.all(np.isfinite(K.grad(np.zeros((3, 2))))) and np.all(np.isfinite(K.hess(np.zeros(2))))
    D = parse("1/x + y")
    assert np.isnan(D.f([0.0, 1.0]))


# Each hostile input plants a side effect; the test checks the effect never happens.
HOSTILE = [
    "__import__('os').system('touch /tmp/zo_pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "import os",
    "lambda: 1",
    "'x' + 'y'",
    '"abc"',
    "open('/etc/passwd')",
    "eval('1+1')",
    "exec('zo_pwned=1')",
    "globals()",
    "getattr(x, 'real')",
    "sin.__globals__",
    "x; import os",
    "x if y else 1",
    "[x for x in y]",
    "x[0]",
    "{x: y}",
    "foo(x)",
    "Integer(1)",
    "Symbol('z')",
    "z + 1",
    "x**2 # comment",
    "x @ y",
    "x == y",
    "9**9**9",
    "10**1000",
    "x**1000",
    "1e400 * x",
    "12345678901234567890 * x",
    "x" + "+x" * 150,
    "(" * 30 + "x" + ")" * 30,
    "-" * 40 + "x",
    "",
    "   ",
    "2x",
    "sin x",
    "x +",
    "(x + y",
    "x + y)",
    "1/0",
    "x\\ny",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_rejected_without_execution(text, monkeypatch, tmp_path):
    calls = []
    for name in ("eval", "exec", "__import__", "compile", "open"):
        original = getattr(builtins, name)

        def spy(*a, _name=name, _orig=original, **k):
            calls.append(_name)
            return _orig(*a, **k)

        monkeypatch.setattr(builtins, name, spy)
    import sympy

    def no_sympify(*a, **k):
        calls.append("sympify")
        raise AssertionError("sympify must never see user text")

    monkeypatch.setattr(sympy, "sympify", no_sympify)
    monkeypatch.setattr(sympy, "parse_expr", no_sympify)
    with pytest.raises(ValueError):
        parse(text)
    assert not [c for c in calls if c in ("eval", "exec", "compile", "sympify")], calls
    assert not (tmp_path / "zo_pwned").exists()
    assert not __import__("os").path.exists("/tmp/zo_pwned")


def test_error_messages_say_what_and_where():
    with pytest.raises(ValueError, match=r"unknown name 'foo'.*position 5"):
        parse("x + foo(y)")
    with pytest.raises(ValueError, match=r"character '\[' is not allowed.*position 2"):
        parse("x[0]")
    with pytest.raises(ValueError, match=r"9\^9 is too large"):
        parse("9**9**9")
    with pytest.raises(ValueError, match=r"exponent 101 is too large"):
        parse("x**101")
    with pytest.raises(ValueError, match=r"missing operator before 'x'.*write 2\*x"):
        parse("2x")
    with pytest.raises(ValueError, match=r"missing '\)'"):
        parse("(x + y")
    with pytest.raises(ValueError, match=r"201 characters long; the limit is 200"):
        parse("x" + " " * 200)
    with pytest.raises(ValueError, match="nested more than"):
        parse("(" * 30 + "x" + ")" * 30)
    with pytest.raises(ValueError, match="constant 2000000 is too large"):
        parse("2000000*x")


def test_limits_are_the_documented_ones():
    assert expressions.MAX_LENGTH == 200
    parse("x" + "+x" * 99)               # 199 characters is fine
    parse("(" * 19 + "x" + ")" * 19)     # within the nesting limit
    parse("x**100")
