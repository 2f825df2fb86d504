"""The API's search reads its first matches only, as the app's list does: the same results
and counts as the whole search where there are no more matches than the limit, a capped
``count`` with ``more_matches`` beyond it, and one bounded read of the documents whatever
the number of matches. The signed-out count, made without the join to reviews, is the same
number."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from recommendations import services
from recommendations.models import Recommendation, Review
from reports.api.filters import ApiRecommendationFilter
from reports.api.views import RecommendationViewSet
from tests.reports.conftest import make_big_review

pytestmark = pytest.mark.django_db

URL = "/api/v1/recommendations/"
PAGE = 20


def _publish(review: Review, user) -> None:
    services.review_publish(review=review, expected_version=review.version, user=user)


@pytest.fixture
def seeds(demo_data, officer) -> list[Review]:
    """The seed reviews, the first two published (the third is not: the public reads less)."""
    reviews = list(Review.objects.order_by("pk"))
    for review in reviews[:2]:
        _publish(review, officer)
    return reviews


def _whole_search(params: dict, user) -> list[int]:
    """The ids the API listed before its search was bounded: every match of the filter, in
    the list's order (best ranked first on PostgreSQL)."""
    request = RequestFactory().get(URL, params)
    request.user = user
    view = RecommendationViewSet(request=request, format_kwarg=None)
    filterset = ApiRecommendationFilter(params, view.get_queryset(), request=request)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.prefetch_related(None).values_list("pk", flat=True))


def _walk(client, params: dict) -> tuple[list[int], list[dict]]:
    """Every page, by following ``next``: the ids listed and each page's answer."""
    pages = [client.get(URL, {**params, "page_size": PAGE}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    return [row["id"] for page in pages for row in page["results"]], pages


QUERIES = [
    {"q": "school"},
    {"q": "exclusion"},
    {"q": '"school exclusions"'},
    {"q": "pupils -school"},
    {"q": "training or parents"},
    {"q": "zzznotthere"},
    {"q": "school", "decision": "agreed"},
    {"q": "guidance -training", "closed": "hide"},
]


@pytest.mark.parametrize("signed_in", [True, False], ids=["member", "public"])
def test_a_search_lists_and_counts_what_the_whole_search_did(client, seeds, member, signed_in):
    if signed_in:
        client.force_login(member)
    reader = member if signed_in else _anonymous()
    found_some = 0
    for params in QUERIES:
        expected = _whole_search(params, reader)
        listed, pages = _walk(client, params)
        assert listed == expected, params
        assert all(page["count"] == len(expected) for page in pages), params
        assert not any(page["more_matches"] for page in pages)
        found_some += len(expected) > PAGE  # more than one page
    assert found_some >= 2
    # With a review chosen too (its id), and for the public one it cannot read: a 400.
    params = {"q": "school", "review": seeds[0].pk}
    assert _walk(client, params)[0] == _whole_search(params, reader)
    unpublished = client.get(URL, {"q": "school", "review": seeds[2].pk})
    assert unpublished.status_code == (200 if signed_in else 400)


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_the_signed_out_count_is_of_the_published_recommendations(client, seeds):
    published = Recommendation.objects.filter(review__published_at__isnull=False).count()
    assert 0 < published < Recommendation.objects.count()
    first = client.get(URL).json()
    assert first["count"] == published and first["more_matches"] is False
    listed, _ = _walk(client, {})
    assert len(listed) == len(set(listed)) == published
    # Counted as all of them less those of unpublished reviews: no recommendation is joined
    # to its review only to be counted (175,000 of them at national scale).
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    counting = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counting) == 1 and '"published_at" IS NULL' in counting[0]
    assert "IS NOT NULL" not in counting[0]


def test_a_search_beyond_the_limit_counts_to_it_and_says_more_match(client, member, monkeypatch):
    monkeypatch.setattr("reports.api.views.SEARCH_COUNT_LIMIT", 5)
    review = make_big_review(12)
    for rec in review.recommendations.filter(label__in=["2", "11"]):
        rec.text = "Do thing promptly for otters."
        services.recommendation_update(recommendation=rec, expected_version=rec.version, user=None)
    client.force_login(member)
    labels = {rec.pk: rec.label for rec in review.recommendations.all()}
    shown = [labels[pk] for pk in _walk(client, {"q": "thing"})[0]]
    answer = client.get(URL, {"q": "thing", "page_size": 2}).json()
    assert answer["count"] == 5 and answer["more_matches"] is True
    # The five added last, pages followed by their links; ranked on PostgreSQL (the otters'
    # text says "thing" once, the others' twice with their updates), else in the list's order.
    assert sorted(shown, key=int) == ["8", "9", "10", "11", "12"]
    if connection.vendor == "sqlite":
        assert shown == ["8", "9", "10", "11", "12"]
    last = client.get(answer["next"]).json()
    assert client.get(last["next"]).json()["next"] is None
    # Filtered further, the first found; a rare word, every match and no "more".
    agreed = client.get(URL, {"q": "thing", "decision": "agreed"}).json()
    assert agreed["count"] == 5 and agreed["more_matches"] is True
    otters = client.get(URL, {"q": "otters"}).json()
    assert otters["count"] == 2 and otters["more_matches"] is False
    assert client.get(URL, {"q": "thing", "page": 4, "page_size": 2}).status_code == 404


def _search_queries(client, params: dict) -> list[str]:
    client.get(URL, params)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return [captured["sql"] for captured in queries.captured_queries]


@pytest.mark.parametrize("signed_in", [True, False], ids=["member", "public"])
def test_a_search_reads_its_documents_once_as_far_as_the_limit(
    client, monkeypatch, officer, member, signed_in
):
    # A page's cost must not grow with the matches: the documents are read by one query,
    # stopped at the limit (ids and ranks); the page's order and rows are read by their ids.
    monkeypatch.setattr("reports.api.views.SEARCH_COUNT_LIMIT", 5)
    if signed_in:
        client.force_login(member)
    queries = [{"q": "thing"}, {"q": "thing", "decision": "agreed", "page": 2, "page_size": 2}]
    counts = []
    for size, slug in [(12, "first"), (40, "more")]:
        _publish(make_big_review(size, slug=slug), officer)
        for params in queries:
            captured = _search_queries(client, params)
            reading = [sql for sql in captured if "recommendationsearch" in sql]
            assert len(reading) == 1 and reading[0].endswith("LIMIT 6"), reading
            counts.append(len(captured))
    assert counts[:2] == counts[2:]
