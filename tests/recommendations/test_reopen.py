"""Reopening a closed recommendation: a committee decision, like closing, kept in the history."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from recommendations import selectors, services
from recommendations.models import Meeting, Recommendation
from tests.factories import make_review

pytestmark = pytest.mark.django_db

REC = "/reviews/r/recommendations/1/"
REOPEN = REC + "reopen/"


@pytest.fixture
def review():
    review = make_review(slug="r", recommendations=2)
    for date, item in [(dt.date(2024, 2, 1), "Progress review"), (dt.date(2024, 9, 5), "Item 7")]:
        meeting = Meeting.objects.create(committee=review.committee, date=date, agenda_item=item)
        meeting.reviews.add(review)
    return review


@pytest.fixture
def closed(review) -> Recommendation:
    """Recommendation 1, closed at the February meeting (version 2)."""
    return services.recommendation_close(
        recommendation=review.recommendations.get(label="1"),
        meeting=review.meetings.get(date=dt.date(2024, 2, 1)),
        reason="Fully done",
        evidence="Minute 12",
        expected_version=1,
        user=None,
    )


def _later_meeting(review) -> Meeting:
    return review.meetings.get(date=dt.date(2024, 9, 5))


def _reopen(client, meeting, reason="Schools report new exclusions.", version=2):
    return client.post(
        REOPEN, {"reopened_at_meeting": meeting.pk, "reopened_reason": reason, "version": version}
    )


def test_an_officer_reopens_it_and_the_closure_stays_in_the_history(
    officer_client, officer, review, closed
):
    body = officer_client.get(REC).content.decode()
    assert f'href="{REOPEN}"' in body and "Reopen (committee decision)" in body
    assert "Close (committee decision)" not in body

    form_page = officer_client.get(REOPEN)
    assert form_page.status_code == 200
    choices = [
        label for _, label in form_page.context["form"].fields["reopened_at_meeting"].choices
    ]
    assert choices == [
        "Select a meeting",
        "5 September 2024: Item 7",
        "1 February 2024: Progress review",
    ]

    response = _reopen(officer_client, _later_meeting(review))
    assert response.status_code == 302 and response["Location"] == REC
    closed.refresh_from_db()
    assert closed.reopened_at_meeting == _later_meeting(review)
    assert closed.reopened_reason == "Schools report new exclusions."
    assert closed.closed_at_meeting is None
    assert (closed.closed_reason, closed.closed_evidence) == ("", "")
    assert closed.version == 3
    latest, closing = closed.history.order_by("-history_id")[:2]
    assert latest.history_user == officer and latest.reopened_reason.startswith("Schools")
    assert closing.closed_reason == "Fully done" and closing.closed_evidence == "Minute 12"

    body = officer_client.get(REC).content.decode()
    assert "The recommendation is reopened. Its closure stays in the history." in body
    assert 'id="reopened-heading"' in body and "5 September 2024 (Item 7)" in body
    assert 'id="closed-heading"' not in body and "tag--closed" not in body
    assert "Close (committee decision)" in body and "Reopen (committee decision)" not in body
    # The change history tells both decisions, each with its own reason.
    titles = [event.title for event in officer_client.get(REC).context["timeline"]]
    assert titles[-2:] == ["Closed as a committee decision", "Reopened as a committee decision"]
    assert "Fully done" in body and "Schools report new exclusions." in body


def test_it_needs_a_meeting_and_a_reason(officer_client, closed):
    response = officer_client.post(REOPEN, {"reopened_reason": "  ", "version": 2})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["reopened_at_meeting"] == ["Select the meeting that decided to reopen it."]
    assert errors["reopened_reason"] == ["Enter the reason for reopening it."]
    assert Recommendation.objects.get(pk=closed.pk).closed_at_meeting_id is not None


def test_a_meeting_of_another_committee_is_refused(officer_client, closed):
    other = Meeting.objects.create(
        committee=make_review(slug="other").committee, date=dt.date(2024, 1, 1), agenda_item="X"
    )
    response = _reopen(officer_client, other)
    assert response.status_code == 200
    assert response.context["form"].errors["reopened_at_meeting"] == [
        "Select a meeting of this review's committee."
    ]
    closed.refresh_from_db()
    assert closed.closed_at_meeting_id is not None and closed.version == 2
    with pytest.raises(ValidationError) as refused:
        services.recommendation_reopen(
            recommendation=closed, meeting=other, reason="x", expected_version=2, user=None
        )
    assert list(refused.value.message_dict) == ["reopened_at_meeting"]


def test_members_and_clerks_get_403(client, member, clerk, review, closed):
    for user in [member, clerk]:
        client.force_login(user)
        assert client.get(REOPEN).status_code == 403
        assert _reopen(client, _later_meeting(review)).status_code == 403
        assert "Reopen (committee decision)" not in client.get(REC).content.decode()
    assert Recommendation.objects.get(pk=closed.pk).version == 2


def test_a_recommendation_that_is_not_closed_sends_the_officer_back_with_a_message(
    officer_client, review
):
    for response in [officer_client.get(REOPEN), _reopen(officer_client, _later_meeting(review))]:
        assert response.status_code == 302 and response["Location"] == REC
    body = officer_client.get(REC).content.decode()
    assert "Recommendation 1 is not closed, so there is nothing to reopen." in body
    rec = review.recommendations.get(label="1")
    assert rec.version == 1 and rec.reopened_at_meeting_id is None
    with pytest.raises(services.NotClosed):
        services.recommendation_reopen(
            recommendation=rec, meeting=_later_meeting(review), reason="x", expected_version=1,
            user=None,
        )  # fmt: skip


def test_a_closed_recommendation_cannot_be_closed_over(officer_client, review, closed):
    close_page = REC + "close/"
    posted = {
        "closed_at_meeting": _later_meeting(review).pk,
        "closed_reason": "Overwritten",
        "closed_evidence": "None",
        "version": 2,
    }
    for response in [officer_client.get(close_page), officer_client.post(close_page, posted)]:
        assert response.status_code == 302 and response["Location"] == REC
    assert "Recommendation 1 is already closed." in officer_client.get(REC).content.decode()
    closed.refresh_from_db()
    assert closed.closed_reason == "Fully done" and closed.version == 2


def test_reopened_by_someone_else_during_the_save_is_a_form_error(
    officer_client, review, closed, monkeypatch
):
    def reopened_meanwhile(**kwargs):
        raise services.NotClosed()

    monkeypatch.setattr(services, "recommendation_reopen", reopened_meanwhile)
    response = _reopen(officer_client, _later_meeting(review))
    assert response.status_code == 200
    assert "This recommendation is not closed, so there is nothing to reopen." in (
        response.content.decode()
    )


def test_a_stale_form_shows_the_conflict_and_keeps_the_typed_reason(officer_client, review, closed):
    closed.text = "Reworded by someone else."
    services.recommendation_update(recommendation=closed, expected_version=2, user=None)

    response = _reopen(officer_client, _later_meeting(review), reason="My typed reason", version=2)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this recommendation since you opened it." in body
    assert "My typed reason" in body and "Reworded by someone else." in body
    assert response.context["form"]["version"].value() == "3"
    assert Recommendation.objects.get(pk=closed.pk).closed_at_meeting_id is not None
    # Having read the other change, saving again goes through.
    assert _reopen(officer_client, _later_meeting(review), version=3).status_code == 302


def test_closing_again_clears_the_reopening(officer_client, review, closed):
    assert _reopen(officer_client, _later_meeting(review)).status_code == 302
    response = officer_client.post(
        REC + "close/",
        {
            "closed_at_meeting": _later_meeting(review).pk,
            "closed_reason": "Done after all",
            "closed_evidence": "Minute 40",
            "version": 3,
        },
    )
    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.reopened_at_meeting is None and closed.reopened_reason == ""
    assert closed.closed_reason == "Done after all"

    # The dated record keeps every decision, by its meeting's date, though the first closure
    # and the reopening are no longer on the recommendation itself.
    record = [
        (event.kind, event.title, event.text)
        for event in selectors.recommendation_record(selectors.recommendation_detail("r", "1"))
        if event.kind in ("closed", "reopened")
    ]
    assert record == [
        ("closed", "Closed by the committee", "Fully done"),
        ("reopened", "Reopened by the committee", "Schools report new exclusions."),
        ("closed", "Closed by the committee", "Done after all"),
    ]
    body = officer_client.get(REC).content.decode()
    assert 'id="closed-heading"' in body and 'id="reopened-heading"' not in body
    titles = [event.title for event in officer_client.get(REC).context["timeline"]]
    assert titles[-3:] == [
        "Closed as a committee decision",
        "Reopened as a committee decision",
        "Closed as a committee decision",
    ]


def test_the_reason_and_agenda_item_are_escaped(officer_client, review, closed):
    meeting = _later_meeting(review)
    meeting.agenda_item = "<script>alert('agenda')</script>"
    meeting.save()
    reason = "<script>alert('reason')</script> **Bold** <img src=x onerror=alert(1)>"
    assert _reopen(officer_client, meeting, reason=reason).status_code == 302
    body = officer_client.get(REC).content.decode()
    assert "<script>alert" not in body and "onerror" not in body
    assert "&lt;script&gt;alert(&#x27;agenda&#x27;)&lt;/script&gt;" in body
    assert "<strong>Bold</strong>" in body


def test_with_no_meeting_to_choose_the_forms_say_where_to_record_one(officer_client):
    review = make_review(slug="r", recommendations=1)
    hint = f"No meeting of {review.committee.name} is recorded yet"
    link = 'href="/reviews/r/meetings/new/">Record the meeting</a>'
    body = officer_client.get(REC + "close/").content.decode()
    assert hint in body and link in body
    meeting = Meeting.objects.create(committee=review.committee, date=dt.date(2024, 2, 1))
    assert hint not in officer_client.get(REC + "close/").content.decode()
    services.recommendation_close(
        recommendation=review.recommendations.get(label="1"), meeting=meeting, reason="Done",
        evidence="Minute 1", expected_version=1, user=None,
    )  # fmt: skip
    assert hint not in officer_client.get(REOPEN).content.decode()
    # Another committee's meetings are not this committee's: the hint comes back.
    meeting.committee = make_review(slug="other").committee
    meeting.save()
    assert hint in officer_client.get(REOPEN).content.decode()
