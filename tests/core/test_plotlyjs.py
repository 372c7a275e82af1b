"""zo_core.plotlyjs: a partial bundle (2-D, 3-D) is used only at the full bundle's plotly.js version and
only for the traces it holds; an HTML deck inlines the bundle its figures need."""

import json

import pytest

from zo_core import plotlyjs, slides


def _install(prefix, version: str, body: str = "", bundle=plotlyjs.CARTESIAN):
    """A stand-in for `npm install plotly.js-cartesian-dist-min@version --prefix prefix/npm` (or ``bundle``'s)."""
    package = prefix / "npm" / "node_modules" / bundle.package
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": bundle.package, "version": version}))
    (package / bundle.file).write_text(f"/**\n* plotly.js v{version}\n*/\n{body}")
    return package / bundle.file


def test_the_full_bundle_names_its_version():
    import plotly.offline

    assert plotlyjs.text(plotlyjs.full()) == plotly.offline.get_plotlyjs()
    major, minor, patch = plotlyjs.version(plotlyjs.full()).split(".")
    assert major.isdigit() and minor.isdigit() and patch.isdigit()


@pytest.mark.parametrize("bundle", plotlyjs.PARTIALS, ids=lambda b: b.name)
def test_a_partial_bundle_is_used_only_at_the_full_bundles_version(tmp_path, bundle):
    wanted = plotlyjs.version(plotlyjs.full())
    assert plotlyjs.partial(bundle, str(tmp_path / "none")) is None                            # not installed
    old = _install(tmp_path / "old", "1.0.0", bundle=bundle)
    assert plotlyjs.partial(bundle, str(old.parents[3])) is None                                # another version
    same = _install(tmp_path / "same", wanted, bundle=bundle)
    assert plotlyjs.partial(bundle, str(same.parents[3])) == same
    assert plotlyjs.partial(plotlyjs.PARTIALS[bundle is plotlyjs.CARTESIAN], str(same.parents[3])) is None  # not the other


def test_the_partial_bundles_are_the_ones_npm_names():
    """What make installed (where npm was at hand) is the package its Partial names, holding its traces."""
    for bundle in plotlyjs.PARTIALS:
        file = plotlyjs.installed(bundle)
        if file is None:
            continue
        head = file.read_text(encoding="utf-8")[:200]
        assert f"plotly.js ({bundle.name} - minified) v{plotlyjs.version(plotlyjs.full())}" in head, head


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Both partial bundles of the right version, as make installs them (a marker instead of plotly.js)."""
    wanted = plotlyjs.version(plotlyjs.full())
    files = {b: _install(tmp_path / b.name, wanted, f"window.ZO_{b.name.upper()}_STAND_IN = true;", bundle=b)
             for b in plotlyjs.PARTIALS}
    monkeypatch.setattr(plotlyjs, "installed", files.get)
    return files


def test_each_figure_gets_the_smallest_bundle_that_draws_it(installed):
    cartesian, gl3d = installed[plotlyjs.CARTESIAN], installed[plotlyjs.GL3D]
    assert plotlyjs.for_traces({"contour", "scatter", "bar"}) == cartesian
    assert plotlyjs.for_traces({"scatter"}) == cartesian          # both hold it: the smaller one
    assert plotlyjs.for_traces(set()) == cartesian
    assert plotlyjs.for_traces({"surface", "scatter3d"}) == gl3d
    assert plotlyjs.for_traces({"surface", "scatter"}) == gl3d
    assert plotlyjs.for_traces({"contour", "surface"}) == plotlyjs.full()     # neither holds both
    assert plotlyjs.for_traces({"scattergeo"}) == plotlyjs.full()


def test_without_the_partial_bundles_everything_gets_the_full_one(monkeypatch):
    monkeypatch.setattr(plotlyjs, "installed", lambda bundle: None)
    assert plotlyjs.for_traces({"scatter"}) == plotlyjs.full()
    assert plotlyjs.for_traces({"surface"}) == plotlyjs.full()


def _deck(*names):
    return slides.parse_items({"title": "t", "items": [{"figure": n, "params": {}, "caption": n} for n in names]})


def test_an_html_deck_inlines_the_bundle_its_figures_need(installed):
    full = plotlyjs.text(plotlyjs.full())
    flat = slides.to_html(_deck("landscape_contour"))
    assert "ZO_CARTESIAN_STAND_IN" in flat and "ZO_GL3D_STAND_IN" not in flat and full not in flat
    deep = slides.to_html(_deck("landscape_surface"))
    assert "ZO_GL3D_STAND_IN" in deep and "ZO_CARTESIAN_STAND_IN" not in deep and full not in deep
    both = slides.to_html(_deck("landscape_contour", "landscape_surface"))
    assert "STAND_IN" not in both and full in both
