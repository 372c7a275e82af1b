"""Slides: the deck this browser session collected; reorder it, save/load it, export it."""

import functools
import inspect
import json

import streamlit as st

from ui import figures, lecture
from zo_core import slides

st.title("Slides")
st.markdown("Figures you keep with **Add to deck** (under every figure in the app) land here. "
            "Reorder them, start from a lecture, save the deck as JSON, and export it for class.")

deck = figures.deck()


def say(kind: str, headline: str, details: str = "") -> None:
    """Our own ``headline`` in an alert box; deck-derived ``details`` (names, messages) below it as plain
    text: Markdown would turn a URL in them into a live link even when escaped."""
    getattr(st, kind)(headline)
    if details:
        st.text(details)


def move(i: int, j: int) -> None:
    deck[i], deck[j] = deck[j], deck[i]


def remove(i: int) -> None:
    del deck[i]


# --- start from a lecture, or load a saved deck -------------------------------------------------
left, right = st.columns(2)
with left.container(border=True):
    files = lecture.lectures()
    if files:
        chosen = st.selectbox("Lecture", files, format_func=lambda p: p.stem, key="sl_lecture")
        b1, b2 = st.columns(2)
        new = b1.button("New deck from this lecture", key="sl_from_lecture", icon=":material/school:",
                        help="Replaces the current deck (save it first if you want to keep it).")
        append = b2.button("Append this lecture", key="sl_append_lecture", icon=":material/playlist_add:")
        if new or append:
            parsed = slides.parse_markdown(chosen.read_text(encoding="utf-8"), source=f"lectures/{chosen.name}")
            deck[:] = (deck if append else []) + slides.deck_items(parsed)
            st.rerun()
    else:
        st.info("No lecture files yet (lectures/*.md).")
with right.container(border=True):
    upload = st.file_uploader("Load a deck (JSON)", type=["json"], key="sl_upload",
                              help="A file saved with 'Save deck' below.")
    if upload is not None and st.session_state.get("sl_loaded") != upload.file_id:
        st.session_state["sl_loaded"] = upload.file_id
        try:
            text = upload.getvalue().decode("utf-8", errors="replace")
            loaded = slides.parse_json(text, source=upload.name)     # refuses big, deep or malformed files
            items = slides.read_json(text, source=upload.name)
            deck[:] = items if isinstance(items, list) else items.get("items", items.get("slides"))
            st.session_state["sl_load_msg"] = ("success", f"Loaded {len(deck)} items from the file", upload.name)
            if loaded.problems:
                st.session_state["sl_load_msg"] = ("warning", "Loaded, but some figures cannot be drawn:",
                                                   "\n".join(loaded.problems))
        except ValueError as err:
            st.session_state["sl_load_msg"] = ("error", "This file is not a deck:", str(err))
    if "sl_load_msg" in st.session_state:
        say(*st.session_state["sl_load_msg"])

# --- the deck ---------------------------------------------------------------------------------
st.subheader(f"Deck ({len(deck)} item{'' if len(deck) == 1 else 's'})")
if not deck:
    st.info("The deck is empty: press **Add to deck** under a figure (e.g. on the Landscapes page), "
            "or start from a lecture.")
for i, item in enumerate(deck):
    c0, c1, c2, c3 = st.columns([12, 1, 1, 1], vertical_alignment="center")
    c0.text(f"{i + 1}. {slides.item_label(item)}")
    c1.button(":material/arrow_upward:", key=f"sl_up_{i}", help="Move up", disabled=i == 0,
              on_click=move, args=(i, i - 1))
    c2.button(":material/arrow_downward:", key=f"sl_down_{i}", help="Move down",
              disabled=i == len(deck) - 1, on_click=move, args=(i, i + 1))
    c3.button(":material/delete:", key=f"sl_remove_{i}", help="Remove", on_click=remove, args=(i,))

try:
    parsed = slides.parse_items(deck, source="this deck")
except ValueError as err:       # only a hand-edited session could get here; say so instead of crashing
    say("error", "This deck cannot be read:", str(err))
    st.stop()
if parsed.problems:
    say("warning", "These figures cannot be drawn; their slides will show an error box:",
        "\n".join(parsed.problems))

# --- save and export --------------------------------------------------------------------------
text = json.dumps(deck, indent=2, ensure_ascii=False)
if len(text) > slides.MAX_BYTES:        # the items passed, but the saved file could not be loaded back
    say("error", f"This deck is too big to save or export ({len(text):,} characters, at most "
                 f"{slides.MAX_BYTES:,}): remove some items.")
    st.stop()


st.subheader("Save and export")
chromium = slides.chromium_path() is not None
if not chromium:
    st.warning(f"PDF, Beamer and PowerPoint exports are off: {slides.INSTALL_CHROMIUM}",
               icon=":material/warning:")
cols = st.columns(5)
cols[0].download_button("Save deck (JSON)", text, file_name="deck.json", mime="application/json",
                        key="sl_save", icon=":material/save:", disabled=not deck)
labels = {"html": "HTML", "pdf": "PDF", "beamer": "Beamer (zip)", "pptx": "PowerPoint"}
mimes = {"html": "text/html", "pdf": "application/pdf", "beamer": "application/zip",
         "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
for col, fmt in zip(cols[1:], labels):
    col.download_button(labels[fmt], functools.partial(figures.export, text, fmt), file_name=f"deck{slides.FORMATS[fmt]}",
                        mime=mimes[fmt], key=f"sl_export_{fmt}", icon=":material/download:",
                        disabled=not deck or (fmt != "html" and not chromium))
st.caption("HTML is one offline file (arrow keys move, **n** shows speaker notes). PDF, Beamer and "
           "PowerPoint take a few seconds: Chromium draws every figure. "
           "Command line: `python -m zo_core.slides lectures/<topic>.md --format pdf -o out/`.")

with st.expander("Show the code", icon=":material/code:"):
    st.code(inspect.getsource(slides.parse_markdown) + "\n\n" + inspect.getsource(slides.to_html), language="python")
