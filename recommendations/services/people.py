"""Authorities, their committees and their people: create and update, find (or else create)
what was typed in as new, many people at once for an import, and merge a duplicate person into
the record kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction

from recommendations import rules
from recommendations.models import Authority, Committee, Person
from recommendations.services._common import (
    User,
    _attribute_to,
    _save_versioned,
    _validate,
    unique_slug,
)
from recommendations.services.bulk import record_published_in_bulk
from recommendations.services.errors import EditConflict, RowRefused


@transaction.atomic
def authority_create(*, authority: Authority, user: User) -> Authority:
    """An authority left without a short name gets one made from its name."""
    if not authority.slug and authority.name:
        authority.slug = unique_slug(
            authority.name, taken=Authority.objects.all(), fallback="authority"
        )
    _validate(authority, rules.authority_errors)
    _attribute_to(authority, user)
    authority.save()
    return authority


@transaction.atomic
def authority_update(*, authority: Authority, expected_version: int, user: User) -> Authority:
    _validate(authority, rules.authority_errors)
    _save_versioned(authority, expected_version=expected_version, user=user)
    return authority


def authority_find_or_create(*, authority: Authority, user: User) -> Authority:
    """The authority of that name if there is one (in any case), else a new one."""
    name = authority.name.strip()
    existing = Authority.objects.filter(name__iexact=name).first() if name else None
    return existing or authority_create(authority=authority, user=user)


@transaction.atomic
def committee_create(*, committee: Committee, user: User) -> Committee:
    if not committee.slug and committee.name and committee.authority_id:
        committee.slug = unique_slug(
            committee.name,
            taken=Committee.objects.filter(authority_id=committee.authority_id),
            fallback="committee",
        )
    _validate(committee)
    committee.save()
    return committee


def committee_find_or_create(*, committee: Committee, user: User) -> Committee:
    """The authority's committee of that name if it has one (in any case), else a new one."""
    name = committee.name.strip()
    existing = (
        Committee.objects.filter(authority_id=committee.authority_id, name__iexact=name).first()
        if name and committee.authority_id
        else None
    )
    return existing or committee_create(committee=committee, user=user)


@transaction.atomic
def person_create(*, person: Person, user: User) -> Person:
    _validate(person, rules.person_errors)
    _attribute_to(person, user)
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, expected_version: int, user: User) -> Person:
    _validate(person, rules.person_errors)
    _save_versioned(person, expected_version=expected_version, user=user)
    return person


def person_find_or_create(*, person: Person, user: User) -> Person:
    """Someone typed in as new who is already recorded (same name, job title and
    organisation, at the person's authority or at none) is that person; else they are added.
    A duplicate merged away is never found: the person kept is."""
    existing = (
        Person.objects.recorded_as(
            authority_id=person.authority_id,
            name=person.name,
            job_title=person.job_title,
            organisation=person.organisation,
        )
        if person.name
        else None
    )
    return existing or person_create(person=person, user=user)


@transaction.atomic
def person_get_or_create(
    *,
    name: str,
    job_title: str = "",
    organisation: str = "",
    authority: Authority | None = None,
    kind: str = Person.Kind.PERSON,
    user: User = None,
) -> Person:
    """The person (or organisation) of that name, job title and organisation within the
    authority, created (checked) if new."""
    existing = Person.objects.filter(
        authority=authority, name=name, job_title=job_title, organisation=organisation
    ).first()
    if existing is not None:
        return existing
    return person_create(
        person=Person(
            authority=authority,
            kind=kind,
            name=name,
            job_title=job_title,
            organisation=organisation,
        ),
        user=user,
    )


def people_find_or_create_in_bulk(
    *, people: Sequence[Person], authority_id: int, user: User
) -> list[Person]:
    """``person_find_or_create`` for many people of one authority (an imported table's
    leads): each distinct name, job title and organisation looked up once, the new ones
    added through the bulk route, checked as ``person_create`` checks them. The person for
    each given, in order; a refusal (``RowRefused``) names the first given it is about."""
    identities = [(person.name, person.job_title, person.organisation) for person in people]
    found = Person.objects.recorded_as_many(authority_id=authority_id, identities=identities)
    new: dict[tuple[str, str, str], int] = {}  # identity: the first given with it
    for index, (person, identity) in enumerate(zip(people, identities, strict=True)):
        person.authority_id = authority_id
        if identity not in found and identity not in new:
            new[identity] = index
    try:
        record_published_in_bulk(instances=[people[index] for index in new.values()], user=user)
    except RowRefused as refused:
        raise RowRefused(list(new.values())[refused.row - 1] + 1, refused.reason) from None
    found |= {identity: people[index] for identity, index in new.items()}
    return [found[identity] for identity in identities]


@dataclass
class MergeResult:
    """What a merge moved: per relation (``PersonLink.label``), how many rows now name the
    person kept, and how many were dropped because the person kept already had that link."""

    moved: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)


def _clashes(row: models.Model) -> bool:
    """Whether the row, now naming the person kept, repeats one that already does (the same
    lead in the same role, the same reminder)."""
    try:
        row.validate_unique()
        row.validate_constraints()
    except ValidationError:
        return True
    return False


def _bump_and_save(row: models.Model, user: User) -> None:
    if hasattr(row, "version"):
        # An editor with this row's form open saw the duplicate: their save is now a conflict.
        row.version += 1
    _attribute_to(row, user)
    row.save()


@transaction.atomic
def merge_people(
    *,
    keep: Person,
    duplicate: Person,
    expected_keep_version: int,
    expected_duplicate_version: int,
    user: User,
) -> MergeResult:
    """Merge a duplicate record of someone into the record kept.

    Every link that named the duplicate (every relation to Person, found by
    ``rules.person_links``, so a link added to the models later moves too) names the person
    kept, each row saved so its history records the change; a link the person kept already
    had (the same lead role on the same recommendation) is removed, through ``delete()`` so
    its history records that too. The duplicate is not deleted: it is marked as merged into
    the person kept (a history row of its own, saying when and by whom), drops out of choice
    lists, and its history, and every earlier history row that names it, still read as they
    were. Both records must be as the officer saw them (their versions)."""
    locked = {
        person.pk: person
        for person in Person.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])
    }
    expected_versions = {keep.pk: expected_keep_version, duplicate.pk: expected_duplicate_version}
    for pk, expected in expected_versions.items():
        current = locked.get(pk)
        if current is None or current.version != expected:
            raise EditConflict(noun="person", current_version=current.version if current else None)
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    rules.check(rules.merge_errors(keep, duplicate))
    result = MergeResult()
    for link in rules.person_links():
        # Locked, so that a version read here is still the row's when it is saved.
        rows = link.model._default_manager.select_for_update().filter(**{link.field: duplicate})
        for row in rows.order_by("pk"):
            if link.many_to_many:
                related = getattr(row, link.field)
                _attribute_to(row, user)
                related.remove(duplicate)
                if related.filter(pk=keep.pk).exists():
                    result.dropped[link.label] += 1
                else:
                    related.add(keep)
                    result.moved[link.label] += 1
                _bump_and_save(row, user)
                continue
            setattr(row, link.field, keep)
            if _clashes(row):
                _attribute_to(row, user)
                row.delete()
                result.dropped[link.label] += 1
            else:
                _bump_and_save(row, user)
                result.moved[link.label] += 1
    duplicate.merged_into = keep
    duplicate.version += 1
    duplicate._change_reason = f"Merged into {keep}"[:100]
    _attribute_to(duplicate, user)
    duplicate.save()
    return result
