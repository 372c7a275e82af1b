"""Shared bits of the bench scripts: percentiles, a median timer.

Every script runs as a module from the repository root (``.venv/bin/python -m bench.latency``), so
``zo_core`` is the installed package (``pip install -e .``) and ``devtools`` (the browser / AppTest
harness the tests use too) is importable without patching ``sys.path``.
"""

import statistics
import time

import numpy as np


def percentile(values, q):
    return float(np.percentile(np.asarray(values, float), q))


def timed(fn, repeat: int = 1):
    """(median seconds of ``repeat`` calls of ``fn()``, the last call's result)."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out
