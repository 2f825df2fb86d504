"""A recommendation's two stories: what was done in the tracker, from the history tables
(``recommendation_timeline``), and what the papers record, by their own dates
(``recommendation_record``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Prefetch, Q

from recommendations.models import (
    CommitteeVerdict,
    Lead,
    Meeting,
    OverdueOverride,
    ProgressUpdate,
    Recommendation,
    Response,
    format_partial_date,
)
from recommendations.selectors.common import _history


@dataclass
class TimelineEvent:
    when: dt.datetime
    who: str
    kind: str  # recommendation, response, lead, update, status: a CSS modifier too
    title: str
    text: str = ""  # Markdown, for edits only: the wording at that moment
    anchor: str = ""


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


def _who(record) -> str:
    return record.history_user.get_username() if record.history_user else ""


def _changed(record, previous, fields: list[str]) -> set[str]:
    if previous is None:
        return set()
    return {name for name in fields if getattr(record, name) != getattr(previous, name)}


def recommendation_timeline(recommendation: Recommendation) -> list[TimelineEvent]:
    """Everything that happened to a recommendation, oldest first, from the history tables.

    Queries: the recommendation's history, its response's, its leads' (with people), its
    updates' and the committee's views of them, each with the user who made the change; the
    meetings that listed its review: seven, however long the history.
    """
    events: list[TimelineEvent] = []

    def add(record, kind: str, title: str, text: str = "", anchor: str = "") -> None:
        events.append(TimelineEvent(record.history_date, _who(record), kind, title, text, anchor))

    previous = None
    for record in _history(Recommendation, id=recommendation.pk):
        changed = _changed(
            record,
            previous,
            ["label", "text", "parent_id", "overdue_override", "overdue_override_reason",
             "closed_at_meeting_id", "reopened_at_meeting_id", "is_priority",
             "priority_reason"],
        )  # fmt: skip
        if record.history_type == "+":
            add(record, "recommendation", "Recommendation added")
        elif "label" in changed:
            add(record, "recommendation", f"Label changed from {previous.label} to {record.label}")
        if changed & {"text", "parent_id"}:
            add(record, "recommendation", "Recommendation edited", record.text)
        if changed & {"overdue_override", "overdue_override_reason"}:
            if record.overdue_override:
                title = f"Overdue label set to {_label(OverdueOverride, record.overdue_override)}"
            else:
                title = "Overdue label handed back to the rule"
            add(record, "status", f"{title}. Reason: {record.overdue_override_reason}")
        if changed & {"is_priority", "priority_reason"}:
            if not record.is_priority:
                add(record, "priority", "Priority removed")
            elif "is_priority" in changed:
                add(record, "priority", "Marked as a priority", record.priority_reason)
            else:
                add(record, "priority", "Priority reason changed", record.priority_reason)
        if "closed_at_meeting_id" in changed:
            if record.closed_at_meeting_id:
                add(record, "status", "Closed as a committee decision", record.closed_reason)
            elif record.reopened_at_meeting_id:
                add(record, "status", "Reopened as a committee decision", record.reopened_reason)
            else:
                add(record, "status", "Reopened")  # closure cleared by hand, e.g. in the admin
        previous = record

    previous = None
    for record in _history(Response, recommendation_id=recommendation.pk):
        decision = _label(Response.Decision, record.decision)
        changed = _changed(record, previous, ["decision", "text", "given_by", "agreed_on"])
        if record.history_type == "+":
            add(record, "response", f"Response recorded: {decision}")
        elif record.history_type == "~":
            if "decision" in changed:
                old = _label(Response.Decision, previous.decision)
                add(record, "response", f"Decision changed from {old} to {decision}")
            if "text" in changed:
                add(record, "response", "Response edited", record.text)
            elif changed - {"decision"}:
                add(record, "response", "Response details edited")
        previous = record

    previous_by_id: dict[int, object] = {}
    lead_history = (
        Lead.history.filter(recommendation_id=recommendation.pk)
        .select_related("history_user", "person")
        .order_by("history_date", "history_id")
    )
    for record in lead_history:
        role = _label(Lead.Role, record.role)
        name = record.person.name if record.person else "Someone"
        earlier = previous_by_id.get(record.id)
        if record.history_type == "+":
            add(record, "lead", f"{name} added as {role}")
        elif record.history_type == "-":
            add(record, "lead", f"{name} removed as {role}")
        elif _changed(record, earlier, ["person_id", "role"]):
            add(record, "lead", f"Lead changed: {name}, {role}")
        previous_by_id[record.id] = record

    live: dict[int, object] = {}
    status = None
    previous_by_id = {}
    for record in _history(ProgressUpdate, recommendation_id=recommendation.pk):
        as_at = format_partial_date(record.as_at, record.as_at_precision)
        anchor = f"update-{record.id}"
        if record.history_type == "+":
            title = (
                f"Correction added, as at {as_at}"
                if record.corrects_id
                else f"Progress update added, as at {as_at}"
            )
            add(record, "update", title, anchor=anchor)
            live[record.id] = record
        elif record.history_type == "-":
            add(record, "update", f"Progress update as at {as_at} deleted")
            live.pop(record.id, None)
        else:
            if _changed(record, previous_by_id.get(record.id), ["as_at", "text", "status"]):
                add(record, "update", f"Progress update as at {as_at} edited", record.text, anchor)
            live[record.id] = record
        previous_by_id[record.id] = record
        # The status stands as the newest update that states one gives it.
        stated = [r for r in live.values() if r.status != ProgressUpdate.Status.NOT_STATED]
        newest = max(stated, key=lambda r: (r.as_at, r.id), default=None)
        new_status = newest.status if newest else None
        if status and new_status and new_status != status:
            old, new = (
                _label(ProgressUpdate.Status, status),
                _label(ProgressUpdate.Status, new_status),
            )
            add(record, "status", f"Status changed from {old} to {new}")
        status = new_status or status

    previous_by_id = {}
    verdict_history = (
        CommitteeVerdict.history.filter(update__recommendation_id=recommendation.pk)
        .select_related("history_user", "meeting", "update")
        .order_by("history_date", "history_id")
    )
    for record in verdict_history:
        verdict = _label(CommitteeVerdict.Verdict, record.verdict)
        as_at = format_partial_date(record.update.as_at, record.update.as_at_precision)
        of = f"the update as at {as_at}"
        anchor = f"update-{record.update_id}"
        earlier = previous_by_id.get(record.id)
        if record.history_type == "+":
            add(record, "verdict", f"Committee's view of {of} recorded: {verdict}", anchor=anchor)
        elif record.history_type == "-":
            add(record, "verdict", f"Committee's view of {of} removed ({verdict})", anchor=anchor)
        elif earlier is not None and earlier.verdict != record.verdict:
            old = _label(CommitteeVerdict.Verdict, earlier.verdict)
            add(record, "verdict", f"Committee's view of {of} changed from {old} to {verdict}",
                anchor=anchor)  # fmt: skip
        elif _changed(record, earlier, ["asks", "comment", "meeting_id"]):
            add(record, "verdict", f"Committee's view of {of} edited", anchor=anchor)
        previous_by_id[record.id] = record

    _add_meeting_review_changes(add, recommendation.review_id)

    events.sort(key=lambda event: event.when)  # stable: same-moment events keep their order
    return events


def _add_meeting_review_changes(add, review_id: int) -> None:
    """When a meeting started or stopped considering the recommendation's review (the admin can
    change a meeting's reviews; the history keeps which it listed at each save). Two queries:
    the history of each meeting that ever listed the review, and whether each record lists it."""
    listed = apps.get_model("recommendations", "HistoricalMeeting_reviews")
    records = (
        Meeting.history.filter(
            id__in=listed.objects.filter(review_id=review_id).values("history__id")
        )
        .select_related("history_user")
        .prefetch_related(
            Prefetch(
                "historicalmeeting_reviews_set",
                queryset=listed.objects.filter(review_id=review_id),
                to_attr="this_review",
            )
        )
        .order_by("history_date", "history_id")
    )
    was_listed: dict[int, bool] = {}
    for record in records:
        if record.history_type == "-":
            continue
        now_listed = bool(record.this_review)
        if now_listed != was_listed.get(record.id, False):
            meeting = f"{record.date.day} {record.date:%B %Y}: {record.agenda_item}"
            title = (
                f"Review added to the meeting of {meeting}"
                if now_listed
                else f"Review removed from the meeting of {meeting}"
            )
            add(record, "meeting", title)
        was_listed[record.id] = now_listed


@dataclass
class RecordEvent:
    """A dated event in the papers, as opposed to an edit in the tracker."""

    date: dt.date
    when: str  # the date as precisely as the papers give it
    kind: str  # review, response, update, status, target, meeting, closed: a CSS modifier
    title: str
    text: str = ""  # Markdown
    anchor: str = ""
    rank: int = 0  # orders same-day events: the review, then responses, updates, meetings


def recommendation_record(recommendation: Recommendation) -> list[RecordEvent]:
    """The recommendation's story by the papers' own dates, oldest first: the review reporting,
    the response, each dated update with its status and target-date changes, and the
    meetings that considered it (those of its review and of the reports that carried its
    updates), and the committee's decisions to close or reopen it. Built from what
    ``recommendation_detail`` has already loaded, plus one query for those decisions."""
    review = recommendation.review
    events: list[RecordEvent] = []

    def add(date, precision, kind, title, text="", anchor="", rank=0) -> None:
        events.append(
            RecordEvent(date, format_partial_date(date, precision), kind, title, text, anchor, rank)
        )

    if review.reported_on:
        add(review.reported_on, review.reported_precision, "review", "The review reported")
    response = getattr(recommendation, "response", None)
    if response is not None and response.decision != Response.Decision.AWAITING:
        if response.agreed_on:
            date, precision = response.agreed_on, response.agreed_precision
        else:
            date, precision = review.response_agreed_on, review.response_agreed_precision
        title = f"Response: {response.get_decision_display()}"
        if response.given_by:
            title += f" ({response.given_by})"
        if date:
            add(date, precision, "response", title, rank=1)
        elif review.reported_on:
            events.append(
                RecordEvent(review.reported_on, "Date not recorded", "response", title, rank=1)
            )

    meetings: dict[int, Meeting] = {m.pk: m for m in review.meetings.all()}
    previous = stated = None
    for update in reversed(recommendation.update_list):  # oldest first
        if update.report and update.report.meeting:
            meetings.setdefault(update.report.meeting.pk, update.report.meeting)
        title = f"Progress update: {update.get_status_display()}"
        if update.corrects_id:
            title = f"Correction: {update.get_status_display()}"
        add(update.as_at, update.as_at_precision, "update", title, anchor=f"update-{update.pk}",
            rank=2)  # fmt: skip
        # An update that states no status changes none: compare with the last that did.
        if update.status != ProgressUpdate.Status.NOT_STATED:
            if stated and stated.status != update.status:
                add(
                    update.as_at, update.as_at_precision, "status",
                    f"Status changed from {stated.get_status_display()} to "
                    f"{update.get_status_display()}", rank=3,
                )  # fmt: skip
            stated = update
        if previous and previous.target_date and update.target_date != previous.target_date:
            new = f"{update.target_date:%d %B %Y}" if update.target_date else "no date"
            add(
                update.as_at, update.as_at_precision, "target",
                f"Target date changed from {previous.target_date:%d %B %Y} to {new}",
                update.target_date_change_reason, rank=3,
            )  # fmt: skip
        previous = update
    for meeting in meetings.values():
        text = meeting.decision
        add(meeting.date, "day", "meeting", f"Considered at {meeting.agenda_item}", text, rank=4)
    for update in reversed(recommendation.update_list):
        verdict = getattr(update, "verdict", None)
        if verdict is not None:
            add(verdict.meeting.date, "day", "verdict",
                f"The committee's view of the update as at {update.as_at_display}: "
                f"{verdict.get_verdict_display()}", _verdict_text(verdict),
                anchor=f"update-{update.pk}", rank=4)  # fmt: skip
    for kind, meeting, reason in _committee_decisions(recommendation):
        title = "Closed by the committee" if kind == "closed" else "Reopened by the committee"
        add(meeting.date, "day", kind, title, reason, rank=5)
    events.sort(key=lambda event: (event.date, event.rank))
    return events


def _verdict_text(verdict: CommitteeVerdict) -> str:
    """What the committee asked for and said, as one Markdown text (each part its own block)."""
    parts = []
    if verdict.asks.strip():
        parts += ["**The committee asks for:**", verdict.asks.strip()]
    if verdict.comment.strip():
        parts.append(verdict.comment.strip())
    return "\n\n".join(parts)


def _committee_decisions(recommendation: Recommendation) -> list[tuple[str, Meeting, str]]:
    """Every closing and reopening the committee decided, the earlier ones from the history
    (reopening clears the closure's fields), each once. One query."""
    records = (
        Recommendation.history.filter(id=recommendation.pk)
        .filter(Q(closed_at_meeting__isnull=False) | Q(reopened_at_meeting__isnull=False))
        .select_related("closed_at_meeting", "reopened_at_meeting")
        .order_by("history_date", "history_id")
    )
    decisions: dict[tuple[str, int, str], tuple[str, Meeting, str]] = {}
    for record in [*records, recommendation]:
        for kind in ("closed", "reopened"):
            meeting = getattr(record, f"{kind}_at_meeting")
            if meeting is not None:
                reason = getattr(record, f"{kind}_reason")
                decisions.setdefault((kind, meeting.pk, reason), (kind, meeting, reason))
    return list(decisions.values())
