"""Issue 14: trackers across reviews. A committee's, an authority's or every authority's
recommendations in one table, open ones unless asked, filtered as /recommendations/ is,
grouped by review or by committee, in any layout, a reference per row in the authority's
pattern, as a page, CSV, XLSX, DOCX and PDF."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from recommendations import services
from recommendations.models import Authority, Committee, Meeting, Recommendation, Review
from reports.exporters.formats import CONTINUED
from reports.layouts import LAYOUTS
from tests.reports.conftest import BUCKS, EAST_SUSSEX, HACKNEY, csv_rows, pdf_pages_text

pytestmark = pytest.mark.django_db

# The demo's references: Buckinghamshire's review has no report date, so its year is when
# Cabinet agreed the response (10 September 2018); Hackney's reported in December 2021; East
# Sussex's states neither, so its first update report's (February 2025) gives 2024/25.
EXPECTED = {
    BUCKS: {"1": "SR (18/19) 01", "2": "SR (18/19) 02", "2a": "SR (18/19) 02a"},
    HACKNEY: {"1": "SR (21/22) 01", "6": "SR (21/22) 06"},
    EAST_SUSSEX: {"R1": "SR (24/25) 01", "R3": "SR (24/25) 03"},
}


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    return csv_rows(response)


def _open_recommendations() -> int:
    return Recommendation.objects.filter(closed_at_meeting__isnull=True).count()


def test_a_council_wide_tracker_of_the_demo_data_in_every_format(clerk_client, layouts):
    rows = _csv(clerk_client.get("/trackers/tracker.csv"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Reference", "Committee", "Review", "Ref"]
    assert len(body) == _open_recommendations()
    by_label = {(row[2], row[3]): row[0] for row in body}
    for slug, references in EXPECTED.items():
        title = Review.objects.get(slug=slug).title
        for label, reference in references.items():
            assert by_label[(title, label)] == reference, (slug, label)

    sheet = load_workbook(io.BytesIO(clerk_client.get("/trackers/tracker.xlsx").content)).active
    sheet_rows = [[cell.value or "" for cell in row] for row in sheet.iter_rows()]
    assert sheet_rows[0] == header
    # A record too long for a printed page continues on the next rows (formats.CONTINUED).
    records = [row for row in sheet_rows[1:] if not row[0].endswith(CONTINUED)]
    assert [row[:4] for row in records] == [row[:4] for row in body]

    document = Document(io.BytesIO(clerk_client.get("/trackers/tracker.docx").content))
    (table,) = document.tables
    headings = ["Reference", *(heading for _, heading in LAYOUTS["generic"].columns)]
    assert [cell.text for cell in table.rows[0].cells] == headings
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    first_cells = [row.cells[0].text for row in table.rows[1:]]
    group_titles = [
        f"{review.title} ({review.committee.name})"
        for review in Review.objects.select_related("committee")
    ]
    for title in group_titles:
        assert title in first_cells  # a row across the table names each review
    for references in EXPECTED.values():
        for reference in references.values():
            assert reference in first_cells
    assert len(table.rows) == 1 + len(group_titles) + len(body)

    # The PDF of all 44 takes WeasyPrint most of a minute on a busy machine: the council's
    # implemented ones, across every authority, show the same rows as the CSV.
    query = "status=implemented&group=committee"
    pdf = clerk_client.get(f"/trackers/tracker.pdf?{query}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "\n".join(pdf_pages_text(pdf.content))
    implemented = _csv(clerk_client.get(f"/trackers/tracker.csv?{query}"))[1:]
    assert {row[1] for row in implemented} == {
        "Children's Select Committee",
        "Children & Young People Scrutiny Commission",
    }
    for row in implemented:
        assert row[0] in text and f"{row[1]}, " in text

    page = clerk_client.get("/trackers/").content.decode()
    assert "Tracker: All authorities, open recommendations" in page
    assert "SR (18/19) 02a" in page
    for fmt in ("pdf", "csv", "xlsx", "docx"):
        assert f'href="/trackers/tracker.{fmt}?closed=hide"' in page


def test_grouped_by_committee_each_row_names_its_review(clerk_client, layouts):
    document = Document(
        io.BytesIO(clerk_client.get("/trackers/tracker.docx?group=committee").content)
    )
    (table,) = document.tables
    first_cells = [row.cells[0].text for row in table.rows[1:]]
    committees = list(Committee.objects.select_related("authority"))
    for committee in committees:
        assert f"{committee.name}, {committee.authority.name}" in first_cells
    hackney = Review.objects.get(slug=HACKNEY)
    assert f"SR (21/22) 01\n{hackney.title}" in first_cells
    page = clerk_client.get("/trackers/?group=committee").content.decode()
    assert f'<th scope="colgroup" colspan="9">{committees[0].name}, ' in page.replace("&#x27;", "'")


def test_a_committees_tracker_in_another_layout(clerk_client, layouts):
    hackney = Review.objects.select_related("committee").get(slug=HACKNEY)
    query = f"committee={hackney.committee_id}&layout=hackney"
    rows = _csv(clerk_client.get(f"/trackers/tracker.csv?{query}"))
    assert {row[1] for row in rows[1:]} == {hackney.committee.name}
    assert rows[0][3:] == ["Ref", "Recommendation", "Response", "Hackney Education lead",
                           "Progress update"]  # fmt: skip
    page = clerk_client.get(f"/trackers/?{query}").content.decode()
    assert f"Tracker: {hackney.committee.name}".replace("&", "&amp;") in page


def test_the_filters_are_the_recommendation_lists(clerk_client, layouts):
    rows = _csv(clerk_client.get("/trackers/tracker.csv?status=implemented"))
    implemented = Recommendation.objects.filter(updates__status="implemented").distinct()
    assert 0 < len(rows) - 1 <= implemented.count()
    assert all(row[-2] == "Implemented" for row in rows[1:])
    rows = _csv(clerk_client.get("/trackers/tracker.csv?q=%22Virtual+School%22"))
    assert 0 < len(rows) - 1 < _open_recommendations()
    # An invalid filter lists nothing, and says why on the page.
    assert len(_csv(clerk_client.get("/trackers/tracker.csv?status=nonsense"))) == 1
    page = clerk_client.get("/trackers/?status=nonsense").content.decode()
    assert "Select a valid choice" in page


def test_open_recommendations_unless_all_are_asked_for(clerk_client, layouts):
    review = Review.objects.get(slug=HACKNEY)
    meeting = Meeting.objects.filter(committee=review.committee).first()
    rec = review.recommendations.get(label="1")
    services.recommendation_close(
        recommendation=rec, meeting=meeting, reason="Done", evidence="Minute 1",
        expected_version=rec.version, user=None,
    )  # fmt: skip
    total = Recommendation.objects.count()
    open_rows = _csv(clerk_client.get("/trackers/tracker.csv"))
    assert len(open_rows) - 1 == total - 1
    assert "SR (21/22) 01" not in {row[0] for row in open_rows}
    every_row = _csv(clerk_client.get("/trackers/tracker.csv?closed="))
    assert len(every_row) - 1 == total
    assert "SR (21/22) 01" in {row[0] for row in every_row}  # numbers do not shift
    assert "SR (21/22) 02" in {row[0] for row in open_rows}


def test_the_reference_pattern_is_the_authoritys(clerk_client, layouts):
    authority = Authority.objects.get(committees__reviews__slug=HACKNEY)
    authority.tracker_reference = "HK/{year}/{label}"
    authority.municipal_year_starts = 1  # calendar years: December 2021 is 21/22
    services.authority_update(authority=authority, expected_version=authority.version, user=None)
    rows = _csv(clerk_client.get(f"/trackers/tracker.csv?authority={authority.pk}"))
    assert rows[1][0] == "HK/21/22/1"


@pytest.mark.parametrize(
    "pattern", ["{foo}", "SR {year}", "{number", "{0}", "{number.real}", "{label!z}"]
)
def test_a_reference_pattern_that_cannot_number_rows_is_refused(pattern):
    authority = Authority.objects.create(name="Somewhere", slug="somewhere")
    authority.tracker_reference = pattern
    with pytest.raises(ValidationError) as raised:
        services.authority_update(authority=authority, expected_version=1, user=None)
    assert "tracker_reference" in raised.value.message_dict


def test_the_authority_settings_page_sets_the_pattern(officer_client, layouts):
    authority = Authority.objects.get(committees__reviews__slug=HACKNEY)
    url = f"/authorities/{authority.slug}/settings/"
    data = {
        "name": authority.name, "response_due_amount": "2", "response_due_unit": "months",
        "version": str(authority.version), "municipal_year_starts": "4",
    }  # fmt: skip
    response = officer_client.post(url, {**data, "tracker_reference": "{year}"})
    assert response.status_code == 200
    assert "Include {number} or {label}" in " ".join(
        response.context["form"].errors["tracker_reference"]
    )
    response = officer_client.post(url, {**data, "tracker_reference": "CYP {number}"})
    assert response.status_code == 302
    authority.refresh_from_db()
    assert (authority.tracker_reference, authority.municipal_year_starts) == ("CYP {number}", 4)


def test_municipal_years():
    authority = Authority(municipal_year_starts=5)
    assert authority.municipal_year(dt.date(2025, 5, 1)) == "25/26"
    assert authority.municipal_year(dt.date(2026, 4, 30)) == "25/26"
    assert authority.municipal_year(dt.date(1999, 12, 1)) == "99/00"
    assert authority.municipal_year(None) == ""


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("anonymous", "/trackers/", 302),
        ("outsider", "/trackers/", 403),
        ("member", "/trackers/", 200),
        ("member", "/trackers/tracker.csv", 403),
        ("member", "/trackers/tracker.xlsx", 403),
        ("member", "/trackers/tracker.docx", 403),
        ("member", "/trackers/tracker.pdf", 403),
        ("outsider", "/trackers/tracker.docx", 403),
        ("clerk", "/trackers/", 200),
        ("clerk", "/trackers/tracker.docx", 200),
        ("officer", "/trackers/tracker.xlsx", 200),
    ],
)
def test_role_matrix(client, request, who, path, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(path).status_code == status


def test_a_tracker_too_big_for_a_request_goes_to_the_worker(clerk_client, layouts, settings):
    """tests/reports/test_prerender_trackers.py follows it to the download."""
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5
    response = clerk_client.get("/trackers/tracker.pdf?group=committee")
    assert response.status_code == 302
    assert response.url == "/trackers/pdf/?closed=hide&group=committee"
    # Word and Excel are made at any size.
    assert clerk_client.get("/trackers/tracker.docx?group=committee").status_code == 200


def test_linked_from_the_list_the_authorities_and_each_review(clerk_client, layouts):
    review = Review.objects.select_related("committee").get(slug=HACKNEY)
    page = clerk_client.get("/recommendations/?status=implemented").content.decode()
    assert 'href="/trackers/?status=implemented"' in page
    page = clerk_client.get("/authorities/").content.decode()
    assert f'href="/trackers/?authority={review.committee.authority_id}"' in page
    assert f'href="/trackers/?committee={review.committee_id}"' in page
    page = clerk_client.get(f"/reviews/{HACKNEY}/").content.decode()
    assert f'href="/trackers/?committee={review.committee_id}"' in page


HOSTILE = 'AT&T <b>x</b> ]]> "q" \x01\x0b\ufffe'


def test_hostile_text_is_escaped_in_every_format(clerk_client):
    from tests.factories import make_review

    review = make_review(recommendations=1, title=f"Review {HOSTILE}")
    rec = review.recommendations.get()
    rec.text = f"<script>alert(1)</script> {HOSTILE}"
    rec.save()
    page = clerk_client.get("/trackers/").content.decode()
    assert "<script>" not in page and "<b>x</b>" not in page and "AT&amp;T" in page
    document = Document(io.BytesIO(clerk_client.get("/trackers/tracker.docx").content))
    assert "AT&T" in document.tables[0].rows[1].cells[0].text
    assert clerk_client.get("/trackers/tracker.pdf").status_code == 200
    assert clerk_client.get("/trackers/tracker.xlsx").status_code == 200
