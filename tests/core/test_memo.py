"""zo_core.memo: one cache entry per bound call, whatever the call's form; one computation at a time per key."""

import threading
import time

import pytest

from zo_core.memo import memo


def test_the_forms_of_one_call_share_one_entry_and_others_do_not():
    calls = []

    @memo(8)
    def f(a, b=2, *, c="x"):
        calls.append((a, b, c))
        return [a, b, c]

    first = f(1)
    assert f(1, 2) is first and f(a=1) is first and f(1, b=2, c="x") is first and f(1, c="x") is first
    assert calls == [(1, 2, "x")] and f.cache_info().hits == 4 and f.cache_info().misses == 1
    assert f(1, 3) == [1, 3, "x"] and f(1, c="y") == [1, 2, "y"]
    assert len(calls) == 3
    f.cache_clear()
    f(1)
    assert len(calls) == 4


def test_a_wrong_call_raises_as_the_function_would():
    @memo(2)
    def g(a):
        return a

    with pytest.raises(TypeError):
        g(1, 2)
    with pytest.raises(TypeError):
        g(b=1)


def test_callers_at_once_wait_for_one_computation():
    calls = []

    @memo(4)
    def slow(x):
        calls.append(x)
        time.sleep(0.3)
        return object()

    out = [None] * 6
    threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, slow(7))) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert calls == [7] and all(o is out[0] for o in out)
    assert slow.cache_info().misses == 1 and slow.cache_info().hits == 5


def test_a_failure_is_not_cached_and_a_waiting_caller_tries_again():
    attempts = []

    @memo(4)
    def flaky(x):
        attempts.append(x)
        time.sleep(0.2)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")
        return x * 2

    second = []
    th = threading.Thread(target=lambda: (time.sleep(0.05), second.append(flaky(3))))
    th.start()
    with pytest.raises(RuntimeError):
        flaky(3)
    th.join(10)
    assert second == [6] and attempts == [3, 3]
    assert flaky(3) == 6 and len(attempts) == 2


def test_least_recently_used_goes_first():
    @memo(2)
    def h(x):
        return [x]

    a = h(1)
    h(2)
    h(1)           # 1 is now the most recent
    h(3)           # evicts 2
    assert h(1) is a and h.cache_info().currsize == 2
    misses = h.cache_info().misses
    h(2)
    assert h.cache_info().misses == misses + 1
