"""Fixtures for every test folder."""

import os
import sys

import pytest

# No start-up warm-up (ui.warmup) in the servers and AppTests of the suite: each would import torch and
# train the digit classifier in the background. tests/app/test_warmup.py runs it on purpose.
os.environ.setdefault("ZOLAB_WARMUP", "0")


@pytest.fixture(autouse=True)
def _restore_main_module():
    """Streamlit's script runner (AppTest) installs the page script as ``sys.modules["__main__"]`` and
    leaves it there; a later ``multiprocessing`` spawn would then re-run app.py in every child. Put the
    real ``__main__`` back after each test."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
