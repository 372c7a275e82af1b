"""Deck -> PowerPoint (16:9): one slide per slide, figures as PNG (kaleido), notes in the notes pane.

Every shape sits in its :func:`zo_core.slides.layout.plan` box inside the slide. Everything is plain
text: python-pptx escapes XML, control characters are dropped, math is linear Unicode math
(:func:`zo_core.slides.linear.linear_math`: ``∑ⱼ₌₁ⁿ``, ``f̄``, ``(a + b)/μ``).
"""

from __future__ import annotations

import io

from zo_core.slides.browser import Chromium, with_browser
from zo_core.slides.deck import Deck
from zo_core.slides.layout import CAPTION_PT, PAGE_H, PAGE_W, Box, Cell, build_figures, image_px, pages, plan
from zo_core.slides.linear import linear_math
from zo_core.slides.markup import PLACEHOLDER, markdown_parser, protect_math, strip_controls


def plain_math(latex: str) -> str:
    """A formula as linear Unicode math (:func:`zo_core.slides.linear.linear_math`): PowerPoint shows it as text."""
    return linear_math(latex)


def plain_text(text: str) -> str:
    """One line of Markdown with ``$`` math as plain text (titles in PowerPoint)."""
    body, formulas = protect_math(text)
    return PLACEHOLDER.sub(lambda m: plain_math(formulas[int(m.group(1))][0]), body)


def _paragraphs(text: str) -> list[tuple[int, list[tuple[str, bool, bool, bool]]]]:
    """Markdown -> [(list level, [(text, bold, italic, code)])] for PowerPoint text frames."""
    body, formulas = protect_math(text)
    paras, level, bold, italic = [], 0, False, False
    for tok in markdown_parser().parse(body):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            level += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            level -= 1
        elif tok.type in ("fence", "code_block"):
            paras.append((level, [(tok.content.rstrip("\n"), False, False, True)]))
        elif tok.type == "inline":
            runs = []
            for c in tok.children or []:
                if c.type == "text":
                    content = PLACEHOLDER.sub(lambda m: plain_math(formulas[int(m.group(1))][0]), c.content)
                    runs.append((content, bold, italic, False))
                elif c.type == "code_inline":
                    runs.append((c.content, bold, italic, True))
                elif c.type in ("softbreak", "hardbreak"):
                    runs.append((" ", bold, italic, False))
                elif c.type in ("strong_open", "strong_close"):
                    bold = c.type == "strong_open"
                elif c.type in ("em_open", "em_close"):
                    italic = c.type == "em_open"
            if level and runs:      # a list item: a bullet, indented by its depth
                runs[0] = ("• " + runs[0][0],) + runs[0][1:]
            paras.append((max(level - 1, 0), runs))
    return paras


def _pptx(text: str) -> str:
    """Plain text for a PowerPoint run: python-pptx escapes XML, control characters are dropped."""
    return strip_controls(text)


def to_pptx(deck: Deck, *, browser: Chromium | None = None) -> bytes:
    """A 16:9 PowerPoint file: one slide per slide, figures as PNG (kaleido), notes in the notes pane."""
    return with_browser(_render_pptx, deck, browser)


def _text_box(page, text: str, box) -> None:
    """The slide's Markdown as PowerPoint paragraphs (bullets indented, bold/italic/code runs), wrapped in ``box``."""
    from pptx.util import Inches, Pt

    shape = page.shapes.add_textbox(Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))
    frame = shape.text_frame
    frame.word_wrap = True
    # type that fits: ~ characters the box holds at 20 pt, shrinking for long slides
    capacity = box.w * box.h * 11
    size = Pt(20 if len(text) < capacity * 0.55 else 16 if len(text) < capacity * 0.85 else 13)
    for k, (level, runs) in enumerate(_paragraphs(text)):
        p = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
        p.level = min(level, 4)
        for content, bold, italic, code in runs:
            r = p.add_run()
            r.text = _pptx(content)
            r.font.size, r.font.bold, r.font.italic = size, bold, italic
            if code:
                r.font.name = "DejaVu Sans Mono"


def _cell(page, cell: Cell, built: dict, browser) -> None:
    """One figure in its image box (aspect kept, centred), its caption wrapped in the box under it."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    spec, img = cell.spec, cell.image
    if spec.error:
        box = page.shapes.add_textbox(Inches(img.x), Inches(img.y), Inches(img.w), Inches(min(img.h, 2)))
        box.text_frame.word_wrap = True
        run = box.text_frame.paragraphs[0].add_run()
        run.text = _pptx(f"{spec.where}: {spec.error}")
        run.font.size, run.font.color.rgb = Pt(14), RGBColor(0xD5, 0x5E, 0x00)
    else:
        width, height = image_px(img)
        png = browser.image(built[id(spec)], "png", width=width, height=height, scale=2)
        scale = min(img.w / width, img.h / height)         # inches per px, the image kept inside its box
        w, h = width * scale, height * scale
        page.shapes.add_picture(io.BytesIO(png), Inches(img.x + (img.w - w) / 2), Inches(img.y), Inches(w), Inches(h))
    if spec.caption and cell.caption.h > 0:
        cap = cell.caption
        frame = page.shapes.add_textbox(Inches(cap.x), Inches(cap.y), Inches(cap.w), Inches(cap.h)).text_frame
        frame.word_wrap = True
        frame.margin_top = frame.margin_bottom = 0
        p = frame.paragraphs[0]
        p.alignment = PP_ALIGN.CENTER
        run = p.add_run()
        run.text, run.font.size = _pptx(plain_text(spec.caption)), Pt(CAPTION_PT)
        run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)


def _title(page, slide, box, opener: bool) -> None:
    """The title placeholder moved into ``box`` (inside the slide), its type shrunk for long titles."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    shape = page.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE if opener else MSO_ANCHOR.TOP
    text = _pptx(plain_text(slide.title))
    frame.text = text
    size = (44 if len(text) < 40 else 36) if opener else (32 if len(text) < 55 else 26 if len(text) < 80 else 20)
    for p in frame.paragraphs:
        p.alignment = PP_ALIGN.CENTER if opener else PP_ALIGN.LEFT
        for r in p.runs:
            r.font.size, r.font.bold = Pt(size), True
            r.font.color.rgb = RGBColor(0x00, 0x72, 0xB2)


def _render_pptx(deck: Deck, browser: Chromium | None) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    built = build_figures(deck)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(PAGE_W), Inches(PAGE_H)
    layout = prs.slide_layouts[5]        # "Title Only"
    for slide in pages(deck):
        page = prs.slides.add_slide(layout)
        laid = plan(slide)
        opener = slide.level == 1 and not slide.figures
        if opener:      # a title slide or section opener: the title centred, its text (byline) under it
            _title(page, slide, Box(laid.title.x, 2.2, laid.title.w, 1.6), True)
            if laid.text_source:
                _text_box(page, laid.text_source, Box(laid.title.x, 4.0, laid.title.w, 2.5))
        else:
            _title(page, slide, laid.title, False)
            if laid.text is not None:
                _text_box(page, laid.text_source, laid.text)
            for row in laid.cells:
                for cell in row:
                    _cell(page, cell, built, browser)
        if slide.notes:
            page.notes_slide.notes_text_frame.text = _pptx(slide.notes)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
