"""The officers' "Publish…" page: what becomes public and what stays private, the only form
that publishes or unpublishes (at the version it showed), officers only."""

from __future__ import annotations

import datetime as dt

import pytest

from recommendations.models import ProgressUpdate, Review, UpdateReport
from tests.factories import make_review

pytestmark = pytest.mark.django_db

URL = "/reviews/pub/publication/"


@pytest.fixture
def review() -> Review:
    """Three recommendations with an update each in a final report; a draft round with one."""
    review = make_review(slug="pub", recommendations=3)
    review.update_reports.update(is_final=True)
    draft = UpdateReport.objects.create(review=review, title="Draft", as_at=dt.date(2024, 1, 1))
    ProgressUpdate.objects.create(
        recommendation=review.recommendations.first(), report=draft,
        as_at=dt.date(2024, 1, 1), text="Draft",
    )  # fmt: skip
    return review


def test_the_page_says_what_becomes_public_and_what_stays_private(officer_client, review):
    page = officer_client.get(URL).content.decode()
    assert "Not published" in page
    assert "1 final update report, with the 3 progress updates" in page
    assert "1 draft update report and 1 progress update not in a final report" in page
    assert 'name="action" value="publish"' in page
    assert f'name="version" value="{review.version}"' in page
    assert not Review.objects.get(pk=review.pk).is_published  # a GET changes nothing


def test_publishing_and_unpublishing_through_the_page(officer_client, officer, review):
    response = officer_client.post(URL, {"action": "publish", "version": review.version})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_published and review.published_by == officer
    detail = officer_client.get("/reviews/pub/").content.decode()
    assert f"Published on {review.published_at:%-d %B %Y} by {officer.username}" in detail
    assert 'href="/public/reviews/pub/"' in detail and "Unpublish…" in detail
    assert "Yes, unpublish it" in officer_client.get(URL).content.decode()

    officer_client.post(URL, {"action": "unpublish", "version": review.version})
    review.refresh_from_db()
    assert not review.is_published
    assert "Not published" in officer_client.get("/reviews/pub/").content.decode()


def test_a_page_opened_before_someone_else_published_does_nothing(officer_client, review):
    stale_version = review.version
    officer_client.post(URL, {"action": "publish", "version": stale_version})
    # The first page, still open, says "publish": sent again, it neither unpublishes nor
    # publishes again.
    response = officer_client.post(URL, {"action": "publish", "version": stale_version})
    assert response.status_code == 200
    assert "Someone else has just published this review" in response.content.decode()
    # A stale version with the right action is a conflict, and changes nothing either.
    response = officer_client.post(URL, {"action": "unpublish", "version": stale_version})
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).is_published


@pytest.mark.parametrize(
    "data",
    [{}, {"action": "publish"}, {"action": "x", "version": "1"}, {"version": "abc"}],
)
def test_a_post_without_the_page_s_form_publishes_nothing(officer_client, review, data):
    response = officer_client.post(URL, data)
    assert response.status_code == 200
    assert not Review.objects.get(pk=review.pk).is_published


@pytest.mark.parametrize("role", ["member", "clerk"])
def test_only_officers_may_publish(client, review, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "publish", "version": review.version}).status_code == 403
    assert not Review.objects.get(pk=review.pk).is_published
    page = client.get("/reviews/pub/").content.decode()
    assert "Not published" in page and "/publication/" not in page
