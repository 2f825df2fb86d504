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


def test_an_overdue_label_set_by_hand_is_not_public(client, member):
    """The public's "overdue" is worked out from the final reports' updates alone."""
    review = make_review(slug="labelled", recommendations=1)
    review.update_reports.update(is_final=True)
    review.published_at = timezone.now()
    review.save()
    recommendation = review.recommendations.get()
    recommendation.overdue_override = "overdue"
    recommendation.overdue_override_reason = "Officers' judgement"
    recommendation.save()
    url = f"/api/v1/recommendations/{recommendation.pk}/"
    assert client.get(url).json()["is_overdue"] is False
    assert client.get("/api/v1/recommendations/", {"overdue": "true"}).json()["count"] == 0

    _, key = services.api_token_create(owner=member, name="labels", user=member)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").json()["is_overdue"] is True


def test_filtering_by_priority_needs_a_key(client, member):
    review = make_review(slug="filtered", recommendations=2)
    review.published_at = timezone.now()
    review.save()
    flagged = review.recommendations.get(label="1")
    flagged.is_priority = True
    flagged.priority_reason = "Because"
    flagged.save()
    for value in ("yes", "open"):
        refused = client.get("/api/v1/recommendations/", {"priority": value})
        assert refused.status_code == 400 and "priority" in refused.json()
    assert client.get("/api/v1/recommendations/", {"priority": ""}).json()["count"] == 2

    _, key = services.api_token_create(owner=member, name="filter", user=member)
    mine = client.get(
        "/api/v1/recommendations/", {"priority": "yes"}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert [row["id"] for row in mine.json()["results"]] == [flagged.pk]
