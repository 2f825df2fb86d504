"""Final reports stay final in the admin as well: no route there (change form, inline, history
revert, bulk action, deleting the meeting it was presented at) edits an update of a final
report or unticks "final". Reopening a report is not an admin action at all."""

from __future__ import annotations

import datetime as dt

import pytest

from recommendations import services
from recommendations.models import Meeting, ProgressUpdate, UpdateReport
from tests.factories import make_review
from tests.recommendations.test_admin_rules import _form_data

pytestmark = pytest.mark.django_db

ADMIN = "/admin/recommendations"


@pytest.fixture
def report() -> UpdateReport:
    review = make_review(slug="r", recommendations=2)
    report = UpdateReport.objects.get(review=review)
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 9, 1), agenda_item="Six month update"
    )
    meeting.reviews.add(review)
    report.meeting = meeting
    report.save()
    return services.update_report_finalise(
        report=report, expected_version=report.version, user=None
    )


def _unchanged(report: UpdateReport) -> None:
    stored = UpdateReport.objects.get(pk=report.pk)
    assert stored.is_final and stored.version == report.version
    assert stored.meeting_id == report.meeting_id
    for update in ProgressUpdate.objects.filter(report=report):
        assert update.text.startswith("Update 0 on") and update.version == 1


@pytest.mark.parametrize(
    "posted",
    [
        {},  # "final" unticked: a checkbox left out of the post
        {"is_final": ""},
        {"is_final": "off", "title": "Reopened"},
        {"is_final": "on", "summary": "Rewritten afterwards."},
    ],
)
def test_the_report_cannot_be_unticked_or_edited_in_its_change_form(admin_client, report, posted):
    url = f"{ADMIN}/updatereport/{report.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and "Read-only here" in page.content.decode()
    data = {"review": report.review_id, "title": report.title, "as_at": "2023-07-01"}
    assert admin_client.post(url, {**data, **posted}).status_code == 403
    _unchanged(report)


def test_the_history_revert_form_cannot_unfinalise_it(admin_client, report):
    before_final = report.history.earliest()
    url = f"{ADMIN}/updatereport/{report.pk}/history/{before_final.history_id}/"
    assert admin_client.get(url).status_code == 200  # shown, for reference
    data = {"review": report.review_id, "title": report.title, "as_at": "2023-07-01"}
    assert admin_client.post(url, data).status_code == 403
    _unchanged(report)


def test_the_history_revert_form_cannot_restore_an_update_of_a_final_report(admin_client, report):
    update = ProgressUpdate.objects.filter(report=report).first()
    first = update.history.earliest()
    url = f"{ADMIN}/progressupdate/{update.pk}/history/{first.history_id}/"
    posted = {
        "recommendation": update.recommendation_id, "report": report.pk, "as_at": "2023-02-01",
        "as_at_precision": "day", "status": "implemented", "text": "Reverted to something else.",
    }  # fmt: skip
    assert admin_client.post(url, posted).status_code == 403
    _unchanged(report)


def test_the_review_pages_inline_cannot_untick_final(admin_client, report):
    url = f"{ADMIN}/review/{report.review_id}/change/"
    data = _form_data(admin_client.get(url))
    prefix = next(key for key in data if key.endswith("-0-title") and "update_report" in key)
    data.pop(prefix.replace("-title", "-is_final"), None)  # unticked
    data[prefix] = "Retitled"
    assert admin_client.post(url, data).status_code == 302  # the review itself saves
    _unchanged(report)


def test_the_recommendation_pages_inline_cannot_edit_its_updates(admin_client, report):
    update = ProgressUpdate.objects.filter(report=report).first()
    url = f"{ADMIN}/recommendation/{update.recommendation_id}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    posted = {
        "updates-TOTAL_FORMS": "1", "updates-INITIAL_FORMS": "1",
        "updates-0-id": update.pk, "updates-0-recommendation": update.recommendation_id,
        "updates-0-text": "Rewritten in the inline.", "updates-0-as_at": "2023-02-01",
        "updates-0-as_at_precision": "day", "updates-0-status": "implemented",
    }  # fmt: skip
    assert admin_client.post(url, posted).status_code == 403
    _unchanged(report)


@pytest.mark.parametrize("model", ["updatereport", "progressupdate"])
def test_the_bulk_delete_action_is_not_offered_and_refused_if_posted(admin_client, report, model):
    changelist = admin_client.get(f"{ADMIN}/{model}/")
    assert "delete_selected" not in changelist.content.decode()
    ids = (
        [report.pk]
        if model == "updatereport"
        else list(ProgressUpdate.objects.filter(report=report).values_list("pk", flat=True))
    )
    response = admin_client.post(
        f"{ADMIN}/{model}/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code in (200, 302)  # "No action selected", not a deletion
    _unchanged(report)
    assert ProgressUpdate.objects.filter(report=report).count() == 2


def test_the_meeting_a_final_report_was_presented_at_cannot_be_deleted(admin_client, report):
    """Deleting it would quietly empty the final report's meeting (SET_NULL, no history)."""
    url = f"{ADMIN}/meeting/{report.meeting_id}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        f"{ADMIN}/meeting/",
        {"action": "delete_selected", "_selected_action": [report.meeting_id], "post": "yes"},
    )
    assert response.status_code == 403
    assert Meeting.objects.filter(pk=report.meeting_id).exists()
    _unchanged(report)


def test_a_meeting_no_final_report_names_can_still_be_deleted(admin_client, report):
    spare = Meeting.objects.create(
        committee=report.review.committee, date=dt.date(2024, 1, 1), agenda_item="Spare"
    )
    response = admin_client.post(f"{ADMIN}/meeting/{spare.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Meeting.objects.filter(pk=spare.pk).exists()
