"""Long unbroken runs of text (old text shown as plain text, pasted hashes and addresses, a row
of "=") print wrapped inside their cells, cheaply, with the characters the reader typed: see
reports/pdf/breaks.py. No database: the renderer is called on HTML directly."""

from __future__ import annotations

import io
from html import escape

import pdfplumber
from django.templatetags.static import static
from weasyprint import HTML
from weasyprint.text import line_break

from reports.pdf import sandbox
from reports.pdf.breaks import ZWSP, add_break_opportunities

RUNS = {
    "old nested lists": "<ul><li>" * 100 + "x",
    "address": "https://example.org/" + "a1b2c3d4e5" * 80,
    "wide letters": "W" * 600,
    "narrow letters": "il" * 400,
    "one character": "=" * 800,
    "digits": "1234567890" * 80,
    "accents": "é" * 600,
}
CJK = "漢字かな交じり文" * 20  # breaks between ideographs already: left as it is


def _document(texts: list[str], heading: str = "Appendix") -> str:
    rows = "".join(
        f"<tr><td><p>{escape(text)}</p></td><td><p>{escape(text)}</p></td><td>x</td></tr>"
        for text in texts
    )
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><title>{escape(heading)}</title>'
        f'<link rel="stylesheet" href="{static("reports/pdf.css")}"></head><body>'
        f'<h1 class="running">{escape(heading)}</h1><table class="appendix"><colgroup>'
        '<col style="width: 7%"><col style="width: 17%"><col style="width: 76%"></colgroup>'
        f"<thead><tr><th>A</th><th>B</th><th>C</th></tr></thead><tbody>{rows}</tbody></table>"
        "</body></html>"
    )


def _texts(element) -> list[str]:
    return [text for node in element.iter() for text in (node.text, node.tail) if text]


def test_long_runs_get_break_points_and_keep_their_characters_and_markup():
    run = "&lt;script&gt;alert(1)&lt;/script&gt;" * 10 + "<b>x</b>"
    document = HTML(
        string=f"<html><head><title>{'T' * 100}</title></head><body><h1>{'H' * 100}</h1>"
        f"<p>Short words stay. {run} {'a' * 59}<em>{'é' * 100}</em>{'z' * 100}</p>"
        f"<p>{CJK}</p></body></html>"
    )
    before = [node.tag for node in document.etree_element.iter()]
    original = "".join(_texts(document.etree_element))
    add_break_opportunities(document.etree_element)
    root = document.etree_element
    # The same elements (and <wbr>s) and, without the zero-width spaces, the same text:
    # nothing escaped became markup.
    assert [node.tag for node in root.iter() if node.tag != "wbr"] == before
    assert "".join(_texts(root)).replace(ZWSP, "") == original
    paragraph = root.find(".//p")
    text = "".join(_texts(paragraph))
    assert "<script>alert(1)</script>" in text.replace(ZWSP, "")
    assert "Short words stay. " in text and " " + "a" * 59 in text  # under 60: untouched
    assert f"{'é' * 4}{ZWSP}{'é' * 4}" in text and f"{'z' * 4}{ZWSP}" in text
    assert root.findall(".//p")[1].text == CJK
    assert root.find(".//title").text == "T" * 100  # the head and headings are left alone
    assert root.find(".//h1").text == "H" * 100


def test_a_pdf_of_long_runs_wraps_them_in_their_cells_cheaply_and_keeps_their_characters(
    monkeypatch,
):
    laid_out = 0
    set_text = line_break.Layout.set_text

    def counted(self, text, *args, **kwargs):
        nonlocal laid_out
        laid_out += len(text)
        return set_text(self, text, *args, **kwargs)

    monkeypatch.setattr(line_break.Layout, "set_text", counted)
    texts = list(RUNS.values())
    pdf = sandbox.write_pdf(_document(texts))
    # Pango is given each line's text and a little more, not the rest of the run for every
    # line: that was quadratic (~70 times the text here; ~20 s for an 8,000-character run in
    # three cells). With break points, about 7 times.
    printed = 2 * sum(len(text) for text in texts)
    assert laid_out < 20 * printed, laid_out / printed

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        cells = [[] for _ in range(2)]
        for number, page in enumerate(document.pages):
            left = 12 / 25.4 * 72  # the @page margin
            width = page.width - 2 * left
            edges = [left + width * 0.07, left + width * 0.24]
            for char in page.chars:
                if "Bold" in char["fontname"] or round(char["size"], 1) != 9.5:
                    continue  # the header row, the running title and the page numbers
                if char["x0"] >= edges[1]:
                    continue  # the third column's "x"
                column = 0 if char["x0"] < edges[0] else 1
                assert char["x1"] <= edges[column] + 0.5, (number, char["text"])
                cells[column].append((number, round(char["top"]), char["x0"], char["text"]))
    for cell in cells:
        assert "".join(char for *_, char in sorted(cell)) == "".join(texts)
