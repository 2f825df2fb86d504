"""What of the tracker the public sees: published reviews, and of them only what their
committee was sent in final update reports.

Every public page, the open API and the feeds start from these querysets, so a draft report,
an update not yet in a final report, or an unpublished review cannot reach them by another
route. Internal fields (who created a row, edit versions, the history) are not public either;
each public serialiser lists the fields it shows rather than excluding some.
"""

from __future__ import annotations

from django.db.models import QuerySet

from recommendations.models import (
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)


def published_reviews(queryset: QuerySet[Review] | None = None) -> QuerySet[Review]:
    return (Review.objects.all() if queryset is None else queryset).filter(
        published_at__isnull=False
    )


def public_recommendations(
    queryset: QuerySet[Recommendation] | None = None,
) -> QuerySet[Recommendation]:
    return (Recommendation.objects.all() if queryset is None else queryset).filter(
        review__published_at__isnull=False
    )


def public_responses(queryset: QuerySet[Response] | None = None) -> QuerySet[Response]:
    return (Response.objects.all() if queryset is None else queryset).filter(
        recommendation__review__published_at__isnull=False
    )


def public_reports(queryset: QuerySet[UpdateReport] | None = None) -> QuerySet[UpdateReport]:
    """Final update reports of published reviews: what a committee was sent."""
    return (UpdateReport.objects.all() if queryset is None else queryset).filter(
        is_final=True, review__published_at__isnull=False
    )


def public_updates(queryset: QuerySet[ProgressUpdate] | None = None) -> QuerySet[ProgressUpdate]:
    """Updates in final reports of published reviews; never a draft round's, never one that
    is in no report (an officer's working entry, a lead's answer not yet accepted)."""
    return (ProgressUpdate.objects.all() if queryset is None else queryset).filter(
        report__is_final=True, recommendation__review__published_at__isnull=False
    )


def public_meetings(queryset: QuerySet[Meeting] | None = None) -> QuerySet[Meeting]:
    """Meetings that considered a final report of a published review."""
    return (
        (Meeting.objects.all() if queryset is None else queryset)
        .filter(update_reports__is_final=True, update_reports__review__published_at__isnull=False)
        .distinct()
    )
