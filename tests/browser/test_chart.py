"""In real Chromium: ui.chart redraws a chart in place (same div, Plotly.react), keeps unchanged traces,
follows its column's width, and animates figures with frames."""

from devtools.browser import exceptions, opened, wait_idle

ARROWS = ("() => { const p = document.querySelector('.zo-chart');"
          " const t = p && p._fullData && p._fullData.find(d => (d.name || '').startsWith('−∇f'));"
          " return t ? t.x.length : -1; }")


def _arrows_slider(page):
    return page.locator("[data-testid=stSlider]").filter(has_text="Descent arrows").locator("input[type=range]")


def test_a_move_redraws_the_same_chart_and_keeps_the_unchanged_contour(server, browser):
    with opened(browser, f"{server.url}/landscapes?landscape=himmelblau&arrows=9", ready=".zo-chart .main-svg") as page:
        wait_idle(page)
        before = page.evaluate(ARROWS)
        assert before > 0
        # Mark the chart's div and its contour trace (the first one, which an arrows move leaves alone).
        page.evaluate("() => { const p = document.querySelector('.zo-chart'); p.__mark = 'kept';"
                      " p.data[0].__mark = 'kept'; }")
        slider = _arrows_slider(page)
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => ({ARROWS})() !== {before}", timeout=30_000)
        wait_idle(page)
        assert page.locator(".zo-chart").count() == 1
        assert page.evaluate("() => document.querySelector('.zo-chart').__mark") == "kept"     # not remounted
        assert page.evaluate("() => document.querySelector('.zo-chart').data[0].__mark") == "kept"
        assert page.evaluate(ARROWS) > before
        assert not exceptions(page)
        assert page.locator(".zo-chart-error:visible").count() == 0


def test_the_chart_follows_its_columns_width(server, browser):
    with opened(browser, f"{server.url}/landscapes?landscape=himmelblau", ready=".zo-chart .main-svg") as page:
        wait_idle(page)
        width = "() => { const p = document.querySelector('.zo-chart'); return [p.clientWidth, p._fullLayout.width]; }"
        div, drawn = page.evaluate(width)
        assert abs(div - drawn) <= 1
        page.set_viewport_size({"width": 1000, "height": 1000})
        page.wait_for_function(f"() => {{ const [d, w] = ({width})(); return d < {div} && Math.abs(d - w) <= 1; }}",
                               timeout=10_000)


# Every Plotly.react call from here on: [chart index in document order, on screen when drawn, time (ms)].
RECORD_DRAWS = """() => { window.__draws = []; const react = Plotly.react;
  Plotly.react = function (div, ...rest) {
    const charts = Array.from(document.querySelectorAll('.zo-chart')), box = div.getBoundingClientRect();
    window.__draws.push([charts.indexOf(div), box.top < innerHeight && box.bottom > 0, performance.now()]);
    return react.call(this, div, ...rest);
  }; }"""


LR_SHOWN = "() => (document.body.innerText.match(/with lr = ([0-9.]+)/) || [])[1] || null"


def _move_lr_in_place(page, key: str = "ArrowRight") -> None:
    """A key on the race's lr slider without scrolling to it (focus would bring it into view); returns once
    the page's text shows the new value (a part's lone rerun may not show Streamlit's running status)."""
    before = page.evaluate(LR_SHOWN)
    page.locator("[data-testid=stSlider]").filter(has_text="Step size lr").locator("input[type=range]").evaluate(
        "el => el.focus({preventScroll: true})")
    page.keyboard.press(key)
    page.wait_for_function(f"() => ({LR_SHOWN})() !== {before!r}", timeout=60_000)


def _race(browser, server):
    return opened(browser, f"{server.url}/algorithms_race?landscape=sharp_flat", width=1400, height=900,
                  ready=".zo-chart .main-svg")


def _all_drawn(page):
    """The rerun has ended, the five charts are on the page and ui.chart's queue has drawn every figure."""
    wait_idle(page)
    page.wait_for_function("() => document.querySelectorAll('.zo-chart .main-svg').length >= 5 &&"
                           " window.__zoCharts.waiting.size === 0 && !window.__zoCharts.running", timeout=60_000)


def test_a_move_draws_the_charts_on_screen_first_and_the_others_after(server, browser):
    # The race's lr changes four charts (race, losses, shift, basin map); ZEST against n stays as it is.
    # Scrolled to the basin map, the race and its losses (first on the page) are off screen. The timed
    # move goes to a value computed before, so the rerun's figures come in one burst (a figure still
    # being computed leaves the tab idle meanwhile, and an off-screen chart may be drawn in that pause).
    with _race(browser, server) as page:
        _all_drawn(page)
        for key in ("ArrowRight", "ArrowLeft"):
            _move_lr_in_place(page, key)
            _all_drawn(page)
        page.evaluate("() => document.querySelectorAll('.zo-chart')[3].scrollIntoView({block: 'center'})")
        page.evaluate(RECORD_DRAWS)
        _move_lr_in_place(page)
        page.wait_for_function("() => new Set(window.__draws.map(d => d[0])).size >= 4", timeout=30_000)
        wait_idle(page)
        draws = page.evaluate("() => window.__draws")
        charts = [i for i, _, _ in draws]
        assert len(charts) == len(set(charts)) == 4, draws           # each changed chart drawn once
        on_screen = [seen for _, seen, _ in draws]
        assert on_screen[0] and not on_screen[-1], draws             # charts both sides of the fold changed
        assert on_screen == sorted(on_screen, reverse=True), draws   # every chart on screen before any off it
        assert {0, 1} <= {i for i, seen, _ in draws if not seen}, draws
        zest = page.evaluate("() => document.querySelectorAll('.zo-chart').length") - 1
        assert zest not in charts, draws                             # an unchanged figure is not redrawn
        assert not exceptions(page)


def test_a_chart_off_screen_still_follows_a_move(server, browser):
    with _race(browser, server) as page:
        _all_drawn(page)
        shift = "() => JSON.stringify(document.querySelectorAll('.zo-chart')[2].data.map(t => t.y))"
        before = page.evaluate(shift)
        _move_lr_in_place(page)
        page.wait_for_function(f"() => ({shift})() !== {before!r}", timeout=30_000)   # off screen: drawn once idle
        assert not exceptions(page)


BUNDLES = ("() => performance.getEntriesByType('resource').map(r => r.name.split('/').pop())"
           ".filter(n => n.startsWith('plotly'))")


def test_2d_charts_load_the_cartesian_bundle_and_a_surface_the_3d_one(server, browser):
    url = f"{server.url}/landscapes?landscape=himmelblau&view=contour"
    with opened(browser, url, ready=".zo-chart .main-svg") as page:
        wait_idle(page)
        assert page.evaluate(BUNDLES) == ["plotly-cartesian.min.js"]
        # the same tab switches to both views: the surface needs the 3-D bundle, the contour keeps its own
        page.locator("[data-testid=stButtonGroup]").filter(has_text="both").get_by_text("both", exact=True).click()
        page.wait_for_function("() => Array.from(document.querySelectorAll('.zo-chart'))"
                               ".some(c => c._fullLayout && c._fullLayout.scene && c.querySelector('canvas'))",
                               timeout=60_000)
        wait_idle(page)
        assert sorted(page.evaluate(BUNDLES)) == ["plotly-cartesian.min.js", "plotly-gl3d.min.js"]
        assert page.evaluate("() => Array.from(document.querySelectorAll('.zo-chart')).map(c => Boolean("
                             "c._fullLayout && c.querySelector('.main-svg')))") == [True, True]
        before = page.evaluate(ARROWS)              # the contour, drawn by the cartesian bundle, still redraws
        _arrows_slider(page).focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => ({ARROWS})() > {before}", timeout=30_000)
        assert page.locator(".zo-chart-error:visible").count() == 0
        assert not exceptions(page)


def test_every_page_downloads_the_2d_bundle_at_once_but_runs_it_only_for_a_chart(server, browser):
    """ui.preload.start: the router's first delta starts the download on any page; evaluating plotly.js
    (~0.5 s of the tab's main thread) waits for a chart, so a page without one never pays it."""
    with opened(browser, f"{server.url}/", ready="[data-testid=stMain] h1") as page:      # Home: no chart
        page.wait_for_function(f"() => ({BUNDLES})().length > 0", timeout=30_000)
        assert page.evaluate(BUNDLES) == ["plotly-cartesian.min.js"]
        assert page.evaluate("() => [typeof window.Plotly, document.querySelectorAll("
                             "'script[src*=plotly]').length]") == ["undefined", 0]
        page.get_by_role("link", name="Landscapes").first.click()                     # the same tab, a chart
        page.wait_for_selector(".zo-chart .main-svg", timeout=90_000)
        wait_idle(page)
        assert page.evaluate(BUNDLES) == ["plotly-cartesian.min.js"]                  # the download, reused
        assert page.evaluate("() => typeof window.Plotly") == "object"
        assert not exceptions(page)


def test_every_page_fetches_the_code_of_the_elements_the_pages_draw_at_once(server, browser):
    """ui.preload.start: Home draws no slider and no chart component, yet their code (and what it imports)
    is fetched in its first second, as modules: a later page shows them without a skeleton waiting for it."""
    from ui import preload

    with opened(browser, f"{server.url}/", ready="[data-testid=stMain] h1") as page:
        wanted = preload.frontend_chunks(("Slider", "BidiComponent"))
        page.wait_for_function("(names) => { const got = new Set(performance.getEntriesByType('resource')"
                               ".map(r => r.name.split('/').pop())); return names.every(n => got.has(n)); }",
                               arg=wanted, timeout=30_000)
        assert page.locator("[data-testid=stSlider], .zo-chart").count() == 0
        linked = page.evaluate("() => Array.from(document.querySelectorAll('link[rel=modulepreload]'))"
                               ".map(l => l.href.split('/').pop())")
        assert set(preload.frontend_chunks()) <= set(linked) and len(linked) == len(set(linked))
        assert not exceptions(page)
