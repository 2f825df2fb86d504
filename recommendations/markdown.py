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
from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.inlinepatterns import HTML_RE, InlineProcessor

logger = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "blockquote",
    "code", "pre", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}
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
        html = markdown_lib.markdown(
            text, extensions=["sane_lists", NoRawHtml()], output_format="html"
        )
        cleaned = nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    except Exception:  # RecursionError above all: whatever it was, the page must still show
        logger.exception(
            "Markdown could not be rendered (%s chars); shown as plain text", len(text)
        )
        return plain_text_html(text)
    if _rendered_depth(cleaned) > 4 * RENDER_MAX_NESTING:
        return plain_text_html(text)
    cleaned = _LINK.sub(_link_or_its_text, cleaned)
    return mark_safe(cleaned)  # noqa: S308 -- sanitised by nh3 just above
