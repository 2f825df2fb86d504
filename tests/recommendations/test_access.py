"""recommendations.access: the one place that checks a role and fetches an object for a user."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from recommendations import access
from tests.factories import make_review

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_it_refuses_a_user_without_the_permission_before_looking_the_object_up(member):
    # 403, not 404, for a review that does not exist: a missing permission reveals nothing.
    with pytest.raises(PermissionDenied):
        access.review_for(_request(member), "no-such-review", permission="change_review")


def test_it_answers_404_for_a_missing_object_when_the_user_has_the_permission(officer):
    with pytest.raises(Http404):
        access.recommendation_for(
            _request(officer), "no-such-review", "1", permission="change_recommendation"
        )


def test_it_fetches_the_object_with_what_the_caller_needs(officer, django_assert_num_queries):
    make_review(slug="r", recommendations=1)
    request = _request(officer)
    access.require(request, "change_recommendation")  # loads the user's permissions once
    with django_assert_num_queries(1):  # the recommendation, its review and its parent
        recommendation = access.recommendation_for(
            request, "r", "1", permission="change_recommendation"
        )
        assert recommendation.review.slug == "r"


def test_it_accepts_full_permission_names_and_several_at_once(clerk, member):
    access.require(_request(clerk), "recommendations.export_review", "view_review")
    with pytest.raises(PermissionDenied):
        access.require(_request(member), "recommendations.export_review")
    with pytest.raises(PermissionDenied):
        access.require(_request(clerk), "export_review", "change_review")


def test_reading_needs_no_permission_beyond_signing_in(outsider):
    review = make_review(slug="r", recommendations=1)
    report = review.update_reports.first()
    assert access.report_for(_request(outsider), "r", report.pk, permission=None) == report
