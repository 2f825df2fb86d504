"""Reference data: the authorities, their committees and glossaries, and a response
document's version table. No versions and no history; the admin edits them as plain records."""

from __future__ import annotations

from django.db import transaction

from recommendations.models import Authority, Committee, DocumentVersion, GlossaryTerm
from recommendations.services._common import _validate


@transaction.atomic
def authority_get_or_create(*, slug: str, name: str) -> Authority:
    authority = Authority.objects.filter(slug=slug).first()
    if authority is None:
        authority = Authority(slug=slug, name=name)
        _validate(authority)
        authority.save()
    return authority


@transaction.atomic
def committee_get_or_create(*, authority: Authority, slug: str, name: str) -> Committee:
    committee = Committee.objects.filter(authority=authority, slug=slug).first()
    if committee is None:
        committee = Committee(authority=authority, slug=slug, name=name)
        _validate(committee)
        committee.save()
    return committee


@transaction.atomic
def glossary_term_set(*, authority: Authority, term: str, meaning: str) -> GlossaryTerm:
    """The authority's meaning of ``term``: added, or replaced if it had another."""
    glossary_term = GlossaryTerm.objects.filter(authority=authority, term=term).first()
    if glossary_term is None:
        glossary_term = GlossaryTerm(authority=authority, term=term)
    elif glossary_term.meaning == meaning:
        return glossary_term
    glossary_term.meaning = meaning
    _validate(glossary_term)
    glossary_term.save()
    return glossary_term


@transaction.atomic
def document_version_create(*, document_version: DocumentVersion) -> DocumentVersion:
    _validate(document_version)
    document_version.save()
    return document_version
