"""AppTest: the Adversarial attack and Hyperparameter tuning pages, their widgets and bad input."""

import pytest

from devtools.apptest import by_key, charts, no_exception, open_page
from zo_core import attack

ATTACK = "pages/adversarial_attack.py"
TUNING = "pages/hyperparameter_tuning.py"


def _errors(at):
    return " ".join(e.value for e in at.error)


# --- adversarial attack ---------------------------------------------------------------------------

def test_attack_page_defaults_show_accuracy_and_both_figures():
    at = open_page(ATTACK)
    no_exception(at)
    assert at.title[0].value == "Adversarial attack"
    accuracy = by_key_metric(at, "Test accuracy")
    assert float(accuracy.rstrip("%")) >= 90
    assert len(charts(at)) == 2
    assert not at.error


def by_key_metric(at, label):
    for m in at.metric:
        if m.label == label:
            return m.value
    raise KeyError(label)


def test_attack_page_widgets_rerun_cleanly():
    at = open_page(ATTACK, params={"aa_q": "10", "aa_budget": "500", "aa_n": "10"})
    no_exception(at)
    by_key(at.slider, "aa_q").set_value(5).run()
    no_exception(at)
    by_key(at.select_slider, "aa_mu").set_value(0.1).run()
    no_exception(at)
    by_key(at.selectbox, "aa_target").set_value("3").run()
    no_exception(at)
    by_key(at.toggle, "aa_all").set_value(True).run()
    no_exception(at)
    assert at.query_params["aa_target"] == ["3"] or at.query_params["aa_target"] == "3"
    assert len(charts(at)) == 2 and not at.error


@pytest.mark.parametrize("method", attack.ZO_METHODS)
def test_attack_page_every_method_and_l2(method):
    at = open_page(ATTACK, params={"aa_method": method, "aa_norm": "l2", "aa_budget": "400", "aa_n": "10"})
    no_exception(at)
    assert by_key(at.slider, "aa_eps_l2").value == 1.0      # the l2 slider replaces the l_inf one
    assert len(charts(at)) == 2 and not at.error


def test_attack_page_budget_too_small_for_one_step_is_explained():
    at = open_page(ATTACK, params={"aa_budget": "10", "aa_q": "20"})
    no_exception(at)
    assert "cannot pay for one step" in _errors(at)
    assert len(charts(at)) == 0
    by_key(at.number_input, "aa_budget").set_value(1000).run()
    no_exception(at)
    assert not at.error and len(charts(at)) == 2


def test_attack_page_out_of_range_link_falls_back_with_a_warning():
    at = open_page(ATTACK, params={"aa_eps_inf": "5", "aa_mu": "-1", "aa_n": "10"})
    no_exception(at)
    # app.py shows these in a slot AppTest does not collect; the messages are in session state
    text = " ".join(at.session_state["_url_warnings"])
    assert "aa_eps_inf=5" in text and "out of range" in text and "aa_mu=-1" in text
    assert by_key(at.slider, "aa_eps_inf").value == 0.2


def test_attack_page_reports_a_model_that_failed_to_train(monkeypatch):
    def fail(seed):
        raise attack.TrainingError("the classifier reached only 12.0% test accuracy")

    monkeypatch.setattr(attack, "pretrained", fail)
    at = open_page(ATTACK, params={"seed": "987654"})   # a seed no cached classifier answers
    no_exception(at)
    assert "failed to train" in _errors(at) and "12.0%" in _errors(at)
    assert len(charts(at)) == 0


# --- hyperparameter tuning -------------------------------------------------------------------------

def test_tuning_page_defaults_show_landscape_curves_and_table():
    at = open_page(TUNING)
    no_exception(at)
    assert at.title[0].value == "Hyperparameter tuning"
    assert len(charts(at)) == 2
    table = at.dataframe[0].value
    assert list(table["method"]) == ["ZO-SGD", "grid search", "random search", "Nelder–Mead"]
    assert (table["queries"] <= 60).all()


def test_tuning_page_noise_dataset_and_naive_toggle():
    at = open_page(TUNING, params={"ht_budget": "30"})
    by_key(at.toggle, "ht_noisy").set_value(True).run()
    no_exception(at)
    by_key(at.selectbox, "ht_dataset").set_value("friedman").run()
    no_exception(at)
    by_key(at.toggle, "ht_naive").set_value(True).run()
    no_exception(at)
    assert len(charts(at)) == 3                        # paths, curves, ablation
    assert any("Step size" in m.value for m in at.markdown)
    assert (at.dataframe[0].value["queries"] <= 30).all()


def test_tuning_page_budget_below_one_step_is_explained():
    at = open_page(TUNING, params={"ht_budget": "4", "ht_q": "8"})
    no_exception(at)
    assert "costs q + 1" in _errors(at)
    by_key(at.slider, "ht_q").set_value(2).run()
    no_exception(at)
    assert not at.error and len(charts(at)) == 2


@pytest.mark.parametrize("page", [ATTACK, TUNING])
def test_pages_in_projector_mode(page):
    at = open_page(page, params={"projector": "1", "aa_n": "10", "aa_budget": "300", "ht_budget": "20"})
    no_exception(at)
    assert len(charts(at)) == 2 and not at.error
