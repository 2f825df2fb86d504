"""Update reminders to leads: who is due to report on what, and the one email each gets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Prefetch

from recommendations import services, update_requests
from recommendations.models import Lead, Person, Recommendation, ReminderSent, Review
from recommendations.monitoring import DONE_STATUSES, next_scheduled_update, with_progress

HELP = (
    "Email each lead whose recommendation's progress update is due within --days days, or "
    "is overdue. An update is due on the earlier of: the review's next scheduled update (the "
    "last update report's 'as at' date plus the review's update interval in months) and the "
    "target date in the recommendation's latest update. Only open recommendations count (not "
    "closed by the committee, not implemented or superseded, in a review that is not closed) "
    "and only leads with an email address. Each person gets one email listing all their "
    "recommendations; a reminder for the same person, recommendation and due date is never "
    "sent twice (see ReminderSent). A lead's recommendations in a round they were sent an "
    "update request for are chased by that request instead: once when its due date is within "
    "--days days and once after it has passed, listing what they have not yet submitted."
)


@dataclass
class Due:
    recommendation: Recommendation
    due_on: dt.date


def due_date(rec: Recommendation, scheduled: dt.date | None) -> dt.date | None:
    dates = [date for date in (scheduled, rec.latest_target_date) if date]
    return min(dates) if dates else None


def reminders_due(days: int, today: dt.date) -> dict[Person, list[Due]]:
    """Queries: the open recommendations with where they stand, their leads (and their
    parents' leads) with people, their reviews' update reports, the reminders already sent."""
    recs = list(
        with_progress(
            Recommendation.objects.exclude(review__status=Review.Status.CLOSED).filter(
                closed_at_meeting__isnull=True
            ),
            today=today,
        )
        .select_related("review")
        .prefetch_related(
            Prefetch("leads", queryset=Lead.objects.select_related("person")),
            Prefetch("parent__leads", queryset=Lead.objects.select_related("person")),
            "review__update_reports",
        )
        .order_by("review__title", "order", "id")
    )
    horizon = today + dt.timedelta(days=days)
    schedule: dict[int, dt.date | None] = {}
    sent = set(ReminderSent.objects.values_list("person_id", "recommendation_id", "due_on"))
    requested = update_requests.open_request_pairs()
    by_person: dict[Person, list[Due]] = defaultdict(list)
    for rec in recs:
        if rec.has_parts or rec.latest_status in DONE_STATUSES:
            continue
        if rec.review_id not in schedule:
            schedule[rec.review_id] = next_scheduled_update(
                rec.review, rec.review.update_reports.all()
            )
        due_on = due_date(rec, schedule[rec.review_id])
        if due_on is None or due_on > horizon:
            continue
        # A part's leads are its parent's unless it has its own, as the pages show.
        leads = list(rec.leads.all()) or (list(rec.parent.leads.all()) if rec.parent_id else [])
        people = {lead.person for lead in leads if lead.person.email}
        for person in people:
            if (person.pk, rec.pk, due_on) not in sent and (person.pk, rec.pk) not in requested:
                by_person[person].append(Due(rec, due_on))
    return by_person


def _body(person: Person, items: list[Due], today: dt.date) -> str:
    lines = [
        f"Dear {person.name},",
        "",
        "A progress update is due on these scrutiny recommendations you lead on:",
        "",
    ]
    for item in items:
        rec = item.recommendation
        when = f"{item.due_on.day} {item.due_on:%B %Y}"
        state = "overdue since" if item.due_on < today else "due"
        flag = " [Overdue]" if rec.is_overdue else ""
        named = f"recommendation {rec.label}" if rec.label else "an unnumbered recommendation"
        lines += [
            f"- {rec.review.title}, {named}: update {state} {when}{flag}",
            f"  {settings.SITE_URL}{rec.get_absolute_url()}",
        ]
    lines += ["", "Please send your update to the scrutiny officer.", "", "Scrutiny Tracker"]
    return "\n".join(lines)


def send_reminders(*, days: int, today: dt.date) -> tuple[int, int]:
    """Send one email per person; record each reminder once it has gone. Returns (emails,
    reminders)."""
    emails = reminders = 0
    connection = get_connection()
    for person, items in sorted(reminders_due(days, today).items(), key=lambda kv: kv[0].name):
        count = len(items)
        subject = f"Scrutiny recommendations: {count} update{'s' if count != 1 else ''} due"
        message = EmailMessage(
            subject, _body(person, items, today), to=[person.email], connection=connection
        )
        message.send()
        for item in items:
            # False when a concurrent run recorded it first: nothing more to do.
            services.reminder_sent_record(
                person=person, recommendation=item.recommendation, due_on=item.due_on
            )
        emails += 1
        reminders += count
    for chase in update_requests.chases_due(days, today):
        message = EmailMessage(
            _chase_subject(chase), _chase_body(chase), to=[chase.update_request.person.email],
            connection=connection,
        )  # fmt: skip
        message.send()
        update_requests.record_chase(chase=chase, today=today)
        emails += 1
        reminders += len(chase.outstanding)
    return emails, reminders


def _chase_subject(chase: update_requests.Chase) -> str:
    update_request = chase.update_request
    state = "overdue" if chase.overdue else "due"
    return f"Reminder: updates {state}, {update_request.report.review.title}"


def _chase_body(chase: update_requests.Chase) -> str:
    update_request = chase.update_request
    due = f"{update_request.due_on.day} {update_request.due_on:%B %Y}"
    when = f"were due on {due}" if chase.overdue else f"are due on {due}"
    lines = [
        f"Dear {update_request.person.name},",
        "",
        f"Your progress updates for “{update_request.report.title}” "
        f"({update_request.report.review.title}) {when}. Not yet submitted:",
        "",
    ]
    for row in chase.outstanding:
        lines.append(f"- Recommendation {row.row.recommendation.label} ({row.state_label.lower()})")
    lines += [
        "",
        "Write and submit them here:",
        settings.SITE_URL + update_request.get_absolute_url(),
        "",
        "Scrutiny Tracker",
    ]
    return "\n".join(lines)
