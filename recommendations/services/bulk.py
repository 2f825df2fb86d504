"""The published route in bulk (the generated scale data, an imported table): thousands of
new rows of one model at once, each checked as the one-row services check it and written with
its creation record in the history; many reports finalised at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from recommendations import rules, search, selectors
from recommendations.models import (
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from recommendations.services._common import M, User, _attribute_to, _chunks, _history_reason, _row
from recommendations.services.errors import (
    REPORT_FINAL_MESSAGE,
    EditConflict,
    RecordLocked,
    ReportIsFinal,
    RowRefused,
)
from recommendations.services.standings import standing_refresh


@transaction.atomic
def record_published_finalise_in_bulk(*, reports: Sequence[UpdateReport], user: User = None) -> int:
    """``record_published_finalise`` for many reports at once (the generated scale data):
    each made final, with the published route's marker as its reason when it has gaps
    (``selectors.round_gaps_by_report``, the same rule as ``round_gaps``), its version
    moved on and a change record in its history, in a few queries per 500 reports. Like the
    other bulk routes it sends no history signal: the search documents of the reports'
    updates are rebuilt here. Returns how many were made final."""
    ids = [report.pk for report in reports]
    marker = rules.PUBLISHED_DEPARTURES["finalised_with_gaps_reason"].marker
    now = timezone.now()
    finalised_by = user if user is not None and user.is_authenticated else None
    relations = [field.name for field in UpdateReport._meta.concrete_fields if field.is_relation]
    stored: list[UpdateReport] = []
    for chunk in _chunks(ids):
        batch = list(
            UpdateReport.objects.select_for_update(of=("self",))
            .select_related("review")
            .filter(pk__in=chunk)
            .order_by("pk")
        )
        if len(batch) != len(set(chunk)):
            raise EditConflict(noun=UpdateReport._meta.verbose_name, current_version=None)
        gaps = selectors.round_gaps_by_report(batch)
        for report in batch:
            if report.is_final:
                raise ReportIsFinal(
                    "This update report is already final. Someone may have finalised it."
                )
            report_gaps = gaps[report.pk]
            report.finalised_with_gaps_reason = marker if report_gaps else ""
            report.is_final = True
            report.finalised_at = now
            report.finalised_by = finalised_by
            report.version += 1
            _attribute_to(report, user)
            with _row(len(stored) + 1):
                # ``_validate``'s checks, those of the bulk route (``_check_rows``): the
                # related rows are the database's foreign keys to check, not a query each.
                report.clean_fields(exclude=relations)
                rules.check(rules.markdown_errors(report))
                rules.check(rules.finalise_errors(report, report_gaps))
                report.clean()
            stored.append(report)
    fields = ["finalised_with_gaps_reason", "is_final", "finalised_at", "finalised_by", "version"]
    bulk_update_with_history(stored, UpdateReport, fields, batch_size=500, default_user=user)
    # What is public changes with a final report (``search.note_change`` for one report).
    for chunk in _chunks(ids):
        search.refresh(
            ProgressUpdate.objects.filter(report_id__in=chunk).values_list(
                "recommendation_id", flat=True
            )
        )
    return len(stored)


# The bulk route's rule for each model it takes, besides the checks every row gets. A
# uniqueness rule (a recommendation's label in its review, a lead once per role, a review's
# slug) is the model's unique constraint, checked for the whole batch at once. Meetings are
# not here: which reviews a meeting considered has history of its own, which bulk writes skip;
# record them with ``meeting_create``.
_BULK_RULES: dict[type[models.Model], Callable[[models.Model], rules.Errors] | None] = {
    Person: None,
    Review: rules.review_errors,
    UpdateReport: rules.update_report_errors,
    Recommendation: rules.recommendation_shape_errors,
    Response: None,
    Lead: rules.lead_person_errors,
    ProgressUpdate: None,  # rules.progress_update_errors, given the batch's previous targets
}


@transaction.atomic
def record_published_in_bulk(
    *, instances: Sequence[M], user: User = None, batch_size: int = 2000
) -> list[M]:
    """``record_published_*`` for thousands of new rows of one model at once (the generated
    scale data). Every row gets the checks the one-row services make (``_check_rows``); the
    rows then go in with ``bulk_create_with_history``, so the history holds a creation record
    for each.

    Update reports go in open, as ``update_report_create`` makes them: finalise each with
    ``update_report_finalise`` once its updates are in. Meetings have their own bulk route,
    ``record_published_meetings_in_bulk``."""
    if not instances:
        return []
    model = type(instances[0])
    if model not in _BULK_RULES or any(type(instance) is not model for instance in instances):
        raise TypeError(f"record_published_in_bulk takes rows of one of {list(_BULK_RULES)}.")
    if model is UpdateReport:
        for report in instances:
            report.is_final = False
    _check_rows(model, instances, _BULK_RULES[model])
    for instance in instances:
        if model is ProgressUpdate and user is not None and user.is_authenticated:
            instance.created_by = user
        _attribute_to(instance, user)
    created = _bulk_create_with_history(
        instances, model, batch_size=batch_size, user=user, reason=_history_reason.get()
    )
    # Bulk writes send no history signal: the search documents are rebuilt here.
    if model is Recommendation:
        search.refresh(instance.pk for instance in created)
    elif model in (Response, Lead, ProgressUpdate):
        search.refresh(instance.recommendation_id for instance in created)
    if model is ProgressUpdate:  # bulk writes send no signal: their standings are kept here
        standing_refresh(recommendations=(instance.recommendation_id for instance in created))
    return created


def _bulk_create_with_history(
    instances: Sequence[M], model: type[M], *, batch_size: int, user: User, reason: str | None
) -> list[M]:
    """django-simple-history's ``bulk_create_with_history``, the history written by the
    database: each new row's creation record (``+``, now, the user if any, ``reason``) is
    copied from the row just written by one ``INSERT ... SELECT`` per 500, instead of a
    historical instance built and sent back row by row (half the generated data's time)."""
    if not connection.features.can_return_rows_from_bulk_insert:  # no ids to copy by
        return bulk_create_with_history(
            instances, model, batch_size=batch_size, default_change_reason=reason
        )
    created = model._default_manager.bulk_create(instances, batch_size=batch_size)
    history = model.history.model
    source = {field.column for field in model._meta.concrete_fields}
    copied = [field.column for field in history._meta.concrete_fields if field.column in source]
    own = {field.column for field in history._meta.concrete_fields} - source
    if own != {"history_id", "history_date", "history_change_reason", "history_type",
               "history_user_id"}:  # fmt: skip
        raise TypeError(f"{history.__name__} has fields this copy does not fill: {own}")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in copied)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = user.pk if user is not None and user.is_authenticated else None
    with connection.cursor() as cursor:
        for chunk in _chunks(instance.pk for instance in created):
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, "  # noqa: S608 -- names from the models
                f"history_change_reason, history_type, history_user_id) "
                f"SELECT {columns}, %s, %s, '+', %s FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))}) "
                f"ORDER BY {quote(model._meta.pk.column)}",
                [now, reason, user_id, *chunk],
            )
    return created


@transaction.atomic
def record_published_meetings_in_bulk(
    *, meetings: Sequence[Meeting], reviews: Sequence[Review], user: User = None
) -> list[Meeting]:
    """``meeting_create`` for many meetings, each considering one review (``reviews``, in the
    same order) and so of that review's committee. Each meeting's creation record in the
    history lists the review it considered, as ``meeting_create``'s history comes to, so the
    recommendation's change history shows the review added to the meeting."""
    if len(meetings) != len(reviews):
        raise ValueError("One review per meeting.")
    for meeting, review in zip(meetings, reviews, strict=True):
        meeting.committee = review.committee
        _attribute_to(meeting, user)
    _check_rows(Meeting, meetings, None)
    meetings = bulk_create_with_history(meetings, Meeting)
    # The links and their history are not tracked models themselves: they are the history.
    through = Meeting.reviews.through
    pairs = zip(meetings, reviews, strict=True)
    links = through.objects.bulk_create(
        [through(meeting=meeting, review=review) for meeting, review in pairs]
    )
    created: dict[int, int] = {}
    for chunk in _chunks(meeting.pk for meeting in meetings):
        records = Meeting.history.filter(id__in=chunk, history_type="+")
        created |= dict(records.values_list("id", "history_id"))
    listed = apps.get_model("recommendations", "HistoricalMeeting_reviews")
    listed.objects.bulk_create(
        [
            listed(
                history_id=created[link.meeting_id],
                id=link.pk,
                meeting_id=link.meeting_id,
                review_id=link.review_id,
            )
            for link in links
        ]
    )
    return meetings


def _check_rows(
    model: type[models.Model],
    instances: Sequence[models.Model],
    rule: Callable[[models.Model], rules.Errors] | None,
) -> None:
    """What the one-row services check, for a batch of new rows: each row's fields, Markdown
    bounds, ``rule`` and the model's ``clean()``; uniqueness; for progress updates the previous
    target date and a final report's lock. What needs other rows is looked up once for the
    batch instead of row by row. Related rows must be saved already, and the database's own
    foreign keys and check constraints refuse anything else: any refusal undoes the batch."""
    relations = [field for field in model._meta.concrete_fields if field.is_relation]
    for row, instance in enumerate(instances, start=1):
        with _row(row):
            # A related row's existence is the database's foreign key to check, once per row
            # written rather than one query per row here.
            instance.clean_fields(exclude=[field.name for field in relations])
            missing = [
                field.name
                for field in relations
                if not field.null and getattr(instance, field.attname) is None
            ]
            rules.check({name: ["Select a saved record."] for name in missing})
    if model is ProgressUpdate:
        _refuse_if_any_final([update.report_id for update in instances])
        previous = _previous_targets(instances)
    for index, instance in enumerate(instances):
        with _row(index + 1):
            rules.check(rules.markdown_errors(instance))
            if model is ProgressUpdate:
                rules.check(
                    rules.progress_update_errors(
                        instance, as_published=True, previous=previous[index]
                    )
                )
            elif rule is not None:
                rules.check(rule(instance))
            instance.clean()
    _check_unique_in_bulk(model, instances)


def _refuse_if_any_final(report_ids: Iterable[int | None]) -> None:
    for chunk in _chunks({pk for pk in report_ids if pk}):
        if UpdateReport.objects.filter(pk__in=chunk, is_final=True).exists():
            raise RecordLocked(REPORT_FINAL_MESSAGE)


def _previous_targets(updates: Sequence[ProgressUpdate]) -> list[dt.date | None]:
    """What ``rules.previous_target`` would find for each update had the batch been saved one
    at a time in its order: by "as at" date, stored updates before new ones on the same date,
    new ones in the batch's order."""
    timelines: dict[int, list[tuple[tuple, dt.date | None, int | None]]] = defaultdict(list)
    for chunk in _chunks({update.recommendation_id for update in updates}):
        stored = ProgressUpdate.objects.filter(recommendation_id__in=chunk).values_list(
            "recommendation_id", "as_at", "id", "target_date"
        )
        for recommendation_id, as_at, pk, target in stored:
            timelines[recommendation_id].append(((as_at, 0, pk), target, None))
    for index, update in enumerate(updates):
        timelines[update.recommendation_id].append(
            ((update.as_at, 1, index), update.target_date, index)
        )
    previous: list[dt.date | None] = [None] * len(updates)
    for timeline in timelines.values():
        timeline.sort(key=lambda entry: entry[0])
        before = None
        for _, target, index in timeline:
            if index is not None:
                previous[index] = before
            before = target
    return previous


def _check_unique_in_bulk(model: type[models.Model], instances: Sequence[models.Model]) -> None:
    """The model's unique fields and constraints, within the batch and against stored rows."""
    opts = model._meta
    field_sets: list[tuple[tuple[str, ...], Q | None]] = [
        ((field.name,), None) for field in opts.concrete_fields if field.unique
    ]
    field_sets += [(tuple(names), None) for names in opts.unique_together]
    field_sets += [
        (tuple(constraint.fields), constraint.condition)
        for constraint in opts.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields
    ]
    for names, condition in field_sets:
        if names == (opts.pk.name,):
            continue  # new rows: the database numbers them
        attnames = [opts.get_field(name).attname for name in names]
        seen: dict[tuple, int] = {}
        for row, instance in enumerate(instances, start=1):
            key = tuple(getattr(instance, attname) for attname in attnames)
            if None in key:
                continue  # nulls never collide
            if condition is not None and not _condition_holds(condition, instance):
                continue  # e.g. blank labels: the constraint leaves them out
            if key in seen:
                _refuse_duplicate(row, instance, names)
            seen[key] = row
        for chunk in _chunks({key[0] for key in seen}):
            stored = model._default_manager.filter(**{f"{attnames[0]}__in": chunk})
            if condition is not None:
                stored = stored.filter(condition)
            for key in stored.values_list(*attnames):
                if key in seen:
                    _refuse_duplicate(seen[key], instances[seen[key] - 1], names)


def _condition_holds(condition: Q, instance: models.Model) -> bool:
    """Whether a unique constraint's condition holds for an unsaved row, read in Python for
    the exact and isnull lookups conditions here use (anything else asks the database)."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_condition_holds(child, instance))
            continue
        lookup, expected = child
        name, _, kind = lookup.partition("__")
        value = getattr(instance, instance._meta.get_field(name).attname)
        if kind in ("", "exact"):
            results.append(value == expected)
        elif kind == "isnull":
            results.append((value is None) == expected)
        else:
            fields = {f.name: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
            return condition.check(fields)
    holds = all(results) if condition.connector == Q.AND else any(results)
    return not holds if condition.negated else holds


def _refuse_duplicate(row: int, instance: models.Model, names: tuple[str, ...]) -> None:
    error = instance.unique_error_message(type(instance), names)
    field = names[0] if len(names) == 1 else NON_FIELD_ERRORS
    raise RowRefused(row, ValidationError({field: [error]}))
