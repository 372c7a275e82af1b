"""The start-up warm-up (ui.warmup): one thread per process, failures reported, zo_core's caches filled."""

import threading

import pytest

from ui import warmup


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setenv("ZOLAB_WARMUP", "1")
    warmup._reset_for_tests()
    yield
    warmup._reset_for_tests()


def test_one_thread_per_process_and_a_failure_does_not_stop_the_rest():
    ran, gate = [], threading.Event()

    def slow():
        gate.wait(10)
        ran.append("slow")

    def broken():
        raise RuntimeError("no data")

    tasks = [("slow", slow), ("broken", broken), ("last", lambda: ran.append("last"))]
    assert warmup.start(tasks) is True
    assert warmup.start(tasks) is False                 # a second session's first run starts nothing
    assert warmup.status()["state"] == "running"
    gate.set()
    warmup.join(10)
    s = warmup.status()
    assert ran == ["slow", "last"]
    assert s["state"] == "finished" and s["done"] == ["slow", "last"] and s["failed"] == ["broken: no data"]
    assert s["seconds"] >= 0


def test_waits_while_scripts_run(monkeypatch):
    import time

    monkeypatch.setattr(warmup, "IDLE_S", 0.3)
    ran = []
    warmup.touch()
    assert warmup.start([("task", lambda: ran.append(time.monotonic()))])
    busy_until = time.monotonic() + 1.0
    while time.monotonic() < busy_until:          # a rerun every 0.1 s: the server is never quiet for 0.3 s
        warmup.touch()
        time.sleep(0.1)
        assert not ran
    warmup.join(5)
    assert ran and ran[0] >= busy_until + 0.3 - 0.15   # ran only after a quiet 0.3 s (0.1 s: the last touch)


def test_off_switch(monkeypatch):
    monkeypatch.setenv("ZOLAB_WARMUP", "0")
    assert warmup.start([("never", lambda: pytest.fail("ran"))]) is False
    assert warmup.status()["state"].startswith("off")


def test_the_real_tasks_fill_the_caches_the_pages_read():
    """After the warm-up, a first visit of each page computes none of it again (no cache miss)."""
    from devtools.apptest import no_exception, open_page
    from zo_core import attack, theory
    from zo_core.viz import applications

    assert warmup.start() is True
    warmup.join(300)
    s = warmup.status()
    assert s["failed"] == [] and s["done"] == [name for name, _ in warmup.TASKS]
    caches = {"classifier": attack.pretrained, "tuning landscape": applications.landscape,
              "derivation": theory.derive}
    misses = {name: f.cache_info().misses for name, f in caches.items()}
    for page in ("pages/theory.py", "pages/hyperparameter_tuning.py", "pages/adversarial_attack.py"):
        no_exception(open_page(page))
    assert {name: f.cache_info().misses for name, f in caches.items()} == misses
