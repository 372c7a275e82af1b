"""zo_core.slides: parsing lectures and decks, figure directives, and the exports' structure.

The lecture tests are generic over lectures/: every file there parses and every figure directive
in it builds. Exports that need Chromium (PDF, Beamer, PPTX) are checked in tests/browser.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zo_core import slides, viz

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
LECTURES = sorted((ROOT / "lectures").glob("*.md"))
SAMPLE = FIXTURES / "sample_lecture.md"
BAD = FIXTURES / "bad_lecture.md"


# --- every real lecture -------------------------------------------------------------------

@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_every_lecture_parses_and_every_figure_builds(path):
    deck = slides.parse_markdown(path.read_text(encoding="utf-8"), source=f"lectures/{path.name}")
    assert deck.slides, f"{path.name} has no slides"
    assert deck.title
    if deck.page:
        assert (ROOT / deck.page).suffix == ".py", f"{path.name}: page {deck.page!r} is not a page file"
    slides.build_figures(deck)
    assert not deck.problems, "\n".join(deck.problems)
    for slide in deck.slides:
        assert "Note:" not in slide.text, f"{slide.where}: speaker notes leaked into the slide text"


def test_lecture_directory_is_covered():
    # The generic test above must see the files; an empty lectures/ would make it vacuous.
    assert LECTURES, "no lectures/*.md found"


# --- parsing ------------------------------------------------------------------------------

def test_sample_lecture_structure():
    deck = slides.load(SAMPLE)
    assert deck.title == "Sample lecture" and deck.page == "pages/landscapes.py"
    assert [s.title for s in deck.slides] == ["Sample lecture", "Smoothing with $\\mu$", "Two figures",
                                              "Code and no math"]
    assert [s.level for s in deck.slides] == [1, 2, 2, 2]
    smoothing = deck.slides[1]
    assert smoothing.notes.startswith("Say that") and smoothing.notes.endswith("Second line of notes.")
    assert "Say that" not in smoothing.text
    (fig,) = smoothing.figures
    assert fig.name == "landscape_contour" and fig.caption == "Himmelblau, small grid"
    assert fig.params == {"landscape": "himmelblau", "n": 41, "arrows": 0}
    assert type(fig.params["n"]) is int
    lines = SAMPLE.read_text().splitlines()
    number = int(fig.where.rsplit(":", 1)[1])
    assert lines[number - 1].startswith("::: figure landscape_contour")
    # a '---' inside a fenced code block does not split the slide
    assert "x = 1" in deck.slides[3].text and "---" in deck.slides[3].text
    assert len(deck.slides) == 4


def test_values_take_the_type_of_the_default():
    spec = slides.parse_directive('landscape_contour n=41 projector=false arrows=3.0 log=linear '
                                  'landscape="x^2 + y^2"')
    assert spec.error == ""
    assert spec.params == {"n": 41, "projector": False, "arrows": 3, "log": "linear", "landscape": "x^2 + y^2"}
    assert type(spec.params["projector"]) is bool and type(spec.params["arrows"]) is int
    fig = viz.build(spec.name, **spec.params)
    assert fig.data


@pytest.mark.parametrize("args, message", [
    ("no_such_figure", "unknown figure 'no_such_figure'"),
    ("landscape_contour n=lots", "parameter n of figure landscape_contour expects an integer"),
    ("landscape_contour n=2.5", "expects an integer"),
    ("landscape_contour projector=maybe", "expects true or false"),
    ("landscape_contour colour=red", "has no parameter colour"),
    ("landscape_contour n", "expected key=value"),
    ("", "names no figure"),
    ('landscape_contour landscape="unclosed', "cannot read"),
])
def test_bad_directives_explain_themselves(args, message):
    spec = slides.parse_directive(args, where="x.md:3")
    assert message in spec.error


def test_bad_lecture_names_file_and_line():
    deck = slides.load(BAD)
    slides.build_figures(deck)
    lines = BAD.read_text().splitlines()
    problems = deck.problems
    assert len(problems) == 4, problems
    for problem in problems:
        m = re.match(r"(.+bad_lecture\.md):(\d+): (.+)", problem)
        assert m, problem
        assert lines[int(m.group(2)) - 1].startswith("::: figure"), problem
    assert "no_such_figure" in problems[0] and "landscape_contour" in problems[0]  # lists known figures
    assert "no_such_landscape" in problems[3]


def test_bad_figure_shows_an_error_box_in_html():
    html = slides.to_html(slides.load(BAD))
    boxes = re.findall(r'<div class="figure-error" role="alert">(.*?)</div>', html, re.S)
    assert len(boxes) == 4
    assert all("bad_lecture.md:" in b for b in boxes)


def test_front_matter_is_optional_and_a_leading_separator_is_not_front_matter():
    deck = slides.parse_markdown("## A\ntext\n---\n## B\n", source="t.md")
    assert [s.title for s in deck.slides] == ["A", "B"] and deck.page == ""
    deck = slides.parse_markdown("---\n## A\n---\n## B\n", source="t.md")
    assert [s.title for s in deck.slides] == ["A", "B"]
    assert deck.slides[1].where == "t.md:4"


# --- decks (JSON) ----------------------------------------------------------------------------

def test_deck_json_round_trip():
    items = [{"figure": "landscape_contour", "params": {"landscape": "himmelblau", "n": 41}, "caption": "H"},
             {"markdown": "## Words\nSome $x^2$.\nNote: private"}]
    deck = slides.parse_json(json.dumps(items))
    # a figure's slide is titled by the figure (its name in words), never by its caption
    assert [s.title for s in deck.slides] == ["Landscape contour", "Words"]
    assert deck.slides[0].figures[0].caption == "H"
    assert deck.slides[1].notes == "private"
    assert slides.deck_items(deck)[0] == items[0] | {"title": "Landscape contour"}
    titled = [items[0] | {"title": "The four minima"}]
    again = slides.parse_json(json.dumps(titled))
    assert again.slides[0].title == "The four minima" and slides.deck_items(again) == titled


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"a": 1}', "a deck is a JSON list"),
    ("[1]", "item 1: expected an object"),
    ('[{"params": {}}]', 'needs "figure"'),
    ('[{"figure": "landscape_contour", "params": [1]}]', "'params' must be an object"),
    ('[{"markdown": 3}]', "'markdown' must be a string"),
])
def test_malformed_decks_raise_clear_errors(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        slides.parse_json(text, source="up.json")


def test_deck_with_wrong_parameter_type_is_a_problem_not_a_crash():
    deck = slides.parse_json('[{"figure": "landscape_contour", "params": {"n": "many"}}]', source="d.json")
    assert deck.problems == ["d.json item 1: parameter n of figure landscape_contour expects an integer, got 'many'"]


# --- Markdown, math and the HTML file --------------------------------------------------------

def test_math_becomes_mathml_and_code_is_left_alone():
    html = slides.markdown_html("Inline $\\mu^2$, display $$\\frac{a}{b}$$, `$code$` and 5 \\$.")
    assert html.count("<math") == 2 and 'display="block"' in html
    assert "<code>$code$</code>" in html and "5 $." in html


def test_html_is_self_contained_with_every_figure_and_hidden_notes():
    deck = slides.load(SAMPLE)
    html = slides.to_html(deck)
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', html), "loads something from the network"
    assert "Plotly.newPlot" in html and len(html) > 1_000_000          # plotly.js is inline
    figs = json.loads(re.search(r'id="zo-figures">(.*?)</script>', html, re.S).group(1).replace("<\\/", "</"))
    assert len(figs) == len(deck.figures) == 3
    assert html.count('class="slide') == 4
    assert '<aside class="notes">' in html and ".notes { display: none !important; }" in html
    assert html.count("<math") >= 4


# --- Beamer .tex structure (compiled only where pdflatex exists) -------------------------------

def test_tex_escaping():
    assert slides.tex_escape("50% of $5 & a_b #1 {x} ~^\\") == \
        r"50\% of \$5 \& a\_b \#1 \{x\} \textasciitilde{}\textasciicircum{}\textbackslash{}"
    assert slides.markdown_tex("**b** and $\\mu$\n\n- one\n- two") == \
        "\\textbf{b} and $\\mu$\n\n\\begin{itemize}\n\\item one\n\\item two\n\\end{itemize}\n"


# --- CLI -----------------------------------------------------------------------------------

def test_cli_writes_html_and_names_bad_lines(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "zo_core.slides", str(SAMPLE), "--format", "html", "-o",
                         str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "sample_lecture.html").stat().st_size > 1_000_000
    bad = subprocess.run([sys.executable, "-m", "zo_core.slides", str(BAD), "-f", "html", "-o", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert re.search(r"bad_lecture\.md:12: unknown figure 'no_such_figure'", bad.stderr), bad.stderr
    assert (tmp_path / "bad_lecture.html").exists()       # still written, with error boxes


def test_export_without_chromium_names_what_to_install(monkeypatch):
    monkeypatch.setattr(slides.browser, "chromium_path", lambda: None)
    with pytest.raises(slides.ChromiumMissing, match="apt-get install chromium"):
        slides.to_pdf(slides.load(SAMPLE))
    assert slides.main([str(SAMPLE), "--format", "pptx", "-o", "/nonexistent-never-written"]) == 2


# --- the layout model ---------------------------------------------------------------------------

def _deck(*items, title="Lecture day"):
    return slides.parse_items({"title": title, "author": "A. Lecturer", "date": "1 December 2026",
                               "items": list(items)})


LONG = ("Himmelblau's function has four minima of equal depth; gradient descent finds the one whose basin "
        "holds the start, and the smoothed objective keeps all four. ") * 3


@pytest.mark.parametrize("blocks", [
    ["text only"], [("race", "")], [("race", LONG)], ["words", ("race", "a caption")],
    [("race", "one"), ("race", LONG)], [("race", ""), "between", ("race", LONG), ("race", "x")],
])
def test_plan_keeps_every_box_inside_the_page_and_captions_under_figures(blocks):
    L = slides.layout
    made = [b if isinstance(b, str) else slides.figure_spec(b[0], {}, caption=b[1]) for b in blocks]
    laid = slides.plan(slides.Slide(title="A title", blocks=made))
    boxes = [laid.title] + ([laid.text] if laid.text else []) + [b for row in laid.cells for c in row
                                                                  for b in (c.image, c.caption)]
    for b in boxes:
        assert 0 <= b.x and b.right <= L.PAGE_W + 1e-9 and 0 <= b.y and b.bottom <= L.PAGE_H + 1e-9, b
    for row in laid.cells:
        for c in row:
            assert c.image.bottom <= c.caption.y + 1e-9 and c.caption.y >= laid.title.bottom
            assert c.image.h > 1.5, "a caption must not squeeze its figure away"
            if c.spec.caption:
                assert c.caption.h >= L.caption_lines(c.spec.caption, c.caption.w) * L.CAPTION_PT * 1.3 / 72 \
                    or c.caption.h == pytest.approx((c.image.h + c.caption.h) * 0.4)
    if laid.text and laid.cells:    # text beside the figures, not over them
        assert laid.text.right <= min(c.image.x for row in laid.cells for c in row)


def test_static_images_are_rendered_at_the_same_scale_whatever_their_box():
    """12-px figure labels reach the same size on the slide: pixels per inch of the box are constant."""
    L = slides.layout
    for w, h in [(12.3, 5.4), (6.0, 5.4), (7.0, 2.6)]:
        px = slides.image_px(slides.Box(0, 0, w, h))
        assert px[0] / w == pytest.approx(L.PX_PER_INCH, rel=0.01)
        assert 12 / L.PX_PER_INCH * 72 >= 10         # labels print at >= 10 pt on the 13.3-in slide


def test_title_slide_first_unless_the_deck_opens_with_one():
    deck = _deck({"figure": "race"})
    first, second = slides.pages(deck)
    assert first.title == "Lecture day" and first.level == 1 and "A. Lecturer" in first.text
    assert "1 December 2026" in first.text and second.title == "Race"
    lecture = slides.load(SAMPLE)
    assert slides.pages(lecture) == lecture.slides          # '# Sample lecture' is its own title slide


# --- PowerPoint math -------------------------------------------------------------------------------

@pytest.mark.parametrize("latex, text", [
    (r"\sum_{j=1}^{2n} x_j", "∑ⱼ₌₁²ⁿ xⱼ"),
    (r"\bar f + \hat{g}_i", "f\u0304 + g\u0302\u1d62"),
    (r"\frac{f(x + \mu u) - f(x)}{\mu}", "(f(x + μ u) − f(x))/μ"),
    (r"a \qquad b", "a \u2003\u2003 b"),
    (r"\mathbb{E}[f] \le \sqrt{d} \, \|x\|_\infty", "𝔼[f] ≤ √d\u2009‖x‖_∞"),
    (r"\nabla f_\mu(x) \to 0", "∇ f_μ(x) → 0"),
    (r"\frac{1}{2}", "1/2"),
])
def test_linear_math(latex, text):
    assert slides.linear_math(latex) == text


def test_linear_math_of_every_lecture_formula_leaves_no_latex():
    from pathlib import Path
    for path in sorted((ROOT / "lectures").glob("*.md")):
        _, formulas = slides.protect_math(path.read_text(encoding="utf-8"))
        for latex, _ in formulas:
            out = slides.linear_math(latex)
            assert "\\" not in out and not re.search(r"qquad|frac|mathrm|barf|[\^_]\{", out), (path.name, latex, out)


# --- HTML figure data ----------------------------------------------------------------------------

def test_html_figure_data_is_float32_and_draws_the_same_numbers():
    import base64

    import numpy as np
    from zo_core import viz
    fig = viz.build("landscape_contour", landscape="himmelblau", n=81)
    data = json.loads(slides.html.figure_json(fig))["data"]
    z = next(t["z"] for t in data if t.get("type") == "contour")
    assert z["dtype"] == "f4"
    decoded = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.float32).reshape(np.shape(
        next(t for t in fig.data if t.type == "contour").z))
    ref = np.asarray(next(t for t in fig.data if t.type == "contour").z, dtype=float)
    assert np.allclose(decoded, ref, rtol=1e-6, atol=1e-6 * np.nanmax(np.abs(ref)), equal_nan=True)
