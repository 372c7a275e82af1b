"""AppTest: the Gradient estimators, Estimator variance and Theory pages over a small grid of widgets."""

import json

import pytest

from devtools.apptest import by_key, no_exception, open_page
from devtools import apptest

GE = "pages/gradient_estimators.py"
EV = "pages/estimator_variance.py"
TH = "pages/theory.py"


def charts(at) -> list[dict]:
    # The cloud is a livechart component (its figure travels as JSON bytes); it comes first on the page.
    return [c.figure for c in apptest.livecharts(at)] + [c.figure for c in apptest.charts(at)]


def errors(at) -> list[str]:
    return [e.value for e in at.error]


@pytest.mark.parametrize("state", [
    {},
    {"ge_method": "coordinate", "ge_scheme": "forward", "ge_mu": 1e-6, "ge_precision": "float32"},
    {"ge_method": "sphere", "ge_scheme": "one-point", "ge_q": 5, "ge_n": 50, "ge_err_method": "sphere"},
    {"ge_method": "gaussian", "ge_scheme": "forward", "ge_mu": 1e-12, "ge_err_method": "gaussian",
     "ge_x": -1.0, "ge_y": 2.0},
])
@pytest.mark.parametrize("landscape", ["rosenbrock", "sharp_flat"])
def test_gradient_estimators_grid(state, landscape):
    at = open_page(GE, params={"landscape": landscape}, state=state)
    no_exception(at)
    assert not errors(at)
    assert len(charts(at)) == 2
    q = state.get("ge_q", 1)
    assert list(at.dataframe[0].value.iloc[:, 2]) == [3, 4, q + 1, 2 * q, q, q + 1, 2 * q, q]


def test_mu_slider_changes_the_cloud():
    at = open_page(GE)
    before = charts(at)[0]
    # What letting go of the component's slider at μ = 1 does (its release trigger; in a real browser:
    # tests/browser/test_livechart.py), as AppTest cannot move a component's own slider.
    scale = [float(label) for label in apptest.livecharts(at)[0].header["labels"]]
    assert 1.0 in scale
    at.session_state["ge_mu"] = 1.0
    at.run()
    no_exception(at)
    after = charts(at)[0]
    cloud = lambda spec: next(t for t in spec["data"] if t.get("name", "").endswith("estimates g"))  # noqa: E731
    assert cloud(before)["x"] != cloud(after)["x"]


def test_bad_input_shows_error_and_keeps_last_chart():
    at = open_page(GE, params={"landscape": "custom formula", "formula": "log(x) + y^2"})
    no_exception(at)
    assert len(charts(at)) == 2 and not errors(at)
    by_key(at.number_input, "ge_x").set_value(-1.0).run()          # log is undefined there
    no_exception(at)
    assert errors(at), "a non-finite f must be reported"
    assert len(charts(at)) == 2, "the last good charts stay on screen"
    at.segmented_control(key="ge_method").set_value("coordinate").run()
    at.segmented_control(key="ge_scheme").set_value("one-point").run()
    no_exception(at)
    assert any("one-point" in e for e in errors(at))


@pytest.mark.parametrize("state", [
    {},
    {"ev_problem": "quadratic", "ev_method": "sphere", "ev_scheme": "forward", "ev_q": 4, "ev_d": "10"},
    {"ev_problem": "rosenbrock", "ev_scheme": "one-point", "ev_mu": 0.1, "ev_n": 50, "ev_d": "2"},
])
def test_estimator_variance_grid(state):
    """Every tab draws its chart at these settings; only the tab on screen is computed and sent."""
    at = open_page(EV, state=state)
    seen = []
    for label in ["vs d", "vs μ", "vs q", "cosine", "histogram", "budget"]:
        at.session_state["ev_tab"] = label
        at.run()
        no_exception(at)
        assert not errors(at)
        (chart,) = charts(at)
        seen.append(json.dumps(chart["data"], sort_keys=True))
    assert len(set(seen)) == 6                      # six different figures, one per tab


def test_variance_page_shows_closed_form_curves_for_linear():
    at = open_page(EV)
    names = [t.get("name") for t in charts(at)[0]["data"]]
    assert "E‖g‖² (closed form)" in names and "variance (closed form)" in names


@pytest.mark.parametrize("state,error", [
    ({}, False),
    ({"th_poly": "x^2*y - 3*y^2 + 2", "th_method": "sphere"}, False),
    ({"th_poly": "exp(x) + y"}, True),
    ({"th_poly": "__import__('os').system('true')"}, True),
])
def test_theory_page(state, error):
    at = open_page(TH, state=state)
    no_exception(at)
    assert bool(errors(at)) == error
    assert len(at.latex) >= 10          # the derivation (of the last good polynomial) is always shown


def test_cloud_add_to_deck_keeps_the_chosen_mu():
    at = open_page(GE, state={"ge_mu": 0.00316})
    by_key(at.button, "ge_mu_deck").click().run()
    no_exception(at)
    item = at.session_state["deck"][-1]
    assert item["figure"] == "estimator_cloud" and item["params"]["mu"] == 0.00316
