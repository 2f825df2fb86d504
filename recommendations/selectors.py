"""Reads with joins. Each returns everything its page needs in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from recommendations.models import Lead, ProgressUpdate, Recommendation, Review


def latest_update_ids() -> Subquery:
    """The id of each recommendation's newest update (by "as at" date, then entry order)."""
    newest = ProgressUpdate.objects.filter(recommendation=OuterRef("recommendation")).order_by(
        "-as_at", "-id"
    )
    return Subquery(newest.values("pk")[:1])


def latest_update_prefetch() -> Prefetch:
    return Prefetch(
        "updates",
        queryset=ProgressUpdate.objects.filter(pk=latest_update_ids()).select_related(
            "report", "author"
        ),
        to_attr="latest_updates",
    )


def leads_prefetch() -> Prefetch:
    return Prefetch("leads", queryset=Lead.objects.select_related("person"))


def review_list() -> QuerySet[Review]:
    return Review.objects.select_related("committee__authority").annotate(
        recommendation_count=Count("recommendations", filter=Q(recommendations__parent=None))
    )


def review_with_recommendations(slug: str) -> tuple[Review, list[Recommendation]]:
    """A review and its top-level recommendations, each with ``.part_list``, in order.

    Queries: the review; its recommendations with responses; their leads; their latest updates;
    its document versions; its update reports; its meetings.
    """
    review = get_object_or_404(
        Review.objects.select_related(
            "committee__authority", "lead_cabinet_member", "lead_director"
        ).prefetch_related("document_versions", "update_reports", "meetings"),
        slug=slug,
    )
    recommendations = list(
        review.recommendations.select_related("response").prefetch_related(
            leads_prefetch(), latest_update_prefetch()
        )
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


def recommendation_detail(slug: str, label: str) -> Recommendation:
    recommendation = get_object_or_404(
        Recommendation.objects.select_related(
            "review__committee__authority", "response", "parent"
        ).prefetch_related(
            leads_prefetch(),
            Prefetch("parent__leads", queryset=Lead.objects.select_related("person")),
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("report", "author").order_by(
                    "-as_at", "-id"
                ),
                to_attr="update_list",
            ),
            "parts",
        ),
        review__slug=slug,
        label=label,
    )
    own_leads = list(recommendation.leads.all())
    parent = recommendation.parent
    recommendation.shown_leads = own_leads or (list(parent.leads.all()) if parent else [])
    return recommendation
