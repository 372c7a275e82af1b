"""Fixtures for the browser tests: one streamlit server and one Chromium for the whole session.

Without Chromium the tests are skipped locally; with CI=true a missing Chromium is a failure.
"""

import os

import pytest

from devtools import browser as harness


def _require_chromium():
    if harness.chromium_path() is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — required in CI", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def server():
    _require_chromium()
    with harness.Server() as s:
        yield s


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the whole session: a second sync_playwright() would clash with its loop."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    b = harness.launch(playwright)
    yield b
    b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors
    yield pg
    context.close()
