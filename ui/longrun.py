"""Long-running controls: Run / Stop / progress for work that takes minutes, one job per session.

The work runs on a background thread (never calling Streamlit); it reports progress through a
:class:`Job` and asks ``job.should_stop()`` before every step, so Stop takes effect within one
step. A fragment polls the job once a second and draws the progress bar (steps/s, ETA) and
whatever the page's ``show`` draws from ``job.live``, so the rest of the page stays usable while
it runs. A session holds at most one job per key; the caps (steps, seconds) are the caller's, and the
server runs at most ``budget.LONG_RUNS`` jobs at once per process (:func:`ui.budget.long_run`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import streamlit as st

from ui import budget

JOBS = "_longrun_jobs"


@dataclass
class Job:
    """The state a worker thread shares with the page: plain data, no Streamlit objects."""
    total: int
    cap_s: float
    done: int = 0
    status: str = "running"            # running | done | stopped | error
    message: str = ""
    result: Any = None
    live: dict = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def report(self, done: int, **live) -> None:
        self.done = int(done)
        self.live.update(live)

    def should_stop(self) -> bool:
        return self._stop.is_set() or time.monotonic() - self.started > self.cap_s

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        """Steps per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate (None before the first step)."""
        return (self.total - self.done) / self.rate if self.rate > 0 else None


def _jobs() -> dict:
    return st.session_state.setdefault(JOBS, {})


def current(key: str) -> Job | None:
    return _jobs().get(key)


def start(key: str, work: Callable[[Job], Any], *, total: int, cap_s: float) -> Job | None:
    """Start ``work(job)`` on a thread unless this session already runs a job under ``key``.

    Raises :class:`ui.budget.OverBudget` when the server already runs as many long jobs as it allows.
    """
    job = current(key)
    if job is not None and job.status == "running":
        return None
    release = budget.long_run()
    if release is None:
        raise budget.OverBudget(
            f"{budget.snapshot()['long_running']} long runs are already going on this server, as many as it "
            "runs at once so that every page stays quick for the class. Try again when one ends (runs are "
            "capped at a few minutes).")
    job = _jobs()[key] = Job(total=int(total), cap_s=float(cap_s))

    def run():
        try:
            job.result = work(job)
            job.status = "stopped" if job._stop.is_set() else "done"
        except (ValueError, RuntimeError, MemoryError, FloatingPointError, OSError) as err:
            job.status, job.message = "error", str(err)
        finally:
            job.finished = time.monotonic()
            release()

    threading.Thread(target=run, name=f"longrun-{key}", daemon=True).start()
    return job


def progress_text(job: Job) -> str:
    eta = f", about {job.eta:.0f} s left" if job.eta is not None and job.status == "running" else ""
    return f"step {job.done} of {job.total} · {job.rate:.1f} steps/s · {job.elapsed:.0f} s{eta}"


def controls(key: str, *, on_run: Callable[[], tuple[Callable[[Job], Any], int, float] | str],
             show: Callable[[Job], None], poll_s: float = 1.0, idle_text: str = "") -> None:
    """Run and Stop buttons, a live progress bar and the page's ``show(job)``, for the job under ``key``.

    ``on_run()`` returns ``(work, total_steps, cap_seconds)``, or a message string when the settings
    cannot run (shown as an error; nothing starts).
    """
    job = current(key)
    running = job is not None and job.status == "running"
    c1, c2 = st.columns([1, 1])
    if c1.button("Run", key=f"{key}_run", type="primary", icon=":material/play_arrow:", disabled=running):
        plan = on_run()
        if isinstance(plan, str):
            st.error(plan, icon=":material/error:")
        else:
            work, total, cap = plan
            try:
                job = start(key, work, total=total, cap_s=cap) or job
                running = True
            except budget.OverBudget as err:
                st.warning(str(err), icon=":material/hourglass_top:")
    if c2.button("Stop", key=f"{key}_stop", icon=":material/stop:", disabled=not running,
                 help="Stops after the current step; the curves and the accuracy reached are kept."):
        if job is not None:
            job.request_stop()

    @st.fragment(run_every=poll_s if running else None)
    def live():
        j = current(key)
        if j is None:
            if idle_text:
                st.info(idle_text)
            return
        if j.status == "running":
            st.progress(min(j.done / max(j.total, 1), 1.0), text=progress_text(j))
        show(j)
        if running and j.status != "running":
            st.rerun()                        # the job ended: one full rerun turns the polling off

    live()
