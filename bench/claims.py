"""The claim boxes' numbers: what each page adds to its rerun, uncached (a new setting) and cached.

Prints, per page, the median over 15 runs of the zo_core.claims calls that page makes at its defaults,
with every lru_cache cleared first (the cost of a slider move to a new value) and then warm. The race
page's figure cache (race_runs) is kept warm: its claim summarises a run the page has already made.

Run (from the repository root): ``.venv/bin/python -m bench.claims``
"""

from __future__ import annotations

import statistics
import time

from zo_core import claims, optimizers
from zo_core.viz import optimizers as race_figures

D = optimizers.BASIN_DEFAULTS
RACE = ("sharp_flat", D["budget"], 0, -1.0, 0.2, D["lr"], D["mu"], 10.0, 0.5, 1.0, D["n"])
PAGES = {
    "landscapes": lambda: (claims.curvature("sharp_flat"), claims.basins("sharp_flat", 0.0, 0.3, 0.3, "gaussian")),
    "gradient_estimators": lambda: [claims.coordinate_errors("sharp_flat", 0.5, 0.5, m) for m in (0.1, 0.05)],
    "estimator_variance": lambda: [claims.linear_second_moment("gaussian", "central", d, q, 0.01)
                                   for d, q in ((100, 1), (200, 1), (100, 4))],
    "smoothing": lambda: ([claims.basins("sharp_flat", t, m, r, "ball") for t, m, r in
                           ((20.0, 0.05, 0.126), (20.0, 0.1, 0.252), (-20.0, 0.05, 0.126))],
                          claims.tilted_at("sharp_flat", 1.11, 0.0, (-20.0, 0.0, 20.0), 0.05, 0.126, "ball")),
    "algorithms_race": lambda: (claims.race(*RACE, 0.1), claims.curvature("sharp_flat"),
                                claims.zest_against_zo_sgd("sharp_flat", -1.0, 0.2, D["mu"], 10.0, D["n"], 0)),
    "theory": lambda: (claims.bound_gap(0.1, 100), claims.bound_gap(0.1, 1000)),
    "adversarial_attack": lambda: (claims.attack_steps("zo-signsgd", 20, 2000, 64),
                                   claims.attack_steps("zo-signsgd", 40, 2000, 64)),
    "mezo": lambda: claims.mezo_passes("mezo", 4, 120),
}
CACHED = [claims.basins, claims.race, claims.bound_gap]


def _median_ms(fn, *, cold: bool, repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        if cold:
            for c in CACHED:
                c.cache_clear()
        start = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def main() -> None:
    race_figures.race_runs(*RACE)          # the page's own (cached) race, made before its claim
    print(f"{'page':<22} {'uncached ms':>12} {'cached ms':>10}")
    for name, fn in PAGES.items():
        fn()                                # imports and first-use costs out of the way
        print(f"{name:<22} {_median_ms(fn, cold=True):>12.2f} {_median_ms(fn, cold=False):>10.2f}")


if __name__ == "__main__":
    main()
