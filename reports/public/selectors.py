"""The public pages' queries, each starting from ``recommendations.publication``; anything
not published is a 404 (never a 403: an unpublished review is not said to exist)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from recommendations import publication
from recommendations.models import (
    Authority,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Review,
    UpdateReport,
)
from recommendations.selectors import leads_prefetch
from reports import rows, selectors
from reports.models import IssuedPack

# How many entries a feed carries: the newest final updates.
FEED_ENTRIES = 50


def reviews_index() -> QuerySet[Review]:
    """Every published review, by authority and committee, with its number of
    recommendations and the date of its latest final report: each counted by a subquery that
    PostgreSQL runs for the page's reviews only (``REVIEWS_PER_PAGE``), so a page costs the
    same at 1,000 reviews and at 10,000 (bench/pages.py)."""
    counted = (
        Recommendation.objects.filter(review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    latest = (
        publication.public_reports(UpdateReport.objects.filter(review=OuterRef("pk")))
        .order_by()
        .values("review")
        .annotate(newest=Max("as_at"))
        .values("newest")
    )
    return (
        publication.published_reviews()
        .select_related("committee__authority")
        .annotate(
            recommendation_count=Coalesce(Subquery(counted), 0),
            latest_report_as_at=Subquery(latest),
        )
        .order_by("committee__authority__name", "committee__name", "title", "pk")
    )


def published_review(slug: str) -> Review:
    return get_object_or_404(
        publication.published_reviews().select_related(
            "committee__authority", "lead_cabinet_member", "lead_director", "appendix_settings"
        ),
        slug=slug,
    )


def latest_public_report(review: Review) -> UpdateReport | None:
    return (
        publication.public_reports(UpdateReport.objects.filter(review=review))
        .select_related("meeting", "appendix_settings")
        .order_by(F("as_at").desc(nulls_last=True), "-id")
        .first()
    )


@dataclass
class PublicReview:
    review: Review
    recommendations: list[Recommendation]  # top level, each with ``.part_list``
    reports: list[UpdateReport]  # final ones, newest first
    meetings: list[Meeting]  # that considered a final report, each with ``.public_pack``


def public_review(slug: str) -> PublicReview:
    """Queries: the review; its recommendations with responses and the meetings that closed
    or reopened them; their leads with people; their public updates (newest first, with the
    committee's view); its final reports; its meetings with public papers."""
    review = published_review(slug)
    updates = Prefetch(
        "updates",
        queryset=publication.public_updates()
        .select_related("report", "verdict__meeting")
        .order_by("-as_at", "-id"),
        to_attr="public_updates",
    )
    recommendations = list(
        publication.public_recommendations(Recommendation.objects.filter(review=review))
        .select_related("response", "closed_at_meeting", "reopened_at_meeting")
        .prefetch_related(leads_prefetch(), updates)
        .order_by("order", "id")
    )
    by_id = {rec.pk: rec for rec in recommendations}
    top_level = []
    for rec in recommendations:
        rec.part_list = []
        rec.shown_leads = list(rec.leads.all())
        rec.latest_public = rec.public_updates[0] if rec.public_updates else None
    for rec in recommendations:
        parent = by_id.get(rec.parent_id)
        (parent.part_list if parent is not None else top_level).append(rec)
    reports = list(
        publication.public_reports(UpdateReport.objects.filter(review=review))
        .select_related("meeting")
        .order_by(F("as_at").desc(nulls_last=True), "-id")
    )
    # The meetings that were presented one of this review's final reports.
    meetings = list(
        publication.public_meetings(
            Meeting.objects.filter(update_reports__in=[report.pk for report in reports])
        ).order_by("-date", "-id")
    )
    public = set(
        public_pack_meetings(Meeting.objects.filter(pk__in=[m.pk for m in meetings])).values_list(
            "pk", flat=True
        )
    )
    for meeting in meetings:
        meeting.public_pack = meeting.pk in public
    return PublicReview(review, top_level, reports, meetings)


def public_appendix(review: Review) -> rows.Appendix:
    """The appendix as of the latest final report, from final reports' updates only: a
    recommendation without an update in that report shows its latest earlier update from a
    final report, never a draft round's or a working entry (as the signed-in appendix
    would). Without a final report: the responses, and no updates."""
    report = latest_public_report(review)
    data = selectors.appendix_data(
        review,
        report.pk if report else None,
        updates=publication.public_updates(
            ProgressUpdate.objects.filter(recommendation__review=review)
        ),
    )
    return rows.build_appendix(data, public=True)


def public_pack_meetings(queryset: QuerySet[Meeting] | None = None) -> QuerySet[Meeting]:
    """Meetings whose issued pack is public: its papers are ``publication``'s (every report
    presented final, every review published and presented with a final report), and the
    pack was issued after each of those reports was made final, with no update of theirs
    outside a final report that the pack could have shown as an earlier one."""
    meetings = publication.public_pack_meetings(queryset).filter(issued_pack__isnull=False)
    finalised_after = UpdateReport.objects.filter(
        meeting=OuterRef("pk"), finalised_at__gt=OuterRef("issued_pack__issued_at")
    )
    not_final_when_issued = UpdateReport.objects.filter(
        meeting=OuterRef("pk"), finalised_at__isnull=True
    )
    # An update the pack might have shown as the latest earlier one: of a review in the pack,
    # entered before the pack was issued, dated on or before its report, in no final report.
    earlier_private = ProgressUpdate.objects.filter(
        recommendation__review__update_reports__meeting=OuterRef("pk"),
        created_at__lte=OuterRef("issued_pack__issued_at"),
        as_at__lte=F("recommendation__review__update_reports__as_at"),
    ).exclude(publication.UPDATE_IN_FINAL_REPORT)
    return (
        meetings.exclude(Exists(finalised_after))
        .exclude(Exists(not_final_when_issued))
        .exclude(Exists(earlier_private))
    )


def public_pack(meeting_id: int) -> IssuedPack:
    meeting = get_object_or_404(public_pack_meetings(Meeting.objects.filter(pk=meeting_id)))
    return IssuedPack.objects.select_related("meeting").get(meeting=meeting)


def feed_updates(*, review: Review | None = None, authority: Authority | None = None):
    """The newest updates in final reports of published reviews: of one review, or of one
    authority's reviews."""
    updates = publication.public_updates()
    if review is not None:
        updates = updates.filter(recommendation__review=review)
    if authority is not None:
        updates = updates.filter(recommendation__review__committee__authority=authority)
    return list(
        updates.select_related("report", "recommendation__review__committee__authority").order_by(
            F("report__finalised_at").desc(nulls_last=True), "-as_at", "-id"
        )[:FEED_ENTRIES]
    )


def published_authority(slug: str) -> Authority:
    """An authority with at least one published review; any other is a 404."""
    authority = Authority.objects.filter(slug=slug).first()
    if (
        authority is None
        or not publication.published_reviews().filter(committee__authority=authority).exists()
    ):
        raise Http404("No published review of that authority.")
    return authority


def as_datetime(value: dt.date) -> dt.datetime:
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
