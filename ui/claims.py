"""Teaching text beside the chart: the lecture's key claim with live numbers, and predict-then-reveal steps.

Only our own strings and numbers we format reach ``st.markdown`` here; math stays between ``$``.
A page builds the text from numbers computed in ``zo_core.claims`` (or a figure's own cache), so
the claim is what the current settings give, and a verdict that flips is worded by the page.
"""

from __future__ import annotations

import streamlit as st

_PREFIX = "_claim_"


def claim(text: str, *, title: str = "What the chart shows") -> None:
    """A highlighted box with the page's key claim (Markdown of our own making, numbers filled in)."""
    with st.container(border=True, key="claim_box"):
        st.markdown(f":material/lightbulb: **{title}.** {text}")


def predict(key: str, question: str, options: list[str], answer_index: int, reveal: str) -> None:
    """A *predict, then reveal* step: pick an option (none chosen at first), press Reveal, read the verdict.

    ``key`` names the step's session state (radio ``<key>_choice``, buttons ``<key>_reveal`` /
    ``<key>_reset``); ``reveal`` is the explanation, with the current numbers. A revealed step stays
    revealed across reruns until "Try again"; changing the pick hides the answer again.
    """
    shown = f"{_PREFIX}{key}"
    with st.container(border=True):
        st.markdown(f":material/help: **Predict.** {question}")
        choice = st.radio("Your prediction", options, index=None, key=f"{key}_choice", horizontal=True,
                          label_visibility="collapsed")
        revealed = st.session_state.get(shown)
        if revealed is not None and (revealed != choice or revealed not in options):   # a new pick hides it
            st.session_state.pop(shown, None)
            revealed = None
        buttons = st.container(horizontal=True)
        if buttons.button("Reveal", key=f"{key}_reveal", disabled=choice is None, icon=":material/visibility:"):
            st.session_state[shown] = revealed = choice
        if revealed is not None:
            if buttons.button("Try again", key=f"{key}_reset", icon=":material/restart_alt:"):
                st.session_state.pop(shown, None)
                st.session_state.pop(f"{key}_choice", None)
                st.rerun()
            right = options.index(revealed) == answer_index
            verdict = "Right." if right else f"Not quite: the answer is “{options[answer_index]}”."
            (st.success if right else st.warning)(f"{verdict} {reveal}",
                                                   icon=":material/check_circle:" if right else ":material/info:")
