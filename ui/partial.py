"""A part of a page that reruns alone when one of its own widgets changes (``st.fragment``).

A slider that only changes a chart should not redraw the rest of the page: the browser then handles
a handful of elements instead of every one on the page (the sidebar, lecture text, claim boxes,
tables). Widgets inside the part still publish their value to the URL as they are drawn
(ui.urlstate), and :func:`part` rewrites the sidebar's share link after each lone rerun, since the
sidebar itself is not redrawn then. Put inside a part everything that depends on its widgets, and
nothing else: what lies outside it keeps the values of the last full run.

In a lone rerun the chart that changed goes out first (:mod:`ui.lead`).
"""

from __future__ import annotations

import functools
from typing import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import lead, sidebar, warmup


def alone() -> bool:
    """Is this run a part's lone rerun (not a run of the whole page)?"""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def part(body: Callable[..., None], *args) -> None:
    """Draw ``body(*args)`` now, as a part that reruns alone on its own widgets (see the module docstring)."""
    @functools.wraps(body)
    def run() -> None:
        lone = alone()
        with lead.running(lone):
            body(*args)
        sidebar.hold_share(now=lone)     # the link's place is the part's (filled at once when rerunning alone)
        if lone:
            warmup.touch()               # a run all the same: the start-up warm-up waits for quiet

    st.fragment(run)()
