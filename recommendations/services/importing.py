"""Saving an imported table (``recommendations.importing`` builds the rows), all or nothing:
a new review, or a new update report of a recorded one; a table of several reviews; the meeting
a table's header names."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from recommendations import imported_uploads, search
from recommendations.models import (
    SHORT_TEXT_MAX,
    Committee,
    DatePrecision,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    SupportingDocument,
    UpdateReport,
)
from recommendations.services._common import M, User, _history_reason_is
from recommendations.services.bulk import record_published_in_bulk
from recommendations.services.documents import attach_document
from recommendations.services.errors import RowRefused
from recommendations.services.imported_rows import ImportedRow, ImportRefused, ImportResult
from recommendations.services.meetings import meeting_create
from recommendations.services.people import committee_find_or_create, people_find_or_create_in_bulk
from recommendations.services.reviews import review_create
from recommendations.services.update_reports import update_report_create

# Sent inside the import's transaction with ``review``, ``columns`` (the source's (field,
# heading) pairs, in its order), ``report`` (the new update report of a recorded review, else
# None) and ``replace_layout``, so the reports app can make the appendix print in the
# source's own columns; this app never imports it.
table_imported = Signal()


def _row_refused(row: ImportedRow, error: ValidationError) -> ImportRefused:
    return ImportRefused({row.number: error.messages})


@transaction.atomic
def import_table(
    *,
    rows: Sequence[ImportedRow],
    review: Review,
    report: UpdateReport | None,
    columns: Sequence[tuple[str, str]],
    file_name: str,
    content: bytes,
    user: User,
    replace_layout: bool = False,
) -> ImportResult:
    """Save an imported table, all or nothing, each row through the services' rules, the
    history saying "imported from <file name>", the file kept as a supporting document.
    ``table_imported`` makes the appendix print in the source's columns (``replace_layout``:
    a recorded review's too, rather than only the new update report; see
    ``reports.importing.apply_imported_layout``).

    ``review`` unsaved: a new review holding every row (a response per row, its leads, and
    the update text as an update in ``report``). ``review`` saved: a new update report
    (``report``) of it, rows matched by label (or, unnumbered, by text); only rows whose
    update, status or timescale differ from the latest update become new updates, and the
    rows matching nothing are returned in ``unmatched``."""
    refused = {row.number: row.errors for row in rows if row.errors}
    if refused:
        raise ImportRefused(refused)
    if any(row.review for row in rows):
        return _import_several_reviews(
            rows=rows, review=review, report=report, columns=columns, file_name=file_name,
            content=content, user=user, replace_layout=replace_layout,
        )  # fmt: skip
    is_new = review.pk is None
    # Each search document built once, when every row is in.
    with _history_reason_is(f"imported from {PurePath(file_name).name}"), search.deferred():
        if is_new:
            result = _import_new_review(rows, review, report, user)
        else:
            result = _import_update_report(rows, review, report, user)
        if is_new or result.report is not None:
            table_imported.send(
                sender=Review,
                review=result.review,
                columns=list(columns),
                report=None if is_new else result.report,
                replace_layout=replace_layout,
            )
        if not result.recommendations and not result.updates:
            raise ImportRefused({0: ["Nothing to import: no row differs from what is recorded."]})
        attach_document(
            document=SupportingDocument(
                review=result.review if is_new else None,
                update_report=None if is_new else result.report,
                title=f"Imported table: {PurePath(file_name).name}"[:SHORT_TEXT_MAX],
                file=SimpleUploadedFile(PurePath(file_name).name or "table", content),
            ),
            user=user,
        )
    return result


@transaction.atomic
def import_table_at_meeting(
    *,
    meeting_date: dt.date | None,
    agenda_item: str,
    review: Review,
    meeting_precision: str = DatePrecision.DAY,
    report: UpdateReport | None,
    user: User,
    upload: str = "",
    **kwargs,
) -> ImportResult:
    """``import_table`` of a table whose header names the meeting it went to: a new review is
    reported on that date (a month or a year too); a new update report of a review is
    presented at its committee's meeting that day, recorded now (``agenda_item``: the minute,
    or the report's title) if the tracker has none. All or nothing, the meeting included.
    ``upload`` (the upload page's token) is saved once: a second save of it raises
    ``imported_uploads.AlreadyImported``, having written nothing."""
    claimed = imported_uploads.claim(upload=upload, user=user) if upload else None
    if meeting_date is not None and review.pk is None:
        review.reported_on, review.reported_precision = meeting_date, meeting_precision
    elif meeting_date is not None and report is not None and meeting_precision == "day":
        meeting = (
            Meeting.objects.filter(committee_id=review.committee_id, date=meeting_date)
            .order_by("pk")
            .first()
        )
        if meeting is None:
            try:
                meeting = meeting_create(
                    meeting=Meeting(
                        date=meeting_date,
                        agenda_item=(agenda_item.strip() or report.title)[:SHORT_TEXT_MAX],
                    ),
                    review=review,
                    user=user,
                )
            except ValidationError as error:
                raise ImportRefused({0: error.messages}) from None
        report.meeting = meeting
    result = import_table(review=review, report=report, user=user, **kwargs)
    if claimed is not None:
        imported_uploads.record(
            claimed, file_name=kwargs["file_name"], review=result.review,
            reviews=len(result.reviews) or 1,
        )  # fmt: skip
    return result


def _import_several_reviews(
    *,
    rows: Sequence[ImportedRow],
    review: Review,
    report: UpdateReport | None,
    columns: Sequence[tuple[str, str]],
    file_name: str,
    content: bytes,
    user: User,
    replace_layout: bool = False,
) -> ImportResult:
    """A table of several reviews (a council-wide tracker, a committee's progress annex):
    each review the table names, by title among the authority's reviews, gets a new update
    report of its rows; the others are new reviews of ``review``'s committee. Each group is
    imported as a table of its own would be, in the caller's transaction: all or nothing."""
    committee = review.committee
    groups: dict[str, list[ImportedRow]] = {}
    for row in rows:
        groups.setdefault(row.review, []).append(row)
    existing = {
        found.title.casefold(): found
        for found in Review.objects.filter(
            committee__authority_id=committee.authority_id, title__in=list(groups)
        ).order_by("-pk")
    }
    total: ImportResult | None = None
    for name, group in groups.items():
        target = existing.get(name.casefold())
        if target is None:
            # A new review is of the committee its rows name, the authority's of that name
            # (made if it has none), or else the import's.
            named = next((row.committee for row in group if row.committee), "")
            group_committee = committee
            if named:
                try:
                    group_committee = committee_find_or_create(
                        committee=Committee(authority_id=committee.authority_id, name=named),
                        user=user,
                    )
                except ValidationError as error:
                    raise ImportRefused({0: [f"{named}: {m}" for m in error.messages]}) from None
            target = Review(committee=group_committee, title=name, status=review.status)
        group_report = None
        if report is not None:
            group_report = UpdateReport(
                title=report.title, as_at=report.as_at, as_at_precision=report.as_at_precision
            )
        try:
            result = import_table(
                rows=[replace(row, review="") for row in group], review=target,
                report=group_report, columns=columns, file_name=file_name, content=content,
                user=user, replace_layout=replace_layout,
            )  # fmt: skip
        except ImportRefused as refused:
            if set(refused.errors) == {0}:  # about the review as a whole: say which
                raise ImportRefused(
                    {0: [f"{name}: {message}" for message in refused.errors[0]]}
                ) from None
            raise
        if total is None:
            total = result
        else:
            total.recommendations += result.recommendations
            total.updates += result.updates
            total.unmatched += result.unmatched
        total.reviews.append(result.review)
    if total is None:
        raise ImportRefused({0: ["Nothing to import: the table has no rows."]})
    return total


def _import_new_review(
    rows: Sequence[ImportedRow], review: Review, report: UpdateReport | None, user: User
) -> ImportResult:
    """A new review of every row: the review and its update report one at a time, then the
    rows model by model through the bulk route (``record_published_in_bulk``), each with the
    checks ``record_published_recommendation``, ``response_save``, ``lead_add`` and
    ``record_published_update`` make, so the queries do not grow with the rows."""
    try:
        review_create(review=review, user=user)
    except ValidationError as error:
        raise ImportRefused({0: error.messages}) from None
    result = ImportResult(review=review, report=None)
    if report is not None and any(row.update.strip() for row in rows):
        report.review = review
        try:
            result.report = update_report_create(report=report, user=user)
        except ValidationError as error:
            raise ImportRefused({0: error.messages}) from None
    recommendations = _import_recommendations(rows, review, user)
    parents = {row.parent_label for row in rows if row.parent_label}
    responses = [
        (row, response)
        for row, recommendation in zip(rows, recommendations, strict=True)
        if (response := _imported_response(recommendation, row, parents)) is not None
    ]
    _bulk_rows(responses, user)
    _import_leads(rows, recommendations, user)
    if result.report is not None:
        updates = [
            (row, _imported_update(rec, row, result.report))
            for row, rec in zip(rows, recommendations, strict=True)
            if row.update.strip()
        ]
        _bulk_rows(updates, user)
        result.updates = len(updates)
    result.recommendations = len(recommendations)
    return result


def _bulk_rows(pairs: Sequence[tuple[ImportedRow, M]], user: User) -> list[M]:
    """``record_published_in_bulk`` of one model's new rows, each from a row of the table: a
    refusal names the table's row."""
    try:
        return record_published_in_bulk(instances=[instance for _, instance in pairs], user=user)
    except RowRefused as refused:
        raise _row_refused(pairs[refused.row - 1][0], refused.reason) from None


def _import_recommendations(
    rows: Sequence[ImportedRow], review: Review, user: User
) -> list[Recommendation]:
    """The rows' recommendations in the table's order, a part in the recommendation an
    earlier row labels as its parent. Parents go in before their parts (a part needs its
    parent's id): a batch per level, and a part of a part is refused by the rules."""
    recommendations = [
        Recommendation(review=review, label=row.label, order=order, text=row.text)
        for order, row in enumerate(rows, start=1)
    ]
    labelled: dict[str, int] = {}
    parent_of: dict[int, int] = {}  # a part's index: its parent's
    for index, row in enumerate(rows):
        if row.parent_label and row.parent_label in labelled:
            parent_of[index] = labelled[row.parent_label]
        if row.label:
            labelled[row.label] = index
    saved: set[int] = set()
    while len(saved) < len(rows):
        batch = [
            index
            for index in range(len(rows))
            if index not in saved and (index not in parent_of or parent_of[index] in saved)
        ]
        for index in batch:
            if index in parent_of:
                recommendations[index].parent = recommendations[parent_of[index]]
        _bulk_rows([(rows[index], recommendations[index]) for index in batch], user)
        saved |= set(batch)
    return recommendations


def _import_leads(
    rows: Sequence[ImportedRow], recommendations: Sequence[Recommendation], user: User
) -> None:
    """Each row's leads, as ``lead_add`` adds them one by one (a person named twice in the
    same role once); each person looked up, or added, once for the whole table."""
    named = [
        (row, recommendation, lead)
        for row, recommendation in zip(rows, recommendations, strict=True)
        for lead in row.leads
    ]
    if not named:
        return
    authority_id = recommendations[0].review.committee.authority_id
    try:
        people = people_find_or_create_in_bulk(
            people=[
                Person(name=lead.name, job_title=lead.job_title, authority_id=authority_id)
                for _, _, lead in named
            ],
            authority_id=authority_id,
            user=user,
        )
    except RowRefused as refused:
        raise _row_refused(named[refused.row - 1][0], refused.reason) from None
    leads, seen = [], set()
    orders: Counter[int] = Counter()
    for (row, recommendation, lead), person in zip(named, people, strict=True):
        key = (recommendation.pk, person.pk, lead.role)
        if key in seen:
            continue
        seen.add(key)
        orders[recommendation.pk] += 1
        leads.append(
            (
                row,
                Lead(
                    recommendation=recommendation,
                    person=person,
                    role=lead.role,
                    order=orders[recommendation.pk],
                ),
            )
        )
    _bulk_rows(leads, user)


def _imported_response(
    recommendation: Recommendation, row: ImportedRow, parents: set[str]
) -> Response | None:
    """The response a row records: none for a recommendation in lettered parts whose own
    decision, response and timetable are blank (its parts carry them)."""
    has_response = row.decision is not None or row.response or row.timetable
    if not has_response and row.label in parents:
        return None
    default = Response.Decision.NOT_STATED if has_response else Response.Decision.AWAITING
    return Response(
        recommendation=recommendation,
        decision=row.decision or default,
        decision_wording=row.decision_wording,
        text=row.response or "",
        timetable=row.timetable,
        timetable_date=row.timetable_date,
        timetable_precision=row.timetable_precision,
    )


def _imported_update(
    recommendation: Recommendation, row: ImportedRow, report: UpdateReport
) -> ProgressUpdate:
    return ProgressUpdate(
        recommendation=recommendation,
        report=report,
        as_at=report.as_at or timezone.localdate(),
        as_at_precision=report.as_at_precision if report.as_at else DatePrecision.DAY,
        text=row.update.strip(),
        status=row.status or ProgressUpdate.Status.NOT_STATED,
        status_wording=row.status_wording,
        rag=row.rag,
        timescale=row.timescale,
    )


def _words(text: str) -> str:
    # A spreadsheet may wrap or split a long cell where the paper had none: the words decide.
    return " ".join(text.split())


def _changed_rows(
    rows: Sequence[ImportedRow], review: Review, result: ImportResult
) -> list[tuple[Recommendation, ImportedRow]]:
    """The rows of an update report that match a recommendation of ``review`` (by label, or by
    text when it has none) and say something new: their words, status or timescale differ
    from its latest update. Rows matching none go in ``result.unmatched``."""
    from recommendations.markdown import markdown_to_text  # noqa: PLC0415

    recommendations = list(review.recommendations.all())
    by_label = {rec.label: rec for rec in recommendations if rec.label}
    by_text = {markdown_to_text(rec.text): rec for rec in recommendations if not rec.label}
    latest: dict[int, ProgressUpdate] = {}
    for update in ProgressUpdate.objects.filter(recommendation__review=review).order_by(
        "as_at", "created_at", "pk"
    ):
        latest[update.recommendation_id] = update
    changed: list[tuple[Recommendation, ImportedRow]] = []
    for row in rows:
        rec = by_label.get(row.label) if row.label else by_text.get(markdown_to_text(row.text))
        if rec is None:
            result.unmatched.append(row)
            continue
        row.matched = rec
        before = latest.get(rec.pk) or ProgressUpdate(
            text="", status=ProgressUpdate.Status.NOT_STATED
        )
        old = (before.status, before.rag, before.status_wording)
        new = old if row.status is None else (row.status, row.rag, row.status_wording)
        if row.update.strip() and (
            (_words(markdown_to_text(row.update)), *new, row.timescale)
            != (_words(markdown_to_text(before.text)), *old, before.timescale)
        ):
            row.status, row.rag, row.status_wording = new
            changed.append((rec, row))
    return changed


def _import_update_report(
    rows: Sequence[ImportedRow], review: Review, report: UpdateReport | None, user: User
) -> ImportResult:
    result = ImportResult(review=review, report=None)
    changed = _changed_rows(rows, review, result)
    if not changed:
        return result
    if report is None:
        raise ImportRefused({0: ["Name the update report the rows go into."]})
    report.review = review
    try:
        result.report = update_report_create(report=report, user=user)
    except ValidationError as error:
        raise ImportRefused({0: error.messages}) from None
    _bulk_rows([(row, _imported_update(rec, row, result.report)) for rec, row in changed], user)
    result.updates = len(changed)
    return result
