"""AppTest: the Smoothing page, its main widgets and bad links (the race: test_race_page.py)."""

import json

import pytest

from tests.app.helpers import by_key, no_exception, open_page

SMOOTHING = "pages/smoothing.py"


def _chart_json(at, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def test_smoothing_defaults_draw_three_figures():
    at = open_page(SMOOTHING)
    no_exception(at)
    assert at.title[0].value == "Smoothing, max-loss, tilting"
    assert len(at.get("plotly_chart")) == 3
    assert not at.error


def test_smoothing_t_slider_changes_the_tilted_curve():
    at = open_page(SMOOTHING)
    before = _chart_json(at, 0)["data"]
    by_key(at.select_slider, "sm_t").set_value(-10.0).run()
    no_exception(at)
    after = _chart_json(at, 0)["data"]
    tilted = [k for k, tr in enumerate(before) if tr.get("name", "").startswith("tilted")][0]
    assert before[tilted]["name"] != after[tilted]["name"]
    assert before[tilted]["y"] != after[tilted]["y"]
    assert at.query_params["sm_t"] == "-10"


@pytest.mark.parametrize("law", ["gaussian", "ball"])
def test_smoothing_laws_and_a_link(law):
    at = open_page(SMOOTHING, params={"sm_law": law, "sm_t": "0", "sm_mu": "0.1", "landscape": "himmelblau"})
    no_exception(at)
    assert not at.error
    assert by_key(at.select_slider, "sm_t").value == 0.0


def test_smoothing_bad_link_falls_back_with_a_warning():
    at = open_page(SMOOTHING, params={"sm_t": "inf", "sm_mu": "-1"})
    no_exception(at)
    text = " ".join(at.session_state["_url_warnings"])   # shown above the page by app.py
    assert "sm_t=inf" in text and "sm_mu=-1" in text
    assert by_key(at.select_slider, "sm_t").value == 20.0


def test_smoothing_custom_formula_with_gaps_keeps_working():
    at = open_page(SMOOTHING, params={"landscape": "custom formula", "formula": "log(x) + y^2"})
    no_exception(at)
