"""Marking a recommendation as a priority: with a reason, versioned, kept in the history."""

import pytest
from django.core.exceptions import ValidationError

from recommendations import services
from recommendations.services import EditConflict
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def recommendation():
    return make_review(slug="p", recommendations=1).recommendations.get()


def _set(recommendation, officer, is_priority, reason, version=None):
    return services.recommendation_set_priority(
        recommendation=recommendation,
        is_priority=is_priority,
        reason=reason,
        expected_version=recommendation.version if version is None else version,
        user=officer,
    )


def test_a_priority_is_marked_with_its_reason_and_unmarked(recommendation, officer):
    _set(recommendation, officer, True, "Affects every school")
    recommendation.refresh_from_db()
    assert recommendation.is_priority and recommendation.priority_reason == "Affects every school"
    _set(recommendation, officer, False, "ignored when unmarking")
    recommendation.refresh_from_db()
    assert not recommendation.is_priority and recommendation.priority_reason == ""
    reasons = [row.priority_reason for row in recommendation.history.order_by("history_date")]
    assert "Affects every school" in reasons


@pytest.mark.parametrize("reason", ["", "   ", "\\n\\t"])
def test_a_priority_without_a_reason_is_refused(recommendation, officer, reason):
    with pytest.raises(ValidationError) as refused:
        _set(recommendation, officer, True, reason.encode().decode("unicode_escape"))
    assert "priority_reason" in refused.value.message_dict
    recommendation.refresh_from_db()
    assert not recommendation.is_priority


def test_marking_a_recommendation_changed_meanwhile_is_refused(recommendation, officer):
    _set(recommendation, officer, True, "First")
    with pytest.raises(EditConflict):
        _set(recommendation, officer, False, "", version=1)
