"""The review list, and a review with its recommendations (parts under their parents)."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from recommendations.models import Recommendation, Review
from recommendations.monitoring import with_progress
from recommendations.selectors.common import (
    documents_prefetch,
    latest_update_prefetch,
    leads_prefetch,
)


def review_list() -> QuerySet[Review]:
    # Counted per review by a subquery, not by joining and grouping every recommendation:
    # PostgreSQL counts for the page's 20 reviews only, after sorting and limiting, so a
    # page costs the same at 1,000 reviews and at 10,000 (bench/pages.py).
    counted = (
        Recommendation.objects.filter(review=OuterRef("pk"), parent=None)
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Review.objects.select_related("committee__authority")
        .annotate(recommendation_count=Coalesce(Subquery(counted), 0))
        .order_by("-reported_on", "title", "pk")
    )


def review_with_recommendations(slug: str) -> tuple[Review, list[Recommendation]]:
    """A review and its top-level recommendations, each with ``.part_list``, in order.

    Queries: the review; its recommendations with responses; their leads; their latest updates;
    its document versions; its update reports; its meetings; its supporting documents.
    """
    review = get_object_or_404(
        Review.objects.select_related(
            "committee__authority", "lead_cabinet_member", "lead_director", "published_by"
        ).prefetch_related("document_versions", "update_reports", "meetings", documents_prefetch()),
        slug=slug,
    )
    recommendations = list(
        with_progress(review.recommendations.all())
        .select_related("response", "closed_at_meeting")
        .prefetch_related(leads_prefetch(), latest_update_prefetch())
    )
    return review, nest_parts(recommendations)


def nest_parts(recommendations: list[Recommendation]) -> list[Recommendation]:
    """Hang each part under its parent (``.part_list``), which shows the leads they share."""
    by_id = {rec.pk: rec for rec in recommendations}
    for rec in recommendations:
        rec.part_list = []
    top_level = []
    for rec in recommendations:
        parent = by_id.get(rec.parent_id)
        if parent is None:
            top_level.append(rec)
        else:
            parent.part_list.append(rec)
    for rec in recommendations:
        rec.shown_leads = list(rec.leads.all())
        rec.latest_update = rec.latest_updates[0] if rec.latest_updates else None
    return top_level
