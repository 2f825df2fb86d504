"""Publishing a review, and the rule of what of it is public: final update reports only."""

import datetime as dt

import pytest

from recommendations import publication, services
from recommendations.models import ProgressUpdate, Review, UpdateReport
from recommendations.services import EditConflict
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def review() -> Review:
    """Three recommendations; their updates are in a report that is final once published."""
    review = make_review(slug="pub", recommendations=3)
    review.update_reports.update(is_final=True)
    return review


def _publish(review: Review, officer) -> Review:
    return services.review_publish(review=review, expected_version=review.version, user=officer)


def test_publishing_is_recorded_with_who_and_when_and_unpublishing_takes_it_down(review, officer):
    assert not review.is_published
    _publish(review, officer)
    review.refresh_from_db()
    assert review.is_published and review.published_by == officer
    assert list(publication.published_reviews()) == [review]

    services.review_unpublish(review=review, expected_version=review.version, user=officer)
    review.refresh_from_db()
    assert not review.is_published and review.published_by is None
    assert not publication.published_reviews().exists()
    assert not publication.public_updates().exists()
    # The history keeps that it was published.
    assert any(row.published_at for row in review.history.all())


def test_publishing_a_review_changed_meanwhile_is_refused(review, officer):
    stale = Review.objects.get(pk=review.pk)
    services.review_update(review=review, expected_version=review.version, user=officer)
    with pytest.raises(EditConflict):
        _publish(stale, officer)
    assert not Review.objects.get(pk=review.pk).is_published


def test_only_final_reports_of_published_reviews_are_public(review, officer):
    other = make_review(slug="unpublished", recommendations=2)
    other.update_reports.update(is_final=True)
    _publish(review, officer)
    draft = UpdateReport.objects.create(
        review=review, title="Draft round", as_at=dt.date(2024, 1, 1)
    )
    recommendation = review.recommendations.first()
    in_draft = ProgressUpdate.objects.create(
        recommendation=recommendation, report=draft, as_at=dt.date(2024, 1, 1), text="Draft"
    )
    in_no_report = ProgressUpdate.objects.create(
        recommendation=recommendation, as_at=dt.date(2024, 2, 1), text="Working entry"
    )

    public = set(publication.public_updates())
    assert public == set(
        ProgressUpdate.objects.filter(report__in=review.update_reports.filter(is_final=True))
    )
    assert in_draft not in public and in_no_report not in public
    assert not public & set(ProgressUpdate.objects.filter(recommendation__review=other))
    assert set(publication.public_reports()) == set(review.update_reports.filter(is_final=True))
    assert set(publication.public_recommendations()) == set(review.recommendations.all())
    assert set(publication.public_responses()) == {r.response for r in review.recommendations.all()}


def test_officers_may_publish_and_no_one_else(officer, clerk, member):
    assert officer.has_perm("recommendations.publish_review")
    assert not clerk.has_perm("recommendations.publish_review")
    assert not member.has_perm("recommendations.publish_review")
