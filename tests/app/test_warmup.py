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


def test_server_url_is_the_servers_own_address():
    assert warmup.server_url("", 8501) == "http://127.0.0.1:8501"
    assert warmup.server_url("0.0.0.0", 8080, "/class/") == "http://127.0.0.1:8080/class"
    assert warmup.server_url("10.0.0.5", 80, "zo") == "http://10.0.0.5:80/zo"
    assert warmup.server_url("::1", 8501, tls=True) == "https://[::1]:8501"


def test_the_warmups_page_visit_runs_the_page_but_is_no_student(tmp_path):
    """A real server: the warm-up's visit of a page runs its script to the end (its figures come); the
    Class monitor's heartbeat then lists that run as the warm-up's, and counts only the student who came after."""
    import time

    from devtools import browser as harness
    from ui import monitor, registry, store, visitor

    db = tmp_path / "zolab.db"
    with harness.Server(env={"ZOLAB_DB_PATH": str(db), "ZOLAB_WARMUP": "0"}) as server:
        tasks = dict(warmup.page_visits(server.url))
        assert list(tasks) == [f"{p.title} page" for p in [registry.HOME, *registry.available()]
                               if p.section != "Instructor"]
        tasks["Landscapes page"]()             # raises if the page raised or never finished
        time.sleep(monitor.HEARTBEAT_S + 0.5)  # the student's run writes the next heartbeat
        run = visitor.visit(server.url, "landscapes")
        assert run.finished is not None and run.exceptions == [] and run.charts
    (summary,) = store.Store(db).monitors(3600).values()
    assert summary["active_sessions"] == 1 and summary["pages"] == {"Landscapes": 1} and summary["reruns"] == 1
    assert sorted(r["page"] for r in summary["slowest"]) == ["Landscapes", "Landscapes (start-up warm-up)"]
