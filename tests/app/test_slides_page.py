"""The Slides page: add figures from the Landscapes page, reorder/remove them, start from a lecture,
save and load the deck as JSON (with clear errors for a bad file)."""

import json
import re

import pytest

from devtools.apptest import by_key, no_exception, open_page

SLIDES = "pages/slides.py"


@pytest.fixture(scope="session")
def _thumbs(tmp_path_factory):
    return tmp_path_factory.mktemp("thumbs")       # one thumbnail cache for the session's tests


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch, _thumbs):
    """Each test its own SQLite store (the page saves every change under ?deck=<id>)."""
    from ui import store
    monkeypatch.setenv("ZOLAB_DB_PATH", str(tmp_path / "zolab.db"))
    monkeypatch.setenv("ZOLAB_THUMBS_DIR", str(_thumbs))
    monkeypatch.setenv("ZOLAB_THUMBS", "off")     # drawn in tests/browser/test_decks.py; here they cost 30 s
    monkeypatch.setattr(store, "_default", None)
    yield
    if store._default is not None:
        store._default.close()


def _texts(at) -> list[str]:
    """Plain-text elements (st.text): where the page puts every piece of deck-derived text."""
    return [t.value for t in at.text]


def _labels(at) -> list[str]:
    """The deck list's rows: '1. Landscape contour — n = 41' or '1. Slide: ...'."""
    return [t for t in _texts(at) if re.match(r"\d+\. ", t)]


def _key(at, kind: str, prefix: str):
    """The widget whose key is ``prefix`` + '_<revision>_<index>' (keys change when the order does)."""
    head, _, index = prefix.rpartition("_")
    (w,) = [w for w in getattr(at, kind) if re.fullmatch(rf"{head}_\d+_{index}", w.key or "")]
    return w


def test_add_from_landscapes_then_reorder_and_remove():
    at = open_page("pages/landscapes.py", params={"landscape": "himmelblau"}, state={"view": "both"})
    no_exception(at)
    by_key(at.button, "fig_landscape_contour_deck").click().run()
    by_key(at.button, "fig_landscape_surface_deck").click().run()
    no_exception(at)
    deck = at.session_state["deck"]
    assert [d["figure"] for d in deck] == ["landscape_contour", "landscape_surface"]
    assert deck[0]["params"]["landscape"] == "himmelblau" and isinstance(deck[0]["params"]["n"], int)

    at.switch_page(SLIDES).run()
    no_exception(at)
    labels = _labels(at)
    assert len(labels) == 2 and labels[0].startswith("1. Landscape contour")
    assert labels[1].startswith("2. Landscape surface") and "landscape = himmelblau" in labels[0]

    _key(at, "selectbox", "sl_pos_0").set_value(2).run()
    no_exception(at)
    assert [d["figure"] for d in at.session_state["deck"]] == ["landscape_surface", "landscape_contour"]
    _key(at, "selectbox", "sl_pos_1").set_value(1).run()
    assert [d["figure"] for d in at.session_state["deck"]] == ["landscape_contour", "landscape_surface"]
    _key(at, "text_input", "sl_title_0").set_value("The valley").run()
    assert at.session_state["deck"][0]["title"] == "The valley"
    assert _labels(at)[0].startswith("1. The valley")
    _key(at, "button", "sl_remove_0").click().run()
    no_exception(at)
    assert [d["figure"] for d in at.session_state["deck"]] == ["landscape_surface"]
    assert len(_labels(at)) == 1
    # export buttons exist for every format
    keys = {b.key for b in at.get("download_button")}
    assert {"sl_save", "sl_export_html", "sl_export_pdf", "sl_export_beamer", "sl_export_pptx"} <= keys


def test_empty_deck_says_how_to_fill_it():
    at = open_page(SLIDES)
    no_exception(at)
    assert any("deck is empty" in i.value for i in at.info)


def test_start_from_a_lecture():
    at = open_page(SLIDES)
    by_key(at.button, "sl_from_lecture").click().run()
    no_exception(at)
    deck = at.session_state["deck"]
    assert deck and all("markdown" in d for d in deck)
    assert len(_labels(at)) == len(deck)
    first = list(deck)
    by_key(at.button, "sl_append_lecture").click().run()
    assert at.session_state["deck"] == first + first


def test_load_deck_json_and_reject_bad_files():
    at = open_page(SLIDES)
    items = [{"figure": "landscape_contour", "params": {"landscape": "rosenbrock", "n": 41}, "caption": "R"},
             {"markdown": "## Words\nSome $x^2$."}]
    at.file_uploader(key="sl_upload").set_value(("deck.json", json.dumps(items).encode(), "application/json"))
    at.run()
    no_exception(at)
    assert at.session_state["deck"] == items
    assert any("Loaded 2 items" in s.value for s in at.success)

    at.file_uploader(key="sl_upload").set_value(("broken.json", b"[{\"params\": {}}]", "application/json"))
    at.run()
    no_exception(at)
    assert any("not a deck" in e.value for e in at.error)
    assert any("broken.json item 1" in t and "figure" in t for t in _texts(at))
    assert at.session_state["deck"] == items            # a bad file leaves the deck alone

    at.file_uploader(key="sl_upload").set_value(("odd.json", b'[{"figure": "nope"}]', "application/json"))
    at.run()
    no_exception(at)
    assert at.warning and any("unknown figure 'nope'" in t for t in _texts(at))

    deep = b"[" * 3000 + b"]" * 3000
    at.file_uploader(key="sl_upload").set_value(("deep.json", deep, "application/json"))
    at.run()
    no_exception(at)
    assert at.error and any("nested too deeply" in t for t in _texts(at))
    assert at.session_state["deck"] == [{"figure": "nope"}]     # the last good deck stays


def test_deck_text_is_shown_as_text_not_markdown():
    """Labels, file names and problems from a deck carry no live link, image, icon or math."""
    at = open_page(SLIDES)
    items = [{"markdown": "## [Log in](https://e.x) ![x](http://e.x/i.png) :material/home: $x$"},
             {"figure": "nope", "caption": "[click](javascript:alert(1))"}]
    at.file_uploader(key="sl_upload").set_value(("[pwn](https:evil).json", json.dumps(items).encode(),
                                                 "application/json"))
    at.run()
    no_exception(at)
    hostile = ["[Log in](https://e.x)", "![x](http://e.x/i.png)", ":material/home:", "$x$",
               "[click](javascript:alert(1))", "[pwn](https:evil)"]
    markdown = " ".join(m.value for m in at.markdown) + " ".join(
        e.value for e in [*at.success, *at.warning, *at.error, *at.info])
    assert "e.x" not in markdown and "javascript" not in markdown and "pwn" not in markdown
    # ... the deck's text is all there, verbatim, as plain text (labels) or a widget's value (captions)
    shown = " ".join(_texts(at) + [a.value for a in at.text_area])
    assert all(bad in shown for bad in hostile), shown
    assert len(_labels(at)) == 2


def test_lecture_panel_uses_the_slide_parser():
    from ui import lecture
    deck = lecture.load("landscapes")
    assert deck is not None and deck.slides
    for projector in (0, 1):
        at = open_page("pages/landscapes.py", params={"projector": projector})
        no_exception(at)
        (panel,) = [e for e in at.get("expander") if e.label.startswith("Lecture:")]
        assert panel.label == f"Lecture: {deck.title}"
        assert panel.proto.expanded == bool(projector)          # open in projector mode
        if not projector:       # closed: nothing drawn inside until a student opens it
            assert not panel.markdown
            at.session_state[f"lecture_open_landscapes_{projector}"] = True
            at.run()
            no_exception(at)
            (panel,) = [e for e in at.get("expander") if e.label.startswith("Lecture:")]
        shown = " ".join(m.value for m in panel.markdown)
        for slide in deck.slides:
            assert slide.title in shown
            if slide.notes:
                assert slide.notes.splitlines()[0] not in shown  # speaker notes stay private
        figures = " ".join(c.value for c in panel.caption)
        assert all(f.name in figures for f in deck.figures)


def test_deck_is_stored_under_the_url_id_and_reopens_in_a_new_session():
    at = open_page(SLIDES)
    by_key(at.button, "sl_from_lecture").click().run()
    no_exception(at)
    deck_id = at.query_params["deck"]
    deck_id = deck_id[0] if isinstance(deck_id, list) else deck_id
    first = list(at.session_state["deck"])
    _key(at, "selectbox", "sl_pos_0").set_value(3).run()
    moved = list(at.session_state["deck"])
    assert moved[2] == first[0] and moved != first

    again = open_page(SLIDES, params={"deck": deck_id})      # a reload / another browser: a new session
    no_exception(again)
    assert again.session_state["deck"] == moved
    unknown = open_page(SLIDES, params={"deck": "x" * 22})
    no_exception(unknown)
    assert unknown.session_state["deck"] == [] and any("No deck is stored" in w.value for w in unknown.warning)


def test_added_figures_land_before_the_references():
    from ui import deck
    items = [{"markdown": "## Intro"}, {"markdown": "## References\n- [1] a paper"}]
    assert deck.insert_item(items, {"figure": "race"}) == 1
    assert [("figure" in i) for i in items] == [False, True, False]
    plain = [{"markdown": "## Intro"}]
    assert deck.insert_item(plain, {"figure": "race"}) == 1
    assert deck.label({"figure": "landscape_contour", "params": {"landscape": "himmelblau", "n": 121}}) \
        == "Landscape contour — landscape = himmelblau"
    assert deck.figure_title("race", "<b>Race</b><br>four optimizers") == "Race four optimizers"
    assert deck.figure_title("landscape_contour", "") == "Landscape contour"


def test_add_lands_before_references_and_is_stored_at_once():
    """ui.deck.add (what "Add to deck" calls): the figure goes before the lecture's References, the
    store holds it under the id the URL names, with the figure's own title as plain text."""
    from streamlit.testing.v1 import AppTest

    from ui import store

    def script():
        from ui import deck
        if not deck.items():
            deck.replace([{"markdown": "## Intro"}, {"markdown": "## References\n- a paper"}])
        deck.add("race", {"steps": 10}, caption="A race", title="<b>Race</b>")

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    no_exception(at)
    items = at.session_state["deck"]
    assert [i.get("figure") for i in items] == [None, "race", None]
    assert items[1]["title"] == "Race" and items[1]["caption"] == "A race"
    deck_id = at.query_params["deck"]
    deck_id = deck_id[0] if isinstance(deck_id, list) else deck_id
    assert store.load_deck(deck_id) == items


def test_build_ahead_builds_a_decks_figures_once_for_the_export():
    """The Slides page builds its deck's figures on a background thread (ui.figures.build_ahead): the
    export then finds them built, the same objects, and a rerun with the same deck starts nothing."""
    from ui import figures
    from zo_core import slides, viz

    item = {"figure": "landscape_contour", "params": {"landscape": "himmelblau", "n": 47}}  # an n no page draws
    text = json.dumps({"title": "Ahead", "items": [item]})
    running = figures._AHEAD["thread"]          # another test's Slides page may still be building its deck
    if running is not None:
        running.join(120)
    before = viz._shared.cache_info()
    thread = figures.build_ahead(text)
    assert thread is not None
    thread.join(120)
    built = viz._shared.cache_info()
    assert built.misses == before.misses + 1
    (fig,) = slides.build_figures(slides.parse_json(text, source="deck.json")).values()   # what an export does
    assert viz._shared.cache_info().misses == built.misses                              # found, not built again
    assert fig is viz.shared("landscape_contour", landscape="himmelblau", n=47)
    assert figures.build_ahead(text) is None
