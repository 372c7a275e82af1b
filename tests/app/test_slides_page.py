"""The Slides page: add figures from the Landscapes page, reorder/remove them, start from a lecture,
save and load the deck as JSON (with clear errors for a bad file)."""

import json
import re

from devtools.apptest import by_key, no_exception, open_page

SLIDES = "pages/slides.py"


def _texts(at) -> list[str]:
    """Plain-text elements (st.text): where the page puts every piece of deck-derived text."""
    return [t.value for t in at.text]


def _labels(at) -> list[str]:
    """The deck list's rows: '1. Figure ...' or '1. Slide: ...'."""
    return [t for t in _texts(at) if re.match(r"\d+\. (Figure |Slide: )", t)]


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
    assert len(labels) == 2 and "landscape_contour" in labels[0] and "landscape_surface" in labels[1]
    assert by_key(at.button, "sl_up_0").disabled and by_key(at.button, "sl_down_1").disabled

    by_key(at.button, "sl_down_0").click().run()
    no_exception(at)
    assert [d["figure"] for d in at.session_state["deck"]] == ["landscape_surface", "landscape_contour"]
    by_key(at.button, "sl_up_1").click().run()
    assert [d["figure"] for d in at.session_state["deck"]] == ["landscape_contour", "landscape_surface"]
    by_key(at.button, "sl_remove_0").click().run()
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
    shown = " ".join(_texts(at))            # ... the deck's text is all there, verbatim, as plain text
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
        shown = " ".join(m.value for m in panel.markdown)
        for slide in deck.slides:
            assert slide.title in shown
            if slide.notes:
                assert slide.notes.splitlines()[0] not in shown  # speaker notes stay private
        figures = " ".join(c.value for c in panel.caption)
        assert all(f.name in figures for f in deck.figures)
