"""Markdown with ``$`` math -> safe HTML and MathML: one escaping discipline for every exporter.

Deck text may come from anyone (a deck passed between instructors), so every formula passes an
allow-list of LaTeX math commands before any converter sees it (:func:`math_problem`, shared with
the Beamer export), and every piece of HTML we emit is re-serialised through an element/attribute
allow-list with text escaped (:func:`sanitise`): safe by construction, not by filtering known-bad strings.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
          "pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
          "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega")
MATH_COMMANDS = frozenset((_GREEK + " "
    # fractions, roots, big operators, named functions
    "frac dfrac tfrac sqrt binom sum prod int iint oint lim limsup liminf sup inf max min arg det dim "
    "ker deg Pr gcd exp log ln lg sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh "
    "operatorname limits nolimits displaystyle textstyle scriptstyle "
    # fonts and text (the text inside is escaped like any other text)
    "mathbb mathrm mathbf mathcal mathit mathsf mathtt mathfrak boldsymbol text textbf textit "
    # accents and decorations
    "hat bar tilde vec dot ddot breve check widehat widetilde overline underline overbrace underbrace "
    "overset underset stackrel substack prime "
    # relations, arrows, logic, sets
    "le leq ge geq ne neq approx sim simeq cong equiv propto ll gg to mapsto gets rightarrow leftarrow "
    "Rightarrow Leftarrow leftrightarrow Leftrightarrow longrightarrow longleftarrow Longrightarrow "
    "implies iff uparrow downarrow in notin ni subset subseteq supset supseteq cup cap setminus emptyset "
    "varnothing forall exists nexists neg lnot land lor wedge vee perp parallel mid nmid not "
    # binary operators and symbols
    "times cdot cdots ldots dots dotsc dotsb vdots ddots circ odot otimes oplus ominus pm mp div ast star "
    "bullet partial nabla infty ell top bot intercal hbar imath jmath aleph Re Im angle triangle "
    "colon backslash lbrace rbrace langle rangle lfloor rfloor lceil rceil lvert rvert lVert rVert vert Vert "
    # sizes and spacing
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr quad qquad "
    # environments (the name is checked too)
    "begin end").split())
MATH_ENVIRONMENTS = frozenset("matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases aligned "
                              "gathered split array".split())
_MATH_SYMBOLS = set(",;:!|{}%#&_ \\")           # \, \; \: \! \| \{ \} \% \# \& \_ \  and \\ (a new row)
_MATH_TOKEN = re.compile(r"\\([A-Za-z]+|.?)|(\^\^)|([{}%#$])|([\x00-\x08\x0b-\x1f\x7f])", re.S)
_ENV_NAME = re.compile(r"\s*\{([A-Za-z]+\*?)\}")
MAX_FORMULA = 2000


def math_problem(latex: str) -> str | None:
    """Why ``latex`` is refused, or None when every command is in :data:`MATH_COMMANDS`.

    The same check guards MathML and Beamer: only known math commands, no ``^^`` (TeX's
    character-code escape, which could spell any command), balanced braces, no raw ``%``/``#``/``$``.
    """
    if len(latex) > MAX_FORMULA:
        return f"a formula longer than {MAX_FORMULA} characters"
    depth = 0
    for m in _MATH_TOKEN.finditer(latex):
        command, carets, special, control = m.groups()
        if command is not None:
            if command == "":
                return "a lone backslash at the end"
            if len(command) == 1 and not command.isalpha():
                if command not in _MATH_SYMBOLS:
                    return f"\\{command} is not allowed"
                continue
            if command not in MATH_COMMANDS:
                return f"\\{command} is not an allowed math command"
            if command in ("begin", "end"):
                env = _ENV_NAME.match(latex, m.end())
                if not env or env.group(1) not in MATH_ENVIRONMENTS:
                    return f"\\{command} needs one of the environments {', '.join(sorted(MATH_ENVIRONMENTS))}"
        elif carets:
            return "^^ (a TeX character-code escape) is not allowed"
        elif control:
            return "a control character"
        elif special == "{":
            depth += 1
        elif special == "}":
            depth -= 1
            if depth < 0:
                return "unbalanced braces"
        else:
            return f"a raw {special} (write \\{special})"
    return "unbalanced braces" if depth else None


_OPEN, _CLOSE = "\ue000", "\ue001"                 # private-use characters: placeholders deck text cannot forge
PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_SCAN = re.compile(r"^[ \t]*(?:```|~~~)|`+|\\\$|\$", re.M)
_FENCE_CLOSE = {"`": re.compile(r"^[ \t]*```", re.M), "~": re.compile(r"^[ \t]*~~~", re.M)}


def protect_math(text: str) -> tuple[str, list[tuple[str, bool]]]:
    """Replace ``$..$`` / ``$$..$$`` (not inside code) by placeholders; returns (text, [(latex, display)]).

    One left-to-right scan (linear time: every closing delimiter is found with one ``find``), so a
    deck of 40,000 blank lines costs twice what 20,000 cost.
    """
    text = text.replace(_OPEN, "").replace(_CLOSE, "")
    found: list[tuple[str, bool]] = []
    out: list[str] = []
    pos = 0
    while True:
        m = _SCAN.search(text, pos)
        if m is None:
            out.append(text[pos:])
            break
        i, tok = m.start(), m.group(0)
        end = None                       # where a protected or math span ends (exclusive)
        if tok.lstrip(" \t")[:3] in ("```", "~~~"):          # a fence: up to its closing line
            eol = text.find("\n", m.end())
            close = _FENCE_CLOSE[tok.lstrip(" \t")[0]].search(text, len(text) if eol < 0 else eol + 1)
            end = len(text) if close is None else close.end()
        elif tok[0] == "`":                                   # a code span: the next run of as many backticks
            close = re.compile(f"(?<!`){tok}(?!`)").search(text, m.end())
            end = m.end() if close is None else close.end()
        elif tok == "\\$":
            end = m.end()
        if end is not None:
            out.append(text[pos:end])
            pos = end
            continue
        out.append(text[pos:i])
        span = _math_span(text, i)
        if span is None:
            out.append("$")
            pos = i + 1
            continue
        latex, display, pos = span
        found.append((latex.strip(), display))
        out.append(f"{_OPEN}{len(found) - 1}{_CLOSE}")
    return "".join(out), found


def _math_span(text: str, i: int) -> tuple[str, bool, int] | None:
    """(latex, display, end) of the formula opening with the ``$`` at ``i``, or None."""
    if text.startswith("$$", i):
        j = text.find("$$", i + 3)
        if j >= 0:
            return text[i + 2:j], True, j + 2
        return None
    j = text.find("$", i + 1)
    if j < 0 or i + 1 == j or text[i + 1].isspace():
        return None
    latex = text[i + 1:j]
    if "\n" in latex or (len(latex) > 1 and (latex[-1].isspace() or latex[-1] == "\\")):
        return None
    return latex, False, j + 1


def safe_url(url: str) -> bool:
    """True for http(s)/mailto links and relative paths; javascript:, data:, vbscript:, file: are refused.

    Browsers drop ASCII whitespace and control characters inside a URL ("java\tscript:"), so the
    check looks at the URL without them.
    """
    bare = re.sub(r"[\x00-\x20\x7f]", "", url)
    head = re.split(r"[/?#]", bare, maxsplit=1)[0]
    return ":" not in head or head.split(":", 1)[0].lower() in ("http", "https", "mailto")


_MD = None


def markdown_parser():
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt
        _MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
        _MD.validateLink = safe_url
    return _MD


_TEXT_TAGS = {"p": (), "em": (), "strong": (), "s": (), "del": (), "code": (), "pre": (), "br": (), "hr": (),
              "ul": (), "ol": ("start",), "li": (), "blockquote": (), "h1": (), "h2": (), "h3": (), "h4": (),
              "h5": (), "h6": (), "table": (), "thead": (), "tbody": (), "tr": (), "th": ("style",),
              "td": ("style",), "a": ("href", "title"), "img": ("src", "alt", "title")}
_MATHML_ATTRS = ("display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent",
                 "accentunder", "movablelimits", "largeop", "symmetric", "minsize", "maxsize", "linethickness",
                 "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame",
                 "displaystyle", "scriptlevel", "width", "height", "depth", "notation", "form", "xmlns",
                 "columnspan", "rowspan", "open", "close", "separators", "align", "voffset")
_MATHML_TAGS = dict.fromkeys("math mrow mi mn mo ms mtext mspace mfrac msqrt mroot msub msup msubsup munder "
                             "mover munderover mtable mtr mtd mstyle mpadded mphantom menclose merror "
                             "mmultiscripts mprescripts none".split(), _MATHML_ATTRS)
_VOID = {"br", "hr", "img", "mspace", "mprescripts", "none"}
_TABLE_ALIGN = re.compile(r"^text-align:(left|right|center)$")
MATHML_NS = "http://www.w3.org/1998/Math/MathML"


class _Sanitiser(HTMLParser):
    """Re-serialise HTML keeping only allow-listed elements and attributes; every text node escaped.

    Placeholders in text nodes become the formulas' (themselves sanitised) MathML; in attribute values
    they become the formula's LaTeX as text. Output is always well nested: unknown end tags are dropped
    and open elements are closed at the end.
    """

    def __init__(self, tags: dict, formulas=()):
        super().__init__(convert_charrefs=True)
        self.tags, self.formulas, self.out, self.open = tags, formulas, [], []

    def _attr(self, tag, name, value) -> str | None:
        value = PLACEHOLDER.sub(lambda m: self.formulas[int(m.group(1))][0], value or "")
        if name not in self.tags[tag]:
            return None
        if name in ("href", "src") and not safe_url(value):
            return None
        if name == "style" and not _TABLE_ALIGN.match(value):     # markdown-it's table alignment only
            return None
        if name == "xmlns" and value != MATHML_NS:
            return None
        return f' {name}="{html.escape(value, quote=True)}"'

    def handle_starttag(self, tag, attrs, closed=False):
        if tag not in self.tags:
            return
        attrs = "".join(a for a in (self._attr(tag, k, v) for k, v in attrs) if a)
        if tag in _VOID or closed:
            self.out.append(f"<{tag}{attrs}/>" if tag in _MATHML_TAGS else f"<{tag}{attrs}>")
            return
        self.out.append(f"<{tag}{attrs}>")
        self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs, closed=True)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open:
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == tag:
                    break

    def handle_data(self, data):
        pieces = PLACEHOLDER.split(data)
        for k, piece in enumerate(pieces):
            if k % 2:
                self.out.append(mathml(*self.formulas[int(piece)]))
            elif piece:
                self.out.append(html.escape(piece, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def sanitise(markup: str, tags: dict, formulas=()) -> str:
    """``markup`` with only the allow-listed ``tags`` ({tag: allowed attributes}) and text escaped."""
    s = _Sanitiser(tags, formulas)
    s.feed(markup)
    return s.result()


def _math_error(latex: str, why: str) -> str:
    return (f'<code class="math-error" title="{html.escape(why, quote=True)}">'
            f"{html.escape(latex, quote=False)}</code>")


def mathml(latex: str, display: bool = False) -> str:
    """LaTeX -> sanitised MathML (latex2mathml, offline); a refused or unreadable formula is shown as code."""
    from latex2mathml.converter import convert
    why = math_problem(latex)
    if why:
        return _math_error(latex, f"formula not allowed: {why}")
    try:
        raw = convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds of errors on unsupported input
        return _math_error(latex, "formula not understood")
    return sanitise(raw, _MATHML_TAGS)


def inline_html(text: str) -> str:
    """One line of Markdown (a title, a caption) with ``$`` math -> safe HTML without a paragraph."""
    body, formulas = protect_math(text)
    return sanitise(markdown_parser().renderInline(body), _TEXT_TAGS, formulas)


def markdown_html(text: str) -> str:
    """Markdown with ``$`` math -> safe HTML with MathML (a formula alone in a paragraph stands alone)."""
    body, formulas = protect_math(text)
    out = re.sub(f"<p>({_OPEN}\\d+{_CLOSE})</p>", r"\1", markdown_parser().render(body))
    return sanitise(out, _TEXT_TAGS, formulas)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """``text`` without ASCII control characters other than tab and newline (they break TeX and XML)."""
    return _CONTROL.sub("", text)
