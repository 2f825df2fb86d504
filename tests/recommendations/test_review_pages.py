import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations import selectors
from recommendations.models import (
    Lead,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
)
from tests.factories import make_review

pytestmark = pytest.mark.django_db

HACKNEY = "/reviews/hackney-school-exclusions/"


@pytest.mark.parametrize(
    "path",
    ["/", "/reviews/", HACKNEY, HACKNEY + "recommendations/1/", "/admin/"],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, demo_data, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(("/accounts/login/", "/admin/login/"))


def test_login_page_is_public_and_signs_in(client, member):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/",
        {"username": member.username, "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302


def test_review_list_shows_each_review_with_its_recommendation_count(member_client, demo_data):
    response = member_client.get("/reviews/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Working Together to Reduce Permanent Exclusions in Schools" in body
    assert "People Scrutiny Review of School Exclusions" in body
    reviews = {review.slug: review.recommendation_count for review in response.context["reviews"]}
    assert reviews["buckinghamshire-permanent-exclusions"] == 8  # parts are not counted twice
    assert reviews["east-sussex-school-exclusions"] == 12


def test_review_page_shows_every_recommendation_with_response_leads_and_latest_update(
    member_client, demo_data
):
    response = member_client.get("/reviews/buckinghamshire-permanent-exclusions/")
    assert response.status_code == 200
    body = response.content.decode()
    for label in ["1", "2", "2a", "2b", "3", "3a", "3b", "4", "5", "5a", "5b", "6", "7", "8"]:
        assert f">Recommendation {label}</a>" in body
    assert "Cabinet is unable to support this recommendation." in body
    assert "Not agreed" in body
    assert "Katherine Wells" in body and "Senior responsible officer" in body
    assert "Latest update, as at March 2019" in body
    assert "Three Behaviour training sessions were offered to the Primary sector." in body
    assert "<li>Managing low level disruption in the classroom</li>" in body  # Markdown list


def test_review_page_shows_timescales(member_client, demo_data):
    body = member_client.get("/reviews/east-sussex-school-exclusions/").content.decode()
    assert "Ongoing (termly)<br>January-March 2025" in body  # one per line, as printed
    assert body.count("Latest update, as at February 2025") == 12


def test_review_page_shows_only_the_latest_update(member_client, demo_data):
    recommendation = Recommendation.objects.get(
        review__slug="east-sussex-school-exclusions", label="R7"
    )
    ProgressUpdate.objects.create(
        recommendation=recommendation,
        as_at="2025-06-30",
        text="Panels now run every half term.",
        status=ProgressUpdate.Status.IMPLEMENTED,
        timescale="Half-termly",
    )
    body = member_client.get("/reviews/east-sussex-school-exclusions/").content.decode()
    assert "Panels now run every half term." in body
    assert "The Reintegration Panels have been in place since" not in body


def test_recommendation_page_lists_all_updates_newest_first(member_client, demo_data):
    recommendation = Recommendation.objects.get(
        review__slug="east-sussex-school-exclusions", label="R7"
    )
    ProgressUpdate.objects.create(
        recommendation=recommendation, as_at="2025-06-30", text="Newer update text."
    )
    response = member_client.get("/reviews/east-sussex-school-exclusions/recommendations/R7/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Newer update text.") < body.index("The Reintegration Panels have been")
    assert "As at 30 June 2025" in body and "As at February 2025" in body


def test_a_part_shows_its_parents_text_and_leads(member_client, demo_data):
    response = member_client.get(
        "/reviews/buckinghamshire-permanent-exclusions/recommendations/2b/"
    )
    body = response.content.decode()
    assert "Part of recommendation 2" in body
    assert "Viv Trundell" in body


@pytest.mark.parametrize(
    "path",
    [
        "/reviews/no-such-review/",
        "/reviews/hackney-school-exclusions/recommendations/99/",
        "/reviews/no-such-review/recommendations/1/",
    ],
)
def test_unknown_reviews_and_labels_are_404(member_client, demo_data, path):
    assert member_client.get(path).status_code == 404


def test_user_text_is_escaped_or_sanitised(member_client):
    review = make_review(title="<b>Bold</b> review", recommendations=1)
    recommendation = review.recommendations.get()
    recommendation.text = "Watch <script>alert('x')</script> this [link](javascript:alert(1))"
    recommendation.save()
    body = member_client.get(review.get_absolute_url()).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; review" in body
    assert "<script>alert" not in body
    assert "javascript:" not in body


def _count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_review_page_uses_a_constant_number_of_queries(member_client):
    make_review(slug="small", recommendations=2, updates_each=2, leads_each=2)
    make_review(slug="large", recommendations=60, updates_each=3, leads_each=2)
    # Both pages: session, user, review (with committee, authority and its two leads), its
    # document versions, update reports, meetings and supporting documents; recommendations
    # with responses; their
    # leads with people; their latest updates with report and author; the user's own and
    # group permissions (which edit links to show); then the session's refreshed expiry
    # (savepoint, update, release).
    assert _count_queries(member_client, "/reviews/small/") == _count_queries(
        member_client, "/reviews/large/"
    )
    assert _count_queries(member_client, "/reviews/large/") == 15


def test_review_list_uses_a_constant_number_of_queries(member_client):
    make_review(slug="one", recommendations=3)
    few = _count_queries(member_client, "/reviews/")
    for n in range(8):
        make_review(slug=f"more-{n}", recommendations=3)
    assert _count_queries(member_client, "/reviews/") == few


def test_recommendation_page_uses_a_constant_number_of_queries(member_client):
    review = make_review(slug="q", recommendations=2, updates_each=1, leads_each=1)
    few = _count_queries(member_client, "/reviews/q/recommendations/1/")
    recommendation = review.recommendations.get(label="1")
    person = Person.objects.create(name="Extra Lead")
    Lead.objects.create(recommendation=recommendation, person=person, order=9)
    for day in range(1, 20):
        ProgressUpdate.objects.create(
            recommendation=recommendation, as_at=f"2024-01-{day:02d}", text=f"Update {day}"
        )
    assert _count_queries(member_client, "/reviews/q/recommendations/1/") == few
    assert Response.objects.filter(recommendation=recommendation).exists()


def test_the_review_list_is_read_in_the_order_of_an_index():
    # Without it PostgreSQL sorts every review for a page of 50 (9 ms of a 20 ms page at
    # 10,000 reviews, bench/pages.py): a change to the list's order must change the index too.
    index = next(index for index in Review._meta.indexes if index.name == "review_list_order")
    order = ["id" if field == "pk" else field for field in selectors.review_list().query.order_by]
    assert list(index.fields) == order


def test_the_review_list_is_paginated(member_client):
    for n in range(55):
        make_review(slug=f"paged-{n:02d}", recommendations=0)
    first = member_client.get("/reviews/")
    assert len(first.context["reviews"]) == 50
    assert "Reviews 1 to 50 of 55" in first.content.decode()
    second = member_client.get("/reviews/?page=2")
    assert len(second.context["reviews"]) == 5
    # Junk or out-of-range pages show a real page rather than an error.
    assert member_client.get("/reviews/?page=junk").status_code == 200
    assert len(member_client.get("/reviews/?page=99").context["reviews"]) == 5
