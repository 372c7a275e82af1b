"""The lecture panel beside each demo: lectures/<topic>.md, collapsible, in full in projector mode.

The file is read with the slide parser (zo_core.slides), so the panel, the Slides page and the
exports agree on what a slide is. Speaker notes stay private; figure directives are listed (the
demo above draws the live figure), and a broken directive shows its file and line.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import streamlit as st

from ui.text import code_span, escape_markdown
from ui import registry
from zo_core import slides

LECTURES = Path(__file__).resolve().parent.parent / "lectures"


def lectures() -> list[Path]:
    """Every lecture file, by name."""
    return sorted(LECTURES.glob("*.md")) if LECTURES.is_dir() else []


@st.cache_data(max_entries=32, show_spinner=False)
def _parse(path: str, mtime: float) -> slides.Deck:
    # mtime is part of the cache key: an edited lecture is read again.
    file = Path(path)
    return slides.parse_markdown(file.read_text(encoding="utf-8"), source=f"lectures/{file.name}")


def load(topic: str) -> slides.Deck | None:
    """The parsed lecture for ``topic`` (None when there is no file)."""
    path = LECTURES / f"{topic}.md"
    if not topic or not path.is_file():
        return None
    return _parse(str(path), path.stat().st_mtime)


def _figure_line(spec: slides.FigureSpec) -> None:
    if spec.error:
        st.error(f"{code_span(spec.where)}: {escape_markdown(spec.error)}", icon=":material/broken_image:")
        return
    params = ", ".join(f"{k}={v}" for k, v in spec.params.items())
    text = f"Figure {code_span(f'{spec.name}({params})')}" + (f" — {spec.caption}" if spec.caption else "")
    st.caption(f":material/insert_chart: {text}")


def panel(topic: str, *, projector: bool) -> None:
    """Show the lecture for ``topic``: an expander for students, open in projector mode."""
    deck = load(topic)
    if deck is None or not deck.slides:
        return
    # Drawn only while open (a rerun on open/close): some forty Markdown blocks with math, re-rendered on
    # every slider move behind a closed expander, cost the browser ~0.2 s a move (bench/latency).
    # One key per mode, so switching the projector on opens it as before.
    box = st.expander(f"Lecture: {deck.title}", expanded=projector, icon=":material/school:",
                      key=f"lecture_open_{topic}_{int(projector)}", on_change="rerun")
    if not box.open:
        return
    with box:
        for i, slide in enumerate(deck.slides):
            if i:
                st.divider()
            if slide.title:
                st.markdown(("### " if slide.level == 1 else "#### ") + slide.title)
            for block in slide.blocks:
                if isinstance(block, str):
                    st.markdown(block)
                else:
                    _figure_line(block)


def footer(page_file: str, *code) -> None:
    """The end of every page: its lecture (the registry's ``PageInfo.lecture`` for ``page_file``) and a
    "Show the code" expander with the source of ``code`` (functions or modules), in that order."""
    info = registry.for_file(page_file)
    settings = st.session_state.get("_settings")
    if info is not None and info.lecture:
        panel(info.lecture, projector=bool(settings and settings.projector))
    if code:
        shown = st.expander("Show the code", icon=":material/code:", key=f"code_open_{Path(page_file).stem}",
                            on_change="rerun")
        if shown.open:
            with shown:
                st.code("\n\n".join(inspect.getsource(c) for c in code), language="python")
