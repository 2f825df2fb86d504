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


def test_the_index_is_two_queries_a_page_at_any_size(client):
    """The count and the page's reviews, with their counts and latest final report, however
    many reviews are published: 50 a page."""
    from recommendations.models import Review
    from reports.public.views import REVIEWS_PER_PAGE

    def publish(number: int) -> None:
        for _ in range(number):
            review = make_review(recommendations=2)
            review.published_at = timezone.now()
            review.save()

    publish(3)
    assert _queries(client, "/public/") == 2
    publish(REVIEWS_PER_PAGE)
    assert _queries(client, "/public/") == 2
    assert _queries(client, "/public/?page=2") == 2
    first = client.get("/public/").content.decode()
    second = client.get("/public/?page=2").content.decode()
    reviews = list(
        Review.objects.order_by("committee__authority__name", "committee__name", "title", "pk")
    )
    assert first.count('href="/public/reviews/') == REVIEWS_PER_PAGE
    assert f"/public/reviews/{reviews[-1].slug}/" in second
    assert f"/public/reviews/{reviews[0].slug}/" in first and reviews[0].slug not in second
    assert "Reviews 51 to 53 of 53" in second and 'href="?page=1"' in second
    assert "2 recommendations" in second
