"""Header fields above the table (committee, meeting date, minute, title): found in a Word
file's paragraphs and two-column tables, and in a sheet's rows above the headings; used for a
new review (title, committee, reported on) and a new update report (its meeting)."""

from __future__ import annotations

import datetime as dt
import io

import docx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from recommendations.importing import readers, recognise
from recommendations.importing.preview import build_preview, default_table
from recommendations.models import Committee, Meeting, Review
from tests.factories import make_committee
from tests.recommendations.importing.tables import as_xlsx

TABLE = [
    ["Ref", "Recommendation", "Response", "Progress update"],
    ["1", "Publish the data.", "We will.", "Published."],
    ["2", "Train governors.", "Later.", "Began."],
]


def _committee() -> Committee:
    committee = make_committee()
    committee.name = "Children's Select Committee"
    committee.save()
    return committee


def _sheet_with_header(committee: Committee) -> bytes:
    above = [
        ["Committee:", f"Chairman, {committee.name}", "", ""],
        ["Meeting date", "10th September 2018", "", ""],
        ["Minute no.", "23", "", ""],
        ["Inquiry title", "Reducing exclusions", "", ""],
    ]
    return as_xlsx([*above, *TABLE])


def test_rows_above_a_sheets_headings_are_header_fields(db):
    _, (table,) = readers.read_tables(_sheet_with_header(_committee()), "t.xlsx")
    preview = build_preview(table)
    assert preview.headings == TABLE[0]
    assert preview.header == {
        "committee": "Chairman, Children's Select Committee",
        "meeting_date": "10th September 2018",
        "minute": "23",
        "title": "Reducing exclusions",
    }
    assert [row.label for row in preview.rows] == ["1", "2"]


def test_a_two_column_table_keeps_its_first_row_as_headings():
    assert recognise.find_header_row([["Date", "Action"], ["1 May 2024", "Met."]]) == 0
    assert recognise.find_header_row([["Date:", "1 May 2024"], ["Ref", "Action"]]) == 1


def test_header_fields_under_the_papers_own_labels_and_a_version_table_are_passed_over():
    """Buckinghamshire's paper (and our export of it): label and value rows, one label the
    header fields do not know, then a version table, then the recommendations' headings."""
    rows = [
        ["Response to Select Committee inquiry", "", "", "", ""],
        ["Inquiry Title", "Working Together", "", "", ""],
        ["Lead Cabinet Member", "Cllr Mike Appleyard", "", "", ""],
        ["VERSION CONTROL", "", "", "", ""],
        ["Version No.", "Changes", "Author", "Date", ""],
        ["Draft Final", "Agreed by Cabinet", "Chairman", "10 July 2018", ""],
        ["Ref", "Recommendation", "Agreed Yes/No", "Responsible Cabinet Member", "Progress update"],
        ["1", "It is recommended that the policy changes.", "Yes", "Cllr Mike Appleyard", "Done"],
    ]
    assert recognise.find_header_row(rows) == 6


def test_a_data_row_naming_fields_never_replaces_the_headings():
    rows = [
        ["No.", "Text", "Who"],
        ["1", "Cabinet Member for Education", "Progress update due"],
        ["2", "Responsible officer", "Status report"],
    ]
    assert recognise.find_header_row(rows) == 0


def test_a_new_review_takes_title_committee_and_date_from_above_the_table(db, tmp_path):
    committee = _committee()
    path = tmp_path / "t.xlsx"
    path.write_bytes(_sheet_with_header(committee))
    call_command("import_appendix", str(path), "--review", "from-file", "--new")
    review = Review.objects.get(slug="from-file")
    assert (review.title, review.committee, review.reported_on, review.reported_precision) == (
        "Reducing exclusions",
        committee,
        dt.date(2018, 9, 10),
        "day",
    )


def _word(paragraphs: list[str], header_table: list[list[str]], rows: list[list[str]]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if header_table:
        fields = document.add_table(rows=0, cols=2)
        for values in header_table:
            for cell, value in zip(fields.add_row().cells, values, strict=True):
                cell.text = value
        document.add_paragraph("")
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_word_files_header_table_is_read_and_its_main_table_chosen(db):
    content = _word(
        ["Response to Select Committee Scrutiny Inquiry"],
        [
            ["Inquiry Title", "Reducing exclusions"],
            ["Date agreed by Cabinet", "10 th September 2018"],
        ],
        TABLE,
    )
    _, tables = readers.read_tables(content, "t.docx")
    assert len(tables) == 2 and default_table(tables) == 1
    assert build_preview(tables[1]).header == {
        "title": "Reducing exclusions",
        "meeting_date": "10 th September 2018",
    }


def test_an_update_report_goes_to_the_meeting_named_above_the_table(db, tmp_path):
    committee = _committee()
    first = tmp_path / "t.xlsx"
    first.write_bytes(_sheet_with_header(committee))
    call_command("import_appendix", str(first), "--review", "from-file", "--new")
    review = Review.objects.get(slug="from-file")
    edited = [row[:] for row in TABLE]
    edited[1][3] = "Published, and read."
    path = tmp_path / "update.docx"
    path.write_bytes(
        _word(
            [f"Committee: {committee.name}", "Meeting date: 4 March 2025", "Minute: 7"], [], edited
        )
    )  # noqa: E501

    call_command("import_appendix", str(path), "--review", "from-file", "--report-title", "Spring")

    report = review.update_reports.get(title="Spring")
    meeting = report.meeting
    assert (meeting.date, meeting.agenda_item, meeting.committee) == (
        dt.date(2025, 3, 4),
        "Minute 7",
        committee,
    )
    assert list(meeting.reviews.all()) == [review]
    assert report.as_at == dt.date(2025, 3, 4)
    assert [u.recommendation.label for u in report.updates.all()] == ["1"]

    # A second report to the same meeting finds it rather than recording it twice.
    edited[2][3] = "Began in earnest."
    path.write_bytes(_word(["Meeting date: 4 March 2025"], [], edited))
    call_command("import_appendix", str(path), "--review", "from-file", "--report-title", "Also")
    assert review.update_reports.get(title="Also").meeting == meeting
    assert Meeting.objects.filter(committee=committee).count() == 1


def test_the_preview_shows_and_uses_the_header_fields(officer_client, db):
    committee = _committee()
    make_committee()  # another, so the committee is found by its name
    response = officer_client.post(
        "/reviews/import/",
        {"into": "new", "file": SimpleUploadedFile("t.xlsx", _sheet_with_header(committee))},
    )
    preview_url = response["Location"]
    page = officer_client.get(preview_url).content.decode()
    assert "Above the table" in page and "10th September 2018" in page
    assert f'<option value="{committee.pk}" selected>' in page
    assert 'value="Reducing exclusions"' in page

    # The officer corrects the title and the date before saving.
    data = {
        "table": "1",
        "head_title": "Exclusions review",
        "head_committee": str(committee.pk),
        "head_meeting_date": "September 2018",
    }
    officer_client.post(preview_url, data)
    review = Review.objects.get(title="Exclusions review")
    assert (review.committee, review.reported_on, review.reported_precision) == (
        committee,
        dt.date(2018, 9, 1),
        "month",
    )
