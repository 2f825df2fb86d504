import time

import pytest

from recommendations.markdown import (
    RENDER_MAX_NESTING,
    markdown_problem,
    markdown_to_text,
    nesting_depth,
    render_markdown,
)


def test_paragraphs_and_lists_survive():
    html = render_markdown("First paragraph.\n\nSecond:\n\n- one\n- two")
    assert html.count("<p>") == 2
    assert "<li>one</li>" in html and "<li>two</li>" in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="http://127.0.0.1:9/x">http link</a>',
        '<iframe src="file:///etc/passwd"></iframe>',
        "![img](file:///etc/passwd)",
        '<svg onload="alert(1)"></svg>',
        '<p style="background:url(http://evil)">styled</p>',
        '<link rel="stylesheet" href="http://evil/x.css">',
    ],
)
def test_nothing_that_can_run_or_fetch_survives(hostile):
    html = render_markdown(f"Before {hostile} after")
    for forbidden in ["<script", "onerror", "onload", "javascript:", "<iframe", "<img", "file:",
                      "http:", "style=", "<link", "<svg"]:  # fmt: skip
        assert forbidden not in html.lower()
    assert "Before" in html and "after" in html


def test_https_links_are_kept_and_marked_nofollow():
    html = render_markdown("[report](https://example.org/report)")
    assert 'href="https://example.org/report"' in html
    assert "nofollow" in html


# Pathological text, as a clerk could type it or as it may already sit in the database: every
# variant renders (never raises), quickly, and as escaped text when it cannot be formatted.
# bench/markdown.py prints the times before and after for each.
def _repeat(unit: str, length: int = 60_000) -> str:
    return (unit * (length // len(unit) + 1))[:length]


PATHOLOGICAL = {
    "nested list markers": "- " * 750 + "x",
    "nested star markers": "* " * 750 + "x",
    "nested numbered markers": "1. " * 500 + "x",
    "nested quotes": "> " * 750 + "x",
    "quotes without spaces": ">" * 1500 + " x",
    "quotes in lists": "> - " * 375 + "x",
    "indented lists": "".join("    " * level + "- x\n" for level in range(40)),
    "raw nested lists": "<ul><li>" * 1000 + "x",
    "raw nested quotes": "<blockquote>" * 1000 + "x",
    "raw nested emphasis": "<b><i>" * 3000,
    "unclosed brackets": _repeat("["),
    "empty links left open": _repeat("[]("),
    "links left open": _repeat("[a]("),
    "images left open": _repeat("!["),
    "nested brackets": "[" * 30_000 + "]" * 30_000,
    "unclosed angle brackets": _repeat("<a "),
    "unclosed autolinks": _repeat("<http://"),
    "setext underlines": _repeat("a\n=\n"),
    "rules without blank lines": _repeat("a\n---\n"),
    "emphasis runs": _repeat("*"),
    "underscore runs": _repeat("_a"),
    "backslashes": _repeat("\\"),
    "long link references": "".join(f"[{i}]: https://example.org/{i}\n" for i in range(1500))
    + "".join(f"[a][{i}] " for i in range(1500)),
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_text_renders_quickly_and_never_raises(text):
    render_markdown.cache_clear()
    started = time.thread_time()
    html = render_markdown(text)
    # Minutes before; the point is "not minutes", so the bound is loose (figures: bench/). The
    # CPU time of this thread, which other work on a loaded machine does not stretch (much of
    # python-markdown's work is in regular expressions, which no count of calls would see).
    assert time.thread_time() - started < 5
    assert "<script" not in html
    assert html.count("<ul>") <= 4 * RENDER_MAX_NESTING
    assert html.count("<blockquote>") <= 4 * RENDER_MAX_NESTING


@pytest.mark.parametrize(
    "text", ["- " * 750 + "<b>x</b>", "[" * 30_000 + "<script>", "> " * 100 + "a & b"]
)
def test_text_too_deep_or_costly_is_shown_escaped_with_its_line_breaks(text):
    html = render_markdown(text + "\n\nlast line")
    assert "&lt;" in html or "&amp;" in html
    assert "<b>" not in html and "<script" not in html
    assert html.startswith("<p>") and "last line</p>" in html


def test_a_failure_inside_the_renderer_shows_the_text_as_plain_text(monkeypatch):
    def recurse(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    with monkeypatch.context() as patched:
        patched.setattr("recommendations.markdown.markdown_lib.Markdown.convert", recurse)
        render_markdown.cache_clear()
        try:
            assert (
                render_markdown("**still shown** <here>") == "<p>**still shown** &lt;here&gt;</p>"
            )
        finally:
            render_markdown.cache_clear()
    # The converter left part-way is not reused: the next text is formatted.
    assert render_markdown("**bold**") == "<p><strong>bold</strong></p>"


@pytest.mark.parametrize(
    "text",
    [
        "- one\n    - two\n        - three",
        "> quoted\n>\n> > twice",
        "[a link](https://example.org/a) and [another](https://example.org/(b))",
        "Heading\n=======\n\nText\n\n---\n\nMore",
        "a < b and c > d, [1] and [2]",
    ],
)
def test_ordinary_nesting_links_and_headings_are_still_formatted(text):
    render_markdown.cache_clear()
    assert markdown_problem(text) is None
    assert "<p>" in render_markdown(text) or "<ul>" in render_markdown(text)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("plain text", 0),
        ("- one", 1),
        ("- - - x", 3),
        ("> > x", 2),
        (">>>x", 3),
        ("1. 2) - x", 3),
        ("- a\n    - b\n        - c\n            - d", 4),
        ("\t\t- tabbed", 3),
        ("> - a\n>     - b", 3),
        ("<ul><li><ul><li>x</li></ul></li></ul>", 2),
        ("<blockquote><blockquote>x</blockquote></blockquote> - not a marker", 2),
        ("-not a marker, nor 2.5 or >", 0),
    ],
)
def test_nesting_is_counted_from_markers_indentation_and_tags(text, depth):
    assert nesting_depth(text) == depth


def test_raw_html_tags_are_dropped_and_their_words_kept():
    """Left in, an unclosed raw tag would be re-opened by the HTML parser inside the lists
    after it (``<ol><li>…</li><em></em></ol>``), which is not valid HTML."""
    html = render_markdown("Some <em>unclosed and <table><td>cell\n\n- one\n- two <b>bold</b>")
    assert html == "<p>Some unclosed and cell</p>\n<ul>\n<li>one</li>\n<li>two bold</li>\n</ul>"


def test_a_refused_link_keeps_only_its_text():
    html = render_markdown('[bad](javascript:alert(1)) and [good](https://example.org "t")')
    assert html.startswith('<p>bad and <a href="https://example.org" title="t"')


# Text prints as typed (issue 14): numbered lists keep their first number, items that carry
# their own marker show that marker alone, and a line break is a line break.
@pytest.mark.parametrize("start", [1, 4, 10])
def test_a_numbered_list_starts_at_the_number_typed(start):
    text = f"Intro:\n\n{start}. first\n{start + 1}. second"
    html = render_markdown(text)
    assert ("<ol>" if start == 1 else f'<ol start="{start}">') in html
    assert markdown_to_text(text) == f"Intro:\n{start}. first\n{start + 1}. second"


def test_a_list_typed_straight_after_a_line_is_a_list():
    html = render_markdown("Actions:\n4. four\n5. five")
    assert html.startswith("<p>Actions:</p>") and '<ol start="4">' in html
    html = render_markdown("Actions:\n- one\n- two")
    assert "<li>one</li>" in html and "- one" not in html


@pytest.mark.parametrize(
    "lines",
    [
        ["a) one", "b) two", "c) three"],
        ["(a) one", "(b) two"],
        ["a. one", "b. two"],
        ["i) one", "ii) two", "iii) three"],
        ["(1) one", "(2) two"],
    ],
)
def test_lettered_lines_keep_their_own_marker_and_their_line(lines):
    text = "\n".join(lines)
    html = render_markdown(text)
    assert "<li>" not in html  # no bullet or number of our own beside the typed one
    assert html.count("<br>") == len(lines) - 1
    assert markdown_to_text(text) == text


@pytest.mark.parametrize("marker", ["a)", "(a)", "a.", "i)"])
def test_bullets_with_a_typed_marker_show_one_marker(marker):
    second = {"a)": "b)", "(a)": "(b)", "a.": "b.", "i)": "ii)"}[marker]
    text = f"- {marker} one\n- {second} two"
    html = render_markdown(text)
    assert '<ul class="typed-markers">' in html  # the stylesheets drop its bullets
    assert f"<li>{marker} one</li>" in html
    assert markdown_to_text(text) == f"{marker} one\n{second} two"  # no "- a) one"


def test_a_list_mixing_typed_markers_and_plain_items_keeps_its_bullets():
    html = render_markdown("- a) one\n- two")
    assert "<ul>" in html and "typed-markers" not in html


def test_nested_lists_keep_their_numbers_and_markers():
    text = "3. first\n    - a) sub one\n    - b) sub two\n4. second\n    1. inner"
    html = render_markdown(text)
    assert '<ol start="3">' in html and '<ul class="typed-markers">' in html
    assert markdown_to_text(text) == ("3. first\n  a) sub one\n  b) sub two\n4. second\n  1. inner")


def test_line_breaks_are_kept():
    html = render_markdown("Meeting held by 28 February\nCompleted")
    assert html == "<p>Meeting held by 28 February<br>\nCompleted</p>"
    assert markdown_to_text("Meeting held by 28 February\nCompleted") == (
        "Meeting held by 28 February\nCompleted"
    )


def test_plain_text_drops_emphasis_and_writes_links_out():
    text = "**Bold** and *emphasis*: [the report](https://example.org/r) or <https://x.org>"
    assert markdown_to_text(text) == (
        "Bold and emphasis: the report (https://example.org/r) or https://x.org"
    )


def test_a_class_or_start_typed_as_raw_html_is_not_kept():
    html = render_markdown(
        '<ul class="typed-markers"><li>x</li></ul>\n\n<ol start="9"><li>y</li></ol>'
    )
    assert "typed-markers" not in html and "start" not in html
