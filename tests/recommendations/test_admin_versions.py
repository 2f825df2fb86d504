"""The admin takes part in optimistic locking: its forms carry the version they loaded, a stale
one is refused on the form (not a 500, nothing saved, what was typed kept), and its saves move
the version on so that an officer with the app's page open sees a conflict."""

from __future__ import annotations

import datetime as dt

import pytest

from recommendations import services
from recommendations.models import Meeting, Person, Review
from reports.models import AppendixSettings
from reports.services import appendix_settings_set
from tests.factories import make_review
from tests.recommendations.test_admin_rules import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def review() -> Review:
    review = make_review(slug="r", recommendations=1)
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 3, 14), agenda_item="Item"
    )
    meeting.reviews.add(review)
    appendix_settings_set(review=review, layout="hackney", expected_version=None)
    return review


def _revert_data(response) -> dict:
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name, form.fields[name].initial)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, list):
            value = [getattr(item, "pk", item) for item in value]
        data[name] = "" if value is None else getattr(value, "pk", value)
    return data


def _meeting() -> Meeting:
    return Meeting.objects.get()


# (admin change URL, a field the admin types into, its value, how to read it back)
ADMINS = {
    "review": (
        lambda: f"/admin/recommendations/review/{Review.objects.get().pk}/change/",
        "title", "Admin's title", lambda: Review.objects.get(),
    ),
    "meeting": (
        lambda: f"/admin/recommendations/meeting/{_meeting().pk}/change/",
        "agenda_item", "Admin's item", lambda: _meeting(),
    ),
    "person": (
        lambda: f"/admin/recommendations/person/{Person.objects.get().pk}/change/",
        "email", "head@example.org", lambda: Person.objects.get(),
    ),
    "appendix settings": (
        lambda: f"/admin/reports/appendixsettings/{AppendixSettings.objects.get().pk}/change/",
        "layout", "east_sussex", lambda: AppendixSettings.objects.get(),
    ),
}  # fmt: skip


def _bump(obj) -> None:
    """Someone else saves through the app (or another admin page) meanwhile."""
    if isinstance(obj, Review):
        services.review_update(review=obj, expected_version=obj.version, user=None)
    elif isinstance(obj, Meeting):
        services.meeting_update(meeting=obj, expected_version=obj.version, user=None)
    elif isinstance(obj, Person):
        services.person_update(person=obj, expected_version=obj.version, user=None)
    else:
        appendix_settings_set(
            review=obj.review, layout="buckinghamshire", expected_version=obj.version
        )


@pytest.mark.parametrize("name", ADMINS.keys())
def test_an_admin_form_carries_the_version_it_loaded(admin_client, review, name):
    url, *_ = ADMINS[name]
    page = admin_client.get(url())
    assert page.context["adminform"].form["loaded_version"].value() == 1
    assert 'name="loaded_version"' in page.content.decode()


@pytest.mark.parametrize("name", ADMINS.keys())
def test_a_stale_admin_form_is_refused_on_the_form_and_keeps_what_was_typed(
    admin_client, review, name
):
    url, field, value, read = ADMINS[name]
    data = _form_data(admin_client.get(url()))
    _bump(read())

    response = admin_client.post(url(), {**data, field: value})

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "Someone else changed this" in str(form.non_field_errors())
    assert "nothing was saved" in response.content.decode()
    assert form[field].value() == value  # what the admin typed is still there
    stored = read()
    assert getattr(stored, field) != value and stored.version == 2
    # Having seen it, saving again is a deliberate overwrite.
    again = admin_client.post(url(), {**data, field: value, "loaded_version": 2})
    assert again.status_code == 302
    assert getattr(read(), field) == value and read().version == 3


@pytest.mark.parametrize("bad", ["", "abc", "0"])
def test_a_missing_or_garbled_version_is_a_form_error_not_a_500(admin_client, review, bad):
    url, field, value, read = ADMINS["meeting"]
    data = _form_data(admin_client.get(url()))
    response = admin_client.post(url(), {**data, field: value, "loaded_version": bad})
    assert response.status_code == 200
    assert "out of date" in response.content.decode()
    assert read().agenda_item == "Item"


@pytest.mark.parametrize("name", ADMINS.keys())
def test_an_admin_save_moves_the_version_on_and_is_attributed(admin_client, review, name):
    url, field, value, read = ADMINS[name]
    data = _form_data(admin_client.get(url()))
    assert admin_client.post(url(), {**data, field: value}).status_code == 302
    stored = read()
    assert getattr(stored, field) == value and stored.version == 2
    assert stored.history.latest().history_user.username == "admin"


@pytest.mark.parametrize(
    ("admin_name", "page", "field", "typed"),
    [
        ("meeting", lambda: f"/reviews/r/meetings/{_meeting().pk}/edit/", "decision", "Mine."),
        ("review", lambda: "/reviews/r/edit/", "summary", "My summary."),
        ("appendix settings", lambda: "/reviews/r/appendix/settings/", "heading_update", "Mine"),
    ],
)
def test_an_officer_with_the_page_open_sees_the_admins_save_as_a_conflict(
    admin_client, officer_client, review, admin_name, page, field, typed
):
    opened = officer_client.get(page()).context["form"]
    officer_data = {
        name: ("" if opened[name].value() is None else opened[name].value())
        for name in opened.fields
    }
    officer_data = {k: getattr(v, "pk", v) for k, v in officer_data.items()}

    url, admin_field, value, read = ADMINS[admin_name]
    admin_data = _form_data(admin_client.get(url()))
    assert admin_client.post(url(), {**admin_data, admin_field: value}).status_code == 302

    response = officer_client.post(page(), {**officer_data, field: typed})
    assert response.status_code == 200
    assert "Someone else changed this" in response.content.decode()
    assert response.context["form"][field].value() == typed
    assert getattr(read(), admin_field) == value


def test_a_refusal_from_the_service_after_the_forms_check_is_not_a_500(
    admin_client, review, monkeypatch
):
    """The form's check passed, then the service refused (another save won the race). The admin
    view runs again from the database as it now is, instead of answering 500: its form shows
    a conflict if the other save stands (as the stale-form tests show), and saves otherwise.
    Here the competing save is simulated by the refusal alone, so the rerun saves."""
    url, field, value, read = ADMINS["meeting"]
    data = _form_data(admin_client.get(url()))
    real_update = services.meeting_update
    calls = []

    def refused_once(*, meeting, expected_version, user, reviews=None):
        calls.append(expected_version)
        if len(calls) == 1:
            raise services.EditConflict(noun="meeting", current_version=expected_version)
        return real_update(meeting=meeting, expected_version=expected_version, user=user)

    monkeypatch.setattr(services, "meeting_update", refused_once)
    response = admin_client.post(url(), {**data, field: value})
    assert response.status_code == 302
    assert calls == [1, 1]
    assert read().agenda_item == value and read().version == 2


def test_the_history_revert_form_refuses_a_stale_version_too(admin_client, review):
    meeting = _meeting()
    first = meeting.history.earliest()
    services.meeting_update(meeting=meeting, expected_version=1, user=None)
    url = f"/admin/recommendations/meeting/{meeting.pk}/history/{first.history_id}/"
    data = _revert_data(admin_client.get(url))
    assert data["loaded_version"] == 2  # the stored version, not the old record's
    meeting.agenda_item = "Changed meanwhile"
    services.meeting_update(meeting=meeting, expected_version=2, user=None)

    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Someone else changed this" in response.content.decode()
    assert _meeting().agenda_item == "Changed meanwhile"

    fresh = _revert_data(admin_client.get(url))
    assert admin_client.post(url, fresh).status_code == 302
    reverted = _meeting()
    assert reverted.agenda_item == "Item" and reverted.version == 4


def test_a_person_added_in_the_admin_starts_at_version_one(admin_client, db):
    response = admin_client.post(
        "/admin/recommendations/person/add/",
        {"name": "New Person", "kind": "person", "loaded_version": ""},
    )
    assert response.status_code == 302
    person = Person.objects.get(name="New Person")
    assert person.version == 1 and person.history.get().history_user.username == "admin"
