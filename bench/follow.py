"""Follow mode: the lecturer's change reaches a student's screen, in Chromium.

A room is opened in a temporary store; a student's page follows it. Each move publishes the next
slide (text-only slides of the tilting lecture, so no figure is computed) and waits until the
student's counter shows it, at a random phase of the student's once-a-second poll, so expect
about 0.5 s + one rerun.
Prints median and p95 of the moves. Target: median <= 1 s.
Run (from the repository root): .venv/bin/python -m bench.follow [MOVES]
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import _common
from playwright.sync_api import sync_playwright

from devtools import browser as harness
from ui.store import Store

TEXT_SLIDES = (2, 3)           # tilting: title slide 1, no figure on lecture slides 1 and 2
COUNTER_JS = "() => { const e = document.querySelector('.st-key-present_counter p'); return e ? e.innerText : ''; }"


def main(moves: int = 12, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "zolab.db"
        db = Store(db_path)
        code, key = db.open_room("tilting")
        db.publish(code, key, {"lecture": "tilting", "slide": TEXT_SLIDES[0], "params": {}})
        with harness.Server(env={"ZOLAB_DB_PATH": str(db_path)}) as server, sync_playwright() as p:
            browser = harness.launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server.url}/present?follow={code}")
            page.wait_for_function(f"() => ({COUNTER_JS})().trim() === '{TEXT_SLIDES[0]} / 10'", timeout=60_000)
            harness.wait_idle(page)
            times = []
            for i in range(moves):
                slide = TEXT_SLIDES[(i + 1) % 2]
                # The poll's timer restarts with every rerun: publish at a random phase of it, as a
                # lecturer does, instead of right after the last update.
                time.sleep(rng.uniform(0.0, 1.0))
                t0 = time.perf_counter()
                db.publish(code, key, {"lecture": "tilting", "slide": slide, "params": {}})
                page.wait_for_function(f"() => ({COUNTER_JS})().trim() === '{slide} / 10'",
                                       polling="raf", timeout=30_000)
                times.append(time.perf_counter() - t0)
            browser.close()
    print(f"follow latency over {moves} moves: median {statistics.median(times) * 1000:.0f} ms, "
          f"p95 {_common.percentile(times, 95) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms (target: median <= 1000 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
