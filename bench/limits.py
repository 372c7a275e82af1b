"""The worst legal settings of the Theory page and of the adversarial attack, timed (issue 10, class 7).

Target: every legal setting finishes in a few seconds (attack <= ~5 s), where a degree-8 polynomial
took 68 s and 1.4 GB, and the attack at its former maxima 20 s. The worst cases are read from the
caps themselves (zo_core.derivations.MAX_DEGREE / MAX_TERMS, zo_core.bounds.FIGURES), so this script
follows the table. ``--before`` also times the former worst cases (minutes): the degree-8 derivation (gaussian) and
the attack at its former page maxima.

Run: .venv/bin/python -m bench.limits [--repeats 3] [--before] [--only theory|attack]
"""

from __future__ import annotations

import argparse
import statistics
import time

import sympy as sp

from zo_core import attack, bounds, derivations, viz

# Dense, with rational coefficients (each one a fraction sympy must carry through every expansion).
_COEFS = ["7/3", "-5/7", "11/13", "-13/17", "17/19", "-3/7", "5/9", "-9/11", "1/3", "-2/3", "3/5", "-4/9",
          "6/7", "-8/11", "10/13", "-12/17", "14/19", "-16/23", "18/29", "-20/31"]


def worst_polynomial(degree: int, terms: int) -> str:
    """The ``terms`` monomials of highest degree up to ``degree``, each with its own fraction."""
    monomials = sorted(((i, d - i) for d in range(degree + 1) for i in range(d + 1)), key=lambda m: -sum(m))
    parts = []
    for c, (a, b) in zip(_COEFS, monomials[:terms]):
        xs = {0: "", 1: "*x"}.get(a, f"*x^{a}")
        ys = {0: "", 1: "*y"}.get(b, f"*y^{b}")
        parts.append(f"{c}{xs}{ys}")
    return "+".join(parts).replace("+-", "-")


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        sp.core.cache.clear_cache()          # a fresh derivation each time, as for a new polynomial
        derivations.derive.cache_clear()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def theory_cases(before: bool):
    yield f"degree {derivations.MAX_DEGREE}, {derivations.MAX_TERMS} terms", worst_polynomial(derivations.MAX_DEGREE, derivations.MAX_TERMS)
    if before:   # the former limit: degree 8 and no term cap; (x+y+1)^8 expands to 45 monomials
        yield "BEFORE: (x+y+1)^8, 45 terms", "(x+y+1)^8"


def bench_theory(repeats: int, before: bool) -> None:
    print("Theory page: one derivation (derivations.derive), median of", repeats)
    for label, text in theory_cases(before):
        for method in ("gaussian",) if label.startswith("BEFORE") else ("gaussian", "sphere"):
            if label.startswith("BEFORE"):
                old = derivations.MAX_DEGREE, derivations.MAX_TERMS, derivations._WRITTEN_DEGREE
                derivations.MAX_DEGREE, derivations.MAX_TERMS, derivations._WRITTEN_DEGREE = 8, 45, 16
            try:
                t = timed(lambda: derivations.derive(text, method=method), repeats)
            finally:
                if label.startswith("BEFORE"):
                    derivations.MAX_DEGREE, derivations.MAX_TERMS, derivations._WRITTEN_DEGREE = old
            print(f"  {label:36s} {method:8s} {t:7.2f} s   ({len(text)} characters)")


def attack_worst() -> list[tuple[str, str, dict]]:
    """The costliest legal attack figures: most images and queries, an eps too small to ever
    succeed (so every image spends the whole budget), and q at both ends (few directions = most steps)."""
    out = []
    success, example = bounds.FIGURES["attack_success"], bounds.FIGURES["attack_example"]
    for q in (success["q"].lo, 10, success["q"].hi):
        for method_kw in (dict(all_methods=True), dict(all_methods=False, method="zoo")):
            out.append((f"attack_success q={int(q)} {method_kw}", "attack_success",
                        dict(n_images=int(success["n_images"].hi), budget=int(success["budget"].hi), q=int(q),
                             eps=success["eps"].lo, mu=success["mu"].lo, **method_kw)))
    out.append(("attack_example q=1 targeted", "attack_example",
                dict(budget=int(example["budget"].hi), q=int(example["q"].lo), eps=example["eps"].lo, target=3)))
    return out


def bench_attack(repeats: int, before: bool) -> None:
    attack.pretrained(0)                      # trained once and cached by the page; not counted
    print("Adversarial attack: one figure (viz.build, through the bounds), median of", repeats)
    worst = 0.0
    for label, name, kw in attack_worst():
        t = timed(lambda: viz.build(name, **kw), repeats)
        worst = max(worst, t)
        print(f"  {label:60s} {t:7.2f} s")
    print(f"  worst legal attack: {worst:.2f} s")
    if before:   # the former page maxima: 100 images, 20,000 queries, q = 100 (called around the bounds);
        # q = 1 there would run 6.7x the steps of today's worst on twice the images: minutes
        from zo_core.viz import applications
        for q in (100,):
            t = timed(lambda: applications.attack_success(n_images=100, budget=20000, q=q, eps=1e-3, mu=1e-5,
                                                          all_methods=True), 1)
            print(f"  BEFORE: attack_success n_images=100 budget=20000 q={q} all methods {t:7.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--before", action="store_true", help="also time the former worst cases (minutes)")
    ap.add_argument("--only", choices=("theory", "attack"), help="time one of the two")
    args = ap.parse_args()
    if args.only != "attack":
        bench_theory(args.repeats, args.before)
    if args.only != "theory":
        bench_attack(args.repeats, args.before)


if __name__ == "__main__":
    main()
