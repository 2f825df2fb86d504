"""Issue 17's goal, in a real browser: an officer opens a round and sends update requests; two
leads set their passwords from the emailed links and sign in; one submits, one drafts; the
officer accepts one update and returns another; the lead resubmits; the report shows the
updates as given by the leads."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from recommendations.models import (
    Lead,
    Person,
    ProgressUpdate,
    RequestedUpdate,
    UpdateReport,
)
from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.factories import make_review
from tests.html_checker import assert_valid_html

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "lead-sets-this-password-42"


@pytest.fixture
def round_(settings, live_server):
    """Ann leads recommendations 1 and 2, Bob leads 3; the six month update went before, and
    the twelve month round is open."""
    settings.SITE_URL = live_server.url  # so the emailed links lead to this server
    review = make_review(slug="r", title="School exclusions", recommendations=3, leads_each=0)
    review.uses_rag = True
    review.save()
    recs = {rec.label: rec for rec in review.recommendations.all()}
    ann = Person.objects.create(
        name="Ann Lead", job_title="Head of Inclusion", email="ann@example.org"
    )
    bob = Person.objects.create(
        name="Bob Lead", job_title="Virtual School Head", email="bob@example.org"
    )
    Lead.objects.create(recommendation=recs["1"], person=ann)
    Lead.objects.create(recommendation=recs["2"], person=ann)
    Lead.objects.create(recommendation=recs["3"], person=bob)
    report = UpdateReport.objects.create(
        review=review, title="Twelve month update", as_at=dt.date.today()
    )
    return report, ann, bob


def _email_to(address: str) -> str:
    return next(m.body for m in reversed(mail.outbox) if m.to == [address])


def _link(body: str, path: str) -> str:
    return re.search(rf"https?://\S+({re.escape(path)}\S*)", body).group(1)


def _lead_signs_in(browser: Browser, live_server, address: str, served: dict) -> Page:
    """A lead's own browser: the invitation link from their email, a password, sign-in."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    body = _email_to(address)
    served[f"invitation {address}"] = page.goto(_link(body, "/accounts/invitation/")).body()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is set")
    username = re.search(r"Your username is (\S+)\.", body).group(1)
    sign_in(page, username, NEW_PASSWORD)
    # Signing in lands on their own page, which lists what they lead.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your updates")
    return page


def _fill(page: Page, label: str, text: str, status: str = "in_progress") -> None:
    page.get_by_label(f"Progress update (recommendation {label})").fill(text)
    page.get_by_label(f"Status (recommendation {label})").select_option(status)


def test_leads_send_their_updates_and_the_officer_signs_them_off(
    page: Page, browser: Browser, live_server, officer, round_
):
    report, ann, bob = round_
    served: dict[str, str | bytes] = {}
    round_url = f"/reviews/r/update-reports/{report.pk}/"

    # The officer opens the round and sends the requests.
    sign_in(page, officer.username)
    page.goto(round_url)
    page.get_by_role("link", name=re.compile("Update requests")).click()
    page.get_by_label("Updates due by").fill((dt.date.today() + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Send update requests").click()
    expect(page.get_by_text("2 update requests sent.")).to_be_visible()
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "bob@example.org"]
    assert_accessible(page)
    screenshot(page, "requests-sent")

    # Both leads sign in from their emails. Ann submits both her updates; Bob saves a draft.
    ann_page = _lead_signs_in(browser, live_server, "ann@example.org", served)
    ann_page.goto(_link(_email_to("ann@example.org"), "/update-requests/"))
    expect(ann_page.get_by_role("heading", level=1)).to_have_text(
        "Your updates for Twelve month update"
    )
    _fill(ann_page, "1", "Training delivered to all heads.")
    ann_page.get_by_label("RAG rating (recommendation 1)").select_option("green")
    ann_page.get_by_role("button", name="Submit the update on recommendation 1").click()
    expect(ann_page.get_by_text("Your update on recommendation 1 is submitted")).to_be_visible()
    _fill(ann_page, "2", "Guidance drafted.")
    ann_page.get_by_role("button", name="Submit the update on recommendation 2").click()
    expect(ann_page.get_by_text("Your update on recommendation 2 is submitted")).to_be_visible()
    assert_accessible(ann_page)
    screenshot(ann_page, "requests-lead-submitted")

    bob_page = _lead_signs_in(browser, live_server, "bob@example.org", served)
    assert_accessible(bob_page)
    bob_page.get_by_role("link", name=re.compile("Twelve month update")).click()
    _fill(bob_page, "3", "Bob's private first thoughts.")
    bob_page.get_by_role("button", name="Save draft of the update on recommendation 3").click()
    expect(bob_page.get_by_text("Draft saved for recommendation 3")).to_be_visible()
    bob_request = bob_page.url.split("#")[0]
    # A lead sees nothing beyond their own pages.
    assert bob_page.goto(round_url).status == 403
    assert bob_page.goto(ann_page.url.split("#")[0]).status == 404

    # The officer sees the round's requests: Ann's two submitted, Bob's a draft (unread).
    page.reload()
    expect(page.get_by_text("Bob's private first thoughts.")).to_have_count(0)
    by_rec = page.get_by_role("region", name="By recommendation")
    expect(by_rec.get_by_text("Draft")).to_be_visible()
    expect(by_rec.get_by_text("Submitted")).to_have_count(2)
    screenshot(page, "requests-overview")

    # Accept Ann's recommendation 1; return her recommendation 2 with a comment.
    page.get_by_role(
        "link", name="Accept or return the update from Ann Lead on recommendation 1"
    ).click()
    expect(page.get_by_text("Training delivered to all heads.")).to_be_visible()
    review_url = page.url
    assert_accessible(page)
    screenshot(page, "requests-review")
    page.get_by_role("button", name="Accept into the report").click()
    expect(page.get_by_text("the update from Ann Lead is in the report")).to_be_visible()
    page.get_by_role(
        "link", name="Accept or return the update from Ann Lead on recommendation 2"
    ).click()
    page.get_by_label("What should the lead change?").fill("Say when the guidance will be issued.")
    page.get_by_role("button", name="Return to Ann Lead").click()
    expect(page.get_by_text("returned to Ann Lead")).to_be_visible()
    assert "Say when the guidance will be issued." in _email_to("ann@example.org")

    # Ann reads the comment, edits and resubmits.
    ann_page.reload()
    expect(ann_page.get_by_text("Say when the guidance will be issued.")).to_be_visible()
    _fill(ann_page, "2", "Guidance drafted; it will be issued in March.")
    ann_page.get_by_role("button", name="Submit the update on recommendation 2").click()
    expect(ann_page.get_by_text("Your update on recommendation 2 is submitted")).to_be_visible()
    screenshot(ann_page, "requests-lead-resubmitted")
    # Bob submits his too.
    bob_page.goto(bob_request)
    expect(bob_page.get_by_label("Progress update (recommendation 3)")).to_have_value(
        "Bob's private first thoughts."
    )
    _fill(bob_page, "3", "Virtual school now tracks every exclusion.")
    bob_page.get_by_role("button", name="Submit the update on recommendation 3").click()

    # The officer accepts both.
    for label, lead in [("2", "Ann Lead"), ("3", "Bob Lead")]:
        page.goto(f"{round_url}requests/")
        name = f"Accept or return the update from {lead} on recommendation {label}"
        page.get_by_role("link", name=name).click()
        page.get_by_role("button", name="Accept into the report").click()
        expect(page.get_by_text(f"the update from {lead} is in the report")).to_be_visible()

    # The report shows the updates as given by the leads.
    page.goto(round_url)
    expect(page.get_by_text("Given by Ann Lead, Head of Inclusion")).to_have_count(2)
    expect(page.get_by_text("Given by Bob Lead, Virtual School Head")).to_have_count(1)
    expect(page.get_by_text("Guidance drafted; it will be issued in March.")).to_be_visible()
    screenshot(page, "requests-report")
    updates = {u.recommendation.label: u for u in ProgressUpdate.objects.filter(report=report)}
    assert {label: u.author.name for label, u in updates.items()} == {
        "1": "Ann Lead", "2": "Ann Lead", "3": "Bob Lead",
    }  # fmt: skip
    assert updates["1"].rag == "green"
    assert set(RequestedUpdate.objects.values_list("state", flat=True)) == {"accepted"}

    # At 390 px, the lead's page and the officer's fit.
    for each in (ann_page, page):
        each.set_viewport_size({"width": 390, "height": 844})
        each.reload()
        assert each.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{round_url}requests/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "requests-overview-390")
    screenshot(ann_page, "requests-lead-390")
    # What the server sent for each new page, to the Nu HTML checker.
    for each, paths in [
        (ann_page, ["/my-updates/", ann_page.url.split("#")[0]]),
        (page, [f"{round_url}requests/", review_url, round_url]),
    ]:
        for path in paths:
            served[path] = each.request.get(path).body()
    assert_valid_html(served)
    ann_page.context.close()
    bob_page.context.close()
