"""Sharpness figures: phase diagram and basin map times, the basin-map fractions over seeds, race moves.

    python -m bench.sharpness            # everything (about a minute on an idle 2-core laptop)
    python -m bench.sharpness --no-app   # skip the AppTest timing of the race page

Prints
* the phase diagram (15 x 15 (mu, t) cells x 100 starts, one batch) in seconds (target <= 10 s);
* the basin map at its defaults in seconds (target <= 2 s), and its flat-basin fractions with binomial
  standard errors for seeds 0-4 (the claim: ZEST at t = 10 ends flat >= 25 points more often than
  ZO-SGD, beyond 3 s.e.);
* SAM against rho and SABO against its KL radius;
* the race page's script time per slider move: a new value (computed) and a value seen before (cached).
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench._common import timed
from zo_core import landscapes, optimizers
from zo_core.viz import optimizers as race_figures

ROOT = Path(__file__).resolve().parent.parent


def main(app: bool = True) -> None:
    L = landscapes.get("sharp_flat")
    D = optimizers.BASIN_DEFAULTS
    seconds, pd = timed(lambda: optimizers.phase_diagram(L.f, L.grad, L.minima, L.bounds, mus=race_figures.PHASE_MUS,
                                                          ts=race_figures.PHASE_TS))
    print(f"phase diagram ({len(pd.mus)} x {len(pd.ts)} cells x {pd.n_starts} starts): {seconds:.1f} s")
    print("  t*(mu): " + ", ".join(f"mu={m:.3g}: {t:.3g}" for m, t in zip(pd.mus, pd.t_star)))
    seconds, _ = timed(lambda: optimizers.basin_map(L.f, L.grad, L.minima, L.bounds), repeat=3)
    print(f"basin map at its defaults ({D}): median {seconds:.2f} s")
    N = D["n_starts"]
    for seed in range(5):
        fr = optimizers.basin_map(L.f, L.grad, L.minima, L.bounds, seed=seed)
        row = ", ".join(f"{name} {p[1]:.1%} ± {float(optimizers.binomial_se(p[1], N)):.1%}" for name, p in fr.items())
        gap = fr["zest t=10"][1] - fr["zo-sgd"][1]
        se = np.hypot(max(optimizers.binomial_se(fr["zo-sgd"][1], N), 1 / N),
                      max(optimizers.binomial_se(fr["zest t=10"][1], N), 1 / N))
        print(f"  seed {seed}: flat share {row}; ZEST t=10 - ZO-SGD = {gap:+.1%} ({gap / se:.0f} s.e.)")
    common = dict(budget=D["budget"], lr=D["lr"], mu=D["mu"], n=D["n"])
    sam = optimizers.sweep_fraction("sam", L.f, L.grad, L.minima, L.bounds, rhos=race_figures.SAM_RHOS, **common)
    sabo = optimizers.sweep_fraction("sabo", L.f, L.grad, L.minima, L.bounds, rhos=race_figures.SABO_RHOS, **common)
    print("SAM flat share vs rho: " + ", ".join(f"{r:g}: {p:.0%}" for r, p in zip(race_figures.SAM_RHOS, sam[:, 1])))
    print("SABO flat share vs KL rho: " + ", ".join(f"{r:g}: {p:.0%}"
                                                    for r, p in zip(race_figures.SABO_RHOS, sabo[:, 1])))
    if app:
        race_moves()


def race_moves() -> None:
    """Script time of the race page after a slider move: a fresh value, then one seen before (cached)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/algorithms_race.py")
    at.run()
    slider = next(s for s in at.select_slider if s.key == "ar_t")
    fresh, cached = [], []
    for value in (3.16, 31.6, 1.0):
        t0 = time.perf_counter()
        slider.set_value(value).run()
        fresh.append(time.perf_counter() - t0)
        slider = next(s for s in at.select_slider if s.key == "ar_t")
        t0 = time.perf_counter()
        slider.set_value(10.0).run()                     # the default: computed at the first run
        cached.append(time.perf_counter() - t0)
        slider = next(s for s in at.select_slider if s.key == "ar_t")
    print(f"race page per slider move: new value median {statistics.median(fresh):.2f} s, "
          f"value seen before median {statistics.median(cached):.2f} s")


if __name__ == "__main__":
    main(app="--no-app" not in sys.argv)
