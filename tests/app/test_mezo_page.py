"""The MeZO page: opens fast, runs a tiny fine-tuning, and survives bad input."""

from devtools.apptest import by_key, no_exception, open_page

PAGE = "pages/mezo.py"


def test_opens_with_defaults_without_loading_a_model():
    at = open_page(PAGE)
    no_exception(at)
    assert "MeZO" in at.title[0].value
    keys = {e.key for e in at.get("plotly_chart")}
    assert {"mz_paper", "mz_two_layer", "mz_restore"} <= keys
    assert {"mz_run", "mz_stop", "mz_measure"} <= {b.key for b in at.button}


def test_tiny_run_shows_accuracy_before_and_after():
    # page widgets go through state: the helper's first run (home) drops URL keys it did not draw
    at = open_page(PAGE, state=dict(mz_steps=5, mz_batch=4, mz_n=2, mz_subset="head", mz_eval=40))
    by_key(at.button, "mz_run").click()
    at.run(timeout=240)
    no_exception(at)
    labels = {m.label for m in at.metric}
    assert {"Test accuracy before", "Test accuracy after", "Forward passes"} <= labels
    passes = next(m.value for m in at.metric if m.label == "Forward passes")
    assert passes == "20"                                      # 5 steps x 2 n
    assert not at.error


def test_unknown_model_directory_is_a_clear_error():
    at = open_page(PAGE, state=dict(mz_model="custom", mz_path="/no/such/model", mz_steps=5))
    by_key(at.button, "mz_run").click()
    at.run(timeout=120)
    no_exception(at)
    assert any("unknown model" in e.value for e in at.error)


def test_two_layer_sliders_redraw():
    at = open_page(PAGE)
    by_key(at.slider, "mz_m").set_value(1024)
    at.run()
    no_exception(at)
