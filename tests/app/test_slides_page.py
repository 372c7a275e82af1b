"""The Slides page: add figures from the Landscapes page, reorder/remove them, start from a lecture,
save and load the deck as JSON (with clear errors for a bad file)."""

import json
import re

from tests.app.helpers import by_key, no_exception, open_page

SLIDES = "pages/slides.py"


def _plain(markdown: str) -> str:
    """What a reader sees of Markdown whose punctuation is backslash-escaped."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _labels(at) -> list[str]:
    """The deck list's rows: '**1.** Figure ...' or '**1.** Slide: ...' (escapes removed)."""
    rows = [_plain(m.value) for m in at.markdown if m.value.startswith("**")]
    return [r for r in rows if "Figure " in r or "Slide: " in r]


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
    assert any("broken.json item 1" in _plain(e.value) and "figure" in e.value for e in at.error)
    assert at.session_state["deck"] == items            # a bad file leaves the deck alone

    at.file_uploader(key="sl_upload").set_value(("odd.json", b'[{"figure": "nope"}]', "application/json"))
    at.run()
    no_exception(at)
    assert any("unknown figure 'nope'" in _plain(w.value) for w in at.warning)

    deep = b"[" * 3000 + b"]" * 3000
    at.file_uploader(key="sl_upload").set_value(("deep.json", deep, "application/json"))
    at.run()
    no_exception(at)
    assert any("nested too deeply" in e.value for e in at.error)
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
    rows = [m.value for m in at.markdown if m.value.startswith("**") and ("Figure" in m.value or "Slide" in m.value)]
    shown = rows + [w.value for w in at.warning] + [s.value for s in at.success]
    assert len(rows) == 2 and shown
    hostile = ["[Log in](https://e.x)", "![x](http://e.x/i.png)", ":material/home:", "$x$",
               "[click](javascript:alert(1))", "[pwn](https:evil)"]
    for value in shown:     # the hostile text arrives with every Markdown-active character escaped
        for bad in hostile:
            assert bad not in value and bad.replace("](", "") not in value, value
    plain = " ".join(_plain(v) for v in shown)
    assert all(bad in plain for bad in hostile[:4] + hostile[5:])     # ... and a reader sees it verbatim
    assert "Log in" in _labels(at)[0] and "javascript" in _labels(at)[1]


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
