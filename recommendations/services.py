"""Writes. Each service is one transaction, and every save goes through ``Model.save()`` so that
django-simple-history records who changed what (it does not see queryset updates or bulk writes).

Every write route (the pages, the admin, commands) goes through here, so the domain's rules
(``rules``) are checked here: a broken rule is a ``ValidationError`` keyed by the model's field,
raised before anything is written. Views put those messages back on their forms.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from recommendations import rules, selectors
from recommendations.models import (
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)

User = AbstractBaseUser | AnonymousUser | None
M = TypeVar("M", bound=models.Model)

CONFLICT_MESSAGE = (
    "Someone else changed this {noun} since you opened it. Your text is kept below; "
    "review their change and save again."
)
LOCKED_MESSAGE = (
    "This update is part of a final report, so it can no longer be changed. "
    "Add a correction instead: the original stays on the record."
)


class EditConflict(Exception):
    """The record was saved by someone else after this editor loaded it."""

    def __init__(self, *, noun: str, current_version: int | None) -> None:
        super().__init__(CONFLICT_MESSAGE.format(noun=noun))
        self.current_version = current_version


REPORT_FINAL_MESSAGE = (
    "This update report is final, so updates can no longer be entered or changed in it. "
    "To change what it says, add a correction from the recommendation's page: the original "
    "stays on the record."
)


REPORT_DETAILS_FINAL_MESSAGE = (
    "This update report is final, so its details (title, dates, summary, meeting and people) "
    "can no longer be changed. An officer can reopen it, giving the reason."
)


class ReportIsFinal(ValidationError):
    """A final report's own details are part of the record, as its updates are."""

    def __init__(self, message: str = REPORT_DETAILS_FINAL_MESSAGE) -> None:
        super().__init__(message, code="report_final")


class ReportNotFinal(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "This update report is not final, so there is nothing to reopen. "
            "Someone may have reopened it already.",
            code="report_not_final",
        )


class GapsChanged(ValidationError):
    """The recommendations without an update in the round are not the ones the person
    finalising was shown (an update was added or removed meanwhile)."""

    def __init__(self) -> None:
        super().__init__(
            "The recommendations without an update in this round have changed since you "
            "opened this page: the list below is the current one. Check it and confirm again.",
            code="gaps_changed",
        )


class RecordLocked(PermissionDenied):
    """The record belongs to a final report."""

    def __init__(self, message: str = LOCKED_MESSAGE) -> None:
        super().__init__(message)


class NotClosed(ValidationError):
    """Only a closed recommendation can be reopened."""

    def __init__(self) -> None:
        super().__init__(
            "This recommendation is not closed, so there is nothing to reopen. "
            "Someone may have reopened it already.",
            code="not_closed",
        )


class AlreadyClosed(ValidationError):
    """Closing again would overwrite the committee's recorded decision: reopen it first."""

    def __init__(self) -> None:
        super().__init__(
            "This recommendation is already closed. Reopen it first: closing it again would "
            "overwrite the committee's recorded decision.",
            code="already_closed",
        )


def _validate(instance: M, rule: Callable[[M], rules.Errors] | None = None) -> None:
    """The model's field checks first (they also turn typed-in values such as "2024-03-01" into
    dates), then the domain's rules (their messages are the clearer, so they come before the
    model's unique checks), then the rest of the model's own: ``clean()``, unique, constraints."""
    instance.clean_fields()
    rules.check(rules.markdown_errors(instance))
    if rule is not None:
        rules.check(rule(instance))
    instance.full_clean()


def _attribute_to(instance: models.Model, user: User) -> None:
    # The history middleware covers requests; this covers services called from elsewhere too.
    if user is not None and user.is_authenticated:
        instance._history_user = user


def _save_versioned(instance: models.Model, *, expected_version: int, user: User) -> None:
    """Optimistic locking that still records history.

    ``select_for_update`` holds the row on PostgreSQL until the transaction ends; on SQLite it
    is a no-op, but the IMMEDIATE transaction mode already serialises writers, so the version
    read here cannot change before our save.
    """
    model = type(instance)
    current = (
        model._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != expected_version:
        raise EditConflict(noun=model._meta.verbose_name, current_version=current)
    instance.version = current + 1
    _attribute_to(instance, user)
    instance.save()


def _next_order(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 1


@transaction.atomic
def review_create(*, review: Review, user: User) -> Review:
    _validate(review, rules.review_errors)
    _attribute_to(review, user)
    review.save()
    return review


@transaction.atomic
def review_update(*, review: Review, expected_version: int, user: User) -> Review:
    _validate(review, rules.review_errors)
    _save_versioned(review, expected_version=expected_version, user=user)
    return review


@transaction.atomic
def recommendation_create(*, recommendation: Recommendation, user: User) -> Recommendation:
    """A new recommendation goes last among its siblings and starts awaiting a response."""
    recommendation.order = _next_order(
        Recommendation.objects.filter(review=recommendation.review, parent=recommendation.parent)
    )
    _validate(recommendation, rules.recommendation_errors)
    _attribute_to(recommendation, user)
    recommendation.save()
    response = Response(recommendation=recommendation)
    _attribute_to(response, user)
    response.save()
    return recommendation


@transaction.atomic
def recommendation_update(
    *, recommendation: Recommendation, expected_version: int, user: User
) -> Recommendation:
    _validate(recommendation, rules.recommendation_errors)
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation


@transaction.atomic
def recommendation_move(
    *, recommendation: Recommendation, direction: Literal["up", "down"], user: User
) -> None:
    """Swap with the neighbouring sibling, renumbering the siblings 1..n so gaps and ties go."""
    siblings = list(
        Recommendation.objects.select_for_update()
        .filter(review_id=recommendation.review_id, parent_id=recommendation.parent_id)
        .order_by("order", "id")
    )
    index = next(i for i, rec in enumerate(siblings) if rec.pk == recommendation.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, rec in enumerate(siblings, start=1):
        if rec.order != position:
            rec.order = position
            rec.version += 1
            _attribute_to(rec, user)
            rec.save()


@transaction.atomic
def response_save(*, response: Response, expected_version: int | None, user: User) -> Response:
    _validate(response)
    if response.pk is None:
        _attribute_to(response, user)
        response.save()
    else:
        _save_versioned(response, expected_version=expected_version or 0, user=user)
    return response


@transaction.atomic
def lead_add(
    *,
    recommendation: Recommendation,
    role: str,
    person: Person | None = None,
    new_person_name: str = "",
    new_person_job_title: str = "",
    new_person_organisation: str = "",
    user: User,
) -> Lead:
    """Assign a lead, creating the person first if they are new to the tracker."""
    rules.check(rules.new_lead_errors(person, new_person_name))
    picked = person is not None
    if person is None:
        person, created = Person.objects.get_or_create(
            name=new_person_name,
            job_title=new_person_job_title,
            organisation=new_person_organisation,
        )
    lead = Lead(
        recommendation=recommendation,
        person=person,
        role=role,
        order=_next_order(recommendation.leads.all()),
    )
    field = "person" if picked else "new_person_name"
    _validate(lead, lambda lead: rules.lead_errors(lead, field=field))
    _attribute_to(lead, user)
    lead.save()
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, expected_version: int, user: User) -> Lead:
    _validate(lead, rules.lead_errors)
    _save_versioned(lead, expected_version=expected_version, user=user)
    return lead


@transaction.atomic
def lead_remove(*, lead: Lead, user: User) -> None:
    # Model.delete(), not a queryset delete, so the history keeps a "removed" record.
    _attribute_to(lead, user)
    lead.delete()


@transaction.atomic
def lead_move(*, lead: Lead, direction: Literal["up", "down"], user: User) -> None:
    leads = list(
        Lead.objects.select_for_update()
        .filter(recommendation_id=lead.recommendation_id)
        .order_by("order", "id")
    )
    index = next(i for i, item in enumerate(leads) if item.pk == lead.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(leads):
        return
    leads[index], leads[target] = leads[target], leads[index]
    for position, item in enumerate(leads, start=1):
        if item.order != position:
            item.order = position
            item.version += 1
            _attribute_to(item, user)
            item.save()


def _refuse_if_final(report_id: int | None) -> None:
    # The report's row is held until the write commits, so finalising (which holds it too)
    # sees every update that went in before it, and none goes in after.
    if report_id and (
        UpdateReport.objects.select_for_update()
        .filter(pk=report_id)
        .values_list("is_final", flat=True)
        .first()
    ):
        raise RecordLocked()


@transaction.atomic
def progress_update_create(*, update: ProgressUpdate, user: User) -> ProgressUpdate:
    """A new update never replaces an earlier one: updates accumulate."""
    if update.report_id:
        _refuse_if_final(update.report_id)
    _validate(update, rules.progress_update_errors)
    if user is not None and user.is_authenticated:
        update.created_by = user
    _attribute_to(update, user)
    update.save()
    return update


@transaction.atomic
def progress_update_edit(
    *, update: ProgressUpdate, expected_version: int, user: User
) -> ProgressUpdate:
    # Check the report the update is in now (in the database), and the one it is moving to.
    stored_report_id = (
        ProgressUpdate.objects.filter(pk=update.pk).values_list("report_id", flat=True).first()
    )
    _refuse_if_final(stored_report_id)
    _refuse_if_final(update.report_id)
    _validate(update, rules.progress_update_errors)
    _save_versioned(update, expected_version=expected_version, user=user)
    return update


@transaction.atomic
def progress_update_delete(*, update: ProgressUpdate, user: User) -> None:
    _refuse_if_final(
        ProgressUpdate.objects.filter(pk=update.pk).values_list("report_id", flat=True).first()
    )
    if update.corrections.exists():
        raise RecordLocked("This update has been corrected, so it stays on the record.")
    _attribute_to(update, user)
    update.delete()


@transaction.atomic
def progress_update_correct(
    *, original: ProgressUpdate, correction: ProgressUpdate, user: User
) -> ProgressUpdate:
    """A correction is a new update pointing at the original, which stays as it was."""
    correction.recommendation = original.recommendation
    correction.corrects = original
    return progress_update_create(update=correction, user=user)


@dataclass
class RoundEntry:
    """One row of a monitoring round: a new update (``expected_version`` None) or an edit of
    the update already in the round, at the version the editor loaded."""

    update: ProgressUpdate
    expected_version: int | None = None


class RoundRefused(Exception):
    """At least one row was refused, so nothing was saved. ``errors`` maps each refused row's
    recommendation id to its ``ValidationError`` or ``EditConflict``."""

    def __init__(self, errors: dict[int, Exception]) -> None:
        super().__init__(f"{len(errors)} row(s) refused; nothing was saved.")
        self.errors = errors


@transaction.atomic
def update_report_save_updates(
    *, report: UpdateReport, entries: Sequence[RoundEntry], user: User
) -> list[ProgressUpdate]:
    """Save a round's rows together, all or nothing, each through ``progress_update_create`` or
    ``progress_update_edit`` (so each row meets every rule a single update meets). Every row is
    checked, so the editor sees all the refusals at once; any refusal undoes the rows saved
    before it. A new row for a recommendation that already has an update in this round (someone
    else entered it meanwhile, or the same form was posted twice) is an edit conflict, not a
    second update."""
    is_final = (
        UpdateReport.objects.select_for_update()
        .filter(pk=report.pk)
        .values_list("is_final", flat=True)
        .first()
    )
    if is_final:
        raise RecordLocked(REPORT_FINAL_MESSAGE)
    errors: dict[int, Exception] = {}
    saved: list[tuple[ProgressUpdate, bool, int]] = []
    for entry in entries:
        update = entry.update
        update.report = report
        was_new, version = update.pk is None, update.version
        try:
            if entry.expected_version is None:
                theirs = (
                    ProgressUpdate.objects.filter(
                        report=report, recommendation_id=update.recommendation_id
                    )
                    .order_by("-as_at", "-id")
                    .values_list("version", flat=True)
                    .first()
                )
                if theirs is not None:
                    raise EditConflict(noun="progress update", current_version=theirs)
                progress_update_create(update=update, user=user)
            else:
                progress_update_edit(
                    update=update, expected_version=entry.expected_version, user=user
                )
        except (ValidationError, EditConflict) as error:
            errors[update.recommendation_id] = error
        else:
            saved.append((update, was_new, version))
    if errors:
        # The transaction is rolled back; make the instances say so too.
        for update, was_new, version in saved:
            if was_new:
                update.pk = None
            update.version = version
        raise RoundRefused(errors)
    return [update for update, _, _ in saved]


# Recorded only by finalising and reopening, never by the details form.
FINALISE_FIELDS = [
    "is_final", "finalised_at", "finalised_by", "finalised_with_gaps_reason",
    "reopened_at", "reopened_by", "reopened_reason",
]  # fmt: skip


@transaction.atomic
def update_report_create(
    *, report: UpdateReport, user: User, contributors: Iterable[Person] | None = None
) -> UpdateReport:
    """``contributors``, when given, become the report's (the history records them)."""
    for name in FINALISE_FIELDS:  # a new report starts as a draft, never finalised
        setattr(report, name, UpdateReport._meta.get_field(name).get_default())
    _validate(report, rules.update_report_errors)
    _attribute_to(report, user)
    report.save()
    if contributors is not None:
        report.contributors.set(contributors)
    return report


@transaction.atomic
def update_report_update(
    *,
    report: UpdateReport,
    expected_version: int,
    user: User,
    contributors: Iterable[Person] | None = None,
) -> UpdateReport:
    """The details of a draft report. A final report's details are part of the record: an
    officer reopens it first (``update_report_reopen``)."""
    stored = UpdateReport.objects.select_for_update().filter(pk=report.pk).first()
    if stored is None:
        raise EditConflict(noun=UpdateReport._meta.verbose_name, current_version=None)
    if stored.is_final:
        raise ReportIsFinal()
    # The form cannot finalise or reopen a report; keep what the database says.
    for name in FINALISE_FIELDS:
        setattr(report, name, getattr(stored, name))
    _validate(report, rules.update_report_errors)
    _save_versioned(report, expected_version=expected_version, user=user)
    if contributors is not None:
        report.contributors.set(contributors)
    return report


@transaction.atomic
def update_report_finalise(
    *,
    report: UpdateReport,
    expected_version: int,
    user: User,
    gaps_reason: str = "",
    confirmed_gaps: Collection[int] | None = None,
) -> UpdateReport:
    """Make the report final: its details and updates can no longer change. Recommendations
    without an update in its round (``selectors.round_gaps``) need ``gaps_reason``, which is
    kept with the report; ``confirmed_gaps``, when given, are the ids of the recommendations
    the person finalising was shown without one, and must still be the gaps."""
    stored = (
        UpdateReport.objects.select_for_update(of=("self",))
        .select_related("review")
        .get(pk=report.pk)
    )
    if stored.is_final:
        raise ReportIsFinal("This update report is already final. Someone may have finalised it.")
    gaps = [row.recommendation for row in selectors.round_gaps(stored)]
    if confirmed_gaps is not None and set(confirmed_gaps) != {rec.pk for rec in gaps}:
        raise GapsChanged()
    # A reason given when there is no gap would explain nothing.
    stored.finalised_with_gaps_reason = gaps_reason.strip() if gaps else ""
    stored.is_final = True
    stored.finalised_at = timezone.now()
    stored.finalised_by = user if user is not None and user.is_authenticated else None
    _validate(stored, lambda item: rules.finalise_errors(item, gaps))
    _save_versioned(stored, expected_version=expected_version, user=user)
    return stored


@transaction.atomic
def update_report_reopen(
    *, report: UpdateReport, reason: str, expected_version: int, user: User
) -> UpdateReport:
    """Make a final report a draft again, with the reason. The finalisation it undoes (who,
    when, any reason for gaps) stays in the history, and so does this reopening."""
    stored = (
        UpdateReport.objects.select_for_update(of=("self",))
        .select_related("review")
        .get(pk=report.pk)
    )
    if not stored.is_final:
        raise ReportNotFinal()
    rules.check(rules.reopen_report_errors(reason))
    stored.is_final = False
    stored.reopened_reason = reason
    stored.reopened_at = timezone.now()
    stored.reopened_by = user if user is not None and user.is_authenticated else None
    stored.finalised_at = None
    stored.finalised_by = None
    stored.finalised_with_gaps_reason = ""
    _validate(stored)
    _save_versioned(stored, expected_version=expected_version, user=user)
    return stored


@transaction.atomic
def meeting_create(*, meeting: Meeting, review: Review | None, user: User) -> Meeting:
    """From a review's page the meeting is its committee's and considers it; from the admin
    (``review=None``) the committee is chosen and the reviews are set afterwards."""
    if review is not None:
        meeting.committee = review.committee
    _validate(meeting)
    _attribute_to(meeting, user)
    meeting.save()
    if review is not None:
        meeting.reviews.add(review)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    expected_version: int,
    user: User,
    reviews: Iterable[Review] | None = None,
) -> Meeting:
    """Save the meeting's fields and, when given, the reviews it considered (the history
    records which were added or removed)."""
    _validate(meeting)
    _save_versioned(meeting, expected_version=expected_version, user=user)
    if reviews is not None:
        meeting_set_reviews(meeting=meeting, reviews=reviews, user=user)
    return meeting


@transaction.atomic
def meeting_set_reviews(*, meeting: Meeting, reviews: Iterable[Review], user: User) -> None:
    """``set()`` removes and adds through the relation, so each is a history row of the
    meeting naming the reviews it then considered."""
    _attribute_to(meeting, user)
    meeting.reviews.set(reviews)


@transaction.atomic
def person_create(*, person: Person, user: User) -> Person:
    _validate(person)
    _attribute_to(person, user)
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, expected_version: int, user: User) -> Person:
    _validate(person)
    _save_versioned(person, expected_version=expected_version, user=user)
    return person


@transaction.atomic
def recommendation_set_overdue_override(
    *,
    recommendation: Recommendation,
    override: str,
    reason: str,
    expected_version: int,
    user: User,
) -> Recommendation:
    """Set ("overdue" / "not_overdue") or clear ("") the label; the history keeps each reason."""
    rules.check(rules.overdue_override_errors(override, reason))
    recommendation.overdue_override = override
    recommendation.overdue_override_reason = reason
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation


@transaction.atomic
def recommendation_close(
    *,
    recommendation: Recommendation,
    meeting: Meeting | None,
    reason: str,
    evidence: str,
    expected_version: int,
    user: User,
) -> Recommendation:
    """Record the committee's decision to close it. Nothing is deleted: it stays on record."""
    if rules.is_closed(recommendation):
        raise AlreadyClosed()
    rules.check(
        rules.committee_decision_errors(
            recommendation, meeting, meeting_field="closed_at_meeting", action="close it",
            required={
                "closed_reason": (reason, "Enter the reason for closing it."),
                "closed_evidence": (evidence, "Enter the evidence the committee relied on."),
            },
        )
    )  # fmt: skip
    recommendation.closed_at_meeting = meeting
    recommendation.closed_reason = reason
    recommendation.closed_evidence = evidence
    # A reopening belongs to the closure before this one: the history keeps it.
    recommendation.reopened_at_meeting = None
    recommendation.reopened_reason = ""
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation


@transaction.atomic
def recommendation_reopen(
    *,
    recommendation: Recommendation,
    meeting: Meeting | None,
    reason: str,
    expected_version: int,
    user: User,
) -> Recommendation:
    """Record the committee's decision to reopen it. The closure stays in the history."""
    if not rules.is_closed(recommendation):
        raise NotClosed()
    rules.check(
        rules.committee_decision_errors(
            recommendation, meeting, meeting_field="reopened_at_meeting", action="reopen it",
            required={"reopened_reason": (reason, "Enter the reason for reopening it.")},
        )
    )  # fmt: skip
    recommendation.reopened_at_meeting = meeting
    recommendation.reopened_reason = reason
    recommendation.closed_at_meeting = None
    recommendation.closed_reason = ""
    recommendation.closed_evidence = ""
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation
