"""Update reports (a monitoring round): create, a draft's details, finalise (recommendations
without an update in the round need a reason) and reopen."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db import transaction
from django.utils import timezone

from recommendations import rules, selectors
from recommendations.models import Person, UpdateReport
from recommendations.services._common import User, _attribute_to, _save_versioned, _validate
from recommendations.services.errors import EditConflict, GapsChanged, ReportIsFinal, ReportNotFinal

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
    if contributors is not None:
        contributors = list(contributors)
        rules.check(rules.contributors_errors(report, contributors))
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
    if contributors is not None:
        contributors = list(contributors)
        rules.check(rules.contributors_errors(report, contributors))
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
