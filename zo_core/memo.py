"""Per-process memo of a function on its *bound* arguments, computed once even when called at once.

``functools.lru_cache`` keys on the call's form, so a page calling ``landscape("diabetes", n=41)``
would miss what the start-up warm-up filled with ``landscape("diabetes", 41)``; and two sessions
asking at the same moment both compute. :func:`memo` binds the arguments to the signature first
(defaults applied) and keys on that; a caller that finds the same key being computed waits for that
computation instead of starting its own (the digit classifier trains once, not once per student).
The result is shared: callers must not mutate it.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections import OrderedDict, namedtuple
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)
CacheInfo = namedtuple("CacheInfo", "hits misses maxsize currsize")


class _Memo:
    def __init__(self, f: Callable, maxsize: int):
        self.f, self.maxsize, self.sig = f, maxsize, inspect.signature(f)
        self.data: OrderedDict = OrderedDict()       # key -> value, least recently used first
        self.running: dict = {}                      # key -> Event set when its computation ends
        self.lock = threading.Lock()
        self.hits = self.misses = 0
        functools.update_wrapper(self, f)

    def __call__(self, *args, **kwargs):
        bound = self.sig.bind(*args, **kwargs)
        bound.apply_defaults()
        key = (bound.args, tuple(bound.kwargs.items()))
        while True:
            with self.lock:
                if key in self.data:
                    self.hits += 1
                    self.data.move_to_end(key)
                    return self.data[key]
                done = self.running.get(key)
                if done is None:
                    self.misses += 1
                    done = self.running[key] = threading.Event()
                    break
            done.wait()          # another caller computes it; then look again (it may have failed)
        try:
            value = self.f(*bound.args, **bound.kwargs)
            with self.lock:
                self.data[key] = value
                while len(self.data) > self.maxsize:
                    self.data.popitem(last=False)
            return value
        finally:
            with self.lock:
                del self.running[key]
            done.set()

    def cache_info(self) -> CacheInfo:
        return CacheInfo(self.hits, self.misses, self.maxsize, len(self.data))

    def cache_clear(self) -> None:
        with self.lock:
            self.data.clear()
            self.hits = self.misses = 0


def memo(maxsize: int) -> Callable[[F], F]:
    """Cache the ``maxsize`` most recently used results on the bound arguments; ``cache_info()`` and
    ``cache_clear()`` as ``functools.lru_cache``'s."""
    return lambda f: _Memo(f, maxsize)
