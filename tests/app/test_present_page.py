"""The Present page in AppTest (navigation, counter, URL, rooms) and its pure helpers in ui.present."""

import importlib.util

import pytest

from devtools import apptest
from devtools.apptest import by_key, no_exception, open_page
from ui import present, store
from zo_core import bounds, slides, viz

PAGE = "pages/present.py"


@pytest.fixture(autouse=True)
def tmp_store(tmp_path, monkeypatch):
    """Every test gets its own SQLite store (the page reaches it through ui.store.default())."""
    monkeypatch.setenv("ZOLAB_DB_PATH", str(tmp_path / "zolab.db"))
    monkeypatch.delenv("ZOLAB_DATABASE_URL", raising=False)
    monkeypatch.setattr(store, "_default", None)
    yield
    if store._default is not None:
        store._default.close()


def _counter(at) -> str:
    texts = [m.value for m in at.markdown if m.value.count(" / ") == 1 and m.value.replace(" / ", "").isdigit()]
    assert len(texts) == 1, texts
    return texts[0]


# ---- pure helpers -------------------------------------------------------------------------------
def test_parse_slide_clamps_and_falls_back_to_the_title_slide():
    assert [present.parse_slide(r, 10) for r in ("3", " 7 ", "0", "-2", "99", "x", None, "2.5")] == \
        [3, 7, 1, 1, 10, 1, 1, 1]


def test_lecture_title_comes_from_the_front_matter():
    text = "---\ntitle: Tilting, the long way\npage: pages/smoothing.py\n---\n## First slide\n"
    assert present.lecture_title(text, "tilting") == "Tilting, the long way"
    assert present.lecture_title("## No front matter\ntitle: not this\n", "x") == "x"
    assert present.lecture_title("---\npage: p.py\n---\ntitle: after the front matter\n", "y") == "y"


def test_room_code_normalizes_and_rejects_what_no_room_can_have():
    assert present.room_code(" abc 234 ") == "ABC234"
    assert present.room_code("abc-234") == "ABC234"
    # 0/O/1/I/L are not in the alphabet; wrong lengths and markup are not codes
    for bad in ("ABC230", "ABCDEI", "ABC23", "ABC2345", "**B**", "", None):
        assert present.room_code(bad) is None


def test_links_are_built_from_the_page_url():
    base = present.site_base("http://hall.example:8501/present")
    assert base == "http://hall.example:8501"
    assert present.follow_link(base, "ABC234") == "http://hall.example:8501/present?follow=ABC234"
    assert present.lecture_link(present.site_base("https://x.org/zo/present/"), "tilting") == \
        "https://x.org/zo/present?lecture=tilting"
    assert present.site_base(None) == ""


def test_controls_for_a_directive_expose_its_parameters_and_the_live_knobs():
    spec = slides.FigureSpec("tilted_slice", {"landscape": "sharp_flat"})
    got = {c.param: (c, v) for c, v in present.controls(spec)}
    defaults = viz.parameters("tilted_slice")
    assert set(got) == {"landscape", "t", "mu", "rho", "n"}          # law: default, not in the directive
    for param, (control, value) in got.items():
        assert value == spec.params.get(param, defaults[param])
        assert control.accepts(value), param                           # the start value is on the widget
    assert got["landscape"][0].kind == "select" and "rosenbrock" in got["landscape"][0].options
    t = got["t"][0]
    assert t.kind == "steps" and min(t.options) == -100 and max(t.options) == 100 and 0.0 in t.options
    mu = got["mu"][0]
    # log scale from mu/30 to 30 mu, cut to the figure's range in the one table of bounds
    top = bounds.FIGURES["tilted_slice"]["mu"].hi
    assert min(mu.options) == pytest.approx(0.05 / 30, rel=0.01) and top / 2 < max(mu.options) <= top
    n = got["n"][0]
    assert (n.kind, n.lo, n.hi) == ("int", 301 // 4, 602)


def test_control_for_odd_values():
    assert present.control_for("log", "auto") is None                 # a string with no known choices
    assert present.control_for("landscape", "no-such-landscape") is None
    assert present.control_for("mu", 0.0) is None                    # a radius of 0 has no log scale
    assert present.control_for("paths", True).kind == "toggle"
    x0 = present.control_for("x0", -0.8)
    assert x0.kind == "float" and x0.lo < -0.8 < x0.hi
    q = present.control_for("q", 20)
    assert (q.lo, q.hi) == (1, 80) and q.accepts(20) and not q.accepts(2.5) and not q.accepts(True)


def test_qr_code_is_an_svg_data_uri_when_segno_is_installed():
    uri = present.qr_data_uri("http://127.0.0.1:8501/present?follow=ABC234")
    if importlib.util.find_spec("segno") is None:
        assert uri is None                                              # the page then says how to get it
    else:
        assert uri.startswith("data:image/svg+xml") and "svg" in uri


# ---- the page -----------------------------------------------------------------------------------
def test_buttons_move_the_slide_and_the_url_follows():
    at = open_page(PAGE, params={"lecture": "tilting", "slide": "2"})
    no_exception(at)
    assert _counter(at) == "2 / 10"
    by_key(at.button, present.NEXT).click().run()
    assert _counter(at) == "3 / 10" and at.query_params["slide"] == "3"
    by_key(at.button, present.PREV).click().run()
    by_key(at.button, present.PREV).click().run()
    assert _counter(at) == "1 / 10" and at.query_params["slide"] == "1"
    assert by_key(at.button, present.PREV).disabled                   # the title slide is the first
    assert any("Smoothing, max-loss and exponential tilting" in m.value for m in at.markdown)
    no_exception(at)


def test_a_link_to_another_lecture_starts_at_its_title_slide():
    at = open_page(PAGE, params={"lecture": "tilting", "slide": "3"})
    assert _counter(at) == "3 / 10"
    at.query_params["lecture"] = "landscapes"        # e.g. a "Present this lecture" link on another page
    del at.query_params["slide"]
    at.run()
    no_exception(at)
    assert _counter(at) == "1 / 8" and at.query_params["slide"] == "1"


def test_slide_past_the_end_shows_the_last_slide():
    at = open_page(PAGE, params={"lecture": "tilting", "slide": "99"})
    no_exception(at)
    assert _counter(at) == "10 / 10" and at.query_params["slide"] == "10"
    assert by_key(at.button, present.NEXT).disabled


def test_bad_lecture_name_gets_a_message_and_the_picker():
    at = open_page(PAGE, params={"lecture": "nope"})
    no_exception(at)
    assert any("There is no lecture `nope`" in e.value for e in at.error)
    assert any(b.key == "present_start" for b in at.button)
    at = open_page(PAGE, params={"lecture": "**bold**"})             # not a file name: not echoed
    assert any("There is no lecture in this link" in e.value for e in at.error)
    assert not any("**bold**" in m.value for m in at.markdown)


def test_lecturer_opens_a_room_and_a_follower_sees_the_slide():
    teacher = open_page(PAGE)
    teacher.selectbox(key="present_pick").set_value("tilting").run()
    by_key(teacher.button, "present_start").click().run()
    no_exception(teacher)
    assert _counter(teacher) == "1 / 10"
    room = teacher.session_state["present_room"]
    code, key = room["code"], room["key"]
    assert store.current(code) == {"lecture": "tilting", "slide": 1, "params": {}}
    assert key not in str(dict(teacher.query_params))               # the key never reaches the URL
    assert not any(key in m.value for m in teacher.markdown)
    assert any(link.endswith(f"/present?follow={code}") for link in apptest.links(teacher))
    by_key(teacher.button, present.NEXT).click().run()
    by_key(teacher.button, present.NEXT).click().run()
    assert store.current(code)["slide"] == 3

    student = open_page(PAGE, params={"follow": code.lower()})
    no_exception(student)
    assert _counter(student) == "3 / 10"
    assert by_key(student.button, present.NEXT).disabled and by_key(student.button, present.PREV).disabled
    assert "present_room" not in student.session_state                 # no key: it cannot publish
    by_key(student.button, "present_detach").click().run()
    assert _counter(student) == "3 / 10" and not by_key(student.button, present.NEXT).disabled
    by_key(student.button, present.NEXT).click().run()
    assert _counter(student) == "4 / 10" and store.current(code)["slide"] == 3


def test_unknown_and_malformed_room_codes_get_clear_messages():
    at = open_page(PAGE, params={"follow": "ZZZZZZ"})
    no_exception(at)
    assert any("No open room `ZZZZZZ`" in e.value for e in at.error)
    at.text_input(key="present_join").set_value("no!").run()
    by_key(at.button, "present_join_go").click().run()
    assert any("6 letters and digits" in w.value for w in at.warning)
    no_exception(at)
