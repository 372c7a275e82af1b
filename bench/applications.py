"""Performance of the application toys (targets from issue 5), printed.

* Untargeted ZO attack on 100 test images with a 2,000-query budget: <= 15 s on 2 cores; success rate
  and median queries to success beside white-box PGD's success rate.
* The tuning landscape (41 x 41 >= 30 x 30) computed once: <= 30 s; then served from the cache.

Run (from the repository root): .venv/bin/python -m bench.applications
"""

from __future__ import annotations

import time

from bench import _common
from zo_core import attack, tuning
from zo_core.viz import applications as app_viz

REPEATS = 3


def timed(fn):
    return _common.timed(fn, REPEATS)


def main() -> None:
    t0 = time.perf_counter()
    clf = attack.train_classifier(seed=0)
    print(f"classifier: trained in {time.perf_counter() - t0:.2f} s, test accuracy {clf.test_accuracy:.1%}")
    x, y = attack.test_batch(clf, 100, seed=0)

    print("\nUntargeted attack, 100 test images, query budget 2000 per image, q = 20, mu = 0.01 "
          "(target: <= 15 s)")
    for norm, eps in (("linf", 0.2), ("linf", 0.1), ("l2", 1.0)):
        t_pgd, pgd = timed(lambda: attack.white_box(clf, x, y, method="pgd", norm=norm, eps=eps, seed=0))
        for method in attack.ZO_METHODS:
            t, res = timed(lambda: attack.zo_attack(clf.proba, x, y, method=method, norm=norm, eps=eps,
                                                    mu=0.01, q=20, budget=2000, seed=0))
            print(f"  {norm:4s} eps={eps:<4g} {method:10s}: median {t:6.2f} s | success {res.success_rate:5.1%}, "
                  f"median queries to success {res.median_queries():6.0f}, total queries "
                  f"{int(res.queries.sum()):7d} | PGD (40 steps x 4 starts, {t_pgd:.2f} s) success "
                  f"{pgd.success_rate:5.1%}")

    print("\nTuning landscape, kernel ridge regression on diabetes (target: <= 30 s once, then cached)")
    P = tuning.problem("diabetes")
    for n in (41, 61):
        t, L = timed(lambda: tuning.landscape(P, n=n))
        print(f"  {n}x{n}: median {t:.2f} s over {REPEATS} runs ({n * n} fits), min loss {L.min:.4f}")
    app_viz.landscape.cache_clear()
    t0 = time.perf_counter()
    app_viz.landscape("diabetes", 41)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    app_viz.landscape("diabetes", 41)
    print(f"  cached 41x41: first call {first:.2f} s, second call {1e6 * (time.perf_counter() - t0):.0f} µs")
    t, traces = timed(lambda: tuning.compare(P, budget=60, seed=0))
    print(f"  four tuners at budget 60: median {t:.2f} s; best loss "
          + ", ".join(f"{m} {tr.best_f:.4f} ({tr.queries} q)" for m, tr in traces.items()))


if __name__ == "__main__":
    main()
