"""The import's save as it was before the bulk route, each row through the one-row services
(``record_published_recommendation``, ``response_save``, ``person_find_or_create``,
``lead_add``, ``record_published_update``): the reference the bulk save must equal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from recommendations import services
from recommendations.markdown import markdown_to_text
from recommendations.models import DatePrecision, Person, ProgressUpdate, Recommendation, Response
from recommendations.services import ImportRefused, ImportResult, _row_refused, _words


def import_new_review(rows, review, report, user) -> ImportResult:
    try:
        services.review_create(review=review, user=user)
    except ValidationError as error:
        raise ImportRefused({0: error.messages}) from None
    result = ImportResult(review=review, report=None)
    if report is not None and any(row.update.strip() for row in rows):
        report.review = review
        try:
            result.report = services.update_report_create(report=report, user=user)
        except ValidationError as error:
            raise ImportRefused({0: error.messages}) from None
    parents = {row.parent_label for row in rows if row.parent_label}
    saved: dict[str, Recommendation] = {}
    for order, row in enumerate(rows, start=1):
        try:
            recommendation = services.record_published_recommendation(
                recommendation=Recommendation(
                    review=review,
                    parent=saved.get(row.parent_label),
                    label=row.label,
                    order=order,
                    text=row.text,
                ),
                user=user,
            )
            if row.label:
                saved[row.label] = recommendation
            has_response = row.decision is not None or row.response or row.timetable
            if has_response or row.label not in parents:
                default = (
                    Response.Decision.NOT_STATED if has_response else Response.Decision.AWAITING
                )
                services.response_save(
                    response=Response(
                        recommendation=recommendation,
                        decision=row.decision or default,
                        decision_wording=row.decision_wording,
                        text=row.response or "",
                        timetable=row.timetable,
                        timetable_date=row.timetable_date,
                        timetable_precision=row.timetable_precision,
                    ),
                    expected_version=None,
                    user=user,
                )
            _import_leads(recommendation, row, user)
            if row.update.strip() and result.report is not None:
                _import_update(recommendation, row, result.report, user)
                result.updates += 1
        except ValidationError as error:
            raise _row_refused(row, error) from None
        result.recommendations += 1
    return result


def _import_leads(recommendation, row, user) -> None:
    authority_id = recommendation.review.committee.authority_id
    for lead in row.leads:
        person = services.person_find_or_create(
            person=Person(name=lead.name, job_title=lead.job_title, authority_id=authority_id),
            user=user,
        )
        if not recommendation.leads.filter(person=person, role=lead.role).exists():
            services.lead_add(
                recommendation=recommendation, person=person, role=lead.role, user=user
            )


def _import_update(recommendation, row, report, user) -> ProgressUpdate:
    return services.record_published_update(
        update=ProgressUpdate(
            recommendation=recommendation,
            report=report,
            as_at=report.as_at or timezone.localdate(),
            as_at_precision=report.as_at_precision if report.as_at else DatePrecision.DAY,
            text=row.update.strip(),
            status=row.status or ProgressUpdate.Status.NOT_STATED,
            status_wording=row.status_wording,
            rag=row.rag,
            timescale=row.timescale,
        ),
        user=user,
    )


def import_update_report(rows, review, report, user) -> ImportResult:
    result = ImportResult(review=review, report=None)
    recommendations = list(review.recommendations.all())
    by_label = {rec.label: rec for rec in recommendations if rec.label}
    by_text = {markdown_to_text(rec.text): rec for rec in recommendations if not rec.label}
    latest: dict[int, ProgressUpdate] = {}
    for update in ProgressUpdate.objects.filter(recommendation__review=review).order_by(
        "as_at", "created_at", "pk"
    ):
        latest[update.recommendation_id] = update
    changed = []
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
    if not changed:
        return result
    if report is None:
        raise ImportRefused({0: ["Name the update report the rows go into."]})
    report.review = review
    try:
        result.report = services.update_report_create(report=report, user=user)
    except ValidationError as error:
        raise ImportRefused({0: error.messages}) from None
    for rec, row in changed:
        try:
            _import_update(rec, row, result.report, user)
        except ValidationError as error:
            raise _row_refused(row, error) from None
        result.updates += 1
    return result
