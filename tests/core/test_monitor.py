"""ui.monitor: slow reruns are logged, sessions and the slowest reruns are counted, replicas merge."""

import contextlib
import logging
import time

import pytest

from ui import monitor, store


class Clock:
    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


def _run(m, clock, page, session, seconds, fail=False):
    """One rerun of `seconds` on the injected clock (the monitor's timer and clock are the same)."""
    with contextlib.suppress(ValueError):
        with m.timed_run(page, session, store=None):
            clock.t += seconds
            if fail:
                raise ValueError("page bug")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def m(clock):
    mon = monitor.Monitor(process="host:1", clock=clock, timer=clock, keep=3)
    mon.heartbeat = lambda store=None, force=False: None      # these tests look at one process only
    return mon


def test_slow_rerun_logs_one_line(m, clock, caplog):
    with caplog.at_level(logging.INFO, logger="zolab.monitor"):
        _run(m, clock, "MeZO", "s1", 0.4)
        _run(m, clock, "MeZO", "s1", 2.5)
        _run(m, clock, "Slides", "s2", 1.2, fail=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "zolab.monitor"]
    assert lines == ["slow rerun: 2.50 s page='MeZO' session=s1", "slow rerun: 1.20 s page='Slides' session=s2 (raised)"]


def test_real_time_is_measured():
    mon = monitor.Monitor(process="p")
    mon.heartbeat = lambda store=None, force=False: None
    with mon.timed_run("Landscapes", "s"):
        time.sleep(0.05)
    (r,) = mon.summary()["slowest"]
    assert 0.05 <= r["seconds"] < 1.0


def test_summary_counts_active_sessions_and_keeps_the_slowest(m, clock):
    for i, secs in enumerate([0.1, 3.0, 0.2, 1.5, 0.3, 2.0]):
        _run(m, clock, f"page{i % 2}", f"s{i}", secs)
    _run(m, clock, "page0", "s0", 0.1, fail=True)
    s = m.summary()
    assert s["reruns"] == 7 and s["errors"] == 1
    assert [r["seconds"] for r in s["slowest"]] == pytest.approx([3.0, 2.0, 1.5])   # keep=3, slowest first
    assert s["slowest"][0]["page"] == "page1" and s["slowest"][0]["session"] == "s1"
    assert s["active_sessions"] == 6 and s["pages"] == {"page0": 3, "page1": 3}
    clock.t += monitor.ACTIVE_S + 1          # everyone went quiet ...
    _run(m, clock, "page1", "s5", 0.1)        # ... except one student
    assert m.summary()["active_sessions"] == 1


def test_streamlit_control_flow_is_not_an_error(m, clock):
    class RerunLike(BaseException):           # st.rerun() / st.stop() raise BaseException subclasses
        pass

    with pytest.raises(RerunLike):
        with m.timed_run("p", "s"):
            raise RerunLike()
    assert m.summary()["errors"] == 0 and m.summary()["reruns"] == 1


def test_replicas_merge_through_the_store(tmp_path, clock):
    db = store.Store(tmp_path / "z.db", clock=clock)
    a = monitor.Monitor(process="hostA:1", clock=clock, timer=clock)
    b = monitor.Monitor(process="hostB:2", clock=clock, timer=clock)
    for mon, sessions, secs in [(a, ["s1", "s2"], 1.5), (b, ["s3"], 4.0)]:
        for s in sessions:
            with mon.timed_run("Algorithms race", s, store=db):
                clock.t += secs
    merged = monitor.class_summary(db)
    # heartbeats are throttled: A wrote after its first rerun only, 1.5 s < HEARTBEAT_S before the second
    assert merged["replicas"] == {"hostA:1": 1, "hostB:2": 1} and merged["active_sessions"] == 2
    a.heartbeat(db, force=True)
    merged = monitor.class_summary(db)
    assert merged["replicas"] == {"hostA:1": 2, "hostB:2": 1} and merged["active_sessions"] == 3
    assert merged["reruns"] == 3
    assert merged["slowest"][0]["process"] == "hostB:2" and merged["slowest"][0]["seconds"] == pytest.approx(4.0)
    clock.t += 3 * monitor.HEARTBEAT_S + 1                       # a replica that stopped reporting drops out
    b.heartbeat(db, force=True)
    assert monitor.class_summary(db)["replicas"] == {"hostB:2": 1}
    db.close()


def test_replicas_budgets_add_up_in_the_class_summary(tmp_path, clock):
    from ui.budget import Budget

    db = store.Store(tmp_path / "b.db", clock=clock)
    budgets = [Budget(slots=2, long_runs=1), Budget(slots=3, long_runs=1)]
    held = budgets[1].long_run()
    for i, b in enumerate(budgets):
        monitor.Monitor(process=f"host:{i}", clock=clock, timer=clock, extra=b.snapshot).heartbeat(db, force=True)
    merged = monitor.class_summary(db)
    assert (merged["slots"], merged["long_runs"], merged["long_running"], merged["running"]) == (5, 2, 1, 0)
    held()
    db.close()


def test_a_broken_store_never_breaks_a_page(clock, caplog):
    class Broken:
        def put_monitor(self, *a):
            raise OSError("disk full")

    mon = monitor.Monitor(process="p", clock=clock, timer=clock)
    with caplog.at_level(logging.INFO, logger="zolab.monitor"):
        for _ in range(3):
            with mon.timed_run("p", "s", store=Broken()):
                clock.t += 0.1
            clock.t += monitor.HEARTBEAT_S              # so every rerun tries a heartbeat
    assert mon.summary()["reruns"] == 3
    assert [r.getMessage() for r in caplog.records] == ["monitor heartbeat not stored: disk full"]


def test_panel_renders_in_streamlit(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(store, "_default", store.Store(tmp_path / "panel.db"))

    def script():
        from ui import monitor

        with monitor.timed_run("Home"):
            pass
        monitor._monitor.heartbeat(force=True)
        monitor.render()

    at = AppTest.from_function(script).run(timeout=30)
    assert not at.exception
    assert at.metric[0].label == "Active sessions" and int(at.metric[0].value) >= 1
    summary = monitor.summary()
    assert any(r["page"] == "Home" and r["session"] != "-" for r in summary["slowest"])


def test_an_uncounted_run_is_listed_as_the_warmups_but_is_no_session_rerun_or_error(m, clock):
    _run(m, clock, "Landscapes", "s1", 0.5)
    with contextlib.suppress(ValueError):
        with m.timed_run("Algorithms race", "warm", store=None, counted=False):
            clock.t += 2.0
            raise ValueError("page bug")
    _run(m, clock, "Algorithms race", "s2", 2.0)          # same seconds: the two entries must not be compared
    s = m.summary()
    assert s["active_sessions"] == 2 and s["pages"] == {"Landscapes": 1, "Algorithms race": 1}
    assert s["reruns"] == 2 and s["errors"] == 0
    assert [r["page"] for r in s["slowest"]] == ["Algorithms race (start-up warm-up)", "Algorithms race",
                                                 "Landscapes"]
