"""The sidebar every page shares: global seed, landscape picker (or a typed formula), projector mode,
and, drawn after the page ran, the share box: the page's link with every setting, its QR code, reset."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui import copylink, urlstate
from zo_core import expressions, landscapes

CUSTOM = "custom formula"
DEFAULT_FORMULA = "x**2 + 10*sin(y) + 0.5*y**2"
_LAST_GOOD = "_last_good_formula"
# Session state of the share box: its link's container, the st.empty a part of the page reserved in it
# this run (or None), and the page URL of the last full run.
_SHARE_SLOT, _SHARE_BOX, _SHARE_URL = "_share_slot", "_share_box", "_share_url"
_SHARE_LINK = "share_link_text"     # the share box's link (ui.copylink)
GLOBAL_KEYS = ("landscape", "formula", "seed", "projector")   # settings Reset keeps (they span pages)


@dataclass(frozen=True)
class Settings:
    seed: int
    landscape: str        # a built-in name or a formula: what zo_core.expressions.resolve accepts
    projector: bool


def landscape(spec: str) -> landscapes.Landscape:
    """The Landscape for a built-in name or formula (cached in zo_core; raises ValueError for a bad formula)."""
    return expressions.resolve(spec)


def _plain(text: str) -> str:
    """Text without control characters other than newlines (they could garble the box)."""
    return "".join(ch if ch == "\n" or ch.isprintable() else "?" for ch in text)


def render() -> Settings:
    """Draw the shared sidebar and return the global settings."""
    sb = st.sidebar
    sb.markdown("### Settings")
    names = landscapes.names()
    labels = landscapes.TITLES | {CUSTOM: "Custom formula…"}
    choice = urlstate.choice("Landscape", "landscape", names + [CUSTOM], default="sharp_flat", where=sb,
                             format_func=labels.get,
                             help="The 2-D function the demos use. 'Custom formula' lets you type one.")
    spec = choice
    if choice == CUSTOM:
        text = urlstate.text("f(x, y) =", "formula", default=DEFAULT_FORMULA, where=sb,
                             help="Numbers, x, y, + - * / ** ^, parentheses and sin cos tan exp log "
                                  "sqrt abs tanh … e.g. `abs(x) + y^2`.")
        try:
            landscape(text)
            st.session_state[_LAST_GOOD] = text
            spec = text
        except ValueError as err:
            last = st.session_state.get(_LAST_GOOD, DEFAULT_FORMULA)
            # user text goes out as plain text (st.code / st.text), never through Markdown
            sb.error("This formula cannot be used:", icon=":material/error:")
            sb.code(_plain(str(err)), language=None)
            sb.text(f"Showing the last valid one: {_plain(last)}")
            spec = last
    seed = urlstate.number("Seed", "seed", min_value=0, max_value=2**31 - 1, default=0, step=1, where=sb,
                           help="Every random draw in the app starts from this seed: same seed, same pictures.")
    projector = urlstate.toggle("Projector mode", "projector", default=False, where=sb,
                                help="Large fonts, thick lines and high contrast for lecture halls.")
    return Settings(seed=int(seed), landscape=spec, projector=bool(projector))


@st.dialog("Scan to open this page")
def _qr_dialog(link: str) -> None:
    from ui import present   # the QR helper; imported here so pages without the dialog skip it

    uri = present.qr_data_uri(link) if link else None
    if uri:
        st.markdown(f'<img src="{uri}" alt="QR code of this page\'s link" width="320" data-testid="share-qr">',
                    unsafe_allow_html=True)
        copylink.copy_link(link, key="share_qr_link")
    else:
        st.caption("QR code unavailable: install segno (see requirements.txt).")


def reserve_share() -> None:
    """Start the share box before the page runs: its heading, and the place its link will take."""
    sb = st.sidebar
    sb.markdown("### Share")
    with sb.container(key="share_link"):
        st.caption("Link to this page with these settings:")
        st.session_state[_SHARE_SLOT] = st.container()
    st.session_state[_SHARE_BOX] = None


def hold_share(now: bool) -> None:
    """Called by a part of the page (ui.partial) on each of its runs: the link goes in the part's own
    place in the share box. In a full run :func:`share` fills it once the page ran; in the part's lone
    rerun (``now``: the sidebar is not redrawn) this writes the new link at once. One part per page."""
    slot = st.session_state.get(_SHARE_SLOT)
    if slot is None:
        return
    with slot:
        box = st.empty()
    st.session_state[_SHARE_BOX] = box
    if now and st.session_state.get(_SHARE_URL) is not None:
        with box:
            copylink.copy_link(urlstate.link(st.session_state[_SHARE_URL]), key=_SHARE_LINK)


def share(page_url: str | None = None) -> str:
    """Finish the share box: this page's link with all its settings (:mod:`ui.copylink`), its QR code, Reset.

    Call after the page ran and :func:`ui.urlstate.finalize`, so the URL holds exactly this page's
    settings (:func:`reserve_share` first, before the page). ``page_url`` defaults to the URL the browser
    reports; returns the link shown.
    """
    page_url = page_url if page_url is not None else st.context.url
    link = urlstate.link(page_url)
    ss = st.session_state
    ss[_SHARE_URL] = page_url
    box = ss.get(_SHARE_BOX)
    if box is None:
        with ss[_SHARE_SLOT]:
            box = st.empty()
    with box:
        copylink.copy_link(link, key=_SHARE_LINK)
    sb = st.sidebar
    # The QR code is drawn only when asked for (a dialog): encoding it on every rerun cost ~10 ms of CPU.
    if sb.button("QR code", key="share_qr", icon=":material/qr_code_2:", use_container_width=True,
                 help="A QR code of this link, for students' phones."):
        _qr_dialog(link)
    sb.button("Reset this page", key="share_reset", icon=":material/restart_alt:", use_container_width=True,
              on_click=urlstate.reset, args=(GLOBAL_KEYS,),
              help="Put this page's controls back to their defaults (landscape, seed and projector stay).")
    return link


def settings() -> Settings:
    """The settings the sidebar returned in this run (app.py stores them before the page runs; importing
    :mod:`ui` sends a page that Streamlit runs alone through app.py first)."""
    return st.session_state["_settings"]
