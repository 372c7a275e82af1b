"""Slider key press -> updated chart, in Chromium, for every page's main slider against the floor page.

The floor (bench/floor_app.py: one slider, one 121x121 contour) runs on its own server in its own
tab; each page move is paired with a floor move made just before it, so the ratio compares the two
under the same machine load. A "chart updated" is detected generically: some Plotly chart on the page
holds new data (its ``data`` array replaced and its JSON changed) or new
layout images (a livechart frame may change only those).

Rows (warm caches: moves alternate ArrowRight / ArrowLeft after two untimed warm-up moves):

* every page's main slider, median and p95, and median / floor median;
* Landscapes "arrows" to values never drawn before (cold figure cache), as the old single figure;
* where a slider is the livechart component's own (ui.livechart): key presses as above (each
  pause sends the value, so the page's rerun shares the browser's main thread with the next press),
  and a mouse drag, one step at a time: input event -> chart redrawn, from the component's own
  timestamps (no server round trip; the value is sent on release).

Targets: every page <= 1.3x the floor; livechart moves <= 50 ms.
Run (from the repository root): .venv/bin/python -m bench.latency [--all] [--moves N] [--only TEXT]
(without --all: the Landscapes rows only; --only "Gradient": that row only).
"""

from __future__ import annotations

import argparse
import os
import statistics

from playwright.sync_api import sync_playwright

from bench._common import percentile
from devtools import browser as harness

# (row, URL path, text on the slider's label). The first slider whose label contains the text is moved.
PAGES = [
    ("Landscapes: arrows", "landscapes?landscape=himmelblau&arrows=15", "Descent arrows"),
    ("Gradient estimators: μ", "gradient_estimators?landscape=rosenbrock", "Smoothing radius"),
    ("Estimator variance: μ", "estimator_variance", "Smoothing radius"),
    ("Smoothing: t", "smoothing", "Tilt t"),
    ("Algorithms race: lr", "algorithms_race", "Step size lr"),
    ("Hyperparameter tuning: budget", "hyperparameter_tuning", "Query budget"),
    ("Adversarial attack: ε", "adversarial_attack", "ε ("),
]
FLOOR_LABEL = "Shift a"
TIMEOUT_MS = 60_000

# Page-side helpers: mark every chart's current data, then poll (per animation frame) for a chart
# whose data was replaced with different content. The cheap test is by reference (the data array, or
# a trace's x / y / z: Plotly.react replaces the first, restyle and animate the others); the JSON of a
# changed candidate is then compared once.
HELPERS_JS = """() => {
  if (window.__zo) return;
  const plots = () => Array.from(document.querySelectorAll('.js-plotly-plot'));
  const sig0 = (d) => { try { return JSON.stringify(d); } catch (e) { return String(Math.random()); } };
  // layout images too: a livechart frame may change only them (Smoothing's tilted panel and its star)
  const images = (p) => ((p.layout || {}).images || [])
    .map(im => `${(im.source || '').length}:${(im.source || '').slice(-48)}:${im.x}:${im.y}`);
  const refs = (p) => [p.data].concat(...(p.data || []).map(t => [t, t.x, t.y, t.z]), images(p));
  const sig = (p) => sig0(p.data) + images(p).join('|');
  const same = (a, b) => a.length === b.length && a.every((r, i) => r === b[i]);
  window.__zo = {
    mark() { this.seen = new Map(plots().map(p => [p, {refs: refs(p), sig: sig(p)}])); this.t1 = null;
             this.t0 = performance.now(); },
    changed() {
      if (this.t1 !== null) return true;
      for (const p of plots()) {
        if (!p.data || !p._fullLayout) continue;
        const old = this.seen.get(p), now = refs(p);
        if (old && same(old.refs, now)) continue;
        const s = sig(p);
        if (!old || s !== old.sig) { this.t1 = performance.now(); return true; }
        this.seen.set(p, {refs: now, sig: s});
      }
      return false;
    },
  };
}"""


def _slider(page, label: str):
    """The range input of the first slider whose label holds ``label``, else the livechart's own (ui.livechart)."""
    loc = page.locator("[data-testid=stSlider]").filter(has_text=label).locator("input[type=range]")
    if loc.count():
        return loc.first
    loc = page.locator("[data-livechart-slider]")
    return loc.first if loc.count() else None


def _move(page, slider, key: str) -> float | None:
    """Press ``key`` on ``slider``; ms until a chart on the page changed."""
    page.evaluate(HELPERS_JS)
    page.evaluate("() => window.__zo.mark()")
    slider.focus()
    page.evaluate("() => { window.__zo.t0 = performance.now(); }")
    page.keyboard.press(key)
    try:
        page.wait_for_function("() => window.__zo.changed()", polling="raf", timeout=TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - a move that never updates a chart is reported, not fatal
        return None
    return page.evaluate("() => window.__zo.t1 - window.__zo.t0")


def _open(page, url: str) -> None:
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".js-plotly-plot", timeout=180_000)
    harness.wait_idle(page, timeout=180_000)


class Floor:
    """The floor page in its own tab; ``move()`` is one timed slider move there."""

    def __init__(self, browser, server):
        self.page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        _open(self.page, server.url)
        self.slider = _slider(self.page, FLOOR_LABEL)
        self.right = True

    def move(self) -> float | None:
        self.page.bring_to_front()
        t = _move(self.page, self.slider, "ArrowRight" if self.right else "ArrowLeft")
        self.right = not self.right
        harness.wait_idle(self.page)
        return t


def measure_page(browser, server, floor: Floor, path: str, label: str, moves: int):
    """Paired (floor, page) move times on one page, warm caches; plus livechart in-browser times."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.bring_to_front()
    _open(page, f"{server.url}/{path}")
    slider = _slider(page, label)
    live = slider is not None and slider.get_attribute("data-livechart-slider") is not None
    if slider is None:
        page.context.close()
        return None
    keys = ["ArrowRight", "ArrowLeft"]
    for k in keys:                       # warm-up: both neighbouring values enter the caches
        _move(page, slider, k)
        harness.wait_idle(page)
    pairs = []
    for i in range(moves):
        f = floor.move()
        page.bring_to_front()
        t = _move(page, slider, keys[i % 2])
        harness.wait_idle(page)
        pairs.append((f, t))
    inbrowser = payload = None
    if live:                             # the component's own input -> redrawn timestamps, in a drag
        payload = page.evaluate("() => window.__livechart.bytes || null")
        inbrowser = drag(page, slider, moves)
    errors = harness.exceptions(page)
    page.context.close()
    return dict(pairs=pairs, livechart=live, inbrowser=inbrowser, errors=errors, payload=payload)


def drag(page, slider, steps: int) -> list[float]:
    """Drag the component's slider by one step at a time (mouse held down, as a student drags it):
    the component's own times from each input event to the redrawn chart. The value is sent to the
    server only on release, so no rerun competes with the moves (arrow keys commit after each pause)."""
    page.bring_to_front()
    harness.wait_idle(page)
    box = slider.bounding_box()
    value, top = page.evaluate("() => { const s = document.querySelector('[data-livechart-slider]');"
                                " return [Number(s.value), Number(s.max)]; }")
    thumb = 8.0                         # half the range thumb's width: the track runs inside the box
    px = (box["width"] - 2 * thumb) / top
    x, y = box["x"] + thumb + px * value, box["y"] + box["height"] / 2
    page.evaluate("() => { window.__livechart.moves = []; }")
    page.mouse.move(x, y)
    page.mouse.down()
    direction = -1 if value > top / 2 else 1
    for k in range(1, steps + 1):
        page.mouse.move(x + direction * k * px, y)
        try:
            page.wait_for_function(f"() => window.__livechart.moves.length >= {k}", polling="raf",
                                    timeout=10_000)
        except Exception:  # noqa: BLE001 - a step the thumb did not take is left out
            pass
    page.mouse.up()
    harness.wait_idle(page)
    return page.evaluate("() => window.__livechart.moves")


def measure_cold_arrows(browser, server, floor: Floor, moves: int):
    """Landscapes arrows to values never drawn before (the figure cache cannot help)."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    _open(page, f"{server.url}/landscapes?landscape=himmelblau&arrows=5")
    slider = _slider(page, "Descent arrows")
    pairs = []
    for _ in range(moves):
        f = floor.move()
        page.bring_to_front()
        t = _move(page, slider, "ArrowRight")
        harness.wait_idle(page)
        pairs.append((f, t))
    page.context.close()
    return dict(pairs=pairs, livechart=False, inbrowser=None, errors=[])


def _stats(values):
    ok = [v for v in values if v is not None]
    if not ok:
        return None, None, len(values)
    return statistics.median(ok), percentile(ok, 95), len(values) - len(ok)


def report(rows) -> None:
    print(f"{'page: slider':40s} {'median':>8s} {'p95':>8s} {'floor':>8s} {'x floor':>8s}  notes")
    floors = []
    for name, res in rows:
        if res is None:
            print(f"{name:40s} {'-':>8s} {'-':>8s} {'-':>8s} {'-':>8s}  slider not found")
            continue
        fl = [f for f, _ in res["pairs"]]
        floors += [f for f in fl if f is not None]
        med, p95, missed = _stats([t for _, t in res["pairs"]])
        fmed, _, _ = _stats(fl)
        notes = []
        if res["livechart"]:
            notes.append("in-component slider (no server round trip)")
        if missed:
            notes.append(f"{missed} move(s) without a chart change in {TIMEOUT_MS / 1000:.0f} s")
        if res["errors"]:
            notes.append(f"{len(res['errors'])} exception box(es)")
        if med is None or fmed is None:
            print(f"{name:40s} {'-':>8s} {'-':>8s} {'-':>8s} {'-':>8s}  " + "; ".join(notes))
        else:
            print(f"{name:40s} {med:6.0f}ms {p95:6.0f}ms {fmed:6.0f}ms {med / fmed:7.2f}x  " + "; ".join(notes))
        if res["inbrowser"]:
            ib = res["inbrowser"]
            print(f"{'  └ drag, in-browser (component clock)':40s} {statistics.median(ib):6.1f}ms "
                  f"{percentile(ib, 95):6.1f}ms {'':>8s} {'':>8s}  {len(ib)} steps of a mouse drag,"
                  " input event -> chart redrawn; target <= 50 ms")
        if res.get("payload"):
            b = res["payload"]
            print(f"{'  └ sent once per setting of the rest':40s} figure {b['figure'] / 1e6:.2f} MB, "
                  f"all frames {b['frames'] / 1e6:.2f} MB (target: frames near or under 1 MB)")
    if floors:
        print(f"floor (bench/floor_app.py) over the whole run: median {statistics.median(floors):.0f} ms, "
              f"p95 {percentile(floors, 95):.0f} ms, {len(floors)} moves")
    print("targets: median <= 1.3x floor for every page; in-component moves <= 50 ms")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="every page's main slider (default: Landscapes only)")
    ap.add_argument("--moves", type=int, default=8, help="timed moves per page (default 8)")
    ap.add_argument("--only", default="", help="only the pages whose row name contains this text")
    args = ap.parse_args(argv)
    # steady-state figures: no start-up warm-up (ui.warmup) training a classifier beside the first moves
    os.environ.setdefault("ZOLAB_WARMUP", "0")
    pages = [row for row in (PAGES if args.all or args.only else PAGES[:1]) if args.only in row[0]]
    rows = []
    with harness.Server(script="bench/floor_app.py") as floor_server, harness.Server() as server, \
            sync_playwright() as p:
        browser = harness.launch(p)
        floor = Floor(browser, floor_server)
        for name, path, label in pages:
            rows.append((name, measure_page(browser, server, floor, path, label, args.moves)))
        if not args.only:
            rows.append(("Landscapes: arrows, new values (cold)", measure_cold_arrows(browser, server, floor,
                                                                                     args.moves)))
        browser.close()
    print(f"latency: slider key press -> updated chart, Chromium, {args.moves} moves a page, "
          "each paired with a floor move")
    report(rows)


if __name__ == "__main__":
    main()
