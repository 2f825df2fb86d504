"""Who may open and post to each editing page: a role-by-URL matrix."""

import datetime as dt

import pytest
from django.test import Client

from recommendations import services, update_requests
from recommendations.models import (
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    RequestedUpdate,
    UpdateReport,
    UpdateRequest,
)
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls() -> dict[str, str]:
    review = make_review(slug="r", recommendations=2)
    report = UpdateReport.objects.get(review=review)
    update = ProgressUpdate.objects.filter(recommendation__label="1").first()
    lead = Lead.objects.filter(recommendation__label="1").first()
    meeting = Meeting.objects.create(
        committee=review.committee, date="2023-09-01", agenda_item="Item"
    )
    meeting.reviews.add(review)
    services.recommendation_close(
        recommendation=review.recommendations.get(label="2"), meeting=meeting, reason="Done",
        evidence="Minute 1", expected_version=1, user=None,
    )  # fmt: skip
    authority = review.committee.authority
    final = UpdateReport.objects.create(
        review=review, title="Final round", as_at="2023-03-01", is_final=True
    )
    return edit_urls(
        slug="r", label="1", closed_label="2", lead=lead.pk, update=update.pk, report=report.pk,
        final_report=final.pk, meeting=meeting.pk, authority=authority.slug,
        person=lead.person_id,
    )  # fmt: skip


def edit_urls(
    *,
    slug: str,
    label: str,
    closed_label: str,
    lead: int,
    update: int,
    report: int,
    final_report: int,
    meeting: int,
    authority: str = "",
    person: int | None = None,
) -> dict[str, str]:
    """Every editing page, by name; also walked over real HTTP by tests/production/.
    ``authority`` (a slug) and ``person`` (of that authority, or of none) add the pages of
    authorities and people; without ``authority``, "start a review" asks which authority."""
    review = f"/reviews/{slug}/"
    rec = f"{review}recommendations/{label}/"
    people = {}
    if authority:
        people = {
            "authority_create": "/authorities/new/",
            "authority_settings": f"/authorities/{authority}/settings/",
            "person_create": f"/authorities/{authority}/people/new/",
        }
        if person:
            people["person_edit"] = f"/authorities/{authority}/people/{person}/edit/"
            people["person_merge"] = f"/authorities/{authority}/people/{person}/merge/"
    return {
        **people,
        "review_create": f"/reviews/new/?authority={authority}",
        "import_upload": "/reviews/import/",
        "review_edit": review + "edit/",
        "review_reorder": review + "reorder/",
        "review_publication": review + "publication/",
        "recommendation_create": review + "add-recommendation/",
        "recommendation_edit": rec + "edit/",
        "recommendation_move": rec + "move/",
        "recommendation_overdue": rec + "overdue/",
        "recommendation_priority": rec + "priority/",
        "recommendation_close": rec + "close/",
        "recommendation_reopen": f"{review}recommendations/{closed_label}/reopen/",
        "response_edit": rec + "response/",
        "lead_list": rec + "leads/",
        "lead_edit": rec + f"leads/{lead}/edit/",
        "lead_remove": rec + f"leads/{lead}/remove/",
        "lead_move": rec + f"leads/{lead}/move/",
        "update_create": rec + "updates/new/",
        "update_edit": rec + f"updates/{update}/edit/",
        "update_delete": rec + f"updates/{update}/delete/",
        "update_correct": rec + f"updates/{update}/correct/",
        "report_create": review + "update-reports/new/",
        "report_edit": review + f"update-reports/{report}/edit/",
        "report_finalise": review + f"update-reports/{report}/finalise/",
        "report_reopen": review + f"update-reports/{final_report}/reopen/",
        "report_appendix_layout": review + f"update-reports/{report}/appendix-layout/",
        "meeting_create": review + "meetings/new/",
        "meeting_edit": review + f"meetings/{meeting}/edit/",
        "document_attach_review": review + "documents/new/",
        "document_attach_report": review + f"update-reports/{report}/documents/new/",
        "document_attach_update": rec + f"updates/{update}/documents/new/",
        "document_attach_meeting": f"/meetings/{meeting}/documents/new/",
    }


POST_ONLY = {"recommendation_move", "lead_move"}
CLERK_ALLOWED = {
    "report_create",
    "report_edit",
    "report_finalise",
    "meeting_create",
    "meeting_edit",
    # Clerks attach papers (agendas, minutes, reports as sent); only officers remove them.
    "document_attach_review",
    "document_attach_report",
    "document_attach_update",
    "document_attach_meeting",
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_member_gets_403_on_every_edit_url_by_get_and_post(urls, member):
    client = _client(member)
    for name, url in urls.items():
        if name not in POST_ONLY:
            response = client.get(url)
            assert response.status_code == 403, name
            assert b"You cannot do that" in response.content
        assert client.post(url, {"text": "x", "direction": "up"}).status_code == 403, name


def test_someone_in_no_role_gets_403_too(urls, outsider):
    client = _client(outsider)
    for url in urls.values():
        assert client.post(url, {"direction": "up"}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login_from_every_edit_url(urls, client):
    for url in urls.values():
        response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_a_clerk_manages_meetings_and_update_reports_only(urls, clerk):
    client = _client(clerk)
    for name, url in urls.items():
        if name in POST_ONLY:
            status = client.post(url, {"direction": "up"}).status_code
            expected = {302} if name in CLERK_ALLOWED else {403}
        else:
            status = client.get(url).status_code
            expected = {200} if name in CLERK_ALLOWED else {403}
        assert status in expected, (name, status)


def test_an_officer_opens_every_edit_page(urls, officer):
    client = _client(officer)
    for name, url in urls.items():
        if name in POST_ONLY:
            continue
        assert client.get(url).status_code == 200, name


def test_action_urls_refuse_get_with_405(urls, officer):
    client = _client(officer)
    for name in POST_ONLY:
        assert client.get(urls[name]).status_code == 405, name


def test_members_see_no_edit_links(member_client, demo_data):
    for path in [
        "/reviews/hackney-school-exclusions/",
        "/reviews/hackney-school-exclusions/recommendations/3/",
    ]:
        body = member_client.get(path).content.decode()
        for text in [
            "Add progress update",
            "Edit",
            "/edit/",
            "/updates/new/",
            "Change leads",
            "Reorder",
        ]:
            assert text not in body, (path, text)


def test_officers_see_the_edit_links(officer_client, demo_data):
    body = officer_client.get(
        "/reviews/hackney-school-exclusions/recommendations/3/"
    ).content.decode()
    assert 'href="/reviews/hackney-school-exclusions/recommendations/3/updates/new/"' in body
    assert "Add progress update" in body and "Edit recommendation" in body
    body = officer_client.get("/reviews/hackney-school-exclusions/").content.decode()
    assert "Edit review" in body and "Start an update report" in body


def test_a_clerk_sees_report_and_meeting_links_but_not_update_links(client, clerk, demo_data):
    client.force_login(clerk)
    body = client.get("/reviews/hackney-school-exclusions/").content.decode()
    assert "Start an update report" in body and "Add a meeting" in body
    assert "Edit review" not in body
    body = client.get("/reviews/hackney-school-exclusions/recommendations/3/").content.decode()
    assert "Add progress update" not in body


# --- The lead role (issue 17): their own pages only -------------------------------------------


@pytest.fixture
def lead_user(urls):
    """A lead's account, as an update request makes one, linked to the lead of recommendation 1
    of the review the matrix uses; their request for a round still open, with a submitted
    update (so the officer's pages for it exist)."""
    person = Lead.objects.filter(recommendation__label="1").first().person
    person.email = "lead@example.org"
    person.save()
    report = UpdateReport.objects.create(
        review=person.leads.first().recommendation.review, title="Next"
    )
    update_requests.send(report=report, due_on=dt.date.today(), user=None)
    update_request = UpdateRequest.objects.get(person=person)
    recommendation = report.review.recommendations.get(label="1")
    answer = services.requested_update_save(
        answer=RequestedUpdate(request=update_request, recommendation=recommendation, text="Done."),
        expected_version=None, submit=True, user=None,
    )  # fmt: skip
    urls["update_report_requests"] = f"/reviews/r/update-reports/{report.pk}/requests/"
    urls["requested_update_review"] = f"{urls['update_report_requests']}{answer.pk}/"
    return Person.objects.get(pk=person.pk).user


READING_URLS = [
    "/reviews/", "/reviews/r/", "/reviews/r/recommendations/1/", "/reviews/r/changes/",
    "/reviews/r/appendix/", "/reviews/r/appendix.csv", "/recommendations/", "/labels/",
    "/authorities/",
]  # fmt: skip


def test_a_lead_gets_403_on_every_edit_and_reading_url(urls, lead_user):
    client = _client(lead_user)
    for name, url in urls.items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 403, name
        assert client.post(url, {"text": "x", "direction": "up"}).status_code == 403, name
    for url in READING_URLS:
        assert client.get(url).status_code == 403, url
    # Signing in lands on the dashboard, which sends a lead to their own page.
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/my-updates/"
    assert client.get("/my-updates/").status_code == 200
    assert client.get("/accounts/password_change/").status_code == 200


def test_the_round_requests_pages_are_officers_only(urls, lead_user, officer, member, clerk):
    pages = ["update_report_requests", "requested_update_review"]
    for user, expected in [(officer, 200), (member, 403), (clerk, 403)]:
        client = _client(user)
        for name in pages:
            assert client.get(urls[name]).status_code == expected, (user, name)
    update_request = UpdateRequest.objects.get()
    for user in [officer, member, clerk]:
        # A lead's request page is theirs alone.
        assert _client(user).get(update_request.get_absolute_url()).status_code == 403
        assert _client(user).get("/my-updates/").status_code == 403
