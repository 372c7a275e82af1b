"""User text inside the app's own Markdown messages, shown as text and never as Markdown.

Streamlit renders ``st.warning``/``st.error``/``st.caption`` bodies as Markdown, with links, images,
LaTeX between ``$`` and ``:red[...]`` directives. A value from a link (``?n=[Log in](https://...)``),
a deck or a formula goes through one of these two helpers before it joins such a message:

* :func:`escape_markdown` backslash-escapes every ASCII punctuation character (CommonMark allows
  an escape before any of them, and an escaped character starts no construct: no link, image,
  emphasis, HTML tag, autolink, math or directive), and flattens line breaks so no new block starts;
* :func:`code_span` puts the text in an inline code span whose fence is longer than any run of
  backticks inside it, so it shows literally, in monospace.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")   # every ASCII punctuation character
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def _flat(text, limit: int | None) -> str:
    """One line (control characters and line breaks become a space), cut to ``limit`` characters."""
    s = _BREAKS.sub(" ", str(text))
    return s if limit is None or len(s) <= limit else s[:limit] + "…"


def escape_markdown(text, limit: int | None = 300) -> str:
    """``text`` as Markdown that renders exactly as the characters typed, on one line."""
    return _PUNCTUATION.sub(r"\\\1", _flat(text, limit))


def code_span(text, limit: int | None = 300) -> str:
    """``text`` as an inline code span: shown literally in monospace, whatever it contains."""
    s = _flat(text, limit)
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"
