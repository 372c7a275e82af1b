"""The start-up warm-up (ui.warmup): one thread per process, failures reported, zo_core's caches filled."""

import threading

import pytest

from ui import warmup


@pytest.fixture(autouse=True)
def on(monkeypatch):
    monkeypatch.setenv("ZOLAB_WARMUP", "1")


def test_one_thread_per_process_and_a_failure_does_not_stop_the_rest():
    ran, gate = [], threading.Event()

    def slow():
        gate.wait(10)
        ran.append("slow")

    def broken():
        raise RuntimeError("no data")

    w = warmup.Warmup([("slow", slow), ("broken", broken), ("last", lambda: ran.append("last"))], idle_s=0.0)
    assert w.start() is True
    assert w.start() is False                 # a second session's first run starts nothing
    assert w.status()["state"] == "running"
    gate.set()
    w.join(10)
    s = w.status()
    assert ran == ["slow", "last"]
    assert s["state"] == "finished" and s["done"] == ["slow", "last"] and s["failed"] == ["broken: no data"]
    assert s["seconds"] >= 0


def test_waits_while_scripts_run():
    import time

    ran = []
    w = warmup.Warmup([("task", lambda: ran.append(time.monotonic()))], idle_s=0.3)
    w.touch()
    assert w.start()
    busy_until = time.monotonic() + 1.0
    while time.monotonic() < busy_until:          # a rerun every 0.1 s: the server is never quiet for 0.3 s
        w.touch()
        time.sleep(0.1)
        assert not ran
    w.join(5)
    assert ran and ran[0] >= busy_until + 0.3 - 0.15   # ran only after a quiet 0.3 s (0.1 s: the last touch)


def test_off_switch(monkeypatch):
    monkeypatch.setenv("ZOLAB_WARMUP", "0")
    w = warmup.Warmup([("never", lambda: pytest.fail("ran"))])
    assert w.start() is False
    assert w.status()["state"].startswith("off")


def test_the_real_tasks_fill_the_caches_the_pages_read():
    """After the warm-up, a first visit of each page computes none of it again (no cache miss)."""
    from devtools.apptest import no_exception, open_page
    from zo_core import attack, theory
    from zo_core.viz import applications

    w = warmup.Warmup(warmup.TASKS, idle_s=0.0)
    assert w.start() is True
    w.join(300)
    s = w.status()
    assert s["failed"] == [] and s["done"] == [name for name, _ in warmup.TASKS]
    caches = {"classifier": attack.pretrained, "tuning landscape": applications.landscape,
              "derivation": theory.derive}
    misses = {name: f.cache_info().misses for name, f in caches.items()}
    for page in ("pages/theory.py", "pages/hyperparameter_tuning.py", "pages/adversarial_attack.py"):
        no_exception(open_page(page))
    assert {name: f.cache_info().misses for name, f in caches.items()} == misses
