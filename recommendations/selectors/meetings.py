"""A meeting's page."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from recommendations.models import Meeting, Review, UpdateReport
from recommendations.selectors.common import documents_prefetch


def meeting_detail(pk: int) -> Meeting:
    """Queries: the meeting with its committee; the reviews it considered; the update reports
    presented at it (with their reviews); its documents."""
    return get_object_or_404(
        Meeting.objects.select_related("committee__authority").prefetch_related(
            Prefetch("reviews", queryset=Review.objects.order_by("title")),
            Prefetch(
                "update_reports",
                queryset=UpdateReport.objects.select_related("review").order_by(
                    "review__title", "title"
                ),
            ),
            documents_prefetch(),
        ),
        pk=pk,
    )
