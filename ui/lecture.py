"""The lecture panel beside each demo: lectures/<topic>.md, collapsible, in full in projector mode."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

LECTURES = Path(__file__).resolve().parent.parent / "lectures"


def _slides(topic: str) -> list[str]:
    path = LECTURES / f"{topic}.md"
    if not topic or not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    slides = []
    for chunk in re.split(r"^---\s*$", text, flags=re.M):
        body = re.split(r"^Note:", chunk, maxsplit=1, flags=re.M)[0]          # speaker notes stay private
        body = re.sub(r"^::: figure.*$", "", body, flags=re.M).strip()         # figures live in the demo
        if body:
            slides.append(body)
    return slides


def panel(topic: str, *, projector: bool) -> None:
    """Show the lecture for ``topic``: an expander for students, open in projector mode."""
    slides = _slides(topic)
    if not slides:
        return
    with st.expander("Lecture notes", expanded=projector, icon=":material/school:"):
        st.markdown("\n\n---\n\n".join(slides))
