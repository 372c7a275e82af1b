"""Shared bits of the bench scripts: repository on sys.path, percentiles."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(values, q):
    import numpy as np

    return float(np.percentile(np.asarray(values, float), q))
