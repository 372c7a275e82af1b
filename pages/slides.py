"""Slides: this session's deck (stored under ?deck=<id>); reorder, retitle, caption, save/load, export it."""

import datetime
import functools
import inspect
import json

import streamlit as st

from ui import deck as decks
from ui import figures, lecture, urlstate
from zo_core import slides

st.title("Slides")
st.markdown("Figures you keep with **Add to deck** (under every figure in the app) land here. "
            "Retitle and reorder them, start from a lecture, and export the deck for class. The deck is "
            "stored on the server under the link in the address bar: bookmark it to come back to it.")

deck = decks.items()
decks.save()          # items added on other pages (or a new lecture) reach the store, and the id the URL


def say(kind: str, headline: str, details: str = "") -> None:
    """Our own ``headline`` in an alert box; deck-derived ``details`` (names, messages) below it as plain
    text: Markdown would turn a URL in them into a live link even when escaped."""
    getattr(st, kind)(headline)
    if details:
        st.text(details)


def _revision() -> int:
    """Bumped on every change of the deck's order, so per-item widgets never show another item's text."""
    return st.session_state.setdefault("_sl_rev", 0)


def _changed() -> None:
    st.session_state["_sl_rev"] = _revision() + 1


def move_to(i: int, key: str) -> None:
    decks.move(i, int(st.session_state[key]) - 1)
    _changed()


def remove(i: int) -> None:
    decks.remove(i)
    _changed()


def retext(i: int, field: str, key: str) -> None:
    decks.edit(i, **{field: st.session_state[key]})


notice = decks.notice()
if notice:
    say(*notice)

# --- start from a lecture, or load a saved deck -------------------------------------------------
left, right = st.columns(2)
with left.container(border=True):
    files = lecture.lectures()
    if files:
        # the chosen lecture survives leaving the page (Streamlit forgets undrawn widgets' state)
        names = [p.stem for p in files]
        if st.session_state.get("_sl_lecture_keep") in names and "sl_lecture" not in st.session_state:
            st.session_state["sl_lecture"] = st.session_state["_sl_lecture_keep"]
        chosen_name = st.selectbox("Lecture", names, key="sl_lecture")
        st.session_state["_sl_lecture_keep"] = chosen_name
        chosen = files[names.index(chosen_name)]
        b1, b2 = st.columns(2)
        new = b1.button("New deck from this lecture", key="sl_from_lecture", icon=":material/school:",
                        help="Replaces the current deck's items (the link stays the same).")
        append = b2.button("Append this lecture", key="sl_append_lecture", icon=":material/playlist_add:")
        if new or append:
            parsed = slides.parse_markdown(chosen.read_text(encoding="utf-8"), source=f"lectures/{chosen.name}")
            new_items = (list(deck) if append else []) + slides.deck_items(parsed)
            if len(new_items) > slides.MAX_ITEMS:
                say("error", f"That would make {len(new_items)} items; a deck holds at most {slides.MAX_ITEMS}.")
            else:
                decks.replace(new_items)
                if new:
                    st.session_state["sl_title"] = parsed.title
                _changed()
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
            decks.replace(items if isinstance(items, list) else items.get("items", items.get("slides")))
            _changed()
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
rev = _revision()
positions = list(range(1, len(deck) + 1))
pictured = {i: f for i, f in enumerate(decks.item_figure(item) for item in deck) if f is not None}
# Drawing a thumbnail takes 0.3-3 s (bench/thumbs.py): on by default for small decks only, drawn at the
# end of the page (everything else is on screen first) and cached on disk, so a rerun draws nothing.
thumbs = bool(pictured) and st.toggle("Show thumbnails", value=decks.thumbs_on_by_default(len(pictured)),
                                      key="sl_thumbs", help="A small picture of each slide's figure.")
slots = {}
for i, item in enumerate(deck):
    if thumbs:
        c_pic, c0, c1, c2 = st.columns([3, 8, 3, 1], vertical_alignment="center")
        if i in pictured:
            slots[i] = c_pic.empty()
    else:
        c0, c1, c2 = st.columns([10, 2, 1], vertical_alignment="center")
    c0.text(f"{i + 1}. {decks.label(item)}")        # deck text is shown as text, never as Markdown
    c1.selectbox("Position", positions, index=i, key=f"sl_pos_{rev}_{i}", label_visibility="collapsed",
                 help="Move this slide to another position", on_change=move_to, args=(i, f"sl_pos_{rev}_{i}"),
                 format_func=lambda p: f"Position {p}")
    c2.button(":material/delete:", key=f"sl_remove_{rev}_{i}", help="Remove", on_click=remove, args=(i,))
    if "figure" in item:
        with c0.expander("Edit title and caption", icon=":material/edit:"):
            st.text_input("Slide title", value=str(item.get("title") or decks.figure_title(str(item["figure"]))),
                          key=f"sl_title_{rev}_{i}", max_chars=200, on_change=retext,
                          args=(i, "title", f"sl_title_{rev}_{i}"))
            st.text_area("Caption (under the figure; $…$ is math)", value=str(item.get("caption", "")),
                         key=f"sl_caption_{rev}_{i}", max_chars=2000, height=80, on_change=retext,
                         args=(i, "caption", f"sl_caption_{rev}_{i}"))

try:
    parsed = slides.parse_items(deck, source="this deck")
except ValueError as err:       # only a hand-edited store could get here; say so instead of crashing
    say("error", "This deck cannot be read:", str(err))
    st.stop()
if parsed.problems:
    say("warning", "These figures cannot be drawn; their slides will show an error box:",
        "\n".join(parsed.problems))

# --- save and export --------------------------------------------------------------------------
st.subheader("Save and export")
t1, t2 = st.columns(2)
title = urlstate.text("Deck title (title slide)", "sl_title", default="ZO Lab deck", max_chars=200, where=t1)
author = urlstate.text("Author (optional)", "sl_author", default="", max_chars=200, where=t2)
document = {"title": title or "ZO Lab deck", "author": author,
            "date": datetime.date.today().strftime("%d %B %Y").lstrip("0"), "items": deck}
text = json.dumps(document, indent=2, ensure_ascii=False)
if len(text) > slides.MAX_BYTES:        # the items passed, but the saved file could not be loaded back
    say("error", f"This deck is too big to save or export ({len(text):,} characters, at most "
                 f"{slides.MAX_BYTES:,}): remove some items.")
    st.stop()

chromium = slides.chromium_path() is not None
if pictured:
    figures.build_ahead(text)       # once per deck: an export finds its figures built
    if chromium:
        slides.warm_up()            # once per server: the first export finds the shared browser ready
if not chromium:
    st.warning(f"PDF, Beamer and PowerPoint exports are off: {slides.INSTALL_CHROMIUM}",
               icon=":material/warning:")
cols = st.columns(5)
# on_click="ignore": a download does not rerun the page. A rerun drops the button's registered export as
# soon as any session's run ends (Streamlit keeps what the latest runs reference), so with a class on the
# server a click could find its export gone ("Failed to generate file") and nothing would download.
cols[0].download_button("Save deck (JSON)", text, file_name="deck.json", mime="application/json",
                        key="sl_save", icon=":material/save:", disabled=not deck, on_click="ignore")
labels = {"html": "HTML", "pdf": "PDF", "beamer": "Beamer (zip)", "pptx": "PowerPoint"}
mimes = {"html": "text/html", "pdf": "application/pdf", "beamer": "application/zip",
         "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
for col, fmt in zip(cols[1:], labels):
    col.download_button(labels[fmt], functools.partial(figures.export, text, fmt),
                        file_name=f"deck{slides.FORMATS[fmt]}", mime=mimes[fmt], key=f"sl_export_{fmt}",
                        icon=":material/download:", on_click="ignore",
                        disabled=not deck or (fmt != "html" and not chromium))
st.caption("HTML is one offline file: arrow keys, click or swipe move; **p** opens the presenter view "
           "(notes and next slide), **f** fullscreen, **o** overview. PDF, Beamer and PowerPoint take a few "
           "seconds: Chromium draws every figure. "
           "Command line: `python -m zo_core.slides lectures/<topic>.md --format pdf -o out/`.")

with st.expander("Show the code", icon=":material/code:"):
    st.code(inspect.getsource(slides.parse_markdown) + "\n\n" + inspect.getsource(slides.to_html), language="python")

if slots:       # last: the page is usable while Chromium draws what the cache does not hold
    decks.show_thumbnails({i: pictured[i] for i in slots}, slots)
