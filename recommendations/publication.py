"""What of the tracker the public sees: published reviews, and of them only what their
committee was sent in final update reports.

Every public page, the open API and the feeds start from these querysets, so a draft report,
an update not yet in a final report, or an unpublished review cannot reach them by another
route. Internal fields (who created a row, edit versions, the history) are not public either;
each public serialiser lists the fields it shows rather than excluding some.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Func, OuterRef, Q, QuerySet, Subquery

from recommendations.models import (
    Authority,
    Committee,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from recommendations.monitoring import with_progress, with_verdict

# The one rule of what of a review's monitoring is public, whether or not it is published yet:
# final update reports and the updates in them.
FINAL_REPORT = Q(is_final=True)
UPDATE_IN_FINAL_REPORT = Q(report__is_final=True)


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


def count_public_recommendations() -> int:
    """How many recommendations ``public_recommendations`` has, counted without joining each
    to its review: all of them less those of unpublished reviews, which an index holds (few,
    once a tracker is under way). At 10,000 reviews PostgreSQL joined all 175,000 to their
    reviews to count them. One query (one statement: one snapshot for both counts)."""
    unpublished = Recommendation.objects.filter(review__published_at__isnull=True).order_by()
    counted = Recommendation.objects.aggregate(
        public=Count("*") - Subquery(unpublished.values(n=Func("pk", function="COUNT")))
    )
    return counted["public"]


def public_responses(queryset: QuerySet[Response] | None = None) -> QuerySet[Response]:
    return (Response.objects.all() if queryset is None else queryset).filter(
        recommendation__review__published_at__isnull=False
    )


def public_reports(queryset: QuerySet[UpdateReport] | None = None) -> QuerySet[UpdateReport]:
    """Final update reports of published reviews: what a committee was sent."""
    return (UpdateReport.objects.all() if queryset is None else queryset).filter(
        FINAL_REPORT, review__published_at__isnull=False
    )


def public_updates(queryset: QuerySet[ProgressUpdate] | None = None) -> QuerySet[ProgressUpdate]:
    """Updates in final reports of published reviews; never a draft round's, never one that
    is in no report (an officer's working entry, a lead's answer not yet accepted)."""
    return (ProgressUpdate.objects.all() if queryset is None else queryset).filter(
        UPDATE_IN_FINAL_REPORT, recommendation__review__published_at__isnull=False
    )


def public_meetings(queryset: QuerySet[Meeting] | None = None) -> QuerySet[Meeting]:
    """Meetings that considered a final report of a published review."""
    return (
        (Meeting.objects.all() if queryset is None else queryset)
        .filter(update_reports__is_final=True, update_reports__review__published_at__isnull=False)
        .distinct()
    )


def public_pack_meetings(queryset: QuerySet[Meeting] | None = None) -> QuerySet[Meeting]:
    """Meetings whose committee papers are all public: every update report presented at it
    is final and its review published, and every review it considered is published and had
    a final report presented there (a pack prints a review considered without a report of
    its own with its latest updates, whatever they are). Whether the pack as issued can be
    shown is the reports app's further check (when it was issued)."""
    final_report_here = UpdateReport.objects.filter(
        review=OuterRef("pk"), meeting=OuterRef(OuterRef("pk")), is_final=True
    )
    considered_without_one = Review.objects.filter(meetings=OuterRef("pk")).exclude(
        Exists(final_report_here)
    )
    return (
        public_meetings(queryset)
        .exclude(update_reports__is_final=False)
        .exclude(update_reports__review__published_at__isnull=True)
        .exclude(reviews__published_at__isnull=True)
        .exclude(Exists(considered_without_one))
    )


@dataclass(frozen=True)
class PublicationPreview:
    """What publishing a review puts on the public pages, and what stays private: the
    officer's confirmation page says it in numbers."""

    recommendations: int
    final_reports: int
    public_updates: int
    draft_reports: int
    private_updates: int  # in a draft report, or in none yet


def preview(review: Review) -> PublicationPreview:
    """Four counts, whether the review is published or not."""
    reports = UpdateReport.objects.filter(review=review)
    updates = ProgressUpdate.objects.filter(recommendation__review=review)
    public = updates.filter(UPDATE_IN_FINAL_REPORT).count()
    return PublicationPreview(
        recommendations=Recommendation.objects.filter(review=review).count(),
        final_reports=reports.filter(FINAL_REPORT).count(),
        public_updates=public,
        draft_reports=reports.exclude(FINAL_REPORT).count(),
        private_updates=updates.count() - public,
    )


def public_authorities(queryset: QuerySet[Authority] | None = None) -> QuerySet[Authority]:
    """Authorities with a published review (one with none has nothing public yet)."""
    return (Authority.objects.all() if queryset is None else queryset).filter(
        Exists(published_reviews().filter(committee__authority=OuterRef("pk")))
    )


def public_committees(queryset: QuerySet[Committee] | None = None) -> QuerySet[Committee]:
    """Committees with a published review."""
    return (Committee.objects.all() if queryset is None else queryset).filter(
        Exists(published_reviews().filter(committee=OuterRef("pk")))
    )


def public_leads(queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """People (and organisations) named as leads of a published review's recommendations."""
    return (Person.objects.all() if queryset is None else queryset).filter(
        Exists(
            Lead.objects.filter(
                person=OuterRef("pk"), recommendation__review__published_at__isnull=False
            )
        )
    )


def public_progress(
    queryset: QuerySet[Recommendation], *, today: dt.date | None = None
) -> QuerySet[Recommendation]:
    """``monitoring.with_progress`` (and ``with_verdict``) by the same rules, counting only
    public updates: the status, target date, overdue and the committee's view the public sees
    are those of the final reports, never of a draft round; nor is an overdue label an
    officer set by hand."""
    updates = public_updates()
    return with_verdict(
        with_progress(queryset, today=today, updates=updates, by_hand=False), updates=updates
    )
