"""Leads: what removing one leaves alone."""

from __future__ import annotations

from django.db.models import QuerySet

from recommendations.models import Lead


def other_leads(lead: Lead) -> QuerySet[Lead]:
    """The person's other roles on recommendations, which removing this one leaves alone."""
    return (
        Lead.objects.filter(person_id=lead.person_id)
        .exclude(pk=lead.pk)
        .select_related("recommendation__review")
        .order_by("recommendation__review__title", "recommendation__order", "recommendation__id")
    )
