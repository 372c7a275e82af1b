"""The sidebar every page shares: global seed, landscape picker (or a typed formula), projector mode."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui import urlstate
from zo_core import landscapes

CUSTOM = "custom formula"
DEFAULT_FORMULA = "x**2 + 10*sin(y) + 0.5*y**2"
_LAST_GOOD = "_last_good_formula"


@dataclass(frozen=True)
class Settings:
    seed: int
    landscape: str        # a built-in name or a formula: what zo_core.landscapes.resolve accepts
    projector: bool


@st.cache_resource(max_entries=64, show_spinner="Preparing the landscape: its gradient, Hessian and minima…")
def _resolve(spec: str) -> landscapes.Landscape:
    # Landscapes are immutable, so sharing one object between sessions is safe.
    return landscapes.resolve(spec)


def landscape(spec: str) -> landscapes.Landscape:
    """The Landscape for a built-in name or formula (cached; raises ValueError for a bad formula)."""
    return _resolve(spec)


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
            sb.error(f"This formula cannot be used:\n\n```\n{err}\n```\n\nShowing the last valid one: `{last}`.")
            spec = last
    seed = urlstate.number("Seed", "seed", min_value=0, max_value=2**31 - 1, default=0, step=1, where=sb,
                           help="Every random draw in the app starts from this seed: same seed, same pictures.")
    projector = urlstate.toggle("Projector mode", "projector", default=False, where=sb,
                                help="Large fonts, thick lines and high contrast for lecture halls.")
    return Settings(seed=int(seed), landscape=spec, projector=bool(projector))


def settings() -> Settings:
    """The settings the sidebar returned in this run (app.py stores them before the page runs)."""
    if "_settings" not in st.session_state:
        _rerun_through_router()
    return st.session_state["_settings"]


def _rerun_through_router() -> None:
    """Streamlit quirk: with page files in a folder named ``pages/``, the first direct URL after the
    server starts (before any run has called ``st.navigation``) runs the page script alone in the
    legacy multipage mode, with its auto-generated sidebar. Switch that mode off, as st.navigation
    itself does, and run again through app.py, which resolves the same page by its URL path."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()
