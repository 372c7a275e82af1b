"""zo_core.viz's layout in pixels, measured where Plotly lays figures out: a real Chromium.

The legend's room is reserved for the entries Plotly really lists. A deck's static figures fill their
slide boxes: every figure of a 13-figure deck is drawn at its slide box's size as the static exports draw it
(:func:`zo_core.viz.still`). Plotly's own layout (``_fullLayout._size``, the legend's and the x-axis
title's boxes) must leave the plot area a useful share of the picture, put the legend under the axis
title, keep the title, rewrapped for the picture's width, inside it and above the plot, and hold no play
button or slider: a picture cannot play.
"""

import json

import plotly.io as pio

from zo_core import plotlyjs, slides, viz
from zo_core.slides import layout

FIGURES = ["landscape_contour", "landscape_surface", "objectives_panel", "estimator_cloud", "variance_vs_mu",
           "variance_vs_dim", "error_vs_mu", "race", "race_loss", "basin_map", "tilted_slice", "cosine_vs_dim",
           "bounds_vs_dim"]
MIN_PLOT_SHARE = 0.45     # of the picture's height: 0.51-0.69 measured; before stills 0.04 (the race) to 0.64

_MEASURE = """async ([fig, w, h]) => {
  const gd = document.getElementById('gd');
  await Plotly.newPlot(gd, fig.data, Object.assign({}, fig.layout, {width: w, height: h}), {staticPlot: true});
  const box = (sel) => { const e = gd.querySelector(sel); if (!e) return null;
                         const r = e.getBoundingClientRect(); return [r.top, r.bottom, r.right]; };
  const size = gd._fullLayout._size;
  const out = {plot: size.h, top: size.t, legend: box('.legend'), xtitle: box('.xtitle'), title: box('.gtitle'),
               controls: gd.querySelectorAll('.slider-container, .updatemenu-container').length};
  Plotly.purge(gd);
  return out;
}"""


def _plotly(page) -> None:
    """A blank page with the full plotly.js and one plot div, ``#gd``."""
    page.set_content(f"<html><body style='margin:0'><div id='gd'></div>"
                     f"<script>{plotlyjs.text(plotlyjs.full())}</script></body></html>")
    page.wait_for_function("typeof Plotly !== 'undefined'")


def _sizes():
    deck = slides.parse_items({"title": "Stills", "items": [{"figure": n, "params": {}} for n in FIGURES]})
    boxes = {id(c.spec): layout.image_px(c.image) for s in layout.pages(deck) for row in layout.plan(s).cells
             for c in row}
    return [(spec.name, fig, boxes[id(spec)]) for spec, fig in layout.iter_figures(deck)]


def test_every_deck_figure_keeps_its_plot_area_in_its_slide_box(page):
    _plotly(page)
    found = {}
    for name, fig, (w, h) in _sizes():
        picture = json.loads(pio.to_json(viz.still(fig, w), validate=False))
        m = page.evaluate(_MEASURE, [picture, w, h])
        found[name] = m
        assert m["controls"] == 0, name
        assert m["plot"] >= MIN_PLOT_SHARE * h, (name, m, h)
        if m["legend"] and m["xtitle"]:
            assert m["legend"][0] >= m["xtitle"][1] - 1, (name, m)      # the legend starts under the axis title
        if m["title"]:
            assert m["title"][2] <= w and m["title"][1] <= m["top"], (name, m)
    assert len(found) == len(FIGURES)
    assert viz.build("race").frames and viz.build("race").layout.sliders      # the page's figure still plays


SLOW = {"mezo_race", "phase_diagram"}       # 10-15 s each to build; their traces' kinds appear in others


def test_the_legend_room_is_for_the_entries_plotly_lists(page):
    """Plotly leaves colour maps out of a legend and shows none for a single entry; theme reserves the rows
    for what it lists (it once counted contours: the objectives panel kept 3 empty rows)."""
    _plotly(page)
    counted = {}
    for name in sorted(set(viz.names()) - SLOW):
        built = viz.build(name)
        fig = json.loads(pio.to_json(built, validate=False))
        listed = page.evaluate("""async (fig) => {
          const gd = document.getElementById('gd');
          await Plotly.newPlot(gd, fig.data, fig.layout, {staticPlot: true});
          const n = gd._fullLayout.showlegend ? gd.querySelectorAll('.legend .traces').length : 0;
          Plotly.purge(gd);
          return n;
        }""", fig)
        counted[name] = (len(viz._legend_names(built)), listed)
    assert all(ours == listed for ours, listed in counted.values()), counted
    assert counted["objectives_panel"] == (0, 0) and counted["race"][1] > 1
