"""Deck -> Beamer: a zip of ``<stem>.tex`` (pdflatex) and ``figures/figN.pdf`` (vector, drawn by Chromium).

Text is escaped with :func:`tex_escape`; a formula is copied into the .tex only when every command
in it is on the math allow-list (:func:`zo_core.slides.markup.math_problem`: no \\input, \\write18,
\\catcode, \\def, ``^^`` ...), otherwise it is shown as code. Compile with ``pdflatex -no-shell-escape``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from zo_core.slides import images
from zo_core.slides.browser import Chromium
from zo_core.slides.deck import Deck
from zo_core.slides.layout import TITLE_WHERE, pages, plan
from zo_core.slides.markup import PLACEHOLDER, markdown_parser, math_problem, protect_math, strip_controls

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "<": r"$<$", ">": r"$>$", "|": r"$|$"}
_TEX_UNICODE = {"μ": r"$\mu$", "∇": r"$\nabla$", "−": "-", "≤": r"$\le$", "≥": r"$\ge$", "→": r"$\to$",
                "×": r"$\times$", "≈": r"$\approx$", "∞": r"$\infty$", "—": "---", "–": "--", "…": r"\dots{}",
                "ρ": r"$\rho$", "σ": r"$\sigma$", "θ": r"$\theta$", "ε": r"$\varepsilon$", "λ": r"$\lambda$",
                "“": "``", "”": "''", "’": "'", "‘": "`", "·": r"$\cdot$", "±": r"$\pm$", "²": r"$^2$"}


_UNICODE_TEX: dict[str, str] = {}


def _unicode_tex(char: str) -> str:
    """A pdflatex-safe spelling of one character: as is (ASCII, Latin), a math command, or '?'."""
    if not _UNICODE_TEX:
        # latex2mathml ships the unimathsymbols table: code point ^ char ^ LaTeX ^ ... ^ requirements.
        from latex2mathml import symbols_parser
        for line in Path(symbols_parser.SYMBOLS_FILE).read_text(encoding="utf-8").splitlines():
            cols = line.split("^")
            if line.startswith("#") or len(cols) < 7 or not cols[2]:
                continue
            if cols[6] in ("", "amssymb", "amsmath", "mathbb") or cols[6].startswith("-"):
                _UNICODE_TEX.setdefault(chr(int(cols[0], 16)), f"${cols[2]}$")
        _UNICODE_TEX.update(_TEX_UNICODE)
    if ord(char) < 0x180:
        return _TEX_UNICODE.get(char, char)
    return _UNICODE_TEX.get(char, "?")


def tex_escape(text: str) -> str:
    """Plain text -> LaTeX (special characters escaped, Unicode symbols as commands pdflatex knows)."""
    out = "".join(_TEX_SPECIAL.get(c, c) for c in strip_controls(text))
    return "".join(c if c.isascii() else _unicode_tex(c) for c in out)


def _inline_tex(children, formulas) -> str:
    out = []
    for tok in children or []:
        t = tok.type
        if t == "text":
            pieces = PLACEHOLDER.split(tok.content)
            for k, piece in enumerate(pieces):
                if k % 2:
                    out.append(math_tex(*formulas[int(piece)]))
                else:
                    out.append(tex_escape(piece))
        elif t == "code_inline":
            out.append(r"\texttt{" + tex_escape(tok.content) + "}")
        elif t in ("softbreak",):
            out.append("\n")
        elif t == "hardbreak":
            out.append("\\\\\n")
        elif t in ("strong_open", "em_open", "s_open"):
            out.append({"strong_open": r"\textbf{", "em_open": r"\emph{", "s_open": "{"}[t])
        elif t in ("strong_close", "em_close", "s_close"):
            out.append("}")
        elif t == "link_open":
            out.append(r"\href{" + tex_escape(tok.attrs.get("href", "")) + "}{")
        elif t == "link_close":
            out.append("}")
    return "".join(out)


def math_tex(latex: str, display: bool = False) -> str:
    """A formula for pdflatex: as math when :func:`math_problem` allows it, else shown as code."""
    if math_problem(latex):
        return r"\texttt{" + tex_escape(latex) + "}"
    return f"\\[{latex}\\]" if display else f"${latex}$"


def inline_tex(text: str) -> str:
    """One line of Markdown (a title, a caption) with ``$`` math -> LaTeX."""
    body, formulas = protect_math(text)
    tokens = markdown_parser().parseInline(body)
    return _inline_tex(tokens[0].children if tokens else [], formulas)


def markdown_tex(text: str) -> str:
    """Markdown with ``$`` math -> LaTeX body text (lists, emphasis, code, links, tables as rows)."""
    body, formulas = protect_math(text)
    out = []
    for tok in markdown_parser().parse(body):
        t = tok.type
        if t == "inline":
            out.append(_inline_tex(tok.children, formulas))
        elif t == "paragraph_close" and not tok.hidden:
            out.append("\n\n")
        elif t == "heading_open":
            out.append(r"\textbf{")
        elif t == "heading_close":
            out.append("}\n\n")
        elif t == "bullet_list_open":
            out.append("\\begin{itemize}\n")
        elif t == "bullet_list_close":
            out.append("\\end{itemize}\n")
        elif t == "ordered_list_open":
            out.append("\\begin{enumerate}\n")
        elif t == "ordered_list_close":
            out.append("\\end{enumerate}\n")
        elif t == "list_item_open":
            out.append(r"\item ")
        elif t == "list_item_close":
            out.append("\n")
        elif t in ("fence", "code_block"):
            lines = [tex_escape(x) or "~" for x in tok.content.rstrip("\n").split("\n")]
            out.append("{\\small\\ttfamily " + "\\\\\n".join(lines) + "}\n\n")
        elif t == "blockquote_open":
            out.append("\\begin{quote}\n")
        elif t == "blockquote_close":
            out.append("\\end{quote}\n")
        elif t in ("th_close", "td_close"):
            out.append(" \\quad ")
        elif t == "tr_close":
            out.append("\\\\\n")
    return "".join(out).strip() + "\n"


_TEX_HEAD = r"""% Compile with: pdflatex -no-shell-escape <this file>   (deck text is escaped; math is allow-listed)
\documentclass[aspectratio=169,11pt]{beamer}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\setbeamertemplate{navigation symbols}{}
\setbeamertemplate{note page}[plain]
"""


def to_beamer(deck: Deck, *, browser: Chromium | None = None) -> bytes:
    """A zip with ``<stem>.tex`` (beamer, pdflatex) and ``figures/figN.pdf`` (vector, :mod:`zo_core.slides.images`)."""
    return _render_beamer(deck, browser)      # without a browser: the shared one, only for images not cached


CM_PER_INCH = 16 / 13.333      # beamer's 16:9 paper is 16 x 9 cm; the layout plans a 13.333 x 7.5 in page
_FIT = 0.9                     # beamer's frame title and margins take a little more than the plan's
_CAPTION_LINE_CM, _CAPTION_CHAR_CM = 0.36, 0.15      # \footnotesize in an 11-pt beamer


def _cell(cell, drawn: dict, files: dict, width: float) -> str:
    """A figure in a minipage ``width`` of the line: the image sized to its box, the caption under it."""
    spec = cell.spec
    if spec.error:
        return (f"\\begin{{minipage}}[t]{{{width:.3f}\\linewidth}}\\fcolorbox{{red}}{{red!8}}{{\\parbox{{0.9\\linewidth}}"
                "{\\small\\ttfamily " + tex_escape(f"{spec.where}: {spec.error}") + "}}\\end{minipage}\n")
    name = f"figures/fig{len(files) + 1}.pdf"
    files[name] = drawn[id(spec)]
    box_w = cell.image.w * CM_PER_INCH * _FIT
    lines = 0
    if spec.caption:
        per_line = max(8, int(box_w / _CAPTION_CHAR_CM))
        lines = sum(max(1, -(-len(part) // per_line)) for part in spec.caption.split("\n"))
    # the image takes the cell's height less the caption's lines, so the caption is never cut off
    height = max(1.5, (cell.image.h + cell.caption.h) * CM_PER_INCH * _FIT - lines * _CAPTION_LINE_CM - 0.15)
    cap = f"\\\\[2pt]\\begin{{footnotesize}}{inline_tex(spec.caption)}\\end{{footnotesize}}" if spec.caption else ""
    return (f"\\begin{{minipage}}[t]{{{width:.3f}\\linewidth}}\\centering\n"
            f"\\includegraphics[width=\\linewidth,height={height:.2f}cm,keepaspectratio]{{{name}}}{cap}\n"
            "\\end{minipage}")


def _figures(laid, drawn: dict, files: dict) -> str:
    """The plan's figure rows, one under the other; a row's figures side by side."""
    out = []
    for row in laid.cells:
        width = 0.98 / len(row) - (0.02 if len(row) > 1 else 0)
        out.append("\\begin{center}\n" + "\\hfill\n".join(_cell(c, drawn, files, width) for c in row)
                   + "\n\\end{center}\n")
    return "".join(out)


def _frame_body(slide, drawn: dict, files: dict) -> str:
    """Text and figures from the one layout plan: text left and figures right when the slide has both."""
    laid = plan(slide)
    text = markdown_tex(laid.text_source) if laid.text_source else ""
    if not laid.cells:
        return text
    figures = _figures(laid, drawn, files)
    if not text:
        return figures
    share = laid.text.w / (laid.text.w + laid.cells[0][0].image.w * len(laid.cells[0]) + 0.25)
    return ("\\begin{columns}[T,onlytextwidth]\n"
            f"\\begin{{column}}{{{share - 0.02:.3f}\\linewidth}}\n{text}\\end{{column}}\n"
            f"\\begin{{column}}{{{1 - share - 0.02:.3f}\\linewidth}}\n{figures}\\end{{column}}\n"
            "\\end{columns}\n")


def _render_beamer(deck: Deck, browser: Chromium | None) -> bytes:
    drawn = images.draw_deck(deck, "pdf", 1, browser)        # vector PDFs of their boxes' size
    files: dict[str, bytes] = {}
    frames = []
    for slide in pages(deck):
        if slide.where == TITLE_WHERE:      # environments, not commands: the .tex uses only our template's
            byline = f"\\\\[1.5em]\\begin{{large}}{inline_tex(slide.text)}\\end{{large}}" if slide.text else ""
            frames.append("% title slide\n\\begin{frame}\n\\begin{center}\n"
                          f"\\begin{{Huge}}\\textbf{{{inline_tex(slide.title)}}}\\end{{Huge}}{byline}\n"
                          "\\end{center}\n\\end{frame}\n")
            continue
        title = inline_tex(slide.title) if slide.title else ""
        note = f"\\note{{{markdown_tex(slide.notes)}}}\n" if slide.notes else ""
        frames.append(f"% {tex_escape(slide.where)}\n\\begin{{frame}}{{{title}}}\n"
                      + _frame_body(slide, drawn, files) + note + "\\end{frame}\n")
    tex = (_TEX_HEAD + f"\\title{{{tex_escape(deck.title)}}}\n\\begin{{document}}\n\n"
           + "\n".join(frames) + "\n\\end{document}\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{deck.stem}.tex", tex)
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()
