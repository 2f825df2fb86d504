"""The services' refusals besides a field-keyed ``ValidationError``, and their messages: an
edit conflict (someone else saved first), a record locked by a final report, a report or a
recommendation not in the state the action needs, a row of a batch refused."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

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


class RowRefused(ValidationError):
    """A row of a batch broke a rule: the messages say "Row N: …", keyed by field as the
    row's own were; ``row`` (from 1) and ``reason`` (the row's own error) let a caller name
    the row its way (an import: the row of the source table)."""

    def __init__(self, row: int, reason: ValidationError) -> None:
        if hasattr(reason, "error_dict"):
            super().__init__(
                {
                    field: [f"Row {row}: {message}" for message in messages]
                    for field, messages in reason.message_dict.items()
                }
            )
        else:
            super().__init__([f"Row {row}: {message}" for message in reason.messages])
        self.row, self.reason = row, reason
