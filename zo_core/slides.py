"""Lecture Markdown and figure decks -> slides as HTML, PDF, Beamer (zip) or PowerPoint.

A lecture file (``lectures/<topic>.md``)::

    ---
    title: Gradient estimators
    page: pages/gradient_estimators.py
    ---
    # Finite differences
    Text with $\\mu$ inline and display math $$g_i = (f(x + \\mu e_i) - f(x)) / \\mu$$
    ::: figure landscape_contour landscape=rosenbrock n=81 caption="The banana valley"
    Note: speaker notes run from here to the end of the slide.
    ---
    ## Next slide

* slides are separated by a line holding only ``---`` (the optional front matter at the very top
  holds ``title:`` and ``page:``);
* the first ``#`` or ``##`` heading of a slide is its title; a line starting with ``Note:`` begins
  the speaker notes;
* ``::: figure NAME key=value ...`` draws the named ``zo_core.viz`` figure; each value is converted
  to the type of the figure's default (numbers, ``true``/``false``, bare or double-quoted strings);
  the extra key ``caption`` is shown under the figure.

A deck (JSON, what the Slides page saves) is a list of items, each either
``{"figure": NAME, "params": {...}, "caption": "..."}`` or ``{"markdown": "## A slide ..."}``.

A bad directive (unknown figure, unknown parameter, a value of the wrong type, a builder that
fails) never stops an export: that slide shows a red error box and :attr:`Deck.problems` lists
``file:line: message`` for each. Static formats (PDF, Beamer, PPTX) draw the figures with kaleido
in ONE headless Chromium (:class:`Chromium`), also used to print the PDF.

CLI: ``python -m zo_core.slides LECTURE.md|DECK.json --format html|pdf|beamer|pptx -o DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import html
import io
import json
import math
import os
import re
import shlex
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from html.parser import HTMLParser
from dataclasses import dataclass, field
from pathlib import Path

from zo_core import viz

FORMATS = {"html": ".html", "pdf": ".pdf", "beamer": ".zip", "pptx": ".pptx"}
IMAGE_WIDTH, IMAGE_HEIGHT = 820, 460     # CSS pixels of static figures: slide-sized fonts when scaled
# Bounds on what one deck may ask of a shared server (a lecture uses ~10 slides and 3 figures).
MAX_BYTES = 2_000_000        # deck JSON or lecture Markdown, in characters
MAX_ITEMS = 200              # items of a JSON deck
MAX_SLIDES = 300             # slides of a deck, however they were written
MAX_FIGURES = 60             # figure directives of a deck
MAX_DEPTH = 32               # nesting of JSON arrays/objects (a deck needs 4)
MAX_DIGITS = 20              # digits of a JSON integer
EXPORT_SECONDS = 120.0       # building every figure of one export
INSTALL_CHROMIUM = ("this export draws figures with kaleido, which needs a Chromium browser, and none was "
                    "found. Install it with `sudo apt-get install chromium` (Debian/Ubuntu) or "
                    "`kaleido_get_chrome`, or set BROWSER_PATH to a Chrome/Chromium executable.")


# --- the model ---------------------------------------------------------------------------

@dataclass
class FigureSpec:
    """One figure directive: a named viz figure, its converted parameters and where it was written."""
    name: str
    params: dict
    caption: str = ""
    where: str = ""        # "lectures/x.md:12" or "deck.json item 3"
    error: str = ""        # set when the directive cannot be drawn; the slide shows it in a red box

    def as_item(self) -> dict:
        return {"figure": self.name, "params": dict(self.params), "caption": self.caption}


@dataclass
class Slide:
    title: str
    blocks: list          # Markdown strings and FigureSpecs, in reading order
    notes: str = ""
    level: int = 2        # 1 for a '# ' title (a section opener), 2 otherwise
    where: str = ""
    raw: str = ""         # the slide's Markdown source (the Slides page keeps lecture slides as it)

    @property
    def figures(self) -> list[FigureSpec]:
        return [b for b in self.blocks if isinstance(b, FigureSpec)]

    @property
    def text(self) -> str:
        return "\n\n".join(b for b in self.blocks if isinstance(b, str))


@dataclass
class Deck:
    title: str
    slides: list[Slide]
    source: str = "deck"
    page: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def figures(self) -> list[FigureSpec]:
        return [f for s in self.slides for f in s.figures]

    @property
    def problems(self) -> list[str]:
        """``where: message`` for every figure that cannot be drawn (after :func:`build_figures`)."""
        return [f"{f.where}: {f.error}" for f in self.figures if f.error]

    @property
    def stem(self) -> str:
        return Path(self.source).stem or "deck"


# --- parsing -------------------------------------------------------------------------------

_SEPARATOR = re.compile(r"^---\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TITLE = re.compile(r"^(#{1,2})\s+(.*?)\s*#*\s*$")
_DIRECTIVE = re.compile(r"^:::\s*figure\b(.*)$")
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")


def _coerce(value, default, key: str, name: str):
    """``value`` (a directive string or a JSON value) as the type of the parameter's ``default``."""
    kind = type(default)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"parameter {key} of figure {name} expects true or false, got {value!r}")
    if isinstance(default, (int, float)):
        if isinstance(value, bool):
            raise ValueError(f"parameter {key} of figure {name} expects a number, got {value!r}")
        try:
            number = float(value) if kind is float else _integer(value)
        except (TypeError, ValueError, OverflowError):
            word = "an integer" if kind is int else "a number"
            raise ValueError(f"parameter {key} of figure {name} expects {word}, got {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"parameter {key} of figure {name} must be finite, got {value!r}")
        return number
    if isinstance(default, str):
        if isinstance(value, (dict, list)):
            raise ValueError(f"parameter {key} of figure {name} expects a string, got {value!r}")
        return str(value)
    return value


def _integer(value) -> int:
    number = float(value)
    if not math.isfinite(number) or number != int(number):
        raise ValueError("not an integer")
    return int(number)


def figure_spec(name: str, params: dict, *, caption: str = "", where: str = "") -> FigureSpec:
    """A FigureSpec with ``params`` converted to the figure's types; problems go to ``.error``."""
    spec = FigureSpec(name=name, params=dict(params), caption=caption, where=where)
    try:
        defaults = viz.parameters(name)
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            raise ValueError(f"figure {name} has no parameter {', '.join(unknown)}; "
                             f"it takes {', '.join(defaults)}")
        spec.params = {k: _coerce(v, defaults[k], k, name) for k, v in params.items()}
    except ValueError as err:
        spec.error = str(err)
    return spec


def parse_directive(args: str, *, where: str = "") -> FigureSpec:
    """``NAME key=value key="a string" ...`` (the text after ``::: figure``) -> FigureSpec."""
    try:
        words = shlex.split(args)
    except ValueError as err:
        return FigureSpec("", {}, where=where, error=f"cannot read the figure directive: {err}")
    if not words or "=" in words[0]:
        return FigureSpec("", {}, where=where, error="the figure directive names no figure "
                          "(write `::: figure NAME key=value ...`)")
    name, params, caption = words[0], {}, ""
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if not eq or not key:
            return FigureSpec(name, {}, where=where, error=f"expected key=value in the figure directive, got {word!r}")
        if key == "caption":
            caption = value
        else:
            params[key] = value
    return figure_spec(name, params, caption=caption, where=where)


def _front_matter(lines: list[str]) -> tuple[dict, int]:
    """(front matter keys, index of the first line after it); ({}, 0) when there is none."""
    if not lines or not _SEPARATOR.match(lines[0]):
        return {}, 0
    meta = {}
    for i in range(1, min(len(lines), 40)):
        if _SEPARATOR.match(lines[i]):
            return (meta, i + 1) if meta else ({}, 0)
        m = _FRONT_KEY.match(lines[i])
        if not m:
            if lines[i].strip():
                return {}, 0
            continue
        meta[m.group(1).lower()] = m.group(2).strip().strip('"').strip("'")
    return {}, 0


def _slide(lines: list[str], start: int, source: str) -> Slide | None:
    """One slide from its lines; ``start`` is the 1-based number of its first line in the file."""
    title, level, notes = "", 2, []
    blocks: list = []
    text: list[str] = []
    fenced = False
    for offset, line in enumerate(lines):
        number = start + offset
        if notes:
            notes.append(line)
            continue
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced:
            if line.startswith("Note:"):
                notes.append(line[len("Note:"):].strip())
                continue
            m = _TITLE.match(line)
            if m and not title:
                title, level = m.group(2), len(m.group(1))
                continue
            d = _DIRECTIVE.match(line.strip())
            if d:
                if "".join(text).strip():
                    blocks.append("\n".join(text).strip("\n"))
                text = []
                blocks.append(parse_directive(d.group(1), where=f"{source}:{number}"))
                continue
        text.append(line)
    if "".join(text).strip():
        blocks.append("\n".join(text).strip("\n"))
    note = "\n".join(notes).strip()
    if not (title or blocks or note):
        return None
    return Slide(title=title, blocks=blocks, notes=note, level=level, where=f"{source}:{start}",
                 raw="\n".join(lines).strip("\n"))


def _check_size(text: str, source: str) -> None:
    if len(text) > MAX_BYTES:
        raise ValueError(f"{source}: {len(text):,} characters is more than a deck may hold "
                         f"({MAX_BYTES:,}); split it into several decks")


def _check_counts(deck: "Deck") -> "Deck":
    if len(deck.slides) > MAX_SLIDES:
        raise ValueError(f"{deck.source}: {len(deck.slides)} slides is more than a deck may hold ({MAX_SLIDES}); "
                         "split it into several decks")
    if len(deck.figures) > MAX_FIGURES:
        raise ValueError(f"{deck.source}: {len(deck.figures)} figures is more than one export may draw "
                         f"({MAX_FIGURES}); split it into several decks")
    return deck


def parse_markdown(text: str, source: str = "lecture.md") -> Deck:
    """Parse lecture Markdown into a Deck (line numbers kept in every slide's and figure's ``where``).

    ValueError when the text exceeds :data:`MAX_BYTES`, :data:`MAX_SLIDES` or :data:`MAX_FIGURES`.
    """
    _check_size(text, source)
    lines = text.splitlines()
    meta, first = _front_matter(lines)
    chunks: list[tuple[int, list[str]]] = []
    current, start, fenced = [], first + 1, False
    for i in range(first, len(lines)):
        line = lines[i]
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and _SEPARATOR.match(line):
            chunks.append((start, current))
            current, start = [], i + 2
        else:
            current.append(line)
    chunks.append((start, current))
    slides = [s for s in (_slide(c, n, source) for n, c in chunks) if s is not None]
    title = meta.get("title") or next((s.title for s in slides if s.title), Path(source).stem)
    return _check_counts(Deck(title=title, slides=slides, source=source, page=meta.get("page", ""), meta=meta))


def parse_items(items, source: str = "deck.json", title: str = "ZO Lab deck") -> Deck:
    """A deck from a list of ``{figure, params, caption}`` / ``{markdown}`` items (ValueError if malformed)."""
    if isinstance(items, dict):
        title = str(items.get("title") or title)
        items = items.get("items", items.get("slides"))
    if not isinstance(items, list):
        raise ValueError(f"{source}: a deck is a JSON list of items, each {{\"figure\": ..., \"params\": {{...}}, "
                         f"\"caption\": ...}} or {{\"markdown\": ...}}")
    if len(items) > MAX_ITEMS:
        raise ValueError(f"{source}: {len(items)} items is more than a deck may hold ({MAX_ITEMS}); "
                         "split it into several decks")
    slides = []
    for i, item in enumerate(items, start=1):
        where = f"{source} item {i}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object, got {type(item).__name__}")
        if "markdown" in item:
            if not isinstance(item["markdown"], str):
                raise ValueError(f"{where}: 'markdown' must be a string")
            slides.extend(parse_markdown(item["markdown"], source=where).slides)
            if len(slides) > MAX_SLIDES:
                raise ValueError(f"{where}: the deck has more than {MAX_SLIDES} slides; split it into several decks")
            continue
        name, params, caption = item.get("figure"), item.get("params", {}), item.get("caption", "")
        if not isinstance(name, str) or not name:
            raise ValueError(f"{where}: needs \"figure\" (a figure name) or \"markdown\"")
        if not isinstance(params, dict):
            raise ValueError(f"{where}: 'params' must be an object of parameter values")
        if not isinstance(caption, str):
            raise ValueError(f"{where}: 'caption' must be a string")
        spec = figure_spec(name, params, caption=caption, where=where)
        heading = str(item.get("title") or caption or name.replace("_", " ").capitalize())
        slides.append(Slide(title=heading, blocks=[spec], where=where))
    return _check_counts(Deck(title=title, slides=slides, source=source))


def _json_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"an integer of {len(digits.lstrip('-'))} digits (at most {MAX_DIGITS})")
    return int(digits)


def _depth(value, limit: int) -> int:
    """Nesting depth of JSON ``value`` (iterative: a deep value must not exhaust Python's stack)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, (list, dict)):
            deepest = max(deepest, level)
            if deepest > limit:
                break
            todo.extend((v, level + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def read_json(text: str, source: str = "deck.json"):
    """The JSON value of a deck file, refused (ValueError) when too big, too deep or holding huge numbers."""
    _check_size(text, source)
    try:
        value = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as err:
        raise ValueError(f"{source}: not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from None
    except RecursionError:
        raise ValueError(f"{source}: JSON nested too deeply (a deck nests at most {MAX_DEPTH} levels)") from None
    except ValueError as err:
        raise ValueError(f"{source}: not a deck: {err}") from None
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise ValueError(f"{source}: JSON nested too deeply (a deck nests at most {MAX_DEPTH} levels)")
    return value


def parse_json(text: str, source: str = "deck.json") -> Deck:
    """A deck from JSON text (ValueError with the position for invalid JSON or a malformed deck)."""
    return parse_items(read_json(text, source), source=source)


def load(path: str | Path) -> Deck:
    """Read a lecture (``.md``) or a deck (``.json``)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return parse_json(text, source=str(path))
    return parse_markdown(text, source=str(path))


def deck_items(deck: Deck) -> list[dict]:
    """The deck as JSON items: ``{"markdown": ...}`` for lecture slides, ``{figure, params, caption}`` otherwise."""
    items = []
    for slide in deck.slides:
        if slide.raw:
            items.append({"markdown": slide.raw})
        else:
            items.extend(f.as_item() for f in slide.figures)
    return items


def item_label(item: dict) -> str:
    """A one-line description of a deck item, for lists."""
    if "markdown" in item:
        text = str(item["markdown"]).strip()
        m = re.search(r"^#{1,2}\s+(.+)$", text, re.M)
        first = m.group(1) if m else (text.splitlines() or ["(empty slide)"])[0]
        return f"Slide: {first[:80]}"
    params = ", ".join(f"{k}={v}" for k, v in dict(item.get("params") or {}).items())
    caption = f" — {item['caption']}" if item.get("caption") else ""
    return f"Figure {item.get('figure')}({params}){caption}"


# --- figures -------------------------------------------------------------------------------

def build_figures(deck: Deck, *, seconds: float = EXPORT_SECONDS) -> dict[int, "viz.go.Figure"]:
    """Build every drawable figure once: ``{id(spec): figure}``; failures set ``spec.error``.

    All figures together get ``seconds``: once they are spent, the remaining figures show an error
    box saying so instead of holding a server thread (each figure is bounded by viz's parameter bounds).
    """
    built = {}
    deadline = time.monotonic() + seconds
    for spec in deck.figures:
        if spec.error:
            continue
        if time.monotonic() > deadline:
            spec.error = (f"not drawn: this export's time budget ({seconds:g} s for all figures) is used up; "
                          "split the deck or lower the figures' sizes")
            continue
        try:
            built[id(spec)] = viz.build(spec.name, **spec.params)
        except Exception as err:  # a builder failing on odd parameters must not stop the export
            spec.error = f"figure {spec.name} failed: {err}"
    return built


# --- Markdown with math: one escaping discipline for HTML/MathML ---------------------------

# Deck text may come from anyone (a deck passed between instructors), so every formula passes an
# allow-list of LaTeX math commands before any converter sees it, and every piece of HTML we emit
# is re-serialised through an element/attribute allow-list with text escaped (by construction, not
# by filtering out known-bad strings).

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
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
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


def _markdown():
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
        value = _PLACEHOLDER.sub(lambda m: self.formulas[int(m.group(1))][0], value or "")
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
        pieces = _PLACEHOLDER.split(data)
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
    return sanitise(_markdown().renderInline(body), _TEXT_TAGS, formulas)


def markdown_html(text: str) -> str:
    """Markdown with ``$`` math -> safe HTML with MathML (a formula alone in a paragraph stands alone)."""
    body, formulas = protect_math(text)
    out = re.sub(f"<p>({_OPEN}\\d+{_CLOSE})</p>", r"\1", _markdown().render(body))
    return sanitise(out, _TEXT_TAGS, formulas)


# --- HTML ----------------------------------------------------------------------------------

_CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: #fff; color: #111;
  font-family: "DejaVu Sans", Arial, sans-serif; }
.slide { display: none; flex-direction: column; width: 100vw; height: 100vh; padding: 2.5vh 4vw 4vh; }
.slide.active { display: flex; }
.slide h1, .slide h2.title { margin: 0 0 1.5vh; color: #0072B2; }
.slide h1 { font-size: 5vh; } .slide h2.title { font-size: 4.2vh; }
.slide.opener { justify-content: center; } .slide.opener h1 { font-size: 7vh; }
.text { font-size: 2.6vh; line-height: 1.35; flex: 0 1 auto; overflow: auto; }
.text p { margin: 0.6em 0; } .text math[display=block] { margin: 0.5em 0; font-size: 1.15em; }
.figures { display: flex; gap: 2vw; flex: 1 1 0; min-height: 30vh; }
.figure-box { flex: 1 1 0; min-width: 0; display: flex; flex-direction: column; }
.figure { flex: 1 1 0; min-height: 0; }
.figure img { width: 100%; height: 100%; object-fit: contain; object-position: center top; }
.caption { font-size: 2vh; color: #444; text-align: center; margin-top: 0.5vh; }
.figure-error { border: 3px solid #D55E00; background: #fff0e8; color: #8a2b00; padding: 1em;
  font-family: monospace; font-size: 2vh; white-space: pre-wrap; }
.notes { display: none; }
body.show-notes .notes { display: block; font-size: 2vh; background: #ffffe0; padding: 0.5em; }
#counter { position: fixed; right: 1.5vw; bottom: 1vh; font-size: 1.8vh; color: #777; }
"""

_JS = """
const figs = JSON.parse(document.getElementById('zo-figures').textContent);
const slides = Array.from(document.querySelectorAll('section.slide'));
let current = 0;
function draw(slide) {
  slide.querySelectorAll('div.figure[data-fig]').forEach(div => {
    if (div.dataset.drawn) return;
    const f = figs[+div.dataset.fig];
    Plotly.newPlot(div, f.data, f.layout, {responsive: true, displaylogo: false});
    div.dataset.drawn = '1';
  });
}
function release(slide) {
  // 3-D figures hold a WebGL context each and browsers allow only a few: free them on leaving.
  slide.querySelectorAll('div.figure[data-drawn]').forEach(div => {
    if (div._fullLayout && div._fullLayout._has('gl3d')) { Plotly.purge(div); delete div.dataset.drawn; }
  });
}
function show(i) {
  i = Math.max(0, Math.min(slides.length - 1, i));
  if (i !== current) release(slides[current]);
  slides[current].classList.remove('active');
  current = i;
  slides[current].classList.add('active');
  draw(slides[current]);
  document.getElementById('counter').textContent = (current + 1) + ' / ' + slides.length;
  history.replaceState(null, '', '#' + (current + 1));
}
document.addEventListener('keydown', e => {
  if (['ArrowRight', 'ArrowDown', 'PageDown', ' '].includes(e.key)) show(current + 1);
  else if (['ArrowLeft', 'ArrowUp', 'PageUp'].includes(e.key)) show(current - 1);
  else if (e.key === 'Home') show(0);
  else if (e.key === 'End') show(slides.length - 1);
  else if (e.key === 'n') document.body.classList.toggle('show-notes');
  else return;
  e.preventDefault();
});
if (slides.length) show((parseInt(location.hash.slice(1)) || 1) - 1);
"""


def _error_box(spec: FigureSpec) -> str:
    return f'<div class="figure-error" role="alert">{html.escape(spec.where)}: {html.escape(spec.error)}</div>'


def _slide_html(slide: Slide, index: int, figure_html) -> str:
    """One <section>; ``figure_html(spec)`` draws a figure (a live Plotly div or a static image)."""
    parts = []
    if slide.title:
        tag = "h1" if slide.level == 1 else 'h2 class="title"'
        parts.append(f"<{tag}>{inline_html(slide.title)}</{tag.split()[0]}>")
    row: list[str] = []

    def flush():
        if row:
            parts.append('<div class="figures">' + "".join(row) + "</div>")
            row.clear()

    for block in slide.blocks:
        if isinstance(block, str):
            flush()
            parts.append(f'<div class="text">{markdown_html(block)}</div>')
        else:
            caption = f'<div class="caption">{inline_html(block.caption)}</div>' if block.caption else ""
            inner = _error_box(block) if block.error else figure_html(block)
            row.append(f'<div class="figure-box">{inner}{caption}</div>')
    flush()
    if slide.notes:
        parts.append(f'<aside class="notes">{markdown_html(slide.notes)}</aside>')
    opener = " opener" if slide.level == 1 and not slide.blocks else ""
    return f'<section class="slide{opener}" id="slide-{index + 1}">' + "\n".join(parts) + "</section>"


def content_security_policy(scripts=()) -> str:
    """A CSP that runs only ``scripts`` (the deck's own inline code, by sha256) and loads nothing remote.

    Styles stay inline (Plotly sets them from its own code); no 'unsafe-inline' for scripts, so a
    script, an event handler or a javascript: link that reached the page anyway does not run.
    """
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
                      for code in scripts) or "'none'"
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data: blob:; "
            "font-src data:; base-uri 'none'; form-action 'none'; object-src 'none'; frame-src 'none'")


def _page(title: str, sections: list[str], *, css: str = "", scripts=(), data: str = "") -> str:
    """The HTML document: CSP first in <head>, then the slides, the figure JSON and the deck's ``scripts``."""
    csp = html.escape(content_security_policy(scripts), quote=True)
    tail = "".join(f"<script>{code}</script>" for code in scripts)
    if data:
        tail = f'<script type="application/json" id="zo-figures">{data}</script>' + tail
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style>{css}</head>\n<body>\n"
            + "\n".join(sections) + f"\n{tail}</body></html>\n")


def to_html(deck: Deck) -> str:
    """One self-contained HTML file: inline plotly.js, MathML, arrow keys, notes hidden (key n shows them)."""
    from plotly.offline import get_plotlyjs
    import plotly.io as pio

    built = build_figures(deck)
    specs: list[str] = []

    def live(spec: FigureSpec) -> str:
        fig = built[id(spec)]
        layout = fig.layout.to_plotly_json()
        for size in ("height", "width"):     # the slide's CSS sizes the figure
            layout.pop(size, None)
        specs.append(pio.to_json({"data": fig.to_plotly_json()["data"], "layout": layout | {"autosize": True}},
                                 validate=False))
        return f'<div class="figure" data-fig="{len(specs) - 1}"></div>'

    sections = [_slide_html(s, i, live) for i, s in enumerate(deck.slides)]
    data = ("[" + ",".join(specs) + "]").replace("</", "<\\/")
    sections.append('<div id="counter"></div>')
    return _page(deck.title, sections, scripts=(get_plotlyjs(), _JS), data=data)


# --- one Chromium for every static image and PDF page ---------------------------------------

def chromium_path() -> str | None:
    """The Chromium/Chrome executable kaleido will use, or None."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


class ChromiumMissing(RuntimeError):
    pass


class Chromium:
    """One headless Chromium through kaleido: figure images (svg/pdf/png) and HTML printed to PDF.

    Use as a context manager; the browser starts once and serves every call (kaleido's own
    ``start_sync_server`` cannot print pages, so this runs kaleido's event loop in a thread).
    """

    def __init__(self, timeout: float = 120):
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> "Chromium":
        path = chromium_path()
        if path is None:
            raise ChromiumMissing(INSTALL_CHROMIUM)
        os.environ["BROWSER_PATH"] = path     # where choreographer (kaleido's driver) looks first
        import kaleido
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        try:
            self._kaleido = self._run(self._open(kaleido))
        except Exception as err:
            self._stop_loop()
            raise ChromiumMissing(f"Chromium at {path} did not start ({err}); {INSTALL_CHROMIUM}") from err
        return self

    async def _open(self, kaleido):
        k = kaleido.Kaleido(mathjax=False)    # no MathJax: it would come from a CDN
        await k.open()
        return k

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout)

    def image(self, fig, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
        """The figure as ``fmt`` ("svg", "pdf" or "png") bytes."""
        try:
            return self._run(self._kaleido.calc_fig(fig, opts=dict(format=fmt, width=width, height=height,
                                                                    scale=scale)))
        except Exception as err:   # kaleido/choreographer errors, timeouts: one clear type for callers
            raise RuntimeError(f"Chromium could not draw a figure as {fmt}: {err!r}") from err

    def print_pdf(self, page_html: str) -> bytes:
        """Print an HTML page (its @page CSS sets the paper) to PDF bytes."""
        with tempfile.TemporaryDirectory() as tmp:
            file = Path(tmp) / "deck.html"
            file.write_text(page_html, encoding="utf-8")
            return self._run(self._print(file.as_uri()))

    async def _print(self, url: str) -> bytes:
        tab = await self._kaleido.create_tab("")
        try:
            await tab.send_command("Page.enable")
            # The printed page is deck content: it runs no script at all (its CSP says so too).
            await tab.send_command("Emulation.setScriptExecutionDisabled", params={"value": True})
            loaded = tab.subscribe_once("Page.loadEventFired")
            await tab.send_command("Page.navigate", params={"url": url})
            await loaded
            reply = await tab.send_command("Page.printToPDF", params={"printBackground": True,
                                                                       "preferCSSPageSize": True})
            if "error" in reply:
                raise RuntimeError(f"Chromium could not print the deck: {reply['error']}")
            return base64.b64decode(reply["result"]["data"])
        finally:
            await self._kaleido.close_tab(tab.target_id)

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __exit__(self, *exc) -> None:
        try:
            self._run(self._kaleido.close())
        finally:
            self._stop_loop()


def _with_browser(render, deck: Deck, browser: Chromium | None, *, always: bool = False) -> bytes:
    """``render(deck, browser)``, starting a Chromium only when one is needed (``always``: to print pages)."""
    if browser is not None or not (always or any(not f.error for f in deck.figures)):
        return render(deck, browser)
    with Chromium() as b:
        return render(deck, b)


# --- PDF: the slides as HTML pages with SVG figures, printed by Chromium ---------------------

_PRINT_CSS = """<style>
@page { size: 13.333in 7.5in; margin: 0; }
.slide { display: flex !important; width: 13.333in; height: 7.5in; overflow: hidden;
  page-break-after: always; break-after: page; padding: 0.35in 0.55in 0.45in; }
.slide:last-of-type { page-break-after: auto; break-after: auto; }
.text { font-size: 20px; overflow: hidden; } .slide h1 { font-size: 40px; } .slide h2.title { font-size: 32px; }
.slide.opener h1 { font-size: 52px; } .caption { font-size: 15px; } .figure-error { font-size: 15px; }
.figures { min-height: 2.5in; }
</style>"""


def to_pdf(deck: Deck, *, browser: Chromium | None = None) -> bytes:
    """One slide a page (16:9), figures as vector SVG drawn by kaleido, printed by the same Chromium."""
    return _with_browser(_render_pdf, deck, browser, always=True)


def _render_pdf(deck: Deck, browser: Chromium) -> bytes:
    built = build_figures(deck)

    def svg(spec: FigureSpec) -> str:
        data = browser.image(built[id(spec)], "svg", width=IMAGE_WIDTH, height=IMAGE_HEIGHT)
        return f'<div class="figure"><img alt="{html.escape(spec.name)}" ' \
               f'src="data:image/svg+xml;base64,{base64.b64encode(data).decode()}"></div>'

    sections = [_slide_html(s, i, svg) for i, s in enumerate(deck.slides)]
    return browser.print_pdf(_page(deck.title, sections, css=_PRINT_CSS))    # no scripts: CSP runs none


# --- Beamer: a .tex file and vector PDF figures in a zip --------------------------------------

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


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def tex_escape(text: str) -> str:
    """Plain text -> LaTeX (special characters escaped, Unicode symbols as commands pdflatex knows)."""
    out = "".join(_TEX_SPECIAL.get(c, c) for c in _CONTROL.sub("", text))
    return "".join(c if c.isascii() else _unicode_tex(c) for c in out)


def _inline_tex(children, formulas) -> str:
    out = []
    for tok in children or []:
        t = tok.type
        if t == "text":
            pieces = _PLACEHOLDER.split(tok.content)
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
    tokens = _markdown().parseInline(body)
    return _inline_tex(tokens[0].children if tokens else [], formulas)


def markdown_tex(text: str) -> str:
    """Markdown with ``$`` math -> LaTeX body text (lists, emphasis, code, links, tables as rows)."""
    body, formulas = protect_math(text)
    out = []
    for tok in _markdown().parse(body):
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
    """A zip with ``<stem>.tex`` (beamer, pdflatex) and ``figures/figN.pdf`` (vector, via kaleido)."""
    return _with_browser(_render_beamer, deck, browser)


def _render_beamer(deck: Deck, browser: Chromium) -> bytes:
    built = build_figures(deck)
    files: dict[str, bytes] = {}
    frames = []
    for slide in deck.slides:
        body = []
        figures = [b for b in slide.blocks if isinstance(b, FigureSpec)]
        width = 0.98 / max(1, len(figures))
        height = "0.42" if slide.text.strip() else "0.72"
        row: list[str] = []

        def flush():
            if row:
                body.append("\\begin{center}\n" + "\\hfill\n".join(row) + "\\end{center}\n")
                row.clear()

        for block in slide.blocks:
            if isinstance(block, str):
                flush()
                body.append(markdown_tex(block))
                continue
            if block.error:
                row.append("\\fcolorbox{red}{red!8}{\\parbox{0.9\\linewidth}{\\small\\ttfamily "
                           + tex_escape(f"{block.where}: {block.error}") + "}}\n")
                continue
            name = f"figures/fig{len(files) + 1}.pdf"
            files[name] = browser.image(built[id(block)], "pdf", width=IMAGE_WIDTH, height=IMAGE_HEIGHT)
            cap = f"\\\\ {{\\scriptsize {inline_tex(block.caption)}}}" if block.caption else ""
            row.append(f"\\begin{{minipage}}{{{width:.2f}\\linewidth}}\\centering\n"
                       f"\\includegraphics[width=\\linewidth,height={height}\\textheight,keepaspectratio]"
                       f"{{{name}}}{cap}\n\\end{{minipage}}\n")
        flush()
        title = inline_tex(slide.title) if slide.title else ""
        note = f"\\note{{{markdown_tex(slide.notes)}}}\n" if slide.notes else ""
        frames.append(f"% {tex_escape(slide.where)}\n\\begin{{frame}}{{{title}}}\n" + "".join(body) + note + "\\end{frame}\n")
    tex = (_TEX_HEAD + f"\\title{{{tex_escape(deck.title)}}}\n\\begin{{document}}\n\n"
           + "\n".join(frames) + "\n\\end{document}\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{deck.stem}.tex", tex)
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


# --- PowerPoint ----------------------------------------------------------------------------

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
    return _PLACEHOLDER.sub(lambda m: plain_math(formulas[int(m.group(1))][0]), body)


def _paragraphs(text: str) -> list[tuple[int, list[tuple[str, bool, bool, bool]]]]:
    """Markdown -> [(list level, [(text, bold, italic, code)])] for PowerPoint text frames."""
    body, formulas = protect_math(text)
    paras, level, bold, italic = [], 0, False, False
    for tok in _markdown().parse(body):
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
                    content = _PLACEHOLDER.sub(lambda m: plain_math(formulas[int(m.group(1))][0]), c.content)
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
    return _CONTROL.sub("", text)


def to_pptx(deck: Deck, *, browser: Chromium | None = None) -> bytes:
    """A 16:9 PowerPoint file: one slide per slide, figures as PNG (kaleido), notes in the notes pane."""
    return _with_browser(_render_pptx, deck, browser)


def _render_pptx(deck: Deck, browser: Chromium) -> bytes:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    built = build_figures(deck)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    layout = prs.slide_layouts[5]        # "Title Only"
    for slide in deck.slides:
        page = prs.slides.add_slide(layout)
        page.shapes.title.text = _pptx(plain_text(slide.title))
        page.shapes.title.left, page.shapes.title.top = Inches(0.5), Inches(0.3)
        page.shapes.title.width, page.shapes.title.height = Inches(12.3), Inches(1.0)
        figures, text = slide.figures, slide.text.strip()
        top, bottom = Inches(1.4), Inches(7.2)
        fig_left = Inches(0.5)
        if text:
            width = Inches(5.2) if figures else Inches(12.3)
            box = page.shapes.add_textbox(Inches(0.5), top, width, bottom - top)
            frame = box.text_frame
            frame.word_wrap = True
            first, size = True, Pt(18 if len(text) < 500 else 15 if len(text) < 1000 else 12)
            for level, runs in _paragraphs(text):
                p = frame.paragraphs[0] if first else frame.add_paragraph()
                first = False
                p.level = min(level, 4)
                for content, bold, italic, code in runs:
                    r = p.add_run()
                    r.text = _pptx(content)
                    r.font.size, r.font.bold, r.font.italic = size, bold, italic
                    if code:
                        r.font.name = "DejaVu Sans Mono"
            fig_left = Inches(5.9) if figures else fig_left
        if figures:
            area_w = Inches(13.333 - 0.5) - fig_left
            each = int(area_w / len(figures))
            for k, spec in enumerate(figures):
                left = fig_left + k * each
                if spec.error:
                    box = page.shapes.add_textbox(left, top, each - Inches(0.1), Inches(2))
                    box.text_frame.word_wrap = True
                    run = box.text_frame.paragraphs[0].add_run()
                    run.text = _pptx(f"{spec.where}: {spec.error}")
                    run.font.size, run.font.color.rgb = Pt(14), RGBColor(0xD5, 0x5E, 0x00)
                    continue
                png = browser.image(built[id(spec)], "png", width=IMAGE_WIDTH, height=IMAGE_HEIGHT, scale=2)
                height = min(bottom - top - Inches(0.4), int((each - Inches(0.1)) * IMAGE_HEIGHT / IMAGE_WIDTH))
                page.shapes.add_picture(io.BytesIO(png), left, top, height=height)
                if spec.caption:
                    cap = page.shapes.add_textbox(left, top + height, each - Inches(0.1), Inches(0.4))
                    run = cap.text_frame.paragraphs[0].add_run()
                    run.text, run.font.size = _pptx(plain_text(spec.caption)), Pt(12)
        if slide.notes:
            page.notes_slide.notes_text_frame.text = _pptx(slide.notes)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# --- export and CLI ------------------------------------------------------------------------

def export(deck: Deck, fmt: str, *, browser: Chromium | None = None) -> bytes:
    """The deck in ``fmt`` ("html", "pdf", "beamer" or "pptx") as bytes."""
    if fmt == "html":
        return to_html(deck).encode("utf-8")
    renders = {"pdf": to_pdf, "beamer": to_beamer, "pptx": to_pptx}
    if fmt not in renders:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renders[fmt](deck, browser=browser)


def filename(deck: Deck, fmt: str) -> str:
    return deck.stem + FORMATS[fmt]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zo_core.slides",
                                     description="Export a lecture (.md) or a deck (.json) as slides.")
    parser.add_argument("source", help="lectures/<topic>.md or a deck .json saved by the Slides page")
    parser.add_argument("--format", "-f", choices=list(FORMATS), default="html")
    parser.add_argument("-o", "--out", default=".", help="output directory (created if missing)")
    args = parser.parse_args(argv)
    try:
        deck = load(args.source)
        data = export(deck, args.format)
    except (OSError, ValueError, RuntimeError) as err:      # ChromiumMissing is a RuntimeError
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename(deck, args.format)
    path.write_bytes(data)
    print(f"wrote {path} ({len(deck.slides)} slides, {len(deck.figures)} figures)")
    for problem in deck.problems:
        print(f"{problem}", file=sys.stderr)
    if deck.problems:
        print(f"error: {len(deck.problems)} figure(s) could not be drawn; their slides show an error box",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
