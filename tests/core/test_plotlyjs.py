"""zo_core.plotlyjs: the 2-D bundle is used only at the full bundle's plotly.js version and only for 2-D
traces; an HTML deck inlines the bundle its figures need."""

import json

import pytest

from zo_core import plotlyjs, slides


def _install(prefix, version: str, body: str = ""):
    """A stand-in for `npm install plotly.js-cartesian-dist-min@version --prefix prefix/npm`."""
    package = prefix / "npm" / "node_modules" / plotlyjs.CARTESIAN_PACKAGE
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": plotlyjs.CARTESIAN_PACKAGE, "version": version}))
    (package / plotlyjs.CARTESIAN_FILE).write_text(f"/**\n* plotly.js v{version}\n*/\n{body}")
    return package / plotlyjs.CARTESIAN_FILE


def test_the_full_bundle_names_its_version():
    import plotly.offline

    assert plotlyjs.text(plotlyjs.full()) == plotly.offline.get_plotlyjs()
    major, minor, patch = plotlyjs.version(plotlyjs.full()).split(".")
    assert major.isdigit() and minor.isdigit() and patch.isdigit()


def test_the_cartesian_bundle_is_used_only_at_the_full_bundles_version(tmp_path):
    wanted = plotlyjs.version(plotlyjs.full())
    assert plotlyjs.cartesian(str(tmp_path / "none")) is None                              # not installed
    assert plotlyjs.cartesian(str(_install(tmp_path / "old", "1.0.0").parents[3])) is None  # another version
    same = _install(tmp_path / "same", wanted)
    assert plotlyjs.cartesian(str(same.parents[3])) == same


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A cartesian bundle of the right version, as make installs it (a marker instead of plotly.js)."""
    bundle = _install(tmp_path, plotlyjs.version(plotlyjs.full()), "window.ZO_CARTESIAN_STAND_IN = true;")
    monkeypatch.setattr(plotlyjs, "installed_cartesian", lambda: bundle)
    return bundle


def test_2d_traces_get_the_cartesian_bundle_and_3d_ones_the_full(installed):
    assert plotlyjs.for_traces({"contour", "scatter", "bar"}) == installed
    assert plotlyjs.for_traces({"contour", "surface"}) == plotlyjs.full()
    assert plotlyjs.for_traces(set()) == installed


def test_without_the_cartesian_bundle_everything_gets_the_full_one(monkeypatch):
    monkeypatch.setattr(plotlyjs, "installed_cartesian", lambda: None)
    assert plotlyjs.for_traces({"scatter"}) == plotlyjs.full()


def _deck(*names):
    return slides.parse_items({"title": "t", "items": [{"figure": n, "params": {}, "caption": n} for n in names]})


def test_an_html_deck_inlines_the_bundle_its_figures_need(installed):
    flat = slides.to_html(_deck("landscape_contour"))
    assert "ZO_CARTESIAN_STAND_IN" in flat and plotlyjs.text(plotlyjs.full()) not in flat
    deep = slides.to_html(_deck("landscape_contour", "landscape_surface"))
    assert "ZO_CARTESIAN_STAND_IN" not in deep and plotlyjs.text(plotlyjs.full()) in deep
