"""Widgets mirrored into the URL, so a copied link reproduces the page exactly.

Each helper wraps one Streamlit widget under a fixed ``key``:

* on the first run of a session, a value in ``st.query_params[key]`` seeds the widget; an invalid
  or out-of-range value falls back to the default with a visible warning;
* the widget's value is kept in session state across page switches (Streamlit forgets the state
  of widgets that are not drawn), and written back to the URL on every run;
* :func:`finalize` (called by ``app.py`` after the page ran) drops URL keys of widgets that were
  not drawn in this run, so the URL always describes exactly the page on screen.

Numeric widgets take their range from the one table of bounds, ``zo_core.bounds.WIDGETS``, with
``bound=KEY`` (the figures they feed are checked against the same table). Values from the URL are
shown in the warnings as text, never as Markdown (``ui.text``).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import streamlit as st

from ui.text import code_span, escape_markdown
from zo_core import bounds

_KEEP = "_url_keep"        # key -> last value the user chose (survives page switches)
_SEEDED = "_url_seeded"    # keys already read from the URL in this session
_RUN_KEYS = "_url_run_keys"
_WARNINGS = "_url_warnings"


def begin_run() -> None:
    """Start a script run: forget which widgets were drawn in the previous run."""
    st.session_state[_RUN_KEYS] = set()


def warnings() -> list[str]:
    return st.session_state.setdefault(_WARNINGS, [])


def show_warnings() -> None:
    """Show URL fallback warnings until the user dismisses them."""
    msgs = warnings()
    if not msgs:
        return
    st.warning("Some settings in the link were not valid and were replaced by defaults:\n\n"
               + "\n".join(f"- {m}" for m in msgs), icon=":material/link_off:")
    if st.button("Dismiss", key="_url_dismiss"):
        msgs.clear()
        st.rerun()


def finalize() -> None:
    """Remove URL parameters of widgets that this run did not draw."""
    drawn = st.session_state.get(_RUN_KEYS, set())
    tab_keys = st.session_state.get(_TABS, {})
    for key in list(st.query_params.keys()):
        if key not in drawn and key not in tab_keys:   # tabs of another page: Streamlit drops those
            del st.query_params[key]


def _seed(key: str, default: Any, parse: Callable[[str], Any]) -> bool:
    """Give the widget its value from the URL (first run), the session or the default; True when this run
    set it through session state (then the widget must not also get a default value: Streamlit warns)."""
    ss = st.session_state
    keep: dict = ss.setdefault(_KEEP, {})
    seeded: set = ss.setdefault(_SEEDED, set())
    if key not in seeded:
        seeded.add(key)
        raw = st.query_params.get(key)
        if raw is not None:
            try:
                keep[key] = parse(raw)
                ss.pop(key, None)
            except (ValueError, TypeError) as err:
                warnings().append(f"{code_span(f'{key}={raw[:40]}')}: {escape_markdown(err)}; "
                                  f"using {escape_markdown(repr(default))}.")
    if key not in ss:
        ss[key] = keep.get(key, default)
        return True
    return False


def _publish(key: str, value: Any, dump: Callable[[Any], str]) -> Any:
    st.session_state[_KEEP][key] = value
    st.session_state.setdefault(_RUN_KEYS, set()).add(key)
    text = dump(value)
    if st.query_params.get(key) != text:
        st.query_params[key] = text
    return value


def _number_parser(lo: float, hi: float, integer: bool) -> Callable[[str], float]:
    def parse(raw: str):
        v = float(raw)
        if not math.isfinite(v):
            raise ValueError("not a finite number")
        if integer:
            if v != int(v):
                raise ValueError("not an integer")
            v = int(v)
        if not lo <= v <= hi:
            raise ValueError(f"out of range [{lo:g}, {hi:g}]")
        return v
    return parse


def _fmt_number(v) -> str:
    return str(v) if isinstance(v, int) else f"{v:.10g}"


def _range(key: str, bound: str | None, lo, hi) -> tuple:
    """(lo, hi) of the widget: from the table of bounds when ``bound`` names an entry, else as given."""
    if bound is None:
        if lo is None or hi is None:
            raise TypeError(f"widget {key!r} needs min/max values or a bound= key of zo_core.bounds.WIDGETS")
        return lo, hi
    r = bounds.widget(bound)
    if r.integer:
        return int(r.lo), int(r.hi)
    return float(r.lo), float(r.hi)


def slider(label: str, key: str, *, default, min_value=None, max_value=None, step=None, bound: str | None = None,
           where=st, **kwargs):
    """``st.slider`` mirrored into the URL (int when the default is an int, else float).

    ``bound``: a key of ``zo_core.bounds.WIDGETS`` giving min_value and max_value.
    """
    min_value, max_value = _range(key, bound, min_value, max_value)
    integer = isinstance(default, int) and not isinstance(default, bool)
    # The current value as the default, except in the run that set it: without a value, st.slider reads the
    # whole session state (every widget, every chart) to tell a single value from a range, on every run.
    current = None if _seed(key, default, _number_parser(min_value, max_value, integer)) else st.session_state[key]
    value = where.slider(label, min_value=min_value, max_value=max_value, value=current, step=step, key=key,
                         **kwargs)
    return _publish(key, value, _fmt_number)


def number(label: str, key: str, *, default, min_value=None, max_value=None, step=None, bound: str | None = None,
           where=st, **kwargs):
    """``st.number_input`` mirrored into the URL (``bound`` as for :func:`slider`)."""
    min_value, max_value = _range(key, bound, min_value, max_value)
    integer = isinstance(default, int) and not isinstance(default, bool)
    _seed(key, default, _number_parser(min_value, max_value, integer))
    value = where.number_input(label, min_value=min_value, max_value=max_value, step=step, key=key, **kwargs)
    return _publish(key, value, _fmt_number)


def log_options(lo: float, hi: float, per_decade: int = 4) -> list[float]:
    """Geometric grid from lo to hi, ``per_decade`` values a decade, rounded to 3 significant digits."""
    n = int(round(math.log10(hi / lo) * per_decade)) + 1
    return [float(f"{lo * (hi / lo) ** (i / (n - 1)):.3g}") for i in range(n)]


def log_slider(label: str, key: str, *, default: float, lo: float | None = None, hi: float | None = None,
               per_decade: int = 4, bound: str | None = None, where=st, **kwargs) -> float:
    """A slider on a log scale (``st.select_slider`` over a geometric grid), mirrored into the URL."""
    lo, hi = _range(key, bound, lo, hi)
    options = log_options(lo, hi, per_decade)
    nearest = min(options, key=lambda o: abs(math.log(o / default)))
    if abs(math.log(nearest / default)) > 0.01 and lo <= default <= hi:
        options = sorted(options + [float(default)])     # the page's default is a value of its slider, exactly
    else:
        default = nearest

    def parse(raw: str) -> float:
        v = float(raw)
        if not (math.isfinite(v) and v > 0):
            raise ValueError("must be a positive number")
        best = min(options, key=lambda o: abs(math.log(o / v)))
        if abs(math.log(best / v)) > 0.05:
            raise ValueError(f"not one of the slider's values between {lo:g} and {hi:g}")
        return best

    _seed(key, default, parse)
    value = where.select_slider(label, options=options, key=key, format_func=lambda v: f"{v:g}", **kwargs)
    return _publish(key, value, _fmt_number)


def symlog_options(limit: float, per_decade: int = 3, smallest: float = 0.01) -> list[float]:
    """Symmetric log grid: -limit ... -smallest, 0, smallest ... limit (for the tilt t)."""
    pos = log_options(smallest, limit, per_decade)
    return [-v for v in reversed(pos)] + [0.0] + pos


def symlog_slider(label: str, key: str, *, default: float, limit: float | None = None, per_decade: int = 3,
                  smallest: float = 0.01, bound: str | None = None, where=st, **kwargs) -> float:
    """A slider over negative and positive values on a symmetric log scale, mirrored into the URL.

    ``bound``: a key of ``zo_core.bounds.WIDGETS`` whose upper limit is ``limit``.
    """
    if bound is not None:
        limit = bounds.widget(bound).hi
    if limit is None:
        raise TypeError(f"widget {key!r} needs a limit or a bound= key of zo_core.bounds.WIDGETS")
    options = symlog_options(limit, per_decade, smallest)

    def parse(raw: str) -> float:
        v = float(raw)
        if not math.isfinite(v):
            raise ValueError("not a finite number")
        best = min(options, key=lambda o: abs(o - v))
        if abs(best - v) > 1e-9 + 0.05 * abs(v):
            raise ValueError(f"not one of the slider's values in [-{limit:g}, {limit:g}]")
        return best

    default = min(options, key=lambda o: abs(o - default))
    _seed(key, default, parse)
    value = where.select_slider(label, options=options, key=key, format_func=lambda v: f"{v:g}", **kwargs)
    return _publish(key, value, _fmt_number)


def choice(label: str, key: str, options: Sequence[str], *, default: str, widget: str = "selectbox",
           where=st, **kwargs) -> str:
    """A selectbox / radio / segmented control / pills over string options, mirrored into the URL."""
    options = list(options)

    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"not one of {', '.join(options)}")
        return raw

    _seed(key, default, parse)
    if widget == "radio":
        value = where.radio(label, options, key=key, **kwargs)
    elif widget == "segmented":
        value = where.segmented_control(label, options, key=key, **kwargs)
        if value is None:  # a segmented control can be cleared; keep a valid value
            value = default
    else:
        value = where.selectbox(label, options, key=key, **kwargs)
    return _publish(key, value, str)


def toggle(label: str, key: str, *, default: bool, where=st, **kwargs) -> bool:
    """``st.toggle`` mirrored into the URL as 1/0."""
    def parse(raw: str) -> bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected 1 or 0")

    _seed(key, default, parse)
    value = where.toggle(label, key=key, **kwargs)
    return _publish(key, value, lambda v: "1" if v else "0")


def text(label: str, key: str, *, default: str, max_chars: int = 200, where=st, **kwargs) -> str:
    """``st.text_input`` mirrored into the URL (the text is only ever parsed, never executed)."""
    def parse(raw: str) -> str:
        if len(raw) > max_chars:
            raise ValueError(f"longer than {max_chars} characters")
        return raw

    _seed(key, default, parse)
    value = where.text_input(label, key=key, max_chars=max_chars, **kwargs)
    return _publish(key, value, str)


def pin(key: str, text: str | None) -> None:
    """Set a URL parameter that no widget draws (None drops it); :func:`finalize` keeps it this run."""
    if text is None:
        if key in st.query_params:
            del st.query_params[key]
        return
    st.session_state.setdefault(_RUN_KEYS, set()).add(key)
    if st.query_params.get(key) != text:
        st.query_params[key] = text


_TABS = "_url_tabs"        # tabs key -> its default label (for reset)


def tabs(labels: Sequence[str], key: str, *, default: str | None = None, where=st):
    """``st.tabs`` whose selected tab is the URL parameter ``key`` (Streamlit's ``bind="query-params"``).

    The tab label is the value (``?ev_tab=vs+q``); an unknown label in a link is dropped by
    Streamlit and the default tab shows. The tabs rerun the page on a switch, so ``.open`` tells
    which one is on screen.
    """
    labels = list(labels)
    st.session_state.setdefault(_TABS, {})[key] = default or labels[0]
    st.session_state.setdefault(_RUN_KEYS, set()).add(key)   # Streamlit owns this parameter: keep it
    return where.tabs(labels, key=key, default=default, bind="query-params")


def reset(keep: Sequence[str] = ()) -> None:
    """Back to the defaults: forget the values of the widgets the last run drew, except ``keep``.

    Use as a button's ``on_click``: it runs before the next script run, so every widget is drawn
    again from its default and :func:`_publish` writes the defaults back to the URL.
    """
    ss = st.session_state
    kept: dict = ss.setdefault(_KEEP, {})
    seeded: set = ss.setdefault(_SEEDED, set())
    tab_defaults: dict = ss.get(_TABS, {})
    for key in set(ss.get(_RUN_KEYS, set())) - set(keep):
        kept.pop(key, None)
        seeded.add(key)                      # do not read the old value back from the URL
        if key in tab_defaults:
            ss[key] = tab_defaults[key]      # a bound tab changes only through session state
            continue
        ss.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]
    ss[_WARNINGS] = []


def link(page_url: str | None) -> str:
    """The page's URL with every current setting: ``page_url`` (no query) + ``?`` + the query parameters."""
    from urllib.parse import urlencode

    query = urlencode({k: st.query_params[k] for k in st.query_params})
    base = (page_url or "").split("?")[0]
    return f"{base}?{query}" if query else base
