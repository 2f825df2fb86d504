"""The text search's stored documents: one per recommendation (``RecommendationSearch``),
holding everything the search box looks in, so that a search reads one table instead of
searching three and joining them per request.

- **Kept current by every write.** Each service's save or delete adds a history row;
  ``note_change`` (connected to django-simple-history's signal in ``apps``) rebuilds the
  documents that write touches, in the write's own transaction, so a committed change is
  searchable at once and a rolled-back one leaves no trace. The bulk routes, which write no
  history signal, call ``refresh`` themselves (``services.record_published_in_bulk``).
- **Searched** by ``search``: on PostgreSQL full-text search in English over the stored
  ``vector`` (GIN index), ranked; on SQLite, for development, the same query syntax matched
  as substrings of ``document``.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.apps import apps as installed_apps
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet

_CHUNK = 500  # recommendations per rebuild; well within SQLite's limit on parameters
CONFIG = "english"

# A word, or a "quoted phrase", either of which may be negated with a leading "-".
_SEARCH_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_pending = threading.local()
RANK = "search_rank"  # the alias ``search`` ranks by, best first, on PostgreSQL


def _deleting() -> set[int]:
    ids = getattr(_pending, "deleting", None)
    if ids is None:
        ids = _pending.deleting = set()
    return ids


def _documents(ids: list[int], registry) -> dict[int, tuple[str, str]]:
    """Each recommendation's document: its label and text, its response, its leads' names,
    its updates' text (newest first) and its review's title, one per line; and its public
    document, the same with only the updates of final reports. Three queries."""
    recommendation = registry.get_model("recommendations", "Recommendation")
    lead = registry.get_model("recommendations", "Lead")
    update = registry.get_model("recommendations", "ProgressUpdate")
    parts: dict[int, list[str]] = {}
    for pk, label, text, response, title in recommendation.objects.filter(pk__in=ids).values_list(
        "pk", "label", "text", "response__text", "review__title"
    ):
        parts[pk] = [label, text, response or "", title]
    for pk, name in (
        lead.objects.filter(recommendation_id__in=ids)
        .order_by("recommendation_id", "order", "id")
        .values_list("recommendation_id", "person__name")
    ):
        if pk in parts:
            parts[pk].append(name)
    updates: dict[int, list[str]] = defaultdict(list)
    public: dict[int, list[str]] = defaultdict(list)
    for pk, text, final in (
        update.objects.filter(recommendation_id__in=ids)
        .order_by("recommendation_id", "-as_at", "-id")
        .values_list("recommendation_id", "text", "report__is_final")
    ):
        updates[pk].append(text)
        if final:  # publication.UPDATE_IN_FINAL_REPORT, read from the row
            public[pk].append(text)
    return {
        pk: (
            "\n".join(part for part in [*texts, *updates[pk]] if part),
            "\n".join(part for part in [*texts, *public[pk]] if part),
        )
        for pk, texts in parts.items()
    }


@contextmanager
def deferred() -> Iterator[None]:
    """Rebuild each document once, at the end, however many writes touch it meanwhile (the
    generated data writes every recommendation's rows model by model, in bulk)."""
    if getattr(_pending, "deferred", None) is not None:
        yield
        return
    _pending.deferred = set()
    try:
        yield
        ids = _pending.deferred
    finally:
        _pending.deferred = None
    refresh(ids)


def refresh(recommendation_ids: Iterable[int], *, registry=installed_apps) -> None:
    """Rebuild the documents of these recommendations (those that still exist) from what is
    stored now: five queries per 500. ``registry``: the migration's apps, when filling."""
    search = registry.get_model("recommendations", "RecommendationSearch")
    deleting = _deleting()
    ids = sorted({pk for pk in recommendation_ids if pk is not None and pk not in deleting})
    if (waiting := getattr(_pending, "deferred", None)) is not None:
        waiting.update(ids)
        return
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        documents = _documents(chunk, registry)
        if not documents:
            continue
        search.objects.bulk_create(
            [
                search(recommendation_id=pk, document=text, public_document=public)
                for pk, (text, public) in documents.items()
            ],
            update_conflicts=True,
            unique_fields=["recommendation"],
            update_fields=["document", "public_document"],
        )
        if connection.vendor == "postgresql":
            search.objects.filter(pk__in=list(documents)).update(
                vector=SearchVector("document", config=CONFIG),
                public_vector=SearchVector("public_document", config=CONFIG),
            )


def refresh_all(*, registry=installed_apps) -> None:
    recommendation = registry.get_model("recommendations", "Recommendation")
    refresh(recommendation.objects.values_list("pk", flat=True), registry=registry)


def _recommendations_of(instance: object) -> list[int]:
    """The recommendations whose documents a write to ``instance`` may change."""
    from recommendations.models import (  # noqa: PLC0415 -- models import this module's users
        Lead,
        Person,
        ProgressUpdate,
        Recommendation,
        Response,
        Review,
        UpdateReport,
    )

    if isinstance(instance, Recommendation):
        return [instance.pk]
    if isinstance(instance, Response | Lead | ProgressUpdate):
        return [instance.recommendation_id]
    if isinstance(instance, Review):
        return list(
            Recommendation.objects.filter(review_id=instance.pk).values_list("pk", flat=True)
        )
    if isinstance(instance, UpdateReport):  # made final or reopened: what is public changes
        return list(
            ProgressUpdate.objects.filter(report_id=instance.pk).values_list(
                "recommendation_id", flat=True
            )
        )
    if isinstance(instance, Person):
        return list(
            Lead.objects.filter(person_id=instance.pk).values_list("recommendation_id", flat=True)
        )
    return []


def note_change(sender=None, instance=None, **kwargs) -> None:
    """A history row was written (``post_create_historical_record``): rebuild the documents
    that may show what changed, in the same transaction."""
    if instance is not None:
        refresh(_recommendations_of(instance))


def note_deleting(sender=None, instance=None, **kwargs) -> None:
    """A recommendation is about to be deleted with everything it holds: the deletions of
    its updates and leads that follow must not write its document again (``pre_delete``)."""
    _deleting().add(instance.pk)


def note_deleted(sender=None, instance=None, **kwargs) -> None:
    _deleting().discard(instance.pk)


def search(queryset: QuerySet, value: str, *, public: bool = False) -> QuerySet:
    """The recommendations of ``queryset`` whose document matches ``value``, written in the
    search-box syntax (PostgreSQL's ``websearch_to_tsquery``: words in any order,
    ``"a phrase"``, ``-without``, ``this or that``). PostgreSQL ranks them, best first
    (ties in the queryset's own order); SQLite keeps the queryset's order. ``public``: the
    public documents, which hold no text of an update outside a final report."""
    prefix = "public_" if public else ""
    if connection.vendor == "postgresql":
        query = SearchQuery(value, search_type="websearch", config=CONFIG)
        ties = queryset.query.order_by or queryset.model._meta.ordering
        vector = f"search__{prefix}vector"
        return (
            queryset.filter(**{vector: query})
            .alias(**{RANK: SearchRank(F(vector), query)})
            .order_by(f"-{RANK}", *ties)
        )
    return queryset.filter(substring_condition(value, f"search__{prefix}document"))


def first_matches(matches: QuerySet, limit: int, *, newest: bool = True) -> dict[int, float]:
    """Up to ``limit`` + 1 recommendations of ``matches`` (a ``search``, perhaps filtered
    further): with ``newest``, those added last (PostgreSQL reads the documents newest first
    and stops there; a rare word's few matches it finds by the index and sorts), otherwise
    the first found, in no order (a search filtered further: PostgreSQL cannot tell how many
    rows such a filter keeps, and sorting all the matches to find the newest is what a search
    of a common word must not do). So no match beyond them is read, ranked or joined to what
    a page shows. Each with its rank on PostgreSQL (computed for these alone), 0 on SQLite.
    One query."""
    ranked = RANK in matches.query.annotations
    fields = ["pk", F(RANK)] if ranked else ["pk"]
    found = matches.order_by(*(["-pk"] if newest else [])).prefetch_related(None)
    return {row[0]: row[1] if ranked else 0.0 for row in found.values_list(*fields)[: limit + 1]}


def order_of(candidates: dict[int, float], rows: QuerySet, ordering, key: slice) -> list[int]:
    """The ids of ``candidates`` (from ``first_matches``) at ``key`` in ``ordering`` (the
    search's order, or a sorted column's): best ranked first, ties in the rest of the
    ordering, which ``rows`` (the same recommendations, unfiltered and unsearched) annotates.
    The candidates' other columns are read, never their documents again. One query."""
    ordering = list(ordering)
    within = rows.filter(pk__in=list(candidates)).prefetch_related(None)
    if f"-{RANK}" not in ordering:
        return list(within.order_by(*ordering).values_list("pk", flat=True)[key])
    ties = [field for field in ordering if field != f"-{RANK}"]
    in_tie_order = list(within.order_by(*ties).values_list("pk", flat=True))
    return sorted(in_tie_order, key=lambda pk: -candidates[pk])[key]  # stable: ties stay


def search_groups(value: str) -> list[tuple[list[str], list[str]]]:
    """Parse PostgreSQL's ``websearch_to_tsquery`` syntax into alternatives, each a list of
    terms that must all appear and a list that must not: ``a "b c" -d or e`` gives
    ``[(["a", "b c"], ["d"]), (["e"], [])]``."""
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for match in _SEARCH_TERM.finditer(value):
        negated = bool(match[1] or match[3])
        term = " ".join((match[2] if match[2] is not None else match[4]).split())
        if not term or term == "-":
            continue
        if term.lower() == "or" and not negated and match[4] is not None:
            groups.append(([], []))
            continue
        groups[-1][1 if negated else 0].append(term)
    return [group for group in groups if group[0] or group[1]]


def substring_condition(value: str, field: str) -> Q:
    """The SQLite fallback for full-text search: every wanted word or phrase, in any order,
    and none of the unwanted ones; alternatives joined by "or". Matching is by
    case-insensitive substring, so "exclusion" finds "exclusions" but not the reverse."""
    condition = Q(pk__in=[])
    for wanted, unwanted in search_groups(value):
        group = Q()
        for term in wanted:
            group &= Q(**{f"{field}__icontains": term})
        for term in unwanted:
            group &= ~Q(**{f"{field}__icontains": term})
        condition |= group
    return condition
