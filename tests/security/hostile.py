"""Hostile deck text shared by the security tests: each payload, if it ever ran, would set a flag.

``window.__pwned`` gets the payload's number; the Chromium tests read it back after showing every
slide, hovering every element and clicking every link.
"""

from __future__ import annotations

import json

# Script in every shape a slide's text can carry: through math (\text, \href, \unicode, \style),
# raw HTML, Markdown links and images, and attempts to break out of attributes and of <math>.
HTML_PAYLOADS = [
    r"$\text{<script>window.__pwned=1</script>}$",
    r"$\text{<img src=x onerror=window.__pwned=2>}$",
    r"$\href{javascript:window.__pwned=3}{click}$",
    r"$\unicode{<script>window.__pwned=4</script>}$",
    r"$\style{background:url(javascript:window.__pwned=5)}{x}$",
    "<script>window.__pwned=6</script>",
    '<img src=x onerror="window.__pwned=7">',
    "[link](javascript:window.__pwned=8)",
    "<svg onload=window.__pwned=9></svg>",
    r"$$\text{</mtext></math><script>window.__pwned=10</script>}$$",
    '[t](http://127.0.0.1/ "$\\text{\\" onmouseover=window.__pwned=11 x=\\"}$")',
    "<a href=javascript:window.__pwned=12>x</a>",
    "![x](javascript:window.__pwned=13)",
    "[tab](java&#x09;script:window.__pwned=14)",
    "<iframe srcdoc='<script>parent.__pwned=15</script>'></iframe>",
    r"$\mathrm{<svg/onload=window.__pwned=16>}$",
    "\ue0000\ue001 ZQMATH0Q <details open ontoggle=window.__pwned=17>",
    r"$\text{<style>@import 'javascript:window.__pwned=18'</style>}$",
]


def html_deck() -> str:
    """A JSON deck with every payload in every text position: deck title, slide title, slide text,
    speaker note, figure caption, figure title, a figure name (its error box) and a markdown item;
    plus one legitimate figure, so the test also sees that the deck's own script still runs."""
    items = [{"figure": "landscape_contour", "params": {"landscape": "rosenbrock", "n": 21},
              "caption": " ".join(HTML_PAYLOADS[:9]), "title": " ".join(HTML_PAYLOADS[9:])}]
    for k, p in enumerate(HTML_PAYLOADS):
        items.append({"markdown": f"## {p}\n\nText {k}: {p}\n\n- item {p}\n\nNote: note {p}"})
        items.append({"figure": p, "caption": p, "title": p})        # an error box naming the figure
    return json.dumps({"title": "T " + HTML_PAYLOADS[0] + HTML_PAYLOADS[5], "items": items})


def lecture_markdown() -> str:
    """The payloads in a lecture file: front-matter title, headings, text, directive captions, notes."""
    parts = ['---\ntitle: "<script>window.__pwned=99</script>"\n---']
    for k, p in enumerate(HTML_PAYLOADS):
        caption = p.replace('"', "'")
        name = "landscape_contour n=21" if k == 0 else "no_such_figure"
        parts.append(f"# {p}\n\n{p}\n\n::: figure {name} caption=\"{caption}\"\n\nNote: {p}")
    return "\n\n---\n\n".join(parts) + "\n"


# TeX primitives that read files, write files, run commands or redefine the language.
TEX_ATTACKS = [r"\input{/etc/passwd}", r"\include{/etc/passwd}", r"\write18{touch pwned}",
               r"\immediate\write18{touch pwned}", r"\catcode`\^^M=13", r"\def\x{pwned}\x",
               r"\csname input\endcsname{/etc/passwd}", r"\openin5=/etc/passwd", r"\read5 to\x",
               r"^^5cinput{/etc/passwd}", r"\makeatletter\@@input /etc/passwd", r"\usepackage{verbatim}"]
TEX_DANGEROUS = ("input", "include", "write", "immediate", "catcode", "def", "edef", "gdef", "xdef",
                 "csname", "endcsname", "openin", "openout", "read", "makeatletter", "let", "newcommand",
                 "renewcommand", "expandafter", "usepackage", "verbatiminput", "lstinputlisting", "special")


def tex_deck() -> str:
    """Every TeX attack as text, as inline math, as display math, in titles, captions and notes."""
    items = []
    for a in TEX_ATTACKS:
        items.append({"markdown": f"## {a} ${a}$\n\nText {a} and ${a}$ and $${a}$$\n\n`{a}`\n\nNote: {a} ${a}$"})
        items.append({"figure": "no_such_figure", "caption": f"{a} ${a}$", "title": f"${a}$"})
    return json.dumps({"title": TEX_ATTACKS[0], "items": items})
