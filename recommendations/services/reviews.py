"""Reviews: create (with a committee and people added on the spot from its form), update,
publish and unpublish, and delete with everything recorded under it (disposable records only)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from recommendations import rules
from recommendations.models import Authority, Committee, Meeting, Person, Review
from recommendations.services._common import (
    User,
    _attribute_to,
    _errors_on,
    _save_versioned,
    _validate,
    unique_slug,
)
from recommendations.services.people import (
    authority_find_or_create,
    committee_find_or_create,
    person_find_or_create,
)


@dataclass
class AddedOnTheSpot:
    """What an officer added from a review's form rather than chose from a list, all unsaved:
    a committee (in a chosen authority, or in ``authority``, also new) and people for the
    review's person fields (``people``: field name -> person)."""

    authority: Authority | None = None
    committee: Committee | None = None
    people: dict[str, Person] = field(default_factory=dict)

    @staticmethod
    def person_fields(review_field: str) -> dict[str, str]:
        prefix = f"new_{review_field}_"
        return {name: prefix + name for name in ["name", "job_title", "kind"]}


def _add_on_the_spot(review: Review, added: AddedOnTheSpot | None, user: User) -> None:
    """Save what was added (the form's field names key any refusal) and put it on the review.
    Called inside the review's transaction, so a refusal anywhere keeps none of it."""
    if added is None:
        return
    if added.committee is not None:
        if added.authority is not None:
            with _errors_on({"name": "new_authority_name"}, default="new_authority_name"):
                added.committee.authority = authority_find_or_create(
                    authority=added.authority, user=user
                )
        with _errors_on({"name": "new_committee_name"}, default="new_committee_name"):
            review.committee = committee_find_or_create(committee=added.committee, user=user)
    if not review.committee_id:
        return  # the review's own check says to choose one
    for review_field, person in added.people.items():
        fields = AddedOnTheSpot.person_fields(review_field)
        person.authority = review.committee.authority
        with _errors_on(fields, default=fields["name"]):
            setattr(review, review_field, person_find_or_create(person=person, user=user))


@transaction.atomic
def review_create(*, review: Review, user: User, added: AddedOnTheSpot | None = None) -> Review:
    """A review left without a short name gets one made from its title."""
    _add_on_the_spot(review, added, user)
    if not review.slug and review.title:
        review.slug = unique_slug(review.title, taken=Review.objects.all(), fallback="review")
    _validate(review, rules.review_errors)
    _attribute_to(review, user)
    review.save()
    return review


@transaction.atomic
def review_update(
    *, review: Review, expected_version: int, user: User, added: AddedOnTheSpot | None = None
) -> Review:
    _add_on_the_spot(review, added, user)
    _validate(review, rules.review_errors)
    _save_versioned(review, expected_version=expected_version, user=user)
    return review


@transaction.atomic
def review_publish(*, review: Review, expected_version: int, user: User) -> Review:
    """Put the review on the public pages, the open API and the feeds. Only what final update
    reports carry is shown there (``recommendations.publication``)."""
    review.published_at = timezone.now()
    review.published_by = user if getattr(user, "pk", None) else None
    _save_versioned(review, expected_version=expected_version, user=user)
    return review


@transaction.atomic
def review_unpublish(*, review: Review, expected_version: int, user: User) -> Review:
    """Take the review's public pages down; the history keeps when it was published."""
    review.published_at = None
    review.published_by = None
    _save_versioned(review, expected_version=expected_version, user=user)
    return review


@transaction.atomic
def review_delete(*, review: Review, meetings: Iterable[Meeting] = (), user: User) -> None:
    """Delete a review with everything recorded under it, final reports included, and the given
    meetings. No page offers this: it is for records that are themselves disposable (the demo
    data, reloaded by ``load_demo_data --replace``). ``Model.delete()`` collects every row, so
    the history keeps a "deleted" record of each."""
    meetings = list(meetings)
    _attribute_to(review, user)
    review.delete()
    for meeting in meetings:
        _attribute_to(meeting, user)
        meeting.delete()
