"""Issue 14: text prints as typed in every format (page, PDF, CSV, XLSX), and labels as
entered, including none."""

import csv
import io

import pytest
from openpyxl import load_workbook

from recommendations.models import Recommendation, Response
from reports.layouts import LAYOUTS
from reports.models import AppendixSettings
from reports.rows import appendix, format_label
from tests.factories import make_review
from tests.reports.conftest import BUCKS, EAST_SUSSEX, pdf_pages_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("label_format", "label", "expected"),
    [
        ("Recommendation {label}", "", ""),  # no invented "Recommendation "
        ("Recommendation {label}", "  ", ""),
        ("{label}:", "", ""),
        ("Recommendation {label}", "R3", "Recommendation R3"),
        ("{label}.", "3a", "3a."),
        ("{label}:", "4", "4:"),
        ("{label}:", "a)", "a)"),  # one closing mark, the label's own: not "a):"
        ("{label}.", "3a.", "3a."),
    ],
)
def test_a_label_prints_as_entered_in_the_layouts_format(label_format, label, expected):
    assert format_label(label_format, label) == expected


def _review_with_parts(layout: str, parts: dict[str, str]):
    review = make_review(recommendations=1)
    AppendixSettings.objects.create(review=review, layout=layout)
    parent = review.recommendations.get()
    for order, (label, text) in enumerate(parts.items(), start=2):
        part = Recommendation.objects.create(
            review=review, parent=parent, label=label, order=order, text=text
        )
        Response.objects.create(recommendation=part, decision=Response.Decision.AGREED)
    return review


@pytest.mark.parametrize(
    ("label", "text", "shown"),
    [
        ("2b", "b. senior leadership teams", "2b. senior leadership teams"),
        ("2b", "(b) senior leadership teams", "2b. senior leadership teams"),
        ("2b", "b) senior leadership teams", "2b. senior leadership teams"),
        ("3a", "3a. BCC guidance", "3a. BCC guidance"),
        ("2a", "a series of workshops", "2a. a series of workshops"),  # "a" is a word here
        ("2c", "c. the same (c) again", "2c. the same (c) again"),
        ("R3", "b. not its own marker", "R3. b. not its own marker"),
    ],
)
def test_every_lettered_part_prints_its_label_and_one_marker(label, text, shown):
    review = _review_with_parts("buckinghamshire", {label: text})
    row = appendix(review.slug).rows[1]
    assert row.is_part and row.recommendation.label == label
    cell = row.cells["recommendation"]
    assert cell.text == shown
    bold, rest = shown.split(" ", 1)
    assert cell.html.startswith(f"<p><strong>{bold}</strong> {rest}")


def test_buckinghamshire_2b_prints_its_label_everywhere(clerk_client, layouts):
    page = clerk_client.get(f"/reviews/{BUCKS}/appendix/").content.decode()
    assert "<strong>2b.</strong> senior leadership teams" in page
    text = "\n".join(pdf_pages_text(clerk_client.get(f"/reviews/{BUCKS}/appendix.pdf").content))
    assert "2b. senior leadership teams" in text
    rows = list(csv.reader(io.StringIO(clerk_client.get(f"/reviews/{BUCKS}/appendix.csv").text)))
    part = next(row for row in rows if row and row[0] == "2b")  # after the header block
    assert part[1].startswith("b. senior leadership teams")  # the label, then the text as typed


def test_an_unnumbered_recommendation_shows_no_invented_number(clerk_client):
    review = make_review(recommendations=1)
    AppendixSettings.objects.create(review=review, layout="hackney")
    rec = review.recommendations.get()
    rec.label = ""
    rec.text = "That the Council writes to schools."
    rec.save()
    cell = appendix(review.slug).rows[0].cells["recommendation"]
    assert cell.text == "That the Council writes to schools."
    assert "Recommendation" not in cell.html and "<strong>" not in cell.html
    page = clerk_client.get(f"/reviews/{review.slug}/appendix/").content.decode()
    assert "Recommendation </strong>" not in page and "<strong></strong>" not in page
    rows = list(
        csv.reader(io.StringIO(clerk_client.get(f"/reviews/{review.slug}/appendix.csv").text))
    )
    assert rows[1][:2] == ["", "That the Council writes to schools."]
    sheet = load_workbook(
        io.BytesIO(clerk_client.get(f"/reviews/{review.slug}/appendix.xlsx").content)
    ).active
    assert [sheet.cell(row=2, column=n).value for n in (1, 2)] == [
        None,
        "That the Council writes to schools.",
    ]
    pdf = "\n".join(
        pdf_pages_text(clerk_client.get(f"/reviews/{review.slug}/appendix.pdf").content)
    )
    assert "That the Council writes to schools." in pdf
    assert "Recommendation 1" not in pdf and "Recommendation That" not in pdf


TYPED = (
    "It is recommended that:\n\n"
    "4. the Council writes to schools;\n"
    "5. schools reply.\n\n"
    "- a) first lettered item\n"
    "- b) second lettered item\n\n"
    "(c) a line of its own\n"
    "(d) and another"
)


def test_lists_print_as_typed_on_the_page_in_the_pdf_and_in_the_exports(clerk_client):
    review = make_review(recommendations=1)
    AppendixSettings.objects.create(review=review, layout="generic")
    rec = review.recommendations.get()
    rec.text = TYPED
    rec.save()

    page = clerk_client.get(f"/reviews/{review.slug}/appendix/").content.decode()
    assert '<ol start="4">' in page and '<ul class="typed-markers">' in page

    pdf = "\n".join(
        pdf_pages_text(clerk_client.get(f"/reviews/{review.slug}/appendix.pdf").content)
    )
    words = " ".join(pdf.split())  # however the column wraps them
    assert "4. the Council writes to schools;" in words and "5. schools reply." in words
    assert "1. the Council" not in words
    assert "a) first lettered item" in pdf and "•" not in pdf  # one marker, no bullet
    assert "(c) a line of its own\n(d) and another" in pdf

    expected = (
        "It is recommended that:\n4. the Council writes to schools;\n5. schools reply.\n"
        "a) first lettered item\nb) second lettered item\n(c) a line of its own\n(d) and another"
    )
    rows = list(
        csv.reader(io.StringIO(clerk_client.get(f"/reviews/{review.slug}/appendix.csv").text))
    )
    assert rows[1][1] == expected
    sheet = load_workbook(
        io.BytesIO(clerk_client.get(f"/reviews/{review.slug}/appendix.xlsx").content)
    ).active
    assert sheet.cell(row=2, column=2).value == expected


def test_every_layout_prints_a_blank_label_as_nothing():
    for layout in LAYOUTS.values():
        assert format_label(layout.label_format, "") == ""
        assert format_label(layout.part_label_format, "") == ""


def test_east_sussex_timescales_print_one_per_line(clerk_client, layouts):
    page = clerk_client.get(f"/reviews/{EAST_SUSSEX}/appendix/").content.decode()
    assert "February 2025<br>Ongoing (monthly)<br>July 2024" in page
    rows = list(
        csv.reader(io.StringIO(clerk_client.get(f"/reviews/{EAST_SUSSEX}/appendix.csv").text))
    )
    r3 = next(row for row in rows if row[0] == "R3")
    assert r3[-1] == "February 2025\nOngoing (monthly)\nJuly 2024"
    pdf = pdf_pages_text(clerk_client.get(f"/reviews/{EAST_SUSSEX}/appendix.pdf").content)
    lines = "\n".join(pdf).splitlines()
    assert any(line.endswith("February 2025") for line in lines)
    assert not any("February 2025" in line and "Ongoing (monthly)" in line for line in lines)
