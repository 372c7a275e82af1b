"""Home: what ZO Lab teaches, one card per topic page."""

import streamlit as st

from ui import lecture, registry, sidebar

settings = sidebar.settings()
st.title("ZO Lab")
st.markdown(
    "**Optimization with function values only.** Zeroth-order (ZO) methods estimate gradients "
    "from a few evaluations of $f$ — for black boxes, non-differentiable losses, or models too large "
    "to backpropagate through. Move the sliders, watch the estimates, copy the link to share exactly "
    "what you see."
)

pages = registry.available()
sections: dict[str, list[registry.PageInfo]] = {}
for info in pages:
    sections.setdefault(info.section, []).append(info)
for section, infos in sections.items():
    st.subheader(section)
    cols = st.columns(3)
    for i, info in enumerate(infos):
        with cols[i % 3].container(border=True):
            st.page_link(info.file, label=info.title, icon=info.icon)
            st.caption(info.blurb)

lecture.footer(__file__)
