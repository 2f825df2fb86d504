"""When the executive's responses are due (issue 12): each authority's rule, in days or months,
set by scrutiny officers, read by the one deadline function every page uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from recommendations import services
from recommendations.models import Authority, Response, Review
from recommendations.monitoring import due_after, response_deadline
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        (dt.date(2024, 1, 15), 2, "months", dt.date(2024, 3, 15)),
        (dt.date(2024, 1, 15), 28, "days", dt.date(2024, 2, 12)),
        # A month on from the 31st is the last day of a shorter month, leap years included.
        (dt.date(2023, 1, 31), 1, "months", dt.date(2023, 2, 28)),
        (dt.date(2024, 1, 31), 1, "months", dt.date(2024, 2, 29)),
        (dt.date(2023, 12, 31), 2, "months", dt.date(2024, 2, 29)),
        (dt.date(2024, 1, 31), 28, "days", dt.date(2024, 2, 28)),
        (dt.date(2024, 12, 20), 28, "days", dt.date(2025, 1, 17)),
    ],
)
def test_due_after_counts_days_and_months(start, amount, unit, due):
    assert due_after(start, amount, unit) == due


@pytest.fixture
def review() -> Review:
    review = make_review(slug="r", recommendations=2)
    review.reported_on = dt.date(2024, 1, 31)
    review.save()
    return Review.objects.select_related("committee__authority").get(pk=review.pk)


def test_a_new_authority_gives_two_months(review):
    assert review.committee.authority.response_due_display == "2 months"
    assert response_deadline(review) == dt.date(2024, 3, 31)


def test_the_deadline_follows_the_authoritys_rule(review):
    authority = review.committee.authority
    authority.response_due_amount, authority.response_due_unit = 28, "days"
    services.authority_update(authority=authority, expected_version=1, user=None)
    review = Review.objects.select_related("committee__authority").get(pk=review.pk)
    assert response_deadline(review) == dt.date(2024, 2, 28)
    assert authority.response_due_display == "28 days"


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (0, "days", "Enter a number of days from 1 to 366."),
        (367, "days", "Enter a number of days from 1 to 366."),
        (25, "months", "Enter a number of months from 1 to 24."),
    ],
)
def test_a_rule_out_of_bounds_is_refused(review, amount, unit, message):
    authority = review.committee.authority
    authority.response_due_amount, authority.response_due_unit = amount, unit
    with pytest.raises(ValidationError) as raised:
        services.authority_update(authority=authority, expected_version=1, user=None)
    assert message in raised.value.message_dict["response_due_amount"]


def _awaiting(review: Review, reported_days_ago: int) -> None:
    review.reported_on = timezone.localdate() - dt.timedelta(days=reported_days_ago)
    review.status = Review.Status.AWAITING_RESPONSE
    review.save()
    for response in Response.objects.filter(recommendation__review=review):
        response.decision = Response.Decision.AWAITING
        response.save()


def test_an_officer_sets_the_rule_and_the_dashboard_follows_at_once(officer_client, member, review):
    """Reported 40 days ago: not overdue under two months, overdue under 28 days. The
    dashboard is cached; changing the rule must make the next view count afresh."""
    member_client = Client()
    member_client.force_login(member)
    _awaiting(review, 40)
    assert not member_client.get("/").context["dashboard"].responses_overdue
    authority = review.committee.authority
    url = f"/authorities/{authority.slug}/settings/"
    page = officer_client.get(url).content.decode()
    assert 'value="2"' in page and "Days or months?" in page
    response = officer_client.post(
        url,
        {"name": authority.name, "response_due_amount": "28", "response_due_unit": "days",
         "version": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    [late] = member_client.get("/").context["dashboard"].responses_overdue
    assert late.review == review
    assert late.response_due == timezone.localdate() - dt.timedelta(days=12)
    assert "28 days after a review reports" in officer_client.get("/authorities/").content.decode()


def test_the_settings_form_refuses_bad_rules_and_stale_versions(officer_client, review):
    authority = review.committee.authority
    url = f"/authorities/{authority.slug}/settings/"
    data = {"name": authority.name, "response_due_unit": "months", "version": "1"}
    for amount, message in [("25", "from 1 to 24"), ("", "Enter how many"), ("x", "whole number")]:
        response = officer_client.post(url, {**data, "response_due_amount": amount})
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors["response_due_amount"])
    authority.response_due_amount = 3
    services.authority_update(authority=authority, expected_version=1, user=None)
    response = officer_client.post(url, {**data, "response_due_amount": "1"})
    assert response.status_code == 200 and response.context["form"].had_conflict
    assert Authority.objects.get(pk=authority.pk).response_due_amount == 3


def test_the_review_page_says_which_rule_set_the_deadline(member_client, review):
    body = member_client.get("/reviews/r/").content.decode()
    assert "31 March 2024" in body and "2 months after it reported" in body


def test_members_and_clerks_cannot_change_the_rule(client, member, clerk, review):
    authority = review.committee.authority
    for user in [member, clerk]:
        client.force_login(user)
        url = f"/authorities/{authority.slug}/settings/"
        assert client.get(url).status_code == 403
        data = {"name": "X", "response_due_amount": "1", "response_due_unit": "days"}
        assert client.post(url, {**data, "version": "1"}).status_code == 403
    assert Authority.objects.get(pk=authority.pk).response_due_amount == 2
