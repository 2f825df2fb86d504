"""The public pages take a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_review

pytestmark = pytest.mark.django_db


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["", "appendix/"])
def test_one_recommendation_or_many_cost_the_same(client, page):
    counts = []
    for size in (1, 6):
        review = make_review(recommendations=size, updates_each=2, leads_each=2)
        review.update_reports.update(is_final=True)
        review.published_at = timezone.now()
        review.save()
        counts.append(_queries(client, f"/public/reviews/{review.slug}/{page}"))
    assert counts[0] == counts[1]
    # The review page: the review; its recommendations; their leads; their public updates;
    # its final reports; its meetings (without meetings, none asks which have public packs).
    if page == "":
        assert counts[0] == 6


def test_the_index_is_one_query(client):
    for _ in range(3):
        review = make_review()
        review.published_at = timezone.now()
        review.save()
    assert _queries(client, "/public/") == 1
