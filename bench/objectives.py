"""Objectives on a grid: speed and accuracy against Monte Carlo, and the browser's t-slider latency.

Prints, for the sharp-vs-flat landscape on a 121 x 121 grid:

* the median time of the three grid objectives (smoothed, max-loss, tilted) together, target <= 30 ms,
  and each grid's status (ok / under-resolved / infinite / tail);
* the time of Monte Carlo with 1,000 draws per point for the same three;
* both errors against the pointwise quadrature (max and RMS over 2,000 grid points);
* the race and the basin map (the race page's cached computations);
* the browser: t slider key press -> the tilted chart updated, median over 10 presses (target <= 300 ms).

Run (from the repository root): ``.venv/bin/python -m bench.objectives [--no-browser] [--no-mc] [--no-optimizers] [--n=121]``
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from zo_core import landscapes, objectives

L = landscapes.get("sharp_flat")
N = int(next((a.split('=')[1] for a in sys.argv if a.startswith('--n=')), 121))
CONFIGS = {
    "page defaults": dict(law="gaussian", mu=0.05, rho=0.126, t=20.0),
    "wide radii": dict(law="gaussian", mu=0.3, rho=0.5, t=5.0),
    "ball law": dict(law="ball", mu=0.3, rho=0.5, t=5.0),
    "page defaults, ball": dict(law="ball", mu=0.05, rho=0.126, t=20.0),
}


def specs(law, mu, rho, t):
    r = mu if law == "gaussian" else rho
    return {"smoothed": dict(kind="smoothed", law=law, radius=r),
            "max_loss": dict(kind="max_loss", radius=rho),
            "tilted": dict(kind="tilted", law=law, radius=r, t=t)}


def pointwise(kind, P, kw):
    kw = {k: v for k, v in kw.items() if k != "kind"}
    if kind == "max_loss":
        return objectives.max_loss(L.f, P, radius=kw["radius"])
    return getattr(objectives, kind)(L.f, P, **kw)


def grid_all(spec):
    return {k: objectives.grid(L.f, *L.bounds, n=N, **kw) for k, kw in spec.items()}


def bench_config(name, cfg, repeats=15):
    spec = specs(**cfg)
    grid_all(spec)                                                   # warm the kernel cache
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        grids = grid_all(spec)
        times.append(time.perf_counter() - t0)
    per_kind = {k: statistics.median(_time(lambda kw=kw: objectives.grid(L.f, *L.bounds, n=N, **kw), 9))
                for k, kw in spec.items()}
    G = grids["smoothed"]
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, N, 2000), rng.integers(0, N, 2000)
    P = np.stack([G.xs[j], G.ys[i]], -1)
    print(f"\n== {name}: {cfg}")
    print(f"grid, 3 objectives together: median {1e3 * statistics.median(times):.1f} ms "
          f"(min {1e3 * min(times):.1f}); per objective: "
          + ", ".join(f"{k} {1e3 * v:.1f} ms" for k, v in per_kind.items())
          + " | status: " + ", ".join(f"{k} {getattr(g, 'status', 'n/a')}" for k, g in grids.items()))
    mc_total = 0.0
    if "--no-mc" in sys.argv:
        for kind, kw in spec.items():
            err = grids[kind].Z[i, j] - pointwise(kind, P, kw)
            print(f"  {kind:9s} grid err max {np.abs(err).max():.2e} rms {np.sqrt(np.mean(err**2)):.2e}")
        return
    for kind, kw in spec.items():
        ref = pointwise(kind, P, kw)
        err_grid = grids[kind].Z[i, j] - ref
        t0 = time.perf_counter()
        Pall = np.stack(np.meshgrid(G.xs, G.ys), -1)
        law = kw.get("law", "ball")
        mc = objectives.monte_carlo(L.f, Pall, kind=kind, law=law, radius=kw["radius"], t=kw.get("t", 0.0), n=1000,
                                    rng=np.random.default_rng(1))
        dt = time.perf_counter() - t0
        mc_total += dt
        err_mc = mc.value[i, j] - ref
        print(f"  {kind:9s} grid err max {np.abs(err_grid).max():.2e} rms {np.sqrt(np.mean(err_grid**2)):.2e} | "
              f"MC(1000/pt) {dt * 1e3:8.0f} ms, err max {np.abs(err_mc).max():.2e} rms {np.sqrt(np.mean(err_mc**2)):.2e}")
    print(f"Monte Carlo, 3 objectives: {mc_total * 1e3:.0f} ms -> grid is {mc_total / statistics.median(times):.0f}x faster")


def _time(fn, k):
    out = []
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_optimizers():
    """The race page's two cached computations, from cold."""
    from zo_core import optimizers

    for name, fn in [("race (5 methods, 1,000 queries)",
                      lambda: optimizers.race(L.f, L.grad, [-0.8, 0.3], budget=1000, seed=0, mu=0.05, t=20.0)),
                     ("basin map (ZO-SGD + ZEST at 4 t, 100 starts, 400 queries each)",
                      lambda: optimizers.basin_map(L.f, L.grad, L.minima, L.bounds, ts=(1.0, 3.0, 10.0, 30.0),
                                                   budget=400, mu=0.05))]:
        times = _time(fn, 5)
        print(f"{name}: median {1e3 * statistics.median(times):.0f} ms")


TILTED = """(() => {
  const plots = document.querySelectorAll('.js-plotly-plot');
  if (!plots.length || !plots[0]._fullData) return null;
  const t = plots[0]._fullData.find(t => (t.name || '').startsWith('tilted'));
  return t ? t.name : null;
})()"""


def bench_browser(presses=10):
    try:
        from playwright.sync_api import sync_playwright

        from devtools.browser import Server, chromium_path, launch, wait_idle
    except ImportError as err:
        print(f"\nbrowser: skipped ({err})")
        return
    if chromium_path() is None:
        print("\nbrowser: skipped (no Chromium)")
        return
    with Server() as server, sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server.url + "/", timeout=60_000)
            wait_idle(page)
            page.get_by_role("link", name="Smoothing, max-loss, tilting").first.click()
            page.wait_for_function(f"() => {TILTED} !== null", timeout=60_000)
            wait_idle(page)
            slider = page.locator("[data-testid=stSlider] input[type=range]").first
            lat = []
            for k in range(presses):
                before = page.evaluate(f"() => {TILTED}")
                slider.focus()
                t0 = time.perf_counter()
                slider.press("ArrowLeft")   # 20, 15.8, 12.6, ...: each value new, so uncached
                page.wait_for_function(f"(b) => {TILTED} !== b", arg=before, timeout=60_000, polling=5)
                lat.append(time.perf_counter() - t0)
                wait_idle(page)
            print(f"\nbrowser: t slider -> tilted chart updated, median {1e3 * statistics.median(lat):.0f} ms "
                  f"over {presses} new values (min {1e3 * min(lat):.0f}, max {1e3 * max(lat):.0f}; uncached)")
        finally:
            browser.close()


if __name__ == "__main__":
    for name, cfg in CONFIGS.items():
        bench_config(name, cfg)
    print()
    if "--no-optimizers" not in sys.argv:
        bench_optimizers()
    if "--no-browser" not in sys.argv:
        bench_browser()
