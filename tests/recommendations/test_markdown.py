import pytest

from recommendations.markdown import render_markdown


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
