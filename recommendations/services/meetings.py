"""Committee meetings and the reviews each considered."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from recommendations.models import Meeting, Review
from recommendations.services._common import User, _attribute_to, _save_versioned, _validate


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
