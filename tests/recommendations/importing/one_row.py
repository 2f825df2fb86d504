"""The import's save as it was before the bulk route, each row through the one-row services
(``record_published_recommendation``, ``response_save``, ``person_find_or_create``,
``lead_add``, ``record_published_update``): the reference the bulk save must equal. What a
row records and which rows of an update report are new are the import's own rules
(``services.importing._imported_response``, ``_imported_update``, ``_changed_rows``): only the
writing differs."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from recommendations import services
from recommendations.models import Person, ProgressUpdate, Recommendation
from recommendations.services import ImportRefused, ImportResult
from recommendations.services.importing import (
    _changed_rows,
    _imported_response,
    _imported_update,
    _row_refused,
)


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
            response = _imported_response(recommendation, row, parents)
            if response is not None:
                services.response_save(response=response, expected_version=None, user=user)
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
        update=_imported_update(recommendation, row, report), user=user
    )


def import_update_report(rows, review, report, user) -> ImportResult:
    result = ImportResult(review=review, report=None)
    changed = _changed_rows(rows, review, result)
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
