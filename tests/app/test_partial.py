"""ui.partial in a full run: the part draws and the share link, in the part's place, is shown once.

(A part's lone rerun is checked in Chromium: tests/browser/test_share.py.)
"""

from streamlit.testing.v1 import AppTest

from devtools import apptest

SCRIPT = """
import streamlit as st
from ui import partial, sidebar

sidebar.reserve_share()
st.query_params["k"] = "1"
for name in PARTS:
    partial.part(st.write, name)
sidebar.share("http://host/page")
"""


def _run(parts: list[str]) -> AppTest:
    return AppTest.from_string(SCRIPT.replace("PARTS", repr(parts)), default_timeout=30).run()


def test_with_one_part_or_none_the_link_is_shown_once():
    for parts in (["the part"], []):
        at = _run(parts)
        assert not at.exception
        assert [m.value for m in at.main.markdown] == parts
        assert apptest.links(at.sidebar) == ["http://host/page?k=1"]
