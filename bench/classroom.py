"""A class of simulated students against `serve-class`: slider -> chart latency, errors, server memory.

Each student is a Chromium browser context (its own cookies, so its own sticky route and
Streamlit session) that opens the Landscapes page and, every ~2 s (jittered), presses an arrow
key on the 'Descent arrows per axis' slider and waits until the chart holds the new arrow field.
Latency is timed inside the page: key press -> chart data changed. Errors: a move whose chart
did not change within --move-timeout, a Streamlit exception box, a JavaScript error, a page that
did not load. Memory: the summed RSS of the streamlit replicas (psutil) before the students
come, once they are all loaded, and at the end of the run with all still connected.
Everything runs on 127.0.0.1 with fresh replicas per run (`deploy/serve_class.py`, nginx in
front even for one replica, so both columns pay the same proxy hop); each run stops itself
after --seconds, and every process started is stopped at the end.

Run: .venv/bin/python -m bench.classroom --students 10,30,60 --replicas 1,2 --seconds 30 [--arrive 60]
(--arrive spreads the students' arrival, as a class walks in, instead of all pages loading at once.)
Targets (issue 16): 30 students on 2 cores p95 <= 1 s, 0 errors, no memory growth;
N replicas >= 1.5x better p95 than one process at 60 students.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

from bench import _common
import psutil

from deploy import serve_class
from devtools import browser as harness

MAX_STUDENTS = 200
ARROWS_JS = ("() => { const p = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');"
             " if (!p || !p._fullData) return -1;"
             " const t = p._fullData.find(d => d.name && d.name.startsWith('−∇f')); return t ? t.x.length : -1; }")
SLIDER = "[data-testid=stSlider]"
ARROWS_MIN, ARROWS_MAX = 3, 20          # the slider's range on the Landscapes page


def replica_rss_mb(run: Path) -> float:
    total = 0
    for f in run.glob("streamlit-*.pid"):
        try:
            total += psutil.Process(int(f.read_text())).memory_info().rss
        except (psutil.NoSuchProcess, ValueError):
            pass
    return total / 2**20


class Class:
    """What the students share: the moment they all loaded, the run's end, and the results."""

    def __init__(self, n: int, seconds: float, run: Path):
        self.n, self.seconds, self.run = n, seconds, run
        self.n_loaded = 0
        self.loaded = asyncio.Event()
        self.stop_at = float("inf")
        self.latency_ms: list[float] = []
        self.errors: list[str] = []
        self.rss_idle = self.rss_start = self.rss_end = 0.0

    def one_loaded(self) -> None:
        self.n_loaded += 1
        if self.n_loaded == self.n:          # the clock starts when the whole class is in
            self.rss_start = replica_rss_mb(self.run)
            self.stop_at = time.monotonic() + self.seconds
            self.loaded.set()


async def student(i: int, browser, url: str, cls: Class, every_s: float, move_timeout_s: float,
                  arrive_s: float = 0.0) -> None:
    rng = random.Random(i)                   # each student's own jitter, reproducible
    await asyncio.sleep(i * arrive_s / cls.n)                 # a class walks in over arrive_s seconds
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    value = rng.randrange(ARROWS_MIN + 1, ARROWS_MAX)
    try:
        try:
            await page.goto(f"{url}/landscapes?landscape=himmelblau&arrows={value}", timeout=120_000)
            await page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg", timeout=120_000)
        except Exception as exc:
            cls.errors.append(f"student {i}: page did not load ({type(exc).__name__})")
            return
        finally:
            cls.one_loaded()
        await cls.loaded.wait()
        slider = page.locator(SLIDER).filter(has_text="Descent arrows").locator("input[type=range]")
        direction = 1
        await asyncio.sleep(rng.uniform(0, every_s))    # students do not move in lockstep
        while time.monotonic() < cls.stop_at:
            t_next = time.monotonic() + every_s * rng.uniform(0.75, 1.25)
            if not ARROWS_MIN <= value + direction <= ARROWS_MAX:
                direction = -direction
            value += direction
            before = await page.evaluate(ARROWS_JS)
            await slider.focus()
            await page.evaluate("() => { window.__t0 = performance.now(); }")
            await page.keyboard.press("ArrowRight" if direction > 0 else "ArrowLeft")
            try:
                await page.wait_for_function(
                    f"() => {{ const n = ({ARROWS_JS})(); if (n > 0 && n !== {before})"
                    " { window.__t1 = performance.now(); return true; } return false; }",
                    polling="raf", timeout=move_timeout_s * 1000)
            except Exception:
                cls.errors.append(f"student {i}: chart unchanged {move_timeout_s:.0f} s after a move")
                break
            cls.latency_ms.append(await page.evaluate("() => window.__t1 - window.__t0"))
            await asyncio.sleep(max(0.0, t_next - time.monotonic()))
        boxes = await page.query_selector_all("[data-testid=stException]")
        if boxes:
            cls.errors.append(f"student {i}: {len(boxes)} exception box(es)")
    finally:
        cls.errors.extend(f"student {i}: JS error {e[:80]}" for e in js_errors)
        await context.close()


async def one_class(url: str, run: Path, n: int, seconds: float, every_s: float, move_timeout_s: float,
                    arrive_s: float = 0.0) -> Class:
    from playwright.async_api import async_playwright

    cls = Class(n, seconds, run)
    rss_idle = replica_rss_mb(run)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS)
        tasks = [asyncio.create_task(student(i, browser, url, cls, every_s, move_timeout_s, arrive_s))
                 for i in range(n)]

        async def rss_at_the_end():   # sampled while the whole class is still connected
            await cls.loaded.wait()
            await asyncio.sleep(seconds)
            cls.rss_end = replica_rss_mb(run)

        sampler = asyncio.create_task(rss_at_the_end())
        # Bounded however the server behaves: loading, the run, one move's timeout, and a margin.
        budget = arrive_s + 120 + seconds + move_timeout_s + 30
        done, pending = await asyncio.wait(tasks, timeout=budget)
        for t in pending:
            t.cancel()
        if pending:
            cls.errors.append(f"{len(pending)} student(s) still busy after {budget:.0f} s (cancelled)")
        await asyncio.gather(*pending, return_exceptions=True)
        for t in done:
            if t.exception() is not None:
                cls.errors.append(f"a student crashed: {type(t.exception()).__name__}: {t.exception()}")
        if not sampler.done():
            sampler.cancel()
            cls.rss_end = replica_rss_mb(run)
        cls.rss_idle = rss_idle
        await browser.close()
    return cls


def serve(replicas: int, run: Path) -> str:
    """serve-class on free ports in its own run directory; returns the proxy's URL."""
    rng = random.Random()
    for _ in range(100):
        base = rng.randrange(20000, 60000 - replicas - 1)
        if all(serve_class.port_free(q) for q in range(base, base + replicas + 1)):
            break
    serve_class.start(replicas, base, base + 1, run)
    return f"http://127.0.0.1:{base}"


def main() -> None:
    ap = argparse.ArgumentParser(description="simulated students against serve-class")
    ap.add_argument("--students", default="10,30,60", help="comma-separated class sizes")
    ap.add_argument("--replicas", default=f"1,{os.cpu_count() or 2}", help="comma-separated replica counts")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each run once all have loaded")
    ap.add_argument("--every", type=float, default=2.0, help="seconds between a student's moves (jittered)")
    ap.add_argument("--move-timeout", type=float, default=15.0, help="a move slower than this is an error")
    ap.add_argument("--arrive", type=float, default=0.0,
                    help="seconds over which the students arrive (0: all at once; a page load over 120 s is an error)")
    a = ap.parse_args()
    sizes = [int(x) for x in a.students.split(",") if x.strip()]
    replica_counts = [int(x) for x in a.replicas.split(",") if x.strip()]
    if not sizes or max(sizes) > MAX_STUDENTS or min(sizes) < 1:
        raise SystemExit(f"--students: 1 .. {MAX_STUDENTS} per run")
    if harness.chromium_path() is None:
        raise SystemExit("Chromium not found (apt-get install chromium)")
    rows = []
    for r in replica_counts:
        # Fresh replicas per class size: memory and caches of one run do not carry into the next.
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="zolab-classroom-") as tmp:
                run = Path(tmp) / "run"
                try:
                    url = serve(r, run)
                    cls = asyncio.run(one_class(url, run, n, a.seconds, a.every, a.move_timeout, a.arrive))
                finally:
                    serve_class.stop(run)
            lat = cls.latency_ms
            rows.append((r, n, len(lat), _common.percentile(lat, 50) if lat else float("nan"),
                         _common.percentile(lat, 95) if lat else float("nan"), len(cls.errors),
                         cls.rss_idle, cls.rss_start, cls.rss_end))
            print(f"  replicas={r} students={n}: {len(lat)} moves, {len(cls.errors)} errors", flush=True)
            for e in cls.errors[:5]:
                print(f"    {e}")
    print(f"\nclassroom: Landscapes 'Descent arrows' slider, a move every ~{a.every:g} s per student, "
          f"{a.seconds:g} s per run, arriving over {a.arrive:g} s, {os.cpu_count()} cores "
          "(the simulated students' Chromium shares them)")
    print(f"{'replicas':>8} {'students':>8} {'moves':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6} "
          f"{'RSS idle MB':>11} {'start MB':>9} {'end MB':>8}")
    for r, n, moves, p50, p95, errs, idle, start, end in rows:
        print(f"{r:>8} {n:>8} {moves:>6} {p50:>8.0f} {p95:>8.0f} {errs:>6} {idle:>11.0f} {start:>9.0f} {end:>8.0f}")
    for n in sizes:
        p95 = {r: row[4] for row in rows for r in [row[0]] if row[1] == n}
        if 1 in p95 and len(p95) > 1:
            best = min((r for r in p95 if r != 1), key=lambda r: p95[r])
            print(f"students={n}: p95 with 1 replica / with {best} = {p95[1] / p95[best]:.2f}x "
                  "(target >= 1.5x at 60)")
    print("targets: 30 students p95 <= 1000 ms, 0 errors, end RSS ~ start RSS")


if __name__ == "__main__":
    main()
