"""The cross-review table and the API's list at national scale (issue 16): a page is read in a
few small queries, however many recommendations there are. Never by working out where every
recommendation stands only to put the open priorities first, nor by sorting every one by its
review's title, nor by joining every one to its review to count them."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations import services
from recommendations.models import (
    Authority,
    Committee,
    ProgressUpdate,
    Recommendation,
    Review,
)
from reports import selectors
from reports.filters import RecommendationFilter

pytestmark = pytest.mark.django_db


def _tracker(reviews: int, each: int) -> list[Review]:
    """``reviews`` published reviews of ``each`` recommendations, their titles in another
    order than their ids. Bulk-created: test data only (the app writes through services)."""
    authority = Authority.objects.create(name="Scale", slug="scale")
    committee = Committee.objects.create(authority=authority, name="Scrutiny", slug="scrutiny")
    created = Review.objects.bulk_create(
        Review(
            committee=committee,
            slug=f"scale-{number}",
            title=f"Review {(number * 7) % reviews:05}",
            published_at=timezone.now(),
        )
        for number in range(reviews)
    )
    Recommendation.objects.bulk_create(
        Recommendation(review=review, label=str(order), order=order, text="Do it.")
        for review in created
        for order in range(1, each + 1)
    )
    return created


def _prioritise(rec: Recommendation) -> None:
    services.recommendation_set_priority(
        recommendation=rec, is_priority=True, reason="Why", expected_version=rec.version, user=None
    )


def _ids(response) -> list[int]:
    return [row.record.pk for row in response.context["table"].paginated_rows]


def test_pages_list_open_priorities_first_then_by_review_across_page_breaks(member_client):
    _tracker(reviews=4, each=10)
    recs = list(Recommendation.objects.order_by("-id"))
    for rec in recs[:16]:
        _prioritise(rec)
    # Two of them implemented: priorities, but not open ones.
    for rec in recs[3:5]:
        ProgressUpdate.objects.create(
            recommendation=rec, as_at=dt.date(2024, 1, 1), text="Done.",
            status=ProgressUpdate.Status.IMPLEMENTED,
        )  # fmt: skip
    # The order as one query sorts every row: 14 open priorities, then the others by review.
    expected = list(selectors.recommendation_list().values_list("pk", flat=True))
    assert set(expected[:14]) == {rec.pk for rec in recs[:16]} - {rec.pk for rec in recs[3:5]}
    # Pages of 10: open priorities only; 4 of them and 6 others; and two pages past them.
    shown = [
        pk
        for page in (1, 2, 3, 4)
        for pk in _ids(member_client.get("/recommendations/", {"per_page": 10, "page": page}))
    ]
    assert shown == expected
    filtered = member_client.get("/recommendations/", {"per_page": 4, "page": 2, "review": ""})
    assert _ids(filtered) == expected[4:8]


def _order_by(sql: str) -> str:
    """The statement's own ORDER BY clause (not a subquery's)."""
    depth = 0
    for position, character in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and sql.startswith(" ORDER BY ", position):
            return sql[position:]
    return ""


def test_no_query_of_a_page_sorts_by_where_each_recommendation_stands(member_client):
    reviews = _tracker(reviews=3, each=5)
    _prioritise(reviews[0].recommendations.get(label="2"))
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get("/recommendations/", {"per_page": 3, "page": 2})
    assert response.status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    page_queries = [query for query in sql if "recommendations_recommendation" in query]
    # Ordered by review and position only: the latest status (a CASE over the updates) is
    # worked out in a filter, for the priorities alone (and for every row only to exclude
    # the few open ones, row by row as the index gives them).
    assert page_queries and not [query for query in page_queries if "CASE" in _order_by(query)]
    # Unfiltered, the count is of the recommendations alone, not joined to their reviews.
    # (Counted as far as the list's limit; the other count is of the open priorities.)
    (count,) = [query for query in sql if query.startswith("SELECT COUNT(*) FROM (SELECT")]
    assert "recommendations_recommendation" in count and "JOIN" not in count


def test_the_count_leaves_out_joins_only_when_no_row_is_filtered_or_repeated():
    _tracker(reviews=2, each=3)
    part_of = Recommendation.objects.get(review__slug="scale-0", label="1")
    Recommendation.objects.create(review=part_of.review, parent=part_of, label="1a", order=9)
    base = selectors.recommendation_list()
    for queryset in [
        base,
        RecommendationFilter({"review": part_of.review_id}, queryset=base).qs,
        RecommendationFilter({"status": "none"}, queryset=base).qs,
        base.annotate(part=F("parts__id")),  # repeats the parent, once per part
        base.distinct(),
    ]:
        assert selectors.row_count(queryset) == queryset.count()
        assert selectors.bounded_count(queryset, 3) == min(queryset.count(), 4)
        assert selectors.bounded_count(queryset, 100) == queryset.count()
    assert selectors.row_count(base) == 7


def _sorted_rows(sql: str) -> list[int]:
    """How many rows each plain Sort of the query's plan sorts, as PostgreSQL plans it."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found = []

    def walk(node: dict) -> None:
        if node["Node Type"] == "Sort":
            found.append(node["Plan Rows"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_postgresql_reads_a_page_in_order_from_indexes_without_sorting_every_row(
    client, member_client
):
    _tracker(reviews=300, each=12)  # 3,600 recommendations
    for rec in Recommendation.objects.filter(label="3")[:20]:
        _prioritise(rec)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE recommendations_review; ANALYZE recommendations_recommendation; "
            "ANALYZE recommendations_progressupdate"
        )
    pages = {
        "table": (member_client, "/recommendations/?page=2"),
        "table, one committee": (
            member_client,
            f"/recommendations/?committee={Committee.objects.get().pk}&page=3",
        ),
        "API": (member_client, "/api/v1/recommendations/?format=json&page=3"),
        "public API": (client, "/api/v1/recommendations/?format=json&page=3"),
    }
    for name, (reader, url) in pages.items():
        with CaptureQueriesContext(connection) as queries:
            assert reader.get(url).status_code == 200, name
        ordered = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].startswith("SELECT")
            and "recommendations_recommendation" in query["sql"]
            and re.search(r" LIMIT \d+", query["sql"])
        ]
        assert ordered, name
        for sql in ordered:
            # A Sort of the page's priorities or of one review's rows is fine; one of (nearly)
            # every recommendation is what made a page cost seconds at national scale.
            assert all(rows < 500 for rows in _sorted_rows(sql)), (name, sql[:300])


def _options(response) -> list[str]:
    form = response.context["filter"].form
    return [label for value, label in form.fields["review"].widget.choices if value != ""]


def test_the_review_choice_offers_the_reviews_reported_last_and_the_one_chosen(
    member_client, monkeypatch
):
    monkeypatch.setattr("reports.filters.REVIEWS_OFFERED", 3)
    reviews = _tracker(reviews=5, each=2)
    for number, review in enumerate(reviews):
        Review.objects.filter(pk=review.pk).update(reported_on=dt.date(2024, 1, 1 + number))
    other = Committee.objects.create(authority=reviews[0].committee.authority, name="Other")
    Review.objects.filter(pk=reviews[0].pk).update(committee=other)
    titles = {review.pk: review.title for review in Review.objects.all()}
    response = member_client.get("/recommendations/")
    # The three reported last, by title; the form says why the others are not there.
    assert _options(response) == sorted(titles[review.pk] for review in reviews[2:])
    body = response.content.decode()
    assert 'aria-describedby="id_review_hint"' in body
    assert '<p class="small muted" id="id_review_hint">The 3 reviews reported last.' in body
    # The one chosen is offered (and selected) even when older; its rows are listed.
    response = member_client.get("/recommendations/", {"review": reviews[0].pk})
    assert titles[reviews[0].pk] in _options(response)
    assert f'<option value="{reviews[0].pk}" selected>' in response.content.decode()
    assert response.context["table"].paginator.count == 2
    # A committee chosen: its reviews, all of them when they are few (no hint then).
    response = member_client.get("/recommendations/", {"committee": other.pk})
    assert _options(response) == [titles[reviews[0].pk]]
    assert "id_review_hint" not in response.content.decode()
    # Nonsense is the filter's to refuse, not a 500.
    assert (
        member_client.get("/recommendations/", {"review": "x", "committee": "²"}).status_code == 200
    )


def test_the_decision_filter_is_the_decision_key_said_on_the_response():
    from recommendations.models import Response

    reviews = _tracker(reviews=1, each=4)
    recs = list(reviews[0].recommendations.order_by("order"))
    for rec, decision in zip(recs, ["agreed", "awaiting", "not_agreed"], strict=False):
        Response.objects.create(recommendation=rec, decision=decision, text="")
    base = selectors.recommendation_list()
    for decision, _ in Response.Decision.choices:
        by_key = set(base.filter(decision_key=decision).values_list("pk", flat=True))
        filtered = RecommendationFilter({"decision": decision}, queryset=base).qs
        assert set(filtered.values_list("pk", flat=True)) == by_key
    # The fourth has no response: awaiting, as is the second's.
    awaiting = RecommendationFilter({"decision": "awaiting"}, queryset=base).qs
    assert {rec.label for rec in awaiting} == {recs[1].label, recs[3].label}
