"""The committee's view of an update (``CommitteeVerdict``, recorded at a meeting): save,
remove, and a meeting's verdicts saved together, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from recommendations import rules
from recommendations.models import CommitteeVerdict, Meeting
from recommendations.services._common import User, _attribute_to, _save_versioned, _validate
from recommendations.services.errors import EditConflict


@transaction.atomic
def committee_verdict_save(
    *, verdict: CommitteeVerdict, expected_version: int | None, user: User
) -> CommitteeVerdict:
    """Record the committee's view of an update (``expected_version`` None: a new one), or
    change it. A new one for an update that has one already (someone else recorded it
    meanwhile, or the same form was posted twice) is an edit conflict, not a second verdict."""
    if user is not None and user.is_authenticated:
        verdict.recorded_by = user
    if expected_version is not None:
        _validate(verdict, rules.verdict_errors)
        _save_versioned(verdict, expected_version=expected_version, user=user)
        return verdict
    theirs = _verdict_version(verdict.update_id)
    if theirs is not None:
        raise EditConflict(noun="committee verdict", current_version=theirs)
    # Someone else's first verdict on the same update can still land after that check: the
    # model's unique check, or on PostgreSQL the unique constraint as the insert waits for
    # their transaction, refuses ours. Either is a conflict to read and resolve, not an error.
    try:
        _validate(verdict, rules.verdict_errors)
    except ValidationError as error:
        if "update" not in getattr(error, "error_dict", {}):
            raise
        raise _verdict_conflict(verdict) from None
    _attribute_to(verdict, user)
    try:
        with transaction.atomic():
            verdict.save()
    except IntegrityError:
        verdict.pk = None
        raise _verdict_conflict(verdict) from None
    return verdict


def _verdict_conflict(verdict: CommitteeVerdict) -> EditConflict:
    return EditConflict(
        noun="committee verdict", current_version=_verdict_version(verdict.update_id)
    )


def _verdict_version(update_id: int | None) -> int | None:
    return (
        CommitteeVerdict.objects.filter(update_id=update_id)
        .values_list("version", flat=True)
        .first()
    )


@transaction.atomic
def committee_verdict_remove(
    *, verdict: CommitteeVerdict, expected_version: int, user: User
) -> None:
    """Take back a verdict recorded by mistake; the history keeps it, and who removed it."""
    current = (
        CommitteeVerdict.objects.select_for_update()
        .filter(pk=verdict.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != expected_version:
        raise EditConflict(noun="committee verdict", current_version=current)
    _attribute_to(verdict, user)
    verdict.delete()


@dataclass
class VerdictEntry:
    """One row of the meeting's verdict page: a verdict to record or change (at the version the
    editor loaded, None for a new one), or to remove."""

    verdict: CommitteeVerdict
    expected_version: int | None = None
    remove: bool = False


class VerdictsRefused(Exception):
    """At least one row was refused, so nothing was saved. ``errors`` maps each refused row's
    update id to its ``ValidationError`` or ``EditConflict``."""

    def __init__(self, errors: dict[int, Exception]) -> None:
        super().__init__(f"{len(errors)} row(s) refused; nothing was saved.")
        self.errors = errors


@transaction.atomic
def meeting_save_verdicts(
    *, meeting: Meeting, entries: Sequence[VerdictEntry], user: User
) -> list[CommitteeVerdict]:
    """Save the committee's views of a round's updates together, all or nothing, each through
    ``committee_verdict_save`` or ``committee_verdict_remove``. Every row is checked, so the
    editor sees every refusal at once; any refusal undoes the rows saved before it. Returns
    the verdicts recorded or changed (not the removed ones)."""
    errors: dict[int, Exception] = {}
    done: list[tuple[VerdictEntry, int | None, int]] = []
    for entry in entries:
        verdict = entry.verdict
        pk, version = verdict.pk, verdict.version
        try:
            with transaction.atomic():
                if entry.remove:
                    committee_verdict_remove(
                        verdict=verdict, expected_version=entry.expected_version or 0, user=user
                    )
                else:
                    verdict.meeting = meeting
                    committee_verdict_save(
                        verdict=verdict, expected_version=entry.expected_version, user=user
                    )
        except (ValidationError, EditConflict) as error:
            errors[verdict.update_id] = error
        else:
            done.append((entry, pk, version))
    if errors:
        # The transaction is rolled back; make the instances say so too.
        for entry, pk, version in done:
            entry.verdict.pk, entry.verdict.version = pk, version
        raise VerdictsRefused(errors)
    return [entry.verdict for entry, _, _ in done if not entry.remove]
