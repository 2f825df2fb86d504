"""Recommendations and their responses: create, update, move among its siblings, the
response, the overdue label, priority, and the committee's decisions to close and reopen."""

from __future__ import annotations

from typing import Literal

from django.db import transaction

from recommendations import rules
from recommendations.models import Meeting, Recommendation, Response
from recommendations.services._common import (
    User,
    _attribute_to,
    _drop_stale_wording,
    _move_among,
    _next_order,
    _save_versioned,
    _validate,
)
from recommendations.services.errors import AlreadyClosed, NotClosed


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
    siblings = Recommendation.objects.filter(
        review_id=recommendation.review_id, parent_id=recommendation.parent_id
    )
    _move_among(siblings, recommendation, direction, user)


@transaction.atomic
def response_save(*, response: Response, expected_version: int | None, user: User) -> Response:
    if response.pk is not None:
        _drop_stale_wording(response, "decision", "decision_wording")
    _validate(response)
    if response.pk is None:
        _attribute_to(response, user)
        response.save()
    else:
        _save_versioned(response, expected_version=expected_version or 0, user=user)
    return response


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
def recommendation_set_priority(
    *,
    recommendation: Recommendation,
    is_priority: bool,
    reason: str,
    expected_version: int,
    user: User,
) -> Recommendation:
    """Mark it a priority, with the reason, or unmark it; the history keeps each change."""
    rules.check(rules.priority_errors(is_priority, reason))
    recommendation.is_priority = is_priority
    recommendation.priority_reason = reason if is_priority else ""
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
