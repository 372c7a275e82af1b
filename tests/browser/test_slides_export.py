"""Slide exports in a real Chromium: the HTML deck offline, the PDF pages, the PPTX and the Beamer zip."""

import html
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from devtools.browser import chromium_path, launch
from zo_core import slides

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "core" / "fixtures" / "sample_lecture.md"
BAD = SAMPLE.with_name("bad_lecture.md")
LECTURES = sorted((ROOT / "lectures").glob("*.md"))

if chromium_path() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("Chromium is required in CI (apt-get install chromium)")
    pytest.skip("Chromium not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def deck():
    return slides.load(SAMPLE)


@pytest.fixture(scope="module")
def browser():
    with slides.Chromium() as b:    # one browser for every static export of this module
        yield b


def _open_offline(playwright, path: Path):
    """Open a local file with every non-file request refused; returns (page, console errors, blocked urls)."""
    chromium = launch(playwright)
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    blocked: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return chromium, page, errors, blocked


@pytest.mark.parametrize("source", [SAMPLE, BAD], ids=["sample", "bad"])
def test_html_deck_offline_renders_every_figure_and_formula(tmp_path, source, playwright):
    deck = slides.load(source)
    html_file = tmp_path / "deck.html"
    html_file.write_text(slides.to_html(deck), encoding="utf-8")
    good = [f for f in deck.figures if not f.error]
    chromium, page, errors, blocked = _open_offline(playwright, html_file)
    try:
        for walk in range(2):           # the second walk re-draws 3-D figures freed on leaving
            drawn, boxes, math_seen = 0, 0, 0
            for i, slide in enumerate(slides.pages(deck)):      # a title slide first when the deck has none
                active = page.locator("section.slide.active")
                assert active.get_attribute("id") == f"slide-{i + 1}"   # arrow keys move one slide
                n_good = sum(1 for f in slide.figures if not f.error)
                if n_good:
                    page.wait_for_function(
                        "document.querySelectorAll('section.slide.active .js-plotly-plot .main-svg').length"
                        f" >= {n_good}", timeout=30_000)
                drawn += active.locator(".plot-container").count()
                boxes += active.locator(".figure-error").count()
                maths = active.locator("math")
                for k in range(maths.count()):
                    box = maths.nth(k).bounding_box()
                    assert box and box["width"] > 0 and box["height"] > 0, f"formula {k}, slide {i + 1}"
                math_seen += maths.count()
                assert not active.locator(".notes").is_visible(), "speaker notes are visible"
                page.keyboard.press("ArrowRight")
                page.wait_for_timeout(50)
            assert drawn == len(good)
            assert boxes == len(deck.figures) - len(good)
            assert math_seen == page.locator("math").count() and (math_seen > 0) == (source == SAMPLE)
            page.keyboard.press("Home")
        assert page.locator("section.slide.active").get_attribute("id") == "slide-1"
        assert not blocked, f"the deck tried the network: {blocked}"
        assert not errors, f"console errors: {errors}"
    finally:
        chromium.close()


def test_pdf_has_one_page_per_slide_with_vector_figures(tmp_path, deck, browser):
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(slides.to_pdf(deck, browser=browser))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(slides.pages(deck))
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert abs(w / h - 16 / 9) < 0.01
    if shutil.which("pdftoppm") is None and os.environ.get("CI") != "true":
        pytest.skip("pdftoppm not installed")
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(deck.slides)
    from PIL import Image
    for png in pages:
        lo, hi = Image.open(png).convert("L").getextrema()
        assert hi - lo > 100, f"{png.name} is blank"
    # the figures are vector: their text (titles, axis labels) is in the PDF, not pixels
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout \
        if shutil.which("pdftotext") else "Himmelblau"
    assert "Himmelblau" in text


def test_pptx_reopens_with_slides_pictures_and_notes(deck, browser):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    prs = Presentation(io.BytesIO(slides.to_pptx(deck, browser=browser)))
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    assert len(prs.slides) == len(deck.slides)
    pictures = sum(1 for s in prs.slides for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE)
    formulas = sum(d for s in deck.slides for b in s.blocks if isinstance(b, str)
                   for _, d in slides.protect_math(b)[1])
    assert formulas and pictures == len(deck.figures) + formulas     # display formulas are pictures too
    for page, slide in zip(prs.slides, deck.slides):
        notes = page.notes_slide.notes_text_frame.text if page.has_notes_slide else ""
        assert notes == slide.notes
        assert page.shapes.title.text.startswith(slide.title.split("$")[0].strip())


def test_beamer_zip_holds_tex_and_vector_figures(deck, browser):
    z = zipfile.ZipFile(io.BytesIO(slides.to_beamer(deck, browser=browser)))
    tex = z.read("sample_lecture.tex").decode()
    head, body = tex.split("\n", 1)
    assert head.startswith("% Compile with: pdflatex -no-shell-escape")
    assert body.startswith("\\documentclass[aspectratio=169") and tex.rstrip().endswith("\\end{document}")
    assert tex.count("\\begin{frame}") == tex.count("\\end{frame}") == len(deck.slides)
    for env in ("itemize", "center", "minipage", "document"):
        assert tex.count(f"\\begin{{{env}}}") == tex.count(f"\\end{{{env}}}"), env
    assert tex.count("{") - tex.count("\\{") == tex.count("}") - tex.count("\\}")
    figures = re.findall(r"\\includegraphics\[[^]]*\]\{([^}]+)\}", tex)
    assert len(figures) == len(deck.figures)
    for name in figures:
        data = z.read(name)
        assert data.startswith(b"%PDF"), name
    assert "\\note{Say that" in tex and "$\\mu$" in tex


def test_bad_lecture_exports_with_error_boxes(deck, browser, tmp_path):
    bad = slides.load(BAD)
    data = slides.to_pdf(bad, browser=browser)
    (tmp_path / "bad.pdf").write_bytes(data)
    assert len(bad.problems) == 4
    text = subprocess.run(["pdftotext", str(tmp_path / "bad.pdf"), "-"], capture_output=True, text=True).stdout \
        if shutil.which("pdftotext") else "bad_lecture.md:12"
    assert "bad_lecture.md:12" in text


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (the .tex structure is "
                    "checked above)")
@pytest.mark.parametrize("source", [SAMPLE, BAD, *LECTURES], ids=lambda p: p.name)
def test_beamer_compiles_with_pdflatex(tmp_path, browser, source):
    deck = slides.load(source)
    zipfile.ZipFile(io.BytesIO(slides.to_beamer(deck, browser=browser))).extractall(tmp_path)
    tex = f"{deck.stem}.tex"
    for _ in range(2):                      # beamer needs a second pass for its navigation data
        run = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", tex], cwd=tmp_path,
                             capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, run.stdout[-3000:]
    info = subprocess.run(["pdfinfo", str(tmp_path / f"{deck.stem}.pdf")], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(slides.pages(deck))


# --- exports that look designed: one deck, every static format, rendered and measured ---------------

CAPTION = ("Zeroth-order descent settles in the basin that holds its start; the four minima are equally "
           "deep, so where it lands depends only on that start and on the step size.")
MATH = r"$\hat g = \frac{1}{q}\sum_{j=1}^{2n} \frac{f(x + \mu u_j) - f(x)}{\mu} u_j$ and $\bar f \qquad \mathbb{E}$"
DESIGNED = [{"figure": "landscape_contour", "params": {"landscape": "himmelblau", "n": 61}, "caption": CAPTION,
             "title": "Four minima"},
            {"markdown": f"## The estimator\n\n{MATH}\n\n::: figure landscape_contour landscape=rosenbrock n=41 "
                         'caption="The banana valley"\n\nNote: the notes.'},
            {"markdown": "## References\n\n- Nesterov and Spokoiny (2017)"}]
ARTIFACTS = ROOT / "artifacts" / "decks"


@pytest.fixture(scope="module")
def designed(browser):
    deck = slides.parse_items({"title": "Designed deck", "author": "A. Lecturer", "date": "1 December 2026",
                               "items": DESIGNED})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = {fmt: slides.export(deck, fmt, browser=browser) for fmt in ("pdf", "pptx", "beamer")}
    for fmt, data in out.items():
        (ARTIFACTS / f"designed{slides.FORMATS[fmt]}").write_bytes(data)
    return deck, out


def _words(pdf: Path) -> list[list[tuple[str, float, float, float]]]:
    """Per page: (word, xMin, yMin, yMax) in points from the top, read by pdftotext -bbox."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for chunk in xml.split("<page ")[1:]:
        pages.append([(html.unescape(m.group(5)), float(m.group(1)), float(m.group(2)), float(m.group(4)))
                      for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                                           r"([^<]*)</word>", chunk)])
    return pages


def _height(pdf: Path) -> float:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Page size:\s+[\d.]+ x ([\d.]+)", info).group(1))


def _caption_below_title_and_figure(pdf: Path) -> None:
    pages, bottom = _words(pdf), _height(pdf)
    assert pages[0] and {"Designed", "Lecturer"} <= {w for w, *_ in pages[0]}        # the title slide
    words = pages[1]
    top = min(w[2] for w in words)
    title = [w for w in words if w[2] == top]                       # the slide's first line
    assert [w[0] for w in title] == ["Four", "minima"]
    figure = [w for w in words if w[0] == "Himmelblau"]             # the figure's own title, drawn in it
    first, last = [w for w in words if w[0] == "Zeroth-order"], [w for w in words if w[0] == "step"]
    assert title and figure and first and last, [w for w, *_ in words]
    title_bottom = max(w[3] for w in title)
    assert all(w[2] > title_bottom for w in first), "the caption is in the title region"
    assert "Zeroth-order" not in " ".join(t for t, _, _, y1 in words if y1 <= title_bottom)
    assert first[0][2] > max(w[3] for w in figure), "the caption is not under the figure"
    assert last[-1][3] <= bottom, "the caption runs off the page"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdf_title_slide_and_caption_under_the_figure(designed, tmp_path):
    deck, out = designed
    pdf = ARTIFACTS / "designed.pdf"
    assert int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                              text=True).stdout).group(1)) == len(deck.slides) + 1
    _caption_below_title_and_figure(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(ARTIFACTS / "designed-pdf")], check=True)


def test_pptx_shapes_inside_the_slide_short_titles_and_real_math(designed):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    deck, out = designed
    prs = Presentation(io.BytesIO(out["pptx"]))
    assert len(prs.slides) == len(deck.slides) + 1
    W, H = prs.slide_width, prs.slide_height
    texts = []
    for k, page in enumerate(prs.slides):
        for shape in page.shapes:
            assert shape.left >= 0 and shape.top >= 0, (k, shape.name)
            assert shape.left + shape.width <= W and shape.top + shape.height <= H, (k, shape.name)
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
                assert shape.text_frame.word_wrap is not False, (k, shape.name)
    title = prs.slides[1].shapes.title.text_frame.text
    assert title == "Four minima" and title != CAPTION
    captions = [s for s in prs.slides[1].shapes if s.has_text_frame and s.text_frame.text == CAPTION]
    (picture,) = [s for s in prs.slides[1].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert captions and captions[0].top >= picture.top + picture.height      # caption under the figure
    everything = "\n".join(texts)
    for junk in ("qquad", "barf", "\\", "frac", "mathbb", "_{", "^{"):
        assert junk not in everything, junk
    assert "∑ⱼ₌₁²ⁿ" in everything and "f\u0304" in everything and "𝔼" in everything and "/μ" in everything


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="pdflatex/pdftotext are not installed")
def test_beamer_compiles_with_title_slide_and_caption_under_the_figure(designed, tmp_path):
    deck, out = designed
    zipfile.ZipFile(io.BytesIO(out["beamer"])).extractall(tmp_path)
    run = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                          f"{deck.stem}.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "Overfull \\vbox" not in run.stdout, "a frame's content is taller than the frame"
    pdf = tmp_path / f"{deck.stem}.pdf"
    _caption_below_title_and_figure(pdf)
    shutil.copy(pdf, ARTIFACTS / "designed-beamer.pdf")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "designed-beamer")], check=True)
