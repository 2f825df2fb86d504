"""A recommendation's leads: add (the person, or organisation, added first if new to the
tracker), update, remove and move."""

from __future__ import annotations

from typing import Literal

from django.db import transaction

from recommendations import rules
from recommendations.models import Lead, Person, Recommendation
from recommendations.services._common import (
    User,
    _attribute_to,
    _errors_on,
    _move_among,
    _next_order,
    _refuse_if_changed,
    _save_versioned,
    _validate,
)
from recommendations.services.people import person_find_or_create


@transaction.atomic
def lead_add(
    *,
    recommendation: Recommendation,
    role: str,
    person: Person | None = None,
    new_person_name: str = "",
    new_person_job_title: str = "",
    new_person_organisation: str = "",
    new_person_kind: str = Person.Kind.PERSON,
    user: User,
) -> Lead:
    """Assign a lead, creating the person (or organisation) first if they are new to the
    tracker: new people belong to the review's authority."""
    rules.check(rules.new_lead_errors(person, new_person_name))
    picked = person is not None
    if person is None:
        fields = {"name": "new_person_name", "job_title": "new_person_job_title"}
        fields |= {"organisation": "new_person_organisation", "kind": "new_person_kind"}
        with _errors_on(fields, default="new_person_name"):
            person = person_find_or_create(
                person=Person(
                    name=new_person_name,
                    job_title=new_person_job_title,
                    organisation=new_person_organisation,
                    kind=new_person_kind,
                    authority_id=recommendation.review.committee.authority_id,
                ),
                user=user,
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
def lead_remove(*, lead: Lead, user: User, expected_version: int | None = None) -> None:
    _refuse_if_changed(lead, expected_version)
    # Model.delete(), not a queryset delete, so the history keeps a "removed" record.
    _attribute_to(lead, user)
    lead.delete()


@transaction.atomic
def lead_move(*, lead: Lead, direction: Literal["up", "down"], user: User) -> None:
    leads = Lead.objects.filter(recommendation_id=lead.recommendation_id)
    _move_among(leads, lead, direction, user)
