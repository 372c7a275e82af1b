"""Slide exports in a real Chromium: the HTML deck offline, the PDF pages, the PPTX and the Beamer zip."""

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
            for i, slide in enumerate(deck.slides):
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
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(deck.slides)
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
    assert pictures == len(deck.figures)
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
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(deck.slides)
