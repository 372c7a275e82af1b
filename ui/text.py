"""User text inside the app's own Markdown messages, shown as text and never as Markdown.

Streamlit renders ``st.warning``/``st.error``/``st.caption`` bodies as Markdown, with links, images,
LaTeX between ``$`` and ``:red[...]`` directives. A value from a link (``?n=[Log in](https://...)``),
a deck or a formula goes through one of these two helpers before it joins such a message:

* :func:`escape_markdown` backslash-escapes every character that can open an inline construct
  (link, image, emphasis, code, HTML tag or entity, autolink, math, strikethrough, directive) and
  flattens line breaks, so no new block starts; an escaped character starts nothing (CommonMark);
  the rest (``-``, ``+``, ``.``, ``=``, digits) stays as typed, so messages stay readable.
  Streamlit also turns ``https://...``, ``www.`` and ``a@b.c`` into links *after* parsing, in the
  text itself, where escapes are gone: an invisible WORD JOINER (U+2060) before ``://``, after
  ``www`` and before ``@`` breaks those patterns without changing what the reader sees;
* :func:`code_span` puts the text in an inline code span whose fence is longer than any run of
  backticks inside it, so it shows literally, in monospace.

:func:`number_table` writes a small table of numbers as a Markdown table, its headers escaped: text the
browser lays out with the page's fonts (so the projector's zoom reaches it), and no pandas import nor
data-grid component for a handful of values (``st.dataframe`` and ``st.table`` convert through pandas,
0.36 s to import on the first page after a server start).
"""

from __future__ import annotations

import re
from typing import Sequence

# What can open something inline: links and images ([ ] !), emphasis (* _ ~), code (`), HTML and
# autolinks (< > &), math ($), Streamlit's :directives[...] and :icons: (:), e-mail autolinks (@),
# table cells (|) and the escape itself (\).
_INLINE = re.compile(r"([\\`*_\[\]!<>&$~:@|])")
_BLOCK_START = re.compile(r"^([#>+=-]|\d+[.)])")      # would start a heading, quote or list at a line start
_AUTOLINK = re.compile(r"(?<=\w)(?=://)|(?<=www)(?=\.)|(?=@)", re.I)   # where GFM's text-level linking starts
JOINER = "\u2060"
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def _flat(text, limit: int | None) -> str:
    """One line (control characters and line breaks become a space), cut to ``limit`` characters."""
    s = _BREAKS.sub(" ", str(text))
    return s if limit is None or len(s) <= limit else s[:limit] + "…"


def escape_markdown(text, limit: int | None = 300) -> str:
    """``text`` as Markdown that renders exactly as the characters typed, on one line."""
    s = _AUTOLINK.sub(JOINER, _flat(text, limit).strip())
    s = _INLINE.sub(r"\\\1", s)
    return _BLOCK_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], s)


def code_span(text, limit: int | None = 300) -> str:
    """``text`` as an inline code span: shown literally in monospace, whatever it contains."""
    s = _flat(text, limit)
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def number_table(columns: dict[str, Sequence[float]], fmt: str = ".4g") -> str:
    """``{header: values}`` as a Markdown table, one row per index, each number formatted with ``fmt``."""
    heads = [escape_markdown(h, None) for h in columns]
    rows = zip(*columns.values(), strict=True)
    lines = ["| " + " | ".join(heads) + " |", "|" + "---:|" * len(heads)]
    lines += ["| " + " | ".join(format(float(v), fmt) for v in row) + " |" for row in rows]
    return "\n".join(lines)
