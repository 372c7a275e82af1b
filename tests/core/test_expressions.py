"""The formula parser: valid formulas evaluate right; hostile ones are rejected without executing."""

import builtins
import math

import numpy as np
import pytest

from zo_core import expressions, formula
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
    assert formula.MAX_LENGTH == 200
    parse("x" + "+x" * 99)               # 199 characters is fine
    parse("(" * 19 + "x" + ")" * 19)     # within the nesting limit
    parse("x**100")


# --- hostile formulas, class by class: each is a ValueError whose message says what is wrong -----------

REFUSED = [
    # constants whose evaluation explodes: refused before sympy touches them
    ("2^exp(exp(exp(100)))", r"exp\(100\) is too large"),
    ("cosh(cosh(sinh(10^6)))*x", r"sinh\(1e\+06\) is too large"),
    ("exp(exp(exp(exp(exp(exp(1))))))*x", r"too large"),
    ("10^7*x", r"10\^7 is too large"),
    ("exp(14)*x", r"is 1\.2026\d*e\+06, too large"),
    ("tan(pi/2)*x", r"too large"),
    ("((1/999999)^100)^100", r"too small"),
    ("1e400*x", r"constant 1e400 is too large"),
    ("9" * 60 + "*x", r"too large"),
    # complex-valued constants
    ("sqrt(-1)*x", r"sqrt\(-1\) is not a real number"),
    ("log(-1)", r"log\(-1\) is not a real number"),
    ("ln(0)*x", r"ln\(0\) is minus infinity"),
    ("(-8)^(1/3)", r"\(-8\)\^0\.333333 is not a real number"),
    ("(-2)^0.5*x", r"not a real number"),
    ("(-2)^x", r"not a real number when the exponent varies"),
    ("asin(2)*x", r"asin\(2\) is not a real number"),
    ("acos(-1.5)+y", r"acos\(-1\.5\) is not a real number"),
    # division by zero
    ("x/0", r"division by zero"),
    ("x/(1-1)", r"division by zero"),
    ("0^(-1)+x", r"0 to a negative power divides by zero"),
    ("1/(x-x)", r"undefined|no real, finite value"),
    # sizes
    ("((x+y)^10)^11", r"degree is 110; the limit is 100"),
    ("x" + "+x" * 100, r"201 characters long"),
    ("sin(" * 21 + "x" + ")" * 21, r"nested more than 20 levels"),
    # nowhere real or finite on the window
    ("sqrt(-1 - x^2)", r"no real, finite value anywhere in the window \[-3, 3\] x \[-3, 3\]"),
    ("log(-exp(x) - y^2)", r"no real, finite value"),
    ("acos(x^2 + 2)", r"no real, finite value"),
    # unicode digits and letters are not ASCII digits and letters
    ("\u0661\u0662*x", r"character '\u0661' is not allowed \(only the ASCII digits"),
    ("x\u00b2", r"character '\u00b2' is not allowed"),
    ("\uff11*x", r"character '\uff11' is not allowed"),
    ("\U0001d7d9 + x", r"is not allowed"),
    ("\uff58 + y", r"is not allowed"),
    ("x\u200b+y", r"is not allowed"),
    ("x\u00a0+ y", r"is not allowed"),
]


@pytest.mark.parametrize("text,message", REFUSED)
def test_hostile_formula_is_a_value_error_with_a_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse(text)


@pytest.mark.parametrize("value", [None, 3, 2.5, b"x+y", ["x"], {"x": 1}])
def test_non_text_is_a_value_error(value):
    with pytest.raises(ValueError, match="must be text"):
        parse(value)
    with pytest.raises(ValueError):
        expressions.resolve(value)


def test_the_limits_sit_where_documented():
    parse("exp(13)*x")                   # 442413: a constant under 1e6
    parse("exp(-1000)*x + y")            # tiny constants are harmless
    parse("10^6*x")
    parse("(-8)^(2/2)*x")                # a whole exponent of a negative base is real
    parse("(x+y)^100")                   # degree 100 is the limit
    assert float(parse("log(x)").f([-1.0, 0.0])) != float(parse("log(x)").f([-1.0, 0.0]))  # NaN gap, allowed


def test_error_message_echoes_the_formula_on_one_line():
    with pytest.raises(ValueError) as err:
        parse("x +\n`")
    lines = str(err.value).splitlines()
    assert lines[1] == "    x + `" and lines[2] == "        ^"   # the newline shown as a space, caret under the backtick


# --- good formulas against independent references ---------------------------------------------------


def test_rosenbrock_typed_equals_scipy():
    from scipy.optimize import rosen, rosen_der, rosen_hess

    L = parse("(1 - x)^2 + 100*(y - x^2)^2")
    P = np.random.default_rng(1).uniform(-2, 2, size=(50, 2))
    np.testing.assert_allclose(L.f(P), rosen(P.T), rtol=1e-13)
    np.testing.assert_allclose(L.grad(P), np.array([rosen_der(p) for p in P]), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(L.hess(P), np.array([rosen_hess(p) for p in P]), rtol=1e-12, atol=1e-10)


def test_himmelblau_typed_has_its_four_known_minima():
    L = parse("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", bounds=((-5, 5), (-5, 5)))
    minima = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    for m in minima:   # published values (Himmelblau 1972), to 6 decimals
        assert float(L.f(m)) == pytest.approx(0.0, abs=1e-9)
        assert np.linalg.norm(L.grad(m)) < 1e-4
        assert np.all(np.linalg.eigvalsh(L.hess(m)) > 0)


def test_parse_expr_safe_stays_exact_where_cheap():
    import sympy as sp
    from zo_core.landscapes import X

    assert formula.parse_expr_safe("x/3 + 2^10") == X / 3 + 1024
    assert formula.parse_expr_safe("sin(2*pi*x)") == sp.sin(2 * sp.pi * X)
    folded = formula.parse_expr_safe("sqrt(2)*x")   # a function of a constant: the parser's float
    assert folded == sp.Float(math.sqrt(2)) * X


def test_latex_is_written_from_the_tree():
    assert parse("(1 - x)^2 + 100*(y - x^2)^2").latex == \
        r"f(x, y) = \left(1 - x\right)^{2} + 100 \left(y - x^{2}\right)^{2}"
    assert parse("abs(x)/sqrt(y) - -x").latex == r"f(x, y) = \frac{\left|x\right|}{\sqrt{y}} - \left(-x\right)"
    assert parse("asin(x/4)*1e-3").latex == r"f(x, y) = \arcsin\left(\frac{x}{4}\right) \cdot 1 \cdot 10^{-3}"
    assert parse("-(x/2) + (x/2)^2").latex == r"f(x, y) = -\frac{x}{2} + \left(\frac{x}{2}\right)^{2}"  # a bar groups


def test_resolve_accepts_names_and_formulas_and_caches():
    from zo_core import landscapes

    assert expressions.resolve("rosenbrock") is landscapes.get("rosenbrock")
    L = expressions.resolve("x^2 + y")
    assert float(L.f([2.0, 1.0])) == 5.0
    assert expressions.resolve("x^2 + y") is L
    with pytest.raises(ValueError, match="unknown name 'rosenbrok'"):
        expressions.resolve("rosenbrok")


def test_landscapes_does_not_import_expressions():
    import ast
    from pathlib import Path

    from zo_core import landscapes

    tree = ast.parse(Path(landscapes.__file__).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert not any("expressions" in name for name in imported), imported
