"""Update requests: an officer sends each lead one email, leads draft and submit their own
updates, the officer accepts (into the report, as given by the lead) or returns them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from recommendations.models import (
    Lead,
    Person,
    ProgressUpdate,
    RequestedUpdate,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
)
from recommendations.roles import LEADS
from tests.factories import make_review

pytestmark = pytest.mark.django_db

SITE = "https://tracker.example.org"


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = SITE


@pytest.fixture
def round_(db):
    """A review of three recommendations: Ann leads 1 and 2, Bob leads 3, Cy (no email)
    leads 3 too. The six month update is the previous round; a twelve month round is open."""
    review = make_review(slug="r", recommendations=3, leads_each=0)
    ann = Person.objects.create(name="Ann Lead", email="ann@example.org")
    bob = Person.objects.create(name="Bob Lead", email="bob@example.org")
    cy = Person.objects.create(name="Cy Noemail")
    recs = {rec.label: rec for rec in review.recommendations.all()}
    Lead.objects.create(recommendation=recs["1"], person=ann)
    Lead.objects.create(recommendation=recs["2"], person=ann)
    Lead.objects.create(recommendation=recs["3"], person=bob)
    Lead.objects.create(recommendation=recs["3"], person=cy, order=1)
    previous = ProgressUpdate.objects.get(recommendation=recs["1"])
    previous.target_date = dt.date(2024, 3, 1)
    previous.save()
    report = UpdateReport.objects.create(review=review, title="Twelve month update")
    return review, report, ann, bob, recs


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send(officer, report, due="2099-01-31"):
    client = _client(officer)
    return client.post(
        f"/reviews/r/update-reports/{report.pk}/requests/", {"send": "1", "due_on": due}
    )


def _lead_client(person) -> Client:
    return _client(Person.objects.get(pk=person.pk).user)


def test_sending_requests_emails_each_lead_once_with_their_recommendations(officer, round_):
    review, report, ann, bob, recs = round_
    response = _send(officer, report)
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    by_to = {message.to[0]: message for message in mail.outbox}
    ann_mail = by_to["ann@example.org"]
    request = UpdateRequest.objects.get(report=report, person=ann)
    assert "Recommendation 1" in ann_mail.body and "Recommendation 2" in ann_mail.body
    assert "Recommendation 3" not in ann_mail.body
    assert "31 January 2099" in ann_mail.body
    assert f"{SITE}/update-requests/{request.pk}/" in ann_mail.body
    assert f"{SITE}/accounts/invitation/" in ann_mail.body
    assert ann_mail.message().get_content_type() == "text/plain"
    # Accounts were made for the leads, in the Leads group, with no usable password yet.
    account = Person.objects.get(pk=ann.pk).user
    assert account.groups.filter(name=LEADS).exists() and not account.has_usable_password()
    assert Person.history.filter(id=ann.pk, user=account).exists()
    # Cy has no email address: not sent, and the officer is told.
    assert not UpdateRequest.objects.filter(person__name="Cy Noemail").exists()
    page = _client(officer).get(response["Location"]).content.decode()
    assert "no email address" in page
    # Sending again sends nothing new.
    _send(officer, report)
    assert len(mail.outbox) == 2 and UpdateRequest.objects.count() == 2


def test_a_due_date_in_the_past_is_refused_beside_the_field(officer, round_):
    _, report, *_ = round_
    response = _send(officer, report, due="2020-01-01")
    assert response.status_code == 200
    assert "The due date must be today or later." in response.content.decode()
    assert not mail.outbox and not UpdateRequest.objects.exists()


def test_the_invitation_link_sets_a_password_once(officer, round_, client):
    _, report, ann, *_ = round_
    _send(officer, report)
    body = next(m.body for m in mail.outbox if m.to == ["ann@example.org"])
    link = re.search(rf"{SITE}(/accounts/invitation/\S+/)", body).group(1)
    response = client.get(link)  # Django swaps the token for a session-held one
    assert response.status_code == 302
    form_url = response["Location"]
    new = "a-long-fresh-password-9"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    account = Person.objects.get(pk=ann.pk).user
    account.refresh_from_db()
    assert account.check_password(new)
    # The link no longer works.
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()
    # And the lead signs in with it.
    signed_in = Client().post("/accounts/login/", {"username": account.username, "password": new})
    assert signed_in.status_code == 302


def test_leads_see_only_their_own_requests_and_pages(officer, member, round_):
    _, report, ann, bob, recs = round_
    _send(officer, report)
    ann_request = UpdateRequest.objects.get(person=ann)
    bob_request = UpdateRequest.objects.get(person=bob)
    client = _lead_client(ann)
    assert client.get(f"/update-requests/{ann_request.pk}/").status_code == 200
    assert client.get(f"/update-requests/{bob_request.pk}/").status_code == 404
    assert client.get("/").status_code == 302  # the dashboard sends them to their page
    page = client.get("/my-updates/").content.decode()
    assert "recommendation 1" in page and "recommendation 2" in page
    assert "recommendation 3" not in page
    for url in [
        "/reviews/",
        "/reviews/r/",
        "/reviews/r/recommendations/1/",
        "/recommendations/",
        f"/reviews/r/update-reports/{report.pk}/",
        f"/reviews/r/update-reports/{report.pk}/requests/",
        "/reviews/r/appendix/",
        "/labels/",
    ]:
        assert client.get(url).status_code == 403, url
    # Others have no request page of their own.
    assert _client(officer).get(f"/update-requests/{ann_request.pk}/").status_code == 403
    assert _client(member).get("/my-updates/").status_code == 403


def _post_answer(client, update_request, rec, action="draft", **fields):
    data = {
        "recommendation": str(rec.pk),
        "action": action,
        f"rec-{rec.pk}-text": "Progress made.",
        f"rec-{rec.pk}-status": "in_progress",
        f"rec-{rec.pk}-timescale": "",
        f"rec-{rec.pk}-target_date": "",
        f"rec-{rec.pk}-target_date_change_reason": "",
    }
    answer = RequestedUpdate.objects.filter(request=update_request, recommendation=rec).first()
    if answer:
        data[f"rec-{rec.pk}-version"] = str(answer.version)
    data.update({f"rec-{rec.pk}-{name}": value for name, value in fields.items()})
    return client.post(f"/update-requests/{update_request.pk}/", data)


def test_drafts_are_the_leads_own_until_submitted(officer, member, round_):
    _, report, ann, bob, recs = round_
    _send(officer, report)
    ann_request = UpdateRequest.objects.get(person=ann)
    client = _lead_client(ann)
    response = _post_answer(client, ann_request, recs["2"], text="Secret draft wording")
    assert response.status_code == 302
    answer = RequestedUpdate.objects.get(recommendation=recs["2"])
    assert answer.state == "draft" and answer.written_by == Person.objects.get(pk=ann.pk).user
    # Nothing reached the report.
    assert not ProgressUpdate.objects.filter(report=report).exists()
    # Bob cannot see it; members cannot open the round's requests; the officer sees "Draft"
    # but not the text.
    bob_client = _lead_client(bob)
    assert bob_client.get(f"/update-requests/{ann_request.pk}/").status_code == 404
    requests_url = f"/reviews/r/update-reports/{report.pk}/requests/"
    assert _client(member).get(requests_url).status_code == 403
    review_url = f"{requests_url}{answer.pk}/"
    assert _client(member).get(review_url).status_code == 403
    page = _client(officer).get(requests_url).content.decode()
    assert "Draft" in page and "Secret draft wording" not in page
    page = _client(officer).get(review_url).content.decode()
    assert "Secret draft wording" not in page


def test_a_moved_target_date_needs_a_reason_to_submit(officer, round_):
    _, report, ann, bob, recs = round_
    _send(officer, report)
    ann_request = UpdateRequest.objects.get(person=ann)
    client = _lead_client(ann)
    response = _post_answer(
        client, ann_request, recs["1"], action="submit", target_date="2025-06-30"
    )
    assert response.status_code == 200
    assert "The target date was 1 March 2024. Say why it has changed." in response.content.decode()
    assert not RequestedUpdate.objects.exists()
    response = _post_answer(
        client, ann_request, recs["1"], action="submit", target_date="2025-06-30",
        target_date_change_reason="Funding moved a term.",
    )  # fmt: skip
    assert response.status_code == 302
    assert RequestedUpdate.objects.get().state == "submitted"


def test_accepting_puts_the_update_in_the_report_as_given_by_the_lead(officer, round_):
    _, report, ann, bob, recs = round_
    _send(officer, report)
    ann_request = UpdateRequest.objects.get(person=ann)
    lead = _lead_client(ann)
    _post_answer(lead, ann_request, recs["2"], action="submit", text="Done the training.")
    answer = RequestedUpdate.objects.get()
    # A submitted update cannot be edited by the lead any more.
    assert _post_answer(lead, ann_request, recs["2"], text="changed").status_code == 403
    url = f"/reviews/r/update-reports/{report.pk}/requests/{answer.pk}/"
    response = _client(officer).post(url, {"accept": "1", "version": str(answer.version)})
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(report=report)
    assert update.text == "Done the training." and update.author_id == ann.pk
    assert update.recommendation == recs["2"] and update.as_at == timezone.localdate()
    answer.refresh_from_db()
    assert answer.state == "accepted" and answer.update == update and answer.decided_by == officer
    states = [(h.state, h.history_user) for h in answer.history.order_by("history_date")]
    account = Person.objects.get(pk=ann.pk).user
    assert states == [("submitted", account), ("accepted", officer)]
    body = _client(officer).get(f"/reviews/r/update-reports/{report.pk}/").content.decode()
    assert "Given by Ann Lead" in body and "Done the training." in body
    # Accepting twice (a stale page) changes nothing.
    response = _client(officer).post(url, {"accept": "1", "version": "1"})
    assert response.status_code == 200 and ProgressUpdate.objects.filter(report=report).count() == 1


def test_returning_emails_the_lead_who_edits_and_resubmits(officer, round_):
    _, report, ann, bob, recs = round_
    _send(officer, report)
    mail.outbox.clear()
    bob_request = UpdateRequest.objects.get(person=bob)
    lead = _lead_client(bob)
    _post_answer(lead, bob_request, recs["3"], action="submit", text="Some progress.")
    answer = RequestedUpdate.objects.get()
    url = f"/reviews/r/update-reports/{report.pk}/requests/{answer.pk}/"
    officer_client = _client(officer)
    response = officer_client.post(url, {"return": "1", "version": str(answer.version)})
    assert "Say what the lead should change." in response.content.decode()
    response = officer_client.post(
        url, {"return": "1", "version": str(answer.version), "return_comment": "Add the numbers."}
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["bob@example.org"] and "Add the numbers." in message.body
    assert f"{SITE}/update-requests/{bob_request.pk}/" in message.body
    page = lead.get(f"/update-requests/{bob_request.pk}/").content.decode()
    assert "Returned to you" in page and "Add the numbers." in page
    _post_answer(lead, bob_request, recs["3"], text="Some progress: 12 schools.")
    assert RequestedUpdate.objects.get().state == "returned"  # still returned while editing
    _post_answer(lead, bob_request, recs["3"], action="submit", text="Some progress: 12 schools.")
    answer.refresh_from_db()
    assert answer.state == "submitted"
    history = [h.state for h in answer.history.order_by("history_date")]
    assert history == ["submitted", "returned", "returned", "submitted"]
    assert not ProgressUpdate.objects.filter(report=report).exists()


def test_documents_attached_to_a_draft_move_to_the_update_on_acceptance(officer, member, round_):
    _, report, ann, bob, recs = round_
    _send(officer, report)
    ann_request = UpdateRequest.objects.get(person=ann)
    lead = _lead_client(ann)
    _post_answer(lead, ann_request, recs["2"])
    answer = RequestedUpdate.objects.get()
    url = f"/update-requests/{ann_request.pk}/recommendations/{recs['2'].pk}/documents/new/"
    upload = SimpleUploadedFile("evidence.txt", b"Attendance up 4%.\n", content_type="text/plain")
    response = lead.post(url, {"title": "Evidence", "description": "", "file": upload})
    assert response.status_code == 302, response.content.decode()
    document = SupportingDocument.objects.get()
    assert document.requested_update == answer
    assert lead.get(f"/documents/{document.pk}/").status_code == 200
    assert _lead_client(bob).get(f"/documents/{document.pk}/").status_code == 404
    assert _client(member).get(f"/documents/{document.pk}/").status_code == 403
    _post_answer(lead, ann_request, recs["2"], action="submit")
    answer.refresh_from_db()
    _client(officer).post(
        f"/reviews/r/update-reports/{report.pk}/requests/{answer.pk}/",
        {"accept": "1", "version": str(answer.version)},
    )
    document.refresh_from_db()
    answer.refresh_from_db()
    assert answer.state == "accepted"
    assert document.requested_update is None and document.progress_update == answer.update
    assert _client(member).get(f"/documents/{document.pk}/").status_code == 200


def test_reminders_chase_what_is_outstanding_before_and_after_the_due_date(officer, round_):
    _, report, ann, bob, recs = round_
    _send(officer, report, due=(timezone.localdate() + dt.timedelta(days=5)).isoformat())
    ann_request = UpdateRequest.objects.get(person=ann)
    _post_answer(_lead_client(ann), ann_request, recs["2"], action="submit")
    mail.outbox.clear()
    call_command("send_update_reminders", "--days", "3")
    assert not mail.outbox  # not yet near
    call_command("send_update_reminders", "--days", "7")
    by_to = {message.to[0]: message for message in mail.outbox}
    assert set(by_to) == {"ann@example.org", "bob@example.org"}
    ann_mail = by_to["ann@example.org"].body
    assert "Recommendation 1 (not started)" in ann_mail and "Recommendation 2" not in ann_mail
    assert f"{SITE}/update-requests/{ann_request.pk}/" in ann_mail
    mail.outbox.clear()
    call_command("send_update_reminders", "--days", "7")
    assert not mail.outbox  # once before the due date
    for update_request in UpdateRequest.objects.all():
        update_request.due_on = timezone.localdate() - dt.timedelta(days=1)
        update_request.save()
    call_command("send_update_reminders", "--days", "7")
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "bob@example.org"]
    assert "were due on" in mail.outbox[0].body
    mail.outbox.clear()
    call_command("send_update_reminders", "--days", "7")
    assert not mail.outbox  # and once after it


def test_an_account_made_for_a_lead_cannot_reach_the_admin_or_editing(round_, officer):
    _, report, ann, *_ = round_
    _send(officer, report)
    account = Person.objects.get(pk=ann.pk).user
    assert not account.is_staff and not account.get_all_permissions()
    assert User.objects.filter(groups__name=LEADS).count() == 2


def test_people_with_requests_or_accounts_merge_without_losing_them(officer, round_):
    from recommendations import services

    review, report, ann, bob, recs = round_
    _send(officer, report)
    ann, bob = Person.objects.get(pk=ann.pk), Person.objects.get(pk=bob.pk)
    for keep, duplicate in [(bob, ann), (ann, bob)]:
        with pytest.raises(ValidationError):
            services.merge_people(
                keep=keep, duplicate=duplicate, expected_keep_version=keep.version,
                expected_duplicate_version=duplicate.version, user=officer,
            )  # fmt: skip
    assert UpdateRequest.objects.count() == 2


def test_an_accepted_update_is_searched_and_a_lead_s_draft_is_not(officer, round_):
    from recommendations import search
    from recommendations.models import Recommendation

    def found(words: str) -> list[str]:
        matches = search.search(Recommendation.objects.all(), words)
        return list(matches.values_list("label", flat=True))

    _, report, ann, _, recs = round_
    _send(officer, report)
    ann_request = UpdateRequest.objects.get(person=ann)
    _post_answer(_lead_client(ann), ann_request, recs["2"], action="submit", text="Tapirs fed.")
    assert found("tapirs") == []  # nothing a lead writes is public before it is accepted
    answer = RequestedUpdate.objects.get()
    url = f"/reviews/r/update-reports/{report.pk}/requests/{answer.pk}/"
    _client(officer).post(url, {"accept": "1", "version": str(answer.version)})
    assert found("tapirs") == ["2"]
