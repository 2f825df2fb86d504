"""Issue 14: a progress update may say "status not stated", and a response has its own
timetable. Neither makes a recommendation overdue, or changes its status, by itself."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from recommendations.models import DatePrecision, ProgressUpdate, Recommendation, Response
from recommendations.monitoring import with_progress
from reports.changes import compare
from reports.dashboard import summarise
from tests.factories import make_review

pytestmark = pytest.mark.django_db

NOT_STATED = ProgressUpdate.Status.NOT_STATED
LONG_AGO = dt.date(2020, 1, 1)


@pytest.fixture
def rec():
    review = make_review(slug="r", recommendations=1, updates_each=0)
    return review.recommendations.get()


def _add(rec, as_at: dt.date, status: str, target: dt.date | None = None) -> ProgressUpdate:
    return ProgressUpdate.objects.create(
        recommendation=rec, as_at=as_at, text="Progress.", status=status, target_date=target
    )


def _standing(rec) -> Recommendation:
    return with_progress(Recommendation.objects.filter(pk=rec.pk)).get()


def test_an_update_with_no_stated_status_is_never_overdue_by_itself(rec):
    _add(rec, dt.date(2021, 1, 1), NOT_STATED, target=LONG_AGO)
    standing = _standing(rec)
    assert (standing.status_key, standing.is_overdue) == ("not_stated", False)


@pytest.mark.parametrize(
    ("earlier", "expected_status"),
    [("implemented", "implemented"), ("superseded", "superseded"), ("not_started", "not_started")],
)
def test_a_later_update_with_no_stated_status_leaves_the_status_as_it_was(
    rec, earlier, expected_status
):
    _add(rec, dt.date(2021, 1, 1), earlier)
    _add(rec, dt.date(2022, 1, 1), NOT_STATED)
    standing = _standing(rec)
    assert standing.status_key == expected_status and not standing.is_overdue


def test_a_stated_status_and_a_passed_target_stay_overdue_across_an_unstated_update(rec):
    """The unstated update neither clears the flag nor raises it: the stated status does."""
    _add(rec, dt.date(2021, 1, 1), "in_progress", target=LONG_AGO)
    assert _standing(rec).is_overdue
    _add(rec, dt.date(2022, 1, 1), NOT_STATED, target=LONG_AGO)
    standing = _standing(rec)
    assert (standing.status_key, standing.is_overdue) == ("in_progress", True)
    _add(rec, dt.date(2023, 1, 1), "implemented", target=LONG_AGO)
    assert not _standing(rec).is_overdue


def test_the_response_timetable_never_makes_anything_overdue(rec):
    response = Response.objects.get(recommendation=rec)
    response.timetable = "Meeting held by 28 February"
    response.timetable_date = dt.date(2021, 2, 28)
    response.save()
    standing = _standing(rec)
    assert (standing.status_key, standing.is_overdue) == ("none", False)
    _add(rec, dt.date(2021, 3, 1), "in_progress")  # an update without a target date
    assert not _standing(rec).is_overdue


def test_the_dashboard_counts_status_not_stated_on_its_own(rec):
    other = Recommendation.objects.create(review=rec.review, label="2", order=2, text="More.")
    _add(rec, dt.date(2021, 1, 1), NOT_STATED)
    _add(other, dt.date(2021, 1, 1), "not_started")
    summary = summarise(rec.review, with_progress(rec.review.recommendations.all()))
    assert summary.status_counts == {"not_stated": 1, "not_started": 1}
    assert [(s.label, s.count) for s in summary.status_segments] == [
        ("Not started", 1),
        ("Status not stated", 1),
    ]
    assert summary.figure("not_started")[0] == 1  # not counted as not started


def test_the_dashboard_and_the_table_count_it_the_same(member_client, rec):
    _add(rec, dt.date(2021, 1, 1), NOT_STATED)
    body = member_client.get("/").content.decode()
    assert "Status not stated" in body
    listed = member_client.get("/recommendations/?status=not_stated")
    assert list(listed.context["filter"].qs) == [rec]


def test_it_shows_as_such_on_the_page_and_blank_in_the_appendix_status_column(officer_client, rec):
    _add(rec, dt.date(2021, 1, 1), "in_progress")
    _add(rec, dt.date(2022, 1, 1), NOT_STATED)
    body = officer_client.get("/reviews/r/recommendations/1/").content.decode()
    assert "Status not stated" in body  # the update, in the timeline
    tags = body.split('<div class="tags">', 1)[1].split("</div>", 1)[0]
    assert "In progress" in tags and "not stated" not in tags  # the status still stands
    content = officer_client.get("/reviews/r/appendix.csv").content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content)))
    assert row[header.index("Status")] == "" and row[header.index("Latest update")] == "Progress."


def test_what_changed_shows_no_status_change_for_an_unstated_update(rec):
    report = rec.review.update_reports.get()
    before = _add(rec, dt.date(2021, 1, 1), "in_progress")
    before.report = report
    before.save()
    _add(rec, timezone.localdate(), NOT_STATED)
    change = compare("r", f"report-{report.pk}", "latest").changes[0]
    assert change.status_not_stated and not change.status_changed
    assert change.text_changed is False  # the same words; only the status was left unsaid


def test_an_officer_records_a_response_timetable_shown_on_the_page_and_appendix(
    officer_client, rec
):
    response = Response.objects.get(recommendation=rec)
    posted = officer_client.post(
        "/reviews/r/recommendations/1/response/",
        {
            "decision": "agreed", "text": "Agreed.", "given_by": "", "agreed_on": "",
            "agreed_precision": "day", "timetable": "Meeting held by 28 February",
            "timetable_date": "2025-02-28", "timetable_precision": "day",
            "version": response.version,
        },
    )  # fmt: skip
    assert posted.status_code == 302
    response.refresh_from_db()
    assert (response.timetable, response.timetable_date) == (
        "Meeting held by 28 February",
        dt.date(2025, 2, 28),
    )
    assert response.history.count() == 2
    body = officer_client.get("/reviews/r/recommendations/1/").content.decode()
    assert "Meeting held by 28 February<br>28 February 2025" in body
    rows = officer_client.get("/reviews/r/appendix.csv").content.decode("utf-8-sig")
    assert '"Meeting held by 28 February\n28 February 2025"' in rows
    assert "Timetable" in rows.splitlines()[0]
    assert not _standing(rec).is_overdue


def test_a_timetable_may_be_words_alone_and_its_date_a_month(officer_client, rec):
    response = Response.objects.get(recommendation=rec)
    posted = officer_client.post(
        "/reviews/r/recommendations/1/response/",
        {"decision": "agreed", "text": "", "agreed_precision": "day", "timetable": "Completed",
         "timetable_precision": "day", "version": response.version},
    )  # fmt: skip
    assert posted.status_code == 302
    response.refresh_from_db()
    assert response.timetable_display == "Completed"
    response.timetable_date, response.timetable_precision = dt.date(2022, 3, 1), DatePrecision.MONTH
    assert response.timetable_display == "Completed\nMarch 2022"


def test_the_timeline_and_history_record_no_status_change_for_an_unstated_update(
    officer_client, rec
):
    _add(rec, dt.date(2021, 1, 1), "in_progress")
    _add(rec, dt.date(2022, 1, 1), NOT_STATED)
    body = officer_client.get("/reviews/r/recommendations/1/").content.decode()
    assert "Status changed" not in body
    _add(rec, dt.date(2023, 1, 1), "implemented")
    body = officer_client.get("/reviews/r/recommendations/1/").content.decode()
    # Once in the timeline and once in the change history: from the last stated status.
    assert body.count("Status changed from In progress to Implemented") == 2
    assert "Status not stated to" not in body and "to Status not stated" not in body
