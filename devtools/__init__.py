"""Developer tools shared by tests/ and bench/: not test code, not part of the zo_core wheel.

``devtools.browser`` starts ``streamlit run`` and drives Debian's Chromium with Playwright;
``devtools.apptest`` opens pages in Streamlit's AppTest. Both run from a checkout: pytest and
``python -m bench.<script>`` put the repository root on ``sys.path``.
"""
