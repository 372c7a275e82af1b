"""ZO Lab: the router. Page config, st.navigation over pages/, and the sidebar every page shares."""

import streamlit as st

from ui import nodelay, preload, theme

nodelay.apply()              # once per process: the server's messages go out at once (no Nagle)

st.set_page_config(page_title="ZO Lab", page_icon=":material/blur_on:", layout="wide",
                   initial_sidebar_state=theme.sidebar_state(theme.projector_requested()))
preload.start()              # first: plotly.js and the elements' code start loading while the sidebar and the page compute
# The rest after the first delta: the sidebar brings numpy (~0.1 s), which a fresh server's first visit
# would otherwise import before the browser had been told what to download.
from ui import lead, monitor, registry, sidebar, urlstate, warmup  # noqa: E402
urlstate.begin_run()
warmup.touch()      # the start-up warm-up waits while students run scripts


def _page(info: registry.PageInfo, default: bool = False) -> st.Page:
    return st.Page(info.file, title=info.title, icon=info.icon, url_path=info.url_path, default=default)


sections: dict[str, list[st.Page]] = {"ZO Lab": [_page(registry.HOME, default=True)]}
for info in registry.available():
    sections.setdefault(info.section, []).append(_page(info))
page = st.navigation(sections, expanded=True)   # every page listed: no "View more" fold

st.session_state["_settings"] = settings = sidebar.render()
theme.apply(settings.projector)
sidebar.reserve_share()      # the share box's place, before the page: a part of the page may rerun alone into it
warning_slot = st.container()
# Slow reruns are logged and listed on the Class monitor page (the warm-up's own visits are not students).
student = not st.context.headers.get(warmup.HEADER)
with monitor.timed_run(page.title, counted=student), \
        st.spinner(f"Computing {page.title}: drawing the figures for these settings…"), \
        lead.words_first(page.url_path):     # entering a page: its title and introduction paint first
    page.run()
with warning_slot:
    urlstate.show_warnings()
urlstate.finalize()
sidebar.share()
warmup.touch()
warmup.start(warmup.server_url(st.get_option("server.address"), st.get_option("server.port"),
                               st.get_option("server.baseUrlPath"), bool(st.get_option("server.sslCertFile"))))
# ^ once per process, after the first page is on screen: the lectures' heavy defaults, then every page once
