"""Break opportunities in long unbroken runs of text, added to the parsed document just before
it is laid out, so they are in what is printed and nowhere else.

WeasyPrint 70 cuts a word too wide for its line (``overflow-wrap: anywhere``) by laying out
the whole rest of its text box again for every line it cuts: quadratic in the run's length.
An 8,000-character run (old text shown as plain text, a pasted hash, a row of "=") took 10-20
seconds of CPU per cell, and a review with three such cells ran past the render timeout. A
zero-width space every few characters of such a run gives Pango ordinary break points, found
in a short piece of text; a ``<wbr>`` every few hundred keeps each text box short, so even a
run of narrow characters (which defeats WeasyPrint's short-piece estimate) stays cheap. The
reader sees and copies the same characters: a zero-width space is not drawn, nor extracted.

Only the tree's text changes, never its markup, so escaping is untouched. Headings are left
alone (they are short, and name the PDF's bookmarks), as are scripts that shape across
characters or find their own breaks (Arabic, Indic, Thai, CJK): only Latin, Greek, Cyrillic,
digits, punctuation and symbols count towards a run.
"""

from __future__ import annotations

import re
import unicodedata
from xml.etree.ElementTree import Element

RUN_MIN = 60  # a shorter run keeps WeasyPrint's own wrapping (it may move to the next line)
EVERY = 4  # characters between break points: a line can end at most 3 short of its width
BOX = 500  # characters per text box in a run
ZWSP = "\u200b"
_SKIPPED = frozenset({"head", "title", "style", "script", "h1", "h2", "h3", "h4", "h5", "h6"})


def _run_characters() -> str:
    ranges = [(0x21, 0x52F), (0x1E00, 0x1FFF), (0x2010, 0x2BFF)]
    chars = [
        chr(code)
        for low, high in ranges
        for code in range(low, high + 1)
        if unicodedata.category(chr(code))[0] in "LNPS"  # not marks, spaces or format chars
    ]
    return "".join(re.escape(char) for char in [*chars, "\u00a0", "\u202f"])  # + no-break spaces


_RUN = re.compile(f"[{_run_characters()}]{{{RUN_MIN},}}")


def _pieces(text: str) -> list[str]:
    """The text with a zero-width space every ``EVERY`` characters of each long run, cut
    where a ``<wbr>`` goes (every ``BOX`` characters of a run)."""
    pieces = [""]
    end = 0
    for run in _RUN.finditer(text):
        pieces[-1] += text[end : run.start()]
        for start in range(run.start(), run.end(), BOX):
            if start > run.start():
                pieces.append("")
            box = text[start : min(start + BOX, run.end())]
            pieces[-1] += ZWSP.join(box[i : i + EVERY] for i in range(0, len(box), EVERY))
        end = run.end()
    pieces[-1] += text[end:]
    return pieces


def _split(text: str | None) -> list[str] | None:
    if text is None or len(text) < RUN_MIN:
        return None
    pieces = _pieces(text)
    return pieces if pieces != [text] else None


def _wbrs(pieces: list[str]) -> list[Element]:
    elements = []
    for piece in pieces:
        wbr = Element("wbr")
        wbr.tail = piece
        elements.append(wbr)
    return elements


def add_break_opportunities(element: Element) -> None:
    """Add break points to the long runs in the text of ``element`` and its descendants."""
    if not isinstance(element.tag, str) or element.tag in _SKIPPED:
        return
    if pieces := _split(element.text):
        element.text = pieces[0]
        element[0:0] = _wbrs(pieces[1:])
    for child in list(element):
        add_break_opportunities(child)
        if pieces := _split(child.tail):
            child.tail = pieces[0]
            index = list(element).index(child) + 1
            element[index:index] = _wbrs(pieces[1:])
