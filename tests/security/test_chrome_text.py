"""User text in the app's own messages (URL warnings, error boxes) is shown as text, never as Markdown.

The reference is an independent CommonMark parser (markdown-it-py, with raw HTML on, as the most
permissive reading): a message body must parse to no link, image, HTML, emphasis or strikethrough,
and its plain-text runs must hold nothing that Streamlit's extensions would still turn into
something live (math between ``$``, ``:directives[...]``/``:icons:``, bare ``https://``, ``www.``
and e-mail autolinks). The real browser check is tests/browser/test_chrome_text.py.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from devtools.apptest import no_exception, open_page
from ui.text import JOINER, code_span, escape_markdown

PAYLOADS = [
    "[Log in](https://example.com)",
    "<img src=x onerror=alert(1)>",
    "![x](https://example.com/x.png)",
    r"$\href{https://example.com}{click}$",
    "`x` **bold** [Log in](https://example.com) `",
    ":red[alarm] :material/lock: www.example.com mail@example.com",
    "ok\n\n# Heading\n    code\n> quote\n- item",
]

_RENDER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).disable("text_join")  # keeps escapes apart
# (lists are left out: the URL warning is the app's own bullet list; the helpers' output is
# checked to be one paragraph below)
_LIVE_TOKENS = {"link_open", "image", "html_inline", "html_block", "em_open", "strong_open", "s_open",
                "heading_open", "blockquote_open", "code_block", "fence", "hr"}
_LIVE_TEXT = re.compile(r"\$|:[A-Za-z]|https?://|www\.|@|~", re.I)


def live_markup(body: str) -> list[str]:
    """What in ``body`` would render as more than text (empty when it is all text and code spans)."""
    found = []
    for block in _MD.parse(body):
        if block.type in _LIVE_TOKENS:
            found.append(block.type)
        for tok in block.children or []:
            if tok.type in _LIVE_TOKENS:
                found.append(tok.type)
            elif tok.type == "text" and _LIVE_TEXT.search(tok.content):
                found.append(f"text {tok.content!r}")
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_helpers_leave_nothing_live_and_keep_the_text(payload):
    for shown in (escape_markdown(payload), code_span(payload)):
        assert live_markup(shown) == []
        assert [t.type for t in _MD.parse(shown)] == ["paragraph_open", "inline", "paragraph_close"]
    # the reader sees the characters typed (line breaks shown as spaces; the joiner is invisible)
    flat = " ".join(payload.split())
    html = _RENDER.renderInline(escape_markdown(payload)).replace(JOINER, "")
    assert " ".join(html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                    .replace("&amp;", "&").split()) == flat


@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_link_values_in_the_url_warning_are_text(payload):
    # sidebar keys: the warning app.py draws is collected on the first run (see devtools/apptest.py)
    at = open_page(None, params={"seed": payload, "landscape": payload})
    no_exception(at)
    body = "\n".join(w.value for w in at.warning)
    assert "not valid" in body
    spans = [code_span(f"seed={payload[:40]}"), code_span(f"landscape={payload[:40]}")]
    assert all(span in body for span in spans)       # both values listed literally
    if "\\" not in payload:        # float()'s complaint quotes the value (repr doubles a backslash)
        assert escape_markdown(payload) in body
    assert live_markup(body) == []
    for span in spans:
        body = body.replace(span, "")
    assert "[Log in](" not in body and not re.search(r"(?<!\\)<img", body)   # only escaped forms remain


@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_link_values_for_a_page_widget_are_text(payload):
    # ?n=[Log in](https://...) on Landscapes: app.py's slot is not collected after a page switch,
    # so read the messages it joins into the warning's Markdown body
    at = open_page("pages/landscapes.py", params={"n": payload, "view": payload})
    no_exception(at)
    messages = at.session_state["_url_warnings"]
    assert len(messages) == 2
    assert code_span(f"n={payload[:40]}") in messages[-1] + messages[0]
    assert live_markup("\n".join(f"- {m}" for m in messages)) == []
    assert at.slider(key="n").value == 121          # the default is used instead


def test_a_formula_with_a_fence_and_a_link_stays_inside_the_theory_error():
    payload = "x\n```\n[Log in](https://example.com) <img src=x onerror=alert(1)>"
    at = open_page("pages/theory.py", params={"th_poly": payload})
    no_exception(at)
    assert at.error, "the bad polynomial is reported"
    for e in at.error:
        assert live_markup(e.value) == []
    shown = [c.value for c in at.caption if c.value.startswith("Showing the last polynomial")]
    assert shown and all(live_markup(c) == [] for c in shown)
    assert len(at.latex) >= 10      # the last good derivation stays on screen


def _keep_last_script():
    from ui import keep_last
    keep_last.show("landscape_contour", key="k", landscape="x + [Log in](https://example.com) <img src=x>")


def _lecture_script():
    from ui import lecture
    from zo_core import slides
    lecture._figure_line(slides.FigureSpec("x", {}, where="deck `1` [a](https://example.com)",
                                           error="bad [Log in](https://example.com) ![i](https://e/x.png) $x$"))


@pytest.mark.parametrize("script", [_keep_last_script, _lecture_script])
def test_error_boxes_show_exception_text_as_text(script):
    at = AppTest.from_function(script, default_timeout=60).run()
    no_exception(at)
    assert at.error
    for e in at.error:
        assert "Log in" in e.value and live_markup(e.value) == []
