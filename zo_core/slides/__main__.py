"""CLI: ``python -m zo_core.slides LECTURE.md|DECK.json --format html|pdf|beamer|pptx -o DIR``.

Exit status 0 when every figure was drawn, 1 when some slides show an error box, 2 when nothing
was written (unreadable or refused deck, no Chromium for a static format).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zo_core.slides import FORMATS, export, filename, load

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
