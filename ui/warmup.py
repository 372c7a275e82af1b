"""Start-up warm-up: what the lectures always need, computed once per server process in the background.

The first script run of a process starts one daemon thread (:func:`start`), which fills zo_core's own
per-process caches, so a page's first visit finds them: the attack page's digit classifier (torch
import and training, ~6 s), the tuning page's validation landscape (~0.6 s) and the theory page's
derivation of its default polynomial (~0.9 s). The lecturer opens the app before class; by the time
students open those pages the work is done. The thread runs the tasks one after the other (one
core at most), each only once no script has run for :data:`IDLE_S` seconds (:func:`touch`, called by
every run): an import of torch holds the GIL for seconds, and must not delay the deltas of the page
a visitor is waiting for. A task that fails is reported on the Class monitor and does not stop the
others.
No Streamlit calls here: the thread has no script context. ``ZOLAB_WARMUP=0`` turns it off (the test
suite does, so that its many short-lived servers do not each train a classifier).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable


def _classifier() -> None:
    from zo_core import attack
    attack.pretrained(0)            # the sidebar's default seed


def _tuning() -> None:
    from zo_core.viz import applications
    applications.landscape("diabetes", 41)     # as tuning_landscape and the curves call it (lru_cache keys on the form)


def _theory() -> None:
    from zo_core import theory
    for method in ("gaussian", "sphere"):
        theory.derive(theory.DEFAULT_POLYNOMIAL, method=method)


TASKS: list[tuple[str, Callable[[], None]]] = [
    ("theory derivation", _theory), ("tuning landscape", _tuning), ("digit classifier", _classifier)]

IDLE_S = 3.0              # quiet seconds (no script run) before each task

_lock = threading.Lock()
_last_run = 0.0           # time.monotonic() of the latest touch()
_thread: threading.Thread | None = None
_status: dict = {"state": "not started", "done": [], "failed": [], "seconds": None}


def start(tasks: list[tuple[str, Callable[[], None]]] | None = None) -> bool:
    """Start the warm-up thread unless this process already has one; True when this call started it."""
    global _thread
    with _lock:
        if _thread is not None:
            return False
        if os.environ.get("ZOLAB_WARMUP", "1") == "0":
            _status["state"] = "off (ZOLAB_WARMUP=0)"
            return False
        _thread = threading.Thread(target=_run, args=(list(TASKS if tasks is None else tasks),),
                                   name="zolab-warmup", daemon=True)
        _status.update(state="running", done=[], failed=[], seconds=None)
        _thread.start()
        return True


def touch() -> None:
    """A script run is happening now: the warm-up waits until the server has been quiet again."""
    global _last_run
    _last_run = time.monotonic()


def _wait_until_idle() -> None:
    while (quiet := time.monotonic() - _last_run) < IDLE_S:
        time.sleep(IDLE_S - quiet + 0.05)


def _run(tasks) -> None:
    t0 = time.perf_counter()
    for name, task in tasks:
        _wait_until_idle()
        try:
            task()
            _status["done"].append(name)
        except Exception as exc:       # noqa: BLE001 - reported on the Class monitor; the page will say it again
            _status["failed"].append(f"{name}: {exc}")
    _status.update(state="finished", seconds=time.perf_counter() - t0)


def status() -> dict:
    """{"state": "not started" | "running" | "finished", "done": [...], "failed": [...], "seconds": float | None}."""
    return {**_status, "done": list(_status["done"]), "failed": list(_status["failed"])}


def join(timeout: float | None = None) -> None:
    """Wait for the warm-up thread (tests and benches)."""
    if _thread is not None:
        _thread.join(timeout)


def _reset_for_tests() -> None:
    global _thread
    join()
    with _lock:
        _thread = None
        _status.update(state="not started", done=[], failed=[], seconds=None)
