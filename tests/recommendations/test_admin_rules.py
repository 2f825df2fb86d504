"""The Django admin cannot bypass the domain's rules: the scrutiny record is read-only there, and
the reviews and meetings it still edits are saved through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms import JSONField

from recommendations.models import (
    Lead,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from tests.factories import make_review

pytestmark = pytest.mark.django_db

ADMIN = "/admin/recommendations"


@pytest.fixture
def review() -> Review:
    return make_review(slug="r", recommendations=1)


def _form_data(response) -> dict:
    """What the admin's change page would post back unchanged: the form and every inline."""

    def value(form, name):
        initial = form.initial.get(name, form.fields[name].initial)
        if initial is None:
            return ""
        if isinstance(initial, dt.date):
            return initial.isoformat()
        if isinstance(form.fields[name], JSONField):  # as the admin's text box shows it
            return form.fields[name].prepare_value(initial)
        if isinstance(initial, list):
            return [getattr(item, "pk", item) for item in initial]
        return getattr(initial, "pk", initial)

    form = response.context["adminform"].form
    data = {name: value(form, name) for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = value(management, name)
        for item in formset.forms:
            for name in item.fields:
                data[item.add_prefix(name)] = value(item, name)
    return {key: val for key, val in data.items() if val != [] and val is not False}


def test_a_final_reports_update_cannot_be_changed_through_the_admin(admin_client, review):
    report = UpdateReport.objects.get(review=review)
    report.is_final = True
    report.save()
    update = ProgressUpdate.objects.get(report=report)
    url = f"{ADMIN}/progressupdate/{update.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200  # shown, for reference
    assert "Read-only here" in page.content.decode()
    posted = {
        "recommendation": update.recommendation_id, "report": report.pk, "as_at": "2023-02-01",
        "as_at_precision": "day", "status": "implemented", "text": "Rewritten after the event.",
    }  # fmt: skip
    assert admin_client.post(url, posted).status_code == 403
    update.refresh_from_db()
    assert update.text == "Update 0 on 1" and update.version == 1


def test_a_target_date_change_without_a_reason_cannot_be_made_through_the_admin(
    admin_client, review
):
    rec = review.recommendations.get()
    update = ProgressUpdate.objects.get(recommendation=rec)
    url = f"{ADMIN}/progressupdate/{update.pk}/change/"
    posted = {
        "recommendation": rec.pk, "as_at": "2023-02-01", "as_at_precision": "day",
        "status": "in_progress", "text": "Slipping.", "target_date": "2030-01-01",
    }  # fmt: skip
    assert admin_client.post(url, posted).status_code == 403
    assert admin_client.post(f"{ADMIN}/progressupdate/add/", posted).status_code == 403
    assert ProgressUpdate.objects.filter(target_date__isnull=False).count() == 0


def test_the_history_revert_form_cannot_save_the_record_either(admin_client, review):
    rec = review.recommendations.get()
    first = rec.history.earliest()
    rec.text = "Changed on the page."
    rec.save()
    url = f"{ADMIN}/recommendation/{rec.pk}/history/{first.history_id}/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"review": review.pk, "label": "1", "text": "Reverted."})
    assert response.status_code == 403
    assert Recommendation.objects.get(pk=rec.pk).text == "Changed on the page."


@pytest.mark.parametrize(
    "model", [Recommendation, Response, Lead, ProgressUpdate, UpdateReport]
)  # fmt: skip
def test_the_scrutiny_record_cannot_be_added_changed_or_deleted_in_the_admin(
    admin_client, review, model
):
    obj = model.objects.first()
    name = model._meta.model_name
    assert admin_client.get(f"{ADMIN}/{name}/add/").status_code == 403
    assert admin_client.post(f"{ADMIN}/{name}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = admin_client.get(f"{ADMIN}/{name}/")
    assert changelist.status_code == 200 and "Read-only here" in changelist.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()


def test_a_review_saved_in_the_admin_goes_through_the_service_and_its_rules(admin_client, review):
    url = f"{ADMIN}/review/{review.pk}/change/"
    data = _form_data(admin_client.get(url))

    refused = admin_client.post(url, {**data, "response_agreed_on": "2022-12-01"})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["response_agreed_on"] == [
        "The response must be agreed on or after the date the review reported."
    ]
    refused = admin_client.post(url, {**data, "slug": "new"})
    assert "slug" in refused.context["adminform"].form.errors
    review.refresh_from_db()
    assert review.slug == "r" and review.response_agreed_on is None and review.version == 1

    saved = admin_client.post(url, {**data, "title": "Renamed in the admin"})
    assert saved.status_code == 302
    review.refresh_from_db()
    # The service moved the version on, so a page opened before sees the change as a conflict.
    assert review.title == "Renamed in the admin" and review.version == 2
    assert review.history.latest().history_user.username == "admin"


def test_the_review_pages_inline_update_reports_cannot_be_finalised_or_unfinalised(
    admin_client, review
):
    report = UpdateReport.objects.get(review=review)
    url = f"{ADMIN}/review/{review.pk}/change/"
    data = _form_data(admin_client.get(url))
    prefix = next(key for key in data if key.endswith("-0-title") and "update_report" in key)
    data[prefix.replace("-title", "-is_final")] = "on"
    data[prefix] = "Retitled"
    assert admin_client.post(url, data).status_code == 302
    report.refresh_from_db()
    assert not report.is_final and report.title == "Six month update"


def test_a_meeting_saved_in_the_admin_goes_through_the_service(admin_client, review):
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 1, 1), agenda_item="Item"
    )
    url = f"{ADMIN}/meeting/{meeting.pk}/change/"
    data = _form_data(admin_client.get(url))
    assert admin_client.post(url, {**data, "agenda_item": "Renamed"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.agenda_item == "Renamed"
    assert meeting.history.latest().history_user.username == "admin"
