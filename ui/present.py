"""Present mode: a lecture's slides one at a time, live figures with their own sliders, follow rooms.

Pure helpers first (slide numbers, which figure parameters get a widget, room state, links, the
QR code), then the Streamlit parts the Present page draws (CSS, keyboard script, slides, polling).
Slide 1 is a title slide made here (lecture title, follow link, QR); slide i >= 2 is the
lecture file's slide i - 1.
"""

from __future__ import annotations

import math
import re
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

from ui import copylink, figures, store, urlstate
from zo_core import bounds, estimators, landscapes, objectives, slides, viz

NEXT, PREV, LEAVE, COUNTER = "present_next", "present_prev", "present_leave", "present_counter"
LIVE = ("t", "mu", "rho", "q", "n")    # exposed on every figure that has them
_POSITIVE = ("mu", "rho", "eps", "lr", "kl", "cond")  # a radius or a step: only positive values mean anything
_CHOICES: dict[str, Callable[[], tuple]] = {
    "landscape": lambda: tuple(landscapes.names()),
    "law": lambda: objectives.LAWS,
    "method": lambda: estimators.METHODS,
    "scheme": lambda: estimators.SCHEMES,
    "precision": lambda: ("float64", "float32"),
}
LABELS = {"t": "tilt t", "mu": "μ", "rho": "ρ", "q": "directions q", "n": "n", "lr": "step lr",
          "eps": "ε", "law": "perturbation law"}
_LECTURE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CODE = re.compile(f"[{store.ROOM_ALPHABET}]{{{store.ROOM_CODE_LEN}}}")


# ---- pure helpers -----------------------------------------------------------------------------
def slide_count(deck: slides.Deck) -> int:
    """Title slide + the lecture's slides."""
    return 1 + len(deck.slides)


def parse_slide(raw: Any, n: int) -> int:
    """A slide number from a URL or a room (1-based), clamped to 1..n; anything else is slide 1."""
    try:
        i = int(str(raw).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(i, 1), max(n, 1))


def valid_lecture_name(name: str) -> bool:
    """True for names that can be a lectures/<name>.md file (and so are safe to echo)."""
    return bool(_LECTURE_NAME.fullmatch(name or ""))


def lecture_title(text: str, fallback: str) -> str:
    """The ``title:`` of a lecture file's front matter (read without parsing its slides and figures)."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for line in lines[1:40]:
            if line.strip() == "---":
                break
            if line.startswith("title:") and line[6:].strip():
                return line[6:].strip()
    return fallback


def room_code(text: str) -> str | None:
    """A typed room code ('abc 234') -> 'ABC234', or None when it cannot be a code."""
    code = store.normalize_code(text or "")
    return code if _CODE.fullmatch(code) else None


def site_base(url: str | None) -> str:
    """The app's root URL from the page URL the browser reports ('' when unknown)."""
    if not url:
        return ""
    return re.sub(r"/present/?$", "", url.split("?")[0]).rstrip("/")


def follow_link(base: str, code: str) -> str:
    return f"{base}/present?follow={code}"


def lecture_link(base: str, lecture: str) -> str:
    return f"{base}/present?lecture={lecture}"


def room_state(lecture: str, slide: int, params: dict) -> dict:
    """What a room publishes: the lecture, the 1-based slide and the slide's widget values by key."""
    return {"lecture": lecture, "slide": int(slide), "params": dict(params)}


@dataclass(frozen=True)
class Control:
    """A widget for one figure parameter: a select slider over ``options``, a selectbox, a toggle or an int slider."""
    param: str
    kind: str                 # "steps" | "select" | "toggle" | "int" | "float"
    options: tuple = ()
    lo: float = 0
    hi: float = 0
    step: float = 1

    @property
    def label(self) -> str:
        return LABELS.get(self.param, self.param)

    def accepts(self, value: Any) -> bool:
        """True when ``value`` (e.g. from a room) can be this widget's value."""
        if self.kind == "toggle":
            return isinstance(value, bool)
        if self.kind in ("steps", "select"):
            return value in self.options
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == "int" and value != int(value):
            return False
        return self.lo <= value <= self.hi


def _with(options: list[float], value: float) -> tuple:
    return tuple(sorted(set(options) | {value}))


def control_for(param: str, value: Any) -> Control | None:
    """The widget for ``param`` starting at ``value`` (None when there is no sensible one).

    Ranges are generic: t on a symmetric log scale, radii and steps on a log scale from value/30 to
    30 value, counts from value/4 to 2 value; strings only when they come from a known choice set.
    """
    if isinstance(value, bool):
        return Control(param, "toggle")
    if isinstance(value, str):
        options = _CHOICES[param]() if param in _CHOICES else ()
        return Control(param, "select", tuple(options)) if value in options else None
    if isinstance(value, int):
        if param == "q":
            return Control(param, "int", lo=1, hi=max(50, 4 * value))
        if value > 0:
            return Control(param, "int", lo=max(1, value // 4), hi=max(2 * value, 8))
        return Control(param, "int", lo=value, hi=value + 10)
    if isinstance(value, float) and math.isfinite(value):
        if param == "t":
            return Control(param, "steps", _with(urlstate.symlog_options(max(100.0, abs(value)), 3), value))
        if value > 0:
            return Control(param, "steps", _with(urlstate.log_options(value / 30, value * 30, 4), value))
        if param in _POSITIVE:
            return None
        half = 1.0 + 2.0 * abs(value)
        return Control(param, "float", lo=value - half, hi=value + half, step=0.01)
    return None


def controls(spec: slides.FigureSpec) -> list[tuple[Control, Any]]:
    """(control, starting value) for the parameters a slide's figure exposes.

    Those the directive sets, plus t, mu, rho, q, n when the figure has them; never ``projector``.
    """
    defaults = viz.parameters(spec.name)
    out = []
    for param, default in defaults.items():
        if param == "projector" or (param not in spec.params and param not in LIVE):
            continue
        value = spec.params.get(param, default)
        control = _within(control_for(param, value), bounds.FIGURES.get(spec.name, {}).get(param))
        if control is not None:
            out.append((control, value))
    return out


def _within(control: Control | None, bound) -> Control | None:
    """The control cut to the figure parameter's range in the one table of bounds (zo_core.bounds)."""
    if control is None or not isinstance(bound, bounds.Range):
        return control
    if control.kind == "steps":
        options = tuple(v for v in control.options if bound.lo <= v <= bound.hi)
        return dataclasses.replace(control, options=options) if len(options) > 1 else None
    if control.kind in ("int", "float"):
        lo, hi = max(control.lo, bound.lo), min(control.hi, bound.hi)
        return dataclasses.replace(control, lo=lo, hi=hi) if lo < hi else None
    return control


def qr_data_uri(text: str) -> str | None:
    """An SVG data: URI of a QR code for ``text`` (None when segno is not installed)."""
    try:
        import segno
    except ImportError:
        return None
    return segno.make(text, error="m").svg_data_uri(scale=8, border=2, dark="#000", light="#fff")


# ---- Streamlit parts --------------------------------------------------------------------------
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 1rem 3rem 2rem 3rem; }
.st-key-present_slide h1 { font-size: 3.4rem !important; line-height: 1.15; }
.st-key-present_slide h2 { font-size: 2.8rem !important; }
.st-key-present_slide [data-testid="stMarkdownContainer"] p,
.st-key-present_slide [data-testid="stMarkdownContainer"] li { font-size: 1.7rem; line-height: 1.45; }
.st-key-present_slide [data-testid="stWidgetLabel"] p { font-size: 1.3rem; }
.st-key-present_counter p { font-size: 1.5rem; font-weight: 600; text-align: center; margin: 0.3rem 0; }
.st-key-present_slide [data-testid="stCode"] code { font-size: 1.4rem; }
.st-key-present_room_code code { font-size: 3rem; letter-spacing: 0.15em; }
@media (max-width: 640px) {   /* a student's phone: the projector's sizes would fill the screen */
  [data-testid="stMainBlockContainer"] { padding: 0.5rem 1rem 1rem 1rem; }
  .st-key-present_slide h1 { font-size: 2rem !important; }
  .st-key-present_slide h2 { font-size: 1.6rem !important; }
  .st-key-present_slide [data-testid="stMarkdownContainer"] p,
  .st-key-present_slide [data-testid="stMarkdownContainer"] li { font-size: 1.05rem; }
  .st-key-present_room_code code { font-size: 2rem; }
}
</style>
"""

# Keys are read on the page's own document (st.html is not iframed); the handler clicks the
# on-screen buttons, so a key does exactly what a click does. Installed once per browser tab; it
# does nothing on other pages (no counter there) or while a widget has the focus.
KEYS_JS = """
<script>
(function () {
  if (window.__zolabPresentKeys) { return; }
  window.__zolabPresentKeys = true;
  // Click the button under key; true when it is on the page. Just after the page opened, its container
  // can be there before the button itself is drawn (Streamlit still loading the button's code): the key
  // is then kept and the click made as soon as the button comes (tried every 50 ms for 3 s).
  function click(key, tries) {
    var b = document.querySelector('.st-key-' + key + ' button');
    if (b) { if (b.disabled) { return false; } b.click(); return true; }
    if (!document.querySelector('.st-key-' + key)) { return false; }
    if ((tries || 0) < 60) { setTimeout(function () { click(key, (tries || 0) + 1); }, 50); }
    return true;
  }
  document.addEventListener('keydown', function (e) {
    if (!document.querySelector('.st-key-present_counter')) { return; }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target;
    if (t && t.closest && t.closest('input, textarea, select, [contenteditable=true], [role=slider], ' +
                                    '[role=combobox], [role=listbox], [role=option]')) { return; }
    var done = false;
    if (e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ') { done = click('present_next'); }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { done = click('present_prev'); }
    else if (e.key === 'f' || e.key === 'F') {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
      done = true;
    }
    else if (e.key === 'Escape' && !document.fullscreenElement) { done = click('present_leave'); }
    if (done) { e.preventDefault(); if (t && t.blur) { t.blur(); } }
  });
})();
</script>
"""


def chrome() -> None:
    """Hide the sidebar, enlarge the type and install the keyboard handler (our own constant HTML).

    One ``st.html``: in a new browser it is drawn with the page's first text, where a ``st.markdown``
    of the same CSS waited for its code to load and left the sidebar on the projector 0.4-0.7 s longer."""
    st.html(CSS + KEYS_JS, unsafe_allow_javascript=True)


def param_key(slide: int, figure: int, param: str) -> str:
    return f"pp_{slide}_{figure}_{param}"


def _draw_control(c: Control, key: str, disabled: bool):
    kw = dict(key=key, disabled=disabled)
    if c.kind == "toggle":
        return st.toggle(c.label, **kw)
    if c.kind == "select":
        return st.selectbox(c.label, c.options, **kw)
    if c.kind == "steps":
        return st.select_slider(c.label, options=c.options, format_func=lambda v: f"{v:g}", **kw)
    if c.kind == "int":
        return st.slider(c.label, min_value=int(c.lo), max_value=int(c.hi), step=1, **kw)
    return st.slider(c.label, min_value=float(c.lo), max_value=float(c.hi), step=c.step, **kw)


def figure_block(spec: slides.FigureSpec, slide: int, index: int, disabled: bool) -> dict:
    """A live figure with its own widgets; returns {widget key: value} for the room."""
    if spec.error:
        st.error(f"`{spec.where}`: {spec.error}", icon=":material/broken_image:")
        return {}
    try:
        pairs = controls(spec)
        defaults = viz.parameters(spec.name)
    except ValueError as err:
        st.error(f"`{spec.where}`: {err}", icon=":material/broken_image:")
        return {}
    values, params = {}, dict(spec.params)
    keep = st.session_state.setdefault("_present_kept", {})
    if pairs:
        for col, (c, start) in zip(st.columns(min(len(pairs), 5)) * 5, pairs):
            key = param_key(slide, index, c.param)
            if not c.accepts(st.session_state.get(key)):
                # Streamlit drops a widget's state while its slide is off screen: restore the last value.
                kept = keep.get(key)
                st.session_state[key] = kept if c.accepts(kept) else start
            with col:
                params[c.param] = values[key] = keep[key] = _draw_control(c, key, disabled)
    if "projector" in defaults:
        params["projector"] = True
    try:
        figures.show(spec.name, key=f"present_fig_{slide}_{index}", caption=spec.caption, **params)
    except (ValueError, RuntimeError, ImportError, MemoryError) as err:
        st.error(f"This figure cannot be drawn with these settings: {err}", icon=":material/broken_image:")
    return values


def lecture_slide(slide: slides.Slide, number: int, disabled: bool) -> dict:
    """Title, Markdown (trusted lecture text) and live figures of one lecture slide."""
    if slide.title:
        st.markdown(("# " if slide.level == 1 else "## ") + slide.title)
    text = [b for b in slide.blocks if isinstance(b, str)]
    specs = slide.figures
    # Text beside the figure, so a 1080-pixel projector shows both without scrolling.
    left, right = st.columns([2, 3], gap="large") if text and specs else (st.container(), st.container())
    with left:
        for block in text:
            st.markdown(block)
    values = {}
    with right:
        for k, spec in enumerate(specs):
            values |= figure_block(spec, number, k, disabled)
    return values


def title_slide(deck: slides.Deck, link: str, code: str | None) -> None:
    """The lecture title, the link to follow (or to open the lecture) and its QR code."""
    st.markdown("# " + deck.title)
    left, right = st.columns([3, 2])
    with left:
        if code:
            st.markdown("Follow on your phone: scan the code or open the link. Room code:")
            with st.container(key="present_room_code"):
                st.markdown(f"`{code}`")
        else:
            st.markdown("Open this lecture on your phone: scan the code or open the link.")
        copylink.copy_link(link or "/present", key="present_link")
    with right:
        uri = qr_data_uri(link) if link else None
        if uri:
            st.markdown(f'<img src="{uri}" alt="QR code of the link" width="320" data-testid="present-qr">',
                        unsafe_allow_html=True)
        else:
            st.caption("QR code unavailable: install segno (see requirements.txt).")


@st.fragment(run_every=1.0)
def poll(code: str, seen: dict | None) -> None:
    """Once a second: rerun the whole page when the room's state differs from what is on screen."""
    try:
        now = store.current(code)
    except Exception:  # noqa: BLE001 - a store hiccup: keep the slide, try again next second
        return
    if now != seen:
        st.rerun(scope="app")
