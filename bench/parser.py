"""Parse time of the formula parser over a hostile corpus (issue 10, class 3). Target: max <= 0.2 s.

A parse includes all a page needs: the checks, the sympy expression, the LaTeX and the numpy
evaluator of f, its gradient and Hessian (sampled once on the window). The corpus: the formulas
the testers reported, the longest legal formulas we could think of that make derivatives big
(products of trig factors, towers x^x^..., 20 nested functions), random formulas from the
grammar with huge literals and towers of exp/cosh, and random text. Every parse starts with
sympy's cache cleared, so each one pays what a formula never seen before pays.

Run: .venv/bin/python -m bench.parser [n_random]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from bench._common import percentile
from sympy.core.cache import clear_cache

from zo_core import expressions, formula

TARGET_S = 0.2

REPORTED = [
    "2^exp(exp(exp(100)))", "cosh(cosh(sinh(10^6)))*x", "sqrt(-1)*x", "log(-1)", "(-8)^(1/3)",
    "\u0661\u0662*x", "x\u00b2", "\uff11*x", "9**9**9", "10**1000", "1e400*x", "x**1000",
    "((1/999999)^100)^100", "(((999999/1000000)^100)^100)^100*x", "((pi+1)^2-pi^2-2*pi-1)^x",
    "log(cos(1)^2+sin(1)^2-1+x)", "abs(cos(1)^2+sin(1)^2-1)*x", "(x+y+1)^100",
]
LONG = [
    "*".join(f"sin(x+{i}*y)" for i in range(13))[:200],
    "^".join(["x"] * 20),
    "^".join(["(x+y)"] * 20)[:200],
    "sin(" * 19 + "x*y" + ")" * 19,
    "exp(" * 19 + "x" + ")" * 19,
    "cosh(" * 19 + "x" + ")" * 19,
    "+".join(f"{i}*sin({i}*x)*cos({i}*y)" for i in range(1, 10))[:200],
    "/".join(f"(x+{i})" for i in range(1, 40))[:199],
    "x" + "+x" * 99,
    "tan(x)^tan(y)^tan(x*y)^tan(x+y)^tan(x-y)^tan(x/y)^tan(y/x)^tan(x^2)^tan(y^2)",
    "abs(abs(abs(abs(log(x)))))*abs(abs(abs(sqrt(y))))*asin(x/4)^acos(y/4)^atan(x*y)",
]
FUNCS = sorted(formula.FUNCTIONS)


def random_formula(rng: random.Random, depth: int = 0) -> str:
    """A formula from the grammar, with huge literals and unicode look-alikes now and then."""
    r = rng.random()
    if depth > 6 or r < 0.3:
        return rng.choice(["x", "y", "pi", "e", "1e400", "999999", "0.5", "3", "-8", "1e-400", "\u0663",
                           str(rng.randint(0, 10**7))])
    if r < 0.55:
        return f"{rng.choice(FUNCS)}({random_formula(rng, depth + 1)})"
    if r < 0.9:
        op = rng.choice(["+", "-", "*", "/", "^", "**"])
        return f"({random_formula(rng, depth + 1)}){op}({random_formula(rng, depth + 1)})"
    return "-" + random_formula(rng, depth + 1)


def random_text(rng: random.Random) -> str:
    alphabet = "xy0123456789+-*/^()._ 'e\u0661\u00b2\uff11\u200b" + "".join(map(chr, range(32, 127)))
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 220)))


def timed_parse(text: str) -> tuple[float, float, bool]:
    """(wall seconds, CPU seconds of this thread, accepted) of one parse."""
    clear_cache()
    t0, c0 = time.perf_counter(), time.thread_time()
    try:
        expressions.parse(text)
        ok = True
    except ValueError:
        ok = False
    return time.perf_counter() - t0, time.thread_time() - c0, ok


def main(n_random: int = 2000) -> None:
    rng = random.Random(0)
    corpus = REPORTED + LONG + [random_formula(rng) for _ in range(n_random)] + \
        [random_text(rng) for _ in range(n_random // 4)]
    timed_parse("x + y")  # warm-up: first calls import numpy/sympy internals
    results = [(*timed_parse(t), t) for t in corpus]
    accepted = sum(ok for _, _, ok, _ in results)
    print(f"parser: {len(corpus)} inputs ({accepted} accepted), cold sympy cache per parse")
    for label, ts in (("wall", [r[0] for r in results]), ("cpu ", [r[1] for r in results])):
        print(f"  {label}: median {statistics.median(ts) * 1e3:.2f} ms   p99 {percentile(ts, 99) * 1e3:.1f} ms   "
              f"max {max(ts) * 1e3:.1f} ms   (target max <= {TARGET_S * 1e3:.0f} ms: "
              f"{'met' if max(ts) <= TARGET_S else 'NOT met'})")
    print("  slowest by CPU time:")
    for _, cpu, ok, t in sorted(results, key=lambda r: -r[1])[:5]:
        print(f"  {cpu * 1e3:7.1f} ms  {'accepted' if ok else 'refused '}  {t[:90]!r}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
