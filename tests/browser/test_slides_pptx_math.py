"""PowerPoint math drawn by Chromium: display formulas are sharp, non-blank pictures in the text's flow.

Also writes ``artifacts/decks/math.pptx`` and, as LibreOffice is not here to render a .pptx, a sheet
per slide (``math-pptx-N.png``) that draws each shape's box on the slide's geometry with the formula
pictures pasted where PowerPoint puts them.
"""

import io
import os
import re

import numpy as np
import pytest

from devtools.browser import ROOT, chromium_path
from zo_core import slides

if chromium_path() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("Chromium is required in CI (apt-get install chromium)")
    pytest.skip("Chromium not installed", allow_module_level=True)

ARTIFACTS = ROOT / "artifacts" / "decks"
SUM = r"\theta \leftarrow \theta - \mathrm{lr} \sum_{j=1}^{2n} \mathrm{softmax}(t L)_j \, \frac{v_j}{t \epsilon}, \qquad L_j = L(\theta + \epsilon v_j)"
BAR = r"\bar f = \frac{1}{n} \sum_i f(x_i)"
MATRIX = r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}"
REFUSED = r"\input{/etc/passwd}"
UNREADABLE = r"\left( \frac{a}{b}"          # allowed, but latex2mathml cannot read it: linear text
ITEMS = [{"markdown": f"## The estimator\n\nThe update is\n\n$${SUM}$$\n\nand the mean $${BAR}$$ of the "
                      f"samples.\n\n- a matrix $${MATRIX}$$\n- refused $${REFUSED}$$\n- unreadable $${UNREADABLE}$$"},
         {"markdown": f"## Beside a figure\n\n$${BAR}$$\n\n::: figure landscape_contour landscape=rosenbrock n=41"}]
DRAWN = [SUM, BAR, MATRIX, BAR]              # every display formula with a picture, in slide order
EMU = 914400


@pytest.fixture(scope="module")
def prs():
    from pptx import Presentation
    deck = slides.parse_items({"title": "Math in PowerPoint", "items": ITEMS})
    data = slides.to_pptx(deck)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "math.pptx").write_bytes(data)
    return Presentation(io.BytesIO(data))


def _pictures(page):
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    return [s for s in page.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def _runs(page):
    return [r for s in page.shapes if s.has_text_frame for p in s.text_frame.paragraphs for r in p.runs]


def test_display_formulas_are_sharp_non_blank_pictures_inside_the_slide(prs):
    from PIL import Image

    W, H = prs.slide_width, prs.slide_height
    text_pics = [p for page in list(prs.slides)[1:] for p in _pictures(page) if p.height < 2 * EMU]
    # the figure on the last slide is the one picture taller than 2 in; every other picture is a formula
    assert len(text_pics) == len(DRAWN)
    for pic in text_pics:
        assert pic.left >= 0 and pic.top >= 0 and pic.left + pic.width <= W and pic.top + pic.height <= H
        img = Image.open(io.BytesIO(pic.image.blob)).convert("RGBA")
        assert pic.image.content_type == "image/png"
        rgba = np.asarray(img, dtype=int)
        inked = int(((rgba[..., 3] > 128) & (rgba[..., :3].sum(axis=-1) < 300)).sum())     # dark, opaque glyphs
        assert inked > 0.02 * img.width * img.height, "a blank formula picture"
        assert inked < 0.6 * img.width * img.height, "a filled box, not glyphs"
        dpi = img.width / (pic.width / EMU)
        assert dpi >= 200, f"{dpi:.0f} dpi is soft on a projector"
    # the sum with its limits and a fraction is taller than one line of the 20-pt text around it
    first = _pictures(prs.slides[1])[0]
    assert first.height / EMU > 20 / 72 * 1.5
    assert first.width > first.height * 4          # the whole formula on one line, not wrapped


def test_formulas_sit_in_reading_order_centred_between_their_text(prs):
    page = prs.slides[1]
    boxes = [s for s in page.shapes if s != page.shapes.title]
    tops = [s.top for s in boxes]
    assert tops == sorted(tops), "the flow is not top to bottom"
    for a, b in zip(boxes, boxes[1:]):
        assert a.top + a.height <= b.top + 1, (a.name, b.name)       # nothing overlaps the next shape
    text_x = [s for s in boxes if s.has_text_frame][0]
    for pic in _pictures(page):
        centre = pic.left + pic.width / 2
        assert abs(centre - (text_x.left + text_x.width / 2)) < 0.01 * EMU


def test_old_flattened_math_is_gone_refused_is_code_and_unreadable_is_linear(prs):
    runs = [r for page in prs.slides for r in _runs(page)]
    text = "".join(r.text for r in runs)
    for flattened in ("∑ⱼ₌₁²ⁿ", "\u2003\u2003", "f\u0304", "qquad", "barf", "Σ_j", "sum_", "pmatrix"):
        assert flattened not in text, flattened
    (refused,) = [r for r in runs if REFUSED in r.text]
    assert refused.font.name == "DejaVu Sans Mono"         # shown as the code it is
    assert slides.linear_math(UNREADABLE) in text and not re.search(r"\\left|\\frac", text)


def test_sheet_of_the_slides_geometry(prs):
    """Draw every slide's shapes on its geometry, formula pictures pasted (LibreOffice is not here)."""
    from PIL import Image, ImageDraw, ImageFont

    px = 96 / EMU
    try:            # a font with the linear math's Unicode (PIL's own has ASCII only)
        font = ImageFont.truetype("DejaVuSans.ttf", 15)
    except OSError:
        font = ImageFont.load_default()
    for k, page in enumerate(prs.slides):
        sheet = Image.new("RGB", (round(prs.slide_width * px), round(prs.slide_height * px)), "white")
        draw = ImageDraw.Draw(sheet)
        for shape in page.shapes:
            box = [round(shape.left * px), round(shape.top * px), round((shape.left + shape.width) * px),
                   round((shape.top + shape.height) * px)]
            if shape in _pictures(page):
                img = Image.open(io.BytesIO(shape.image.blob)).convert("RGBA")
                img = img.resize((box[2] - box[0], box[3] - box[1]), Image.LANCZOS)
                sheet.paste(img, box[:2], img)
            else:
                draw.rectangle(box, outline="#bbbbbb")
                draw.multiline_text((box[0] + 6, box[1] + 4), shape.text_frame.text[:400], fill="#222222",
                                    font=font)
        sheet.save(ARTIFACTS / f"math-pptx-{k + 1}.png")
        assert sheet.getbbox() is not None
