"""Deck -> PowerPoint (16:9): one slide per slide, figures as PNG (drawn by Chromium), notes in the notes pane.

Every shape sits in its :func:`zo_core.slides.layout.plan` box inside the slide. Display formulas
(``$$…$$``) are pictures of their MathML (:mod:`zo_core.slides.formulas`), centred on their own line
in the text's flow and scaled to its type size. Inline formulas, titles and captions stay text
(a picture cannot sit inside a PowerPoint text run): linear Unicode math
(:func:`zo_core.slides.linear.linear_math`: ``∑ⱼ₌₁ⁿ``, ``f̄``, ``(a + b)/μ``), as is a display
formula latex2mathml cannot read. A formula the allow-list refuses is shown as code text. All text
is plain: python-pptx escapes XML, control characters are dropped.
"""

from __future__ import annotations

import io
import math

from zo_core.slides import images
from zo_core.slides.browser import Chromium, ChromiumMissing, with_browser
from zo_core.slides.deck import Deck
from zo_core.slides.layout import CAPTION_PT, PAGE_H, PAGE_W, Box, Cell, image_px, pages, plan
from zo_core.slides.formulas import FORMULA_PT, render_formulas
from zo_core.slides.linear import linear_math
from zo_core.slides.markup import PLACEHOLDER, markdown_parser, math_problem, protect_math, strip_controls


def plain_math(latex: str) -> str:
    """A formula as linear Unicode math (:func:`zo_core.slides.linear.linear_math`): PowerPoint shows it as text."""
    return linear_math(latex)


def plain_text(text: str) -> str:
    """One line of Markdown with ``$`` math as plain text (titles in PowerPoint)."""
    body, formulas = protect_math(text)
    return PLACEHOLDER.sub(lambda m: plain_math(formulas[int(m.group(1))][0]), body)


Run = tuple[str, bool, bool, bool]          # (text, bold, italic, code)
Block = tuple[int, list[Run]] | str         # a paragraph (list level, runs), or a display formula's LaTeX


def _math_runs(content: str, formulas, bold: bool, italic: bool, pictures, blocks: list, runs: list) -> list:
    """Split a text run at its formulas: display ones with a picture become blocks, refused ones code.

    Returns the runs after the last display formula (``runs`` ends the paragraph before it, in ``blocks``).
    """
    pieces = PLACEHOLDER.split(content)
    for k, piece in enumerate(pieces):
        if not k % 2:
            if piece:
                runs.append((piece, bold, italic, False))
            continue
        latex, display = formulas[int(piece)]
        if display and pictures.get(latex) is not None:
            blocks.append(runs)
            blocks.append(latex)
            runs = []
        elif math_problem(latex):       # refused: shown as the code it is, never interpreted
            runs.append((latex, bold, italic, True))
        else:
            runs.append((plain_math(latex), bold, italic, False))
    return runs


def _paragraphs(text: str, pictures: dict | None = None) -> list[Block]:
    """Markdown -> [(list level, runs) | display LaTeX] for PowerPoint: formulas in ``pictures`` stand alone."""
    body, formulas = protect_math(text)
    pictures = pictures or {}
    paras: list[Block] = []
    level, bold, italic = 0, False, False
    for tok in markdown_parser().parse(body):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            level += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            level -= 1
        elif tok.type in ("fence", "code_block"):
            paras.append((level, [(tok.content.rstrip("\n"), False, False, True)]))
        elif tok.type == "inline":
            pieces: list = []          # runs of text, with display formulas (str) between them
            runs: list[Run] = []
            for c in tok.children or []:
                if c.type == "text":
                    runs = _math_runs(c.content, formulas, bold, italic, pictures, pieces, runs)
                elif c.type == "code_inline":
                    runs.append((c.content, bold, italic, True))
                elif c.type in ("softbreak", "hardbreak"):
                    runs.append((" ", bold, italic, False))
                elif c.type in ("strong_open", "strong_close"):
                    bold = c.type == "strong_open"
                elif c.type in ("em_open", "em_close"):
                    italic = c.type == "em_open"
            pieces.append(runs)
            first = True
            for piece in pieces:
                if isinstance(piece, str):
                    paras.append(piece)
                    continue
                if not piece or (paras and not first and not "".join(r[0] for r in piece).strip()):
                    continue
                if not first:            # text after a display formula starts its own line
                    piece[0] = (piece[0][0].lstrip(),) + piece[0][1:]
                if level and first:      # a list item: a bullet, indented by its depth
                    piece.insert(0, ("• ", piece[0][1], piece[0][2], False))
                first = False
                paras.append((max(level - 1, 0), piece))
    return paras


def _pptx(text: str) -> str:
    """Plain text for a PowerPoint run: python-pptx escapes XML, control characters are dropped."""
    return strip_controls(text)


def to_pptx(deck: Deck, *, browser: Chromium | None = None) -> bytes:
    """A 16:9 PowerPoint file: one slide per slide, figures and display formulas as PNG, notes in the notes pane.

    A deck without figures still exports without Chromium: its display formulas are then linear text.
    """
    if browser is None and not any(not f.error for f in deck.figures) and _has_display_math(deck):
        try:
            return with_browser(_render_pptx, deck, None, always=True)
        except ChromiumMissing:
            return _render_pptx(deck, None)
    return with_browser(_render_pptx, deck, browser)


def _display_formulas(text: str) -> list[str]:
    return [latex for latex, display in protect_math(text)[1] if display]


def _has_display_math(deck: Deck) -> bool:
    return any(_display_formulas(plan(s).text_source) for s in pages(deck))


def _fill(frame, paras: list[tuple[int, list[Run]]], size) -> None:
    """Write paragraphs (bullets indented, bold/italic/code runs) into a text frame at ``size``."""
    for k, (level, runs) in enumerate(paras):
        p = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
        p.level = min(level, 4)
        for content, bold, italic, code in runs:
            r = p.add_run()
            r.text = _pptx(content)
            r.font.size, r.font.bold, r.font.italic = size, bold, italic
            if code:
                r.font.name = "DejaVu Sans Mono"


def _text_height(paras: list[tuple[int, list[Run]]], width_in: float, pt: float) -> float:
    """Inches PowerPoint needs for ``paras`` at ``pt`` in a box ``width_in`` wide (generous: ~0.55 em a character)."""
    lines = 0
    for level, runs in paras:
        room = max(1.0, width_in - 0.2 - 0.375 * level)          # the box's insets, the list indent
        chars = sum(len(r[0]) for r in runs)
        lines += max(1, math.ceil(chars * 0.55 * pt / 72 / room))
    return lines * pt * 1.2 / 72 + 0.1


def _flow(paras: list[Block], box, pictures: dict, pt: float) -> tuple[list[tuple[str, object, Box]], float]:
    """Stack text chunks and display formulas top to bottom in ``box``: [(kind, content, box)], total height."""
    out, y, chunk = [], box.y, []

    def flush():
        nonlocal y, chunk
        if chunk:
            h = _text_height(chunk, box.w, pt)
            out.append(("text", chunk, Box(box.x, y, box.w, h)))
            y, chunk = y + h, []

    for para in paras:
        if isinstance(para, str):
            flush()
            pic = pictures[para]
            scale = pt / FORMULA_PT
            w, h = pic.width_in * scale, pic.height_in * scale
            if w > box.w:          # a long formula: narrowed to the column, its aspect kept
                w, h = box.w, h * box.w / w
            out.append(("math", pic, Box(box.x + (box.w - w) / 2, y + 0.06, w, h)))
            y += h + 0.12
        else:
            chunk.append(para)
    flush()
    return out, y - box.y


def _text_box(page, text: str, box, pictures: dict | None = None) -> None:
    """The slide's Markdown as PowerPoint paragraphs wrapped in ``box``; display formulas as centred pictures."""
    from pptx.util import Inches, Pt

    # type that fits: ~ characters the box holds at 20 pt, shrinking for long slides
    capacity = box.w * box.h * 11
    pt = 20 if len(text) < capacity * 0.55 else 16 if len(text) < capacity * 0.85 else 13
    paras = _paragraphs(text, pictures)
    if all(not isinstance(p, str) for p in paras):
        frame = page.shapes.add_textbox(Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h)).text_frame
        frame.word_wrap = True
        _fill(frame, paras, Pt(pt))
        return
    for pt in [p for p in (20, 16, 13, 11, 9) if p <= pt]:       # the largest type at which the flow fits
        placed, height = _flow(paras, box, pictures, pt)
        if height <= box.h:
            break
    if height > box.h:           # even 9 pt does not fit: shrink the whole flow into the box
        squeeze = box.h / height
        placed = [(kind, content, Box(b.x + b.w * (1 - squeeze) / 2 if kind == "math" else b.x,
                                      box.y + (b.y - box.y) * squeeze, b.w * squeeze if kind == "math" else b.w,
                                      b.h * squeeze)) for kind, content, b in placed]
    for k, (kind, content, b) in enumerate(placed):
        if kind == "math":
            page.shapes.add_picture(io.BytesIO(content.png), Inches(b.x), Inches(b.y), Inches(b.w), Inches(b.h))
            continue
        h = box.bottom - b.y if k == len(placed) - 1 else b.h      # the last text may use what is left
        frame = page.shapes.add_textbox(Inches(b.x), Inches(b.y), Inches(b.w), Inches(h)).text_frame
        frame.word_wrap = True
        _fill(frame, content, Pt(pt))


def _cell(page, cell: Cell, drawn: dict) -> None:
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
        png = drawn[id(spec)]
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

    drawn = images.draw_deck(deck, "png", 2, browser)        # PNGs of their boxes' size, 2 px a CSS px
    shown = pages(deck)
    pictures = render_formulas([f for s in shown for f in _display_formulas(plan(s).text_source)], browser) \
        if browser is not None else {}
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(PAGE_W), Inches(PAGE_H)
    layout = prs.slide_layouts[5]        # "Title Only"
    for slide in shown:
        page = prs.slides.add_slide(layout)
        laid = plan(slide)
        opener = slide.level == 1 and not slide.figures
        if opener:      # a title slide or section opener: the title centred, its text (byline) under it
            _title(page, slide, Box(laid.title.x, 2.2, laid.title.w, 1.6), True)
            if laid.text_source:
                _text_box(page, laid.text_source, Box(laid.title.x, 4.0, laid.title.w, 2.5), pictures)
        else:
            _title(page, slide, laid.title, False)
            if laid.text is not None:
                _text_box(page, laid.text_source, laid.text, pictures)
            for row in laid.cells:
                for cell in row:
                    _cell(page, cell, drawn)
        if slide.notes:
            page.notes_slide.notes_text_frame.text = _pptx(slide.notes)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
