"""ui.budget: slots bound concurrency, sessions are charged and refused past their share, long runs are capped."""

import threading
import time

import pytest

from ui.budget import Budget, OverBudget


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_slots_bound_how_many_run_at_once():
    b = Budget(slots=2, poll_s=0.01)
    inside, peak, lock = 0, 0, threading.Lock()

    def work():
        nonlocal inside, peak
        with b.heavy("work"):
            with lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert peak == 2                      # six asked at once, never more than two inside
    assert b.snapshot()["running"] == 0 and b.snapshot()["waiting"] == 0


def test_a_full_server_refuses_after_the_wait_and_reports_the_queue():
    b = Budget(slots=1, poll_s=0.01)
    entered, leave, seen = threading.Event(), threading.Event(), []

    def hold():
        with b.heavy("holding"):
            entered.set()
            leave.wait(10)

    th = threading.Thread(target=hold)
    th.start()
    entered.wait(10)
    with pytest.raises(OverBudget, match="busy"):
        with b.heavy("the race", wait_s=0.1, on_wait=seen.append):
            pass
    leave.set()
    th.join(10)
    assert seen and all(ahead >= 1 for ahead in seen)
    assert b.snapshot()["refused"] == 1
    with b.heavy("the race", wait_s=0.1):     # the slot is free again
        pass


def test_a_session_past_its_share_is_refused_until_its_work_leaves_the_window():
    clock = Clock()
    b = Budget(slots=1, session_s=10.0, window_s=600.0, clock=clock)
    for seconds in (4.0, 7.0):                  # 11 s of work, ending at t0 + 4 and t0 + 11
        with b.heavy("a figure", session="s1"):
            clock.now += seconds
    assert b.used("s1") == pytest.approx(11.0)
    assert b.used("s2") == 0.0
    # back under 10 s when the first piece (ended at 1004) leaves the 600 s window: 1604 - now
    assert b.retry_in("s1") == pytest.approx(1604.0 - clock.now)
    with pytest.raises(OverBudget, match=r"11 s of heavy computing.*about 593 s"):
        with b.heavy("a figure", session="s1"):
            pass
    with b.heavy("a figure", session="s2"):      # other students keep their share
        pass
    assert b.snapshot()["sessions_over"] == 1
    clock.now = 1604.5
    assert b.used("s1") == pytest.approx(7.0) and b.retry_in("s1") == 0.0
    with b.heavy("a figure", session="s1"):
        pass


def test_nested_heavy_work_keeps_its_one_slot():
    clock = Clock()
    b = Budget(slots=1, session_s=100.0, clock=clock, poll_s=0.01)
    with b.heavy("an export", session="s"):
        with b.heavy("a figure in it", session="s", wait_s=0.1):   # would time out if it queued
            clock.now += 3.0
    assert b.used("s") == pytest.approx(3.0)                        # charged once


def test_long_runs_are_capped_and_release_once():
    b = Budget(long_runs=1)
    release = b.long_run()
    assert release is not None and b.long_run() is None
    assert b.snapshot()["long_running"] == 1
    release()
    release()                                   # a second release does not free a place it never held
    assert b.snapshot()["long_running"] == 0
    again = b.long_run()
    assert again is not None and b.long_run() is None
