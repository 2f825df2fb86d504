"""Issue 19: the annual report page, its links, its exports, and what it costs. The figures'
own rules are tested on hand-built data in tests/recommendations/test_impact.py."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from html import unescape

import pytest
from docx import Document
from openpyxl import load_workbook

from recommendations.models import Authority, ProgressUpdate, Recommendation
from reports import annual
from tests.conftest import ARTIFACTS
from tests.factories import make_review
from tests.reports.conftest import pdf_pages_text

pytestmark = pytest.mark.django_db

# Hackney's review reported in December 2021: the year April 2021 to March 2022.
HACKNEY_YEAR = "/annual/?year=2021"


def _links(html: str) -> dict[str, tuple[str, int]]:
    """The overall table's figures: key -> (link, count)."""
    table = html.split('class="table table--compact counts annual-overall"', 1)[1]
    table = table.split("</table>", 1)[0]
    found = {}
    for href, count in re.findall(r'<a href="([^"]+)">(\d+)</a>', table):
        key = re.search(r"figure=([a-z_0-9]+)", unescape(href))[1]
        found[key] = (unescape(href), int(count))
    return found


def test_every_figure_links_to_exactly_the_recommendations_it_counts(demo_data, member_client):
    response = member_client.get(HACKNEY_YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    assert "annual report 2021/22" in html
    links = _links(html)
    # Hackney made 11 recommendations (its lettered parts counted as parts) in 2021/22.
    made = Recommendation.objects.filter(review__slug="hackney-school-exclusions", parts=None)
    assert links["made"][1] == made.count() > 0
    for key, (href, count) in links.items():
        listed = member_client.get(href)
        assert listed.status_code == 200, key
        shown = re.search(r'<h2 id="results-heading">(\d+) recommendation', listed.content.decode())
        assert int(shown[1]) == count, (key, href)


def test_an_earlier_as_at_date_gives_the_figures_as_they_stood_then(demo_data, member_client):
    later = _links(member_client.get(HACKNEY_YEAR).content.decode())
    # As at the day before Hackney's response was published (March 2022): every
    # recommendation awaited its response, none had an update.
    early = _links(member_client.get(f"{HACKNEY_YEAR}&as_at=2022-02-27").content.decode())
    assert early["awaiting"][1] == early["made"][1] == later["made"][1]
    assert early["no_update"][1] == early["made"][1]
    assert later["awaiting"][1] < early["awaiting"][1]


def test_an_edit_shows_at_once(demo_data, member_client):
    url = f"{HACKNEY_YEAR}&as_at=2025-01-01"
    before = _links(member_client.get(url).content.decode())
    rec = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    ProgressUpdate.objects.create(
        recommendation=rec, as_at=dt.date(2024, 12, 1), status="implemented", text="Done."
    )
    after = _links(member_client.get(url).content.decode())
    assert after["implemented"][1] == before["implemented"][1] + 1


def test_the_period_starts_in_the_authoritys_month(demo_data, member_client):
    Authority.objects.update(report_year_starts=1)
    html = member_client.get("/annual/?year=2021").content.decode()
    assert "annual report 2021" in html and "1 January 2021 to 31 December 2021" in html


def test_officers_set_the_month_on_the_authoritys_settings_page(officer_client, demo_data):
    authority = Authority.objects.get(committees__reviews__slug="hackney-school-exclusions")
    assert authority.report_year_starts == 4  # April unless the authority says otherwise
    url = f"/authorities/{authority.slug}/settings/"
    data = {
        "name": authority.name, "response_due_amount": "2", "response_due_unit": "months",
        "version": str(authority.version), "report_year_starts": "9",
    }  # fmt: skip
    assert officer_client.post(url, data).status_code == 302
    authority.refresh_from_db()
    assert authority.report_year_starts == 9
    html = officer_client.get(f"/annual/?authority={authority.slug}&year=2021").content.decode()
    assert "1 September 2021 to 31 August 2022" in html


def test_nonsense_in_the_query_is_said_on_the_form(demo_data, member_client):
    response = member_client.get("/annual/?year=abc&as_at=31/13/2025&authority=nowhere")
    assert response.status_code == 200
    assert "Enter the date as YYYY-MM-DD" in response.content.decode()


def test_members_read_it_and_only_exporters_download_it(demo_data, member_client, client):
    assert member_client.get("/annual/report.xlsx").status_code == 403
    client.logout()
    assert client.get("/annual/").status_code == 302  # to sign in


def test_the_xlsx_has_every_figure_and_the_recommendations_behind_them(demo_data, clerk_client):
    page = _links(clerk_client.get(HACKNEY_YEAR).content.decode())
    response = clerk_client.get("/annual/report.xlsx?year=2021")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["About", "Figures", "Cohorts", "Recommendations"]
    figures = list(book["Figures"].iter_rows(values_only=True))
    heading, overall = figures[0], figures[1]
    made_column = heading.index("Recommendations made")
    assert overall[made_column] == page["made"][1]
    rows = list(book["Recommendations"].iter_rows(values_only=True))
    column = rows[0].index("Recommendations made")
    implemented = rows[0].index("Implemented")
    # Filtering a figure's column to "Yes" gives the list behind its number.
    assert sum(1 for row in rows[1:] if row[column] == "Yes") == page["made"][1]
    assert sum(1 for row in rows[1:] if row[implemented] == "Yes") == page["implemented"][1]


def test_the_docx_and_pdf_print_the_figures(demo_data, clerk_client):
    docx = clerk_client.get("/annual/report.docx?year=2021")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "annual report 2021/22" in text and "How each figure is defined" in text
    pdf = clerk_client.get("/annual/report.pdf?year=2021")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    pages = pdf_pages_text(pdf.content)
    assert "Contents" in pages[1]
    assert any("Implemented within 1, 2 and 4 years" in page for page in pages[2:])
    # For people to look at: the pages as pictures beside the other tests' screenshots.
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "annual-report.pdf").write_bytes(pdf.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", str(ARTIFACTS / "annual-report.pdf"),
         str(ARTIFACTS / "annual-report-pdf")],
        check=True, timeout=60,
    )  # fmt: skip


def _reviews(count: int) -> None:
    for index in range(count):
        review = make_review(recommendations=3, updates_each=2)
        rec = review.recommendations.first()
        ProgressUpdate.objects.create(
            recommendation=rec,
            as_at=dt.date(2023, 9, 1),
            status=ProgressUpdate.Status.IMPLEMENTED,
            text=f"Done {index}",
        )
        other = review.recommendations.last()  # open: the implemented one is not listed
        other.is_priority, other.priority_reason = index % 2 == 0, "Matters"
        other.save()


@pytest.mark.parametrize("reviews", [2, 12])
def test_the_queries_do_not_grow_with_the_reviews(
    reviews, member_client, django_assert_max_num_queries
):
    _reviews(reviews)
    # Session and user (2); the authorities' month and the years (3); the form's
    # authorities (1); the data's version (8); the report: its month, five for the
    # standings, reviews, committees, the implemented updates, the priorities (10).
    with django_assert_max_num_queries(25):
        response = member_client.get("/annual/?year=2022&as_at=2024-01-01")
    assert response.status_code == 200
    report = annual.annual_report(authority=None, year=2022, as_at=dt.date(2024, 1, 1))
    assert report.overall.count("made") == reviews * 3
    assert report.overall.count("implemented") == reviews
    assert report.priorities_total == (reviews + 1) // 2
