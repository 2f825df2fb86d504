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


# --- The officers' pages ------------------------------------------------------------------

REC = "/reviews/p/recommendations/1/"
MARK = REC + "priority/"
REMOVE = REC + "priority/remove/"


def test_an_officer_marks_it_from_its_page_and_it_shows_with_the_reason(
    officer_client, officer, recommendation
):
    body = officer_client.get(REC).content.decode()
    assert f'href="{MARK}"' in body and "Mark as priority" in body
    assert "tag--priority" not in body and REMOVE not in body

    page = officer_client.get(MARK)
    assert page.status_code == 200 and "Mark as a priority" in page.content.decode()
    response = officer_client.post(
        MARK, {"priority_reason": "Affects *every* school <script>x</script>", "version": 1}
    )
    assert response.status_code == 302 and response["Location"] == REC
    recommendation.refresh_from_db()
    assert recommendation.is_priority and recommendation.version == 2
    assert recommendation.history.latest().history_user == officer

    body = officer_client.get(REC).content.decode()
    assert '<span class="tag tag--priority">Priority</span>' in body
    assert "A priority recommendation" in body and "<em>every</em>" in body
    assert "<script>x" not in body
    assert f'href="{REMOVE}"' in body and "Remove priority" in body
    assert "Change the priority reason" in body and "Mark as priority" not in body
    # The change history says so, with the reason.
    assert "Marked as a priority" in body


def test_a_reason_is_required_and_the_refusal_is_on_the_form(officer_client, recommendation):
    response = officer_client.post(MARK, {"priority_reason": "   ", "version": 1})
    assert response.status_code == 200
    assert response.context["form"].errors["priority_reason"] == ["Enter why it is a priority."]
    assert "Enter why it is a priority." in response.content.decode()
    recommendation.refresh_from_db()
    assert not recommendation.is_priority and recommendation.version == 1


def test_a_stale_form_is_a_conflict_that_keeps_what_was_typed(
    officer_client, officer, recommendation
):
    _set(recommendation, officer, True, "Their reason")
    response = officer_client.post(MARK, {"priority_reason": "My reason", "version": 1})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The version saved by someone else" in body and "Their reason" in body
    assert "My reason" in body
    recommendation.refresh_from_db()
    assert recommendation.priority_reason == "Their reason"
    # Saving again, having read theirs, replaces it deliberately.
    assert str(response.context["form"]["version"].value()) == "2"
    again = officer_client.post(MARK, {"priority_reason": "My reason", "version": 2})
    assert again.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.priority_reason == "My reason"


def test_a_bad_version_is_an_error_on_the_form_not_a_500(officer_client, recommendation):
    for version in ["", "x", "0", "99999999999999999999"]:
        response = officer_client.post(MARK, {"priority_reason": "Why", "version": version})
        assert response.status_code == 200, version
    recommendation.refresh_from_db()
    assert not recommendation.is_priority


def test_an_officer_removes_it_and_the_reason_stays_in_the_history(
    officer_client, officer, recommendation
):
    _set(recommendation, officer, True, "Affects every school")
    page = officer_client.get(REMOVE)
    assert page.status_code == 200 and "Affects every school" in page.content.decode()
    response = officer_client.post(REMOVE, {"version": 2})
    assert response.status_code == 302 and response["Location"] == REC
    recommendation.refresh_from_db()
    assert not recommendation.is_priority and recommendation.priority_reason == ""
    body = officer_client.get(REC).content.decode()
    assert "tag--priority" not in body and "Priority removed" in body
    assert "Marked as a priority" in body  # the earlier entry, with its reason
    assert "Affects every school" in body
    # A stale removal (or a second tab) changes nothing.
    assert officer_client.get(REMOVE).status_code == 302


def test_removing_a_priority_changed_meanwhile_is_refused(officer_client, officer, recommendation):
    _set(recommendation, officer, True, "First")
    _set(recommendation, officer, True, "Second")
    response = officer_client.post(REMOVE, {"version": 2})
    assert response.status_code == 200 and "Second" in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.is_priority


@pytest.mark.parametrize("who", ["member", "clerk"])
def test_members_and_clerks_cannot_mark_or_remove_a_priority(
    client, request, officer, recommendation, who
):
    _set(recommendation, officer, True, "Why")
    client.force_login(request.getfixturevalue(who))
    for url in [MARK, REMOVE]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"priority_reason": "x", "version": 2}).status_code == 403, url
    body = client.get(REC).content.decode()
    assert '<span class="tag tag--priority">Priority</span>' in body  # they read it
    assert MARK not in body and REMOVE not in body
    recommendation.refresh_from_db()
    assert recommendation.priority_reason == "Why" and recommendation.version == 2


@pytest.mark.parametrize(
    "body",
    [{}, {"version": ""}, {"version": "x"}, {"version": "0"}, {"version": "9" * 30},
     {"version": "2\x00"}, {"version": ["2", "3"]}],
)  # fmt: skip
def test_a_bad_removal_post_is_a_message_never_a_500(officer_client, officer, recommendation, body):
    _set(recommendation, officer, True, "Kept")
    response = officer_client.post(REMOVE, body)
    assert response.status_code in {200, 400}, response.status_code
    recommendation.refresh_from_db()
    assert recommendation.is_priority and recommendation.priority_reason == "Kept"
