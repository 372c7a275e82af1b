"""Page-level look: narrow-screen layout for every page, and projector mode for a lecture hall.

Both are CSS over Streamlit's own test ids (our constant text, never user input), so no page file
needs to change: a row of columns that holds a chart stacks into full-width rows where the chart
would be too narrow (projector and screens up to 900 px), and on a phone the first chart moves up
right under the page title, before the controls.
"""

import streamlit as st

from ui.preload import KEY as _PRELOAD
from ui.chart import SELECTOR as _CHART

# A row of columns (stHorizontalBlock) that holds a chart (ui.chart), and its columns.
_CHART_ROW = f'[data-testid="stHorizontalBlock"]:has({_CHART})'
_STACK = f"""
{_CHART_ROW} {{ flex-wrap: wrap; }}
{_CHART_ROW} > [data-testid="stColumn"] {{ flex: 1 1 100% !important; width: 100% !important; min-width: 100% !important; }}
"""

# The page's own blocks: direct children of the main vertical block. The first one that holds a
# chart (a chart row or the chart itself) goes right after the title on a phone.
_MAIN = '[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]'
_FIRST_CHART = f'{_MAIN} > :has({_CHART}):not(:has({_CHART}) ~ *)'
# When that block is a part of the page (ui.partial: a fragment's own vertical block, controls first),
# its first child that holds a chart goes first inside it too.
_FIRST_IN_PART = (f'{_FIRST_CHART} > [data-testid="stVerticalBlock"] > '
                  f':has({_CHART}):not(:has({_CHART}) ~ *)')

# Streamlit fades every element of a running script to 0.33 with a CSS transition delayed by 0.5 s. A slider
# move is over long before that, but each of its elements still starts a transition (and Chromium gives each a
# compositing layer to run it): ~12 % of a move on the race and Estimator variance (A/B, 20 moves each).
# Longer work shows its own spinner (ui.figures), so stale elements keep their look.
_STALE = '[data-stale="true"] { transition: none !important; opacity: 1 !important; }'

_LAYOUT_CSS = f"""
<style>
{_STALE}
[data-testid="stDataFrame"], [data-testid="stTable"] {{ max-width: 100%; overflow-x: auto; }}
[data-testid="stButtonGroup"] > div {{ flex-wrap: wrap; }}
{_CHART} {{ max-width: 100%; }}
[data-testid="stLayoutWrapper"]:has(> .st-key-{_PRELOAD}) {{ display: none; }}
@media (max-width: 900px) {{
{_STACK}
}}
@media (max-width: 640px) {{
  {_MAIN} > :has(h1) {{ order: -2; }}
  {_FIRST_CHART} {{ order: -1; padding-top: 0.75rem; }}
  {_FIRST_IN_PART} {{ order: -1; }}
  [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem; padding-right: 0.75rem; }}
  h1 {{ font-size: 1.8rem !important; overflow-wrap: anywhere; }}
}}
</style>
"""

# Projector: 22-px type everywhere, widgets included; charts take the full width of the main area.
# st.dataframe draws on a canvas, which CSS fonts do not reach: it is zoomed instead.
_PROJECTOR_CSS = f"""
<style>
html, body, [data-testid="stAppViewContainer"] {{ font-size: 22px; }}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {{ font-size: 1.25rem; }}
h1 {{ font-size: 3rem !important; }} h2 {{ font-size: 2.3rem !important; }} h3 {{ font-size: 1.8rem !important; }}
[data-testid="stAppViewContainer"] {{ color: #000; background: #fff; }}
[data-testid="stSidebar"] * {{ font-size: 1.1rem; }}
[data-testid="stWidgetLabel"] p, [data-testid="stWidgetLabel"] label {{ font-size: 1.2rem !important; }}
[data-baseweb="select"] *, [data-baseweb="input"] input, [data-testid="stNumberInputField"] {{ font-size: 1.2rem !important; }}
[data-baseweb="popover"] li, [role="option"] {{ font-size: 1.2rem !important; }}
[data-testid="stSliderThumbValue"], [data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"]
  {{ font-size: 1.1rem !important; }}
[data-testid="stButtonGroup"] button, [data-testid="stButtonGroup"] button p,
[data-testid="stBaseButton-secondary"] p, [data-testid="stBaseButton-primary"] p,
[data-testid="stRadio"] label p, [data-testid="stCheckbox"] label p, [data-testid="stCaptionContainer"]
  {{ font-size: 1.15rem !important; }}
[data-testid="stButtonGroup"] button {{ min-height: 2.6rem; white-space: nowrap; }}
[data-testid="stDataFrame"] {{ zoom: 1.5; }}
[data-testid="stTable"] td, [data-testid="stTable"] th {{ font-size: 1.2rem; }}
[data-testid="stExpander"] summary p {{ font-size: 1.3rem; }}
{_STACK}
</style>
"""


def apply(projector: bool) -> None:
    """Inject the layout CSS (every page) and, in projector mode, the hall CSS."""
    st.markdown(_LAYOUT_CSS, unsafe_allow_html=True)
    if projector:
        st.markdown(_PROJECTOR_CSS, unsafe_allow_html=True)


def projector_requested() -> bool:
    """Projector mode as this run will draw it (the sidebar's toggle, else the URL's ``projector``), known
    before the sidebar is drawn: for ``st.set_page_config``, which comes before the sidebar's imports."""
    if "projector" in st.session_state:
        return bool(st.session_state["projector"])
    return str(st.query_params.get("projector", "0")).lower() in ("1", "true", "yes", "on")


def sidebar_state(projector: bool) -> str:
    """``initial_sidebar_state`` for st.set_page_config: collapsed in projector mode.

    Streamlit re-applies it when it changes (unless this browser's user toggled the sidebar by
    hand, which it remembers), and its own chevron in the header brings the sidebar back.
    """
    return "collapsed" if projector else "auto"
