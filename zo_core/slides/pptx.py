"""Deck -> PowerPoint (16:9): one slide per slide, figures as PNG (kaleido), notes in the notes pane.

Everything is plain text: python-pptx escapes XML, control characters are dropped, math is shown
as readable Unicode (:func:`plain_math`).
"""

from __future__ import annotations

import io
import re

from zo_core.slides.browser import Chromium, with_browser
from zo_core.slides.deck import Deck, FigureSpec
from zo_core.slides.layout import IMAGE_HEIGHT, IMAGE_WIDTH, build_figures, rows
from zo_core.slides.markup import PLACEHOLDER, markdown_parser, protect_math, strip_controls

_UNICODE_MATH = {r"\mu": "μ", r"\nabla": "∇", r"\rho": "ρ", r"\sigma": "σ", r"\theta": "θ", r"\lambda": "λ",
                 r"\varepsilon": "ε", r"\epsilon": "ε", r"\alpha": "α", r"\beta": "β", r"\gamma": "γ",
                 r"\delta": "δ", r"\phi": "φ", r"\eta": "η", r"\tau": "τ", r"\pi": "π", r"\Sigma": "Σ",
                 r"\sum": "Σ", r"\infty": "∞", r"\le": "≤", r"\leq": "≤", r"\ge": "≥", r"\geq": "≥",
                 r"\to": "→", r"\approx": "≈", r"\times": "×", r"\cdot": "·", r"\sim": "~", r"\in": "∈",
                 r"\partial": "∂", r"\pm": "±", r"\mathbb{E}": "E", r"\mathbb{R}": "ℝ", r"\|": "‖",
                 r"\left": "", r"\right": "", r"\,": " ", r"\;": " ", r"\quad": "  ", r"\log": "log",
                 r"\exp": "exp", r"\max": "max", r"\min": "min"}


def plain_math(latex: str) -> str:
    """A readable plain-text rendering of simple LaTeX (for PowerPoint, which has no math here)."""
    out = latex
    for k in sorted(_UNICODE_MATH, key=len, reverse=True):
        out = out.replace(k, _UNICODE_MATH[k])
    wrap = lambda t: t if re.fullmatch(r"\s*[\w.μρσθλεαβγδφητπ∇]+\s*", t) else f"({t})"  # noqa: E731
    out = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: f"{wrap(m.group(1))}/{wrap(m.group(2))}", out)
    out = re.sub(r"\^\{?2\}?", "²", out)
    out = re.sub(r"\\(mathrm|mathbf|operatorname|text|boldsymbol)\{([^{}]*)\}", r"\2", out)
    return out.replace("{", "").replace("}", "").replace("\\", "")


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


def _text_box(page, text: str, left, top, width, height) -> None:
    """The slide's Markdown as PowerPoint paragraphs (bullets indented, bold/italic/code runs)."""
    from pptx.util import Pt

    frame = page.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    size = Pt(18 if len(text) < 500 else 15 if len(text) < 1000 else 12)
    for k, (level, runs) in enumerate(_paragraphs(text)):
        p = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
        p.level = min(level, 4)
        for content, bold, italic, code in runs:
            r = p.add_run()
            r.text = _pptx(content)
            r.font.size, r.font.bold, r.font.italic = size, bold, italic
            if code:
                r.font.name = "DejaVu Sans Mono"


def _figure_row(page, row: list[FigureSpec], built: dict, browser, left, top, width, height) -> None:
    """Figures side by side in the box (left, top, width, height); a figure that cannot be drawn is red text."""
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    each = int(width / len(row))
    for k, spec in enumerate(row):
        x = left + k * each
        if spec.error:
            box = page.shapes.add_textbox(x, top, each - Inches(0.1), min(height, Inches(2)))
            box.text_frame.word_wrap = True
            run = box.text_frame.paragraphs[0].add_run()
            run.text = _pptx(f"{spec.where}: {spec.error}")
            run.font.size, run.font.color.rgb = Pt(14), RGBColor(0xD5, 0x5E, 0x00)
            continue
        png = browser.image(built[id(spec)], "png", width=IMAGE_WIDTH, height=IMAGE_HEIGHT, scale=2)
        h = min(height - Inches(0.4), int((each - Inches(0.1)) * IMAGE_HEIGHT / IMAGE_WIDTH))
        page.shapes.add_picture(io.BytesIO(png), x, top, height=h)
        if spec.caption:
            run = page.shapes.add_textbox(x, top + h, each - Inches(0.1), Inches(0.4)).text_frame.paragraphs[0].add_run()
            run.text, run.font.size = _pptx(plain_text(spec.caption)), Pt(12)


def _render_pptx(deck: Deck, browser: Chromium | None) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    built = build_figures(deck)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    layout = prs.slide_layouts[5]        # "Title Only"
    top, bottom, right = Inches(1.4), Inches(7.2), Inches(13.333 - 0.5)
    for slide in deck.slides:
        page = prs.slides.add_slide(layout)
        page.shapes.title.text = _pptx(plain_text(slide.title))
        page.shapes.title.left, page.shapes.title.top = Inches(0.5), Inches(0.3)
        page.shapes.title.width, page.shapes.title.height = Inches(12.3), Inches(1.0)
        # the same rows as HTML and Beamer: text in a left column, figure rows stacked on the right
        laid = rows(slide)
        figure_rows = [r for r in laid if isinstance(r, list)]
        text = "\n\n".join(r for r in laid if isinstance(r, str)).strip()
        fig_left = Inches(0.5)
        if text:
            _text_box(page, text, Inches(0.5), top, Inches(5.2) if figure_rows else Inches(12.3), bottom - top)
            fig_left = Inches(5.9)
        share = int((bottom - top) / max(1, len(figure_rows)))
        for k, row in enumerate(figure_rows):
            _figure_row(page, row, built, browser, fig_left, top + k * share, right - fig_left, share)
        if slide.notes:
            page.notes_slide.notes_text_frame.text = _pptx(slide.notes)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
