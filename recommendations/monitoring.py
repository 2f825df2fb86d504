"""Where a recommendation stands, by the domain's rules: the one definition of "overdue", its
latest update (``with_progress``), the update schedule and the response deadline, and the
labels of statuses and decisions. What people read built on these (summaries, follow-ups, the
dashboard) is ``reports.dashboard``'s.

The counting unit everywhere is the recommendation that carries a decision: a recommendation
without parts, or a lettered part. A parent whose parts (2a, 2b) carry their own decisions is
not counted itself, so Buckinghamshire's recommendation 2 counts as two (2a and 2b).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from recommendations.models import (
    Authority,
    CommitteeVerdict,
    OverdueOverride,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)

DONE_STATUSES = [ProgressUpdate.Status.IMPLEMENTED, ProgressUpdate.Status.SUPERSEDED]
NO_UPDATE = "none"
STATUS_ORDER = [*ProgressUpdate.Status.values, NO_UPDATE]
STATUS_LABELS = {**dict(ProgressUpdate.Status.choices), NO_UPDATE: "No update yet"}
DECISION_ORDER = [
    Response.Decision.AGREED,
    Response.Decision.PARTLY_AGREED,
    Response.Decision.NOT_AGREED,
    Response.Decision.NOTED,
    Response.Decision.NOT_STATED,
    Response.Decision.AWAITING,
]
DECISION_LABELS = dict(Response.Decision.choices)
# Reviews whose recommendations are still being monitored (not closed).
OPEN_REVIEW_STATUSES = [Review.Status.AWAITING_RESPONSE, Review.Status.MONITORING]


class AddDays(Func):
    """``date + days`` as a date, on SQLite and PostgreSQL alike."""

    output_field = DateField()

    def _parts(self, compiler, connection):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        days_sql, days_params = compiler.compile(self.source_expressions[1])
        return date_sql, days_sql, (*date_params, *days_params)

    def as_sqlite(self, compiler, connection, **extra):
        date_sql, days_sql, params = self._parts(compiler, connection)
        return f"date({date_sql}, '+' || ({days_sql}) || ' days')", params

    def as_postgresql(self, compiler, connection, **extra):
        date_sql, days_sql, params = self._parts(compiler, connection)
        return f"(({date_sql})::date + CAST({days_sql} AS integer))", params

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other databases
        raise NotImplementedError(f"AddDays is not written for {connection.vendor}")


def add_months(value: dt.date, months: int) -> dt.date:
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(value.day, calendar.monthrange(year, month)[1]))


def _latest(
    field_name: str, *, stated: bool = False, updates: QuerySet[ProgressUpdate] | None = None
) -> Subquery:
    newest = (
        (ProgressUpdate.objects.all() if updates is None else updates)
        .filter(recommendation=OuterRef("pk"))
        .order_by("-as_at", "-id")
    )
    if stated:
        newest = newest.exclude(status=ProgressUpdate.Status.NOT_STATED)
    return Subquery(newest.values(field_name)[:1])


def overdue_after() -> Case:
    """The last day a recommendation is not overdue by its dates: the target date of its
    latest update plus its review's grace days, when its latest stated status could make it
    overdue; null when nothing makes it overdue by date (no target date; implemented or
    superseded; no stated status at all: the paper never said it was late). Needs the
    ``latest_status`` and ``latest_target_date`` annotations of ``with_progress``."""
    return Case(
        When(
            latest_status__in=[*DONE_STATUSES, ProgressUpdate.Status.NOT_STATED],
            then=Value(None, output_field=DateField()),
        ),
        default=AddDays(F("latest_target_date"), F("review__overdue_grace_days")),
        output_field=DateField(),
    )


def overdue_filter(today: dt.date, *, by_hand: bool = True, after: str = "overdue_after") -> Q:
    """THE definition of overdue, used by every page, filter, summary and reminder.

    A recommendation is overdue when the target date of its latest update, plus its review's
    grace days, has passed and its latest stated status is neither implemented nor
    superseded (``overdue_after``, before today); unless a scrutiny officer has overridden
    the label (with a reason), and never once the committee has closed it. An update whose
    status is not stated leaves the status as it was, and one with no stated status before it
    is never overdue: the paper never said it was late. A response's own timetable plays no
    part. ``after``: where ``overdue_after`` is read, ``with_progress``'s annotation or the
    stored ``standing__overdue_after`` (``stored_overdue``). ``by_hand=False``: without the
    officers' overrides, which are not public (``publication.public_progress``)."""
    by_date = Q(**{f"{after}__lt": today})
    if by_hand:
        by_date = Q(overdue_override=OverdueOverride.OVERDUE) | (
            ~Q(overdue_override=OverdueOverride.NOT_OVERDUE) & by_date
        )
    return Q(closed_at_meeting__isnull=True) & by_date


def overdue_condition(today: dt.date, *, by_hand: bool = True) -> Case:
    """``overdue_filter`` as a true or false value: ``with_progress``'s ``is_overdue``. Needs
    its ``overdue_after`` annotation."""
    return Case(
        When(overdue_filter(today, by_hand=by_hand), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def open_priority_condition() -> Case:
    """THE definition of an open priority, used by the dashboard, the table's order and its
    filter: a recommendation an officer marked as a priority that the committee has not
    closed and whose latest stated status is neither implemented nor superseded (the statuses
    that also end "overdue"). Needs ``with_progress``'s ``latest_status``; a recommendation
    that is not a priority is decided before the latest update is looked at."""
    return Case(
        When(is_priority=False, then=Value(False)),
        When(closed_at_meeting__isnull=False, then=Value(False)),
        When(latest_status__in=DONE_STATUSES, then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )


def decision_is(decision: str) -> Q:
    """Recommendations whose ``decision_key`` (``with_progress``) is ``decision``: awaiting
    also when no response is recorded. Said on the response's own column rather than the
    Coalesce, whose matches PostgreSQL cannot estimate (it guessed 436 of 122,000 "agreed" at
    national scale, and so read every one before the first page)."""
    if decision == Response.Decision.AWAITING:
        return Q(response__isnull=True) | Q(response__decision=decision)
    return Q(response__decision=decision)


def open_priorities(queryset: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """The open priorities of ``queryset`` (annotated by ``with_progress``). Only a priority
    can be an open one; said apart from the condition, the database reads the few
    priorities (by their index) and works out only their latest statuses."""
    return queryset.filter(is_priority=True, is_open_priority=True)


def with_progress(
    queryset: QuerySet[Recommendation],
    *,
    today: dt.date | None = None,
    updates: QuerySet[ProgressUpdate] | None = None,
    by_hand: bool = True,
) -> QuerySet[Recommendation]:
    """Annotate each recommendation with where it stands: its latest stated status (an
    update whose status is not stated changes nothing; "not_stated" when no update states
    one, ``status_key`` "none" without any update), its latest update's target date,
    timescale and date; ``overdue_after``; its decision
    (``decision_key``: awaiting when no response is recorded); whether it has parts (and so
    is not counted itself); ``is_overdue``; and ``is_open_priority``. ``updates``: the updates
    that count (every one unless given; the public pages and API count those ``publication``
    makes public, and ``by_hand=False`` leaves out the officers' overdue overrides)."""
    today = today or timezone.localdate()
    return queryset.annotate(
        latest_status=Coalesce(
            _latest("status", stated=True, updates=updates),
            _latest("status", updates=updates),
            output_field=CharField(),
        ),
        latest_target_date=_latest("target_date", updates=updates),
        latest_timescale=_latest("timescale", updates=updates),
        latest_as_at=_latest("as_at", updates=updates),
        latest_as_at_precision=_latest("as_at_precision", updates=updates),
        overdue_after=overdue_after(),
        has_parts=Exists(Recommendation.objects.filter(parent=OuterRef("pk"))),
        status_key=Coalesce(F("latest_status"), Value(NO_UPDATE), output_field=CharField()),
        decision_key=Coalesce(
            F("response__decision"), Value(Response.Decision.AWAITING), output_field=CharField()
        ),
    ).annotate(
        is_overdue=overdue_condition(today, by_hand=by_hand),
        is_open_priority=open_priority_condition(),
    )


def standings(queryset: QuerySet[Recommendation]) -> QuerySet:
    """``(id, latest_status, overdue_after)`` of each recommendation, by ``with_progress``
    over every update: what ``models.Standing`` stores (``services.standing_refresh``).
    ``latest_status`` is None without any update."""
    return with_progress(queryset).order_by().values_list("pk", "latest_status", "overdue_after")


def stored_status_is(status: str) -> Q:
    """Recommendations whose ``status_key`` (``with_progress``, every update) is ``status``,
    read from the stored standings: an indexed comparison, not a latest update looked up
    for every recommendation. No stored standing: no update ("none")."""
    if status == NO_UPDATE:
        return Q(standing__isnull=True)
    return Q(standing__latest_status=status)


def stored_overdue(today: dt.date) -> Q:
    """``overdue_filter`` (every update, the officers' overrides too) read from the stored
    standings: their ``overdue_after`` compared with ``today`` by its index. Not overdue:
    ``~stored_overdue(today)``."""
    return overdue_filter(today, after="standing__overdue_after")


def with_verdict(
    queryset: QuerySet[Recommendation], *, updates: QuerySet[ProgressUpdate] | None = None
) -> QuerySet[Recommendation]:
    """Alias ``latest_verdict``: the committee's view of the latest update (null when it
    recorded none of that update, or there is no update). Once aliased, the alias stays (so
    ``publication.public_progress``'s, of public updates only, is the one filters use)."""
    if "latest_verdict" in queryset.query.annotations:
        return queryset
    return queryset.alias(latest_verdict=_latest("verdict__verdict", updates=updates))


def disputed_condition() -> Q:
    """THE definition of "executive says implemented, committee not satisfied": the latest
    update reports the recommendation implemented, and the committee, considering that very
    update, was not satisfied. A later update the committee has not yet considered takes it off
    the list until it does. Needs ``with_progress`` and ``with_verdict``."""
    return Q(
        latest_status=ProgressUpdate.Status.IMPLEMENTED,
        latest_verdict=CommitteeVerdict.Verdict.NOT_SATISFIED,
    )


# --- What a round shows ------------------------------------------------------------------


def round_updates_filter(report: UpdateReport) -> Q:
    """The updates a round can show: its own, and the earlier ones (dated on or before its
    "as at"; all the others when it has no date), for recommendations without one of its own.
    The same as ``selectors.round_rows`` counts as "the update before"."""
    if report.as_at is None:
        return Q()
    return Q(report_id=report.pk) | Q(as_at__lte=report.as_at)


def update_in_round(
    updates: Sequence[ProgressUpdate], report: UpdateReport
) -> tuple[ProgressUpdate | None, bool]:
    """The update a recommendation shows in a round, from its updates (newest first): its
    newest one in the report, or else its latest earlier one, with True for "no new update
    this round" (never a blank: a recommendation that was not updated this time still stands
    where its last update left it)."""
    own = next((update for update in updates if update.report_id == report.pk), None)
    if own is not None:
        return own, False
    earlier = (update for update in updates if report.as_at is None or update.as_at <= report.as_at)
    return next(earlier, None), True


# --- Update schedule and response deadline ----------------------------------------------


def last_update_report(reports: Iterable[UpdateReport]) -> UpdateReport | None:
    dated = [report for report in reports if report.as_at]
    return max(dated, key=lambda report: (report.as_at, report.pk), default=None)


def next_scheduled_update(review: Review, reports: Iterable[UpdateReport]) -> dt.date | None:
    """The last update report's "as at" date plus the review's update interval (before any
    report: counted from the response, or else from when the review reported)."""
    if not review.update_interval_months:
        return None
    last = last_update_report(reports)
    base = last.as_at if last else (review.response_agreed_on or review.reported_on)
    return add_months(base, review.update_interval_months) if base else None


def due_after(start: dt.date, amount: int, unit: str) -> dt.date:
    """``start`` plus ``amount`` days or months. A month on from a day the later month lacks
    is that month's last day (31 January + 1 month = 28 or 29 February), as people count."""
    if unit == Authority.DueUnit.DAYS:
        return start + dt.timedelta(days=amount)
    return add_months(start, amount)


def response_deadline(review: Review) -> dt.date | None:
    """THE response deadline: when the review reported plus its authority's rule (e.g. two
    months, or 28 days), set by scrutiny officers per authority. Reads
    ``review.committee.authority``: select it with the review."""
    if review.reported_on is None:
        return None
    authority = review.committee.authority
    return due_after(review.reported_on, authority.response_due_amount, authority.response_due_unit)
