"""Reads with joins. Each returns everything its page needs in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from recommendations.models import (
    CommitteeVerdict,
    Lead,
    Meeting,
    OverdueOverride,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
    format_partial_date,
    label_lookup,
)
from recommendations.monitoring import with_progress


def latest_update_ids() -> Subquery:
    """The id of each recommendation's newest update (by "as at" date, then entry order)."""
    newest = ProgressUpdate.objects.filter(recommendation=OuterRef("recommendation")).order_by(
        "-as_at", "-id"
    )
    return Subquery(newest.values("pk")[:1])


def latest_update_prefetch() -> Prefetch:
    return Prefetch(
        "updates",
        queryset=ProgressUpdate.objects.filter(pk=latest_update_ids()).select_related(
            "report", "author"
        ),
        to_attr="latest_updates",
    )


def leads_prefetch() -> Prefetch:
    return Prefetch("leads", queryset=Lead.objects.select_related("person"))


def documents_prefetch(through: str = "documents") -> Prefetch:
    """A record's supporting documents, as their lists show them (by title)."""
    return Prefetch(through, queryset=SupportingDocument.objects.order_by("title", "id"))


def meeting_detail(pk: int) -> Meeting:
    """Queries: the meeting with its committee; the reviews it considered; the update reports
    presented at it (with their reviews); its documents."""
    return get_object_or_404(
        Meeting.objects.select_related("committee__authority").prefetch_related(
            Prefetch("reviews", queryset=Review.objects.order_by("title")),
            Prefetch(
                "update_reports",
                queryset=UpdateReport.objects.select_related("review").order_by(
                    "review__title", "title"
                ),
            ),
            documents_prefetch(),
        ),
        pk=pk,
    )


def review_list() -> QuerySet[Review]:
    # Counted per review by a subquery, not by joining and grouping every recommendation:
    # PostgreSQL counts for the page's 20 reviews only, after sorting and limiting, so a
    # page costs the same at 1,000 reviews and at 10,000 (bench/pages.py).
    counted = (
        Recommendation.objects.filter(review=OuterRef("pk"), parent=None)
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Review.objects.select_related("committee__authority")
        .annotate(recommendation_count=Coalesce(Subquery(counted), 0))
        .order_by("-reported_on", "title", "pk")
    )


def review_with_recommendations(slug: str) -> tuple[Review, list[Recommendation]]:
    """A review and its top-level recommendations, each with ``.part_list``, in order.

    Queries: the review; its recommendations with responses; their leads; their latest updates;
    its document versions; its update reports; its meetings; its supporting documents.
    """
    review = get_object_or_404(
        Review.objects.select_related(
            "committee__authority", "lead_cabinet_member", "lead_director", "published_by"
        ).prefetch_related("document_versions", "update_reports", "meetings", documents_prefetch()),
        slug=slug,
    )
    recommendations = list(
        with_progress(review.recommendations.all())
        .select_related("response", "closed_at_meeting")
        .prefetch_related(leads_prefetch(), latest_update_prefetch())
    )
    return review, nest_parts(recommendations)


def nest_parts(recommendations: list[Recommendation]) -> list[Recommendation]:
    """Hang each part under its parent (``.part_list``), which shows the leads they share."""
    by_id = {rec.pk: rec for rec in recommendations}
    for rec in recommendations:
        rec.part_list = []
    top_level = []
    for rec in recommendations:
        parent = by_id.get(rec.parent_id)
        if parent is None:
            top_level.append(rec)
        else:
            parent.part_list.append(rec)
    for rec in recommendations:
        rec.shown_leads = list(rec.leads.all())
        rec.latest_update = rec.latest_updates[0] if rec.latest_updates else None
    return top_level


def recommendation_detail(slug: str, label: str) -> Recommendation:
    recommendation = get_object_or_404(
        with_progress(Recommendation.objects.all())
        .select_related(
            "review__committee__authority",
            "response",
            "parent",
            "closed_at_meeting",
            "reopened_at_meeting",
        )
        .prefetch_related(
            leads_prefetch(),
            Prefetch("parent__leads", queryset=Lead.objects.select_related("person")),
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related(
                    "report__meeting", "author", "corrects", "verdict__meeting"
                )
                .prefetch_related(documents_prefetch())
                .order_by("-as_at", "-id"),
                to_attr="update_list",
            ),
            "parts",
            "review__meetings",
        ),
        review__slug=slug,
        **label_lookup(label),
    )
    own_leads = list(recommendation.leads.all())
    parent = recommendation.parent
    recommendation.shown_leads = own_leads or (list(parent.leads.all()) if parent else [])
    return recommendation


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


def _history(model, **filters) -> list:
    return list(
        model.history.filter(**filters)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


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


@dataclass
class TargetChange:
    target: dt.date | None
    as_at: str
    reason: str
    is_original: bool


def target_date_history(recommendation: Recommendation) -> list[TargetChange]:
    """The original target date and each revision, with the reason given for it."""
    history: list[TargetChange] = []
    current = None
    for update in reversed(recommendation.update_list):  # oldest first
        if update.target_date == current or (current is None and update.target_date is None):
            continue
        history.append(
            TargetChange(
                update.target_date,
                update.as_at_display,
                update.target_date_change_reason,
                is_original=not history,
            )
        )
        current = update.target_date
    return history


@dataclass
class RoundRow:
    """One row of a monitoring round: a recommendation that carries its own decision, the
    update it already has in the round (if any) and the update before that one."""

    recommendation: Recommendation
    current: ProgressUpdate | None
    previous: ProgressUpdate | None


def round_rows(report) -> list[RoundRow]:
    """Every recommendation of the report's review that carries its own decision (one without
    parts, or each lettered part), in the appendix's order, with its update in this report and
    the latest one before it.

    Queries: the review's recommendations; their updates (all of them, oldest rounds included:
    a review has a few dozen recommendations and a few rounds, and one query beats one per row).
    """
    recommendations = list(
        Recommendation.objects.filter(review_id=report.review_id)
        .only("id", "review_id", "parent_id", "label", "order", "text", "version")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("report").order_by("-as_at", "-id"),
                to_attr="round_updates",
            )
        )
        .order_by("order", "id")
    )
    parts: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        rec.review = report.review  # the forms' rules read it: no query per row
        if rec.parent_id:
            parts.setdefault(rec.parent_id, []).append(rec)
    rows = []
    for rec in recommendations:
        if rec.parent_id:
            continue
        for item in parts.get(rec.pk) or [rec]:
            updates = item.round_updates  # newest first
            current = next((u for u in updates if u.report_id == report.pk), None)
            if current is not None:
                earlier = updates[updates.index(current) + 1 :]
            elif report.as_at:
                earlier = [u for u in updates if u.as_at <= report.as_at]
            else:
                earlier = updates
            rows.append(RoundRow(item, current, earlier[0] if earlier else None))
    return rows


def round_gaps(report) -> list[RoundRow]:
    """The rows of the round without an update in the report, each with its latest earlier
    update (``previous``): what finalising asks a reason for. ``round_rows``' queries."""
    return [row for row in round_rows(report) if row.current is None]


def round_gaps_by_report(reports) -> dict[int, list[Recommendation]]:
    """``round_gaps`` for many reports at once, without the previous updates: each report's
    rows (``round_rows``' rule: a recommendation without parts, or each of its parts) that
    have no update in it. Two queries, however many reports."""
    review_ids = {report.review_id for report in reports}
    recommendations = list(
        Recommendation.objects.filter(review_id__in=review_ids)
        .only("id", "review_id", "parent_id", "label", "order")
        .order_by("order", "id")
    )
    with_update = set(
        ProgressUpdate.objects.filter(report__in=[report.pk for report in reports]).values_list(
            "report_id", "recommendation_id"
        )
    )
    parts: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        if rec.parent_id:
            parts.setdefault(rec.parent_id, []).append(rec)
    rows: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        if not rec.parent_id:
            rows.setdefault(rec.review_id, []).extend(parts.get(rec.pk) or [rec])
    return {
        report.pk: [
            rec for rec in rows.get(report.review_id, []) if (report.pk, rec.pk) not in with_update
        ]
        for report in reports
    }


@dataclass
class ReportEntry:
    """One recommendation on an update report's page: its updates in the report (newest
    first) or, with none, ``earlier``, its latest earlier update, shown marked "No new update
    this round". ``counted``: it carries its own decision, so it is expected in every round."""

    recommendation: Recommendation
    updates: list[ProgressUpdate]
    earlier: ProgressUpdate | None
    counted: bool


def report_entries(report) -> list[ReportEntry]:
    """Every recommendation of the round (``round_rows``), in the appendix's order, with the
    report's updates; a parent whose parts carry the decisions is listed before its parts when
    the report has an update of its own for it.

    Queries: ``round_rows``' two; the report's updates."""
    rows = round_rows(report)
    in_report: dict[int, list[ProgressUpdate]] = {}
    for update in report.updates.select_related(
        "recommendation", "corrects", "verdict__meeting", "author"
    ).order_by("-as_at", "-id"):
        in_report.setdefault(update.recommendation_id, []).append(update)
    entries = []
    for row in rows:
        rec = row.recommendation
        parent_updates = in_report.pop(rec.parent_id, None) if rec.parent_id else None
        if parent_updates:
            entries.append(
                ReportEntry(parent_updates[0].recommendation, parent_updates, None, False)
            )
        updates = in_report.pop(rec.pk, [])
        entries.append(ReportEntry(rec, updates, None if updates else row.previous, True))
    # Anything else in the report (a recommendation the round does not count) stays listed.
    for updates in in_report.values():
        entries.append(ReportEntry(updates[0].recommendation, updates, None, False))
    return entries


@dataclass
class ReportEvent:
    when: dt.datetime
    who: str
    kind: str  # "finalised" or "reopened"
    reason: str = ""  # why it was final without every update, or why it was reopened


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def report_events(report) -> list[ReportEvent]:
    """Each time the report was made final or reopened, oldest first, from its history (the
    report itself keeps only the latest). One query."""
    events = []
    was_final = False
    for record in _history(UpdateReport, id=report.pk):
        if record.is_final and not was_final:
            events.append(
                ReportEvent(
                    record.history_date,
                    _user_name(record.history_user),
                    "finalised",
                    record.finalised_with_gaps_reason,
                )
            )
        elif was_final and not record.is_final and record.history_type != "-":
            events.append(
                ReportEvent(
                    record.history_date,
                    _user_name(record.history_user),
                    "reopened",
                    record.reopened_reason,
                )
            )
        was_final = record.is_final
    return events


def version_as_loaded(instance, version: int | None) -> dict | None:
    """The record's values (by attribute name) as they were at ``version``, from its history;
    None when the history does not hold that version."""
    history = getattr(type(instance), "history", None)
    if history is None or version is None or instance.pk is None:
        return None
    record = (
        history.filter(**{type(instance)._meta.pk.attname: instance.pk, "version": version})
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return None
    return {
        field.attname: getattr(record, field.attname)
        for field in type(instance)._meta.concrete_fields
    }


def open_round(review_id: int):
    """The review's open draft round: its newest update report that is not final (the one
    started last), or None."""
    return UpdateReport.objects.filter(review_id=review_id, is_final=False).order_by("-pk").first()


@dataclass
class VerdictRow:
    """One update the meeting considered, with the committee's view of it if recorded."""

    update: ProgressUpdate
    verdict: CommitteeVerdict | None
    meeting: Meeting

    @property
    def recorded_elsewhere(self) -> bool:
        """The committee gave its view of this update at another meeting (an update has one)."""
        return self.verdict is not None and self.verdict.meeting_id != self.meeting.pk


@dataclass
class VerdictGroup:
    """A review's updates at the meeting: those of the report presented there, or, for a
    review on the agenda without one, each recommendation's latest update by the meeting."""

    review: Review
    report: UpdateReport | None
    rows: list[VerdictRow]


def _document_order(update: ProgressUpdate) -> tuple:
    rec = update.recommendation
    parent = rec.parent
    return (parent.order if parent else rec.order, parent.pk if parent else rec.pk,
            rec.parent_id is not None, rec.order, rec.pk, update.as_at, update.pk)  # fmt: skip


def meeting_verdict_groups(meeting: Meeting) -> list[VerdictGroup]:
    """What a meeting considered, update by update, with the committee's views: the updates of
    each report presented at it; for each review on its agenda without such a report, the
    latest update (dated by the meeting) of each recommendation that carries its own decision.

    Queries: the reports presented at the meeting (with reviews); the reviews on its agenda;
    the reports' updates; the other reviews' updates. Each update comes with its
    recommendation (and parent) and its verdict (and that verdict's meeting)."""
    reports = list(
        meeting.update_reports.select_related("review").order_by("review__title", "as_at", "pk")
    )
    reviews = {report.review_id: report.review for report in reports}
    agenda_only = [
        review for review in meeting.reviews.order_by("title", "pk") if review.pk not in reviews
    ]
    joined = (
        "recommendation__review",
        "recommendation__parent",
        "verdict__meeting",
        "verdict__recorded_by",
    )
    by_report: dict[int, list[ProgressUpdate]] = {}
    if reports:
        for update in ProgressUpdate.objects.filter(report__in=reports).select_related(*joined):
            by_report.setdefault(update.report_id, []).append(update)
    latest: dict[int, dict[int, ProgressUpdate]] = {}
    if agenda_only:
        updates = (
            ProgressUpdate.objects.filter(
                recommendation__review__in=agenda_only,
                recommendation__parts=None,
                as_at__lte=meeting.date,
            )
            .select_related(*joined)
            .order_by("-as_at", "-id")
        )
        for update in updates:  # newest first: the first seen is the latest
            latest.setdefault(update.recommendation.review_id, {}).setdefault(
                update.recommendation_id, update
            )

    def rows(updates) -> list[VerdictRow]:
        return [
            VerdictRow(update, getattr(update, "verdict", None), meeting)
            for update in sorted(updates, key=_document_order)
        ]

    groups = [VerdictGroup(r.review, r, rows(by_report.get(r.pk, []))) for r in reports]
    groups += [
        VerdictGroup(review, None, rows(latest.get(review.pk, {}).values()))
        for review in agenda_only
    ]
    return groups


@dataclass
class UpdateDeletion:
    """What deleting a progress update changes beyond the update itself."""

    is_latest: bool
    # The update that becomes the recommendation's latest (None: then it has none).
    next_latest: ProgressUpdate | None


def update_deletion(update: ProgressUpdate) -> UpdateDeletion:
    """The recommendation's two newest updates, by the order its status is read in."""
    newest = list(
        ProgressUpdate.objects.filter(recommendation_id=update.recommendation_id)
        .select_related("report")
        .order_by("-as_at", "-id")[:2]
    )
    if not newest or newest[0].pk != update.pk:
        return UpdateDeletion(is_latest=False, next_latest=None)
    return UpdateDeletion(is_latest=True, next_latest=newest[1] if len(newest) > 1 else None)


def other_leads(lead: Lead) -> QuerySet[Lead]:
    """The person's other roles on recommendations, which removing this one leaves alone."""
    return (
        Lead.objects.filter(person_id=lead.person_id)
        .exclude(pk=lead.pk)
        .select_related("recommendation__review")
        .order_by("recommendation__review__title", "recommendation__order", "recommendation__id")
    )


@dataclass
class LeadRows:
    """One lead's share of a round: the rows (recommendations that carry their own decision)
    they lead, each with the update before it."""

    person: Person
    rows: list[RoundRow] = field(default_factory=list)


def leads_of_round(report) -> list[LeadRows]:
    """Every person leading a row of the round (a part's leads are its parent's unless it has
    its own, as the pages show), by name. A recommendation the committee closed needs no more
    updates, so is left out. Queries: the rows (2), the closed ones, the leads with their
    people."""
    closed = set(
        Recommendation.objects.filter(
            review_id=report.review_id, closed_at_meeting__isnull=False
        ).values_list("pk", flat=True)
    )
    rows = [
        row
        for row in round_rows(report)
        if row.recommendation.pk not in closed and row.recommendation.parent_id not in closed
    ]
    by_rec: dict[int, list[Person]] = defaultdict(list)
    leads = Lead.objects.filter(recommendation__review_id=report.review_id).select_related(
        "person__user"
    )
    for lead in leads.order_by("order", "id"):
        if lead.person not in by_rec[lead.recommendation_id]:
            by_rec[lead.recommendation_id].append(lead.person)
    shares: dict[int, LeadRows] = {}
    for row in rows:
        rec = row.recommendation
        people = by_rec.get(rec.pk) or (by_rec.get(rec.parent_id, []) if rec.parent_id else [])
        for person in people:
            shares.setdefault(person.pk, LeadRows(person)).rows.append(row)
    return sorted(shares.values(), key=lambda share: (share.person.name, share.person.pk))


def rows_for_request(update_request: UpdateRequest) -> list[RoundRow]:
    """The rows a request covers: those its lead leads in the round now (a lead added to a
    recommendation after the request was sent sees it too)."""
    for share in leads_of_round(update_request.report):
        if share.person.pk == update_request.person_id:
            return share.rows
    return []
