"""Start-up warm-up: what the lectures always need, computed once per server process in the background.

The first script run of a process starts one daemon thread (:func:`start`), which fills zo_core's own
per-process caches, so a page's first visit finds them (:func:`zo_core.memo.memo` keys them on the bound
arguments: the page's call hits whatever its form): the attack page's digit classifier (torch
import and training, ~6 s), the tuning page's validation landscape (~0.6 s) and the theory page's
derivation of its default polynomial (~0.9 s). Then it visits every page a class opens, once, as a
student's first visit does (:func:`page_visits`, over the server's own websocket): the figures of each
page's defaults and their JSON are cached before the first student asks (a page's first visit on a new
server otherwise computes them: 2-3 s of script on the race and Smoothing). The lecturer opens the app
before class; by the time students open those pages the work is done. The thread runs the tasks one
after the other (one core at most), each only once no script has run for :data:`IDLE_S` seconds
(:func:`touch`, called by every run, the visits' own included): an import of torch holds the GIL for
seconds, and must not delay the deltas of the page a visitor is waiting for. A task that fails is
reported on the Class monitor and does not stop the others.
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
    applications.landscape("diabetes")


def _theory() -> None:
    from zo_core import theory
    for method in ("gaussian", "sphere"):
        theory.derive(theory.DEFAULT_POLYNOMIAL, method=method)


TASKS: list[tuple[str, Callable[[], None]]] = [
    ("theory derivation", _theory), ("tuning landscape", _tuning), ("digit classifier", _classifier)]

HEADER = "X-ZOLab-Warmup"     # on the warm-up's own visits: the Class monitor does not count them as students


def page_visits(url: str) -> list[tuple[str, Callable[[], None]]]:
    """One first visit of each page a class opens (Home and the lecture pages, not the instructor's), in
    menu order, over this server's own websocket at ``url`` (:func:`ui.visitor.visit`): the page's script
    runs with its defaults as a student's first visit runs it, so every cache that visit fills (figures,
    their JSON, zo_core's arrays) is filled, whatever form the page's calls take."""
    from ui import registry

    def task(info: registry.PageInfo) -> Callable[[], None]:
        def go() -> None:
            from ui import visitor

            run = visitor.visit(url, info.url_path, headers={HEADER: "1"})
            if run.exceptions:
                raise RuntimeError("; ".join(run.exceptions))
        return go
    return [(f"{info.title} page", task(info))
            for info in [registry.HOME, *registry.available()] if info.section != "Instructor"]


def server_url(address: str | None, port: int, base_path: str = "", tls: bool = False) -> str:
    """This server's own URL from its options (server.address, server.port, server.baseUrlPath): the
    loopback address when it listens on every interface."""
    host = address if address and address not in ("0.0.0.0", "::") else "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    path = "/" + base_path.strip("/") if base_path.strip("/") else ""
    return f"{'https' if tls else 'http'}://{host}:{int(port)}{path}"

IDLE_S = 3.0              # quiet seconds (no script run) before each task


class Warmup:
    """One background run of ``tasks``, each after :attr:`idle_s` quiet seconds (no :meth:`touch`)."""

    def __init__(self, tasks: list[tuple[str, Callable[[], None]]], idle_s: float = IDLE_S):
        self.tasks, self.idle_s = list(tasks), idle_s
        self._todo = list(tasks)
        self._lock = threading.Lock()
        self._last_run = 0.0          # time.monotonic() of the latest touch()
        self._thread: threading.Thread | None = None
        self._status: dict = {"state": "not started", "done": [], "failed": [], "seconds": None}

    def start(self, url: str | None = None) -> bool:
        """Start the thread unless it was started already (or ``ZOLAB_WARMUP=0``); True when this call did.
        With the server's own ``url``, the tasks are followed by a first visit of every page (:func:`page_visits`)."""
        with self._lock:
            if self._thread is not None:
                return False
            if os.environ.get("ZOLAB_WARMUP", "1") == "0":
                self._status["state"] = "off (ZOLAB_WARMUP=0)"
                return False
            self._todo = self.tasks + (page_visits(url) if url else [])
            self._thread = threading.Thread(target=self._run, name="zolab-warmup", daemon=True)
            self._status.update(state="running", done=[], failed=[], seconds=None)
            self._thread.start()
            return True

    def touch(self) -> None:
        """A script run is happening now: the next task waits until the server has been quiet again."""
        self._last_run = time.monotonic()

    def _wait_until_idle(self) -> None:
        while (quiet := time.monotonic() - self._last_run) < self.idle_s:
            time.sleep(self.idle_s - quiet + 0.05)

    def _run(self) -> None:
        t0 = time.perf_counter()
        for name, task in self._todo:
            self._wait_until_idle()
            try:
                task()
                self._status["done"].append(name)
            except Exception as exc:       # noqa: BLE001 - reported on the Class monitor; the page will say it again
                self._status["failed"].append(f"{name}: {exc}")
        self._status.update(state="finished", seconds=time.perf_counter() - t0)

    def status(self) -> dict:
        """{"state": "not started" | "running" | "finished" | "off …", "done": [...], "failed": [...],
        "seconds": float | None}."""
        s = self._status
        return {**s, "done": list(s["done"]), "failed": list(s["failed"])}

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread (tests and benches)."""
        if self._thread is not None:
            self._thread.join(timeout)


SERVER = Warmup(TASKS)    # this server process's warm-up (app.py starts it; the Class monitor reads it)
start, touch, status = SERVER.start, SERVER.touch, SERVER.status
