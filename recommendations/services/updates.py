"""Progress updates, one at a time: add, edit, delete and correct. Updates accumulate; one in
a final report is locked (``RecordLocked``) and is corrected instead."""

from __future__ import annotations

from django.db import transaction

from recommendations import rules
from recommendations.models import CommitteeVerdict, ProgressUpdate
from recommendations.services._common import (
    User,
    _attribute_to,
    _drop_stale_wording,
    _progress_update_add,
    _refuse_if_changed,
    _refuse_if_final,
    _save_versioned,
    _validate,
)
from recommendations.services.errors import RecordLocked


@transaction.atomic
def progress_update_create(*, update: ProgressUpdate, user: User) -> ProgressUpdate:
    """A new update never replaces an earlier one: updates accumulate."""
    return _progress_update_add(update=update, user=user, as_published=False)


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
    _drop_stale_wording(update, "status", "status_wording")
    _validate(update, rules.progress_update_errors)
    _save_versioned(update, expected_version=expected_version, user=user)
    return update


@transaction.atomic
def progress_update_delete(
    *, update: ProgressUpdate, user: User, expected_version: int | None = None
) -> None:
    _refuse_if_final(
        ProgressUpdate.objects.filter(pk=update.pk).values_list("report_id", flat=True).first()
    )
    if update.corrections.exists():
        raise RecordLocked("This update has been corrected, so it stays on the record.")
    if CommitteeVerdict.objects.filter(update_id=update.pk).exists():
        raise RecordLocked(
            "The committee has recorded its view of this update, so it stays on the record."
        )
    _refuse_if_changed(update, expected_version)
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
