"""An officer's priority flag and its reason are not the committee's papers: the public pages
never show them, and the API gives them only to a client that reads unpublished data."""

from __future__ import annotations

import pytest
from django.utils import timezone

from recommendations import services
from tests.factories import make_review

pytestmark = pytest.mark.django_db


def test_the_priority_flag_and_reason_are_not_public(client, member):
    review = make_review(slug="flagged", recommendations=1)
    review.published_at = timezone.now()
    review.save()
    recommendation = review.recommendations.get()
    recommendation.is_priority = True
    recommendation.priority_reason = "Officers' private reasoning"
    recommendation.save()
    url = f"/api/v1/recommendations/{recommendation.pk}/"

    public = client.get(url)
    assert public.status_code == 200
    assert public.json()["is_priority"] is None and public.json()["priority_reason"] is None
    listed = client.get("/api/v1/recommendations/").json()["results"][0]
    assert listed["is_priority"] is None and "private reasoning" not in str(listed)

    _, key = services.api_token_create(owner=member, name="flags", user=member)
    mine = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert mine["is_priority"] is True and mine["priority_reason"] == "Officers' private reasoning"
