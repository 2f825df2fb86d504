"""Issue 16: where each recommendation stands is stored (``models.Standing``), so that the
table's status and overdue filters, and their counts, read an index rather than work out every
recommendation's latest update. ``monitoring.with_progress`` stays the one definition: the
stored values are what it computes, kept current by ``services.standing_refresh`` on every
write path, and the filters give the answers it gives."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations import monitoring, services
from recommendations.models import (
    Meeting,
    OverdueOverride,
    ProgressUpdate,
    Recommendation,
    Review,
    Standing,
    UpdateReport,
)
from reports.filters import OVERDUE_CHOICES, STATUS_CHOICES, RecommendationFilter
from reports.selectors import recommendation_list
from tests.factories import make_review

pytestmark = pytest.mark.django_db

S = ProgressUpdate.Status
TODAY = timezone.localdate()
# Days the overdue filter is compared at: the edge cases' dates fall either side of each.
DAYS = [dt.date(2023, 6, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 16), TODAY]


def _computed() -> dict[int, tuple]:
    """(latest status, overdue after) of every recommendation, by ``with_progress``."""
    return {
        pk: (status, after) for pk, status, after in monitoring.standings(Recommendation.objects)
    }


def assert_current() -> None:
    stored = {
        pk: (status, after)
        for pk, status, after in Standing.objects.values_list(
            "pk", "latest_status", "overdue_after"
        )
    }
    computed = _computed()
    assert stored == {pk: value for pk, value in computed.items() if value[0] is not None}


def assert_filters_agree() -> None:
    """Every status and overdue choice, filtered by the stored standings, selects what
    ``with_progress`` selects; the overdue one on several days."""
    every = Recommendation.objects.all()
    for status, _ in STATUS_CHOICES:
        stored = set(every.filter(monitoring.stored_status_is(status)).values_list("pk", flat=True))
        computed = set(
            monitoring.with_progress(every).filter(status_key=status).values_list("pk", flat=True)
        )
        assert stored == computed, status
    for day in DAYS:
        overdue = monitoring.stored_overdue(day)
        computed = monitoring.with_progress(every, today=day)
        for wanted, stored in [(True, every.filter(overdue)), (False, every.exclude(overdue))]:
            assert set(stored.values_list("pk", flat=True)) == set(
                computed.filter(is_overdue=wanted).values_list("pk", flat=True)
            ), (day, wanted)


def _add(rec, as_at, status, target=None, *, user=None) -> ProgressUpdate:
    return services.progress_update_create(
        update=ProgressUpdate(
            recommendation=rec,
            as_at=as_at,
            text="Progress.",
            status=status,
            target_date=target,
            target_date_change_reason="Moved by the executive.",
        ),
        user=user,
    )


@pytest.fixture
def review():
    return make_review(slug="r", recommendations=8, updates_each=0)  # reported 1 January 2023


@pytest.fixture
def recs(review) -> dict[str, Recommendation]:
    return {rec.label: rec for rec in review.recommendations.all()}


@pytest.fixture
def edges(recs) -> dict[str, Recommendation]:
    """The cases the rule turns on, one recommendation each (1: no update at all)."""
    _add(recs["2"], dt.date(2023, 6, 1), S.IN_PROGRESS, dt.date(2024, 1, 31))
    _add(recs["2"], dt.date(2023, 9, 1), S.NOT_STATED)  # unstated after a stated status
    _add(recs["3"], dt.date(2023, 9, 1), S.IMPLEMENTED, dt.date(2023, 8, 1))
    _add(recs["3"], dt.date(2023, 9, 1), S.NOT_STARTED, dt.date(2024, 3, 15))  # same date
    _add(recs["4"], dt.date(2023, 6, 1), S.NOT_STATED, dt.date(2023, 7, 1))  # never stated
    _add(recs["5"], dt.date(2023, 6, 1), S.IMPLEMENTED, dt.date(2023, 7, 1))
    _add(recs["6"], dt.date(2023, 6, 1), S.NOT_IMPLEMENTED, dt.date(2024, 2, 1))
    _add(recs["7"], dt.date(2023, 6, 1), S.SUPERSEDED)
    _add(recs["8"], dt.date(2023, 6, 1), S.IN_PROGRESS, dt.date(2030, 1, 1))
    return recs


def test_the_stored_standings_are_what_with_progress_computes_for_the_demo_data(demo_data):
    assert Standing.objects.count() > 40
    assert_current()
    assert_filters_agree()


def test_the_edge_cases_are_stored_as_with_progress_computes_them(edges):
    assert_current()
    stored = {
        s.recommendation.label: (s.latest_status, s.overdue_after) for s in Standing.objects.all()
    }
    assert stored == {
        # "1" has no update, so no standing: its status is "none".
        "2": (S.IN_PROGRESS, None),  # the latest update has no target date
        "3": (S.NOT_STARTED, dt.date(2024, 3, 15)),  # the same date: the later one entered
        "4": (S.NOT_STATED, None),  # never stated: never overdue
        "5": (S.IMPLEMENTED, None),
        "6": (S.NOT_IMPLEMENTED, dt.date(2024, 2, 1)),
        "7": (S.SUPERSEDED, None),
        "8": (S.IN_PROGRESS, dt.date(2030, 1, 1)),
    }
    assert_filters_agree()
    overdue = Recommendation.objects.filter(monitoring.stored_overdue(dt.date(2024, 3, 16)))
    assert {rec.label for rec in overdue} == {"3", "6"}  # the day after 15 March


def test_officers_labels_and_closing_decide_the_stored_overdue_filter_as_they_do_the_rule(
    edges, officer
):
    six, eight = edges["6"], edges["8"]
    services.recommendation_set_overdue_override(
        recommendation=six, override=OverdueOverride.NOT_OVERDUE, reason="Agreed delay",
        expected_version=six.version, user=officer,
    )  # fmt: skip
    services.recommendation_set_overdue_override(
        recommendation=eight, override=OverdueOverride.OVERDUE, reason="Nothing happened",
        expected_version=eight.version, user=officer,
    )  # fmt: skip
    three = edges["3"]
    meeting = Meeting(committee=three.review.committee, date=dt.date(2024, 1, 10), agenda_item="5")
    services.meeting_create(meeting=meeting, review=three.review, user=officer)
    services.recommendation_close(
        recommendation=three, meeting=meeting, reason="Done", evidence="Minute 5",
        expected_version=three.version, user=officer,
    )  # fmt: skip
    assert_filters_agree()
    overdue = Recommendation.objects.filter(monitoring.stored_overdue(dt.date(2024, 3, 16)))
    assert {rec.label for rec in overdue} == {"8"}


@pytest.mark.parametrize("user", [None, "officer"])
def test_each_write_of_one_update_keeps_the_standing_current(edges, user, request):
    user = request.getfixturevalue(user) if user else None
    rec = edges["1"]
    first = _add(rec, dt.date(2023, 6, 1), S.IN_PROGRESS, dt.date(2024, 1, 31), user=user)
    assert Standing.objects.get(pk=rec.pk).overdue_after == dt.date(2024, 1, 31)
    latest = _add(rec, dt.date(2023, 9, 1), S.NOT_STATED, dt.date(2024, 6, 30), user=user)
    assert_current()
    standing = Standing.objects.get(pk=rec.pk)  # the stated status, the latest target date
    assert (standing.latest_status, standing.overdue_after) == (S.IN_PROGRESS, dt.date(2024, 6, 30))
    # Edits: the status stated, the target moved, then the date moved before the first's.
    for change in [
        {"status": S.IMPLEMENTED},
        {"status": S.NOT_STARTED, "target_date": dt.date(2024, 2, 29)},
        {"as_at": dt.date(2023, 5, 1)},
    ]:
        for name, value in change.items():
            setattr(latest, name, value)
        services.progress_update_edit(update=latest, expected_version=latest.version, user=user)
        assert_current()
    assert Standing.objects.get(pk=rec.pk).latest_status == S.IN_PROGRESS  # first is latest
    services.progress_update_delete(update=first, user=user)  # the latest deleted
    assert_current()
    assert Standing.objects.get(pk=rec.pk).latest_status == S.NOT_STARTED
    latest.refresh_from_db()
    services.progress_update_delete(update=latest, user=user)  # the last one
    assert not Standing.objects.filter(pk=rec.pk).exists()
    assert_filters_agree()


def test_a_round_saved_at_once_keeps_every_row_current(edges, officer):
    review = edges["1"].review
    report = services.update_report_create(
        report=UpdateReport(review=review, title="Round", as_at=dt.date(2024, 1, 1)),
        user=officer,
    )
    statuses = [S.IMPLEMENTED, S.NOT_STATED, S.NOT_STARTED, S.IN_PROGRESS]
    entries = [
        services.RoundEntry(
            ProgressUpdate(
                recommendation=rec, report=report, as_at=report.as_at, text="Round.",
                status=statuses[index % 4], target_date=dt.date(2024, 1, 1 + index),
                target_date_change_reason="Moved.",
            )
        )
        for index, rec in enumerate(review.recommendations.order_by("order"))
    ]  # fmt: skip
    saved = services.update_report_save_updates(report=report, entries=entries, user=officer)
    assert_current()
    assert_filters_agree()
    edit = saved[0]
    edit.status = S.IN_PROGRESS
    services.update_report_save_updates(
        report=report, entries=[services.RoundEntry(edit, edit.version)], user=officer
    )
    assert_current()
    assert Standing.objects.get(pk=edit.recommendation_id).latest_status == S.IN_PROGRESS


def test_updates_written_in_bulk_are_stored(edges):
    review = edges["1"].review
    report = UpdateReport.objects.create(review=review, title="Bulk", as_at=dt.date(2024, 5, 1))
    services.record_published_in_bulk(
        instances=[
            ProgressUpdate(
                recommendation=rec, report=report, as_at=report.as_at, text="Bulk.",
                status=[S.NOT_STATED, S.SUPERSEDED, S.IN_PROGRESS][rec.order % 3],
                target_date=dt.date(2024, 4, rec.order),
            )
            for rec in review.recommendations.exclude(label="8")
        ]
    )  # fmt: skip
    assert_current()
    assert_filters_agree()


def test_an_imported_table_stores_where_its_recommendations_stand(demo_data):
    from tests.recommendations.importing.test_bulk_save import _bench_rows  # noqa: PLC0415

    review = Review(committee=make_review(recommendations=0).committee, title="Imported")
    services.import_table(
        rows=_bench_rows(12), review=review, report=UpdateReport(title="First"),
        columns=[], file_name="t.csv", content=b"x", user=None,
    )  # fmt: skip
    assert Standing.objects.filter(recommendation__review=review).count() == 12
    assert_current()
    assert_filters_agree()


def test_a_review_s_grace_days_move_its_stored_overdue_dates(edges, officer):
    review = Review.objects.get(pk=edges["1"].review_id)
    review.overdue_grace_days = 15
    services.review_update(review=review, expected_version=review.version, user=officer)
    assert Standing.objects.get(pk=edges["6"].pk).overdue_after == dt.date(2024, 2, 16)
    assert_current()
    assert_filters_agree()


def test_deleting_a_review_or_a_recommendation_takes_their_standings(edges, officer):
    other = make_review(recommendations=2, updates_each=2)
    edges["6"].delete()
    assert_current()
    services.review_delete(review=Review.objects.get(pk=edges["1"].review_id), user=officer)
    assert set(Standing.objects.values_list("recommendation__review", flat=True)) == {other.pk}
    assert_current()


@pytest.mark.parametrize(
    "query", [{"status": status} for status, _ in STATUS_CHOICES]
    + [{"overdue": value} for value, _ in OVERDUE_CHOICES[1:]]
    + [{"status": S.IN_PROGRESS, "overdue": "true", "review_status": "open"}],
)  # fmt: skip
def test_the_table_s_filters_read_the_stored_standings_and_find_the_same(demo_data, edges, query):
    found = RecommendationFilter(query, queryset=recommendation_list())
    assert found.is_valid()
    computed = recommendation_list()
    if "status" in query:
        computed = computed.filter(status_key=query["status"])
    if "overdue" in query:
        computed = computed.filter(is_overdue=query["overdue"] == "true")
    if "review_status" in query:
        computed = computed.filter(review__status__in=monitoring.OPEN_REVIEW_STATUSES)
    assert set(found.qs.values_list("pk", flat=True)) == set(computed.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        assert found.qs.count() == computed.count()
    # The filter's count reads the standings, not the updates.
    counted = captured.captured_queries[0]["sql"]
    assert "recommendations_standing" in counted and "progressupdate" not in counted


def test_a_filtered_tracker_reads_its_ids_first_and_lists_the_same(demo_data, monkeypatch):
    from django.http import QueryDict  # noqa: PLC0415

    from reports import selectors, trackers  # noqa: PLC0415

    def entries() -> tuple[list[int], list[dict]]:
        found = trackers.filterset(QueryDict("status=in_progress"))
        with CaptureQueriesContext(connection) as captured:
            data = selectors.tracker_data(found.qs)
        return [rec.pk for rec, _, _ in data.entries], captured.captured_queries

    listed, queries = entries()
    expected = monitoring.with_progress(Recommendation.objects.filter(closed_at_meeting=None))
    assert set(listed) == set(
        expected.filter(status_key=S.IN_PROGRESS).values_list("pk", flat=True)
    )
    # The rows' query names the ids the filter found, rather than filtering again.
    rows = next(query["sql"] for query in queries if "latest_target_date" in query["sql"])
    assert "recommendations_standing" not in rows
    monkeypatch.setattr(selectors, "TRACKER_IDS_LISTED", 2)  # a larger tracker: a subquery
    again, queries = entries()
    assert again == listed
    rows = next(query["sql"] for query in queries if "latest_target_date" in query["sql"])
    assert "recommendations_standing" in rows


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_two_updates_written_at_once_leave_the_later_ones_standing(monkeypatch):
    # Two writes of updates of one recommendation at the same moment: the first one's (the
    # later date) is written but not yet committed when the second works out where the
    # recommendation stands. The second must wait for it, not store what it saw without it.
    # The updates are inserted bare (no other write of the services, whose own row locks
    # could hide a missing one here), then standing_refresh is called as the services call it.
    rec = make_review(slug="race", recommendations=1, updates_each=0).recommendations.get()
    _add(rec, dt.date(2023, 6, 1), S.NOT_STARTED)
    first_written, second_working = threading.Event(), threading.Event()
    standings = monitoring.standings

    def noting(scope):
        worked_out = list(standings(scope))  # read now, while the first has not committed
        if threading.current_thread().name == "second":
            second_working.set()
        return worked_out

    monkeypatch.setattr(monitoring, "standings", noting)

    def write(as_at, status):
        update = ProgressUpdate(recommendation=rec, as_at=as_at, text="Progress.", status=status)
        ProgressUpdate.objects.bulk_create([update])
        services.standing_refresh(recommendations=[rec.pk])

    def first():
        try:
            with transaction.atomic():
                write(dt.date(2024, 6, 1), S.IMPLEMENTED)
                first_written.set()
                # Unheld, the second works out its standing now; held, it waits for this.
                second_working.wait(timeout=2)
        finally:
            connection.close()

    def second():
        try:
            first_written.wait(timeout=10)
            with transaction.atomic():
                write(dt.date(2024, 1, 1), S.IN_PROGRESS)
        finally:
            connection.close()

    threads = [threading.Thread(target=f, name=f.__name__) for f in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Standing.objects.get(recommendation=rec).latest_status == S.IMPLEMENTED
    assert_current()
