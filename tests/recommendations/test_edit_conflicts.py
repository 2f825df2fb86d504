"""No edit is lost, by any route: meetings, leads, update reports, people and appendix settings
carry a version like the rest of the record. Two officers open the same form; the second save
is refused with the conflict page, the first change is kept and the loser's text is shown.

The check is a version comparison in the service (``_save_versioned``), not a row lock, so it
behaves the same on SQLite and PostgreSQL (``make test`` runs this file on both)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from recommendations import services
from recommendations.models import Lead, Meeting, Person, UpdateReport
from recommendations.roles import SCRUTINY_OFFICERS
from reports.models import AppendixSettings
from reports.services import appendix_settings_set
from tests.conftest import _user
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_officers(officer):
    first, second = Client(), Client()
    first.force_login(officer)
    second.force_login(_user("oliver-officer", SCRUTINY_OFFICERS))
    return first, second


@pytest.fixture
def review():
    review = make_review(slug="r", recommendations=1)
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 3, 14), agenda_item="Exclusions update"
    )
    meeting.reviews.add(review)
    return review


def _form_data(client, url):
    """What the browser would post back: the form's initial values, version included."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        data[name] = value.pk if hasattr(value, "pk") else value
    return data


def _meeting_url() -> str:
    return f"/reviews/r/meetings/{Meeting.objects.get().pk}/edit/"


def _lead_url() -> str:
    return f"/reviews/r/recommendations/1/leads/{Lead.objects.get().pk}/edit/"


def _report_url() -> str:
    return f"/reviews/r/update-reports/{UpdateReport.objects.get().pk}/edit/"


# (url, field typed into, first officer's value, second's, how to read the stored value)
CASES = {
    "meeting decision": (
        _meeting_url, "decision", "Noted the first.", "Noted the second.",
        lambda: Meeting.objects.get().decision,
    ),
    "meeting agenda item": (
        _meeting_url, "agenda_item", "First item", "Second item",
        lambda: Meeting.objects.get().agenda_item,
    ),
    "lead role": (
        _lead_url, "role", "cabinet_member", "senior_responsible_officer",
        lambda: Lead.objects.get().role,
    ),
    "update report summary": (
        _report_url, "summary", "First summary.", "Second summary.",
        lambda: UpdateReport.objects.get().summary,
    ),
    "update report title": (
        _report_url, "title", "First title", "Second title",
        lambda: UpdateReport.objects.get().title,
    ),
    "appendix headings": (
        lambda: "/reviews/r/appendix/settings/", "heading_update", "First heading",
        "Second heading", lambda: dict(AppendixSettings.objects.get().get_columns()).get("update"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.keys())
def test_the_second_save_is_refused_and_the_first_kept(two_officers, review, case):
    url_of, field, first_value, second_value, stored = CASES[case]
    url = url_of()
    first, second = two_officers
    first_data, second_data = _form_data(first, url), _form_data(second, url)

    assert first.post(url, {**first_data, field: first_value}).status_code == 302
    response = second.post(url, {**second_data, field: second_value})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this" in body and "since you opened it" in body
    assert "The version saved by someone else" in body
    assert second_value in body  # the loser's text, still in the form
    assert response.context["form"][field].value() == second_value
    assert stored() == first_value

    # Having read the other change, saving again is a deliberate overwrite and succeeds.
    retry = {
        **second_data,
        field: second_value,
        "version": response.context["form"]["version"].value(),
    }
    assert second.post(url, retry).status_code == 302
    assert stored() == second_value


def test_the_conflict_page_shows_the_saved_meeting_beside_the_typed_one(two_officers, review):
    url = _meeting_url()
    first, second = two_officers
    first_data, second_data = _form_data(first, url), _form_data(second, url)
    first.post(url, {**first_data, "minutes": "The minutes as the clerk wrote them."})
    response = second.post(url, {**second_data, "minutes": "My own notes."})
    body = response.content.decode()
    assert "The minutes as the clerk wrote them." in body and "My own notes." in body
    meeting = Meeting.objects.get()
    assert meeting.version == 2 and meeting.history.count() == 3  # created, reviews, one edit


def test_appendix_settings_first_saved_by_two_officers_at_once(two_officers, review):
    """Neither had settings to load: the first save creates them, the second is a conflict."""
    url = "/reviews/r/appendix/settings/"
    first, second = two_officers
    first_data, second_data = _form_data(first, url), _form_data(second, url)
    assert first_data["version"] == "" == second_data["version"]
    assert first.post(url, {**first_data, "layout": "east_sussex"}).status_code == 302
    response = second.post(url, {**second_data, "layout": "buckinghamshire"})
    assert response.status_code == 200
    assert "Someone else changed this appendix layout" in response.content.decode()
    assert AppendixSettings.objects.get().layout == "east_sussex"


def test_a_stale_lead_move_does_not_undo_a_role_change(officer, review):
    """Moving leads moves their versions on too, so a form opened before the move conflicts."""
    lead = Lead.objects.get()
    services.lead_move(lead=lead, direction="up", user=officer)  # one lead: nothing to swap
    assert Lead.objects.get().version == 1
    lead.role = Lead.Role.CABINET_MEMBER
    services.lead_update(lead=lead, expected_version=1, user=officer)
    stale = Lead.objects.get()
    stale.role = Lead.Role.SENIOR_RESPONSIBLE_OFFICER
    with pytest.raises(services.EditConflict) as conflict:
        services.lead_update(lead=stale, expected_version=1, user=officer)
    assert conflict.value.current_version == 2
    assert Lead.objects.get().role == Lead.Role.CABINET_MEMBER


@pytest.mark.parametrize("loaded", [0, 1, 3, 99])
def test_people_refuse_any_version_but_the_stored_one(officer, loaded):
    person = Person.objects.create(name="Ann Example", job_title="Head")
    services.person_update(person=person, expected_version=1, user=officer)  # version 2 now
    stale = Person.objects.get(pk=person.pk)
    stale.email = "ann@example.org"
    with pytest.raises(services.EditConflict):
        services.person_update(person=stale, expected_version=loaded, user=officer)
    assert Person.objects.get(pk=person.pk).email == ""
    services.person_update(person=stale, expected_version=2, user=officer)
    saved = Person.objects.get(pk=person.pk)
    assert saved.email == "ann@example.org" and saved.version == 3
    assert saved.history.latest().history_user == officer


@pytest.mark.parametrize(
    ("stored", "loaded"), [(None, 1), (1, None), (1, 2), (2, 1)], ids=str
)  # fmt: skip
def test_the_appendix_settings_service_refuses_a_version_it_does_not_hold(
    officer, review, stored, loaded
):
    if stored is not None:
        settings = appendix_settings_set(review=review, layout="hackney", expected_version=None)
        if stored == 2:
            appendix_settings_set(review=review, layout="hackney", expected_version=1)
        assert AppendixSettings.objects.get(pk=settings.pk).version == stored
    with pytest.raises(services.EditConflict) as conflict:
        appendix_settings_set(
            review=review, layout="east_sussex", expected_version=loaded, user=officer
        )
    assert conflict.value.current_version == stored
    assert not AppendixSettings.objects.filter(layout="east_sussex").exists()


def test_a_meeting_saved_through_the_service_moves_its_version_on(officer, review):
    meeting = Meeting.objects.get()
    meeting.decision = "Noted."
    services.meeting_update(meeting=meeting, expected_version=1, user=officer)
    assert Meeting.objects.get().version == 2
    meeting.decision = "Stale."
    with pytest.raises(services.EditConflict):
        services.meeting_update(meeting=meeting, expected_version=1, user=officer)
    assert Meeting.objects.get().decision == "Noted."
