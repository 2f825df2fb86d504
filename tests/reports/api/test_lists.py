"""Filters as on /recommendations/, pagination, bad query strings (a 400 or 404, never a
500), and a number of queries that does not grow with the page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations import services
from recommendations.models import Review
from tests.conftest import Recorded
from tests.factories import make_review
from tests.publicdata import MARKER

pytestmark = pytest.mark.django_db


def _many() -> list[Review]:
    publisher = User.objects.create(username="many-publisher")
    reviews = []
    for slug in ["many-a", "many-b"]:
        review = make_review(slug=slug, recommendations=12, updates_each=2, leads_each=2)
        review.update_reports.update(is_final=True)
        services.review_publish(review=review, expected_version=review.version, user=publisher)
        reviews.append(review)
    return reviews


_MANY = Recorded(_many)


@pytest.fixture
def many(db) -> list[Review]:
    """Two published reviews of 12 recommendations, each with updates in a final report
    (built once per test process: 1.5 s of CPU each time, and most tests here ask for it)."""
    return _MANY()


def test_recommendations_filter_as_the_app_does(client, many):
    second = many[1]
    by_review = client.get("/api/v1/recommendations/", {"review": second.pk}).json()
    assert by_review["count"] == 12 and {r["review"] for r in by_review["results"]} == {"many-b"}
    by_authority = client.get(
        "/api/v1/recommendations/", {"authority": second.committee.authority_id}
    ).json()
    assert by_authority["count"] == 12
    assert client.get("/api/v1/recommendations/", {"decision": "agreed"}).json()["count"] == 24
    assert client.get("/api/v1/recommendations/", {"decision": "noted"}).json()["count"] == 0
    assert client.get("/api/v1/recommendations/", {"q": "text 11"}).json()["count"] == 2
    assert client.get("/api/v1/reviews/", {"status": "monitoring"}).json()["count"] == 2
    assert client.get("/api/v1/updates/", {"review": "many-a"}).json()["count"] == 24
    assert (
        client.get("/api/v1/committees/", {"authority": second.committee.authority.slug}).json()[
            "count"
        ]
        == 1
    )


def test_pages_are_numbered_and_bounded(client, many, monkeypatch):
    first = client.get("/api/v1/recommendations/").json()
    assert first["count"] == 24 and len(first["results"]) == 25 - 1
    page = client.get("/api/v1/recommendations/", {"page_size": 10, "page": 3}).json()
    assert len(page["results"]) == 4 and page["next"] is None and "page=2" in page["previous"]
    from reports.api.pagination import Pagination

    monkeypatch.setattr(Pagination, "max_page_size", 5)
    huge = client.get("/api/v1/recommendations/", {"page_size": 10**9}).json()
    assert len(huge["results"]) == 5


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/v1/recommendations/?page=999", 404),
        ("/api/v1/recommendations/?page=abc", 404),
        ("/api/v1/recommendations/?page=-1", 404),
        ("/api/v1/recommendations/?page_size=abc", 200),
        ("/api/v1/recommendations/?page_size=-5", 200),
        ("/api/v1/recommendations/?decision=bogus", 400),
        ("/api/v1/recommendations/?status=%00", 400),
        ("/api/v1/recommendations/?review=abc", 400),
        ("/api/v1/recommendations/?review=99999999999999999999999999", 400),
        ("/api/v1/recommendations/?overdue=maybe", 400),
        ("/api/v1/recommendations/?q=" + "x" * 600, 400),
        ("/api/v1/recommendations/?q=" + "+".join(["a"] * 40), 400),
        ("/api/v1/recommendations/?q=%22unclosed", 200),
        ("/api/v1/recommendations/?lead=1.5", 400),
        ("/api/v1/recommendations/?sort=-nothing&format=json", 200),
        ("/api/v1/recommendations/abc/", 404),
        ("/api/v1/recommendations/99999999999999999999/", 404),
        ("/api/v1/reviews/?committee=1.5", 400),
        ("/api/v1/reviews/?committee=99999999999999999999999", 400),
        ("/api/v1/reviews/no-such-review/", 404),
        ("/api/v1/reviews/%00/", 404),
        ("/api/v1/authorities/a%00b/", 404),
        ("/api/v1/reviews/?authority=%00", 400),
        ("/api/v1/updates/?recommendation=-1", 400),
        ("/api/v1/updates/?status=bogus", 400),
        ("/api/v1/reports/?is_final=maybe", 200),
        ("/api/v1/meetings/?review=%00", 400),
        ("/api/v1/meetings/?committee=x", 400),
        ("/api/v1/recommendations/?format=nonsense", 404),
    ],
)
def test_bad_query_strings_are_refused_never_a_500(client, many, url, status):
    response = client.get(url)
    assert response.status_code == status, response.content[:300]


ENDPOINTS = ["authorities", "committees", "reviews", "recommendations", "updates", "reports",
             "meetings"]  # fmt: skip


def _queries(client, url: str, page_size: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, response.json()["count"])
    return len(captured)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_queries_do_not_grow_with_the_page(client, many, name, django_assert_max_num_queries):
    """Anonymous: the count and the page, and for recommendations their leads, for meetings
    their reviews and reports (``reports.api.views``, per viewset)."""
    url = f"/api/v1/{name}/"
    one = _queries(client, url, 1)
    assert _queries(client, url, 100) == one
    with django_assert_max_num_queries(4):
        client.get(url, {"page_size": 100})


def test_a_members_recommendations_take_the_same_few_queries(client, member, many, world):
    from recommendations.models import ApiToken  # noqa: F401 (the token's lookup is one query)

    _, key = services.api_token_create(owner=member, name="q", user=member)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/recommendations/", {"page_size": 1}, **headers)
    with CaptureQueriesContext(connection) as hundred:
        response = client.get("/api/v1/recommendations/", {"page_size": 100}, **headers)
    # token, permissions (2), count, the page's ids, the page, leads
    assert len(one) == len(hundred) <= 7
    assert MARKER in response.content.decode().lower()
