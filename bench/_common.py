"""Shared bits of the bench scripts: percentiles.

Every script runs as a module from the repository root (``.venv/bin/python -m bench.latency``), so
``zo_core`` is the installed package (``pip install -e .``) and ``devtools`` (the browser / AppTest
harness the tests use too) is importable without patching ``sys.path``.
"""

import numpy as np


def percentile(values, q):
    return float(np.percentile(np.asarray(values, float), q))
