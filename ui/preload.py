"""What a first visit starts downloading before anything needs it: the router's first delta (:func:`start`).

* plotly.js's 2-D bundle (``<link rel="preload">``), evaluated only when the first chart asks for it
  (:mod:`ui.plotlyjs`), so a page without charts never pays the ~0.5 s of the tab's main thread;
* Streamlit's own code for the elements our pages draw (``<link rel="modulepreload">``, :data:`ELEMENTS`
  and every module they import). Streamlit loads an element's code when the element first comes and
  shows a skeleton meanwhile; in a new browser the chart component's code came ~0.8 s after the page's
  first words on Gradient estimators, a slider's and a button's ~0.4-0.7 s after (measured with
  Playwright's request log), each after the one before.

A script of ours, with nothing from the user in it; the link tags are added once per tab.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import streamlit as st

from ui import plotlyjs

KEY = "zo_preload"        # its container: hidden by ui.theme's CSS (it would leave a gap at the sidebar's top)
# the elements our pages draw whose code Streamlit loads on demand (file names: static/js/<Element>.<hash>.js)
ELEMENTS = ("BidiComponent", "Button", "ButtonGroup", "Checkbox", "NumberInput", "Radio", "Selectbox", "Slider")
_STATIC = Path(st.__file__).parent / "static"
_IMPORT = re.compile(r'(?:from|import)\s*"\./([^"/]+\.js)"')


def frontend_chunks(elements=ELEMENTS, static: Path = _STATIC) -> list[str]:
    """File names (under the frontend's ``static/js/``) of these elements' code and every module it imports,
    less what the frontend's ``index.html`` loads itself (its entry module and the modules it preloads)."""
    folder = static / "static" / "js"
    loaded = set(re.findall(r'"\./static/js/([^"/]+\.js)"', (static / "index.html").read_text(encoding="utf-8")))
    todo = [f.name for name in elements for f in folder.glob(f"{name}.*.js")]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name in loaded or not (folder / name).is_file():
            continue
        seen.add(name)
        todo += _IMPORT.findall((folder / name).read_text(encoding="utf-8"))
    return sorted(seen)


_SCRIPT = ("<script>(() => { const add = (rel, relative, as) => {"
           " const href = new URL(relative, document.baseURI).href;"
           " if ([...document.querySelectorAll('link[rel=' + rel + ']')].some((l) => l.href === href)) return;"
           " const link = document.createElement('link');"
           " link.rel = rel; if (as) link.as = as; link.href = href; document.head.appendChild(link); };"
           " add('preload', %s, 'script'); for (const name of %s) add('modulepreload', 'static/js/' + name); })();"
           "</script>" % (json.dumps(plotlyjs.CARTESIAN_URL), json.dumps(frontend_chunks())))


def start() -> None:
    """Add the links in this browser tab now (the router calls it first, before the sidebar and the page), so
    the downloads overlap the page's own computing on a first visit."""
    plotlyjs.serve()
    with st.sidebar, st.container(key=KEY):
        st.html(_SCRIPT, unsafe_allow_javascript=True)
