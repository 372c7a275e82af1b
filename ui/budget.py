"""Fair shares of one server for heavy work: a few slots per process, a time budget per session.

A lecture hall runs on a handful of cores. Cheap work (a cached figure, a page's text) is never held
back. Heavy work (a figure that is not cached yet, a deck export, a memory measurement) goes through
:func:`heavy`:

- it takes one of ``SLOTS`` process-wide slots, so sixty students pressing "Run the race" at once
  compute a few at a time instead of sixty threads sharing two cores; the others wait, and are told so;
- its seconds are charged to the session: a session that spent ``SESSION_S`` seconds of heavy work
  in the last ``WINDOW_S`` seconds is refused (:class:`OverBudget`, whose message says when to come
  back) until its old work leaves the window. What is already cached stays free for everyone.

Long runs (MeZO fine-tuning, :mod:`ui.longrun`) hold a separate, smaller pool: :func:`long_run`.
Slots and budgets are per process (each replica of ``make serve-class`` has its own cores).
Settings: ``ZOLAB_HEAVY_SLOTS`` (default: the number of cores), ``ZOLAB_LONG_RUNS`` (default: half
the cores, at least one), ``ZOLAB_SESSION_BUDGET_S`` (default 120 s per 10 minutes). The Class
monitor page shows :func:`snapshot`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from typing import Callable

WINDOW_S = 600.0


def _env_number(name: str, default: float, cast=float):
    try:
        value = cast(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


CORES = os.cpu_count() or 1
SLOTS = _env_number("ZOLAB_HEAVY_SLOTS", CORES, int)
LONG_RUNS = _env_number("ZOLAB_LONG_RUNS", max(1, CORES // 2), int)
SESSION_S = _env_number("ZOLAB_SESSION_BUDGET_S", 120.0)


class OverBudget(RuntimeError):
    """Heavy work refused so the rest of the class keeps its share; ``str()`` is the message to show."""


class Budget:
    """Slots and per-session accounting for one process. Thread-safe: sessions rerun in parallel threads.

    ``clock`` measures the charged seconds and the window (injectable for tests); waiting for a slot
    uses real time, polling every ``poll_s`` so the caller can show the queue and Streamlit can stop
    a rerun that the student abandoned.
    """

    def __init__(self, *, slots: int = SLOTS, long_runs: int = LONG_RUNS, session_s: float = SESSION_S,
                 window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic, poll_s: float = 0.25):
        self.slots, self.long_runs = int(slots), int(long_runs)
        self.session_s, self.window_s, self.clock, self.poll_s = float(session_s), float(window_s), clock, poll_s
        self._free = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self._spent: dict[str, deque] = {}          # session -> deque of (end time, seconds)
        self._running = self._waiting = self._refused = self._long = 0
        self._held = threading.local()              # a thread that holds a slot passes nested calls through

    # --- accounting -----------------------------------------------------------------------------
    def _entries(self, session: str) -> deque:
        spent = self._spent.setdefault(session, deque())
        horizon = self.clock() - self.window_s
        while spent and spent[0][0] < horizon:
            spent.popleft()
        return spent

    def used(self, session: str) -> float:
        """Seconds of heavy work ``session`` did in the last ``window_s`` seconds."""
        with self._lock:
            return sum(s for _, s in self._entries(session))

    def charge(self, session: str, seconds: float) -> None:
        with self._lock:
            self._entries(session).append((self.clock(), float(seconds)))
            if len(self._spent) > 1024:              # forget sessions whose window is empty
                self._spent = {k: v for k, v in self._spent.items() if self._entries(k)}

    def retry_in(self, session: str) -> float:
        """Seconds until ``session`` is back under its budget (0 when it is)."""
        with self._lock:
            entries = list(self._entries(session))
        total, wait = sum(s for _, s in entries), 0.0
        for end, seconds in entries:                 # the oldest work leaves the window first
            if total < self.session_s:
                break
            total -= seconds
            wait = end + self.window_s - self.clock()
        return max(0.0, wait)

    def _refuse(self, message: str) -> OverBudget:
        with self._lock:
            self._refused += 1
        return OverBudget(message)

    # --- gates ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def heavy(self, what: str, *, session: str | None = None, wait_s: float = 120.0,
              on_wait: Callable[[int], None] | None = None):
        """Run the block in a slot and charge its seconds to ``session``.

        Raises :class:`OverBudget` before starting when the session has spent its budget, or when no
        slot came free within ``wait_s`` seconds. ``on_wait(ahead)`` is called while waiting.
        """
        if getattr(self._held, "depth", 0):          # nested heavy work: the outer call holds the slot
            self._held.depth += 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        spent = self.used(session) if session is not None else 0.0
        if spent >= self.session_s:
            raise self._refuse(
                f"You have used {spent:.0f} s of heavy computing in the last "
                f"{self.window_s / 60:.0f} minutes, this server's share per student, so that one student "
                f"cannot slow down the class. {what.capitalize()} can start again in about "
                f"{max(1.0, self.retry_in(session)):.0f} s; settings already computed still show at once.")
        with self._lock:
            self._waiting += 1
        try:
            start = time.monotonic()
            while not self._free.acquire(timeout=self.poll_s):
                if on_wait is not None:
                    on_wait(self._waiting + self._running - self.slots)
                if time.monotonic() - start > wait_s:
                    raise self._refuse(f"The server is busy with {self._running} computations for other "
                                       f"students; {what} did not get a turn within {wait_s:.0f} s. "
                                       "Try again in a moment.")
        finally:
            with self._lock:
                self._waiting -= 1
        with self._lock:
            self._running += 1
        self._held.depth = 1
        t0 = self.clock()
        try:
            yield
        finally:
            self._held.depth = 0
            elapsed = self.clock() - t0
            with self._lock:
                self._running -= 1
            self._free.release()
            if session is not None:
                self.charge(session, elapsed)

    def long_run(self) -> Callable[[], None] | None:
        """Take one of ``long_runs`` places for a run that lasts minutes: a release function, or None
        when every place is taken (the caller says so; nothing queues for minutes)."""
        with self._lock:
            if self._long >= self.long_runs:
                self._refused += 1
                return None
            self._long += 1
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                with self._lock:
                    self._long -= 1
        return release

    def snapshot(self) -> dict:
        """{slots, running, waiting, long_runs, long_running, refused, sessions_over} for the monitor."""
        with self._lock:
            over = sum(1 for k in list(self._spent) if sum(s for _, s in self._entries(k)) >= self.session_s)
            return {"slots": self.slots, "running": self._running, "waiting": self._waiting,
                    "long_runs": self.long_runs, "long_running": self._long, "refused": self._refused,
                    "sessions_over": over}


_budget = Budget()


def heavy(what: str, *, session: str | None = None, wait_s: float = 120.0, on_wait=None):
    """The process-wide :meth:`Budget.heavy`."""
    return _budget.heavy(what, session=session, wait_s=wait_s, on_wait=on_wait)


def long_run() -> Callable[[], None] | None:
    """The process-wide :meth:`Budget.long_run`."""
    return _budget.long_run()


def snapshot() -> dict:
    """The process-wide :meth:`Budget.snapshot`."""
    return _budget.snapshot()
