"""A recommendation's page: the recommendation with what it shows, and its target dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from recommendations.models import Lead, ProgressUpdate, Recommendation, label_lookup
from recommendations.monitoring import with_progress
from recommendations.selectors.common import documents_prefetch, leads_prefetch


def recommendation_detail(slug: str, label: str) -> Recommendation:
    recommendation = get_object_or_404(
        with_progress(Recommendation.objects.all())
        .select_related(
            "review__committee__authority",
            "response",
            "parent",
            "closed_at_meeting",
            "reopened_at_meeting",
        )
        .prefetch_related(
            leads_prefetch(),
            Prefetch("parent__leads", queryset=Lead.objects.select_related("person")),
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related(
                    "report__meeting", "author", "corrects", "verdict__meeting"
                )
                .prefetch_related(documents_prefetch())
                .order_by("-as_at", "-id"),
                to_attr="update_list",
            ),
            "parts",
            "review__meetings",
        ),
        review__slug=slug,
        **label_lookup(label),
    )
    own_leads = list(recommendation.leads.all())
    parent = recommendation.parent
    recommendation.shown_leads = own_leads or (list(parent.leads.all()) if parent else [])
    return recommendation


@dataclass
class TargetChange:
    target: dt.date | None
    as_at: str
    reason: str
    is_original: bool


def target_date_history(recommendation: Recommendation) -> list[TargetChange]:
    """The original target date and each revision, with the reason given for it."""
    history: list[TargetChange] = []
    current = None
    for update in reversed(recommendation.update_list):  # oldest first
        if update.target_date == current or (current is None and update.target_date is None):
            continue
        history.append(
            TargetChange(
                update.target_date,
                update.as_at_display,
                update.target_date_change_reason,
                is_original=not history,
            )
        )
        current = update.target_date
    return history
