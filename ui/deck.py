"""This session's deck, kept in the shared store under an id in the URL (``?deck=<id>``).

The items live in ``st.session_state["deck"]`` (what ``ui.figures`` and the Slides page read) and
are written to :mod:`ui.store` after every change, so a reload, another browser or a server
restart opening the same ``?deck=`` link finds the same deck. A deck gets its id on its first save;
an unknown or malformed id in the URL starts an empty deck under a new id and says so.

Items are ``{"figure", "params", "caption", "title"}`` or ``{"markdown"}`` (see ``zo_core.slides``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import streamlit as st

from ui import budget, monitor, store, urlstate
from zo_core import slides, viz

DECK = "deck"              # session key of the items (shared with ui.figures)
_ID = "deck_id"            # session key of the store id
_SAVED = "_deck_saved"     # JSON of what the store holds, to save only on change
_NOTICE = "_deck_notice"   # a message for the Slides page (unknown id, store refused a save)
PARAM = "deck"             # URL parameter
THUMBS_ENV = "ZOLAB_THUMBS_DIR"     # where thumbnails are cached (default <repo>/.zolab/thumbs)
AUTO_THUMBS = 12           # thumbnails start switched on for decks with at most this many pictures
THUMBS_DEFAULT_ENV = "ZOLAB_THUMBS"  # "off": the toggle starts off whatever the deck's size

# Lecture symbols for parameter names in labels ("t = 20, ρ = 0.126").
_SYMBOLS = {"mu": "μ", "rho": "ρ", "eps": "ε", "lr": "η", "sigma": "σ", "theta": "θ", "lam": "λ",
            "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "tau": "τ"}
_REFERENCES = re.compile(r"^#{1,2}\s+(references|bibliography|further reading)\b", re.I | re.M)


def _dump(items: list) -> str:
    return json.dumps(items, sort_keys=True, ensure_ascii=False)


def _load_from_url() -> None:
    """First call of a session: the deck named in the URL, or an empty one."""
    deck_id = st.query_params.get(PARAM)
    items = None
    if deck_id:
        try:
            items = store.load_deck(deck_id)
        except Exception as err:       # a database that is down must not take the page with it
            st.session_state[_NOTICE] = ("error", "The deck store cannot be read; changes stay in this tab only:",
                                         str(err))
        if items is None and _NOTICE not in st.session_state:
            st.session_state[_NOTICE] = ("warning", "No deck is stored under the id in the link; this is a "
                                         "new, empty deck:", deck_id[:80])
    if items is not None and isinstance(items, list):
        st.session_state[_ID] = deck_id
        st.session_state[_SAVED] = _dump(items)
    st.session_state.setdefault(DECK, list(items or []))


def items() -> list[dict]:
    """The current deck's items (loaded from the store under the URL's id on a session's first call)."""
    if DECK not in st.session_state or (_ID not in st.session_state and st.query_params.get(PARAM)
                                        and not st.session_state[DECK]):
        st.session_state.pop(DECK, None)
        _load_from_url()
    return st.session_state[DECK]


def deck_id() -> str | None:
    return st.session_state.get(_ID)


def keep_in_url() -> None:
    """Keep ``?deck=<id>`` in the URL in this run (every page that can add to the deck calls this)."""
    if deck_id():
        urlstate.pin(PARAM, deck_id())


def save() -> None:
    """Write the deck to the store when it changed since the last save; keeps the id in the URL."""
    current = items()
    text = _dump(current)
    if text != st.session_state.get(_SAVED) and (current or deck_id()):
        try:
            st.session_state[_ID] = store.save_deck(current, deck_id())
            st.session_state[_SAVED] = text
        except ValueError as err:      # too many items / too big: the store's own limits, said plainly
            st.session_state[_NOTICE] = ("error", "The deck could not be saved:", str(err))
        except Exception as err:
            st.session_state[_NOTICE] = ("error", "The deck store cannot be written; changes stay in this tab only:",
                                         str(err))
    keep_in_url()


def notice() -> tuple | None:
    """(kind, headline, details) of the last problem with the store, once."""
    return st.session_state.pop(_NOTICE, None)


def _plain(value):
    """A JSON-friendly copy of a widget value (numpy scalars -> Python numbers)."""
    return value.item() if hasattr(value, "item") else value


def figure_title(name: str, plotly_title: str | None = None) -> str:
    """The short title of a figure item: its name in words, then the figure's own Plotly title as plain text.

    ``plotly_title`` may hold Plotly's markup (``<b>``, ``<br>``, ``<sub>``): tags become spaces.
    """
    words = name.replace("_", " ").strip().capitalize() or "Figure"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", plotly_title or "")).strip()
    if text and not text.lower().startswith(words.lower()):
        return f"{words} — {text}"[:120]     # "Landscape contour — Himmelblau": what and of what
    if text:
        return text[:120]
    return words


def references_index(deck: list[dict]) -> int | None:
    """Index of the deck's "References" slide (a lecture's last slide), or None."""
    for i, item in enumerate(deck):
        if "markdown" in item and _REFERENCES.search(str(item["markdown"])):
            return i
    return None


def insert_item(deck: list[dict], item: dict) -> int:
    """Put ``item`` before the References slide if the deck has one, else at the end; its index."""
    where = references_index(deck)
    where = len(deck) if where is None else where
    deck.insert(where, item)
    return where


def add(name: str, params: dict, caption: str = "", title: str = "") -> int:
    """Add a figure (before the references); saved at once. Returns its position; -1 when the deck is full.

    ``title``: the figure's own title (``fig.layout.title.text``; markup is dropped), else its name in words.
    """
    deck = items()
    if len(deck) >= slides.MAX_ITEMS:
        st.session_state[_NOTICE] = ("error", f"The deck is full ({slides.MAX_ITEMS} items): remove some first.", "")
        return -1
    item = {"figure": name, "params": {k: _plain(v) for k, v in params.items()}, "caption": caption,
            "title": figure_title(name, title)}
    where = insert_item(deck, item)
    save()
    return where


def move(i: int, j: int) -> None:
    """Move item ``i`` to position ``j`` (0-based; the others shift)."""
    deck = items()
    if 0 <= i < len(deck) and 0 <= j < len(deck) and i != j:
        deck.insert(j, deck.pop(i))
        save()


def remove(i: int) -> None:
    deck = items()
    if 0 <= i < len(deck):
        del deck[i]
        save()


def edit(i: int, **fields: str) -> None:
    """Set a figure item's ``title`` / ``caption`` (plain text, shown as text everywhere)."""
    deck = items()
    if 0 <= i < len(deck) and "figure" in deck[i]:
        for key, value in fields.items():
            if key in ("title", "caption"):
                deck[i][key] = str(value)
        save()


def replace(new: list[dict]) -> None:
    """Replace the whole deck (a lecture, a loaded file); same id, saved at once."""
    items()[:] = list(new)
    save()


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def label(item: dict) -> str:
    """A readable one-line label: "Smoothing panel — t = 20, ρ = 0.126" or "Slide: Finite differences"."""
    if "figure" not in item:
        return slides.item_label(item)
    name = str(item.get("figure"))
    params = dict(item.get("params") or {})
    try:
        defaults = viz.parameters(name)
    except ValueError:
        defaults = {}
    # the parameters set away from their defaults say what this figure shows; else the first few
    changed = [k for k, v in params.items() if k in defaults and defaults[k] != v] or list(params)
    shown = ", ".join(f"{_SYMBOLS.get(k, k)} = {_number(params[k])}" for k in changed[:4])
    more = " …" if len(changed) > 4 else ""
    title = str(item.get("title") or figure_title(name))
    return f"{title} — {shown}{more}" if shown else title


def thumbs_dir() -> Path:
    return Path(os.environ.get(THUMBS_ENV) or store.ROOT / ".zolab" / "thumbs")


def thumbs_on_by_default(pictures: int) -> bool:
    """Thumbnails start on for a deck of at most :data:`AUTO_THUMBS` pictures (each takes 0.3-3 s to draw once)."""
    return os.environ.get(THUMBS_DEFAULT_ENV, "").lower() != "off" and pictures <= AUTO_THUMBS


def item_figure(item: dict) -> tuple[str, dict] | None:
    """What an item's thumbnail shows: a figure item's figure, or a slide's first drawable figure; None for text."""
    try:
        parsed = slides.parse_items([item], source="item")
    except ValueError:
        return None
    spec = next((f for f in parsed.figures if not f.error), None)
    return (spec.name, spec.params) if spec else None


def show_thumbnails(figures: dict[int, tuple[str, dict]], slots: dict) -> None:
    """Fill each item's slot with its thumbnail, cached ones at once, the others as Chromium draws them.

    Called at the end of the page, so everything else is on screen (and usable) while they are drawn.
    """
    order = list(figures)

    def put(k: int, png: bytes | None) -> None:
        if png is not None:
            slots[order[k]].image(png, width=slides.THUMB_W)

    try:    # cached ones cost nothing; drawing new ones takes a heavy-work slot, charged to the session
        with budget.heavy("drawing thumbnails", session=monitor.session_id()):
            slides.thumbnails([figures[i] for i in order], thumbs_dir(), each=put)
    except (RuntimeError, OSError) as err:     # no Chromium, an unwritable cache, over budget: labels suffice
        st.caption(f"Thumbnails are off: {err}")
