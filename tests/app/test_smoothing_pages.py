"""AppTest: the Smoothing page, its main widgets and bad links (the race: test_race_page.py)."""

import pytest

from devtools.apptest import by_key, charts, livecharts, no_exception, open_page
from ui import urlstate

SMOOTHING = "pages/smoothing.py"


def _chart_json(at, index: int) -> dict:
    return charts(at)[index].figure


def _panel_json(at) -> dict:
    """The objectives panels: a livechart component (the t slider is in it), its figure as JSON bytes."""
    return livecharts(at)[0].figure


def test_smoothing_defaults_draw_three_figures():
    at = open_page(SMOOTHING)
    no_exception(at)
    assert at.title[0].value == "Smoothing, max-loss, tilting"
    assert len(charts(at)) == 2 and _panel_json(at)["data"]
    assert not at.error


def test_smoothing_t_release_changes_the_tilted_curve_and_panel():
    at = open_page(SMOOTHING)
    before, panel_before = _chart_json(at, 0)["data"], _panel_json(at)
    # What letting go of the component's slider at t = -10 does (its release trigger; in a real browser:
    # tests/browser/test_livechart.py), as AppTest cannot move a component's own slider.
    assert -10.0 in urlstate.symlog_options(100.0, 10)
    at.session_state["sm_t"] = -10.0
    at.run()
    no_exception(at)
    after, panel_after = _chart_json(at, 0)["data"], _panel_json(at)
    tilted = [k for k, tr in enumerate(before) if tr.get("name", "").startswith("tilted")][0]
    assert before[tilted]["name"] != after[tilted]["name"]
    assert before[tilted]["y"] != after[tilted]["y"]
    assert [a["text"] for a in panel_after["layout"]["annotations"]][3].startswith("tilted (t = -10,")
    assert panel_before["layout"]["annotations"][3]["text"].startswith("tilted (t = 20,")
    assert at.query_params["sm_t"] == "-10"


@pytest.mark.parametrize("law", ["gaussian", "ball"])
def test_smoothing_laws_and_a_link(law):
    at = open_page(SMOOTHING, params={"sm_law": law, "sm_t": "0", "sm_mu": "0.1", "landscape": "himmelblau"})
    no_exception(at)
    assert not at.error
    assert at.session_state["sm_t"] == 0.0


def test_smoothing_bad_link_falls_back_with_a_warning():
    at = open_page(SMOOTHING, params={"sm_t": "inf", "sm_mu": "-1"})
    no_exception(at)
    text = " ".join(at.session_state["_url_warnings"])   # shown above the page by app.py
    assert "sm_t=inf" in text and "sm_mu=-1" in text
    assert at.session_state["sm_t"] == 20.0


def test_smoothing_custom_formula_with_gaps_keeps_working():
    at = open_page(SMOOTHING, params={"landscape": "custom formula", "formula": "log(x) + y^2"})
    no_exception(at)


def test_smoothing_says_where_the_tilted_objective_is_infinite():
    """gaussian, mu = 1, t = 20 on sharp_flat: f grows like |x|^2/20 and t mu^2 / 10 = 2 >= 1, so L_t = inf."""
    at = open_page(SMOOTHING, params={"sm_law": "gaussian", "sm_mu": "1", "sm_t": "20"})
    no_exception(at)
    assert any("L_t is infinite" in e.value for e in at.error)
    table = at.table[0].value
    assert "+∞" in list(table["value"])               # the point's L_t: infinite, not a number
    assert len(charts(at)) == 2


def test_smoothing_says_when_the_grid_cannot_resolve_the_ball():
    at = open_page(SMOOTHING, params={"sm_law": "ball", "sm_rho": "0.01"})
    no_exception(at)
    assert any("cannot resolve" in w.value for w in at.warning)


def test_smoothing_shows_the_sharpness_expansion_at_a_point():
    at = open_page(SMOOTHING, params={"sm_x": "1.2", "sm_y": "0"})
    no_exception(at)
    table = at.table[0].value
    quantities = list(table["quantity"])
    assert any("small-t expansion" in q for q in quantities) and any("quadrature" in q for q in quantities)
    assert by_key(at.number_input, "sm_x").value == 1.2

