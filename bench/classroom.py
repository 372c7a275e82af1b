"""A class of simulated students against `serve-class`: slider -> chart latency, errors, server memory.

Each student opens the Landscapes page (its own cookies, so its own sticky route and Streamlit
session) and, every ~2 s (jittered), moves the 'Descent arrows per axis' slider by one and waits
for the chart with the new arrow field. Two kinds of student (--client):

* ws (default): a Streamlit websocket session spoken as the frontend speaks it (bench._wsclient):
  GET the page through nginx (route cookie), then rerun_script BackMsgs over /_stcore/stream.
  Timed: move sent -> the plotly delta whose figure JSON holds the new number of arrows arrived
  (p50/p95), and -> script_finished ('done'). This is the server's share: proxy, script rerun,
  deltas on the wire. A browser's render (on each student's own laptop in a real class) is not in it.
* browser: a Chromium context (Playwright) pressing an arrow key; timed inside the page, key press
  -> chart data changed. End to end, render included, but every simulated Chromium shares this
  machine's cores with the server, so beyond a few students it measures the clients.

Errors: a move whose new chart did not come within --move-timeout, a Streamlit exception (box in
the page / exception delta), a JavaScript error or dropped websocket, a page that did not load.
Memory: the summed RSS of the streamlit replicas (psutil) before the students come, once they are
all loaded, and at the end of the run with all still connected.
Everything runs on 127.0.0.1 with fresh replicas per run (`deploy/serve_class.py`, nginx in
front even for one replica, so both columns pay the same proxy hop); each run stops itself
after --seconds, and every process started is stopped at the end.

Run: .venv/bin/python -m bench.classroom --students 10,30,60 --replicas 1,2 --seconds 30 [--client browser] [--arrive 60]
(--arrive spreads the students' arrival, as a class walks in, instead of all pages loading at once.)
Targets (issue 16): 30 students on 2 cores p95 <= 1 s, 0 errors, no memory growth;
N replicas >= 1.5x better p95 than one process at 60 students.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import tempfile
import time
from pathlib import Path

from bench import _common, _wsclient
import psutil

from deploy import serve_class
from devtools import browser as harness

MAX_STUDENTS = 200
ARROWS_JS = ("() => { const p = document.querySelector('.zo-chart');"
             " if (!p || !p._fullData) return -1;"
             " const t = p._fullData.find(d => d.name && d.name.startsWith('−∇f')); return t ? t.x.length : -1; }")
SLIDER = "[data-testid=stSlider]"
ARROWS_MIN, ARROWS_MAX = 3, 20          # the slider's range on the Landscapes page


def _replicas(run: Path) -> list[psutil.Process]:
    procs = []
    for f in run.glob("streamlit-*.pid"):
        try:
            procs.append(psutil.Process(int(f.read_text())))
        except (psutil.NoSuchProcess, ValueError):
            pass
    return procs


def _sum(procs: list[psutil.Process], value) -> float:
    total = 0.0
    for p in procs:
        try:
            total += value(p)
        except psutil.NoSuchProcess:
            pass
    return total


def replica_rss_mb(run: Path) -> float:
    return _sum(_replicas(run), lambda p: p.memory_info().rss) / 2**20


def _cpu_s(procs: list[psutil.Process]) -> float:
    return _sum(procs, lambda p: sum(p.cpu_times()[:2]))     # user + system


def _clients(run: Path) -> list[psutil.Process]:
    """This process and its children (Playwright's driver and Chromium), not the served class it started."""
    me, server = psutil.Process(), set()
    for f in run.glob("*.pid"):         # the replicas and nginx (its workers are its children)
        try:
            p = psutil.Process(int(f.read_text()))
            server |= {p.pid, *(c.pid for c in p.children(recursive=True))}
        except (psutil.NoSuchProcess, ValueError):
            pass
    return [me, *(c for c in me.children(recursive=True) if c.pid not in server)]


def _step(value: int, direction: int) -> tuple[int, int]:
    """The slider one notch on, turning back at its ends."""
    if not ARROWS_MIN <= value + direction <= ARROWS_MAX:
        direction = -direction
    return value + direction, direction


class Class:
    """What the students share: the moment they all loaded, the run's end, and the results."""

    def __init__(self, n: int, seconds: float, run: Path):
        self.n, self.seconds, self.run = n, seconds, run
        self.n_loaded = 0
        self.loaded = asyncio.Event()
        self.stop_at = float("inf")
        self.latency_ms: list[float] = []       # move -> the new chart (in the page, or its delta)
        self.finished_ms: list[float] = []      # move -> script_finished (ws client only)
        self.errors: list[str] = []
        self.rss_idle = self.rss_start = self.rss_end = 0.0
        self._t = self._server_cpu = self._client_cpu = 0.0
        self.server_cpu_s = self.client_cpu_s = self.window_s = 0.0    # CPU seconds over the run

    def one_loaded(self) -> None:
        self.n_loaded += 1
        if self.n_loaded == self.n:          # the clock starts when the whole class is in
            self.rss_start = replica_rss_mb(self.run)
            self._t, self._server_cpu, self._client_cpu = (time.monotonic(), _cpu_s(_replicas(self.run)),
                                                           _cpu_s(_clients(self.run)))
            self.stop_at = time.monotonic() + self.seconds
            self.loaded.set()

    def sample_end(self) -> None:
        """Memory and the CPU the replicas and the clients spent since the whole class was in."""
        self.rss_end = replica_rss_mb(self.run)
        if self.loaded.is_set():
            self.window_s = time.monotonic() - self._t
            self.server_cpu_s = _cpu_s(_replicas(self.run)) - self._server_cpu
            self.client_cpu_s = _cpu_s(_clients(self.run)) - self._client_cpu


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
            await page.wait_for_selector(".zo-chart .main-svg", timeout=120_000)
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
            value, direction = _step(value, direction)
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


async def ws_student(i: int, url: str, cls: Class, every_s: float, move_timeout_s: float,
                     arrive_s: float = 0.0) -> None:
    """The same student as `student`, spoken over the websocket (bench._wsclient): no browser, no render."""
    rng = random.Random(i)
    await asyncio.sleep(i * arrive_s / cls.n)
    value = rng.randrange(ARROWS_MIN + 1, ARROWS_MAX)
    s = _wsclient.Session(url, "landscapes", f"landscape=himmelblau&arrows={value}")
    try:
        try:
            first = await s.open(timeout=120)
            slider = s.widgets["Descent arrows per axis"]
            if first.exceptions or first.chart_at(value * value) is None:
                raise ValueError(f"first run: charts {first.charts}, exceptions {first.exceptions}")
        except Exception as exc:
            cls.errors.append(f"student {i}: page did not load ({type(exc).__name__}: {str(exc)[:80]})")
            return
        finally:
            cls.one_loaded()
        await cls.loaded.wait()
        direction = 1
        await asyncio.sleep(rng.uniform(0, every_s))
        while time.monotonic() < cls.stop_at:
            t_next = time.monotonic() + every_s * rng.uniform(0.75, 1.25)
            value, direction = _step(value, direction)
            try:
                sent = await s.rerun({slider: value})
                run = await s.collect(sent, sent + move_timeout_s)
            except (TimeoutError, asyncio.TimeoutError):
                cls.errors.append(f"student {i}: run not finished {move_timeout_s:.0f} s after a move")
                break
            except Exception as exc:     # a dropped connection, a refused write
                cls.errors.append(f"student {i}: {type(exc).__name__}: {str(exc)[:80]}")
                break
            chart = run.chart_at(value * value)     # only the new arrow field counts: one per n x n anchor
            if run.exceptions or chart is None:
                cls.errors.append(f"student {i}: move to {value}: charts (s, arrows) {run.charts[:3]}, "
                                  f"exceptions {run.exceptions[:2]}")
                break
            cls.latency_ms.append(1000 * chart)
            cls.finished_ms.append(1000 * run.finished)
            await asyncio.sleep(max(0.0, t_next - time.monotonic()))
    finally:
        await s.close()


async def one_class(url: str, run: Path, n: int, seconds: float, every_s: float, move_timeout_s: float,
                    arrive_s: float = 0.0, client: str = "browser") -> Class:
    cls = Class(n, seconds, run)
    rss_idle = replica_rss_mb(run)
    async with contextlib.AsyncExitStack() as stack:
        if client == "browser":
            from playwright.async_api import async_playwright

            p = await stack.enter_async_context(async_playwright())
            browser = await p.chromium.launch(executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS)
            stack.push_async_callback(browser.close)
            tasks = [asyncio.create_task(student(i, browser, url, cls, every_s, move_timeout_s, arrive_s))
                     for i in range(n)]
        else:
            tasks = [asyncio.create_task(ws_student(i, url, cls, every_s, move_timeout_s, arrive_s))
                     for i in range(n)]

        async def sample_at_the_end():   # while the whole class is still connected
            await cls.loaded.wait()
            await asyncio.sleep(seconds)
            cls.sample_end()

        sampler = asyncio.create_task(sample_at_the_end())
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
            cls.sample_end()
        cls.rss_idle = rss_idle
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


def _pct(values: list[float], q: float) -> float:
    return _common.percentile(values, q) if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description="simulated students against serve-class")
    ap.add_argument("--students", default="10,30,60", help="comma-separated class sizes")
    ap.add_argument("--replicas", default=f"1,{os.cpu_count() or 2}", help="comma-separated replica counts")
    ap.add_argument("--client", choices=["ws", "browser"], default="ws",
                    help="ws: each student a Streamlit websocket session (the server's cost, no render); "
                         "browser: each a Chromium context (end to end, but the clients share these cores)")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each run once all have loaded")
    ap.add_argument("--every", type=float, default=2.0, help="seconds between a student's moves (jittered)")
    ap.add_argument("--move-timeout", type=float, default=15.0, help="a move slower than this is an error")
    ap.add_argument("--arrive", type=float, default=0.0,
                    help="seconds over which the students arrive (0: all at once; a page load over 120 s is an error)")
    a = ap.parse_args()
    # steady-state figures: no start-up warm-up (ui.warmup) training a classifier beside the first moves
    os.environ.setdefault("ZOLAB_WARMUP", "0")
    sizes = [int(x) for x in a.students.split(",") if x.strip()]
    replica_counts = [int(x) for x in a.replicas.split(",") if x.strip()]
    if not sizes or max(sizes) > MAX_STUDENTS or min(sizes) < 1:
        raise SystemExit(f"--students: 1 .. {MAX_STUDENTS} per run")
    if a.client == "browser" and harness.chromium_path() is None:
        raise SystemExit("Chromium not found (apt-get install chromium)")
    rows = []
    for r in replica_counts:
        # Fresh replicas per class size: memory and caches of one run do not carry into the next.
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="zolab-classroom-") as tmp:
                run = Path(tmp) / "run"
                try:
                    url = serve(r, run)
                    cls = asyncio.run(one_class(url, run, n, a.seconds, a.every, a.move_timeout, a.arrive,
                                                a.client))
                finally:
                    serve_class.stop(run)
            lat, fin = cls.latency_ms, cls.finished_ms
            w = cls.window_s or float("nan")
            rows.append((r, n, len(lat), _pct(lat, 50), _pct(lat, 95), _pct(fin, 50), _pct(fin, 95),
                         len(cls.errors), 100 * cls.server_cpu_s / w, 1000 * cls.server_cpu_s / max(1, len(lat)),
                         100 * cls.client_cpu_s / w, cls.rss_idle, cls.rss_start, cls.rss_end))
            print(f"  replicas={r} students={n}: {len(lat)} moves, {len(cls.errors)} errors", flush=True)
            for e in cls.errors[:5]:
                print(f"    {e}")
    what = ("--client ws: websocket sessions, move sent -> chart delta with the new arrows arrived "
            "(no browser render; 'done' = -> script_finished)" if a.client == "ws" else
            "--client browser: Chromium contexts on these cores, key press -> chart redrawn in the page")
    print(f"\nclassroom: Landscapes 'Descent arrows' slider, a move every ~{a.every:g} s per student, "
          f"{a.seconds:g} s per run, arriving over {a.arrive:g} s, {os.cpu_count()} cores\n{what}")
    print(f"{'replicas':>8} {'students':>8} {'moves':>6} {'p50 ms':>7} {'p95 ms':>7} {'done p50':>8} "
          f"{'done p95':>8} {'errors':>6} {'srv CPU%':>8} {'CPU ms/move':>11} {'cli CPU%':>8} "
          f"{'RSS idle MB':>11} {'start MB':>8} {'end MB':>7}")
    for r, n, moves, p50, p95, d50, d95, errs, scpu, per_move, ccpu, idle, start, end in rows:
        print(f"{r:>8} {n:>8} {moves:>6} {p50:>7.0f} {p95:>7.0f} {d50:>8.0f} {d95:>8.0f} {errs:>6} "
              f"{scpu:>8.0f} {per_move:>11.0f} {ccpu:>8.0f} {idle:>11.0f} {start:>8.0f} {end:>7.0f}")
    print("CPU%: seconds of CPU per second of the run, summed over processes (100 = one core busy); "
          "srv: the replicas, cli: the simulated students")
    for n in sizes:
        p95 = {row[0]: row[4] for row in rows if row[1] == n}
        if 1 in p95 and len(p95) > 1:
            best = min((r for r in p95 if r != 1), key=lambda r: p95[r])
            print(f"students={n}: p95 with 1 replica / with {best} = {p95[1] / p95[best]:.2f}x "
                  "(target >= 1.5x at 60)")
    print("targets: 30 students p95 <= 1000 ms, 0 errors, end RSS ~ start RSS")


if __name__ == "__main__":
    main()
