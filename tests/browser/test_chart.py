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
