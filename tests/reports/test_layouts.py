"""Issue 14, "Layouts built from fields": a layout is an ordered list of fields with their
headings, stored, chosen per review and per update report; a header block chosen from fields;
the appendix's own title. Every format prints the same columns and cells, header and title.
(The presets printing as before: tests/reports/test_appendix.py, test_exports.py, test_pdf.py
and test_text_as_typed.py, unchanged but for Buckinghamshire's Yes/No column's key.)"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from html import unescape

import pdfplumber
import pytest
from django.core.exceptions import ValidationError
from docx import Document
from openpyxl import load_workbook

from recommendations.models import (
    DocumentVersion,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    RagRating,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from recommendations.services import EditConflict
from reports import rows
from reports.layouts import LAYOUTS
from reports.models import AppendixSettings, ReportAppendixSettings
from reports.pdf import documents
from reports.services import (
    appendix_settings_set,
    report_appendix_settings_clear,
    report_appendix_settings_set,
)
from tests.conftest import ARTIFACTS
from tests.factories import make_review
from tests.reports.conftest import csv_rows

pytestmark = pytest.mark.django_db

# What tests/browser/test_appendix_layout.py builds in the browser from the Standard preset:
# the East Sussex preset (labels as entered), seven fields chosen, ordered and renamed, the
# rest hidden; a header of three fields with a note; the paper's own title.
BUILT_PRESET = "east_sussex"
BUILT_COLUMNS = [
    ("label", "No."),
    ("text", "What the committee asked"),
    ("decision_yes_no", "Agreed?"),
    ("cabinet_member", "Cabinet lead"),
    ("update", "Where it stands"),
    ("rag", "RAG"),
    ("target_date", "Due by"),
]
BUILT_HEADER = ["review_title", "committee", "note"]
BUILT_NOTE = "Recommendations 1 and 2 of two"
BUILT_TITLE = "Appendix B"


def built_review() -> Review:
    """Two recommendations, each field of the built layout with something to print."""
    review = make_review(recommendations=2, slug="built", title="Reducing exclusions")
    first = Recommendation.objects.get(review=review, label="1")
    member = Person.objects.create(name="Cllr Ann Example")
    Lead.objects.create(recommendation=first, person=member, role=Lead.Role.CABINET_MEMBER)
    Response.objects.filter(recommendation__review=review, recommendation__label="2").update(
        decision=Response.Decision.NOT_AGREED
    )
    ProgressUpdate.objects.filter(recommendation=first).update(
        rag=RagRating.RED, target_date=dt.date(2024, 6, 1)
    )
    return review


def build_the_layout(review: Review) -> AppendixSettings:
    return appendix_settings_set(
        review=review,
        layout=BUILT_PRESET,
        columns=BUILT_COLUMNS,
        header=BUILT_HEADER,
        note=BUILT_NOTE,
        title=BUILT_TITLE,
        expected_version=None,
    )


BUILT_HEADINGS = [heading for _, heading in BUILT_COLUMNS]
BUILT_ROWS = [
    ["1", "Recommendation text 1", "Yes", "Cllr Ann Example", "Update 0 on 1", "Red",
     "1 June 2024"],
    ["2", "Recommendation text 2", "No", "", "Update 0 on 2", "", ""],
]  # fmt: skip


def _words(text: object) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", str(text or ""))).split())


# Each format read back as (the table's headings, its rows), cell by cell, as words. A new
# format (DOCX) is one more reader here.
def html_table(client, slug: str, query: str = "") -> tuple[list[str], list[list[str]]]:
    response = client.get(f"/reviews/{slug}/appendix/{query}")
    assert response.status_code == 200
    table = response.context["table"]
    return (
        [_words(column.header) for column in table.columns],
        [[_words(row.get_cell(column.name)) for column in table.columns] for row in table.rows],
    )


def pdf_table(client, slug: str, query: str = "") -> tuple[list[str], list[list[str]]]:
    response = client.get(f"/reviews/{slug}/appendix.pdf{query}")
    assert response.status_code == 200
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        found = [table for page in pdf.pages for table in page.extract_tables()]
    table = [[_words(cell) for cell in row] for row in found[-1]]  # the versions come first
    return table[0], table[1:]


def _after_header(table: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The rows from the table's heading row on: after the blank row that ends a header block."""
    blank = next((i for i, row in enumerate(table) if not any(row)), -1)
    return table[blank + 1], table[blank + 2 :]


def xlsx_table(client, slug: str, query: str = "") -> tuple[list[str], list[list[str]]]:
    response = client.get(f"/reviews/{slug}/appendix.xlsx{query}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    table = [[_words(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    return _after_header(table)


def csv_table(client, slug: str, query: str = "") -> tuple[list[str], list[list[str]]]:
    response = client.get(f"/reviews/{slug}/appendix.csv{query}")
    table = [[_words(value) for value in row] for row in csv_rows(response)]
    return _after_header(table)


def docx_table(client, slug: str, query: str = "") -> tuple[list[str], list[list[str]]]:
    response = client.get(f"/reviews/{slug}/appendix.docx{query}")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    found = document.tables[-1]  # the versions come first
    table = [[_words(cell.text) for cell in row.cells] for row in found.rows]
    return table[0], table[1:]


FORMATS: dict[str, Callable] = {
    "html": html_table,
    "pdf": pdf_table,
    "xlsx": xlsx_table,
    "csv": csv_table,
    "docx": docx_table,
}


@pytest.mark.parametrize("format", FORMATS)
def test_a_layout_built_from_fields_prints_the_same_columns_and_cells_in_every_format(
    clerk_client, format
):
    build_the_layout(built_review())
    headings, cells = FORMATS[format](clerk_client, "built")
    assert headings == BUILT_HEADINGS
    assert cells == BUILT_ROWS


def test_hidden_fields_print_nowhere(clerk_client):
    build_the_layout(built_review())
    for format, reader in FORMATS.items():
        headings, cells = reader(clerk_client, "built")
        flat = " ".join(headings + [cell for row in cells for cell in row])
        # The Standard preset's columns the builder hid: the response, its decision in our
        # words, the lead officer (all leads), the status and the timescale.
        for hidden in ["Agreed.", "Officer 0", "In progress", "Ongoing", "Leads", "Status"]:
            assert hidden not in flat, (format, hidden)


def _header_texts(client, slug: str, query: str = "") -> dict[str, str]:
    page = _words(client.get(f"/reviews/{slug}/appendix/{query}").content.decode())
    pdf = client.get(f"/reviews/{slug}/appendix.pdf{query}").content
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pdf_text = _words(document.pages[0].extract_text())
    sheet = load_workbook(
        io.BytesIO(client.get(f"/reviews/{slug}/appendix.xlsx{query}").content)
    ).active
    xlsx = " | ".join(
        _words(" ".join(str(v or "") for v in row)) for row in sheet.iter_rows(values_only=True)
    )
    csv_text = " | ".join(
        _words(" ".join(row))
        for row in csv_rows(client.get(f"/reviews/{slug}/appendix.csv{query}"))
    )
    return {"html": page, "pdf": pdf_text, "xlsx": xlsx, "csv": csv_text}


def test_the_header_block_prints_in_every_format(clerk_client):
    review = built_review()
    build_the_layout(review)
    committee = f"{review.committee.name}, {review.committee.authority.name}"
    for format, text in _header_texts(clerk_client, "built").items():
        assert f"Review {review.title}" in text, format
        assert f"Committee {committee}" in text, format
        assert f"Note {BUILT_NOTE}" in text, format
        assert "Summary" not in text and "Version control" not in text, format


def test_the_spreadsheets_put_the_header_above_the_table_and_print_its_heading_row(clerk_client):
    review = built_review()
    build_the_layout(review)
    rows_ = csv_rows(clerk_client.get("/reviews/built/appendix.csv"))
    assert rows_[:5] == [
        [BUILT_TITLE],  # the review's title is the header's first line
        ["Review", review.title],
        ["Committee", f"{review.committee.name}, {review.committee.authority.name}"],
        ["Note", BUILT_NOTE],
        [],
    ]
    assert rows_[5] == BUILT_HEADINGS
    sheet = load_workbook(
        io.BytesIO(clerk_client.get("/reviews/built/appendix.xlsx").content)
    ).active
    assert [cell.value for cell in sheet[6]][: len(BUILT_HEADINGS)] == BUILT_HEADINGS
    assert sheet.print_title_rows == "$6:$6" and sheet.freeze_panes == "A7"
    assert sheet.title == BUILT_TITLE


def test_every_header_field_and_the_version_table_print_in_every_format(clerk_client):
    review = built_review()
    review.summary = "The commission looked at **exclusions** closely."
    review.owner = "Chair of the Commission"
    review.response_agreed_on = dt.date(2018, 9, 10)
    review.lead_cabinet_member = Person.objects.create(name="Cllr Mike Lead")
    review.lead_director = Person.objects.create(name="Tolis Director", job_title="Director")
    review.save()
    DocumentVersion.objects.create(
        review=review, version="Draft Final", changes="Agreed by Cabinet Members",
        author="Chairman", date=dt.date(2018, 7, 10),
    )  # fmt: skip
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 3, 4), agenda_item="Item 5: exclusions"
    )
    meeting.reviews.add(review)
    appendix_settings_set(
        review=review,
        layout="generic",
        header=[
            "review_title", "review_summary", "committee", "meeting", "response_agreed",
            "lead_member", "lead_officer", "versions", "note",
        ],
        note="Read with the minutes",
        expected_version=None,
    )  # fmt: skip
    pdf = clerk_client.get("/reviews/built/appendix.pdf").content
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "appendix-header-block.pdf").write_bytes(pdf)  # to look at
    for format, text in _header_texts(clerk_client, "built").items():
        for expected in [
            "Summary The commission looked at exclusions closely.",
            "(owner: Chair of the Commission)",
            "Meeting 4 March 2024: Item 5: exclusions",
            "Response agreed 10 September 2018",
            "Lead Cabinet member Cllr Mike Lead",
            "Lead officer Tolis Director",
            "Version control",
            "Draft Final",
            "Agreed by Cabinet Members",
            "10 July 2018",
            "Note Read with the minutes",
        ]:
            assert expected in text, (format, expected)
    # The DOCX exporter reads the same block, through one function.
    header = rows.appendix("built").header
    assert [item.key for item in header.items] == [
        "review_title", "review_summary", "committee", "meeting", "response_agreed",
        "lead_member", "lead_officer", "note",
    ]  # fmt: skip
    assert header.versions == [
        rows.VersionRow("Draft Final", "Agreed by Cabinet Members", "Chairman", "10 July 2018")
    ]


def test_the_appendix_title_is_the_papers_own(clerk_client):
    review = built_review()
    page = clerk_client.get("/reviews/built/appendix/").content.decode()
    assert f'<h1 id="appendix-heading">Appendix: {review.title}</h1>' in page
    settings = build_the_layout(review)
    # The header block prints the review's title under its label: the heading is the
    # paper's title alone, as Buckinghamshire's "Response to Select Committee Scrutiny
    # Inquiry" is (tests/reports/test_header_labels.py).
    page = clerk_client.get("/reviews/built/appendix/").content.decode()
    assert f'<h1 id="appendix-heading">{BUILT_TITLE}</h1>' in page
    appendix_settings_set(
        review=review, layout=BUILT_PRESET, columns=BUILT_COLUMNS, header=["note"],
        note=BUILT_NOTE, title=BUILT_TITLE, expected_version=settings.version,
    )  # fmt: skip
    page = clerk_client.get("/reviews/built/appendix/").content.decode()
    assert f'<h1 id="appendix-heading">{BUILT_TITLE}: {review.title}</h1>' in page
    pdf = clerk_client.get("/reviews/built/appendix.pdf").content
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert document.metadata["Title"] == f"{BUILT_TITLE}: {review.title}"
        assert _words(document.pages[0].extract_text()).startswith(f"{BUILT_TITLE}: {review.title}")


def test_a_report_overrides_its_reviews_layout_and_title(clerk_client):
    review = built_review()
    build_the_layout(review)
    report = UpdateReport.objects.get(review=review)
    query = f"?report={report.pk}"
    report_appendix_settings_set(
        report=report,
        layout="hackney",
        columns=[("recommendation", "Recommendation"), ("update", "Six month update")],
        header=["note"],
        note="Recommendations 1 and 2",
        title="Appendix C",
        expected_version=None,
    )
    for format, reader in FORMATS.items():
        headings, cells = (
            reader(clerk_client, "built", query)
            if format != "html"
            else (html_table(clerk_client, "built", query))
        )
        if format in ("csv", "xlsx"):
            assert headings == ["Ref", "Recommendation", "Six month update"], format
            assert cells[0] == ["1", "Recommendation text 1", "Update 0 on 1"], format
        else:
            assert headings == ["Recommendation", "Six month update"], format
            assert cells[0] == ["Recommendation 1 Recommendation text 1", "Update 0 on 1"]
    page = clerk_client.get(f"/reviews/built/appendix/{query}").content.decode()
    assert "Appendix C: " in page and "Recommendations 1 and 2" in page
    # The review's own appendix (the latest updates) keeps the review's layout.
    assert html_table(clerk_client, "built")[0] == BUILT_HEADINGS
    # Back to the review's layout; the history keeps the report's.
    stored = ReportAppendixSettings.objects.get(report=report)
    report_appendix_settings_clear(report=report, expected_version=stored.version)
    assert html_table(clerk_client, "built", query)[0] == BUILT_HEADINGS
    assert ReportAppendixSettings.history.filter(report_id=report.pk).count() == 2


def test_the_pack_prints_each_reports_own_layout(db):
    review = built_review()
    report = UpdateReport.objects.get(review=review)
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2030, 1, 1), agenda_item="Updates"
    )
    report.meeting = meeting
    report.save()
    report_appendix_settings_set(
        report=report, layout="generic", columns=[("text", "Asked"), ("rag", "RAG rating")],
        title="Appendix D", header=["note"], note="Two of two", expected_version=None,
    )  # fmt: skip
    [appendix] = rows.meeting_pack(meeting.pk).appendices
    assert appendix.headings == ["Asked", "RAG rating"]
    html = documents.pack_html(rows.meeting_pack(meeting.pk))
    assert f"Appendix D: {review.title}" in html and "Two of two" in html


def test_the_service_refuses_a_layout_it_cannot_print(officer):
    review = make_review(recommendations=1)
    for columns, message in [
        ([], "Show at least one column."),
        ([("nonsense", "X")], "There is no column called 'nonsense'."),
        ([("text", "A"), ("text", "B")], "is shown twice"),
        ([("text", "x" * 121)], "at most 120 characters"),
    ]:
        with pytest.raises(ValidationError) as refused:
            appendix_settings_set(
                review=review, layout="generic", columns=columns, expected_version=None
            )
        assert message in " ".join(refused.value.message_dict["columns"])
    with pytest.raises(ValidationError) as refused:
        appendix_settings_set(
            review=review, layout="generic", header=["secrets"], expected_version=None
        )
    assert "header" in refused.value.message_dict
    assert not AppendixSettings.objects.exists()


def test_a_stale_report_layout_is_an_edit_conflict_and_history_says_who(officer):
    review = make_review(recommendations=1)
    report = UpdateReport.objects.get(review=review)
    first = report_appendix_settings_set(
        report=report, layout="generic", expected_version=None, user=officer
    )
    with pytest.raises(EditConflict):
        report_appendix_settings_set(report=report, layout="hackney", expected_version=None)
    report_appendix_settings_set(
        report=report, layout="hackney", columns=[("text", "Asked")], expected_version=1,
        user=officer,
    )  # fmt: skip
    with pytest.raises(EditConflict):
        report_appendix_settings_clear(report=report, expected_version=first.version)
    latest = ReportAppendixSettings.history.filter(report_id=report.pk).first()
    assert latest.history_user == officer and latest.columns == [
        {"field": "text", "heading": "Asked"}
    ]


def test_each_preset_stores_its_columns_and_prints_them_with_its_widths():
    review = make_review(recommendations=1)
    version = None
    for key, preset in LAYOUTS.items():
        settings = appendix_settings_set(review=review, layout=key, expected_version=version)
        version = settings.version
        assert settings.get_columns() == list(preset.columns)
        appendix = rows.appendix(review.slug)
        assert appendix.columns == list(preset.columns)
        assert appendix.widths == preset.widths  # exactly as printed before
