"""The Beamer .tex holds no unescaped deck input: TeX primitives planted in text and math are escaped
or refused, checked by tokenising the generated .tex, and a hostile deck compiled by pdflatex
does not print /etc/passwd."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest

from tests.security import hostile
from zo_core import slides

# A TeX tokenizer for what matters here: control sequences (\word or \symbol), ^^ escapes, comments.
_TOKEN = re.compile(r"\\([A-Za-z@]+|.)|(\^\^)|(%)", re.S)

# Every command our Beamer template and Markdown translation may write (everything else in the .tex
# would have come from the deck) -- plus the math commands the allow-list lets formulas use.
TEMPLATE = {"documentclass", "usepackage", "setbeamertemplate", "title", "begin", "end", "note", "textbf", "emph",
            "href", "item", "texttt", "small", "ttfamily", "fcolorbox", "parbox", "linewidth", "includegraphics",
            "centering", "hfill", "scriptsize", "textheight", "textbackslash", "textasciicircum",
            "textasciitilde", "dots", "quad"}


def _tex(deck_json: str) -> str:
    deck = slides.parse_json(deck_json, source="hostile.json")
    data = slides.to_beamer(deck)       # no drawable figure: no Chromium needed
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(f"{deck.stem}.tex").decode("utf-8")


@pytest.fixture(scope="module")
def tex() -> str:
    return _tex(hostile.tex_deck())


def _commands(tex: str) -> list[str]:
    return [m.group(1) for m in _TOKEN.finditer(tex) if m.group(1)]


def test_every_command_comes_from_the_template_or_the_math_allow_list(tex):
    allowed = TEMPLATE | set(slides.MATH_COMMANDS)
    words = {c for c in _commands(tex) if re.fullmatch(r"[A-Za-z@]+", c)}
    assert words - allowed == set(), f"deck input reached the .tex as commands: {sorted(words - allowed)}"
    body = tex.split("\\begin{document}", 1)[1]          # the preamble is ours alone
    assert not set(_commands(body)) & (set(hostile.TEX_DANGEROUS) - {"end"})


def test_no_caret_escapes_and_comments_only_our_own(tex):
    assert not any(m.group(2) for m in _TOKEN.finditer(tex)), "a ^^ escape reached the .tex"
    for m in _TOKEN.finditer(tex):
        if m.group(3):          # a raw % (a TeX comment) only where we start a line with '% where'
            line_start = tex.rfind("\n", 0, m.start()) + 1
            assert m.start() == line_start, tex[line_start:tex.find("\n", m.start())]


def test_planted_text_is_visible_as_text(tex):
    # the attack survives as printed text: escaped backslash + the command name
    for word in ("input", "write18", "catcode", "csname", "openin"):
        assert r"\textbackslash{}" + word in tex
    assert r"\texttt{" in tex            # refused formulas are shown as code


def test_math_allow_list():
    for attack in hostile.TEX_ATTACKS:
        assert slides.math_problem(attack), attack
    for ok in [r"\frac{1}{\mu}\mathbb{E}[f(x + \mu u) u]", r"\nabla f_\mu(x)", r"\sum_{i=1}^{n} x_i^2",
               r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", r"\|x\|_2 \le \sqrt{d}", r"\text{if } t \to 0"]:
        assert slides.math_problem(ok) is None, ok
    assert slides.math_problem(r"\frac{1}{2") == "unbalanced braces"
    assert slides.math_problem(r"\begin{filecontents}x\end{filecontents}")


def test_lectures_math_is_all_allowed():
    """The allow-list covers every formula the shipped lectures use (no lecture math is refused)."""
    from pathlib import Path
    lectures = sorted((Path(__file__).resolve().parents[2] / "lectures").glob("*.md"))
    assert lectures
    for path in lectures:
        _, formulas = slides.protect_math(path.read_text(encoding="utf-8"))
        for latex, _ in formulas:
            assert slides.math_problem(latex) is None, (path.name, latex)


def _tools() -> bool:
    missing = [t for t in ("pdflatex", "pdftotext") if shutil.which(t) is None]
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"{', '.join(missing)} required in CI")
    return not missing


def _compile(tex: str, tmp_path) -> str:
    (tmp_path / "deck.tex").write_text(tex, encoding="utf-8")
    # nonstopmode: go on past errors, as a careless user would, so whatever \\input read gets printed
    subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "deck.tex"],
                   cwd=tmp_path, capture_output=True, timeout=180)
    pdf = tmp_path / "deck.pdf"
    if not pdf.exists():
        return ""
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout


def test_control_raw_input_would_leak(tmp_path):
    """The check below can fail: unescaped, ``\\input{/etc/passwd}`` does print the file."""
    if not _tools():
        pytest.skip("pdflatex/pdftotext not installed")
    text = _compile("\\documentclass{article}\\begin{document}\\input{/etc/passwd}\\end{document}\n", tmp_path)
    assert "root:x:0:0" in text


def test_hostile_deck_compiles_without_leaking_a_file(tmp_path, tex):
    if not _tools():
        pytest.skip("pdflatex/pdftotext not installed")
    text = _compile(tex, tmp_path)
    assert text, "the escaped hostile deck did not compile"
    assert "root:x:0:0" not in text
    assert "input{/etc/passwd}" in text.replace(" ", "")        # shown as text instead
    assert not (tmp_path / "pwned").exists()
