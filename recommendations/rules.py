"""The domain's rules, in one place. The services check them before every write, whichever route
the write came by (a page, the admin, a command, later the importer and the API); forms may check
the same things earlier for quicker feedback, but the services are the authority.

Each ``*_errors`` function returns the broken rules as ``{field: [message, ...]}`` (the model's
field names, so a view can put each message beside its field) and ``check`` raises them as one
``ValidationError``. The messages are the forms' own, so a page reads the same whichever check
caught the mistake first.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from recommendations import markdown
from recommendations.models import (
    Lead,
    Meeting,
    OverdueOverride,
    Person,
    ProgressUpdate,
    Recommendation,
    Review,
    UpdateReport,
)

Errors = dict[str, list[str]]

RESERVED_SLUGS = {"new"}  # "reviews/new/" is the page that creates a review


def check(errors: Errors) -> None:
    if errors := {field: messages for field, messages in errors.items() if messages}:
        raise ValidationError(errors)


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def review_errors(review: Review) -> Errors:
    errors: Errors = {}
    if review.slug in RESERVED_SLUGS:
        _add(errors, "slug", f'"{review.slug}" is reserved. Choose another short name.')
    reported, agreed = review.reported_on, review.response_agreed_on
    if reported and agreed and agreed < reported:
        _add(
            errors,
            "response_agreed_on",
            "The response must be agreed on or after the date the review reported.",
        )
    return errors


def recommendation_errors(recommendation: Recommendation) -> Errors:
    """Labels name it in web addresses and papers; a part is one level below a top-level
    recommendation of the same review."""
    errors: Errors = {}
    label = recommendation.label
    if "/" in label:
        _add(errors, "label", "The label cannot contain a slash.")
    others = Recommendation.objects.filter(review_id=recommendation.review_id, label=label)
    if recommendation.pk:
        others = others.exclude(pk=recommendation.pk)
    if others.exists():
        _add(
            errors,
            "label",
            f"This review already has a recommendation {label}. Use a different label.",
        )
    parent = recommendation.parent if recommendation.parent_id else None
    if parent is not None:
        if recommendation.pk and parent.pk == recommendation.pk:
            _add(errors, "parent", "A recommendation cannot be a part of itself.")
        elif parent.review_id != recommendation.review_id:
            _add(errors, "parent", "A part must belong to the same review as its parent.")
        elif parent.parent_id:
            _add(errors, "parent", "Parts cannot have parts of their own.")
        elif recommendation.pk and recommendation.parts.exists():
            _add(
                errors,
                "parent",
                "This recommendation has parts of its own, so it cannot become a part.",
            )
    return errors


def previous_target(update: ProgressUpdate, as_at: dt.date | None = None) -> dt.date | None:
    """The target date of the update before this one (by "as at" date, then entry order)."""
    as_at = as_at or update.as_at or timezone.localdate()
    others = ProgressUpdate.objects.filter(recommendation_id=update.recommendation_id)
    if update.pk:
        others = others.exclude(pk=update.pk).filter(
            Q(as_at__lt=as_at) | Q(as_at=as_at, pk__lt=update.pk)
        )
    else:
        others = others.filter(as_at__lte=as_at)
    return others.order_by("-as_at", "-id").values_list("target_date", flat=True).first()


def target_date_reason_error(
    previous: dt.date | None, target: dt.date | None, reason: str
) -> str | None:
    """A target date that slips (or goes) needs a reason: the history shows each one."""
    if previous and target != previous and not reason.strip():
        was = f"{previous.day} {previous:%B %Y}"
        if target:
            return f"The target date was {was}. Say why it has changed."
        return f"The target date was {was}. Say why it has been removed."
    return None


def future_as_at_error(as_at: dt.date | None) -> str | None:
    if as_at and as_at > timezone.localdate():
        return "The “as at” date must be today or in the past."
    return None


def early_target_error(target: dt.date | None, review: Review) -> str | None:
    reported = review.reported_on
    if target and reported and target < reported:
        return (
            f"The target date must be on or after the date the review reported "
            f"({reported:%d/%m/%Y})."
        )
    return None


def progress_update_errors(update: ProgressUpdate) -> Errors:
    """Also blanks a target-date reason when the target did not change: kept, it would mislead
    the target-date history."""
    errors: Errors = {}
    review = update.recommendation.review
    if message := future_as_at_error(update.as_at):
        _add(errors, "as_at", message)
    if message := early_target_error(update.target_date, review):
        _add(errors, "target_date", message)
    if update.report_id and update.report.review_id != review.pk:
        _add(errors, "report", "Select an update report of this review that is not final.")
    if "as_at" not in errors:
        previous = previous_target(update)
        reason = update.target_date_change_reason or ""
        if message := target_date_reason_error(previous, update.target_date, reason):
            _add(errors, "target_date_change_reason", message)
        if not previous or update.target_date == previous:
            update.target_date_change_reason = ""
    return errors


def overdue_override_errors(override: str, reason: str) -> Errors:
    errors: Errors = {}
    if override not in {"", *OverdueOverride.values}:
        _add(errors, "overdue_override", "Select an overdue label, or follow the rule.")
    if not reason.strip():
        _add(errors, "overdue_override_reason", "Enter the reason for the overdue label.")
    elif problem := markdown_text_error(reason):
        _add(errors, "overdue_override_reason", problem)
    return errors


def committee_decision_errors(
    recommendation: Recommendation,
    meeting: Meeting | None,
    *,
    meeting_field: str,
    action: str,
    required: dict[str, tuple[str, str]],
) -> Errors:
    """Closing and reopening are decisions of the review's own committee, at its meeting, with
    the reasons (and evidence) it gave. ``required`` maps a field to (its value, the message
    when it is empty)."""
    errors: Errors = {}
    if meeting is None:
        _add(errors, meeting_field, f"Select the meeting that decided to {action}.")
    elif meeting.committee_id != recommendation.review.committee_id:
        _add(errors, meeting_field, f"Only a meeting of the review's own committee can {action}.")
    for field, (value, message) in required.items():
        if not (value or "").strip():
            _add(errors, field, message)
        elif problem := markdown_text_error(value):
            _add(errors, field, problem)
    return errors


def is_closed(recommendation: Recommendation) -> bool:
    # Ask the row, not the instance: a form has been writing to the instance.
    return Recommendation.objects.filter(
        pk=recommendation.pk, closed_at_meeting__isnull=False
    ).exists()


def lead_errors(lead: Lead, *, field: str = "person") -> Errors:
    """One person leads on a recommendation once per role."""
    errors: Errors = {}
    duplicate = Lead.objects.filter(
        recommendation_id=lead.recommendation_id, person_id=lead.person_id, role=lead.role
    ).exclude(pk=lead.pk)
    if lead.person_id and duplicate.exists():
        _add(errors, field, "This person already leads on it in that role.")
    return errors


def new_lead_errors(person: Person | None, new_person_name: str) -> Errors:
    errors: Errors = {}
    if person is not None and new_person_name.strip():
        _add(errors, "new_person_name", "Either select an existing person or add a new one.")
    elif person is None and not new_person_name.strip():
        _add(errors, "person", "Select a person, or enter the name of a new person.")
    return errors


def update_report_errors(report: UpdateReport) -> Errors:
    errors: Errors = {}
    if report.meeting_id and report.meeting.committee_id != report.review.committee_id:
        _add(errors, "meeting", "Select a meeting of this review's committee.")
    return errors


def finalise_errors(report: UpdateReport, gaps: list[Recommendation]) -> Errors:
    """A report may be final with recommendations that have no update in its round (the
    officer responsible was away, the work has not started), but only with the reason stated:
    it is printed with the report, its appendix and the committee pack."""
    errors: Errors = {}
    if gaps and not report.finalised_with_gaps_reason.strip():
        _add(errors, "finalised_with_gaps_reason", gaps_reason_missing(gaps))
    return errors


def gaps_reason_missing(gaps: list[Recommendation]) -> str:
    if len(gaps) == 1:
        return (
            f"Recommendation {gaps[0].label} has no update in this round. "
            "Say why the report is final without it."
        )
    labels = ", ".join(rec.label for rec in gaps)
    return (
        f"{len(gaps)} recommendations have no update in this round ({labels}). "
        "Say why the report is final without them."
    )


def reopen_report_errors(reason: str) -> Errors:
    errors: Errors = {}
    if not reason.strip():
        _add(errors, "reopened_reason", "Enter the reason for reopening the report.")
    return errors


def refusal(message: str) -> ValidationError:
    """A rule about the record as a whole ("this action does not apply to it")."""
    return ValidationError({NON_FIELD_ERRORS: [message]})


def markdown_text_error(text: str) -> str | None:
    """Text is shown formatted everywhere (pages, appendix, PDF): refuse nesting and runs that
    would have to be shown as plain text instead, or cost every reader the time to lay out."""
    if not text:
        return None
    return markdown.markdown_problem(text) or markdown.punctuation_run_problem(text)


def markdown_errors(instance: models.Model) -> Errors:
    """Every long text of the instance (all are Markdown, or shown through it)."""
    errors: Errors = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.TextField):
            continue
        if message := markdown_text_error(getattr(instance, field.attname) or ""):
            _add(errors, field.name, message)
    return errors
