"""What became of recommendations, as at any date: the rules the annual report counts by.

Today's status is ``monitoring.with_progress``'s; these are the same rules read back to a past
date, so that the figures shown at last year's annual report can be had again:

- **Papers' dates decide when.** An update counts from its own "as at"; a response from the
  date it was agreed; a closure or reopening from its meeting's date. A date the paper gives by
  month or year only ("March 2024") counts from the last day of that month or year
  (``known_on``): nothing is credited earlier than the paper allows.
- **The history decides what.** Closures and reopenings are read from the recommendation's
  history (the record keeps only the latest), each response's decision from the response's
  history: a decision changed later, with no new date, counts from the day it was changed; an
  overdue label set by hand counts from the day it was set.
- The status as at a date is the latest stated status of the updates dated on or before it (an
  update whose status is not stated changes nothing), the same rule as today's; overdue is
  ``monitoring.overdue_condition``'s rule on that status and that target date.

Everything is computed in one pass over rows read in a fixed number of queries
(``standings``), so a page of figures costs the same few queries however many reviews there are.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from recommendations.models import (
    DatePrecision,
    Meeting,
    OverdueOverride,
    ProgressUpdate,
    Recommendation,
    Response,
    UpdateReport,
)
from recommendations.monitoring import DONE_STATUSES, NO_UPDATE, add_months, due_after

AWAITING = Response.Decision.AWAITING
AGREED_DECISIONS = {Response.Decision.AGREED, Response.Decision.PARTLY_AGREED}
IMPLEMENTED = ProgressUpdate.Status.IMPLEMENTED
NOT_STATED = ProgressUpdate.Status.NOT_STATED


def known_on(value: dt.date | None, precision: str) -> dt.date | None:
    """The first day on which a date the paper gives is certainly past: the date itself, or
    the last day of the month or year it names."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return dt.date(value.year, 12, 31)
    if precision == DatePrecision.MONTH:
        return dt.date(value.year, value.month, calendar.monthrange(value.year, value.month)[1])
    return value


def _day(moment: dt.datetime) -> dt.date:
    """The local day a history row was recorded."""
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


# --- Updates: status, target date, when implemented ------------------------------------------


@dataclass(frozen=True)
class UpdateFact:
    id: int
    as_at: dt.date
    precision: str
    status: str
    target_date: dt.date | None

    @property
    def known_on(self) -> dt.date:
        return known_on(self.as_at, self.precision)


@dataclass(frozen=True)
class Progress:
    status: str  # a ProgressUpdate.Status value, or NO_UPDATE
    target_date: dt.date | None
    implemented_on: dt.date | None  # when it became implemented, if it still is
    latest_update_id: int | None
    target_moves: int  # how many times a later update gave a different target date
    target_slip_days: int  # latest target date less the first one


def progress_as_at(updates: Iterable[UpdateFact], as_at: dt.date) -> Progress:
    """Where the updates dated on or before ``as_at`` leave a recommendation.

    The latest stated status, in the papers' order (their "as at", then the order entered,
    as ``with_progress`` reads them); "not stated" when none states one, NO_UPDATE without any.
    Implemented on: the date of the update that began the latest unbroken run of
    "implemented" (so one that went back to in progress and was implemented again counts from
    the second time). Target dates: the latest update's, as today's overdue rule reads it.
    """
    counted = sorted(
        (update for update in updates if update.known_on <= as_at),
        key=lambda update: (update.as_at, update.id),
    )
    status, implemented_on = None, None
    targets: list[dt.date] = []
    for update in counted:
        if update.status != NOT_STATED:
            if update.status == IMPLEMENTED and status != IMPLEMENTED:
                implemented_on = update.known_on
            status = update.status
        if update.target_date is not None and (not targets or targets[-1] != update.target_date):
            targets.append(update.target_date)
    if status is None:
        status = NOT_STATED if counted else NO_UPDATE
    return Progress(
        status=status,
        target_date=counted[-1].target_date if counted else None,
        implemented_on=implemented_on if status == IMPLEMENTED else None,
        latest_update_id=counted[-1].id if counted else None,
        target_moves=max(len(targets) - 1, 0),
        target_slip_days=(targets[-1] - targets[0]).days if targets else 0,
    )


# --- Responses: the decision in force ----------------------------------------------------------


@dataclass(frozen=True)
class ResponseVersion:
    """One row of a response's history, oldest first."""

    decision: str | None  # None: the response was deleted
    agreed_on: dt.date | None  # already ``known_on``; the review's date when the response has none
    recorded_on: dt.date


def decision_as_at(versions: list[ResponseVersion], as_at: dt.date) -> tuple[str, dt.date | None]:
    """The decision in force on ``as_at`` and the date it counts from (AWAITING, None before
    any response). A version that brings a new agreed date counts from that date (a response
    entered after the event, as published); any other change (a decision corrected, the
    response awaited) counts from the day it was recorded."""
    in_force: tuple[str, dt.date | None] = (AWAITING, None)
    previous_date: dt.date | None = None
    for version in versions:
        dated = (
            version.decision not in (None, AWAITING)
            and version.agreed_on is not None
            and version.agreed_on != previous_date
        )
        effective = version.agreed_on if dated else version.recorded_on
        previous_date = version.agreed_on
        if effective <= as_at:
            if version.decision in (None, AWAITING):
                in_force = (AWAITING, None)
            else:
                in_force = (version.decision, version.agreed_on or effective)
    return in_force


# --- Closures and reopenings -------------------------------------------------------------------


@dataclass(frozen=True)
class RecordVersion:
    """One row of a recommendation's history, oldest first: what closing, reopening and the
    overdue label need."""

    closed_at_meeting_id: int | None
    reopened_at_meeting_id: int | None
    overdue_override: str
    recorded_on: dt.date


def closure_events(
    versions: list[RecordVersion], meeting_dates: dict[int, dt.date]
) -> list[tuple[dt.date, bool]]:
    """Each closing (True) and reopening (False), by the date of the meeting that decided it
    (the day it was recorded when no meeting is named), in the order they were recorded."""
    events: list[tuple[dt.date, bool]] = []
    closed = reopened = None
    for version in versions:
        if version.closed_at_meeting_id != closed and version.closed_at_meeting_id is not None:
            date = meeting_dates.get(version.closed_at_meeting_id, version.recorded_on)
            events.append((date, True))
        if version.reopened_at_meeting_id != reopened and version.reopened_at_meeting_id:
            date = meeting_dates.get(version.reopened_at_meeting_id, version.recorded_on)
            events.append((date, False))
        closed, reopened = version.closed_at_meeting_id, version.reopened_at_meeting_id
    return events


def closed_as_at(events: list[tuple[dt.date, bool]], as_at: dt.date) -> dt.date | None:
    """The date it was closed, if the committee's latest decision by ``as_at`` closed it."""
    decided = [event for event in events if event[0] <= as_at]
    if not decided:
        return None
    # Meetings' dates first; of two decisions at one date, the one recorded later stands.
    last = max(enumerate(decided), key=lambda item: (item[1][0], item[0]))[1]
    return last[0] if last[1] else None


def override_as_at(versions: list[RecordVersion], as_at: dt.date) -> str:
    recorded = [version for version in versions if version.recorded_on <= as_at]
    return recorded[-1].overdue_override if recorded else ""


def is_overdue_as_at(
    *,
    progress: Progress,
    closed: bool,
    override: str,
    grace_days: int,
    as_at: dt.date,
) -> bool:
    """``monitoring.overdue_condition`` on the standing as at a date."""
    if closed:
        return False
    if override == OverdueOverride.OVERDUE:
        return True
    if override == OverdueOverride.NOT_OVERDUE:
        return False
    if progress.target_date is None or progress.status in (*DONE_STATUSES, NOT_STATED):
        return False
    return progress.target_date + dt.timedelta(days=grace_days) < as_at


def response_deadline_missed(
    *, deadline: dt.date | None, versions: list[ResponseVersion], as_at: dt.date
) -> bool:
    """The response deadline (``monitoring.response_deadline``) passed before ``as_at`` with
    no response in force on it: late, whether it came afterwards or not yet."""
    if deadline is None or deadline >= as_at:
        return False
    return decision_as_at(versions, deadline)[0] == AWAITING


# --- One pass over a fixed number of queries ---------------------------------------------------


@dataclass
class Standing:
    """Where one recommendation (the counting unit: one without parts, or a part) stood on a
    date, with what the annual report groups it by."""

    id: int
    label: str
    review_id: int
    committee_id: int
    authority_id: int
    made_on: dt.date | None
    decision: str
    decided_on: dt.date | None
    response_late: bool
    progress: Progress
    closed_on: dt.date | None
    overdue: bool
    is_priority: bool
    parent_id: int | None = None

    @property
    def status(self) -> str:
        return self.progress.status

    @property
    def implemented_on(self) -> dt.date | None:
        return self.progress.implemented_on

    @property
    def closed(self) -> bool:
        return self.closed_on is not None


def made_on(review: dict) -> dt.date | None:
    """When a review's recommendations were made: the date it reported; not recorded, the
    date the executive agreed its response, or else its first update report's "as at" (the
    tracker's reference year reads the same dates)."""
    return (
        known_on(review["reported_on"], review["reported_precision"])
        or known_on(review["response_agreed_on"], review["response_agreed_precision"])
        or known_on(review["first_report_on"], review["first_report_precision"])
    )


def standings(recommendations: QuerySet[Recommendation], as_at: dt.date) -> list[Standing]:
    """Every recommendation of ``recommendations`` that carries its own decision, as it stood
    on ``as_at`` (those made after it are left out). Queries: the recommendations with their
    reviews, committees and authorities; their updates dated by then; their responses'
    history; the history of those ever closed, reopened or labelled by hand; the meetings
    those name. Five, however many recommendations there are."""
    first_report = UpdateReport.objects.filter(
        review=OuterRef("review_id"), as_at__isnull=False
    ).order_by("as_at", "pk")
    rows = list(
        recommendations.filter(parts=None)
        .annotate(
            first_report_on=Subquery(first_report.values("as_at")[:1]),
            first_report_precision=Subquery(first_report.values("as_at_precision")[:1]),
        )
        .order_by("review_id", "order", "id")
        .values(
            "first_report_on", "first_report_precision",
            "id", "label", "parent_id", "review_id", "is_priority",
            "review__reported_on", "review__reported_precision",
            "review__response_agreed_on", "review__response_agreed_precision",
            "review__overdue_grace_days", "review__committee_id",
            "review__committee__authority_id",
            "review__committee__authority__response_due_amount",
            "review__committee__authority__response_due_unit",
        )
    )  # fmt: skip
    for row in rows:
        row["made_on"] = made_on(
            {
                "reported_on": row["review__reported_on"],
                "reported_precision": row["review__reported_precision"],
                "response_agreed_on": row["review__response_agreed_on"],
                "response_agreed_precision": row["review__response_agreed_precision"],
                "first_report_on": row["first_report_on"],
                "first_report_precision": row["first_report_precision"],
            }
        )
    rows = [row for row in rows if row["made_on"] is not None and row["made_on"] <= as_at]
    # Subqueries, not lists of ids: the same five queries at any size.
    scope = recommendations.filter(parts=None).values("id")
    updates: dict[int, list[UpdateFact]] = {}
    for rec_id, *fact in (
        ProgressUpdate.objects.filter(recommendation_id__in=scope, as_at__lte=as_at)
        .order_by()
        .values_list("recommendation_id", "id", "as_at", "as_at_precision", "status", "target_date")
    ):
        updates.setdefault(rec_id, []).append(UpdateFact(*fact))
    responses: dict[int, list[ResponseVersion]] = {}
    for rec_id, decision, agreed, precision, when, kind in (
        Response.history.filter(recommendation_id__in=scope)
        .order_by("history_date", "history_id")
        .values_list(
            "recommendation_id", "decision", "agreed_on", "agreed_precision",
            "history_date", "history_type",
        )
    ):  # fmt: skip
        responses.setdefault(rec_id, []).append(
            ResponseVersion(
                decision=None if kind == "-" else decision,
                agreed_on=known_on(agreed, precision),
                recorded_on=_day(when),
            )
        )
    marked = Recommendation.history.filter(
        Q(closed_at_meeting__isnull=False)
        | Q(reopened_at_meeting__isnull=False)
        | ~Q(overdue_override=""),
        id__in=scope,
    ).values("id")
    records: dict[int, list[RecordVersion]] = {}
    for rec_id, closed, reopened, override, when in (
        Recommendation.history.filter(id__in=marked)
        .order_by("history_date", "history_id")
        .values_list(
            "id", "closed_at_meeting_id", "reopened_at_meeting_id", "overdue_override",
            "history_date",
        )
    ):  # fmt: skip
        records.setdefault(rec_id, []).append(RecordVersion(closed, reopened, override, _day(when)))
    meeting_ids = {
        meeting_id
        for versions in records.values()
        for version in versions
        for meeting_id in (version.closed_at_meeting_id, version.reopened_at_meeting_id)
        if meeting_id
    }
    meeting_dates = dict(Meeting.objects.filter(pk__in=meeting_ids).values_list("id", "date"))

    result = []
    for row in rows:
        rec_id = row["id"]
        review_agreed = known_on(
            row["review__response_agreed_on"], row["review__response_agreed_precision"]
        )
        versions = [
            # A response without its own date takes the date the review's response was agreed.
            ResponseVersion(v.decision, v.agreed_on or review_agreed, v.recorded_on)
            for v in responses.get(rec_id, [])
        ]
        decision, decided_on = decision_as_at(versions, as_at)
        progress = progress_as_at(updates.get(rec_id, []), as_at)
        history = records.get(rec_id, [])
        closed_on = closed_as_at(closure_events(history, meeting_dates), as_at)
        reported = row["review__reported_on"]
        deadline = (
            due_after(
                reported,
                row["review__committee__authority__response_due_amount"],
                row["review__committee__authority__response_due_unit"],
            )
            if reported
            else None
        )
        result.append(
            Standing(
                id=rec_id,
                label=row["label"],
                parent_id=row["parent_id"],
                review_id=row["review_id"],
                committee_id=row["review__committee_id"],
                authority_id=row["review__committee__authority_id"],
                made_on=row["made_on"],
                decision=decision,
                decided_on=decided_on,
                response_late=response_deadline_missed(
                    deadline=deadline, versions=versions, as_at=as_at
                ),
                progress=progress,
                closed_on=closed_on,
                overdue=is_overdue_as_at(
                    progress=progress,
                    closed=closed_on is not None,
                    override=override_as_at(history, as_at),
                    grace_days=row["review__overdue_grace_days"],
                    as_at=as_at,
                ),
                is_priority=row["is_priority"],
            )
        )
    return result


# --- The figures: which recommendations each one counts ---------------------------------------

MADE = "made"  # figures about the recommendations made in the period
ACTIVITY = "activity"  # what happened in the period, to recommendations made at any time
COHORT = "cohort"  # recommendations agreed in the period, followed for years after

# key, basis, label, definition (the README lists the same).
FIGURES: list[tuple[str, str, str, str]] = [
    ("made", MADE, "Recommendations made",
     "Made in the period: the review reported in it (not recorded: its response was agreed in "
     "it, or else its first update report is dated in it). A recommendation with lettered "
     "parts counts as its parts."),
    ("agreed", MADE, "Agreed", "Of those made, the executive's decision in force was agreed."),
    ("partly_agreed", MADE, "Partly agreed", "… partly agreed."),
    ("not_agreed", MADE, "Not agreed", "… not agreed."),
    ("noted", MADE, "Noted", "… noted."),
    ("not_stated", MADE, "Decision not stated", "… a response whose decision the paper "
     "does not state."),
    ("awaiting", MADE, "Awaiting response", "… no response in force yet."),
    ("response_late", MADE, "Response deadline missed",
     "Of those made, no response was in force on the response deadline (the report date plus "
     "the authority's rule), which has passed: late, whether it came afterwards or not yet."),
    ("implemented", MADE, "Implemented", "Of those made, the latest stated status is implemented."),
    ("in_progress", MADE, "In progress", "… in progress."),
    ("not_started", MADE, "Not started", "… not started."),
    ("not_implemented", MADE, "Not implemented", "… not implemented."),
    ("superseded", MADE, "Superseded", "… superseded."),
    ("status_not_stated", MADE, "Status not stated",
     "… updated, but no update states a status."),
    ("no_update", MADE, "No update yet", "… no update dated by then."),
    ("overdue", MADE, "Overdue",
     "Of those made, overdue by the tracker's one rule: the latest update's target date plus "
     "the review's grace days has passed and it is neither implemented nor superseded, unless "
     "an officer's label says otherwise; never once closed."),
    ("closed", MADE, "Closed by the committee",
     "Of those made, the committee's latest decision about it was to close it."),
    ("target_moved", MADE, "Target date moved",
     "Of those made, a later update gave a different target date at least once."),
    ("implemented_in_period", ACTIVITY, "Implemented in the period",
     "Made at any time, and implemented in the period: the update that began its latest "
     "unbroken run of \"implemented\" is dated in it."),
    ("cohort", COHORT, "Agreed in the period",
     "Agreed or partly agreed, the decision dated in the period (the cohort)."),
    ("cohort_1", COHORT, "Implemented within 1 year",
     "Of the cohort, implemented within a year of the decision."),
    ("cohort_2", COHORT, "Implemented within 2 years", "… within two years."),
    ("cohort_4", COHORT, "Implemented within 4 years", "… within four years."),
    ("cohort_implemented", COHORT, "Implemented so far", "Of the cohort, implemented by then."),
]  # fmt: skip
FIGURE_KEYS = [key for key, *_ in FIGURES]
FIGURE_BASIS = {key: basis for key, basis, *_ in FIGURES}
FIGURE_LABELS = {key: label for key, _, label, _ in FIGURES}
COHORT_YEARS = {"cohort_1": 1, "cohort_2": 2, "cohort_4": 4}
# Frozen once: a TextChoices' ``values`` builds a new list at every call.
_DECISION_FIGURES = frozenset(Response.Decision.values)
_STATUS_FIGURES = {
    "status_not_stated": NOT_STATED,
    "no_update": NO_UPDATE,
    **{status: status for status in ProgressUpdate.Status.values if status != NOT_STATED},
}


def implemented_within(standing: Standing, years: int) -> bool:
    return (
        standing.implemented_on is not None
        and standing.decided_on is not None
        and standing.implemented_on <= add_months(standing.decided_on, 12 * years)
    )


def counts(standing: Standing, key: str, start: dt.date, end: dt.date) -> bool:
    """Whether ``standing`` is one of the recommendations figure ``key`` counts for the
    period ``start``-``end`` (both included)."""
    basis = FIGURE_BASIS[key]
    if basis == ACTIVITY:
        return standing.implemented_on is not None and start <= standing.implemented_on <= end
    if basis == COHORT:
        if standing.decision not in AGREED_DECISIONS or standing.decided_on is None:
            return False
        if not start <= standing.decided_on <= end:
            return False
        if key == "cohort":
            return True
        if key == "cohort_implemented":
            return standing.implemented_on is not None
        return implemented_within(standing, COHORT_YEARS[key])
    if standing.made_on is None or not start <= standing.made_on <= end:
        return False
    if key == "made":
        return True
    if key in _DECISION_FIGURES:
        return standing.decision == key
    if key in _STATUS_FIGURES:
        return standing.status == _STATUS_FIGURES[key]
    if key == "response_late":
        return standing.response_late
    if key == "overdue":
        return standing.overdue
    if key == "closed":
        return standing.closed
    if key == "target_moved":
        return standing.progress.target_moves > 0
    raise KeyError(key)


def members(
    standings_: Iterable[Standing], key: str, start: dt.date, end: dt.date
) -> list[Standing]:
    return [standing for standing in standings_ if counts(standing, key, start, end)]
