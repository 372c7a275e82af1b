"""Fixtures for every test folder."""

import sys

import pytest


@pytest.fixture(autouse=True)
def _restore_main_module():
    """Streamlit's script runner (AppTest) installs the page script as ``sys.modules["__main__"]`` and
    leaves it there; a later ``multiprocessing`` spawn would then re-run app.py in every child. Put the
    real ``__main__`` back after each test."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
