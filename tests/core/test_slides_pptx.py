"""PowerPoint math without a browser: which formulas become pictures, which stay text, and the flow's geometry."""

import struct
import zlib

import pytest

from zo_core.slides import formulas, pptx
from zo_core.slides.formulas import FORMULA_PT, FormulaImage
from zo_core.slides.layout import Box


def _png(width: int, height: int) -> bytes:
    """A real (blank, grey) PNG written by hand: signature, IHDR, IDAT, IEND."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("latex, drawn", [
    (r"\sum_{j=1}^{2n} \bar f \qquad x", True),
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", True),
    (r"\input{/etc/passwd}", False),          # refused by the allow-list
    (r"\left( \frac{a}{b}", False),           # allowed, but latex2mathml cannot read it (no \right)
])
def test_only_allowed_readable_formulas_are_drawn(latex, drawn):
    markup = formulas.drawable(latex)
    assert (markup is not None) == drawn
    if drawn:
        assert markup.startswith("<math") and "script" not in markup


PIC = {r"\sum_{j=1}^{2n} x_j": FormulaImage(b"", 2.0, 0.6)}


def test_display_formula_with_a_picture_stands_alone_between_its_text():
    paras = pptx._paragraphs("The update $$\\sum_{j=1}^{2n} x_j$$ then more.\n\n- $$\\input{x}$$ refused", PIC)
    assert paras[0] == (0, [("The update ", False, False, False)])
    assert paras[1] == r"\sum_{j=1}^{2n} x_j"
    assert paras[2] == (0, [("then more.", False, False, False)])
    level, runs = paras[3]
    assert runs[0] == ("• ", False, False, False) and runs[1] == (r"\input{x}", False, False, True)   # code text


def test_without_a_picture_the_formula_is_linear_text_and_inline_math_stays_text():
    paras = pptx._paragraphs("Then $$\\left( \\frac{a}{b}$$ and $\\bar f$.", {r"\left( \frac{a}{b}": None})
    assert paras == [(0, [("Then ", False, False, False), ("( a/b", False, False, False),
                          (" and ", False, False, False), ("f\u0304", False, False, False),
                          (".", False, False, False)])]


def test_flow_stacks_text_and_centred_formulas_inside_the_box():
    box = Box(0.5, 1.45, 5.0, 5.7)
    paras = pptx._paragraphs("Intro line.\n\n$$\\sum_{j=1}^{2n} x_j$$\n\nAfter.", PIC)
    placed, height = pptx._flow(paras, box, PIC, 20)
    kinds = [k for k, _, _ in placed]
    assert kinds == ["text", "math", "text"]
    (_, _, top), (_, pic, mid), (_, _, end) = placed
    assert top.bottom <= mid.y and mid.bottom <= end.y                  # reading order, no overlap
    assert abs(mid.x + mid.w / 2 - (box.x + box.w / 2)) < 1e-9          # centred on its own line
    assert mid.w == pytest.approx(2.0 * 20 / FORMULA_PT) and height <= box.h
    wide = {r"\sum_{j=1}^{2n} x_j": FormulaImage(b"", 9.0, 0.6)}       # wider than the column: narrowed
    (_, _, m), = [p for p in pptx._flow(paras, box, wide, 20)[0] if p[0] == "math"]
    assert m.w == pytest.approx(box.w) and m.h == pytest.approx(0.6 * box.w / 9.0)


def test_a_deck_without_figures_exports_without_chromium_its_formulas_as_text(monkeypatch):
    import io

    from pptx import Presentation

    from zo_core import slides

    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")        # chromium_path() finds none
    deck = slides.parse_items({"title": "T", "items": [{"markdown": "## S\n\n$$\\bar f \\qquad x$$"}]})
    prs = Presentation(io.BytesIO(slides.to_pptx(deck)))
    text = "\n".join(s.text_frame.text for page in prs.slides for s in page.shapes if s.has_text_frame)
    assert "f\u0304 \u2003\u2003 x" in text


def test_a_flow_taller_than_its_box_is_shrunk_inside_it():
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    page = prs.slides.add_slide(prs.slide_layouts[6])
    tall = FormulaImage(_png(300, 120), 3.0, 1.2)
    latex = [rf"x_{k} = {k}" for k in range(4)]
    box = Box(1.0, 1.0, 5.0, 2.5)
    text = "\n\n".join(f"Line {k} of text.\n\n$${f}$$" for k, f in enumerate(latex))
    pptx._text_box(page, text, box, dict.fromkeys(latex, tall))
    shapes = list(page.shapes)
    assert sum(s.shape_type == 13 for s in shapes) == 4                # four pictures (MSO_SHAPE_TYPE.PICTURE)
    for s in shapes:
        assert s.left >= Inches(box.x) - 1 and s.top >= Inches(box.y) - 1
        assert s.left + s.width <= Inches(box.right) + 1 and s.top + s.height <= Inches(box.bottom) + 1
    tops = [s.top for s in shapes]
    assert tops == sorted(tops)
