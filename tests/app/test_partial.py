"""ui.partial in a full run: the part draws, the share link takes the part's place, one part per page.

(AppTest runs every script in full; a part's lone rerun is checked in Chromium, tests/browser/test_share.py.)
"""

from streamlit.testing.v1 import AppTest

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
        assert [c.value for c in at.sidebar.code] == ["http://host/page?k=1"]


def test_a_second_part_on_the_page_is_refused():
    at = _run(["first", "second"])
    assert at.exception and "only one part" in at.exception[0].message
