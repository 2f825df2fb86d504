"""Issue 12: a recommendation without an update in a round shows its latest earlier update,
marked "No new update this round" with that update's date, wherever the round is shown (the
appendix for the report: page, CSV, XLSX, PDF; the pack; the report page; the round entry
page); never a blank cell, a wrong "no update yet" count, or a status change that did not
happen in "what changed". The reason a report was made final without them is shown with it."""

from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pytest

from recommendations import services
from recommendations.models import Meeting, ProgressUpdate, Recommendation, UpdateReport
from reports import rows
from reports.pdf import documents
from tests.factories import make_review
from tests.reports.conftest import csv_rows, pdf_pages_text
from tests.reports.test_appendix import table
from tests.reports.test_exports import xlsx_rows

pytestmark = pytest.mark.django_db

REASON = "The lead for 2 and 3 was on leave; both follow in the next round."
MARK = "No new update this round."


@pytest.fixture
def rounds() -> tuple[UpdateReport, UpdateReport]:
    """Six month report (final): each of 1-3 updated "in progress" as at 1 February 2023.
    Twelve month report (final, presented at a meeting): only 1 updated, now implemented; 4 was
    added since and never updated."""
    review = make_review(slug="r", recommendations=3)
    first = UpdateReport.objects.get(review=review)
    first.is_final = True
    first.save()
    Recommendation.objects.create(review=review, label="4", order=4, text="Added later.")
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 3, 1), agenda_item="Twelve month update"
    )
    meeting.reviews.add(review)
    second = UpdateReport.objects.create(
        review=review, title="Twelve month update", as_at=dt.date(2024, 1, 31), meeting=meeting
    )
    ProgressUpdate.objects.create(
        recommendation=Recommendation.objects.get(review=review, label="1"), report=second,
        as_at=dt.date(2024, 1, 15), text="Done in full.",
        status=ProgressUpdate.Status.IMPLEMENTED,
    )  # fmt: skip
    second = services.update_report_finalise(
        report=second, expected_version=second.version, user=None, gaps_reason=REASON
    )
    return first, second


def _by_label(cells: list[list[str]]) -> dict[str, dict[str, str]]:
    """Rows by recommendation label, each cell by its heading."""
    label = cells[0].index("Ref")
    return {row[label]: dict(zip(cells[0], row, strict=True)) for row in cells[1:]}


def test_the_appendix_page_marks_each_recommendation_without_an_update(member_client, rounds):
    _, second = rounds
    response = member_client.get(f"/reviews/r/appendix/?report={second.pk}")
    headings, cells = table(response)
    by_label = {row["recommendation"].split("</strong>")[0].split()[-1]: row for row in cells}
    assert "Done in full." in by_label["1"]["update"] and MARK not in by_label["1"]["update"]
    assert by_label["1"]["status"] == "Implemented"
    for label in ["2", "3"]:
        update = by_label[label]["update"]
        assert MARK in update and "Latest update, as at 1 February 2023:" in update
        assert f"Update 0 on {label}" in update
        assert by_label[label]["status"] == "In progress"  # where it stood, not a blank
    assert "No update yet." in by_label["4"]["update"]
    body = response.content.decode()
    assert "<strong>1 of 4</strong> recommendations have an update in this report." in body
    assert "No new update this round for 2, 3, 4" in body
    assert REASON in body


def test_the_latest_appendix_is_unchanged_by_rounds(member_client, rounds):
    _, cells = table(member_client.get("/reviews/r/appendix/"))
    assert not any(MARK in row["update"] for row in cells)
    assert "round-note" not in member_client.get("/reviews/r/appendix/").content.decode()


@pytest.mark.parametrize(("extension", "reader"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_the_exports_mark_it_in_the_update_cell(clerk_client, rounds, extension, reader):
    _, second = rounds
    cells = reader(clerk_client.get(f"/reviews/r/appendix.{extension}?report={second.pk}"))
    by_label = _by_label(cells)

    def shown(label: str) -> list[str]:
        return [by_label[label]["Latest update"], by_label[label]["Status"]]

    assert shown("1") == ["Done in full.", "Implemented"]
    for label in ["2", "3"]:
        assert shown(label) == [
            f"{MARK} Latest update, as at 1 February 2023:\nUpdate 0 on {label}",
            "In progress",
        ]
    assert shown("4") == ["No update yet.", ""]


def test_the_pdf_marks_it_and_gives_the_reason(clerk_client, rounds):
    _, second = rounds
    response = clerk_client.get(f"/reviews/r/appendix.pdf?report={second.pk}")
    assert response.status_code == 200
    text = "\n".join(pdf_pages_text(response.content))
    # The update column is narrow: its lines sit beside the other columns' lines.
    assert len(re.findall(r"No new update this round\.\s", text)) == 2
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        cells = [
            " ".join((cell or "").split())
            for page in pdf.pages
            for table in page.extract_tables()
            for row in table
            for cell in row
        ]
    marked = "No new update this round. Latest update, as at 1 February 2023:"
    assert sum(cell.startswith(marked) for cell in cells) == 2
    assert "Update 0 on 2" in text and "Update 0 on 3" in text
    assert "1 of 4 recommendations have an update in this report." in text
    assert REASON in text


def test_the_pack_counts_no_update_yet_only_for_what_never_had_one(rounds):
    _, second = rounds
    pack = rows.meeting_pack(second.meeting_id)
    # 2 and 3 stand where their earlier update left them; only 4 was never updated.
    assert dict(pack.status_counts) == {"In progress": 2, "Implemented": 1, "No update yet": 1}
    html = documents.pack_html(pack)
    assert html.count(f"<strong>{MARK[:-1]}.</strong>") == 2
    assert REASON in html


def test_what_changed_shows_no_status_change_without_a_new_update(member_client, rounds):
    first, second = rounds
    response = member_client.get(
        f"/reviews/r/changes/?from=report-{first.pk}&to=report-{second.pk}"
    )
    changes = {c.recommendation.label: c for c in response.context["comparison"].changes}
    assert changes["1"].status_changed and changes["1"].after_status == "Implemented"
    for label in ["2", "3"]:
        change = changes[label]
        assert change.after_carried and not change.status_changed and not change.changed
        assert change.after_status == "In progress"
    assert response.context["comparison"].changed_count == 1
    body = response.content.decode()
    assert body.count('<span class="tag">No new update this round</span>') == 2
    assert "In progress (unchanged)" in body
    assert "<del>In progress</del> → <ins>No update</ins>" not in body


def test_the_dashboard_and_review_page_count_no_update_yet_only_when_there_never_was_one(
    member_client, rounds
):
    dashboard = member_client.get("/").context["dashboard"]
    (summary,) = [s for s in dashboard.reviews if s.review.slug == "r"]
    assert dict(summary.status_counts) == {"implemented": 1, "in_progress": 2, "none": 1}
    review_page = member_client.get("/reviews/r/").context["summary"]
    assert dict(review_page.status_counts) == dict(summary.status_counts)


def test_the_round_entry_page_marks_rows_without_an_update(officer_client, rounds):
    review = rounds[1].review
    third = UpdateReport.objects.create(review=review, title="Eighteen month update")
    body = officer_client.get(f"/reviews/r/update-reports/{third.pk}/enter/").content.decode()
    assert body.count('<span class="tag">No new update this round</span>') == 4
    assert body.count("<h3>Latest earlier update</h3>") == 4
    assert "<li>As at 15 January 2024</li>" in body  # 1's, from the twelve month report
    assert body.count("<li>As at 1 February 2023</li>") == 2


def test_the_reason_is_escaped_everywhere_it_is_shown(member_client, clerk_client, rounds):
    _, second = rounds
    second.finalised_with_gaps_reason = (
        "<script>alert('gaps')</script> **Leave** [x](javascript:alert(1))"
    )
    second.save()
    pages = [
        member_client.get(f"/reviews/r/update-reports/{second.pk}/").content.decode(),
        member_client.get(f"/reviews/r/appendix/?report={second.pk}").content.decode(),
        documents.appendix_html(rows.appendix("r", second.pk)),
        documents.pack_html(rows.meeting_pack(second.meeting_id)),
    ]
    for html in pages:
        assert "<strong>Leave</strong>" in html
        assert "<script>alert('gaps')" not in html and "javascript:alert" not in html
