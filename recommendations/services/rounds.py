"""A monitoring round entered on one page: ``update_report_save_updates`` saves every row,
all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from recommendations.models import ProgressUpdate, UpdateReport
from recommendations.services._common import User
from recommendations.services.errors import REPORT_FINAL_MESSAGE, EditConflict, RecordLocked
from recommendations.services.updates import progress_update_create, progress_update_edit


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
