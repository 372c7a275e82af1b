"""Every page opens with its defaults, on every built-in landscape, without an exception."""

import pytest

from devtools.apptest import no_exception, open_page
from ui import registry
from zo_core import landscapes

PAGES = [p.file for p in registry.available()]


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_with_defaults(page):
    at = open_page(page)
    no_exception(at)
    assert at.title, f"{page} shows no title"


def test_home_lists_every_available_page():
    at = open_page()
    no_exception(at)
    # st.page_link elements are not exposed by AppTest; the cards' captions are.
    captions = " ".join(c.value for c in at.caption)
    for info in registry.available():
        assert info.blurb in captions


@pytest.mark.parametrize("name", landscapes.names())
def test_landscapes_page_on_every_landscape(name):
    at = open_page("pages/landscapes.py", params={"landscape": name})
    no_exception(at)
    assert landscapes.get(name).title in " ".join(m.value for m in at.markdown)
