"""A session over its share of heavy work sees a message and its last figure, never a traceback."""

import time

import pytest

from devtools.apptest import by_key, charts, no_exception, open_page
from ui import budget, figures


@pytest.fixture
def tight_budget(monkeypatch):
    # a share so small that the first figure built uses it up; nothing built before counts as cached
    monkeypatch.setattr(budget, "_budget", budget.Budget(session_s=1e-9))
    monkeypatch.setattr(figures, "_SEEN", set())


def test_over_budget_keeps_the_last_figure_and_says_why(tight_budget):
    at = open_page("pages/landscapes.py", {"n": 61, "arrows": 5})
    no_exception(at)
    assert len(charts(at)) == 1 and not at.warning
    by_key(at.slider, "arrows").set_value(6)
    at.run()
    no_exception(at)
    warnings = [w.value for w in at.warning]
    assert any("heavy computing" in w and "can start again in about" in w for w in warnings), warnings
    assert len(charts(at)) == 1                     # the last good figure stays on screen
    assert any("Still showing the last settings" in c.value for c in at.caption)
    assert budget.snapshot()["refused"] == 1 and budget.snapshot()["sessions_over"] == 1


def test_a_run_beyond_the_servers_long_run_places_is_refused_with_a_message(monkeypatch):
    monkeypatch.setattr(budget, "_budget", budget.Budget(long_runs=1))
    held = budget.long_run()                                     # another student's run holds the place
    at = open_page("pages/mezo.py", state=dict(mz_subset="head", mz_steps=5, mz_batch=4, mz_n=2, mz_eval=20))
    by_key(at.button, "mz_job_run").click()
    at.run()
    no_exception(at)
    assert any("long runs are already going" in w.value for w in at.warning)
    assert not any(m.label == "Held-out accuracy after" for m in at.metric)
    held()
    by_key(at.button, "mz_job_run").click()                      # the place is free: this run starts
    at.run()
    no_exception(at)
    assert not any("long runs are already going" in w.value for w in at.warning)
    job = at.session_state["_longrun_jobs"]["mz_job"]
    job.request_stop()                                           # end it before the interpreter does
    deadline = time.monotonic() + 120
    while job.finished is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.finished is not None and budget.snapshot()["long_running"] == 0


def test_over_budget_on_the_live_chart_keeps_the_page_and_says_why(tight_budget):
    budget._budget.session_s = 1e9                           # the first visit builds freely...
    at = open_page("pages/smoothing.py", {"sm_mu": 0.0631, "sm_law": "gaussian"})
    no_exception(at)
    assert not any("heavy computing" in w.value for w in at.warning)
    budget._budget.session_s = 1e-9                          # ...then the share is spent
    by_key(at.select_slider, "sm_mu").set_value(0.0794)
    at.run()
    no_exception(at)
    assert any("heavy computing" in w.value for w in at.warning)
    assert any("Showing the last settings that worked" in c.value for c in at.caption)
