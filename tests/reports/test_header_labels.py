"""Issue 14, "Fidelity seen beside the seeds: Buckinghamshire's header block and version
table": header fields are renamed as columns are (a label per field, the version table's
caption and headings), set on the layout page with its preview, and printed under those
labels on the page, in the PDF, DOCX, XLSX and CSV. The Buckinghamshire demo prints the
paper's own (seed 004)."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from django.core.exceptions import ValidationError
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from recommendations.models import DocumentVersion, UpdateReport
from reports import rows
from reports.models import AppendixSettings, ReportAppendixSettings
from reports.services import appendix_settings_set
from tests.factories import make_review
from tests.reports.conftest import BUCKS
from tests.reports.test_appendix_settings import posted
from tests.reports.test_layouts import _header_texts, _words

pytestmark = pytest.mark.django_db

# Seed 004's header block and version table, as printed (its "10 th September 2018" is the
# date the tracker holds, written as every date is).
BUCKS_HEADER = [
    "Inquiry Title Working Together to Reduce Permanent Exclusions in Schools",
    "Select Committee Owner Chairman, Children's Select Committee",
    "Date agreed by Cabinet 10 September 2018",
    "Lead Cabinet Member Cllr Mike Appleyard",
    "Lead Senior Officer (Director) Tolis Vouyioukas",
    "VERSION CONTROL",
    "Version No. Changes Name of response author Date",
    "Draft Final Agreed by Cabinet Members Chairman, Children's Select Committee 10 July 2018",
]
BUCKS_TITLE = "Response to Select Committee Scrutiny Inquiry"


def _docx_text(content: bytes) -> str:
    """The document's body in order, a table's cells row by row."""
    document = Document(io.BytesIO(content))
    parts = []
    for element in document.element.body.iterchildren():
        if element.tag.endswith("}p"):
            parts.append(Paragraph(element, document).text)
        elif element.tag.endswith("}tbl"):
            for row in Table(element, document).rows:
                parts.append(" ".join(cell.text for cell in row.cells))
    return _words(" ".join(parts))


def _every_format(client, slug: str) -> dict[str, str]:
    # The spreadsheets' rows run on, as the other formats' lines do.
    texts = {key: text.replace(" | ", " ") for key, text in _header_texts(client, slug).items()}
    texts["docx"] = _docx_text(client.get(f"/reviews/{slug}/appendix.docx").content)
    return texts


def test_buckinghamshire_prints_the_papers_header_block_and_version_table(clerk_client, layouts):
    for format, text in _every_format(clerk_client, BUCKS).items():
        for line in BUCKS_HEADER:
            assert line in text, (format, line)
        # In the paper's order: the fields, then the version table, then the recommendations.
        places = [text.index(line) for line in BUCKS_HEADER]
        assert places == sorted(places), format
        assert "Recommendation" in text[text.index(BUCKS_HEADER[-1]) :], format
        # Our own labels are nowhere.
        for ours in ["Review Working", "Lead officer", "Version control"]:
            assert ours not in text, (format, ours)
    # The paper's title heads it; its "Inquiry Title" is in the header, so not repeated there.
    page = clerk_client.get(f"/reviews/{BUCKS}/appendix/").content.decode()
    assert f'<h1 id="appendix-heading">{BUCKS_TITLE}</h1>' in page
    pdf = clerk_client.get(f"/reviews/{BUCKS}/appendix.pdf").content
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert document.metadata["Title"] == BUCKS_TITLE
        header_table = document.pages[0].extract_tables()[0]
    # The fields print as the paper sets them out: a table of label and value.
    assert [_words(label) for label, _ in header_table] == [
        "Inquiry Title", "Select Committee Owner", "Date agreed by Cabinet",
        "Lead Cabinet Member", "Lead Senior Officer (Director)",
    ]  # fmt: skip


def _review_with_a_version():
    review = make_review(recommendations=1, slug="labelled", title="Reducing exclusions")
    review.owner = "Chair of the Commission"
    review.save()
    DocumentVersion.objects.create(
        review=review, version="1.0", changes="Agreed", author="A. Author", date="2024-01-05"
    )
    return review


def test_header_fields_print_under_the_labels_given_and_ours_when_blank(clerk_client):
    review = _review_with_a_version()
    appendix_settings_set(
        review=review,
        layout="generic",
        header=[
            ("review_title", "Inquiry Title"),
            "committee",  # a key alone: our label
            {"field": "owner", "label": ""},  # blank: ours too
            {
                "field": "versions",
                "label": "History of this paper",
                "headings": ["Issue", "", "Written by", "On"],
            },
        ],  # fmt: skip
        title="Appendix B",
        expected_version=None,
    )
    committee = f"{review.committee.name}, {review.committee.authority.name}"
    for format, text in _every_format(clerk_client, "labelled").items():
        assert "Inquiry Title Reducing exclusions" in text, format
        # With the owner on a line of its own, the committee's line does not repeat it.
        assert f"Committee {committee} Owner Chair of the Commission" in text, format
        assert "History of this paper Issue Changes Written by On" in text, format
        assert "1.0 Agreed A. Author 5 January 2024" in text, format
        assert "Version control" not in text and "Version Changes Author" not in text, format
    header = rows.appendix("labelled").header
    assert [(item.key, item.label) for item in header.items] == [
        ("review_title", "Inquiry Title"), ("committee", "Committee"), ("owner", "Owner"),
    ]  # fmt: skip
    assert header.version_headings == ("Issue", "Changes", "Written by", "On")


def test_the_committees_line_names_the_owner_when_the_owner_has_no_line(clerk_client):
    review = _review_with_a_version()
    appendix_settings_set(
        review=review, layout="generic", header=["committee"], expected_version=None
    )
    [item] = rows.appendix("labelled").header.items
    assert item.cell.text.endswith("(owner: Chair of the Commission)")


@pytest.mark.parametrize(
    "header, message",
    [
        ([("review_title", "x" * 121)], "A label has at most 120 characters."),
        ([{"field": "versions", "headings": ["a", "b"]}], "The version table has 4 column"),
        ([{"field": "versions", "headings": ["", "", "", "y" * 121]}], "at most 120"),
        ([("secrets", "Label")], "There is no header field called 'secrets'."),
        ([["review_title", "a", "b"]], "There is no header field called None."),
    ],
)
def test_bad_labels_are_refused_by_field(header, message):
    review = make_review(recommendations=1)
    with pytest.raises(ValidationError) as refused:
        appendix_settings_set(review=review, layout="generic", header=header, expected_version=None)
    assert any(message in error for error in refused.value.message_dict["header"])
    assert not AppendixSettings.objects.exists()


def test_an_officer_renames_header_fields_on_the_layout_page_with_its_preview(officer_client):
    review = _review_with_a_version()
    url = f"/reviews/{review.slug}/appendix/settings/"
    form = officer_client.get(url).context["form"]
    changes = {
        "header_review_title": "on",
        "header_label_review_title": "Inquiry Title",
        "header_versions": "on",
        "header_label_versions": "VERSION CONTROL",
        "version_heading_0": "Version No.",
        "version_heading_2": "Name of response author",
    }
    preview = officer_client.post(url, posted(form, action="preview", **changes))
    assert preview.status_code == 200 and not AppendixSettings.objects.exists()
    shown = preview.context["preview"].header
    assert [(item.label, item.cell.text) for item in shown.items] == [
        ("Inquiry Title", "Reducing exclusions")
    ]
    assert (shown.versions_label, shown.version_headings) == (
        "VERSION CONTROL",
        ("Version No.", "Changes", "Name of response author", "Date"),
    )
    body = _words(preview.content.decode())
    assert "Inquiry Title Reducing exclusions" in body
    assert "VERSION CONTROL Version No. Changes Name of response author Date" in body

    assert officer_client.post(url, posted(form, action="save", **changes)).status_code == 302
    stored = AppendixSettings.objects.get(review=review)
    assert stored.get_header_labels() == {
        "review_title": "Inquiry Title",
        "versions": "VERSION CONTROL",
    }
    # The page shows what is stored, and the report's own layout starts from it.
    again = officer_client.get(url).context["form"]
    assert again["header_label_review_title"].value() == "Inquiry Title"
    assert again["version_heading_2"].value() == "Name of response author"
    report = UpdateReport.objects.get(review=review)
    report_form = officer_client.get(
        f"/reviews/{review.slug}/update-reports/{report.pk}/appendix-layout/"
    ).context["form"]
    assert report_form["header_label_versions"].value() == "VERSION CONTROL"
    assert (
        officer_client.post(
            f"/reviews/{review.slug}/update-reports/{report.pk}/appendix-layout/",
            posted(report_form, action="save", header_label_review_title="Report's title"),
        ).status_code
        == 302
    )
    assert ReportAppendixSettings.objects.get(report=report).get_header_labels() == {
        "review_title": "Report's title",
        "versions": "VERSION CONTROL",
    }


def test_header_fields_stored_as_keys_alone_print_under_our_labels():
    """As stored before fields had labels (the migration turns them into entries)."""
    review = _review_with_a_version()
    settings = AppendixSettings(review=review, header=["versions", "review_title", "nope"])
    assert settings.get_header() == ["review_title", "versions"]
    assert settings.get_header_labels() == {
        "review_title": "Review",
        "versions": "Version control",
    }
    assert settings.get_version_headings() == rows.VERSION_HEADINGS
