"""The table of bounds (zo_core.bounds) covers every figure parameter and every page widget, and
zo_core.viz.build refuses everything outside it; the pages' widgets draw exactly the table's ranges;
the Theory and attack caps refuse the settings that used to take a minute."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from zo_core import bounds, estimators, objectives, theory, tuning, viz

ROOT = Path(__file__).resolve().parents[2]
NAMES = viz.names()
PARAMS = [(name, key) for name in NAMES for key in viz.parameters(name)]


# --- the figure table -------------------------------------------------------------------------

def test_every_figure_parameter_has_a_bound_and_nothing_else_does():
    assert sorted(bounds.FIGURES) == NAMES, "a figure without bounds (or bounds of no figure)"
    for name in NAMES:
        assert set(bounds.FIGURES[name]) == set(viz.parameters(name)), name


@pytest.mark.parametrize("name", NAMES)
def test_every_default_lies_inside_its_bounds(name):
    bounds.check(name, viz.parameters(name))


def _outside(bound):
    """Values just outside ``bound`` (each must be refused), with the words the message must hold."""
    if isinstance(bound, bounds.Range):
        span = max(abs(bound.hi), 1.0)
        above = bound.hi + (1 if bound.integer else 1e-6 * span)
        below = bound.lo - (1 if bound.integer else 1e-6 * max(abs(bound.lo), 1e-12))
        out = [(above, "above the limit"), (below, "below the limit"), (math.nan, "finite"),
               (math.inf, "finite"), (-math.inf, "finite"), ("5", "expects a number")]
        if bound.integer:
            out.append((bound.lo + 0.5, "whole number"))
        return out
    if isinstance(bound, bounds.Choice):
        return [("no such option", "is not one of"), (1, "is not one of")]
    if isinstance(bound, bounds.Text):
        return [("x" * (bound.max_chars + 1), "above the limit"), (3, "expects text")]
    if isinstance(bound, bounds.NumberList):
        return [(",".join(["1"] * (bound.max_items + 1)), "the limit"), (f"1,{bound.hi * 10:g}", "above the limit"),
                ("1,nan", "finite"), ("1,oops", "not a number")]
    if isinstance(bound, bounds.Series):
        return [([0.5] * (bound.max_items + 1), "the limit"), ([bound.hi * 10 + 1], "above the limit"),
                ([math.nan], "finite"), ("1,2", "list of numbers")]
    return [("maybe", "true or false"), (2, "true or false")]


@pytest.mark.parametrize("name,key", PARAMS)
def test_values_outside_the_bounds_raise_through_build(name, key):
    for value, words in _outside(bounds.FIGURES[name][key]):
        with pytest.raises(ValueError, match=words) as err:
            viz.build(name, **{key: value})
        assert key in str(err.value) and name in str(err.value)


def test_the_message_names_the_value_the_limit_and_the_figure():
    with pytest.raises(ValueError) as err:
        viz.build("race", budget=10**8)
    assert str(err.value) == "budget=100000000 is above the limit 20000 for figure race"
    for name, key, value, limit in [("basin_map", "n_starts", 10**6, "400"), ("tilted_slice", "n", 10**6, "2001"),
                                    ("landscape_surface", "n", 3000, "301"), ("objectives_panel", "n", 302, "301")]:
        with pytest.raises(ValueError, match=f"{key}={value} is above the limit {limit} for figure {name}"):
            viz.build(name, **{key: value})


def test_choices_are_the_modules_own():
    from zo_core import attack
    assert bounds.METHODS == estimators.METHODS and bounds.SCHEMES == estimators.SCHEMES
    assert bounds.PROBLEMS == tuple(estimators.PROBLEMS) and bounds.LAWS == objectives.LAWS
    assert bounds.ATTACK_METHODS == attack.ZO_METHODS and bounds.NORMS == attack.NORMS
    assert bounds.DATASETS == tuple(tuning.DATASETS)
    # the attack's own limits are wider than the table's: the table is the tighter one
    for key in ("eps", "mu", "q", "budget"):
        b = bounds.FIGURES["attack_success"][key]
        lo, hi = attack.LIMITS[key]
        assert lo <= b.lo and b.hi <= hi, key


def test_deck_figures_outside_the_bounds_become_an_error_box_not_work():
    from zo_core import slides
    deck = slides.parse_items([{"figure": "race", "params": {"budget": 10**8}}, {"figure": "basin_map",
                               "params": {"n_starts": 10**6}}], source="d.json")
    assert not slides.build_figures(deck)
    assert all("above the limit" in f.error for f in deck.figures)


# --- the widget table -------------------------------------------------------------------------

def test_each_widget_range_lies_inside_the_figure_parameters_it_feeds():
    for key, w in bounds.WIDGETS.items():
        assert w.bound.lo < w.bound.hi, key
        for feed in w.feeds:
            name, param = feed.split(".")
            b = bounds.FIGURES[name][param]
            assert isinstance(b, bounds.Range) and b.lo <= w.bound.lo and w.bound.hi <= b.hi, (key, feed)


_NUMERIC = {"slider", "number", "log_slider", "symlog_slider"}


def _widget_calls():
    """(file, line, key, kwargs) of every urlstate numeric widget call in pages/ and ui/."""
    for path in sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _NUMERIC
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "urlstate"):
                key = ast.literal_eval(node.args[1])
                yield path.relative_to(ROOT), node.lineno, key, {k.arg: k.value for k in node.keywords}


# Widgets drawn in the browser by ui.livechart (no Streamlit widget AppTest could read): the page takes
# their scale from the table, ``bounds.widget(KEY)``, which this source check finds.
_CLIENT_SIDE = {"ge_mu": "pages/gradient_estimators.py", "sm_t": "pages/smoothing.py"}


def test_client_side_widgets_take_their_scale_from_the_table():
    for key, page in _CLIENT_SIDE.items():
        assert f'bounds.widget("{key}")' in (ROOT / page).read_text(encoding="utf-8"), key


def test_every_numeric_widget_in_the_source_has_an_entry():
    calls = list(_widget_calls())
    assert len(calls) >= 40
    missing = [f"{f}:{line} {key}" for f, line, key, _ in calls if key not in bounds.WIDGETS]
    assert not missing, f"widgets without an entry in zo_core.bounds.WIDGETS: {missing}"
    unused = set(bounds.WIDGETS) - {key for *_, key, _ in calls} - set(_CLIENT_SIDE)
    assert not unused, f"entries of no widget: {unused}"


# --- the pages draw the table's ranges (AppTest) ----------------------------------------------

_CHEAP = {"aa_n": "10", "aa_budget": "300", "ht_budget": "20", "ar_budget": "100", "ar_bbudget": "100",
          "ev_n": "50", "ge_n": "10"}
_OPENS = [("pages/landscapes.py", {}), ("pages/gradient_estimators.py", {}), ("pages/estimator_variance.py", {}),
          ("pages/estimator_variance.py", {"ev_tab": "histogram"}),   # its coordinate slider lives in that tab
          ("pages/theory.py", {}), ("pages/smoothing.py", {}), ("pages/algorithms_race.py", {}),
          ("pages/adversarial_attack.py", {}), ("pages/adversarial_attack.py", {"aa_norm": "l2"}),
          ("pages/hyperparameter_tuning.py", {}), ("pages/mezo.py", {})]


def _drawn_ranges(at) -> dict[str, tuple[float, float]]:
    out = {}
    for s in [*at.slider, *at.number_input]:
        out[s.key] = (float(s.min), float(s.max))
    for s in at.select_slider:
        out[s.key] = (float(s.options[0]), float(s.options[-1]))
    return out


def test_every_page_widget_draws_the_range_of_the_table():
    from devtools.apptest import no_exception, open_page

    seen: dict[str, tuple[float, float]] = {}
    at = open_page(None)                     # the sidebar's widgets are collected on the first run only
    seen |= _drawn_ranges(at)
    for page, params in _OPENS:
        at = open_page(page, params=_CHEAP | params)
        no_exception(at)
        seen |= _drawn_ranges(at)
    assert set(bounds.WIDGETS) - set(_CLIENT_SIDE) <= set(seen), f"not drawn: {set(bounds.WIDGETS) - set(seen)}"
    for key, (lo, hi) in seen.items():
        assert key in bounds.WIDGETS, f"widget {key} has no entry in the table"
        b = bounds.WIDGETS[key].bound
        assert (lo, hi) == (pytest.approx(b.lo, rel=1e-3), pytest.approx(b.hi, rel=1e-3)), key


# --- class 7: the settings that used to take a minute are refused -------------------------------

def test_theory_refuses_high_degree_and_many_terms():
    # ((x+y+1)^10)^10 is refused from its written degree 100, before sympy expands 5,151 terms
    for text, words in [("x^8", "degree 8 is above the limit 4"), ("x^5*y + 1", "degree 6 is above the limit 4"),
                        ("((x+y+1)^10)^10", "degree 100 is above the limit 4"),
                        ("(x+y+1)^4", "15 terms are above the limit 10")]:
        with pytest.raises(ValueError, match=words):
            theory.derive(text)
    assert theory.polynomial("(x+1)^5 - x^5").as_poly().total_degree() == 4   # cancels to degree 4: allowed
