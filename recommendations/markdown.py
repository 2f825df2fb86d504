"""User text is stored as Markdown and only ever shown through ``render_markdown``.

Rendering is bounded, because the text is anyone's and every page shows it: python-markdown
recurses once per level of list nesting (a 1,500-character "- - - - …" passes Python's recursion
limit) and some inputs make it quadratic (each unclosed ``[`` or ``<`` scans to the end of its
paragraph; each setext heading or rule line re-joins the rest of its block). Text that would
nest too deeply or cost too much is shown as escaped plain text with its line breaks instead:
cheap, linear checks decide before python-markdown sees it, and any exception while rendering
falls back the same way. ``markdown_problem`` gives the same verdict with a message, so the
rules (``recommendations/rules.py``) refuse such text when it is saved.
"""

import logging
import re
import threading
from functools import lru_cache
from html.parser import HTMLParser
from xml.etree import ElementTree as etree

import markdown as markdown_lib
import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.inlinepatterns import HTML_RE, InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

logger = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "blockquote",
    "code", "pre", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set(), "ol": {"start"}}
# A list whose items carry their own typed markers ("- a) …") shows no bullet of its own.
TYPED_MARKERS_CLASS = "typed-markers"
ALLOWED_CLASSES = {"ul": {TYPED_MARKERS_CLASS}}
ALLOWED_URL_SCHEMES = {"https", "mailto"}

MAX_NESTING = 8  # levels of lists and quotes a saved text may use
# Text saved before the limit may nest a little deeper and still be formatted; far beyond it,
# python-markdown (and WeasyPrint after it) would recurse too deep.
RENDER_MAX_NESTING = 2 * MAX_NESTING
MAX_RUN = 200  # the same punctuation character this many times in a row is never prose
# Characters python-markdown scans for unclosed brackets and block splits, per text; measured
# (bench/markdown.py) at 3 to 20 million a second, so this keeps the worst text near 0.3 s.
MAX_SCAN_WORK = 1_000_000

# Tags that nest when left open (``p`` and ``li`` close themselves; ``br`` and ``hr`` are void).
_NESTING_TAGS = sorted(ALLOWED_TAGS - {"p", "li", "br", "hr"}, key=len, reverse=True)
_HTML_TAG = re.compile(rf"<(/?)({'|'.join(_NESTING_TAGS)})\b[^<>]*>", re.IGNORECASE)
_MARKERS = re.compile(r"([ \t]*)(?:>|[-*+](?=\s|$)|\d{1,9}[.)](?=\s|$))")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# A line that ends a setext heading or is a rule: python-markdown splits its block there.
_SPLITTING_LINE = re.compile(r"^ {0,3}(?:=+|-+|(?:[-*_] *){3,})[ \t]*$", re.MULTILINE)
_PUNCTUATION_RUN = re.compile(rf"([^\w\s])\1{{{MAX_RUN - 1},}}")
# Runs far beyond the save rule's (old text): python-markdown handles each character of a run
# of backslashes or stars in Python, ~2 s for 60,000 of them; as plain text, milliseconds.
_RENDER_PUNCTUATION_RUN = re.compile(rf"([^\w\s])\1{{{5 * MAX_RUN - 1},}}")


def nesting_depth(text: str) -> int:
    """How deep lists and quotes nest, counted from the text, not by rendering it: per line,
    the ``>`` and list markers it opens with plus one level per four columns of indentation
    around them, and on top the deepest nesting of raw HTML tags. An upper bound: code blocks
    and sloppy HTML may count deeper than they render, never shallower."""
    deepest = 0
    for line in text.expandtabs(4).splitlines():
        levels = end = 0
        while match := _MARKERS.match(line, end):
            # Indentation is a level per four columns; after a marker, its one space is not.
            spaces = len(match.group(1)) - (1 if end else 0)
            levels, end = levels + 1 + max(spaces, 0) // 4, match.end()
        deepest = max(deepest, levels)
    return deepest + _html_depth(text)


def _html_depth(text: str) -> int:
    if "<" not in text:
        return 0
    depth = deepest = 0
    for match in _HTML_TAG.finditer(text):
        depth = max(depth - 1, 0) if match.group(1) else depth + 1
        deepest = max(deepest, depth)
    return deepest


def scan_work(text: str) -> int:
    """Roughly how many characters python-markdown will scan beyond a linear pass, counted in
    one linear pass: per paragraph, from each ``[`` to its matching ``]`` (and from ``](`` to
    its ``)``), from each ``<`` to the next ``>``, all to the paragraph's end when unclosed;
    plus the paragraph's length for each line that splits it (setext headings, rules)."""
    work = 0
    for block in _BLANK_LINE.split(text):
        if "[" in block:
            work += _bracket_work(block)
        if "<" in block:
            work += _angle_work(block)
        if "=" in block or "-" in block or "*" in block or "_" in block:
            work += len(_SPLITTING_LINE.findall(block)) * len(block)
        if work > MAX_SCAN_WORK:
            break
    return work


def _bracket_work(block: str) -> int:
    work, end = 0, len(block)
    opened: list[int] = []
    parens: list[int] = []
    closing_paren: dict[int, int] = {}
    link_starts: list[int] = []
    for i, char in enumerate(block):
        if char == "[":
            opened.append(i)
        elif char == "]" and opened:
            work += i - opened.pop()
            if block.startswith("(", i + 1):
                link_starts.append(i + 1)
        elif char == "(":
            parens.append(i)
        elif char == ")" and parens:
            closing_paren[parens.pop()] = i
    work += sum(end - start for start in opened)
    # A link's "(" scans to its ")", an unclosed one to the end of the paragraph.
    work += sum(closing_paren.get(start, end) - start for start in link_starts)
    return work


def _angle_work(block: str) -> int:
    work, next_close = 0, len(block)
    for i in range(len(block) - 1, -1, -1):
        char = block[i]
        if char == ">":
            next_close = i
        elif char == "<":
            work += next_close - i
    return work


def markdown_problem(text: str, *, max_nesting: int = MAX_NESTING) -> str | None:
    """Why this text cannot be shown formatted (a message for the person who typed it), or
    None. Linear in the length of the text."""
    if (depth := nesting_depth(text)) > max_nesting:
        return (
            f"This text nests lists or quotes {depth} levels deep; "
            f"at most {max_nesting} are allowed."
        )
    if scan_work(text) > MAX_SCAN_WORK:
        return (
            "This text has too many unclosed brackets ([ or <) or heading underlines to lay "
            "out. Close the brackets, or separate the lines with blank lines."
        )
    return None


def punctuation_run_problem(text: str) -> str | None:
    if match := _PUNCTUATION_RUN.search(text):
        run = re.match(rf"{re.escape(match.group(1))}+", text[match.start() :])
        length = len(run.group(0)) if run else MAX_RUN
        return (
            f"This text repeats “{match.group(1)}” {length:,} times in a row; "
            f"at most {MAX_RUN} are allowed."
        )
    return None


class _RawHtmlDropped(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:
        return "", m.start(0), m.end(0)


class NoRawHtml(Extension):
    """Raw HTML tags (and comments) in the text are dropped, the words between them kept.

    Left to nh3, a raw tag the allow-list keeps would still end up where the HTML parser put
    it: an unclosed ``<em>`` is re-opened inside every list after it, a ``<table>`` swallows
    the rest of the text, and the page is no longer valid HTML. Markdown is the only markup.
    """

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.register(_RawHtmlDropped(HTML_RE, md), "html", 90)


# A marker typed at the start of an item or line: "a)", "(a)", "a.", "iv)", "(3)", "3)".
TYPED_MARKER = re.compile(r"\(?(?:[A-Za-z]|[ivxlcdm]{1,6}|[IVXLCDM]{1,6}|\d{1,3})[.)](?=\s|$)")
_LIST_LINE = re.compile(r"(?:[-*+]|\d{1,9}\.)[ \t]+\S")


class _ListsInterruptParagraphs(Preprocessor):
    """A list typed straight after a line of text ("Actions:" then "- one") is a list, as it
    looks, not more words of that line's paragraph (python-markdown wants a blank line)."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        block_is_list = False  # the block (since the last blank line) began as a list
        for line in lines:
            previous = out[-1] if out else ""
            if not previous.strip():
                block_is_list = bool(_LIST_LINE.match(line))
            elif (
                _LIST_LINE.match(line)
                and not block_is_list
                and not previous[:1].isspace()
                and not previous.startswith((">", "#"))
            ):
                out.append("")
                block_is_list = True
            out.append(line)
        return out


class _TypedMarkerLists(Treeprocessor):
    """ "- a) …" items carry their own marker: the list gets no bullet too."""

    def run(self, root: etree.Element) -> None:
        for ul in root.iter("ul"):
            items = list(ul)
            if items and all(TYPED_MARKER.match(_first_text(li)) for li in items):
                ul.set("class", TYPED_MARKERS_CLASS)


def _first_text(element: etree.Element) -> str:
    text = (element.text or "").lstrip()
    if not text and len(element) and element[0].tag == "p":
        text = (element[0].text or "").lstrip()
    return text


class AsTyped(Extension):
    """Text prints as typed: a line break is a line break, a numbered list starts at the
    number typed, a list may follow a line of text directly, and items that carry their own
    marker ("a)", "(b)", "iv.") show that marker alone."""

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:
        md.preprocessors.register(_ListsInterruptParagraphs(md), "lists_interrupt", 25)
        md.treeprocessors.register(_TypedMarkerLists(md), "typed_markers", 15)


# A link in nh3's output: its attributes always double-quoted (a quote inside is &quot;), and
# links never nest, so the next </a> closes it.
_LINK = re.compile(r'<a((?:\s+[^\s=>]+="[^"]*")*)>(.*?)</a>', re.DOTALL)


def _link_or_its_text(match: re.Match[str]) -> str:
    """nh3 removes a refused URL (``javascript:``, ``http:``) but keeps the ``<a>``, which
    without ``href`` is not valid HTML: keep only its text."""
    return match.group(0) if ' href="' in match.group(1) else match.group(2)


def plain_text_html(text: str) -> SafeString:
    """The text escaped, with its paragraphs and line breaks: nothing in it is markup."""
    return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 -- escaped by linebreaks


def _rendered_depth(html: str) -> int:
    depth = deepest = 0
    for match in re.finditer(
        r"<(/?)(ul|ol|li|blockquote|table|tr|td|th|em|strong|b|i|u|a)\b", html
    ):
        depth = depth - 1 if match.group(1) else depth + 1
        deepest = max(deepest, depth)
    return deepest


_converters = threading.local()


def _converter() -> markdown_lib.Markdown:
    """This thread's converter, made once: setting up the parser and its extensions costs as
    much as converting a paragraph (an import compares hundreds of texts). ``reset()``
    before each text, as Python-Markdown documents for reuse."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown_lib.Markdown(
            extensions=["sane_lists", "nl2br", NoRawHtml(), AsTyped()],
            output_format="html",
            lazy_ol=False,  # "4." starts the list at 4
        )
    return converter


# A pure function of the text, and the same texts are shown again and again (every view of a
# review renders its responses and updates): cache the most recent few thousand.
@lru_cache(maxsize=4096)
def render_markdown(text: str) -> SafeString:
    """Markdown to HTML, then sanitised: raw HTML tags, scripts, event handlers, images and
    any URL other than https/mailto are removed, so nothing in a user's text can run or fetch.
    Never raises: text too deep or too costly to format is shown as plain text."""
    text = text or ""
    problem = markdown_problem(text, max_nesting=RENDER_MAX_NESTING)
    if problem is None and _RENDER_PUNCTUATION_RUN.search(text):
        problem = "a run of one punctuation character too long to format"
    if problem:
        logger.warning("Markdown shown as plain text (%s chars): %s", len(text), problem)
        return plain_text_html(text)
    try:
        html = _converter().reset().convert(text)
        cleaned = nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            allowed_classes=ALLOWED_CLASSES,
            url_schemes=ALLOWED_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    except Exception:  # RecursionError above all: whatever it was, the page must still show
        _converters.markdown = None  # left part-way through a text: start the next afresh
        logger.exception(
            "Markdown could not be rendered (%s chars); shown as plain text", len(text)
        )
        return plain_text_html(text)
    if _rendered_depth(cleaned) > 4 * RENDER_MAX_NESTING:
        return plain_text_html(text)
    cleaned = _LINK.sub(_link_or_its_text, cleaned)
    return mark_safe(cleaned)  # noqa: S308 -- sanitised by nh3 just above


class _PlainText(HTMLParser):
    """The words of sanitised HTML as lines of plain text: paragraphs and line breaks on
    their own lines, list items with their markers as typed ("4.", "a)", "-"), nested items
    indented, emphasis dropped, links as "text (address)"."""

    _BLOCKS = frozenset({"p", "li", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line = ""
        self.lists: list[list] = []  # [kind, next number] per open list
        self.href: list[str | None] = []
        self.link_text: list[str] = []
        self.cells = 0

    def _break(self) -> None:
        if self.line.strip():
            indent = "  " * max(len(self.lists) - 1, 0) if self.lists else ""
            self.lines.append(indent + self.line.strip())
        self.line = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self._BLOCKS or tag == "br":
            self._break()
        if tag in ("ul", "ol"):
            self._break()
            kind = "typed" if TYPED_MARKERS_CLASS in (values.get("class") or "") else tag
            start = values.get("start") or "1"
            self.lists.append([kind, int(start) if start.isdigit() else 1])
        elif tag == "li" and self.lists:
            kind, number = self.lists[-1]
            if kind == "ol":
                self.line = f"{number}. "
                self.lists[-1][1] = number + 1
            elif kind == "ul":
                self.line = "- "
        elif tag == "a":
            self.href.append(values.get("href"))
            self.link_text.append(self.line)
            self.line = ""
        elif tag in ("td", "th"):
            if self.cells:
                self.line += " | "
            self.cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self._break()
        if tag == "tr":
            self.cells = 0
        elif tag in ("ul", "ol") and self.lists:
            self._break()
            self.lists.pop()
        elif tag == "a" and self.href:
            href, words = self.href.pop(), self.line
            self.line = self.link_text.pop() + words
            address = (href or "").removeprefix("mailto:")
            if address and address != words.strip():
                self.line += f" ({address})"

    def handle_data(self, data: str) -> None:
        # Newlines in the HTML source are layout, not the text's: <br> and blocks break lines.
        self.line += data.replace("\n", "" if self.line.endswith(" ") else " ")

    def text(self) -> str:
        self._break()
        return "\n".join(self.lines)


def markdown_to_text(markdown_text: str) -> str:
    """A Markdown text as plain text for spreadsheets and CSV: what ``render_markdown`` shows,
    without markup (see ``_PlainText``); the HTML is sanitised first, so no raw HTML
    survives."""
    parser = _PlainText()
    parser.feed(str(render_markdown(markdown_text)))
    parser.close()
    return parser.text()
