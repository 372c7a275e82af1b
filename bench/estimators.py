"""Performance of the gradient estimators (issue 3). Prints medians of repeated runs.

1. 10,000 estimates at d = 1,000 (gaussian, central, q = 1) on a quadratic: target <= 0.5 s on 2 cores.
2. The Estimator variance page's whole sweep (its figures built from scratch): target <= 1 s.

Run (from the repository root): .venv/bin/python -m bench.estimators
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from zo_core import estimators


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_estimates(repeat: int = 7) -> None:
    d, n = 1_000, 10_000
    F = estimators.quadratic(np.logspace(0.0, 1.0, d), c=1.0)
    x = np.full(d, 1.0 / np.sqrt(d))
    run = lambda: estimators.estimate(F, x, method="gaussian", scheme="central", mu=1e-3, q=1,  # noqa: E731
                                      n_trials=n, rng=0)
    run()  # warm-up (page faults of the first large allocation)
    ts = timed(run, repeat)
    med = statistics.median(ts)
    evals = n * estimators.queries("gaussian", "central", d, 1)
    print(f"estimates: {n} x gaussian/central q=1 at d={d} on a quadratic: median {med:.3f} s "
          f"(min {min(ts):.3f}, max {max(ts):.3f}, {repeat} runs; target <= 0.5 s)")
    print(f"  function evaluations/s: {evals / med:,.0f}  ({evals:,} evaluations per run)")


def bench_variance_sweep(repeat: int = 5) -> None:
    try:
        from zo_core.viz import estimators as figs
    except ImportError as err:
        print(f"variance sweep: not available ({err})")
        return
    builders = figs.VARIANCE_PAGE_FIGURES
    def sweep():
        for name, fn in builders.items():
            fn()
    def sweep_fresh():
        figs._dim_sweep.cache_clear()
        sweep()
    ts = timed(sweep_fresh, repeat)
    print(f"variance page sweep ({', '.join(builders)}; defaults, from scratch): median "
          f"{statistics.median(ts):.3f} s (min {min(ts):.3f}, {repeat} runs; target <= 1 s)")
    for name, fn in builders.items():
        t = statistics.median(timed(lambda: (figs._dim_sweep.cache_clear(), fn()), 3))
        print(f"  {name}: {t:.3f} s")


def bench_cached_slider(repeat: int = 5) -> None:
    """Server time of a slider move on the Estimator variance page whose figures are already cached
    (AppTest runs the script in-process: the time is the whole script run, sidebar included)."""
    from devtools.apptest import open_page

    at = open_page("pages/estimator_variance.py")
    slider = lambda: next(s for s in at.slider if s.key == "ev_q")  # noqa: E731
    slider().set_value(2)
    t0 = time.perf_counter()
    at.run()
    fresh = time.perf_counter() - t0
    ts = []
    for i in range(repeat):
        slider().set_value(1 if i % 2 == 0 else 2)           # both values are cached now
        t0 = time.perf_counter()
        at.run()
        ts.append(time.perf_counter() - t0)
    assert not at.exception
    print(f"variance page, slider move: uncached {fresh:.3f} s; cached median {statistics.median(ts):.3f} s "
          f"(min {min(ts):.3f}, {repeat} moves; target <= 0.25 s)")


if __name__ == "__main__":
    bench_estimates()
    bench_variance_sweep()
    bench_cached_slider()
