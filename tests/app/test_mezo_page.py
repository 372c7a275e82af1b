"""The MeZO page: opens fast, runs a tiny fine-tuning in the background, and survives bad input."""

import time

from devtools.apptest import by_key, charts, no_exception, open_page

PAGE = "pages/mezo.py"


def test_opens_with_defaults_without_loading_a_model():
    at = open_page(PAGE)
    no_exception(at)
    assert "MeZO" in at.title[0].value
    keys = {c.key for c in charts(at)}
    assert {"mz_paper", "mz_two_layer", "mz_restore", "mz_ratio"} <= keys
    assert {"mz_job_run", "mz_job_stop", "mz_measure", "mz_race_run"} <= {b.key for b in at.button}
    assert by_key(at.selectbox, "mz_subset").value == "top-lora"      # the default fine-tunes the LM itself (top block)


def wait_for_metrics(at, timeout: float = 240.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        no_exception(at)
        if any(m.label == "Forward passes of the model" for m in at.metric):
            return at
        time.sleep(1.0)
    raise AssertionError("the run did not finish in time")


def test_tiny_probe_run_shows_accuracy_and_honest_pass_counts():
    at = open_page(PAGE, state=dict(mz_subset="head", mz_steps=5, mz_batch=4, mz_n=2, mz_eval=40))
    by_key(at.button, "mz_job_run").click()
    at.run()
    no_exception(at)
    wait_for_metrics(at)
    labels = {m.label for m in at.metric}
    assert {"Held-out accuracy before", "Held-out accuracy after"} <= labels
    passes = next(m.value for m in at.metric if m.label == "Forward passes of the model")
    assert passes == "5"                        # the probe: one backbone pass a step, not 2n = 4
    assert not at.error


def test_a_server_path_in_the_url_is_refused_without_saying_whether_it_exists():
    seen = []
    for path in ("/etc", "/no/such/model"):
        at = open_page(PAGE, params=dict(mz_model=path))
        no_exception(at)
        text = " ".join(str(w.value) for w in at.warning) + " ".join(str(e.value) for e in at.error)
        seen.append(text.replace(path, "<path>"))
        assert by_key(at.selectbox, "mz_model").value == "minilm"          # back on the default model
    assert seen[0] == seen[1]


def test_two_layer_sliders_redraw():
    at = open_page(PAGE)
    by_key(at.slider, "mz_b2").set_value(128)
    at.run()
    no_exception(at)


def test_each_modes_default_lr_is_exactly_the_value_its_caption_and_bench_state():
    # 2e-4 is not on the 4-a-decade grid (1.78e-4, 3.16e-4): the slider carries the default itself
    at = open_page(PAGE, state=dict(mz_subset="lora"))
    no_exception(at)
    lr = by_key(at.select_slider, "mz_lr")
    assert lr.value == 2e-4 and {"0.0002", "0.000178", "0.000316"} <= set(lr.options)
