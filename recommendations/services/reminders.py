"""What the reminders command (``send_update_reminders``) records once an email has gone: a
reminder to a lead, and an update request chased."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from recommendations.models import Person, Recommendation, ReminderSent, UpdateRequest


def reminder_sent_record(
    *, person: Person, recommendation: Recommendation, due_on: dt.date
) -> bool:
    """Record that a reminder went. False if a concurrent run recorded the same one first: the
    unique constraint, not a look beforehand, is what stops a second run sending it again."""
    reminder = ReminderSent(person=person, recommendation=recommendation, due_on=due_on)
    reminder.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            reminder.save()
    except IntegrityError:
        return False
    return True


@transaction.atomic
def update_request_record_reminder(
    *, update_request: UpdateRequest, overdue: bool, today: dt.date
) -> None:
    """send_update_reminders chases a request once before its due date and once after."""
    update_request = UpdateRequest.objects.select_for_update().get(pk=update_request.pk)
    if overdue:
        update_request.reminded_overdue_on = today
    else:
        update_request.reminded_before_due_on = today
    update_request.version += 1
    update_request.save()
