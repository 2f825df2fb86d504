import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import ProgressUpdate, Recommendation, UpdateReport
from tests.factories import make_review
from tests.reports.conftest import BUCKS, EAST_SUSSEX, HACKNEY, make_big_review

pytestmark = pytest.mark.django_db


def table(response) -> tuple[list[str], list[dict[str, str]]]:
    table = response.context["table"]
    headings = [column.header for column in table.columns]
    rows = [
        {column.name: str(row.get_cell(column.name)) for column in table.columns}
        for row in table.rows
    ]
    return headings, rows


def test_hackney_appendix_has_appendix_a_columns_and_cells(member_client, layouts):
    response = member_client.get(f"/reviews/{HACKNEY}/appendix/")
    assert response.status_code == 200
    headings, rows = table(response)
    assert headings == ["Recommendation", "Response", "Hackney Education lead", "Progress update"]
    assert len(rows) == 18
    first = rows[0]
    assert first["recommendation"].startswith(
        '<p class="appendix-label"><strong>Recommendation 1</strong>'
    )
    assert (
        "That school exclusion data is published and reviewed annually" in first["recommendation"]
    )
    assert "Hackney Education agrees with this recommendation in full" in first["response"]
    assert "Katherine Cracknell" in first["leads"]
    assert "Acting Head of Wellbeing and Safeguarding in Education" in first["leads"]
    assert "most recent report of this kind was presented on 31st October 2022" in first["update"]
    assert "Recommendation 18" in rows[-1]["recommendation"]


def test_east_sussex_appendix_has_its_columns_labels_and_timescales(member_client, layouts):
    response = member_client.get(f"/reviews/{EAST_SUSSEX}/appendix/")
    headings, rows = table(response)
    assert headings == [
        "Scrutiny Recommendation",
        "Director's response and action plan",
        "Update notes",
        "Timescale",
    ]
    assert len(rows) == 12
    assert rows[0]["recommendation"].startswith('<p class="appendix-label"><strong>R1</strong>')
    assert "area-based teams" in rows[0]["recommendation"]
    assert rows[0]["timescale"] == "July 2024"
    assert "<li>Recruitment to all outstanding vacancies</li>" in rows[0]["response"]
    assert "vacancy controls" in rows[0]["update"]
    assert "R12" in rows[-1]["recommendation"]


def test_buckinghamshire_appendix_has_parts_as_rows_with_yes_no(member_client, layouts):
    response = member_client.get(f"/reviews/{BUCKS}/appendix/")
    headings, rows = table(response)
    assert headings == [  # the paper's own (seed 004)
        "Recommendation",
        "Agreed Yes/No",
        "BCC Cabinet / Partner Agency Response including proposed action",
        "Responsible Cabinet Member (for BCC recs)",
        "Senior Responsible Officer Owner",
        "Six month progress update",
    ]
    first_cells = [row["recommendation"] for row in rows]
    assert len(rows) == 14  # 8 recommendations and 6 parts
    assert first_cells[0].startswith("<p><strong>1:</strong> It is recommended that Early Help")
    assert first_cells[1].startswith("<p><strong>2:</strong> It is recommended that:")
    assert first_cells[2].startswith("<p><strong>2a.</strong> a series of workshops")
    # One marker, the part's label: the "b." its text starts with stands for 2b.
    assert first_cells[3].startswith("<p><strong>2b.</strong> senior leadership teams")
    assert first_cells[5].startswith("<p><strong>3a.</strong> BCC guidance")
    decisions = {row["recommendation"][:30]: row["decision_yes_no"] for row in rows}
    assert [row["decision_yes_no"] for row in rows] == [
        "Yes", "", "Yes", "Yes", "", "Yes", "Yes", "Yes", "", "", "", "No", "Yes", "Yes",
    ], decisions  # fmt: skip
    assert rows[0]["cabinet_member"] == "<p>Cllr Mike Appleyard</p>"
    assert (
        "Gareth Morgan" in rows[0]["senior_officer"]
        and "Head of Early Help" in rows[0]["senior_officer"]
    )
    assert "Cabinet is unable to support this recommendation." in rows[11]["response"]
    assert "<li>Managing low level disruption in the classroom</li>" in rows[3]["update"]
    assert 'class="appendix-part ' in response.content.decode()


def test_other_reviews_get_the_standard_layout(member_client):
    review = make_review(recommendations=2)
    headings, rows = table(member_client.get(f"/reviews/{review.slug}/appendix/"))
    assert headings == [
        "Recommendation",
        "Decision",
        "Response",
        "Timetable",
        "Leads",
        "Latest update",
        "Status",
        "Timescale",
    ]
    assert rows[0]["decision"] == "Agreed"
    assert rows[0]["timescale"] == "Ongoing"


def test_it_shows_the_updates_of_one_report(member_client, layouts):
    hackney_report = UpdateReport.objects.get(review__slug=HACKNEY)
    rec = Recommendation.objects.get(review__slug=HACKNEY, label="1")
    ProgressUpdate.objects.create(recommendation=rec, as_at="2024-01-01", text="A later update.")
    latest = table(member_client.get(f"/reviews/{HACKNEY}/appendix/"))[1]
    assert "A later update." in latest[0]["update"]
    response = member_client.get(f"/reviews/{HACKNEY}/appendix/?report={hackney_report.pk}")
    assert response.status_code == 200
    in_report = table(response)[1]
    assert "A later update." not in in_report[0]["update"]
    assert "31st October 2022" in in_report[0]["update"]


@pytest.mark.parametrize("value", ["foreign", "abc", "-1", "999999", "1" * 40])
def test_an_unknown_or_foreign_report_is_a_404(member_client, layouts, value):
    if value == "foreign":
        value = str(UpdateReport.objects.get(review__slug=BUCKS).pk)
    assert member_client.get(f"/reviews/{HACKNEY}/appendix/?report={value}").status_code == 404
    assert member_client.get(f"/reviews/{HACKNEY}/appendix.csv?report={value}").status_code in (
        403,
        404,
    )


def test_user_text_is_sanitised(member_client):
    review = make_review(recommendations=1)
    update = ProgressUpdate.objects.filter(recommendation__review=review).first()
    update.text = '<script>alert(1)</script><img src="http://127.0.0.1/x.png"> **bold**'
    update.save()
    body = member_client.get(f"/reviews/{review.slug}/appendix/").content.decode()
    assert "<script>alert" not in body and "<img" not in body
    assert "<strong>bold</strong>" in body


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("anonymous", "appendix/", 302),
        ("outsider", "appendix/", 403),
        ("member", "appendix/", 200),
        ("clerk", "appendix/", 200),
        ("member", "appendix.csv", 403),
        ("member", "appendix.xlsx", 403),
        ("member", "appendix.pdf", 403),
        ("outsider", "appendix.csv", 403),
        ("clerk", "appendix.csv", 200),
        ("officer", "appendix.xlsx", 200),
        ("member", "appendix.docx", 403),
        ("outsider", "appendix.docx", 403),
        ("clerk", "appendix.docx", 200),
        ("member", "appendix/settings/", 403),
        ("clerk", "appendix/settings/", 403),
        ("officer", "appendix/settings/", 200),
        ("anonymous", "update-reports/{report}/appendix-layout/", 302),
        ("outsider", "update-reports/{report}/appendix-layout/", 403),
        ("member", "update-reports/{report}/appendix-layout/", 403),
        ("clerk", "update-reports/{report}/appendix-layout/", 403),
        ("officer", "update-reports/{report}/appendix-layout/", 200),
    ],
)
def test_role_matrix(client, request, who, path, status):
    review = make_review(recommendations=1)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    path = path.format(report=UpdateReport.objects.get(review=review).pk)
    assert client.get(f"/reviews/{review.slug}/{path}").status_code == status


def test_the_page_links_exports_only_for_those_who_may_export(client, member, clerk):
    review = make_review(recommendations=1)
    client.force_login(member)
    assert "appendix.pdf" not in client.get(f"/reviews/{review.slug}/appendix/").content.decode()
    client.force_login(clerk)
    assert "appendix.pdf" in client.get(f"/reviews/{review.slug}/appendix/").content.decode()


def test_unknown_review_is_a_404(member_client):
    assert member_client.get("/reviews/no-such-review/appendix/").status_code == 404


@pytest.mark.parametrize("count", [10, 500])
def test_appendix_page_uses_a_constant_number_of_queries(member_client, count):
    make_big_review(count)
    member_client.get("/reviews/big-review/appendix/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get("/reviews/big-review/appendix/")
    assert response.status_code == 200
    assert len(response.context["table"].rows) == count
    # session; user; the user's own permissions; their groups' permissions; the review with
    # committee, authority and settings; its recommendations with responses; their leads with
    # people; their latest updates; the review's update reports (for the report picker and
    # the summary's schedule); its meetings (the summary's follow-up and last decision);
    # saving the session (savepoint, update, release).
    assert len(queries) == 13, [q["sql"][:120] for q in queries.captured_queries]
