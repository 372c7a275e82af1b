"""AppTest: the Algorithms race page: defaults, divergence shown as such, bad links, the phase toggle."""

import json

from devtools.apptest import by_key, charts, no_exception, open_page

RACE = "pages/algorithms_race.py"


def _chart_json(at, key: str) -> dict:
    for chart in charts(at):
        if chart.key == key:
            return chart.figure
    raise AssertionError(f"no chart {key}")


def test_race_defaults():
    at = open_page(RACE)
    no_exception(at)
    assert at.title[0].value == "Algorithms race"
    drawn = charts(at)
    assert len(drawn) == 5                      # paths, losses, shift, basin map, ZEST mean vs n
    paths = drawn[0].figure
    assert len(paths["frames"]) > 10             # animated by queries
    # f is a layout image, which frames leave alone (a contour trace vanished when Play ran)
    assert len(paths["layout"]["images"]) == 1 and paths["layout"]["images"][0]["source"].startswith("data:image/png")
    dashes = [tr["line"]["dash"] for tr in paths["data"] if tr.get("mode") == "lines+markers"]
    assert len(set(dashes)) == 5
    table = at.dataframe[0].value
    assert (table["queries spent"] <= 2000).all()
    assert set(table["status"]) == {"ran its budget"}
    assert not at.error


def test_race_budget_and_start_outside_the_window():
    at = open_page(RACE, params={"ar_budget": "300", "ar_x0": "4.5", "landscape": "rosenbrock"})
    no_exception(at)
    assert (at.dataframe[0].value["queries spent"] <= 300).all()
    assert any("outside" in w.value for w in at.warning)
    assert any("two known minima" in i.value for i in at.info)


def test_rosenbrock_divergence_is_said_not_nan():
    at = open_page(RACE, params={"landscape": "rosenbrock", "ar_lr": "0.316", "ar_x0": "-1", "ar_y0": "1.5"})
    no_exception(at)
    table = at.dataframe[0].value
    assert any(s.startswith("diverged at query ") for s in table["status"])
    for col in ("final x", "final y", "final f"):
        assert not any("nan" in str(v).lower() for v in table[col])


def test_race_tilt_slider_reruns():
    at = open_page(RACE)
    by_key(at.select_slider, "ar_t").set_value(0.0).run()
    no_exception(at)
    assert at.query_params["ar_t"] == "0"


def test_a_start_outside_fs_domain_says_so():
    at = open_page(RACE, params={"landscape": "custom formula", "formula": "log(x) + y^2", "ar_x0": "-1"})
    no_exception(at)
    table = at.dataframe[0].value
    assert set(table["status"]) == {"left the domain at query 0"}
    assert not any("nan" in str(v).lower() for col in ("final x", "final y", "final f") for v in table[col])
