"""Streamlit-only helpers shared by the pages: URL-synced widgets, sidebar, theme, figures, lectures.

Importing this package sends a page that Streamlit runs alone back through app.py, the router. With page
files in a folder named ``pages/``, the first run after the server starts (before any run has called
``st.navigation``) runs the page of the URL by itself, in Streamlit's legacy multipage mode. Every page
imports from this package before any library but Streamlit and before any other module of ours
(tests/app/test_all_pages.py checks it), so that run stops here, before the page's imports of numpy,
pandas, ``ui`` and ``zo_core``, and runs again through app.py, which resolves the same page by its URL
path. The router's first deltas (the downloads :mod:`ui.preload` starts, the sidebar) then go out before
the page computes; stopped later (where the page first asked for the sidebar's settings), they waited for
the page's imports, 0.6-1.0 s of a fresh server's first visit.
"""


def _through_the_router() -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        import streamlit as st

        PagesManager.uses_pages_directory = False     # the legacy mode off, as st.navigation does
        st.rerun()


_through_the_router()
