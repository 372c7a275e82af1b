"""Allowed LaTeX -> linear Unicode math (for PowerPoint): ``\\sum_{j=1}^{2n} \\bar f`` -> ``∑ⱼ₌₁²ⁿ f̄``.

A small recursive reader of the allow-listed subset (:data:`zo_core.slides.markup.MATH_COMMANDS`):
groups, ``^``/``_`` (Unicode super/subscripts when every character has one, else ``^(…)``),
``\\frac`` as ``a/b`` (parenthesised unless atomic), ``\\sqrt`` as ``√``, accents as combining marks,
font commands as their Mathematical Alphanumeric letters (𝔼, ℝ, 𝐱), spacing commands as spaces,
every other symbol from latex2mathml's unimathsymbols table. A formula the allow-list refuses is
returned as it was written (it is shown as code).
"""

from __future__ import annotations

import re
from pathlib import Path

from zo_core.slides.markup import math_problem

_SUP = dict(zip("0123456789+-=()niaeoxjkrstuvwlmhpdbcfgyzABDEGHIJKLMNOPRTUVW",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵉᵒˣʲᵏʳˢᵗᵘᵛʷˡᵐʰᵖᵈᵇᶜᶠᵍʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ"))
_SUP.update({"−": "⁻", "′": "′", "*": "*", "T": "ᵀ", "⊤": "ᵀ"})
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUB.update({"−": "₋", "β": "ᵦ", "γ": "ᵧ", "ρ": "ᵨ", "φ": "ᵩ", "χ": "ᵪ"})
_ACCENTS = {"bar": "\u0304", "overline": "\u0305", "hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303",
            "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308", "breve": "\u0306",
            "check": "\u030c", "underline": "\u0332"}
_SPACES = {",": "\u2009", ";": " ", ":": " ", "!": "", " ": " ", "quad": "\u2003", "qquad": "\u2003\u2003"}
_ESCAPED = {"{": "{", "}": "}", "%": "%", "#": "#", "&": "&", "_": "_", "|": "‖", "\\": "; "}
_FUNCTIONS = set("lim limsup liminf sup inf max min arg det dim ker deg Pr gcd exp log ln lg sin cos tan cot "
                 "sec csc arcsin arccos arctan sinh cosh tanh".split())
_IGNORED = set("left right big Big bigg Bigg bigl bigr Bigl Bigr limits nolimits displaystyle textstyle "
               "scriptstyle middle".split())
_TEXTS = set("text textbf textit mathrm operatorname mathit mathsf mathtt".split())
_ALPHABETS = {"mathbb": (0x1D538, {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"}),
              "mathcal": (0x1D49C, {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ",
                                    "R": "ℛ"}),
              "mathfrak": (0x1D504, {"C": "ℭ", "H": "ℌ", "I": "ℑ", "R": "ℜ", "Z": "ℨ"}),
              "mathbf": (0x1D400, {}), "boldsymbol": (0x1D400, {})}
_OVERRIDES = {"le": "≤", "ge": "≥", "ne": "≠", "to": "→", "gets": "←", "implies": "⟹", "iff": "⟺",
              "epsilon": "ϵ", "varepsilon": "ε", "phi": "ϕ", "varphi": "φ", "prime": "′", "lnot": "¬",
              "land": "∧", "lor": "∨", "mid": "|", "cdots": "⋯", "ldots": "…", "dots": "…", "top": "⊤"}
_SYMBOLS: dict[str, str] = {}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_])|(\s+)|(.)", re.S)


def _symbols() -> dict[str, str]:
    """``command -> character`` from the unimathsymbols table that ships with latex2mathml."""
    if not _SYMBOLS:
        from latex2mathml import symbols_parser
        for line in Path(symbols_parser.SYMBOLS_FILE).read_text(encoding="utf-8").splitlines():
            cols = line.split("^")
            if line.startswith("#") or len(cols) < 4:
                continue
            char = chr(int(cols[0], 16))
            for name in (cols[2], cols[3]):
                if re.fullmatch(r"\\[A-Za-z]+", name or ""):
                    _SYMBOLS.setdefault(name[1:], char)
        _SYMBOLS.update(_OVERRIDES)
    return _SYMBOLS


def _alphabet(kind: str, text: str) -> str:
    start, special = _ALPHABETS[kind]
    out = []
    for c in text:
        if c in special:
            out.append(special[c])
        elif "A" <= c <= "Z":
            out.append(chr(start + ord(c) - ord("A")))
        elif "a" <= c <= "z" and kind in ("mathbf", "boldsymbol", "mathfrak"):
            out.append(chr(start + 26 + ord(c) - ord("a")))
        else:
            out.append(c)
    return "".join(out)


class _Reader:
    def __init__(self, latex: str):
        self.tokens = [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in _TOKEN.finditer(latex)]
        self.i = 0

    def more(self) -> bool:
        return self.i < len(self.tokens)

    def take(self):
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def group(self) -> str:
        """One argument: a {group}, a command or a single character."""
        while self.more() and self.tokens[self.i][2]:
            self.i += 1
        if not self.more():
            return ""
        if self.tokens[self.i][1] == "{":
            self.i += 1
            return self.sequence(closing=True)
        return self.atom()

    def raw_group(self) -> str:
        """A {group}'s text as written (for \\text, \\mathrm, \\begin{env})."""
        if not self.more() or self.tokens[self.i][1] != "{":
            return self.group()
        self.i += 1
        depth, out = 1, []
        while self.more():
            command, special, space, char = self.take()
            if special == "{":
                depth += 1
            elif special == "}":
                depth -= 1
                if not depth:
                    break
            out.append(self.command(command) if command is not None else (special or space or char))
        return "".join(out)

    def atom(self) -> str:
        command, special, space, char = self.take()
        if space:
            return " "
        if char is not None:
            return {"-": "−", "*": "∗", "'": "′"}.get(char, char)
        if special in ("^", "_"):
            return self.script(special)
        if special == "{":
            return self.sequence(closing=True)
        if special == "}":
            return ""
        return self.command(command)

    def script(self, kind: str) -> str:
        arg = self.group().strip()
        table = _SUP if kind == "^" else _SUB
        if arg and all(c in table for c in arg):
            return "".join(table[c] for c in arg)
        if len(arg) == 1 or arg.isalnum():
            return kind + arg
        return f"{kind}({arg})"

    def command(self, name: str) -> str:
        if name in _SPACES:
            return _SPACES[name]
        if name in _ESCAPED:
            return _ESCAPED[name]
        if name in _IGNORED:
            return ""
        if name in ("frac", "dfrac", "tfrac", "binom"):
            top, bottom = self.group().strip(), self.group().strip()
            if name == "binom":
                return f"C({top}, {bottom})"
            return f"{_wrap(top)}/{_wrap(bottom)}"
        if name == "sqrt":
            arg = self.group().strip()
            return "√" + (arg if len(arg) == 1 else f"({arg})")
        if name in _ACCENTS:
            arg = self.group()
            return arg + _ACCENTS[name] if len(arg) == 1 else f"({arg}){_ACCENTS[name]}"
        if name in _TEXTS:
            return self.raw_group()
        if name in _ALPHABETS:
            return _alphabet(name, self.group())
        if name in ("overset", "stackrel", "underset"):
            above, base = self.group(), self.group()
            return f"{base}({above})" if above else base
        if name in ("overbrace", "underbrace", "substack"):
            return self.group()
        if name in ("begin", "end"):
            self.raw_group()
            return ""
        if name == "not":
            return self.group() + "\u0338"
        if name in _FUNCTIONS:
            return name
        return _symbols().get(name, name)

    def sequence(self, closing: bool = False) -> str:
        out = []
        while self.more():
            if closing and self.tokens[self.i][1] == "}":
                self.i += 1
                break
            out.append(self.atom())
        return "".join(out)


def _wrap(text: str) -> str:
    """``text`` as a fraction's operand: bare when atomic ("x", "2μ", "f(x)"), else in parentheses."""
    if re.fullmatch(r"[\w.′\u0300-\u036f]+(\([^()]*\))?", text) or re.fullmatch(r"\(.*\)", text) and \
            text.count("(") == 1:
        return text
    return f"({text})"


def linear_math(latex: str) -> str:
    """One formula in linear Unicode; a formula the allow-list refuses is returned as written."""
    if math_problem(latex):
        return latex
    text = _Reader(latex).sequence()
    text = re.sub(r"[ \t\u2009]*\u2009[ \t\u2009]*", "\u2009", text)     # "\," between spaces: one thin space
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\s*&\s*", " ", text).strip()
