"""A link shown as plain text with a Copy button: the share box's, the QR dialog's, the Present page's.

Why not ``st.code``: its copy button comes with Streamlit's syntax highlighter, whose code loads and runs
when the first code block comes, ~0.2 s of the tab's main thread on a first visit. The share box is on
every page, so that cost sat in front of every first chart (server start to Landscapes' first chart in
Chromium: 3.36 s with ``st.code``, 2.98 s with this element, medians of 7 fresh servers alternated).
This element is a few lines in the page's own DOM (Streamlit's components v2, no frame), drawn by code
the chart component already loads.

The link goes in as text (``textContent``), never as HTML: it carries the page's settings, which come
from the URL. Copy uses the Clipboard API where the page is a secure context (https, localhost) and the
selection's copy command elsewhere (a class server on the LAN over http); a button that cannot copy
says so and leaves the link selected for Ctrl+C.

The text sits in a ``code`` element inside ``.zo-link`` (:data:`SELECTOR`): tests read the link there.
"""

from __future__ import annotations

import streamlit as st

SELECTOR = ".zo-link"
NAME = "zolab_copy_link"
_CSS = """
.zo-link { display: flex; align-items: flex-start; gap: 0.25rem; padding: 0.35rem 0.35rem 0.35rem 0.75rem;
           border-radius: 0.5rem; background: rgba(172, 177, 195, 0.25); font-size: 0.8rem; line-height: 1.4; }
.zo-link code { flex: 1; min-width: 0; padding: 0.15rem 0; background: none; color: inherit; font-size: inherit;
                overflow-wrap: anywhere; white-space: pre-wrap; user-select: all; }
.zo-link button { flex: none; border: 0; border-radius: 0.35rem; padding: 0.1rem 0.4rem; background: none;
                  color: inherit; font: inherit; cursor: pointer; }
.zo-link button:hover, .zo-link button:focus-visible { background: rgba(49, 51, 63, 0.12); }
"""
_JS = r"""
async function copy(code) {                    // the text of this code element
  if (window.isSecureContext && navigator.clipboard) {
    try { await navigator.clipboard.writeText(code.textContent); return true; } catch (err) { /* the fallback below */ }
  }
  const range = document.createRange();         // the selection's copy command: works over plain http
  range.selectNodeContents(code);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  let done = false;
  try { done = document.execCommand("copy"); } catch (err) { done = false; }
  if (done) selection.removeAllRanges();        // else it stays selected, for Ctrl+C
  return done;
}

export default function ({data, parentElement}) {
  let box = parentElement.querySelector(":scope > .zo-link");
  if (!box) {
    box = document.createElement("div");
    box.className = "zo-link";
    const code = document.createElement("code");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Copy";
    button.title = "Copy the link";
    button.setAttribute("aria-label", "Copy the link");
    let reset = null;
    button.addEventListener("click", async () => {
      const done = await copy(code);
      button.textContent = done ? "Copied" : "Press Ctrl+C";
      clearTimeout(reset);
      reset = setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
    box.append(code, button);
    parentElement.append(box);
  }
  const code = box.querySelector("code");
  const text = data ? new TextDecoder().decode(data) : "";
  if (code.textContent !== text) code.textContent = text;     // text, never HTML
}
"""

_component = st.components.v2.component(NAME, css=_CSS, js=_JS, isolate_styles=False)


def copy_link(link: str, *, key: str) -> None:
    """Show ``link`` as text with a Copy button; a later run with the same ``key`` updates it in place."""
    # UTF-8 bytes: Streamlit forwards bytes as they are, where a str goes through its dataframe check, which
    # imports pandas and pyarrow (~0.4 s of the server's first page, after the chart, beside its requests)
    _component(data=str(link).encode(), key=key, height="content")
