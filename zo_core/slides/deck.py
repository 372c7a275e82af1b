"""The deck model and its parsers: lecture Markdown or deck JSON -> Deck, with bounds on what a deck may ask.

Every bad deck is a ValueError with a clear message, raised quickly: too many characters, items,
slides or figures, JSON nested too deep or holding huge integers. A bad figure directive is not an
error of the deck: it sets that figure's ``error`` and the slide shows a red box.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from zo_core import viz

# Bounds on what one deck may ask of a shared server (a lecture uses ~10 slides and 3 figures).
MAX_BYTES = 2_000_000        # deck JSON or lecture Markdown, in characters
MAX_ITEMS = 200              # items of a JSON deck
MAX_SLIDES = 300             # slides of a deck, however they were written
MAX_FIGURES = 60             # figure directives of a deck
MAX_DEPTH = 32               # nesting of JSON arrays/objects (a deck needs 4)
MAX_DIGITS = 20              # digits of a JSON integer
EXPORT_SECONDS = 120.0       # building every figure of one export


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


def _check_size(characters: int, source: str) -> None:
    if characters > MAX_BYTES:
        raise ValueError(f"{source}: {characters:,} characters is more than a deck may hold "
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
    _check_size(len(text), source)
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
    meta = {}
    if isinstance(items, dict):
        title = str(items.get("title") or title)
        meta = {k: str(items[k]) for k in ("author", "date") if isinstance(items.get(k), str) and items[k]}
        items = items.get("items", items.get("slides"))
    if not isinstance(items, list):
        raise ValueError(f"{source}: a deck is a JSON list of items, each {{\"figure\": ..., \"params\": {{...}}, "
                         f"\"caption\": ...}} or {{\"markdown\": ...}}")
    if len(items) > MAX_ITEMS:
        raise ValueError(f"{source}: {len(items)} items is more than a deck may hold ({MAX_ITEMS}); "
                         "split it into several decks")
    slides, characters = [], 0
    for i, item in enumerate(items, start=1):
        where = f"{source} item {i}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object, got {type(item).__name__}")
        characters += sum(len(v) for v in item.values() if isinstance(v, str))
        _check_size(characters, source)           # all items together, not only each one
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
        # a figure's slide title is short (its own title or name); the caption goes under the figure
        heading = str(item.get("title") or name.replace("_", " ").capitalize())
        slides.append(Slide(title=heading, blocks=[spec], where=where))
    return _check_counts(Deck(title=title, slides=slides, source=source, meta=meta))


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
    _check_size(len(text), source)
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
            items.extend(f.as_item() | ({"title": slide.title} if slide.title else {}) for f in slide.figures)
    return items


def item_label(item: dict) -> str:
    """A one-line description of a deck item, for lists."""
    if "markdown" in item:
        text = str(item["markdown"]).strip()
        m = re.search(r"^#{1,2}\s+(.+)$", text, re.M)
        first = m.group(1) if m else (text.splitlines() or ["(empty slide)"])[0]
        rest = text[m.end():] if m else "\n".join(text.splitlines()[1:])
        line = next((ln.strip() for ln in rest.splitlines() if ln.strip() and not ln.lstrip().startswith(
            (":::", "Note:", "---"))), "")         # the first line of its text: what the slide says
        return f"Slide: {first[:80]}" + (f" — {line[:80]}" if line else "")
    params = ", ".join(f"{k}={v}" for k, v in dict(item.get("params") or {}).items())
    caption = f" — {item['caption']}" if item.get("caption") else ""
    return f"Figure {item.get('figure')}({params}){caption}"
