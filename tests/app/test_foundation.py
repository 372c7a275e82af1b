"""Sidebar, custom formulas and URL state, through Streamlit's AppTest."""

from devtools import apptest
from devtools.apptest import by_key, no_exception, open_page

LANDSCAPES = "pages/landscapes.py"


def _param(at, key):
    v = at.query_params[key]
    return v[0] if isinstance(v, list) else v


def test_custom_formula_is_drawn():
    at = open_page(LANDSCAPES, params={"landscape": "custom formula", "formula": "abs(x) + y^2"})
    no_exception(at)
    assert not at.error
    assert any("y^{2}" in lt.value and "\\left|" in lt.value for lt in at.latex)


def test_invalid_formula_in_a_link_shows_error_and_the_default_formula():
    at = open_page(None, params={"landscape": "custom formula", "formula": "__import__('os')"})
    no_exception(at)
    assert at.error and "cannot be used" in at.error[0].value
    assert any("not allowed" in c.value for c in at.sidebar.code)   # the parser's message, as plain text


def test_formula_error_is_text_even_with_a_markdown_fence():
    hostile = "x\n```\n[Log in](https://evil.example) <b>bold</b>"
    at = open_page(None, params={"landscape": "custom formula", "formula": hostile})
    no_exception(at)
    assert at.error and at.error[0].value.strip() == "This formula cannot be used:"
    shown = " ".join(c.value for c in at.sidebar.code)
    assert "not allowed" in shown and "```" not in at.error[0].value
    assert not any("evil.example" in m.value for m in at.sidebar.markdown)   # no Markdown carries it


def test_invalid_formula_typed_keeps_the_last_valid_one():
    at = open_page(None, params={"landscape": "custom formula", "formula": "x**2 + y"})
    by_key(at.text_input, "formula").input("x + foo(y)").run()
    no_exception(at)
    at.switch_page(LANDSCAPES).run()
    no_exception(at)
    assert any("x^{2} + y" in lt.value for lt in at.latex)   # the last valid formula is still drawn
    assert not any("foo" in lt.value for lt in at.latex)


def test_url_parameters_round_trip():
    params = {"landscape": "rastrigin", "seed": "7", "projector": "1", "view": "surface", "n": "81",
              "arrows": "5", "log": "linear"}
    at = open_page(LANDSCAPES, params=params)
    no_exception(at)
    assert not at.warning
    assert by_key(at.slider, "n").value == 81 and by_key(at.slider, "arrows").value == 5
    assert by_key(at.selectbox, "log").value == "linear"
    for k, v in params.items():
        assert _param(at, k) == v, k


def test_widget_change_is_written_to_url():
    at = open_page(LANDSCAPES)
    by_key(at.slider, "n").set_value(101).run()
    no_exception(at)
    assert _param(at, "n") == "101"


def test_invalid_url_values_fall_back_with_a_warning():
    at = open_page(None, params={"landscape": "nope", "seed": "-3", "projector": "maybe"})
    no_exception(at)
    text = " ".join(w.value for w in at.warning)
    for key in ("landscape", "seed", "projector"):
        assert f"`{key}=" in text, key
    assert _param(at, "landscape") == "sharp_flat" and _param(at, "seed") == "0"


def test_invalid_page_values_in_url_fall_back_to_defaults():
    at = open_page(LANDSCAPES, params={"n": "9999", "arrows": "abc", "log": "maybe"})
    no_exception(at)
    assert by_key(at.slider, "n").value == 121 and _param(at, "n") == "121"
    assert by_key(at.slider, "arrows").value == 15 and by_key(at.selectbox, "log").value == "auto"


def test_projector_mode_enlarges_text():
    at = open_page(None, params={"projector": "1"})
    no_exception(at)
    css = " ".join(m.value for m in at.markdown)
    assert "font-size: 22px" in css


def test_sidebar_choice_is_written_to_url():
    at = open_page(None)
    assert _param(at, "landscape") == "sharp_flat" and _param(at, "seed") == "0"


def _reset_app():
    import streamlit as st

    from ui import urlstate

    urlstate.begin_run()
    urlstate.slider("n", "n", default=5, min_value=1, max_value=9)
    urlstate.choice("view", "view", ["a", "b"], default="a")
    urlstate.toggle("p", "projector", default=False)
    st.button("Reset", key="reset", on_click=urlstate.reset, args=(("projector",),))
    urlstate.finalize()


def test_reset_restores_defaults_in_widgets_and_url_but_keeps_the_kept_keys():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_reset_app)
    for k, v in {"n": "8", "view": "b", "projector": "1"}.items():
        at.query_params[k] = v
    at.run()
    assert by_key(at.slider, "n").value == 8 and by_key(at.selectbox, "view").value == "b"
    by_key(at.slider, "n").set_value(7).run()
    by_key(at.button, "reset").click().run()
    no_exception(at)
    assert by_key(at.slider, "n").value == 5 and _param(at, "n") == "5"
    assert by_key(at.selectbox, "view").value == "a" and _param(at, "view") == "a"
    assert by_key(at.toggle, "projector").value is True and _param(at, "projector") == "1"


def test_share_box_shows_the_link_with_the_current_settings():
    at = open_page(None, params={"seed": "7", "landscape": "rastrigin"})
    no_exception(at)
    from urllib.parse import parse_qsl

    links = [link for link in apptest.links(at.sidebar) if link.startswith("?")]
    assert len(links) == 1, apptest.links(at.sidebar)
    shown = dict(parse_qsl(links[0][1:]))
    assert shown == {k: _param(at, k) for k in at.query_params}
    assert shown["seed"] == "7" and shown["landscape"] == "rastrigin"
    assert any(b.key == "share_reset" for b in at.sidebar.button)


def test_a_first_landscapes_page_imports_neither_pandas_nor_pyarrow():
    """A server's first page (Landscapes, share box included) in a fresh interpreter: pandas and pyarrow
    (~0.4 s to import here) stay out of it. Streamlit's components v2 put a ``str`` payload through its
    dataframe check, which imports both; the share link goes as bytes."""
    import subprocess
    import sys

    code = """if True:
        import sys
        from devtools import apptest
        at = apptest.open_page(None)           # AppTest collects the sidebar on this first run only
        assert [link for link in apptest.links(at.sidebar) if link.startswith("?")], "no share link"
        at.switch_page("pages/landscapes.py")
        at.run()
        apptest.no_exception(at)
        assert apptest.charts(at), "no chart"
        late = [m for m in ("pandas", "pyarrow") if m in sys.modules]
        assert not late, f"imported on the first page: {late}"
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=apptest.ROOT)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_minima_table_gives_each_minimum_and_its_hessian_eigenvalues():
    """Himmelblau's four minima as a Markdown table (no pandas): (3, 2), the closed-form one, among them; f = 0 at
    each; the Hessian's eigenvalues those of central second differences of the landscape's own f at the listed
    point (step 1e-4: error ~1e-7), to the table's 4 significant digits."""
    import numpy as np

    from zo_core.landscapes import get

    at = open_page(LANDSCAPES, params={"landscape": "himmelblau"})
    no_exception(at)
    table = next(m.value for m in at.markdown if m.value.startswith("| x | y | f |"))
    rows = np.array([[float(c) for c in line.strip("| ").split(" | ")] for line in table.splitlines()[2:]])
    L = get("himmelblau")
    assert rows.shape == (4, 5) and np.abs(rows[:, 2]).max() < 1e-6
    assert np.abs(rows[:, :2] - [3.0, 2.0]).sum(axis=1).min() < 1e-9
    h = 1e-4

    def f(p):
        return float(L.f(np.asarray(p, dtype=float)[None])[0])

    for p, (x, y, _, lo, hi) in zip(L.minima, rows):
        assert np.allclose([x, y], p, rtol=5e-4, atol=1e-9)
        e = np.eye(2) * h
        hess = np.array([[(f(p + e[i] + e[j]) - f(p + e[i] - e[j]) - f(p - e[i] + e[j]) + f(p - e[i] - e[j]))
                          / (4 * h * h) for j in range(2)] for i in range(2)])
        assert np.allclose([lo, hi], np.linalg.eigvalsh(hess), rtol=6e-4), (x, y)


def test_the_preloaded_frontend_code_is_each_elements_file_and_all_it_imports():
    """ui.preload.frontend_chunks against Streamlit's installed frontend: every element of ELEMENTS has its
    file in the list, every listed file exists, and every module a listed file imports is listed too, or
    loaded by the frontend's index.html itself (then it is not listed)."""
    import re

    from ui import preload

    names = preload.frontend_chunks()
    folder = preload._STATIC / "static" / "js"
    index = (preload._STATIC / "index.html").read_text(encoding="utf-8")
    assert all((folder / n).is_file() for n in names)
    for element in preload.ELEMENTS:
        assert any(re.fullmatch(rf"{element}\.[\w-]+\.js", n) for n in names), element
    for n in names:
        assert f"static/js/{n}" not in index, n
        for dep in re.findall(r'(?:from|import)\s*"\./([^"/]+\.js)"', (folder / n).read_text(encoding="utf-8")):
            assert dep in names or f"./static/js/{dep}" in index, (n, dep)
    assert not any(n.startswith(("Video", "Audio", "DataFrame", "mermaid")) for n in names)
