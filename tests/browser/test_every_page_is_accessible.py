"""axe-core and the W3C Nu HTML checker on every page type a person can reach, as an
administrator (who sees every edit link and form). The flows in the other browser tests cover the
same pages with errors shown."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import Page

from recommendations import selectors, services, update_requests
from recommendations.models import (
    CommitteeVerdict,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    RequestedUpdate,
    Response,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
)
from reports.models import StoredPDF
from tests.browser.conftest import assert_accessible, load_axe_on_every_page, sign_in
from tests.conftest import PASSWORD
from tests.documents import pdf
from tests.factories import make_review
from tests.html_checker import assert_valid_html, html_errors

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions"
REC = HACKNEY + "/recommendations/3"


def test_every_page_type_has_no_axe_violations_and_is_valid_html(page: Page, demo_data):
    User.objects.create_superuser("ada-admin", password=PASSWORD)
    recommendation = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    lead = Lead.objects.filter(recommendation=recommendation).first()
    update = ProgressUpdate.objects.filter(recommendation=recommendation).first()
    report = UpdateReport.objects.get(review__slug="hackney-school-exclusions")
    meeting = Meeting.objects.filter(reviews__slug="hackney-school-exclusions").first()
    # One closed (its page offers the reopen form) and one reopened (its page says so).
    closed = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="4")
    closed.closed_at_meeting, closed.closed_reason, closed.closed_evidence = meeting, "Done", "M1"
    closed.save()
    reopened = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="5")
    reopened.reopened_at_meeting, reopened.reopened_reason = meeting, "Not done after all"
    reopened.save()
    # Each record's page lists a document, with its remove link.
    documents = [
        services.attach_document(
            document=SupportingDocument(
                title=f"Paper {n}", file=SimpleUploadedFile("p.pdf", pdf()), **parent
            ),
            user=None,
        )
        for n, parent in enumerate(
            [
                {"review": recommendation.review},
                {"update_report": report},
                {"progress_update": update},
                {"meeting": meeting},
            ]
        )
    ]
    # The committee's view of recommendation 3's update, at the meeting its report went to; the
    # later meeting's page shows it as recorded there.
    services.committee_verdict_save(
        verdict=CommitteeVerdict(
            update=update, meeting=report.meeting, verdict="not_satisfied",
            asks="The lead officer to attend.", comment="Members were *not* assured.",
        ),
        expected_version=None, user=None,
    )  # fmt: skip
    hackney_people = list(Person.objects.filter(authority__slug="hackney").order_by("pk")[:2])
    people = "/authorities/hackney/people/"
    # An update in no final report, which can still be deleted (its confirmation page).
    loose = ProgressUpdate.objects.create(
        recommendation=recommendation, as_at="2024-06-01", text="Not in a report."
    )
    # A draft round with one update: its page, edit form and finalise confirmation (with the
    # other recommendations listed as having no new update); the demo's final report reopens.
    draft = UpdateReport.objects.create(
        review=report.review, title="Next round", as_at="2023-12-01"
    )
    ProgressUpdate.objects.create(
        recommendation=recommendation, report=draft, as_at="2023-12-01", text="Next progress."
    )
    # Update requests for a round still open: the lead has submitted one update and drafted
    # another; the officer's pages, then the lead's own.
    lead_paths = _requests_sent(recommendation)
    next_round = UpdateReport.objects.get(title="Requested round")
    submitted = RequestedUpdate.objects.get(state="submitted")
    # A report's appendix PDF the worker is making: its progress page.
    StoredPDF.objects.update_or_create(
        document=f"appendix:{report.review_id}:report:{report.pk}",
        defaults={
            "review_id": report.review_id, "report": report, "status": "running",
            "pages_done": 7, "lease_expires_at": timezone.now() + dt.timedelta(hours=1),
        },
    )  # fmt: skip
    load_axe_on_every_page(page)
    sign_in(page, "ada-admin")
    paths = [
        f"{HACKNEY}/update-reports/{next_round.pk}/requests/",
        f"{HACKNEY}/update-reports/{next_round.pk}/requests/{submitted.pk}/",
        "/",
        "/labels/",
        "/reviews/",
        "/reviews/new/",
        "/reviews/new/?authority=hackney",
        "/reviews/import/",  # its preview: tests/browser/test_importing.py
        "/authorities/",
        "/authorities/new/?next=/reviews/new/",
        "/authorities/hackney/settings/",
        people,
        people + "new/",
        f"{people}{hackney_people[0].pk}/edit/",
        f"{people}{hackney_people[0].pk}/merge/",
        f"{people}{hackney_people[0].pk}/merge/?keep={hackney_people[1].pk}",
        HACKNEY + "/",
        HACKNEY + "/edit/",
        HACKNEY + "/reorder/",
        HACKNEY + "/changes/",
        HACKNEY + "/add-recommendation/",
        HACKNEY + "/update-reports/new/",
        f"{HACKNEY}/update-reports/{report.pk}/",
        f"{HACKNEY}/update-reports/{report.pk}/reopen/",
        f"{HACKNEY}/update-reports/{draft.pk}/",
        f"{HACKNEY}/update-reports/{draft.pk}/edit/",
        f"{HACKNEY}/update-reports/{draft.pk}/finalise/",
        HACKNEY + "/meetings/new/",
        f"{HACKNEY}/meetings/{meeting.pk}/edit/",
        HACKNEY + "/appendix/",
        f"{HACKNEY}/appendix/?report={draft.pk}",
        f"{HACKNEY}/changes/?from=report-{report.pk}&to=report-{draft.pk}",
        HACKNEY + "/appendix/settings/",
        HACKNEY + "/appendix/pdf/",
        f"{HACKNEY}/appendix/pdf/?report={report.pk}",
        f"{HACKNEY}/update-reports/{draft.pk}/appendix-layout/",
        REC + "/",
        REC + "/edit/",
        REC + "/overdue/",
        REC + "/priority/",
        REC + "/close/",
        HACKNEY + "/recommendations/4/",
        HACKNEY + "/recommendations/4/reopen/",
        HACKNEY + "/recommendations/5/",
        REC + "/response/",
        REC + "/leads/",
        f"{REC}/leads/{lead.pk}/edit/",
        f"{REC}/leads/{lead.pk}/remove/",
        f"{REC}/updates/{loose.pk}/delete/",
        REC + "/updates/new/",
        f"{REC}/updates/{update.pk}/correct/",
        "/reviews/buckinghamshire-permanent-exclusions/recommendations/2a/",
        "/recommendations/",
        "/recommendations/?q=exclusion&decision=agreed",
        "/trackers/",
        "/trackers/?group=committee&layout=buckinghamshire&closed=",
        "/annual/?year=2021",
        "/trackers/pdf/?group=committee&closed=",
        "/accounts/password_change/",
        "/accounts/password_change/done/",
        f"/meetings/{meeting.pk}/pack/",
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/documents/new/",
        HACKNEY + "/documents/new/",
        f"{HACKNEY}/update-reports/{report.pk}/documents/new/",
        f"{REC}/updates/{update.pk}/documents/new/",
        f"/documents/{documents[0].pk}/remove/",
        f"/meetings/{report.meeting_id}/verdicts/",
        f"/meetings/{meeting.pk}/verdicts/",
    ]
    served: dict[str, bytes] = {}
    _walk(page, paths, served)
    sign_in(page, Person.objects.get(user__isnull=False).user.username)
    _walk(page, lead_paths, served)
    assert_valid_html(served)


def _walk(page: Page, paths: list[str], served: dict[str, bytes]) -> None:
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        # What the server sent, not the DOM the browser built from it (which would be repaired).
        served[path] = response.body()
        try:
            assert_accessible(page)
        except AssertionError as error:
            raise AssertionError(f"{path}: {error}") from None


def _requests_sent(recommendation: Recommendation) -> list[str]:
    """A new round of the recommendation's review, its requests sent; its lead submits one
    update and drafts another, and can sign in. The lead's pages."""
    report = UpdateReport.objects.create(
        review=recommendation.review, title="Requested round", as_at=dt.date.today()
    )
    # The person leading most of the review's recommendations: one submitted, one drafted.
    person = (
        Person.objects.filter(leads__recommendation__review=recommendation.review)
        .annotate(led=Count("leads"))
        .order_by("-led", "pk")
        .first()
    )
    person.email = "lead@example.org"
    person.save()
    update_requests.send(report=report, due_on=dt.date.today(), user=None)
    update_request = UpdateRequest.objects.get(person=person)
    rows = selectors.rows_for_request(update_request)
    for row, submit in [(rows[0], True), (rows[-1], False)]:
        services.requested_update_save(
            answer=RequestedUpdate(
                request=update_request, recommendation=row.recommendation,
                text="Progress *made*.",
            ),
            expected_version=None, submit=submit, user=None,
        )  # fmt: skip
    account = Person.objects.get(pk=person.pk).user
    account.set_password(PASSWORD)
    account.save()
    base = update_request.get_absolute_url()
    return [
        "/my-updates/",
        base,
        f"{base}recommendations/{rows[-1].recommendation.pk}/documents/new/",
        "/accounts/password_change/",
    ]


def _csrf_token(page: Page) -> str:
    return page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")


def test_sign_in_and_error_pages_are_valid_html(page: Page, officer, outsider, demo_data):
    """Fetched with the page's request API where the status is an error (the browser would log
    a console error for each), but with the same cookies and the same live server."""
    served: dict[str, bytes] = {}
    response = page.goto("/accounts/login/")
    served["sign-in"] = response.body()
    assert_accessible(page)
    wrong = {"username": "nobody-here", "password": "wrong", "csrfmiddlewaretoken": ""}
    wrong["csrfmiddlewaretoken"] = _csrf_token(page)
    response = page.request.post("/accounts/login/", form=wrong)
    assert response.status == 200
    served["sign-in, wrong password"] = response.body()
    for _ in range(5):
        response = page.request.post("/accounts/login/", form=wrong)
    assert response.status == 429
    served["locked out"] = response.body()

    sign_in(page, outsider.username)
    response = page.request.get(REC + "/edit/")
    assert response.status == 403
    served["403"] = response.body()
    page.request.post("/accounts/logout/", form={"csrfmiddlewaretoken": _csrf_token(page)})

    sign_in(page, officer.username)
    response = page.request.get("/no-such-page/")
    assert response.status == 404
    served["404"] = response.body()
    with mock.patch("recommendations.selectors.review_list", side_effect=RuntimeError("bug")):
        response = page.request.get("/reviews/")
    assert response.status == 500
    served["500"] = response.body()
    with mock.patch(
        "recommendations.selectors.review_list", side_effect=OperationalError("server closed")
    ):
        response = page.request.get("/reviews/")
    assert response.status == 503
    served["503"] = response.body()
    page.goto(REC + "/updates/new/")
    typed = {
        "csrfmiddlewaretoken": _csrf_token(page),
        "as_at": "2024-05-01",
        "as_at_precision": "day",
        "status": "in_progress",
        "text": 'Typed <script>alert("x")</script>\nsecond line & more',
        "timescale": "July 2024",
        "target_date": "",
        "report": "",
    }
    with mock.patch(
        "recommendations.services.progress_update_create",
        side_effect=OperationalError("server closed"),
    ):
        response = page.request.post(REC + "/updates/new/", form=typed)
    assert response.status == 503
    assert "Your form was not saved" in response.text()
    served["503 with the form kept"] = response.body()
    response = page.request.post(
        "/accounts/logout/", form={"csrfmiddlewaretoken": _csrf_token(page)}
    )
    served["signed out"] = response.body()
    assert_valid_html(served)


HOSTILE = (
    'Publish "exclusion" rates <script>alert("x")</script> & it\'s <b onclick="x()">bold</b>\n\n'
    '- a point with [a link](https://example.org/?a=1&b="2") and [bad](javascript:alert(1))\n'
    "- a second point\n    1. nested <em>unclosed\n\n"
    "1. one\n2. two\n\n"
    "> quoted <img src=x onerror=alert(1)>\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    '<div><p title="x">raw <table><td>cell\n\n'
    "`code <tag>` and ![an image](https://example.org/x.png)\n\n"
    "Heading\n=======\n\n---\n\n<!-- a comment --> text"
)


def test_hostile_text_is_shown_as_valid_html(page: Page, officer):
    review = make_review(slug="hostile", title='Review "<script>alert(1)</script>" & co')
    recommendation = Recommendation.objects.get(review=review, label="1")
    recommendation.text = HOSTILE
    recommendation.save()
    Response.objects.filter(recommendation=recommendation).update(text=HOSTILE)
    update = ProgressUpdate.objects.filter(recommendation=recommendation).get()
    update.text = HOSTILE
    update.save()
    Person.objects.update(name='O\'Brien "<b>Lead</b>"')
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 9, 1), agenda_item='Item "<i>5</i>"'
    )
    meeting.reviews.add(review)
    services.committee_verdict_save(
        verdict=CommitteeVerdict(
            update=update, meeting=meeting, verdict="not_satisfied", asks=HOSTILE, comment=HOSTILE
        ),
        expected_version=None, user=None,
    )  # fmt: skip
    load_axe_on_every_page(page)
    sign_in(page, officer.username)
    served: dict[str, bytes] = {}
    for path in [
        "/",
        "/reviews/hostile/",
        "/reviews/hostile/recommendations/1/",
        "/reviews/hostile/appendix/",
        "/reviews/hostile/changes/",
        f"/reviews/hostile/update-reports/{update.report_id}/",
        "/recommendations/?q=exclusion+rates",
        "/trackers/?closed=",
        f"/meetings/{meeting.pk}/verdicts/",
    ]:
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        assert "<script>alert" not in response.text()
        served[path] = response.body()
        try:
            assert_accessible(page)
        except AssertionError as error:
            raise AssertionError(f"{path}: {error}") from None
    assert_valid_html(served)


def test_the_html_checker_names_the_page_and_the_error():
    errors = html_errors(
        {
            "/fine/": '<!DOCTYPE html><html lang="en"><title>t</title><p>fine</p></html>',
            "/broken/": '<!DOCTYPE html><html lang="en"><title>t</title><p id="a"><p id="a">',
        }
    )
    assert len(errors) == 1 and re.match(r"/broken/: line 1: Duplicate ID “a”", errors[0])
