"""Every page opens with its defaults, on every built-in landscape, without an exception."""

import ast
import sys

import pytest

from devtools.apptest import ROOT, no_exception, open_page
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


def test_the_page_lecture_link_is_written_once_and_agrees():
    """The registry names each page's lecture (read by ui.lecture.footer); a lecture's own `page:` front
    matter must name a page that shows it."""
    from pathlib import Path

    from ui import lecture, registry

    shown_by = {}
    for info in [registry.HOME, *registry.PAGES]:
        if info.lecture:
            assert (Path(lecture.LECTURES) / f"{info.lecture}.md").is_file(), info
            shown_by.setdefault(info.lecture, set()).add(info.file)
            assert registry.for_file(str(registry.ROOT / info.file)) is info
    for path in lecture.lectures():
        deck = lecture.load(path.stem)
        if deck.page:
            assert deck.page in shown_by.get(path.stem, set()), (path.name, deck.page)


def test_every_page_imports_ui_before_any_library_but_streamlit():
    """A fresh server's first run executes the URL's page file alone, and ``import ui`` ends it (ui/__init__):
    a library imported above that line (numpy ~0.1 s, pandas ~0.3 s here) would hold back the router's first
    delta, which tells the browser what to download."""
    for path in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            top = {name.split(".")[0] for name in names}
            if "ui" in top:
                break
            assert top <= set(sys.stdlib_module_names) | {"__future__", "streamlit"}, \
                f"{path.name} imports {sorted(top)} before ui (line {node.lineno})"
        else:
            raise AssertionError(f"{path.name} never imports ui")
